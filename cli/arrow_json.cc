// Converting Arrow values to JSON, cell by cell through Arrow scalars.
#include "arrow_json.h"
#include "common/text.h"

#include <cstdint>
#include <string>
#include <string_view>

#include <arrow/scalar.h>
#include <arrow/util/float16.h>
#include <nlohmann/json.hpp>

namespace arrow_zerobus::cli {
namespace {

using Json = nlohmann::ordered_json;

template <typename ScalarType>
auto ValueOf(const arrow::Scalar& scalar) {
  return static_cast<const ScalarType&>(scalar).value;
}

std::string_view BufferText(const arrow::Scalar& scalar) {
  const auto& buffer = static_cast<const arrow::BaseBinaryScalar&>(scalar).value;
  return buffer == nullptr ? std::string_view() : std::string_view(*buffer);
}

Result<Json> ToJson(const arrow::Scalar& scalar);
Result<Json> EncodedValueToJson(const arrow::DictionaryScalar& scalar);

Result<Json> ArrayToJson(const arrow::Array& array) {
  Json items = Json::array();
  for (int64_t i = 0; i < array.length(); ++i) {
    auto element = array.GetScalar(i);
    if (!element.ok()) return InternalError(element.status().ToString());
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(Json item, ToJson(**element));
    items.push_back(std::move(item));
  }
  return items;
}

Result<Json> MapToJson(const arrow::Scalar& scalar) {
  const auto& entries = static_cast<const arrow::BaseListScalar&>(scalar).value;
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(Json pairs, ArrayToJson(*entries));
  bool string_keys = true;
  for (const Json& pair : pairs) string_keys = string_keys && pair["key"].is_string();
  if (!string_keys) return pairs;
  Json object = Json::object();
  for (Json& pair : pairs) object[pair["key"].get<std::string>()] = std::move(pair["value"]);
  return object;
}

Result<Json> ToJson(const arrow::Scalar& scalar) {
  if (!scalar.is_valid) return Json(nullptr);
  switch (scalar.type->id()) {
    case arrow::Type::NA:
      return Json(nullptr);
    case arrow::Type::BOOL:
      return Json(ValueOf<arrow::BooleanScalar>(scalar));
    case arrow::Type::INT8:
      return Json(ValueOf<arrow::Int8Scalar>(scalar));
    case arrow::Type::INT16:
      return Json(ValueOf<arrow::Int16Scalar>(scalar));
    case arrow::Type::INT32:
      return Json(ValueOf<arrow::Int32Scalar>(scalar));
    case arrow::Type::INT64:
      return Json(ValueOf<arrow::Int64Scalar>(scalar));
    case arrow::Type::UINT8:
      return Json(ValueOf<arrow::UInt8Scalar>(scalar));
    case arrow::Type::UINT16:
      return Json(ValueOf<arrow::UInt16Scalar>(scalar));
    case arrow::Type::UINT32:
      return Json(ValueOf<arrow::UInt32Scalar>(scalar));
    case arrow::Type::UINT64:
      return Json(ValueOf<arrow::UInt64Scalar>(scalar));
    case arrow::Type::FLOAT:
      return Json(ValueOf<arrow::FloatScalar>(scalar));
    case arrow::Type::DOUBLE:
      return Json(ValueOf<arrow::DoubleScalar>(scalar));
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING:
    case arrow::Type::STRING_VIEW:
      return Json(std::string(BufferText(scalar)));
    case arrow::Type::BINARY:
    case arrow::Type::LARGE_BINARY:
    case arrow::Type::BINARY_VIEW:
    case arrow::Type::FIXED_SIZE_BINARY:
      return Json(Base64Encode(BufferText(scalar)));
    case arrow::Type::LIST:
    case arrow::Type::LARGE_LIST:
    case arrow::Type::FIXED_SIZE_LIST:
    case arrow::Type::LIST_VIEW:
    case arrow::Type::LARGE_LIST_VIEW:
      return ArrayToJson(*static_cast<const arrow::BaseListScalar&>(scalar).value);
    case arrow::Type::MAP:
      return MapToJson(scalar);
    case arrow::Type::STRUCT: {
      const auto& fields = scalar.type->fields();
      const auto& values = static_cast<const arrow::StructScalar&>(scalar).value;
      Json object = Json::object();
      for (size_t i = 0; i < fields.size() && i < values.size(); ++i) {
        ARROW_ZEROBUS_ASSIGN_OR_RETURN(object[fields[i]->name()], ToJson(*values[i]));
      }
      return object;
    }
    case arrow::Type::DICTIONARY:
      return EncodedValueToJson(static_cast<const arrow::DictionaryScalar&>(scalar));
    case arrow::Type::RUN_END_ENCODED:
      return ToJson(*static_cast<const arrow::RunEndEncodedScalar&>(scalar).value);
    case arrow::Type::EXTENSION:
      return ToJson(*static_cast<const arrow::ExtensionScalar&>(scalar).value);
    case arrow::Type::SPARSE_UNION:
    case arrow::Type::DENSE_UNION:
      return ToJson(*static_cast<const arrow::UnionScalar&>(scalar).child_value());
    case arrow::Type::HALF_FLOAT:
      return Json(
          arrow::util::Float16::FromBits(ValueOf<arrow::HalfFloatScalar>(scalar)).ToFloat());
    default:
      // Decimals, dates, times, timestamps, durations and intervals: Arrow's text of the value.
      return Json(scalar.ToString());
  }
}

Result<Json> EncodedValueToJson(const arrow::DictionaryScalar& scalar) {
  auto value = scalar.GetEncodedValue();
  if (!value.ok())
    return InternalError("cannot decode a dictionary value: " + value.status().ToString());
  return ToJson(**value);
}

}  // namespace

Status WriteTableAsJsonLines(const arrow::Table& table, std::ostream& out) {
  const auto& fields = table.schema()->fields();
  for (int64_t row = 0; row < table.num_rows(); ++row) {
    Json object = Json::object();
    for (int column = 0; column < table.num_columns(); ++column) {
      auto cell = table.column(column)->GetScalar(row);
      if (!cell.ok()) {
        return InternalError("row " + std::to_string(row) + ", column '" + fields[column]->name() +
                             "': " + cell.status().ToString());
      }
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(object[fields[column]->name()], ToJson(**cell));
    }
    out << object.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
  }
  if (!out) return IoError("cannot write the JSON lines");
  return Status::OK();
}

}  // namespace arrow_zerobus::cli
