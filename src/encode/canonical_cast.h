// CastToCanonical: a caller's RecordBatch -> the batch the Arrow Flight path sends, under the
// canonical schema (canonical_schema.h), without the rows that cannot be represented. Those rows
// are reported exactly as the protobuf encoder reports them (same kinds, columns and messages),
// so the wrapper accounts for every row once whichever wire format it uses.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <arrow/record_batch.h>

#include "arrow_zerobus/status.h"
#include "encode/canonical_schema.h"
#include "encode/row_error.h"
#include "encode/row_error_collector.h"

namespace arrow_zerobus::encode {

struct CastOptions {
  /// Run Arrow's full validation (offsets, indices, run ends; not UTF-8) before reading buffers.
  /// Only turn off for data this process produced itself.
  bool validate = true;
};

struct CanonicalBatch {
  int64_t num_rows = 0;  ///< rows of the caller's batch
  /// The rows that can be sent, in their order, under CanonicalSchema::canonical.
  std::shared_ptr<arrow::RecordBatch> batch;
  /// kept_rows[k] is the caller's row of batch row k; empty when no row failed (then row k is k).
  std::vector<int64_t> kept_rows;
  /// num_rows entries, 1 where the row failed; its error is in `errors`.
  std::vector<uint8_t> row_failed;
  /// One error per failed row (the first found, in the caller's column order), sorted by row.
  std::vector<encode::RowError> errors;
  /// Every column of `batch` is the caller's own array: no value was copied.
  bool zero_copy = false;

  bool failed(int64_t row) const { return row_failed[row] != 0; }
  int64_t failed_count() const { return static_cast<int64_t>(errors.size()); }
  int64_t successful_count() const { return num_rows - failed_count(); }
  /// The caller's row index of row k of `batch`.
  int64_t SourceRow(int64_t k) const { return kept_rows.empty() ? k : kept_rows[k]; }
};

/// Casts `batch`, whose schema must equal `schema.source` (metadata aside), to
/// `schema.canonical`. A batch whose schema differs or whose arrays are malformed gives one
/// ConversionError naming the column; bad values only fail their rows.
Result<CanonicalBatch> CastToCanonical(const CanonicalSchema& schema,
                                       const arrow::RecordBatch& batch,
                                       const CastOptions& options = {});

namespace internal {

/// OK when `actual` has the columns of `expected` (metadata aside), else a ConversionError
/// naming the first that differs.
Status CheckBatchSchema(const arrow::Schema& expected, const arrow::Schema& actual);

/// Column `c` of `batch`, checked against the batch's schema and row count, validated (per
/// `options`), its buffers aligned and its encoding layers decoded: ready for ConvertColumn.
Result<std::shared_ptr<arrow::Array>> ReadableColumn(const arrow::RecordBatch& batch, int c,
                                                     const CastOptions& options);

/// The converted `columns` under `schema` as a CanonicalBatch: the rows `errors` failed left
/// out, the errors sorted by row.
Result<CanonicalBatch> AssembleCast(const std::shared_ptr<arrow::Schema>& schema, int64_t n,
                                    std::vector<std::shared_ptr<arrow::Array>> columns,
                                    RowErrorCollector& errors, bool zero_copy);

}  // namespace internal
}  // namespace arrow_zerobus::encode
