// WrapperCore: the machinery behind ZerobusWrapper.
//
// A send becomes a BatchJob with a sequence number. Worker threads (config.worker_threads) plan
// and encode jobs in parallel; then each job takes its turn, in sequence order, to write the
// debug files and hand its requests to the stream, so batches reach the table in the order they
// were sent. Acknowledgements arrive on the stream's threads through AckRouter, which resolves
// the job's requests; the last one completes the job (its BatchFuture), and the caller's
// callback runs on the CallbackDispatcher's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "arrow_zerobus/config.h"
#include "arrow_zerobus/wrapper.h"
#include "auth/headers_provider.h"
#include "common/lru_cache.h"
#include "debug/debug_writer.h"
#include "encode/arena_pool.h"
#include "encode/batch_encoder.h"
#include "schema/plan_cache.h"
#include "stream/lane_set.h"
#include "telemetry/telemetry.h"
#include "wrapper/batch_job.h"
#include "wrapper/callback_dispatcher.h"
#include "wrapper/send_format.h"

namespace arrow_zerobus::internal {

class WrapperCore {
 public:
  static Result<std::unique_ptr<WrapperCore>> Create(WrapperConfiguration config);
  ~WrapperCore();

  /// `trace_parent`: the caller's span, parent of the batch's send_batch span (when valid).
  BatchFuture Submit(std::shared_ptr<arrow::RecordBatch> batch, CompletionCallback on_complete,
                     const SpanContext& trace_parent = {});
  Status Flush();
  /// See ZerobusWrapper::check_schema.
  Status CheckSchema(const std::shared_ptr<arrow::Schema>& schema) const {
    return format_->CheckSchema(schema);
  }
  /// Shuts down within `timeout` (default: flush_timeout_ms); see ZerobusWrapper::shutdown.
  Status Shutdown(std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  const WrapperConfiguration& config() const { return config_; }
  WrapperStats stats() const;
  /// See ZerobusWrapper::open_streams and set_send_journal.
  Result<std::vector<StreamLaneStats>> OpenStreams(const std::shared_ptr<arrow::Schema>& schema);
  Status SetSendJournal(SendJournal journal);
  Status debug_status() const;
  /// Metrics, and in pull mode the spans and measurements since the last call; empty when
  /// observability is off.
  TelemetryData CollectTelemetry();

 private:
  class AckRouter;
  class JournalRouter;
  /// FAILED_PRECONDITION naming `call` once a batch was given or the wrapper shut down.
  Status BeforeFirstSend(const char* call) const;
  struct PendingRequest {
    std::shared_ptr<BatchJob> job;
    size_t index;
  };

  explicit WrapperCore(WrapperConfiguration config);

  void WorkerLoop();
  /// Plans and encodes (any worker, in parallel).
  void Prepare(BatchJob& job);
  /// Debug files and the streams (one job at a time, in sequence order).
  void SendInTurn(const std::shared_ptr<BatchJob>& job);
  /// Cuts the job's rows into requests and hands them to the streams.
  void SendRequests(const std::shared_ptr<BatchJob>& job);
  /// Registers requests of `job` covering `row_ranges` and sends them in order with
  /// `send(i, tag)`; once one is refused, it and every later one fail unsent.
  void SubmitInOrder(const std::shared_ptr<BatchJob>& job,
                     const std::vector<std::pair<int64_t, int64_t>>& row_ranges,
                     const std::function<Status(size_t, uint64_t)>& send);
  /// The streams for the job's rows, opened (traced under the job's span) when there are none
  /// that fit.
  Result<std::shared_ptr<stream::LaneSet>> LanesFor(const BatchJob& job);
  /// Closes the streams (their rows acknowledged first, by `deadline`).
  Status CloseStreams(std::optional<std::chrono::steady_clock::time_point> deadline = {});
  void OnRequestResolved(const stream::ResolvedRequest& request, const Status& failure);
  void Finish(const std::shared_ptr<BatchJob>& job);
  /// Keeps the first debug error (reported on `job` when given, and once on stderr).
  void NoteDebugError(const Status& status, BatchJob* job);
  /// Waits until every job up to `sequence` finished, at most until `deadline`; false when it
  /// timed out.
  bool WaitForJobsThrough(uint64_t sequence, std::chrono::steady_clock::time_point deadline);
  /// Jobs not finished yet.
  size_t UnfinishedJobs() const;

  const WrapperConfiguration config_;
  std::unique_ptr<schema::SchemaPlanCache> plans_;
  std::unique_ptr<SendFormat> format_;
  stream::StreamConfig stream_template_;
  std::unique_ptr<telemetry::Telemetry> telemetry_;  ///< null when observability is off
  std::unique_ptr<debug::DebugWriter> debug_;
  std::shared_ptr<CallbackDispatcher> dispatcher_;
  std::shared_ptr<AckRouter> router_;

  // Jobs not yet finished, by sequence; what flush() and shutdown() wait for.
  mutable std::mutex jobs_mu_;
  std::condition_variable jobs_changed_;
  uint64_t next_sequence_ = 0;
  std::set<uint64_t> unfinished_;
  bool shut_down_ = false;
  std::optional<Status> shutdown_result_;

  // The work queue.
  std::mutex queue_mu_;
  std::condition_variable queue_changed_;
  std::deque<std::shared_ptr<BatchJob>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;

  // Whose turn it is to send; the streams are replaced only by the job whose turn it is (and by
  // Shutdown once the workers have stopped).
  std::mutex turn_mu_;
  std::condition_variable turn_changed_;
  uint64_t turn_ = 0;
  // The open streams; lanes_mu_ guards the pointer (Shutdown aborts them from its own thread).
  mutable std::mutex lanes_mu_;
  std::shared_ptr<stream::LaneSet> lanes_;
  /// Ends streams still opening when a shutdown runs out of time.
  const std::shared_ptr<stream::OpenCanceller> open_canceller_ =
      std::make_shared<stream::OpenCanceller>();
  Status aborted_;  ///< set by a Shutdown that ran out of time: nothing more is sent

  // Requests handed to the stream and not yet resolved, by tag.
  std::mutex pending_mu_;
  std::unordered_map<uint64_t, PendingRequest> pending_;
  uint64_t next_tag_ = 1;

  /// resume_stream_ids apply to the first streams opened only (later ones are new streams).
  bool resume_ids_used_ = false;

  mutable std::mutex debug_mu_;
  Status first_debug_error_;

  std::atomic<int64_t> batches_{0}, rows_succeeded_{0}, rows_failed_{0}, encoded_bytes_{0},
      requests_sent_{0}, requests_replayed_{0}, streams_opened_{0};
};

}  // namespace arrow_zerobus::internal
