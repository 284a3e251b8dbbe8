#include <google/protobuf/descriptor.h>

#include <arrow/type_traits.h>

#include "schema/descriptor_errors.h"
#include "schema/planner_internal.h"

namespace arrow_zerobus::schema::internal {

bool IsListLike(arrow::Type::type id) {
  return id == arrow::Type::LIST || id == arrow::Type::LARGE_LIST ||
         id == arrow::Type::FIXED_SIZE_LIST || id == arrow::Type::LIST_VIEW ||
         id == arrow::Type::LARGE_LIST_VIEW;
}

const std::shared_ptr<arrow::Field>& ListElementField(const arrow::DataType& list_type) {
  return list_type.field(0);
}

bool IsValidMapKeyType(const arrow::DataType& type) {
  return arrow::is_integer(type.id()) || type.id() == arrow::Type::BOOL ||
         arrow::is_string(type.id()) || type.id() == arrow::Type::STRING_VIEW;
}

Status BuildDescriptorPool(const std::string& package, SchemaPlan* plan) {
  plan->file.Clear();
  plan->file.set_name("arrow_zerobus/" + plan->descriptor.name() + ".proto");
  plan->file.set_syntax("proto2");
  if (!package.empty()) plan->file.set_package(package);
  *plan->file.add_message_type() = plan->descriptor;

  auto pool = std::make_shared<google::protobuf::DescriptorPool>();
  DescriptorErrors errors;
  const google::protobuf::FileDescriptor* file =
      pool->BuildFileCollectingErrors(plan->file, &errors);
  if (file == nullptr) {
    return ConfigurationError("descriptor for message '" + plan->descriptor.name() +
                              "' does not build: " + errors.text());
  }
  plan->pool = std::move(pool);
  plan->message = file->message_type(0);
  return Status::OK();
}

Status NestingTooDeep(const std::string& path, int depth, int limit) {
  return ConfigurationError("column '" + path + "' nests messages " + std::to_string(depth) +
                            " levels deep; the limit is " + std::to_string(limit));
}

Status CheckFieldCount(const std::string& path, int64_t count, int64_t limit) {
  if (count <= limit) return Status::OK();
  const std::string where = path.empty() ? "the schema has " : "struct '" + path + "' has ";
  return ConfigurationError(where + std::to_string(count) + " fields; Zerobus accepts at most " +
                            std::to_string(limit) + " fields in one message");
}

}  // namespace arrow_zerobus::schema::internal
