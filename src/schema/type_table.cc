#include "schema/type_table.h"

#include <arrow/extension_type.h>

namespace arrow_zerobus::schema {
namespace {

using FDP = google::protobuf::FieldDescriptorProto;

bool IsIntegerProtoType(ProtoType t) {
  switch (t) {
    case FDP::TYPE_INT32:
    case FDP::TYPE_INT64:
    case FDP::TYPE_UINT32:
    case FDP::TYPE_UINT64:
    case FDP::TYPE_SINT32:
    case FDP::TYPE_SINT64:
    case FDP::TYPE_FIXED32:
    case FDP::TYPE_FIXED64:
    case FDP::TYPE_SFIXED32:
    case FDP::TYPE_SFIXED64:
      return true;
    default:
      return false;
  }
}

Status Unsupported(const std::string& path, const arrow::DataType& type, const char* why) {
  return ConfigurationError("column '" + path + "' has Arrow type " + type.ToString() +
                            ", which cannot be sent to Zerobus: " + why);
}

}  // namespace

Result<TypeMapping> MapValueType(const arrow::DataType& type, const std::string& path) {
  switch (type.id()) {
    case arrow::Type::BOOL:
      return TypeMapping{FDP::TYPE_BOOL, ValueConversion::kNone};
    case arrow::Type::INT8:
    case arrow::Type::INT16:
    case arrow::Type::INT32:
    case arrow::Type::UINT8:
    case arrow::Type::UINT16:
      return TypeMapping{FDP::TYPE_INT32, ValueConversion::kNone};
    case arrow::Type::INT64:
    case arrow::Type::UINT32:
    case arrow::Type::UINT64:  // values above INT64_MAX are row errors
      return TypeMapping{FDP::TYPE_INT64, ValueConversion::kNone};
    case arrow::Type::HALF_FLOAT:
    case arrow::Type::FLOAT:
      return TypeMapping{FDP::TYPE_FLOAT, ValueConversion::kNone};
    case arrow::Type::DOUBLE:
      return TypeMapping{FDP::TYPE_DOUBLE, ValueConversion::kNone};
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING:
    case arrow::Type::STRING_VIEW:
      return TypeMapping{FDP::TYPE_STRING, ValueConversion::kUtf8};
    case arrow::Type::BINARY:
    case arrow::Type::LARGE_BINARY:
    case arrow::Type::BINARY_VIEW:
    case arrow::Type::FIXED_SIZE_BINARY:
      return TypeMapping{FDP::TYPE_BYTES, ValueConversion::kNone};
    case arrow::Type::DATE32:
      return TypeMapping{FDP::TYPE_INT32, ValueConversion::kNone};
    case arrow::Type::DATE64:
      return TypeMapping{FDP::TYPE_INT32, ValueConversion::kDaysFromMillis};
    case arrow::Type::TIMESTAMP:
    case arrow::Type::TIME32:
    case arrow::Type::TIME64:
    case arrow::Type::DURATION:
      return TypeMapping{FDP::TYPE_INT64, ValueConversion::kMicrosFromUnit};
    case arrow::Type::DECIMAL32:
    case arrow::Type::DECIMAL64:
    case arrow::Type::DECIMAL128:
    case arrow::Type::DECIMAL256: {
      const int32_t scale = static_cast<const arrow::DecimalType&>(type).scale();
      if (scale < -kMaxDecimalScale || scale > kMaxDecimalScale) {
        return Unsupported(path, type, "decimal scales beyond +-100 are not supported");
      }
    }
      // The service's expectation for DECIMAL is undocumented; exact text is lossless and is what
      // the SDKs' Arrow path uses (decimal as text). Change it here and nowhere else.
      return TypeMapping{FDP::TYPE_STRING, ValueConversion::kDecimalText};
    case arrow::Type::STRUCT:
      return TypeMapping{FDP::TYPE_MESSAGE, ValueConversion::kNestedMessage};
    case arrow::Type::NA:
      return Unsupported(path, type, "a null-typed column carries no values; give it a real type");
    case arrow::Type::SPARSE_UNION:
    case arrow::Type::DENSE_UNION:
      return Unsupported(path, type, "unions have no protobuf or Delta equivalent");
    case arrow::Type::INTERVAL_MONTHS:
    case arrow::Type::INTERVAL_DAY_TIME:
    case arrow::Type::INTERVAL_MONTH_DAY_NANO:
      return Unsupported(path, type, "intervals have no Delta column type");
    case arrow::Type::LIST:
    case arrow::Type::LARGE_LIST:
    case arrow::Type::FIXED_SIZE_LIST:
    case arrow::Type::LIST_VIEW:
    case arrow::Type::LARGE_LIST_VIEW:
      return Unsupported(path, type,
                         "a list directly inside a list or map cannot be a protobuf field; wrap "
                         "the inner list in a struct");
    case arrow::Type::MAP:
      return Unsupported(path, type,
                         "a map directly inside a list or map cannot be a protobuf field; wrap "
                         "the inner map in a struct");
    default:
      return Unsupported(path, type, "no protobuf mapping exists for it");
  }
}

bool IsCompatibleProtoType(const arrow::DataType& type, ProtoType proto) {
  switch (type.id()) {
    case arrow::Type::BOOL:
      return proto == FDP::TYPE_BOOL;
    case arrow::Type::INT8:
    case arrow::Type::INT16:
    case arrow::Type::INT32:
    case arrow::Type::INT64:
    case arrow::Type::UINT8:
    case arrow::Type::UINT16:
    case arrow::Type::UINT32:
    case arrow::Type::UINT64:
    case arrow::Type::DATE32:
    case arrow::Type::DATE64:
    case arrow::Type::TIMESTAMP:
    case arrow::Type::TIME32:
    case arrow::Type::TIME64:
    case arrow::Type::DURATION:
      return IsIntegerProtoType(proto);
    case arrow::Type::HALF_FLOAT:
    case arrow::Type::FLOAT:
      return proto == FDP::TYPE_FLOAT || proto == FDP::TYPE_DOUBLE;
    case arrow::Type::DOUBLE:
      return proto == FDP::TYPE_DOUBLE;
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING:
    case arrow::Type::STRING_VIEW:
    case arrow::Type::BINARY:
    case arrow::Type::LARGE_BINARY:
    case arrow::Type::BINARY_VIEW:
    case arrow::Type::FIXED_SIZE_BINARY:
      return proto == FDP::TYPE_STRING || proto == FDP::TYPE_BYTES;
    case arrow::Type::DECIMAL32:
    case arrow::Type::DECIMAL64:
    case arrow::Type::DECIMAL128:
    case arrow::Type::DECIMAL256:
      return proto == FDP::TYPE_STRING;
    case arrow::Type::STRUCT:
      return proto == FDP::TYPE_MESSAGE;
    default:
      return false;
  }
}

std::shared_ptr<arrow::DataType> DecodedValueType(const std::shared_ptr<arrow::DataType>& type) {
  // Arrow's take kernels have no view types; views are gathered as their large counterparts.
  switch (type->id()) {
    case arrow::Type::STRING_VIEW:
      return arrow::large_utf8();
    case arrow::Type::BINARY_VIEW:
      return arrow::large_binary();
    default:
      return type;
  }
}

std::shared_ptr<arrow::DataType> ResolveEncodedType(const std::shared_ptr<arrow::DataType>& type) {
  switch (type->id()) {
    case arrow::Type::DICTIONARY:
      return ResolveEncodedType(
          DecodedValueType(static_cast<const arrow::DictionaryType&>(*type).value_type()));
    case arrow::Type::RUN_END_ENCODED:
      return ResolveEncodedType(
          DecodedValueType(static_cast<const arrow::RunEndEncodedType&>(*type).value_type()));
    case arrow::Type::EXTENSION:
      return ResolveEncodedType(static_cast<const arrow::ExtensionType&>(*type).storage_type());
    default:
      return type;
  }
}

bool NeedsDecoding(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::DICTIONARY:
    case arrow::Type::RUN_END_ENCODED:
    case arrow::Type::EXTENSION:
    case arrow::Type::LIST_VIEW:
    case arrow::Type::LARGE_LIST_VIEW:
      return true;
    default:
      break;
  }
  for (const auto& child : type.fields()) {
    if (NeedsDecoding(*child->type())) return true;
  }
  return false;
}

std::string ProtoTypeName(ProtoType type) {
  switch (type) {
    case FDP::TYPE_DOUBLE:
      return "double";
    case FDP::TYPE_FLOAT:
      return "float";
    case FDP::TYPE_INT64:
      return "int64";
    case FDP::TYPE_UINT64:
      return "uint64";
    case FDP::TYPE_INT32:
      return "int32";
    case FDP::TYPE_FIXED64:
      return "fixed64";
    case FDP::TYPE_FIXED32:
      return "fixed32";
    case FDP::TYPE_BOOL:
      return "bool";
    case FDP::TYPE_STRING:
      return "string";
    case FDP::TYPE_GROUP:
      return "group";
    case FDP::TYPE_MESSAGE:
      return "message";
    case FDP::TYPE_BYTES:
      return "bytes";
    case FDP::TYPE_UINT32:
      return "uint32";
    case FDP::TYPE_ENUM:
      return "enum";
    case FDP::TYPE_SFIXED32:
      return "sfixed32";
    case FDP::TYPE_SFIXED64:
      return "sfixed64";
    case FDP::TYPE_SINT32:
      return "sint32";
    case FDP::TYPE_SINT64:
      return "sint64";
  }
  return "unknown";
}

bool IsPackableProtoType(ProtoType type) {
  return IsIntegerProtoType(type) || type == FDP::TYPE_BOOL || type == FDP::TYPE_FLOAT ||
         type == FDP::TYPE_DOUBLE || type == FDP::TYPE_ENUM;
}

}  // namespace arrow_zerobus::schema
