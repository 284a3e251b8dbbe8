#include "encode/row_error.h"

namespace arrow_zerobus::encode {

std::string_view RowErrorKindName(RowErrorKind kind) {
  switch (kind) {
    case RowErrorKind::kIntegerOverflow:
      return "IntegerOverflow";
    case RowErrorKind::kTimestampOverflow:
      return "TimestampOverflow";
    case RowErrorKind::kInvalidUtf8:
      return "InvalidUtf8";
    case RowErrorKind::kNullValue:
      return "NullValue";
    case RowErrorKind::kNullElement:
      return "NullElement";
    case RowErrorKind::kRecordTooLarge:
      return "RecordTooLarge";
    case RowErrorKind::kNotConvertible:
      return "NotConvertible";
    case RowErrorKind::kPrecisionLoss:
      return "PrecisionLoss";
    case RowErrorKind::kDecimalOverflow:
      return "DecimalOverflow";
  }
  return "Unknown";
}

}  // namespace arrow_zerobus::encode
