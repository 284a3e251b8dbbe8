#include "schema/uc_descriptor.h"

#include <algorithm>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/text.h"
#include "schema/proto_names.h"

namespace arrow_zerobus::schema {
namespace {

using google::protobuf::DescriptorProto;
using google::protobuf::FieldDescriptorProto;

constexpr int kMaxDepth = 100;

/// A Unity Catalog column type as the generators see it.
struct UcKind {
  enum Kind { kPrimitive, kArray, kMap, kStruct } kind = kPrimitive;
  FieldDescriptorProto::Type proto = FieldDescriptorProto::TYPE_STRING;  ///< kPrimitive
  std::vector<UcKind> elements;  ///< kArray: {element}; kMap: {key, value}
  struct Member;
  std::vector<Member> members;  ///< kStruct
};
struct UcKind::Member {
  std::string name;
  UcKind type;
  bool nullable = true;
};

/// The proto type of a primitive type name, Spark's JSON name or UC's type_name alike.
std::optional<FieldDescriptorProto::Type> PrimitiveProto(std::string_view name) {
  const std::string lower = AsciiLower(name);
  auto starts = [&](std::string_view prefix) { return lower.rfind(prefix, 0) == 0; };
  if (lower == "byte" || lower == "tinyint" || lower == "short" || lower == "smallint" ||
      lower == "int" || lower == "integer" || lower == "date") {
    return FieldDescriptorProto::TYPE_INT32;
  }
  if (lower == "long" || lower == "bigint" || lower == "timestamp" || lower == "timestamp_ntz") {
    return FieldDescriptorProto::TYPE_INT64;
  }
  if (lower == "float") return FieldDescriptorProto::TYPE_FLOAT;
  if (lower == "double") return FieldDescriptorProto::TYPE_DOUBLE;
  if (lower == "boolean" || lower == "bool") return FieldDescriptorProto::TYPE_BOOL;
  if (lower == "binary") return FieldDescriptorProto::TYPE_BYTES;
  // DECIMAL travels as its text and VARIANT as JSON text; CHAR(n) and VARCHAR(n) are strings.
  if (lower == "string" || lower == "variant" || starts("decimal") || starts("varchar") ||
      starts("char")) {
    return FieldDescriptorProto::TYPE_STRING;
  }
  return std::nullopt;
}

Status Unsupported(std::string_view type) {
  return ConfigurationError("unsupported Databricks type '" + std::string(type) + "'");
}

/// A type of Spark's JSON: a name ("long") or an object (array, map, struct).
Result<UcKind> ParseSparkType(const nlohmann::json& type, int depth) {
  if (depth > kMaxDepth) {
    return ConfigurationError("the type nests deeper than " + std::to_string(kMaxDepth) +
                              " levels");
  }
  if (type.is_string()) {
    const auto proto = PrimitiveProto(type.get<std::string>());
    if (!proto) return Unsupported(type.get<std::string>());
    return UcKind{UcKind::kPrimitive, *proto, {}, {}};
  }
  if (!type.is_object() || !type.contains("type") || !type["type"].is_string()) {
    return ConfigurationError("a type is neither a name nor an object with a \"type\"");
  }
  const std::string kind = type["type"].get<std::string>();
  UcKind out;
  if (kind == "array") {
    if (!type.contains("elementType")) return ConfigurationError("an array has no elementType");
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(UcKind element, ParseSparkType(type["elementType"], depth + 1));
    out.kind = UcKind::kArray;
    out.elements.push_back(std::move(element));
  } else if (kind == "map") {
    if (!type.contains("keyType") || !type.contains("valueType")) {
      return ConfigurationError("a map lacks keyType or valueType");
    }
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(UcKind key, ParseSparkType(type["keyType"], depth + 1));
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(UcKind value, ParseSparkType(type["valueType"], depth + 1));
    out.kind = UcKind::kMap;
    out.elements = {std::move(key), std::move(value)};
  } else if (kind == "struct") {
    if (!type.contains("fields") || !type["fields"].is_array()) {
      return ConfigurationError("a struct has no fields list");
    }
    out.kind = UcKind::kStruct;
    for (const auto& field : type["fields"]) {
      if (!field.is_object() || !field.contains("name") || !field["name"].is_string() ||
          !field.contains("type")) {
        return ConfigurationError("a struct member lacks its name or type");
      }
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(UcKind member, ParseSparkType(field["type"], depth + 1));
      out.members.push_back(
          {field["name"].get<std::string>(), std::move(member), field.value("nullable", true)});
    }
  } else {
    return Unsupported(kind);
  }
  return out;
}

/// The column's type: from type_json when there is one, else from type_name (primitives only).
Result<UcKind> ColumnType(const UcColumn& column) {
  if (column.type_json.empty()) {
    const std::string& name = column.type_name.empty() ? column.type_text : column.type_name;
    const std::string lower = AsciiLower(name);
    if (lower.rfind("array", 0) == 0 || lower.rfind("map", 0) == 0 ||
        lower.rfind("struct", 0) == 0) {
      return ConfigurationError("missing type_json for complex column '" + column.name + "'");
    }
    const auto proto = PrimitiveProto(name);
    if (!proto) return Unsupported(name).WithContext("column '" + column.name + "'");
    return UcKind{UcKind::kPrimitive, *proto, {}, {}};
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

class Builder {
 public:
  /// Adds the field `name` of `type` numbered `number` to `message`, with its nested messages.
  Status AddField(const std::string& path, const std::string& name, const UcKind& type,
                  bool nullable, int32_t number, DescriptorProto* message) {
    ARROW_ZEROBUS_RETURN_NOT_OK(
        CheckColumnName(name, path).WithContext("invalid field name '" + name + "'"));
    FieldDescriptorProto* field = message->add_field();
    field->set_name(name);
    field->set_number(number);
    switch (type.kind) {
      case UcKind::kPrimitive:
        field->set_label(nullable ? FieldDescriptorProto::LABEL_OPTIONAL
                                  : FieldDescriptorProto::LABEL_REQUIRED);
        field->set_type(type.proto);
        return Status::OK();
      case UcKind::kStruct:
        field->set_label(nullable ? FieldDescriptorProto::LABEL_OPTIONAL
                                  : FieldDescriptorProto::LABEL_REQUIRED);
        return SetMessageType(path, ToCamelCase(name), type, message, field);
      case UcKind::kArray: {
        const UcKind& element = type.elements[0];
        if (element.kind == UcKind::kArray || element.kind == UcKind::kMap) {
          return ConfigurationError("column '" + path + "' is an ARRAY of " +
                                    (element.kind == UcKind::kArray ? "ARRAY" : "MAP") +
                                    ", which Zerobus records cannot carry: wrap it in a STRUCT");
        }
        field->set_label(FieldDescriptorProto::LABEL_REPEATED);
        if (element.kind == UcKind::kPrimitive) {
          field->set_type(element.proto);
          return Status::OK();
        }
        return SetMessageType(path + "[]", ToCamelCase(name) + "Element", element, message, field);
      }
      case UcKind::kMap:
        field->set_label(FieldDescriptorProto::LABEL_REPEATED);
        return SetMapEntry(path, name, type, message, field);
    }
    return Status::OK();
  }

 private:
  /// Declares the struct `type` as a message named `wanted` (or wanted2, wanted3, ... when the
  /// name is taken) inside `parent`, and points `field` at it.
  Status SetMessageType(const std::string& path, const std::string& wanted, const UcKind& type,
                        DescriptorProto* parent, FieldDescriptorProto* field) {
    std::string name = wanted;
    for (int suffix = 2; NameTaken(*parent, name); ++suffix) name = wanted + std::to_string(suffix);
    DescriptorProto* nested = parent->add_nested_type();
    nested->set_name(name);
    for (size_t i = 0; i < type.members.size(); ++i) {
      const UcKind::Member& member = type.members[i];
      ARROW_ZEROBUS_RETURN_NOT_OK(AddField(path + "." + member.name, member.name, member.type,
                                           member.nullable, static_cast<int32_t>(i + 1), nested));
    }
    field->set_type(FieldDescriptorProto::TYPE_MESSAGE);
    field->set_type_name(name);
    return Status::OK();
  }

  /// A map field: the entry message protobuf requires (<Field>Entry, option map_entry, key 1,
  /// value 2), its struct value a message <Field>Value inside it.
  Status SetMapEntry(const std::string& path, const std::string& name, const UcKind& type,
                     DescriptorProto* parent, FieldDescriptorProto* field) {
    const UcKind& key = type.elements[0];
    const UcKind& value = type.elements[1];
    const bool key_ok = key.kind == UcKind::kPrimitive &&
                        key.proto != FieldDescriptorProto::TYPE_FLOAT &&
                        key.proto != FieldDescriptorProto::TYPE_DOUBLE &&
                        key.proto != FieldDescriptorProto::TYPE_BYTES;
    if (!key_ok) {
      return ConfigurationError("column '" + path +
                                "' is a MAP whose key is not an integer, boolean or string");
    }
    if (value.kind == UcKind::kArray || value.kind == UcKind::kMap) {
      return ConfigurationError("column '" + path + "' is a MAP whose value is an " +
                                (value.kind == UcKind::kArray ? "ARRAY" : "MAP") +
                                ", which Zerobus records cannot carry: wrap it in a STRUCT");
    }
    DescriptorProto* entry = parent->add_nested_type();
    entry->set_name(ToCamelCase(name) + "Entry");
    entry->mutable_options()->set_map_entry(true);
    field->set_type(FieldDescriptorProto::TYPE_MESSAGE);
    field->set_type_name(entry->name());
    ARROW_ZEROBUS_RETURN_NOT_OK(AddField(path + ".key", "key", key, true, 1, entry));
    if (value.kind != UcKind::kStruct) {
      return AddField(path + ".value", "value", value, true, 2, entry);
    }
    // A map entry may declare no message of its own: the value's goes beside it.
    FieldDescriptorProto* value_field = entry->add_field();
    value_field->set_name("value");
    value_field->set_number(2);
    value_field->set_label(FieldDescriptorProto::LABEL_OPTIONAL);
    return SetMessageType(path + ".value", ToCamelCase(name) + "Value", value, parent, value_field);
  }

  static bool NameTaken(const DescriptorProto& parent, const std::string& name) {
    return std::any_of(parent.nested_type().begin(), parent.nested_type().end(),
                       [&](const DescriptorProto& nested) { return nested.name() == name; });
  }
};

}  // namespace

Result<std::vector<UcColumn>> ParseUcTableColumns(std::string_view table_info_json) {
  const auto json = nlohmann::json::parse(table_info_json, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return ConfigurationError("the Unity Catalog table description is not a JSON object");
  }
  if (!json.contains("columns") || !json["columns"].is_array()) {
    return ConfigurationError("the Unity Catalog table description has no columns list");
  }
  std::vector<UcColumn> columns;
  for (size_t i = 0; i < json["columns"].size(); ++i) {
    const auto& column = json["columns"][i];
    const std::string where = "columns[" + std::to_string(i) + "]";
    if (!column.is_object() || !column.contains("name") || !column["name"].is_string()) {
      return ConfigurationError("the Unity Catalog table description's " + where + " has no name");
    }
    auto text = [&](const char* key) {
      return column.contains(key) && column[key].is_string() ? column[key].get<std::string>()
                                                             : std::string();
    };
    UcColumn out;
    out.name = column["name"].get<std::string>();
    out.type_name = text("type_name");
    out.type_text = text("type_text");
    out.type_json = text("type_json");
    out.position = column.contains("position") && column["position"].is_number_integer()
                       ? column["position"].get<int64_t>()
                       : static_cast<int64_t>(i);
    out.nullable = column.value("nullable", true);
    if (out.type_name.empty() && out.type_text.empty() && out.type_json.empty()) {
      return ConfigurationError("the Unity Catalog table description's column '" + out.name +
                                "' has no type");
    }
    columns.push_back(std::move(out));
  }
  return columns;
}

Result<DescriptorProto> DescriptorFromUcColumns(const std::vector<UcColumn>& columns,
                                                const std::string& message_name) {
  std::vector<const UcColumn*> ordered;
  for (const UcColumn& column : columns) {
    if (column.position >= 0) ordered.push_back(&column);
  }
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const UcColumn* a, const UcColumn* b) { return a->position < b->position; });
  DescriptorProto message;
  message.set_name(message_name);
  Builder builder;
  for (const UcColumn* column : ordered) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(UcKind type, ColumnType(*column));
    // position + 1, gaps kept, as the generators number; past protobuf's reserved 19000-19999.
    ARROW_ZEROBUS_RETURN_NOT_OK(builder.AddField(column->name, column->name, type, column->nullable,
                                                 FieldNumberForIndex(column->position), &message));
  }
  return message;
}

}  // namespace arrow_zerobus::schema
