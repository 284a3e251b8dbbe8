#include "schema/uc_types.h"

#include <algorithm>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/text.h"

namespace arrow_zerobus::schema {
namespace {

constexpr int kMaxDepth = 100;
constexpr int kMaxDecimalPrecision = 38;

Status Unsupported(std::string_view type) {
  return ConfigurationError("unsupported Databricks type '" + std::string(type) + "'");
}

/// "decimal", "decimal(10)" or "decimal(10,2)" (spaces allowed) into precision and scale.
Result<UcPrimitiveType> ParseDecimal(const std::string& lower, const std::string& original) {
  UcPrimitiveType out{UcPrimitive::kDecimal, 10, 0};
  std::string_view rest = std::string_view(lower).substr(std::string_view("decimal").size());
  rest = TrimWhitespace(rest);
  if (rest.empty()) return out;
  if (rest.front() != '(' || rest.back() != ')') return Unsupported(original);
  std::string inside(rest.substr(1, rest.size() - 2));
  inside.erase(std::remove(inside.begin(), inside.end(), ' '), inside.end());
  const size_t comma = inside.find(',');
  auto number = [](const std::string& text, int* value) {
    if (text.empty() || text.size() > 3 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    *value = std::atoi(text.c_str());
    return true;
  };
  if (!number(inside.substr(0, comma), &out.precision) ||
      (comma != std::string::npos && !number(inside.substr(comma + 1), &out.scale))) {
    return Unsupported(original);
  }
  if (out.precision < 1 || out.precision > kMaxDecimalPrecision || out.scale > out.precision) {
    return ConfigurationError(
        "'" + original + "' is not a valid DECIMAL: the precision must be 1 to " +
        std::to_string(kMaxDecimalPrecision) + " and the scale at most the precision");
  }
  return out;
}

/// A type of Spark's JSON: a name ("long") or an object (array, map, struct).
Result<UcType> ParseSparkType(const nlohmann::json& type, int depth) {
  if (depth > kMaxDepth) {
    return ConfigurationError("the type nests deeper than " + std::to_string(kMaxDepth) +
                              " levels");
  }
  if (type.is_string()) {
    const std::string name = type.get<std::string>();
    ARROW_ZEROBUS_RETURN_NOT_OK(ParseUcPrimitive(name).status());
    UcType out;
    out.primitive = AsciiLower(name);
    return out;
  }
  if (!type.is_object() || !type.contains("type") || !type["type"].is_string()) {
    return ConfigurationError("a type is neither a name nor an object with a \"type\"");
  }
  const std::string kind = type["type"].get<std::string>();
  UcType out;
  if (kind == "array") {
    if (!type.contains("elementType")) return ConfigurationError("an array has no elementType");
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(UcType element, ParseSparkType(type["elementType"], depth + 1));
    out.kind = UcType::kArray;
    out.elements.push_back(std::move(element));
    out.elements_nullable = type.value("containsNull", true);
  } else if (kind == "map") {
    if (!type.contains("keyType") || !type.contains("valueType")) {
      return ConfigurationError("a map lacks keyType or valueType");
    }
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(UcType key, ParseSparkType(type["keyType"], depth + 1));
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(UcType value, ParseSparkType(type["valueType"], depth + 1));
    out.kind = UcType::kMap;
    out.elements = {std::move(key), std::move(value)};
    out.elements_nullable = type.value("valueContainsNull", true);
  } else if (kind == "struct") {
    if (!type.contains("fields") || !type["fields"].is_array()) {
      return ConfigurationError("a struct has no fields list");
    }
    out.kind = UcType::kStruct;
    for (const auto& field : type["fields"]) {
      if (!field.is_object() || !field.contains("name") || !field["name"].is_string() ||
          !field.contains("type")) {
        return ConfigurationError("a struct member lacks its name or type");
      }
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(UcType member, ParseSparkType(field["type"], depth + 1));
      out.members.push_back(
          {field["name"].get<std::string>(), std::move(member), field.value("nullable", true)});
    }
  } else {
    return Unsupported(kind);
  }
  return out;
}

}  // namespace

Result<UcPrimitiveType> ParseUcPrimitive(const std::string& name) {
  const std::string lower = AsciiLower(TrimWhitespace(name));
  auto starts = [&](std::string_view prefix) { return lower.rfind(prefix, 0) == 0; };
  if (lower == "byte" || lower == "tinyint") return UcPrimitiveType{UcPrimitive::kByte};
  if (lower == "short" || lower == "smallint") return UcPrimitiveType{UcPrimitive::kShort};
  if (lower == "int" || lower == "integer") return UcPrimitiveType{UcPrimitive::kInt};
  if (lower == "long" || lower == "bigint") return UcPrimitiveType{UcPrimitive::kLong};
  if (lower == "float") return UcPrimitiveType{UcPrimitive::kFloat};
  if (lower == "double") return UcPrimitiveType{UcPrimitive::kDouble};
  if (lower == "boolean" || lower == "bool") return UcPrimitiveType{UcPrimitive::kBoolean};
  if (lower == "binary") return UcPrimitiveType{UcPrimitive::kBinary};
  if (lower == "date") return UcPrimitiveType{UcPrimitive::kDate};
  if (lower == "timestamp") return UcPrimitiveType{UcPrimitive::kTimestamp};
  if (lower == "timestamp_ntz") return UcPrimitiveType{UcPrimitive::kTimestampNtz};
  if (lower == "variant") return UcPrimitiveType{UcPrimitive::kVariant};
  if (lower == "string" || starts("varchar") || starts("char")) {
    return UcPrimitiveType{UcPrimitive::kString};
  }
  if (starts("decimal")) return ParseDecimal(lower, name);
  return Unsupported(name);
}

Result<UcType> ParseUcColumnType(const UcColumn& column) {
  if (column.type_json.empty()) {
    const std::string& name = column.type_name.empty() ? column.type_text : column.type_name;
    const std::string lower = AsciiLower(name);
    if (lower.rfind("array", 0) == 0 || lower.rfind("map", 0) == 0 ||
        lower.rfind("struct", 0) == 0) {
      return ConfigurationError("missing type_json for complex column '" + column.name + "'");
    }
    auto primitive = ParseUcPrimitive(name);
    if (!primitive.ok()) return primitive.status().WithContext("column '" + column.name + "'");
    UcType out;
    out.primitive = AsciiLower(TrimWhitespace(name));
    // type_name says DECIMAL without its precision and scale; type_text has them.
    if (primitive->primitive == UcPrimitive::kDecimal && !column.type_text.empty()) {
      auto with_scale = ParseUcPrimitive(column.type_text);
      if (!with_scale.ok()) return with_scale.status().WithContext("column '" + column.name + "'");
      out.primitive = AsciiLower(TrimWhitespace(column.type_text));
    }
    return out;
  }
  const auto json = nlohmann::json::parse(column.type_json, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || !json.contains("type")) {
    return ConfigurationError("failed to parse type_json for column '" + column.name +
                              "': not a JSON object with a \"type\"");
  }
  auto type = ParseSparkType(json["type"], 1);
  if (!type.ok()) {
    return ConfigurationError("failed to parse type_json for column '" + column.name +
                              "': " + type.status().message());
  }
  return type;
}

std::vector<const UcColumn*> ColumnsInPositionOrder(const std::vector<UcColumn>& columns) {
  std::vector<const UcColumn*> ordered;
  for (const UcColumn& column : columns) {
    if (column.position >= 0) ordered.push_back(&column);
  }
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const UcColumn* a, const UcColumn* b) { return a->position < b->position; });
  return ordered;
}

}  // namespace arrow_zerobus::schema
