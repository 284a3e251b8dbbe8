// Pieces shared by the descriptor generator and the caller-supplied descriptor matcher.
#pragma once

#include <memory>
#include <string>

#include <arrow/type.h>
#include <google/protobuf/descriptor.h>

#include "schema/schema_plan.h"

namespace arrow_zerobus::schema::internal {

bool IsListLike(arrow::Type::type id);

/// The element field of a list-like type.
const std::shared_ptr<arrow::Field>& ListElementField(const arrow::DataType& list_type);

/// Map keys must be integers, bool or strings (protobuf map keys).
bool IsValidMapKeyType(const arrow::DataType& resolved_key_type);

/// Wraps plan->descriptor in a proto2 file with `package`, builds it in a fresh pool and fills
/// plan->file, plan->pool and plan->message.
Status BuildDescriptorPool(const std::string& package, SchemaPlan* plan);

Status NestingTooDeep(const std::string& path, int depth, int limit);

/// Zerobus' limit on the fields of one message; `path` is empty for the record itself.
Status CheckFieldCount(const std::string& path, int64_t count, int64_t limit);

/// Generates plan->fields and plan->descriptor from plan->schema.
Status GenerateDescriptor(const PlanOptions& options, SchemaPlan* plan);

/// Fills plan->fields from plan->schema matched against options.descriptor.
Status MatchSuppliedDescriptor(const PlanOptions& options, SchemaPlan* plan);

}  // namespace arrow_zerobus::schema::internal
