// Why one row could not become a record.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace arrow_zerobus::encode {

enum class RowErrorKind : uint8_t {
  kIntegerOverflow,    ///< e.g. a uint64 above INT64_MAX for an int64 field
  kTimestampOverflow,  ///< a date/time/timestamp/duration that does not fit after unit conversion
  kInvalidUtf8,        ///< bytes of a string field that are not UTF-8
  kNullValue,          ///< null in a non-nullable (required) column
  kNullElement,        ///< null list element or map key/value: protobuf cannot hold it
  kRecordTooLarge,     ///< the encoded record exceeds the record size limit
  // Conversions to a table's column types (schema_source: table):
  kNotConvertible,   ///< text that does not parse as the column's type, JSON that is not JSON
  kPrecisionLoss,    ///< a value the column's type would change: an integer a float rounds,
                     ///< decimal digits beyond the column's scale
  kDecimalOverflow,  ///< more digits than the DECIMAL column's precision
};

std::string_view RowErrorKindName(RowErrorKind kind);

struct RowError {
  int64_t row = 0;     ///< index of the row in the batch
  std::string column;  ///< column path ("a", "a.b", "items[].sku"); empty for record-level errors
  RowErrorKind kind = RowErrorKind::kNullValue;
  std::string message;  ///< names the row, the column and the cause
};

}  // namespace arrow_zerobus::encode
