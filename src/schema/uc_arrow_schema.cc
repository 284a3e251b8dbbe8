#include "schema/uc_arrow_schema.h"

#include <arrow/util/key_value_metadata.h>

#include "schema/uc_types.h"

namespace arrow_zerobus::schema {
namespace {

std::shared_ptr<arrow::DataType> PrimitiveArrowType(const UcPrimitiveType& type) {
  switch (type.primitive) {
    case UcPrimitive::kByte:
      return arrow::int8();
    case UcPrimitive::kShort:
      return arrow::int16();
    case UcPrimitive::kInt:
      return arrow::int32();
    case UcPrimitive::kLong:
      return arrow::int64();
    case UcPrimitive::kFloat:
      return arrow::float32();
    case UcPrimitive::kDouble:
      return arrow::float64();
    case UcPrimitive::kBoolean:
      return arrow::boolean();
    case UcPrimitive::kString:
    case UcPrimitive::kVariant:
      return arrow::large_utf8();
    case UcPrimitive::kBinary:
      return arrow::large_binary();
    case UcPrimitive::kDate:
      return arrow::date32();
    case UcPrimitive::kTimestamp:
      return arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
    case UcPrimitive::kTimestampNtz:
      return arrow::timestamp(arrow::TimeUnit::MICRO);
    case UcPrimitive::kDecimal:
      return arrow::decimal128(type.precision, type.scale);
  }
  return arrow::large_utf8();
}

/// The Databricks name of a primitive, upper case, DECIMAL with its precision and scale.
std::string PrimitiveName(const UcPrimitiveType& type) {
  switch (type.primitive) {
    case UcPrimitive::kByte:
      return "TINYINT";
    case UcPrimitive::kShort:
      return "SMALLINT";
    case UcPrimitive::kInt:
      return "INT";
    case UcPrimitive::kLong:
      return "BIGINT";
    case UcPrimitive::kFloat:
      return "FLOAT";
    case UcPrimitive::kDouble:
      return "DOUBLE";
    case UcPrimitive::kBoolean:
      return "BOOLEAN";
    case UcPrimitive::kString:
      return "STRING";
    case UcPrimitive::kVariant:
      return "VARIANT";
    case UcPrimitive::kBinary:
      return "BINARY";
    case UcPrimitive::kDate:
      return "DATE";
    case UcPrimitive::kTimestamp:
      return "TIMESTAMP";
    case UcPrimitive::kTimestampNtz:
      return "TIMESTAMP_NTZ";
    case UcPrimitive::kDecimal:
      return "DECIMAL(" + std::to_string(type.precision) + "," + std::to_string(type.scale) + ")";
  }
  return "STRING";
}

struct Typed {
  std::shared_ptr<arrow::DataType> type;
  std::string name;  ///< Databricks type text
};

Result<std::shared_ptr<arrow::Field>> MakeField(const std::string& name, const UcType& type,
                                                bool nullable, const std::string& path);

Result<Typed> ArrowTypeOf(const UcType& type, const std::string& path) {
  switch (type.kind) {
    case UcType::kPrimitive: {
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(UcPrimitiveType primitive, ParseUcPrimitive(type.primitive));
      return Typed{PrimitiveArrowType(primitive), PrimitiveName(primitive)};
    }
    case UcType::kArray: {
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(
          auto item, MakeField("item", type.elements[0], type.elements_nullable, path + "[]"));
      return Typed{arrow::list(item), "ARRAY<" + TableTypeOf(*item) + ">"};
    }
    case UcType::kMap: {
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto key,
                                     MakeField("key", type.elements[0], false, path + ".key"));
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(
          auto value,
          MakeField("value", type.elements[1], type.elements_nullable, path + ".value"));
      return Typed{std::make_shared<arrow::MapType>(key, value),
                   "MAP<" + TableTypeOf(*key) + "," + TableTypeOf(*value) + ">"};
    }
    case UcType::kStruct: {
      arrow::FieldVector members;
      std::string text = "STRUCT<";
      for (const UcType::Member& member : type.members) {
        ARROW_ZEROBUS_ASSIGN_OR_RETURN(
            auto field,
            MakeField(member.name, member.type, member.nullable, path + "." + member.name));
        if (!members.empty()) text += ",";
        text += member.name + ":" + TableTypeOf(*field);
        members.push_back(std::move(field));
      }
      return Typed{arrow::struct_(std::move(members)), text + ">"};
    }
  }
  return InternalError("column '" + path + "': unknown kind of type");
}

Result<std::shared_ptr<arrow::Field>> MakeField(const std::string& name, const UcType& type,
                                                bool nullable, const std::string& path) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(Typed typed, ArrowTypeOf(type, path));
  std::vector<std::string> keys = {kTableTypeKey};
  std::vector<std::string> values = {typed.name};
  return arrow::field(name, typed.type, nullable,
                      arrow::key_value_metadata(std::move(keys), std::move(values)));
}

}  // namespace

Result<std::shared_ptr<arrow::Schema>> ArrowSchemaFromUcColumns(
    const std::vector<UcColumn>& columns) {
  arrow::FieldVector fields;
  for (const UcColumn* column : ColumnsInPositionOrder(columns)) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(UcType type, ParseUcColumnType(*column));
    auto field = MakeField(column->name, type, column->nullable, column->name);
    if (!field.ok()) return field.status().WithContext("column '" + column->name + "'");
    fields.push_back(std::move(field).value());
  }
  return arrow::schema(std::move(fields));
}

std::string TableTypeOf(const arrow::Field& field) {
  if (field.metadata() == nullptr) return "";
  auto found = field.metadata()->Get(kTableTypeKey);
  return found.ok() ? *found : "";
}

bool IsVariantField(const arrow::Field& field) { return TableTypeOf(field) == "VARIANT"; }

}  // namespace arrow_zerobus::schema
