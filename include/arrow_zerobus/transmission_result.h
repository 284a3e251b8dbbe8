// TransmissionResult: what became of every row of one send_batch. Each row index of the batch is
// in exactly one of successful_rows and failed_rows, whatever happened (conversion errors, a
// stream that died mid-batch, retries exhausted, shutdown).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <arrow/record_batch.h>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus {

/// One failed row and why: error.kind() says which stage (conversion, connection,
/// authentication, transmission, retries exhausted, ...), error.retryable() whether sending the
/// row again may succeed, error.message() the cause (column and value for conversion errors).
struct RowFailure {
  int64_t row = 0;
  Status error;
};

struct ErrorStatistics {
  int64_t total_rows = 0;
  int64_t successful_count = 0;
  int64_t failed_count = 0;
  double success_rate = 0.0;  ///< successful_count / total_rows (1.0 for an empty batch)
  double failure_rate = 0.0;  ///< failed_count / total_rows (0.0 for an empty batch)
  /// Failed rows per error type name ("ConversionError", "ConnectionError", ...).
  std::map<std::string, int64_t> error_type_counts;
};

struct TransmissionResult {
  /// Every row that could be sent was acknowledged (or, with the writer disabled, converted) and
  /// at least one row succeeded; true for an empty batch. Rows that failed conversion alone do
  /// not make it false while others succeed: see is_partial_success().
  bool success = false;
  /// Why success is false: the stream's failure, or the first row error when no row succeeded.
  Status error;
  /// Connection attempts of the stream while the batch was in flight (1 without reconnects).
  int attempts = 0;
  /// From the call to the last acknowledgement (or failure), in milliseconds.
  double latency_ms = 0.0;
  /// Arrow memory of the batch's buffers (as the original reported).
  int64_t batch_size_bytes = 0;
  /// Protobuf bytes of the rows that converted: what was put on the wire once.
  int64_t encoded_bytes = 0;
  int64_t requests_sent = 0;      ///< requests the batch's rows were packed into
  int64_t requests_replayed = 0;  ///< of those, re-sent after a reconnect (at least once)
  /// Rows sent again after reconnects (counted per extra send): an upper bound on the duplicates
  /// this batch may have left in the table (delivery is at least once).
  int64_t rows_replayed = 0;
  /// The Zerobus stream id(s) the rows went to (more than one after a reconnect).
  std::vector<std::string> stream_ids;
  /// Rows were only converted (and written to debug files), not sent.
  bool writer_disabled = false;
  /// The first debug-file error of the wrapper, reported on the batch where it happened (debug
  /// errors never fail a send).
  Status debug_error;

  int64_t total_rows = 0;
  int64_t successful_count = 0;
  int64_t failed_count = 0;
  std::vector<int64_t> successful_rows;  ///< ascending
  std::vector<RowFailure> failed_rows;   ///< ascending by row
  /// The values of the failed rows, kept by the wrapper whatever was sent (a batch, a table or a
  /// reader): row k holds the columns of failed_rows[k], with the schema of the data sent
  /// (every field nullable, since a failed row may hold a null a required column refused; view
  /// types in their plain form, except when every row failed). Zero rows when none failed; null
  /// for a null batch or a result built by hand. Only failed rows are kept, and when every row
  /// of a batch failed the batch's own buffers are shared rather than copied.
  std::shared_ptr<arrow::RecordBatch> failed_values;

  /// Every row of the data landed: no error and no failed row, and the writer was enabled (with
  /// it disabled rows are converted, never landed). The unmistakable check: `success` stays
  /// true when some rows failed conversion (see is_partial_success()).
  bool all_rows_landed() const {
    return error.ok() && failed_count == 0 && successful_count == total_rows && !writer_disabled;
  }
  bool is_partial_success() const { return success && successful_count > 0 && failed_count > 0; }
  bool has_failed_rows() const { return !failed_rows.empty(); }
  bool has_successful_rows() const { return !successful_rows.empty(); }
  std::vector<int64_t> get_failed_row_indices() const;
  std::vector<int64_t> get_successful_row_indices() const { return successful_rows; }
  /// Failed rows whose error type name (ErrorKindName: "ConversionError", "ConnectionError", ...)
  /// is `type_name`.
  std::vector<int64_t> get_failed_row_indices_by_error_type(const std::string& type_name) const;

  /// The failed (successful) rows of `batch`, which must be the batch that was sent, in row
  /// order, taken with Arrow's Take. A batch of zero rows when there are none. View-typed
  /// columns (string_view, binary_view, list_view) come back in their plain form (utf8,
  /// binary, list): Arrow has no Take for views.
  Result<std::shared_ptr<arrow::RecordBatch>> extract_failed_batch(
      const arrow::RecordBatch& batch) const;
  Result<std::shared_ptr<arrow::RecordBatch>> extract_successful_batch(
      const arrow::RecordBatch& batch) const;
  /// The failed rows, ready to quarantine, without the data that was sent: failed_values with
  /// three columns appended, _zerobus_row (int64: the row's index in the result),
  /// _zerobus_error_type ("ConversionError", ...) and _zerobus_error (the message). A
  /// ConfigurationError when failed_values does not hold the failed rows (a result built by
  /// hand): extract_failed_batch() then needs the batch.
  Result<std::shared_ptr<arrow::RecordBatch>> failed_batch() const;

  /// Failed row indices per error type name.
  std::map<std::string, std::vector<int64_t>> group_errors_by_type() const;
  ErrorStatistics get_error_statistics() const;
  /// "row 3: <message>" for each failed row.
  std::vector<std::string> get_error_messages() const;

  /// One line: counts, bytes, requests, latency, and the error if any.
  std::string Summary() const;
};

}  // namespace arrow_zerobus
