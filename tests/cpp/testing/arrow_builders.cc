#include "testing/arrow_builders.h"

#include <arrow/json/from_string.h>
#include <gtest/gtest.h>

namespace arrow_zerobus::testing {

std::shared_ptr<arrow::Array> ArrayFromJson(const std::shared_ptr<arrow::DataType>& type,
                                            std::string_view json) {
  auto result = arrow::json::ArrayFromJSONString(type, json);
  if (!result.ok()) {
    ADD_FAILURE() << "bad test JSON for " << type->ToString() << ": " << result.status();
    return arrow::MakeArrayOfNull(type, 0).ValueOrDie();
  }
  return *result;
}

std::shared_ptr<arrow::RecordBatch> MakeBatch(
    const std::vector<std::shared_ptr<arrow::Field>>& fields,
    const std::vector<std::shared_ptr<arrow::Array>>& arrays) {
  const int64_t rows = arrays.empty() ? 0 : arrays[0]->length();
  return arrow::RecordBatch::Make(arrow::schema(fields), rows, arrays);
}

std::shared_ptr<const schema::SchemaPlan> PlanOrFail(const arrow::Schema& schema,
                                                     const schema::PlanOptions& options) {
  auto plan = schema::PlanSchema(schema, options);
  if (!plan.ok()) {
    ADD_FAILURE() << "planning " << schema.ToString() << " failed: " << plan.status();
    return nullptr;
  }
  return *plan;
}

}  // namespace arrow_zerobus::testing
