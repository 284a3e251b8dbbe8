// BatchJob: one send_batch on its way through the wrapper, and the bookkeeping that turns the
// fate of its requests into a TransmissionResult in which every row appears exactly once.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <arrow/record_batch.h>

#include "arrow_zerobus/status.h"
#include "arrow_zerobus/telemetry.h"
#include "arrow_zerobus/transmission_result.h"
#include "encode/canonical_schema.h"
#include "encode/encoded_batch.h"
#include "schema/schema_plan.h"
#include "wrapper/batch_state.h"

namespace arrow_zerobus::internal {

class BatchJob {
 public:
  BatchJob(uint64_t sequence, std::shared_ptr<arrow::RecordBatch> batch,
           std::shared_ptr<BatchState> state)
      : sequence_(sequence), batch_(std::move(batch)), state_(std::move(state)) {
    state_->batch = batch_;
  }

  uint64_t sequence() const { return sequence_; }
  /// The caller's batch, as given: results name its rows, debug files hold it.
  const std::shared_ptr<arrow::RecordBatch>& batch() const { return batch_; }
  /// The rows the wire format converts: the caller's batch, or (schema_source table) those of
  /// its rows that fit the table, fitted to it (see table_format.h).
  const std::shared_ptr<arrow::RecordBatch>& input() const {
    return fitted_input ? fitted_input : batch_;
  }
  BatchState& state() { return *state_; }
  int64_t total_rows() const { return state_->total_rows; }

  // --- Filled in before the job's turn to send (one thread) ---
  std::shared_ptr<arrow::RecordBatch> fitted_input;  ///< see input()
  /// The fit validated the caller's arrays and made the rest itself: the format need not
  /// validate input() again.
  bool input_validated = false;
  std::shared_ptr<const schema::SchemaPlan> plan;
  /// The records (Protobuf format), or, in the Arrow format, only which rows failed and why
  /// (num_rows, row_failed, errors) as the cast found them.
  encode::EncodedBatch encoded;
  bool encoded_ok = false;
  /// Bytes of the rows to send: Protobuf records, or the Arrow IPC body of the cast batch.
  int64_t payload_bytes = 0;
  // Arrow format only: the rows that can be sent, cast to the canonical schema; batch row k is
  // the caller's row kept_rows[k] (row k itself when kept_rows is empty).
  std::shared_ptr<const encode::CanonicalSchema> canonical;
  std::shared_ptr<arrow::RecordBatch> canonical_rows;
  std::vector<int64_t> kept_rows;
  /// Arrow format with Protobuf debug files on: the records for those files.
  encode::EncodedBatch debug_records;
  /// Fails every row the encoder did not fail (or every row, before encoding).
  Status batch_failure;
  Status debug_error;
  bool writer_disabled = false;

  // --- Telemetry, filled only when observability is on: Unix ns of each step's start and end
  // (0: the step did not run), and the send_batch span's context and parent.
  struct Timeline {
    int64_t submitted = 0;
    int64_t prepare_start = 0, planned = 0, encoded = 0;
    int64_t debug_start = 0, debug_end = 0;
    int64_t transmit_start = 0, transmit_end = 0;
  };
  Timeline times;
  SpanContext trace;
  SpanId trace_parent{};

  /// Registers the requests the rows were packed into, in row order; returns the index of the
  /// first. Called before any of them is sent.
  size_t AddRequests(const std::vector<std::pair<int64_t, int64_t>>& row_ranges);
  /// The caller's rows request `index` covers: [first, end), failed rows in between excepted.
  std::pair<int64_t, int64_t> RequestRows(size_t index) const;
  /// What became of request `index`; true when this completed the job's accounting.
  bool ResolveRequest(size_t index, const Status& failure, int sends, int64_t record_count,
                      const std::string& stream_id);
  /// Every request was handed out (or none will be); true when the job can complete now.
  bool FinishSubmitting();

  /// The result, every row accounted for, with the failed rows' values. Call once, when the
  /// job is complete.
  TransmissionResult BuildResult() const;

 private:
  struct Request {
    int64_t first_row = 0;
    int64_t end_row = 0;
    bool resolved = false;
    Status failure;  ///< OK when acknowledged
    int sends = 0;
    int64_t record_count = 0;
  };

  bool CompleteLocked() const { return submitted_ && unresolved_ == 0; }

  const uint64_t sequence_;
  const std::shared_ptr<arrow::RecordBatch> batch_;
  const std::shared_ptr<BatchState> state_;

  mutable std::mutex mu_;
  std::vector<Request> requests_;
  int64_t unresolved_ = 0;
  bool submitted_ = false;
  std::set<std::string> stream_ids_;
};

}  // namespace arrow_zerobus::internal
