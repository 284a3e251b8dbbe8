// The failed rows of a send, kept with the result (TransmissionResult::failed_values) so that
// they can be quarantined without the data that was sent, and Arrow Take of rows by index.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <arrow/record_batch.h>

#include "arrow_zerobus/status.h"
#include "arrow_zerobus/transmission_result.h"

namespace arrow_zerobus::internal {

/// The rows of `batch` at `rows` (ascending), in their order, taken with Arrow's Take; view
/// types come back in their plain form. Every row of the batch shares its buffers.
Result<std::shared_ptr<arrow::RecordBatch>> TakeRows(const arrow::RecordBatch& batch,
                                                     const std::vector<int64_t>& rows);

/// `schema` with every top-level field nullable.
std::shared_ptr<arrow::Schema> NullableSchema(const arrow::Schema& schema);

/// The values of `result`'s failed rows of `batch` (the batch that was sent), under
/// NullableSchema; null when they cannot be taken.
std::shared_ptr<arrow::RecordBatch> KeepFailedValues(const TransmissionResult& result,
                                                     const arrow::RecordBatch& batch);

/// Collects the failed values of results merged one after another into one batch.
class FailedValuesMerger {
 public:
  /// Appends `values` (the failed values of the next result; null when it kept none).
  void Add(const std::shared_ptr<arrow::RecordBatch>& values);
  /// Every piece concatenated; null when a piece was missing or the schemas differ.
  std::shared_ptr<arrow::RecordBatch> Finish();

 private:
  std::vector<std::shared_ptr<arrow::RecordBatch>> pieces_;
  std::shared_ptr<arrow::RecordBatch> empty_;  // the first piece, when every piece is empty
  bool missing_ = false;
};

}  // namespace arrow_zerobus::internal
