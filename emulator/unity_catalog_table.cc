#include "unity_catalog_table.h"

#include "auth/oauth_request.h"

namespace arrow_zerobus::emulator {
namespace {

struct KindNames {
  const char* type_name;  ///< Unity Catalog's ColumnTypeName
  const char* spark;      ///< Spark's JSON and catalog string for the primitive kinds
  const char* sql;        ///< Spark SQL's catalog string where it differs from the JSON name
};

KindNames NamesOf(UcType::Kind kind) {
  switch (kind) {
    case UcType::Kind::kByte:
      return {"BYTE", "byte", "tinyint"};
    case UcType::Kind::kShort:
      return {"SHORT", "short", "smallint"};
    case UcType::Kind::kInt:
      return {"INT", "integer", "int"};
    case UcType::Kind::kLong:
      return {"LONG", "long", "bigint"};
    case UcType::Kind::kFloat:
      return {"FLOAT", "float", "float"};
    case UcType::Kind::kDouble:
      return {"DOUBLE", "double", "double"};
    case UcType::Kind::kString:
      return {"STRING", "string", "string"};
    case UcType::Kind::kBoolean:
      return {"BOOLEAN", "boolean", "boolean"};
    case UcType::Kind::kBinary:
      return {"BINARY", "binary", "binary"};
    case UcType::Kind::kDate:
      return {"DATE", "date", "date"};
    case UcType::Kind::kTimestamp:
      return {"TIMESTAMP", "timestamp", "timestamp"};
    case UcType::Kind::kTimestampNtz:
      return {"TIMESTAMP_NTZ", "timestamp_ntz", "timestamp_ntz"};
    case UcType::Kind::kVariant:
      return {"VARIANT", "variant", "variant"};
    case UcType::Kind::kDecimal:
      return {"DECIMAL", "decimal", "decimal"};
    case UcType::Kind::kArray:
      return {"ARRAY", "array", "array"};
    case UcType::Kind::kMap:
      return {"MAP", "map", "map"};
    case UcType::Kind::kStruct:
      return {"STRUCT", "struct", "struct"};
  }
  return {"STRING", "string", "string"};
}

std::string DecimalText(const UcType& type) {
  return "decimal(" + std::to_string(type.precision) + "," + std::to_string(type.scale) + ")";
}

nlohmann::json StructFieldJson(const std::string& name, const UcType& type, bool nullable) {
  return {{"name", name},
          {"type", SparkTypeJson(type)},
          {"nullable", nullable},
          {"metadata", nlohmann::json::object()}};
}

}  // namespace

std::string SparkTypeText(const UcType& type) {
  switch (type.kind) {
    case UcType::Kind::kDecimal:
      return DecimalText(type);
    case UcType::Kind::kArray:
      return "array<" + SparkTypeText(type.elements[0]) + ">";
    case UcType::Kind::kMap:
      return "map<" + SparkTypeText(type.elements[0]) + "," + SparkTypeText(type.elements[1]) + ">";
    case UcType::Kind::kStruct: {
      std::string out = "struct<";
      for (size_t i = 0; i < type.fields.size(); ++i) {
        out += (i == 0 ? "" : ",") + type.fields[i].name + ":" + SparkTypeText(type.fields[i].type);
      }
      return out + ">";
    }
    default:
      return NamesOf(type.kind).sql;
  }
}

nlohmann::json SparkTypeJson(const UcType& type) {
  switch (type.kind) {
    case UcType::Kind::kDecimal:
      return DecimalText(type);
    case UcType::Kind::kArray:
      // The parsed type does not say whether elements may be null; Delta's default is that
      // they may.
      return {{"type", "array"},
              {"elementType", SparkTypeJson(type.elements[0])},
              {"containsNull", true}};
    case UcType::Kind::kMap:
      return {{"type", "map"},
              {"keyType", SparkTypeJson(type.elements[0])},
              {"valueType", SparkTypeJson(type.elements[1])},
              {"valueContainsNull", true}};
    case UcType::Kind::kStruct: {
      nlohmann::json fields = nlohmann::json::array();
      for (const UcType::Field& field : type.fields) {
        fields.push_back(StructFieldJson(field.name, field.type, field.nullable));
      }
      return {{"type", "struct"}, {"fields", std::move(fields)}};
    }
    default:
      return NamesOf(type.kind).spark;
  }
}

Result<nlohmann::json> UnityCatalogTableInfo(const std::string& full_name,
                                             const std::vector<TableColumn>& columns) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auth::TableName name, auth::ParseTableName(full_name));
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::vector<UcType::Field> fields, ParseColumns(columns));
  nlohmann::json column_infos = nlohmann::json::array();
  for (size_t i = 0; i < fields.size(); ++i) {
    const UcType::Field& field = fields[i];
    const bool decimal = field.type.kind == UcType::Kind::kDecimal;
    column_infos.push_back(
        {{"name", field.name},
         {"type_text", SparkTypeText(field.type)},
         {"type_name", NamesOf(field.type.kind).type_name},
         {"type_json", StructFieldJson(field.name, field.type, field.nullable).dump()},
         {"type_precision", decimal ? field.type.precision : 0},
         {"type_scale", decimal ? field.type.scale : 0},
         {"position", i},
         {"nullable", field.nullable}});
  }
  return nlohmann::json{{"name", name.table},
                        {"catalog_name", name.catalog},
                        {"schema_name", name.schema},
                        {"full_name", full_name},
                        {"table_type", "MANAGED"},
                        {"data_source_format", "DELTA"},
                        {"columns", std::move(column_infos)}};
}

}  // namespace arrow_zerobus::emulator
