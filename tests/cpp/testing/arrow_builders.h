// Small helpers for building Arrow test data and plans; failures abort the test with a message.
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include <arrow/array.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>

#include "schema/schema_plan.h"

namespace arrow_zerobus::testing {

/// arrow::json::ArrayFromJSONString, failing the test on bad JSON.
std::shared_ptr<arrow::Array> ArrayFromJson(const std::shared_ptr<arrow::DataType>& type,
                                            std::string_view json);

/// A record batch of `arrays` under `fields` (lengths must agree).
std::shared_ptr<arrow::RecordBatch> MakeBatch(
    const std::vector<std::shared_ptr<arrow::Field>>& fields,
    const std::vector<std::shared_ptr<arrow::Array>>& arrays);

/// The batches of an Arrow IPC stream file (the emulator's landing files), failing the test
/// when it does not read.
std::vector<std::shared_ptr<arrow::RecordBatch>> ReadArrowsFile(const std::filesystem::path& path);

/// The same file's rows as one batch (nullptr, failing the test, when it does not read).
std::shared_ptr<arrow::RecordBatch> ReadArrowsRows(const std::filesystem::path& path);

/// PlanSchema, failing the test when planning fails.
std::shared_ptr<const schema::SchemaPlan> PlanOrFail(const arrow::Schema& schema,
                                                     const schema::PlanOptions& options = {});

}  // namespace arrow_zerobus::testing
