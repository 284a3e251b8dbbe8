// Plans a schema against a caller-supplied DescriptorProto: columns are matched to fields by
// name and every pairing is checked against the type table.
#include <set>

#include <arrow/type_traits.h>

#include "schema/planner_internal.h"
#include "schema/schema_plan.h"

namespace arrow_zerobus::schema::internal {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FieldDescriptorProto;

/// The package that makes the descriptor's fully qualified type names resolve: for a type name
/// ".orders.table_Orders.Address" and a root "table_Orders" it is "orders".
std::string InferPackage(const google::protobuf::DescriptorProto& message,
                         const std::string& root) {
  const std::string marker = "." + root + ".";
  for (const auto& field : message.field()) {
    const std::string& type_name = field.type_name();
    if (type_name.empty() || type_name[0] != '.') continue;
    const size_t at = type_name.find(marker);
    if (at != std::string::npos) return type_name.substr(1, at == 0 ? 0 : at - 1);
  }
  for (const auto& nested : message.nested_type()) {
    std::string package = InferPackage(nested, root);
    if (!package.empty()) return package;
  }
  return "";
}

std::string DescribeField(const FieldDescriptor& fd) {
  std::string label = fd.is_map()        ? "map"
                      : fd.is_repeated() ? "repeated"
                      : fd.is_required() ? "required"
                                         : "optional";
  std::string type = fd.type() == FieldDescriptor::TYPE_MESSAGE
                         ? std::string(fd.message_type()->full_name())
                         : ProtoTypeName(static_cast<ProtoType>(fd.type()));
  return label + " " + type;
}

class Matcher {
 public:
  explicit Matcher(const PlanOptions& options) : options_(options) {}

  Status MatchMessage(const std::vector<std::shared_ptr<arrow::Field>>& fields,
                      const std::string& path_prefix, const Descriptor& message, int depth,
                      std::vector<FieldPlan>* out) {
    std::set<std::string> matched;
    for (const auto& field : fields) {
      const std::string path =
          path_prefix.empty() ? field->name() : path_prefix + "." + field->name();
      const FieldDescriptor* fd = message.FindFieldByName(field->name());
      if (fd == nullptr) {
        return ConfigurationError("column '" + path +
                                  "' has no field of that name in descriptor "
                                  "message '" +
                                  std::string(message.full_name()) + "'");
      }
      if (!matched.insert(field->name()).second) {
        return ConfigurationError("column '" + path +
                                  "' appears twice; each column fills one descriptor field");
      }
      FieldPlan plan;
      plan.name = field->name();
      plan.path = path;
      plan.number = fd->number();
      ARROW_ZEROBUS_RETURN_NOT_OK(MatchField(*field, *fd, depth, &plan));
      out->push_back(std::move(plan));
    }
    for (int i = 0; i < message.field_count(); ++i) {
      const FieldDescriptor* fd = message.field(i);
      if (fd->is_required() && matched.count(std::string(fd->name())) == 0) {
        const std::string path = path_prefix.empty() ? std::string(fd->name())
                                                     : path_prefix + "." + std::string(fd->name());
        return ConfigurationError("descriptor field '" + path +
                                  "' is required, but the Arrow schema has no column of that name");
      }
    }
    return Status::OK();
  }

 private:
  Status MatchField(const arrow::Field& field, const FieldDescriptor& fd, int depth,
                    FieldPlan* plan) {
    const auto resolved = ResolveEncodedType(field.type());
    plan->required = !field.nullable() || fd.is_required();
    if (IsListLike(resolved->id())) {
      if (!fd.is_repeated() || fd.is_map()) return Mismatch(*plan, *resolved, fd);
      plan->shape = FieldShape::kRepeated;
      plan->packed = fd.is_packed();
      return MatchValue(ResolveEncodedType(ListElementField(*resolved)->type()), plan->path + "[]",
                        fd, depth, plan);
    }
    if (resolved->id() == arrow::Type::MAP) {
      if (!fd.is_map()) return Mismatch(*plan, *resolved, fd);
      const auto& map = static_cast<const arrow::MapType&>(*resolved);
      const Descriptor& entry = *fd.message_type();
      if (depth + 1 > options_.max_nesting_depth) {
        return NestingTooDeep(plan->path, depth + 1, options_.max_nesting_depth);
      }
      plan->shape = FieldShape::kMap;
      plan->proto_type = FieldDescriptorProto::TYPE_MESSAGE;
      plan->value_type = map.value_type();
      const std::pair<const FieldDescriptor*, std::shared_ptr<arrow::DataType>> parts[] = {
          {entry.map_key(), ResolveEncodedType(map.key_type())},
          {entry.map_value(), ResolveEncodedType(map.item_type())}};
      for (const auto& [part_fd, part_type] : parts) {
        FieldPlan part;
        part.name = std::string(part_fd->name());
        part.path = plan->path + "." + part.name;
        part.number = part_fd->number();
        ARROW_ZEROBUS_RETURN_NOT_OK(MatchValue(part_type, part.path, *part_fd, depth + 1, &part));
        plan->children.push_back(std::move(part));
      }
      return Status::OK();
    }
    if (fd.is_repeated()) return Mismatch(*plan, *resolved, fd);
    plan->shape = FieldShape::kSingular;
    plan->required = fd.is_required();
    return MatchValue(resolved, plan->path, fd, depth, plan);
  }

  Status MatchValue(const std::shared_ptr<arrow::DataType>& type, const std::string& path,
                    const FieldDescriptor& fd, int depth, FieldPlan* plan) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(TypeMapping mapping, MapValueType(*type, path));
    const auto proto_type = static_cast<ProtoType>(fd.type());
    if (!IsCompatibleProtoType(*type, proto_type) ||
        (proto_type == FieldDescriptorProto::TYPE_MESSAGE && fd.is_map())) {
      return ConfigurationError("column '" + path + "' has Arrow type " + type->ToString() +
                                ", which cannot fill descriptor field '" +
                                std::string(fd.full_name()) + "' (" + DescribeField(fd) + ")");
    }
    plan->proto_type = proto_type;
    plan->value_type = type;
    plan->conversion = mapping.conversion;
    // Text checks follow the declared field: string fields need UTF-8, bytes fields take anything.
    if (mapping.conversion == ValueConversion::kUtf8 ||
        mapping.conversion == ValueConversion::kNone) {
      const bool textual =
          arrow::is_binary_like(type->id()) || arrow::is_large_binary_like(type->id()) ||
          type->id() == arrow::Type::STRING_VIEW || type->id() == arrow::Type::BINARY_VIEW ||
          type->id() == arrow::Type::FIXED_SIZE_BINARY;
      if (textual) {
        plan->conversion = proto_type == FieldDescriptorProto::TYPE_STRING ? ValueConversion::kUtf8
                                                                           : ValueConversion::kNone;
      }
    }
    if (mapping.conversion != ValueConversion::kNestedMessage) return Status::OK();
    if (depth + 1 > options_.max_nesting_depth) {
      return NestingTooDeep(path, depth + 1, options_.max_nesting_depth);
    }
    return MatchMessage(type->fields(), path, *fd.message_type(), depth + 1, &plan->children);
  }

  static Status Mismatch(const FieldPlan& plan, const arrow::DataType& type,
                         const FieldDescriptor& fd) {
    return ConfigurationError("column '" + plan.path + "' has Arrow type " + type.ToString() +
                              ", but descriptor field '" + std::string(fd.full_name()) + "' is " +
                              DescribeField(fd));
  }

  const PlanOptions& options_;
};

}  // namespace

Status MatchSuppliedDescriptor(const PlanOptions& options, SchemaPlan* plan) {
  plan->descriptor = *options.descriptor;
  if (plan->descriptor.name().empty()) {
    return ConfigurationError("the supplied descriptor has no message name");
  }
  ARROW_ZEROBUS_RETURN_NOT_OK(
      CheckFieldCount("", plan->schema->num_fields(), options.max_top_level_fields));
  ARROW_ZEROBUS_RETURN_NOT_OK(
      BuildDescriptorPool(InferPackage(plan->descriptor, plan->descriptor.name()), plan)
          .WithContext("supplied descriptor"));
  Matcher matcher(options);
  return matcher.MatchMessage(plan->schema->fields(), "", *plan->message, 0, &plan->fields);
}

}  // namespace arrow_zerobus::schema::internal
