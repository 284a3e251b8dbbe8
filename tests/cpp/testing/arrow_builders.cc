#include "testing/arrow_builders.h"

#include <arrow/io/file.h>
#include <arrow/ipc/reader.h>
#include <arrow/json/from_string.h>
#include <arrow/table.h>
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

std::vector<std::shared_ptr<arrow::RecordBatch>> ReadArrowsFile(const std::filesystem::path& path) {
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  auto file = arrow::io::ReadableFile::Open(path.string());
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  if (!file.ok()) return batches;
  auto reader = arrow::ipc::RecordBatchStreamReader::Open(*file);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return batches;
  auto all = (*reader)->ToRecordBatches();
  EXPECT_TRUE(all.ok()) << all.status().ToString();
  return all.ok() ? *all : batches;
}

std::shared_ptr<arrow::RecordBatch> ReadArrowsRows(const std::filesystem::path& path) {
  auto file = arrow::io::ReadableFile::Open(path.string());
  if (!file.ok()) {
    ADD_FAILURE() << file.status().ToString();
    return nullptr;
  }
  auto reader = arrow::ipc::RecordBatchStreamReader::Open(*file);
  auto table = reader.ok() ? (*reader)->ToTable() : reader.status();
  auto rows = table.ok() ? (*table)->CombineChunksToBatch() : table.status();
  if (!rows.ok()) {
    ADD_FAILURE() << path << ": " << rows.status().ToString();
    return nullptr;
  }
  return *rows;
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
