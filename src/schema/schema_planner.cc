#include <cctype>
#include <set>

#include <arrow/extension_type.h>
#include <arrow/type.h>

#include "schema/planner_internal.h"
#include "schema/proto_names.h"
#include "schema/schema_plan.h"

namespace arrow_zerobus::schema {
namespace internal {
namespace {

using google::protobuf::DescriptorProto;
using google::protobuf::FieldDescriptorProto;

/// Identifiers already used inside one message: field names and nested type names share a scope.
class MessageScope {
 public:
  explicit MessageScope(const std::vector<std::shared_ptr<arrow::Field>>& fields) {
    for (const auto& f : fields) used_.insert(f->name());
  }
  /// A nested type name derived from `base`, unique in this scope.
  std::string AllocateTypeName(const std::string& base) {
    std::string name = base;
    for (int suffix = 2; used_.count(name) != 0; ++suffix) name = base + std::to_string(suffix);
    used_.insert(name);
    return name;
  }
  bool Claim(const std::string& name) { return used_.insert(name).second; }

 private:
  std::set<std::string> used_;
};

/// PascalCase of the field name, as the Zerobus schema tools name nested messages; names that
/// would be empty or start with a digit ("_", "_1") get a "Message" prefix.
std::string MessageTypeName(const std::string& field_name) {
  std::string name = ToCamelCase(field_name);
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) name = "Message" + name;
  return name;
}

class Generator {
 public:
  explicit Generator(const PlanOptions& options) : options_(options) {}

  Status PlanMessage(const std::vector<std::shared_ptr<arrow::Field>>& fields,
                     const std::string& path_prefix, const std::string& full_name, int depth,
                     int64_t max_fields, DescriptorProto* message, std::vector<FieldPlan>* out) {
    ARROW_ZEROBUS_RETURN_NOT_OK(
        CheckFieldCount(path_prefix, static_cast<int64_t>(fields.size()), max_fields));
    MessageScope scope(fields);
    // Map entry names are fixed by protobuf, so they are claimed before any struct gets a name.
    for (const auto& field : fields) {
      if (ResolveEncodedType(field->type())->id() != arrow::Type::MAP) continue;
      const std::string entry_name = ToCamelCase(field->name()) + "Entry";
      if (!scope.Claim(entry_name)) {
        const std::string path =
            path_prefix.empty() ? field->name() : path_prefix + "." + field->name();
        return ConfigurationError("map column '" + path +
                                  "' needs a protobuf entry message named '" + entry_name +
                                  "', but another column already has that name");
      }
    }
    std::set<std::string> seen;
    out->reserve(fields.size());
    for (size_t i = 0; i < fields.size(); ++i) {
      const arrow::Field& field = *fields[i];
      const std::string path =
          path_prefix.empty() ? field.name() : path_prefix + "." + field.name();
      ARROW_ZEROBUS_RETURN_NOT_OK(CheckColumnName(field.name(), path));
      if (!seen.insert(field.name()).second) {
        return ConfigurationError("column '" + path +
                                  "' appears twice; protobuf field names must be unique");
      }
      FieldPlan plan;
      plan.name = field.name();
      plan.path = path;
      plan.number = FieldNumberForIndex(static_cast<int64_t>(i));
      FieldDescriptorProto* fd = message->add_field();
      fd->set_name(field.name());
      fd->set_number(plan.number);
      ARROW_ZEROBUS_RETURN_NOT_OK(PlanField(field, full_name, depth, &scope, message, fd, &plan));
      out->push_back(std::move(plan));
    }
    return Status::OK();
  }

 private:
  Status PlanField(const arrow::Field& field, const std::string& full_name, int depth,
                   MessageScope* scope, DescriptorProto* message, FieldDescriptorProto* fd,
                   FieldPlan* plan) {
    const auto resolved = ResolveEncodedType(field.type());
    // A null list or map in a non-nullable column is a row error; proto has no label for it.
    plan->required = !field.nullable();
    if (IsListLike(resolved->id())) {
      const auto& element = ListElementField(*resolved);
      plan->shape = FieldShape::kRepeated;
      fd->set_label(FieldDescriptorProto::LABEL_REPEATED);
      ARROW_ZEROBUS_RETURN_NOT_OK(PlanValue(ResolveEncodedType(element->type()), plan->path + "[]",
                                            field.name(), full_name, depth, scope, message, fd,
                                            plan));
      if (IsPackableProtoType(plan->proto_type)) {
        plan->packed = true;
        fd->mutable_options()->set_packed(true);
      }
      return Status::OK();
    }
    if (resolved->id() == arrow::Type::MAP) {
      return PlanMap(static_cast<const arrow::MapType&>(*resolved), field.name(), full_name, depth,
                     scope, message, fd, plan);
    }
    plan->shape = FieldShape::kSingular;
    plan->required = !field.nullable();
    fd->set_label(field.nullable() ? FieldDescriptorProto::LABEL_OPTIONAL
                                   : FieldDescriptorProto::LABEL_REQUIRED);
    return PlanValue(resolved, plan->path, field.name(), full_name, depth, scope, message, fd,
                     plan);
  }

  /// Fills the value part of `plan` / `fd`: proto type, conversion, nested message if a struct.
  Status PlanValue(const std::shared_ptr<arrow::DataType>& type, const std::string& path,
                   const std::string& field_name, const std::string& full_name, int depth,
                   MessageScope* scope, DescriptorProto* message, FieldDescriptorProto* fd,
                   FieldPlan* plan) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(TypeMapping mapping, MapValueType(*type, path));
    plan->proto_type = mapping.default_proto_type;
    plan->conversion = mapping.conversion;
    plan->value_type = type;
    fd->set_type(mapping.default_proto_type);
    if (mapping.conversion != ValueConversion::kNestedMessage) return Status::OK();

    if (depth + 1 > options_.max_nesting_depth) {
      return NestingTooDeep(path, depth + 1, options_.max_nesting_depth);
    }
    const std::string type_name = scope->AllocateTypeName(MessageTypeName(field_name));
    const std::string nested_full_name = full_name + "." + type_name;
    DescriptorProto* nested = message->add_nested_type();
    nested->set_name(type_name);
    fd->set_type_name(nested_full_name);
    return PlanMessage(type->fields(), path, nested_full_name, depth + 1,
                       options_.max_top_level_fields, nested, &plan->children);
  }

  Status PlanMap(const arrow::MapType& map, const std::string& field_name,
                 const std::string& full_name, int depth, MessageScope* scope,
                 DescriptorProto* message, FieldDescriptorProto* fd, FieldPlan* plan) {
    const auto key_type = ResolveEncodedType(map.key_type());
    if (!IsValidMapKeyType(*key_type)) {
      return ConfigurationError("column '" + plan->path + "' is " + map.ToString() +
                                ": map keys must be integers, bool or strings to become a "
                                "protobuf map, not " +
                                key_type->ToString());
    }
    if (depth + 1 > options_.max_nesting_depth) {
      return NestingTooDeep(plan->path, depth + 1, options_.max_nesting_depth);
    }
    // protobuf requires the entry message of map field `f_g` to be named exactly `FGEntry`.
    const std::string entry_name = ToCamelCase(field_name) + "Entry";  // claimed in PlanMessage
    const std::string entry_full_name = full_name + "." + entry_name;
    plan->shape = FieldShape::kMap;
    plan->proto_type = FieldDescriptorProto::TYPE_MESSAGE;
    plan->value_type = map.value_type();
    fd->set_label(FieldDescriptorProto::LABEL_REPEATED);
    fd->set_type(FieldDescriptorProto::TYPE_MESSAGE);
    fd->set_type_name(entry_full_name);

    DescriptorProto* entry = message->add_nested_type();
    entry->set_name(entry_name);
    entry->mutable_options()->set_map_entry(true);
    const std::pair<const char*, std::shared_ptr<arrow::DataType>> parts[] = {
        {"key", key_type}, {"value", ResolveEncodedType(map.item_type())}};
    for (int i = 0; i < 2; ++i) {
      FieldPlan part;
      part.name = parts[i].first;
      part.path = plan->path + "." + part.name;
      part.number = i + 1;
      FieldDescriptorProto* part_fd = entry->add_field();
      part_fd->set_name(part.name);
      part_fd->set_number(part.number);
      part_fd->set_label(FieldDescriptorProto::LABEL_OPTIONAL);
      // protobuf forbids types nested in a map entry: a struct value's message is declared
      // beside the entry, in the message that holds the map field.
      ARROW_ZEROBUS_RETURN_NOT_OK(PlanValue(parts[i].second, part.path,
                                            field_name + "_" + part.name, full_name, depth + 1,
                                            scope, message, part_fd, &part));
      plan->children.push_back(std::move(part));
    }
    return Status::OK();
  }

  const PlanOptions& options_;
};

}  // namespace

Status GenerateDescriptor(const PlanOptions& options, SchemaPlan* plan) {
  plan->descriptor.set_name(options.message_name);
  Generator generator(options);
  ARROW_ZEROBUS_RETURN_NOT_OK(
      generator.PlanMessage(plan->schema->fields(), "", "." + options.message_name, 0,
                            options.max_top_level_fields, &plan->descriptor, &plan->fields));
  return BuildDescriptorPool("", plan);
}

}  // namespace internal

namespace {

/// A text that tells types apart where Arrow's fingerprint cannot (it is empty for extension
/// types): extension name, serialized parameters and storage type, recursively.
void AppendTypeKey(const arrow::DataType& type, std::string* key) {
  if (type.id() == arrow::Type::EXTENSION) {
    const auto& ext = static_cast<const arrow::ExtensionType&>(type);
    *key += "ext<" + ext.extension_name() + "|" + ext.Serialize() + "|";
    AppendTypeKey(*ext.storage_type(), key);
    *key += ">";
    return;
  }
  if (type.id() == arrow::Type::DICTIONARY) {
    const auto& dict = static_cast<const arrow::DictionaryType&>(type);
    *key += "dict<" + dict.index_type()->ToString() + (dict.ordered() ? ",ordered," : ",");
    AppendTypeKey(*dict.value_type(), key);
    *key += ">";
    return;
  }
  if (type.num_fields() == 0) {
    *key += type.ToString();
    return;
  }
  // Nested: the type's own parameters come from its text without children, then each child.
  *key += std::to_string(static_cast<int>(type.id())) + "(";
  if (type.id() == arrow::Type::FIXED_SIZE_LIST) {
    *key += std::to_string(static_cast<const arrow::FixedSizeListType&>(type).list_size()) + ";";
  }
  if (type.id() == arrow::Type::MAP && static_cast<const arrow::MapType&>(type).keys_sorted()) {
    *key += "sorted;";
  }
  for (const auto& field : type.fields()) {
    *key += field->name() + (field->nullable() ? ":" : "!:");
    AppendTypeKey(*field->type(), key);
    *key += ";";
  }
  *key += ")";
}

}  // namespace

std::string SchemaCacheKey(const arrow::Schema& schema) {
  const std::string& fingerprint = schema.fingerprint();
  if (!fingerprint.empty()) return fingerprint;
  std::string key = "text:";
  for (const auto& field : schema.fields()) {
    key += field->name() + (field->nullable() ? ":" : "!:");
    AppendTypeKey(*field->type(), &key);
    key += ";";
  }
  return key;
}

Result<std::shared_ptr<const SchemaPlan>> PlanSchema(const arrow::Schema& schema,
                                                     const PlanOptions& options) {
  if (options.max_top_level_fields < 1) {
    return ConfigurationError("plan option max_top_level_fields must be at least 1, not " +
                              std::to_string(options.max_top_level_fields));
  }
  if (options.max_nesting_depth < 0 || options.max_nesting_depth > kMaxNestingDepth) {
    return ConfigurationError("plan option max_nesting_depth must be between 0 and " +
                              std::to_string(kMaxNestingDepth) +
                              " (protobuf refuses messages declared deeper), not " +
                              std::to_string(options.max_nesting_depth));
  }
  if (!options.descriptor.has_value()) {
    ARROW_ZEROBUS_RETURN_NOT_OK(CheckColumnName(options.message_name, options.message_name)
                                    .WithContext("record message name"));
  }
  auto plan = std::make_shared<SchemaPlan>();
  plan->schema = std::make_shared<arrow::Schema>(schema.fields());
  plan->fingerprint = SchemaCacheKey(schema);
  for (const auto& field : schema.fields()) {
    plan->needs_decoding = plan->needs_decoding || NeedsDecoding(*field->type());
  }
  if (options.descriptor.has_value()) {
    ARROW_ZEROBUS_RETURN_NOT_OK(internal::MatchSuppliedDescriptor(options, plan.get()));
  } else {
    ARROW_ZEROBUS_RETURN_NOT_OK(internal::GenerateDescriptor(options, plan.get()));
  }
  return std::shared_ptr<const SchemaPlan>(std::move(plan));
}

}  // namespace arrow_zerobus::schema
