// ZerobusWrapper: sends Arrow data to one Delta table through Zerobus Ingest and reports, for
// every row, whether it landed and why not.
//
//   auto wrapper = ZerobusWrapper::Create(config);          // no network yet
//   TransmissionResult result = (*wrapper)->send_batch(batch);
//   (*wrapper)->shutdown();
//
// Thread-safe: any number of threads may send at once. Batches are sent in the order their
// send calls were made; a batch with a new schema closes the current stream (after its rows are
// acknowledged) and opens one with the new descriptor.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/table.h>

#include "arrow_zerobus/config.h"
#include "arrow_zerobus/status.h"
#include "arrow_zerobus/telemetry.h"
#include "arrow_zerobus/transmission_result.h"

namespace arrow_zerobus {

namespace internal {
struct BatchState;
class WrapperCore;
}  // namespace internal

/// The pending outcome of send_batch_async.
class BatchFuture {
 public:
  BatchFuture() = default;

  /// Whether this refers to a send. A default-constructed future does not: it is ready, get()
  /// gives a result of no rows whose error (a ConfigurationError) says so, and cancel() is false.
  bool valid() const { return state_ != nullptr; }
  bool ready() const;
  /// Blocks until the result is known.
  const TransmissionResult& get() const;
  /// Waits at most `timeout`; true if the result is known.
  bool wait_for(std::chrono::milliseconds timeout) const;
  /// Gives up the batch if none of its rows was handed to the stream yet: its rows then fail
  /// with a CANCELLED transmission error. False when it is too late (rows already sent or the
  /// result known); the send then completes normally.
  bool cancel() const;

 private:
  friend class internal::WrapperCore;
  explicit BatchFuture(std::shared_ptr<internal::BatchState> state) : state_(std::move(state)) {}
  std::shared_ptr<internal::BatchState> state_;
};

/// Called once with the result, on a wrapper thread (never the caller's). It may send more
/// batches, even blocking ones, but should be quick.
using CompletionCallback = std::function<void(const TransmissionResult&)>;

/// One of the wrapper's open streams (lanes; see stream_count).
struct StreamLaneStats {
  int lane = 0;
  std::string stream_id;      ///< the server's id (empty for Arrow Flight streams, which have none)
  int64_t requests_sent = 0;  ///< writes, replays included
  int64_t requests_acked = 0;
  int64_t records_acked = 0;
  int64_t bytes_acked = 0;
  /// Rows sent again after reconnects: with delivery at_least_once an upper bound on the
  /// duplicates this stream may have landed; with exactly_once none of them lands twice.
  int64_t records_replayed = 0;
  int64_t reconnects = 0;
  /// The highest offset acknowledged on this stream (-1: none).
  int64_t last_acked_offset = -1;
  /// delivery exactly_once: reconnects that resumed the stream, and the requests their resume
  /// replies acknowledged (committed before the cut; at least once would have sent them again).
  int64_t resumes = 0;
  int64_t requests_committed_on_resume = 0;
};

/// delivery exactly_once: one request of a send as it is handed to its stream, before it is
/// written. A caller that records these (see set_send_journal) knows, after a crash, which rows
/// landed: those of every request whose offset is at or below its stream's committed offset
/// (the last_acked_offset of a wrapper that resumes the stream).
struct JournaledRequest {
  /// The batch it belongs to: 0, 1, 2, ... in the order batches were given to the wrapper (each
  /// send_batch or send_batch_async call one; send_table and send_reader one per batch).
  uint64_t batch = 0;
  /// The batch's rows it carries: [first_row, end_row), except `excluded_rows` (rows in that
  /// range that failed conversion and are not in it), ascending.
  int64_t first_row = 0;
  int64_t end_row = 0;
  std::vector<int64_t> excluded_rows;
  int lane = 0;
  std::string stream_id;
  int64_t offset = 0;
};
/// Called in offset order per stream, on a wrapper thread, while the stream waits: it should
/// only record (e.g. append a line to a file). An error refuses the request: its rows fail with
/// it, unsent.
using SendJournal = std::function<Status(const JournaledRequest&)>;

/// Totals since the wrapper was created.
struct WrapperStats {
  int64_t batches = 0;
  int64_t rows_succeeded = 0;
  int64_t rows_failed = 0;
  int64_t encoded_bytes = 0;
  int64_t requests_sent = 0;
  int64_t requests_replayed = 0;
  int64_t streams_opened = 0;
  /// The streams open now, one per lane (empty before the first send and after shutdown).
  std::vector<StreamLaneStats> streams;
};

class ZerobusWrapper {
 public:
  /// Validates `config` and prepares the debug writers. Opens no connection: the stream is
  /// created with the first batch that has rows to send.
  static Result<std::unique_ptr<ZerobusWrapper>> Create(WrapperConfiguration config);
  /// Shuts down (see shutdown()).
  ~ZerobusWrapper();
  ZerobusWrapper(const ZerobusWrapper&) = delete;
  ZerobusWrapper& operator=(const ZerobusWrapper&) = delete;

  /// Sends `batch` and waits until every row is acknowledged or failed. Never throws; problems
  /// are in the result (a wrapper already shut down fails every row).
  TransmissionResult send_batch(const std::shared_ptr<arrow::RecordBatch>& batch);
  /// Returns at once; the result arrives through the future and then `on_complete`.
  /// With observability on, the batch's zerobus.send_batch span is a child of `trace_parent`
  /// when it is valid (so it joins the caller's trace), else the root of a new trace.
  BatchFuture send_batch_async(std::shared_ptr<arrow::RecordBatch> batch,
                               CompletionCallback on_complete = nullptr,
                               const SpanContext& trace_parent = {});
  /// Sends each record batch of `table` (rows keep their table indices in the result: row i of
  /// the result is row i of the table). A schema check_schema() refuses is refused once, as in
  /// send_reader().
  TransmissionResult send_table(const std::shared_ptr<arrow::Table>& table);
  /// Sends every batch `reader` yields, reading ahead of the acknowledgements up to 64 MiB of
  /// batches per stream (at least one batch; never beyond max_inflight_bytes); the result
  /// numbers rows across the batches in order. A read error ends the send and becomes
  /// the result's error; the rows read before it are reported as usual. A schema that
  /// check_schema() refuses (an unsupported column type) is refused once, before any row is
  /// read: the result has that error, no rows, and nothing is sent.
  TransmissionResult send_reader(arrow::RecordBatchReader& reader);
  /// delivery exactly_once: opens the streams for batches of `schema` now instead of with the
  /// first batch, and returns them (stream ids, and the offset each continues after:
  /// last_acked_offset). With resume_stream_ids, the streams are those resumed. Only before the
  /// first send; not in writer-disabled mode.
  Result<std::vector<StreamLaneStats>> open_streams(const std::shared_ptr<arrow::Schema>& schema);
  /// delivery exactly_once: `journal` is told of every request before it is written. Only
  /// before the first send.
  Status set_send_journal(SendJournal journal);
  /// OK when batches of `schema` can be sent in the configured wire format, else the
  /// ConfigurationError naming the column and its type (or, with descriptor_proto, the
  /// mismatch) that would fail every row of such a batch. The plan is cached for the sends.
  Status check_schema(const std::shared_ptr<arrow::Schema>& schema) const;

  /// Waits until every batch sent before the call is acknowledged or failed, then flushes the
  /// debug files to disk (readable by pyarrow or DuckDB afterwards).
  Status flush();
  /// Flushes, closes the stream and the debug files (each Arrow file gets its end-of-stream
  /// marker), and stops the wrapper's threads. Idempotent; later sends fail every row with a
  /// configuration error saying the wrapper is shut down.
  Status shutdown();
  /// The same, waiting at most `timeout` instead of flush_timeout_ms for the batches in flight:
  /// those still unacknowledged then fail with DEADLINE_EXCEEDED (they may have landed). A
  /// timeout of 0 stops at once, e.g. when the user interrupts.
  Status shutdown(std::chrono::milliseconds timeout);

  const WrapperConfiguration& configuration() const;
  WrapperStats stats() const;
  /// The first debug-file error since creation (OK if none).
  Status debug_status() const;
  /// With observability on: the metrics now and, with observability_exporter "none", the spans
  /// and histogram measurements recorded since the previous call (docs/observability.md).
  /// Empty when observability is off.
  TelemetryData collect_telemetry();

 private:
  explicit ZerobusWrapper(std::unique_ptr<internal::WrapperCore> core);
  std::unique_ptr<internal::WrapperCore> core_;
};

}  // namespace arrow_zerobus
