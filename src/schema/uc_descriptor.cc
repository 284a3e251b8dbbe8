#include "schema/uc_descriptor.h"

#include <algorithm>
#include <string>

#include <nlohmann/json.hpp>

#include "common/text.h"
#include "schema/proto_names.h"
#include "schema/uc_types.h"

namespace arrow_zerobus::schema {
namespace {

using google::protobuf::DescriptorProto;
using google::protobuf::FieldDescriptorProto;

/// The proto type a primitive travels as: DECIMAL as its text, VARIANT as JSON text, DATE as int32
/// days, TIMESTAMP and TIMESTAMP_NTZ as int64 microseconds.
FieldDescriptorProto::Type ProtoTypeOf(UcPrimitive primitive) {
  switch (primitive) {
    case UcPrimitive::kByte:
    case UcPrimitive::kShort:
    case UcPrimitive::kInt:
    case UcPrimitive::kDate:
      return FieldDescriptorProto::TYPE_INT32;
    case UcPrimitive::kLong:
    case UcPrimitive::kTimestamp:
    case UcPrimitive::kTimestampNtz:
      return FieldDescriptorProto::TYPE_INT64;
    case UcPrimitive::kFloat:
      return FieldDescriptorProto::TYPE_FLOAT;
    case UcPrimitive::kDouble:
      return FieldDescriptorProto::TYPE_DOUBLE;
    case UcPrimitive::kBoolean:
      return FieldDescriptorProto::TYPE_BOOL;
    case UcPrimitive::kBinary:
      return FieldDescriptorProto::TYPE_BYTES;
    case UcPrimitive::kString:
    case UcPrimitive::kDecimal:
    case UcPrimitive::kVariant:
      return FieldDescriptorProto::TYPE_STRING;
  }
  return FieldDescriptorProto::TYPE_STRING;
}

/// The proto type of a primitive UcType (its name was checked when it was parsed).
FieldDescriptorProto::Type ProtoTypeOf(const UcType& type) {
  auto primitive = ParseUcPrimitive(type.primitive);
  return ProtoTypeOf(primitive.ok() ? primitive->primitive : UcPrimitive::kString);
}

class Builder {
 public:
  /// Adds the field `name` of `type` numbered `number` to `message`, with its nested messages.
  Status AddField(const std::string& path, const std::string& name, const UcType& type,
                  bool nullable, int32_t number, DescriptorProto* message) {
    ARROW_ZEROBUS_RETURN_NOT_OK(
        CheckColumnName(name, path).WithContext("invalid field name '" + name + "'"));
    FieldDescriptorProto* field = message->add_field();
    field->set_name(name);
    field->set_number(number);
    switch (type.kind) {
      case UcType::kPrimitive:
        field->set_label(nullable ? FieldDescriptorProto::LABEL_OPTIONAL
                                  : FieldDescriptorProto::LABEL_REQUIRED);
        field->set_type(ProtoTypeOf(type));
        return Status::OK();
      case UcType::kStruct:
        field->set_label(nullable ? FieldDescriptorProto::LABEL_OPTIONAL
                                  : FieldDescriptorProto::LABEL_REQUIRED);
        return SetMessageType(path, ToCamelCase(name), type, message, field);
      case UcType::kArray: {
        const UcType& element = type.elements[0];
        if (element.kind == UcType::kArray || element.kind == UcType::kMap) {
          return ConfigurationError("column '" + path + "' is an ARRAY of " +
                                    (element.kind == UcType::kArray ? "ARRAY" : "MAP") +
                                    ", which Zerobus records cannot carry: wrap it in a STRUCT");
        }
        field->set_label(FieldDescriptorProto::LABEL_REPEATED);
        if (element.kind == UcType::kPrimitive) {
          field->set_type(ProtoTypeOf(element));
          return Status::OK();
        }
        return SetMessageType(path + "[]", ToCamelCase(name) + "Element", element, message, field);
      }
      case UcType::kMap:
        field->set_label(FieldDescriptorProto::LABEL_REPEATED);
        return SetMapEntry(path, name, type, message, field);
    }
    return Status::OK();
  }

 private:
  /// Declares the struct `type` as a message named `wanted` (or wanted2, wanted3, ... when the
  /// name is taken) inside `parent`, and points `field` at it.
  Status SetMessageType(const std::string& path, const std::string& wanted, const UcType& type,
                        DescriptorProto* parent, FieldDescriptorProto* field) {
    std::string name = wanted;
    for (int suffix = 2; NameTaken(*parent, name); ++suffix) name = wanted + std::to_string(suffix);
    DescriptorProto* nested = parent->add_nested_type();
    nested->set_name(name);
    for (size_t i = 0; i < type.members.size(); ++i) {
      const UcType::Member& member = type.members[i];
      ARROW_ZEROBUS_RETURN_NOT_OK(AddField(path + "." + member.name, member.name, member.type,
                                           member.nullable, static_cast<int32_t>(i + 1), nested));
    }
    field->set_type(FieldDescriptorProto::TYPE_MESSAGE);
    field->set_type_name(name);
    return Status::OK();
  }

  /// A map field: the entry message protobuf requires (<Field>Entry, option map_entry, key 1,
  /// value 2), its struct value a message <Field>Value inside it.
  Status SetMapEntry(const std::string& path, const std::string& name, const UcType& type,
                     DescriptorProto* parent, FieldDescriptorProto* field) {
    const UcType& key = type.elements[0];
    const UcType& value = type.elements[1];
    const bool key_ok = key.kind == UcType::kPrimitive &&
                        ProtoTypeOf(key) != FieldDescriptorProto::TYPE_FLOAT &&
                        ProtoTypeOf(key) != FieldDescriptorProto::TYPE_DOUBLE &&
                        ProtoTypeOf(key) != FieldDescriptorProto::TYPE_BYTES;
    if (!key_ok) {
      return ConfigurationError("column '" + path +
                                "' is a MAP whose key is not an integer, boolean or string");
    }
    if (value.kind == UcType::kArray || value.kind == UcType::kMap) {
      return ConfigurationError("column '" + path + "' is a MAP whose value is an " +
                                (value.kind == UcType::kArray ? "ARRAY" : "MAP") +
                                ", which Zerobus records cannot carry: wrap it in a STRUCT");
    }
    DescriptorProto* entry = parent->add_nested_type();
    entry->set_name(ToCamelCase(name) + "Entry");
    entry->mutable_options()->set_map_entry(true);
    field->set_type(FieldDescriptorProto::TYPE_MESSAGE);
    field->set_type_name(entry->name());
    ARROW_ZEROBUS_RETURN_NOT_OK(AddField(path + ".key", "key", key, true, 1, entry));
    if (value.kind != UcType::kStruct) {
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
  DescriptorProto message;
  message.set_name(message_name);
  Builder builder;
  for (const UcColumn* column : ColumnsInPositionOrder(columns)) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(UcType type, ParseUcColumnType(*column));
    // position + 1, gaps kept, as the generators number; past protobuf's reserved 19000-19999.
    ARROW_ZEROBUS_RETURN_NOT_OK(builder.AddField(column->name, column->name, type, column->nullable,
                                                 FieldNumberForIndex(column->position), &message));
  }
  return message;
}

}  // namespace arrow_zerobus::schema
