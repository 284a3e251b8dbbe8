#include "wrapper/wrapper_core.h"

#include <iostream>
#include <optional>
#include <tuple>
#include <vector>

#include "telemetry/token_refresh_counter.h"
#include "wrapper/batch_telemetry.h"
#include "wrapper/stream_settings.h"
#include "wrapper/table_format.h"
#include "wrapper/telemetry_resolution.h"

namespace arrow_zerobus::internal {

/// The stream's observer: hands each resolved request to the core.
class WrapperCore::AckRouter final : public stream::AckObserver {
 public:
  explicit AckRouter(WrapperCore* core) : core_(core) {}
  void OnAcked(const stream::ResolvedRequest& request) override {
    core_->OnRequestResolved(request, Status::OK());
  }
  void OnFailed(const stream::ResolvedRequest& request, const Status& status) override {
    core_->OnRequestResolved(request, status);
  }

 private:
  WrapperCore* core_;
};

/// Tells the caller's journal of each request before its stream writes it: the request's tag
/// names the job and its rows.
class WrapperCore::JournalRouter final : public stream::SendJournal {
 public:
  JournalRouter(WrapperCore* core, arrow_zerobus::SendJournal journal)
      : core_(core), journal_(std::move(journal)) {}

  Status Record(const std::string& stream_id, int lane, int64_t offset, uint64_t tag) override {
    PendingRequest pending;
    {
      std::lock_guard<std::mutex> lock(core_->pending_mu_);
      auto found = core_->pending_.find(tag);
      if (found == core_->pending_.end()) return Status::OK();
      pending = found->second;
    }
    JournaledRequest request;
    request.batch = pending.job->sequence();
    std::tie(request.first_row, request.end_row) = pending.job->RequestRows(pending.index);
    const encode::EncodedBatch& encoded = pending.job->encoded;
    if (!encoded.row_failed.empty()) {
      for (int64_t row = request.first_row; row < request.end_row; ++row) {
        if (encoded.failed(row)) request.excluded_rows.push_back(row);
      }
    }
    request.lane = lane;
    request.stream_id = stream_id;
    request.offset = offset;
    return journal_(request);
  }

 private:
  WrapperCore* core_;
  arrow_zerobus::SendJournal journal_;  // the caller's (the base class shares its name)
};

WrapperCore::WrapperCore(WrapperConfiguration config)
    : config_(std::move(config)),
      dispatcher_(std::make_shared<CallbackDispatcher>()),
      router_(std::make_shared<AckRouter>(this)) {}

Result<std::unique_ptr<WrapperCore>> WrapperCore::Create(WrapperConfiguration config) {
  ARROW_ZEROBUS_RETURN_NOT_OK(config.validate());
  std::unique_ptr<WrapperCore> core(new WrapperCore(std::move(config)));
  const WrapperConfiguration& settings = core->config_;

  std::optional<std::vector<schema::UcColumn>> table_columns;
  if (settings.schema_source == "table") {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(table_columns, LoadTableColumns(settings));
  }
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(
      schema::PlanOptions plan_options,
      MakePlanOptions(settings, table_columns ? &*table_columns : nullptr));
  core->plans_ = std::make_unique<schema::SchemaPlanCache>(std::move(plan_options));
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(telemetry::TelemetrySettings telemetry_settings,
                                 ResolveTelemetrySettings(settings, ProcessEnvironment()));
  core->telemetry_ = telemetry::Telemetry::Create(telemetry_settings, settings.table_name);

  FormatContext format;
  format.config = &core->config_;
  format.plans = core->plans_.get();
  format.encode_options.max_record_bytes = settings.max_record_bytes;
  format.encode_options.frame_records = true;  // requests go out straight from the arena
  format.encode_options.arena_pool = encode::ArenaPool::Make();
  format.timed = core->telemetry_ != nullptr;
  core->format_ = settings.wire_format == WireFormat::kArrow
                      ? MakeArrowFormat(std::move(format))
                      : MakeProtobufFormat(std::move(format));
  if (table_columns) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(
        core->format_, MakeTableFormat(std::move(core->format_), settings, *table_columns));
  }

  if (!settings.zerobus_writer_disabled) {
    stream::StreamConfig& stream = core->stream_template_;
    stream.endpoint = settings.zerobus_endpoint;
    stream.table = settings.table_name;
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(stream.headers, MakeHeadersProvider(settings));
    stream.options = MakeStreamOptions(settings);
    stream.observer = core->router_;
    stream.open_canceller = core->open_canceller_;
    if (core->telemetry_ != nullptr) {
      stream.instruments = &core->telemetry_->instruments();
      stream.tracer = core->telemetry_->tracer();
      stream.headers = std::make_shared<telemetry::TokenRefreshCounter>(std::move(stream.headers),
                                                                        stream.instruments);
    }
  }
  if (settings.arrow_debug_on() || settings.protobuf_debug_on()) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(
        core->debug_, debug::DebugWriter::Open(settings.table_name, MakeDebugOptions(settings)));
  }
  for (int i = 0; i < settings.worker_threads; ++i) {
    core->workers_.emplace_back([raw = core.get()] { raw->WorkerLoop(); });
  }
  return core;
}

WrapperCore::~WrapperCore() { (void)Shutdown(); }

BatchFuture WrapperCore::Submit(std::shared_ptr<arrow::RecordBatch> batch,
                                CompletionCallback on_complete, const SpanContext& trace_parent) {
  const int64_t rows = batch ? batch->num_rows() : 0;
  auto state = std::make_shared<BatchState>(rows, std::move(on_complete), dispatcher_);
  BatchFuture future(state);
  std::unique_lock<std::mutex> lock(jobs_mu_);
  if (shut_down_) {
    lock.unlock();
    auto job = std::make_shared<BatchJob>(0, std::move(batch), state);
    job->batch_failure =
        Status(StatusCode::kFailedPrecondition, ErrorKind::kConfiguration,
               "the wrapper for table " + config_.table_name + " is shut down; create a new one");
    state->Complete(job->BuildResult());
    return future;
  }
  const uint64_t sequence = next_sequence_++;
  unfinished_.insert(sequence);
  auto job = std::make_shared<BatchJob>(sequence, std::move(batch), std::move(state));
  if (telemetry_ != nullptr) BeginBatchTelemetry(*job, trace_parent);
  // Queued while jobs_mu_ is held, so the queue stays in sequence order.
  std::lock_guard<std::mutex> queue_lock(queue_mu_);
  queue_.push_back(std::move(job));
  queue_changed_.notify_one();
  return future;
}

void WrapperCore::WorkerLoop() {
  while (true) {
    std::shared_ptr<BatchJob> job;
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    Prepare(*job);
    {
      std::unique_lock<std::mutex> lock(turn_mu_);
      turn_changed_.wait(lock, [&] { return turn_ == job->sequence(); });
    }
    SendInTurn(job);
    {
      std::lock_guard<std::mutex> lock(turn_mu_);
      ++turn_;
      turn_changed_.notify_all();
    }
    if (job->FinishSubmitting()) Finish(job);
  }
}

void WrapperCore::Prepare(BatchJob& job) {
  if (job.batch() == nullptr) {
    job.batch_failure = Status(StatusCode::kInvalidArgument, ErrorKind::kConversion,
                               "send_batch was given a null RecordBatch");
    return;
  }
  if (telemetry_ != nullptr) job.times.prepare_start = telemetry::UnixNanosNow();
  job.batch_failure = format_->Prepare(job);
  job.encoded_ok = job.batch_failure.ok();
}

void WrapperCore::SendInTurn(const std::shared_ptr<BatchJob>& job) {
  if (!job->state().BeginSending() || !job->encoded_ok) return;
  const encode::EncodedBatch& encoded = job->encoded;
  const bool timed = telemetry_ != nullptr;
  if (debug_ != nullptr) {
    if (timed) job->times.debug_start = telemetry::UnixNanosNow();
    if (config_.arrow_debug_on()) NoteDebugError(debug_->WriteBatch(*job->batch()), job.get());
    const encode::EncodedBatch& records = format_->DebugRecords(*job);
    if (config_.protobuf_debug_on() && records.successful_count() > 0) {
      NoteDebugError(debug_->WriteRecords(*job->plan, records), job.get());
    }
    if (timed) job->times.debug_end = telemetry::UnixNanosNow();
  }
  if (config_.zerobus_writer_disabled) {
    job->writer_disabled = true;
    return;
  }
  if (encoded.successful_count() == 0) return;

  if (timed) job->times.transmit_start = telemetry::UnixNanosNow();
  SendRequests(job);
  if (timed) job->times.transmit_end = telemetry::UnixNanosNow();
}

void WrapperCore::SendRequests(const std::shared_ptr<BatchJob>& job) {
  auto lanes = LanesFor(*job);
  if (!lanes.ok()) {
    job->batch_failure = lanes.status();
    return;
  }
  stream::LaneSet& streams = **lanes;
  auto requests = format_->Requests(*job, streams.protocol());
  if (!requests.ok()) {
    job->batch_failure = requests.status();
    return;
  }
  SubmitInOrder(job, requests->row_ranges, [&](size_t i, uint64_t tag) -> Status {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(stream::StreamRequest request, requests->make(i, tag));
    auto sent = streams.Send(std::move(request));
    if (sent.ok()) return Status::OK();
    Status failed = streams.status();
    return failed.ok() ? sent.status() : failed;
  });
}

void WrapperCore::SubmitInOrder(const std::shared_ptr<BatchJob>& job,
                                const std::vector<std::pair<int64_t, int64_t>>& row_ranges,
                                const std::function<Status(size_t, uint64_t)>& send) {
  const size_t first_index = job->AddRequests(row_ranges);
  std::vector<uint64_t> tags(row_ranges.size());
  {
    // Registered before the first Send: its ack may arrive before Send returns.
    std::lock_guard<std::mutex> lock(pending_mu_);
    for (size_t i = 0; i < tags.size(); ++i) {
      tags[i] = next_tag_++;
      pending_.emplace(tags[i], PendingRequest{job, first_index + i});
    }
  }
  for (size_t i = 0; i < tags.size(); ++i) {
    Status sent = send(i, tags[i]);
    if (sent.ok()) {
      ++requests_sent_;
      continue;
    }
    // The stream refused this request and every later one: they fail here, never sent.
    for (size_t j = i; j < tags.size(); ++j) {
      {
        std::lock_guard<std::mutex> lock(pending_mu_);
        pending_.erase(tags[j]);
      }
      job->ResolveRequest(first_index + j, sent, 0, 0, "");
    }
    break;
  }
}

Result<std::shared_ptr<stream::LaneSet>> WrapperCore::LanesFor(const BatchJob& job) {
  std::shared_ptr<stream::LaneSet> current;
  {
    std::lock_guard<std::mutex> lock(lanes_mu_);
    if (!aborted_.ok()) return aborted_;
    current = lanes_;
  }
  if (current != nullptr && current->status().ok() && format_->Fits(job, current->protocol())) {
    return current;
  }
  // A new schema (or a failed stream): the old streams' rows are acknowledged first, so the
  // table receives batches in order.
  (void)CloseStreams();
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto protocol, format_->MakeProtocol(job));
  stream::StreamConfig config = stream_template_;
  config.trace_parent = job.trace;
  std::vector<std::string> resume_ids;
  if (!resume_ids_used_) {
    resume_ids = config_.ResumeStreamIds();
    resume_ids_used_ = true;
  }
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(
      std::unique_ptr<stream::LaneSet> opened,
      stream::LaneSet::Open(config, std::move(protocol), config_.stream_count, resume_ids));
  streams_opened_ += opened->size();
  std::lock_guard<std::mutex> lock(lanes_mu_);
  lanes_ = std::move(opened);
  if (!aborted_.ok()) lanes_->Abort(aborted_);
  return lanes_;
}

Status WrapperCore::CloseStreams(std::optional<std::chrono::steady_clock::time_point> deadline) {
  std::shared_ptr<stream::LaneSet> closing;
  {
    std::lock_guard<std::mutex> lock(lanes_mu_);
    closing = lanes_;
  }
  if (closing == nullptr) return Status::OK();
  // Still reachable through lanes_ while it closes, so that an aborting Shutdown can end it.
  Status closed = closing->Close(deadline);
  std::lock_guard<std::mutex> lock(lanes_mu_);
  if (lanes_ == closing) lanes_.reset();
  return closed;
}

void WrapperCore::OnRequestResolved(const stream::ResolvedRequest& request, const Status& failure) {
  PendingRequest pending;
  {
    std::lock_guard<std::mutex> lock(pending_mu_);
    auto found = pending_.find(request.tag);
    if (found == pending_.end()) return;
    pending = std::move(found->second);
    pending_.erase(found);
  }
  if (request.sends > 1) ++requests_replayed_;
  if (pending.job->ResolveRequest(pending.index, failure, request.sends, request.record_count,
                                  request.stream_id)) {
    Finish(pending.job);
  }
}

void WrapperCore::Finish(const std::shared_ptr<BatchJob>& job) {
  TransmissionResult result = job->BuildResult();
  if (telemetry_ != nullptr) {
    RecordBatchTelemetry(*telemetry_, *job, result, telemetry::UnixNanosNow());
  }
  // Counted before the result is published, so a caller that saw it also sees the counts. The
  // cancelled flag is final here: cancel() is refused once the job began sending.
  ++batches_;
  if (job->state().was_cancelled()) {
    rows_failed_ += job->total_rows();
  } else {
    encoded_bytes_ += result.encoded_bytes;
    rows_succeeded_ += result.successful_count;
    rows_failed_ += result.failed_count;
    job->state().Complete(std::move(result));
  }
  std::lock_guard<std::mutex> lock(jobs_mu_);
  unfinished_.erase(job->sequence());
  jobs_changed_.notify_all();
}

void WrapperCore::NoteDebugError(const Status& status, BatchJob* job) {
  if (status.ok()) return;
  std::lock_guard<std::mutex> lock(debug_mu_);
  if (!first_debug_error_.ok()) return;
  first_debug_error_ = status;
  if (job != nullptr) job->debug_error = status;
  std::cerr << "arrow-zerobus: debug output for table " << config_.table_name
            << " failed (reported once; sends continue): " << status.ToString() << "\n";
}

bool WrapperCore::WaitForJobsThrough(uint64_t sequence,
                                     std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(jobs_mu_);
  auto done = [&] { return unfinished_.empty() || *unfinished_.begin() > sequence; };
  if (deadline == std::chrono::steady_clock::time_point::max()) {
    jobs_changed_.wait(lock, done);
    return true;
  }
  return jobs_changed_.wait_until(lock, deadline, done);
}

size_t WrapperCore::UnfinishedJobs() const {
  std::lock_guard<std::mutex> lock(jobs_mu_);
  return unfinished_.size();
}

Status WrapperCore::Flush() {
  uint64_t submitted;
  {
    std::lock_guard<std::mutex> lock(jobs_mu_);
    submitted = next_sequence_;
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.flush_timeout_ms);
  Status flushed;
  if (submitted > 0 && !WaitForJobsThrough(submitted - 1, deadline)) {
    flushed = Status(StatusCode::kDeadlineExceeded, ErrorKind::kTransmission,
                     "flush() for table " + config_.table_name + " timed out after " +
                         std::to_string(config_.flush_timeout_ms) + " ms (flush_timeout_ms) with " +
                         std::to_string(UnfinishedJobs()) +
                         " batch(es) unresolved; their results follow when the streams resolve "
                         "them: by flush_timeout_ms after each request was queued, or when "
                         "opening a stream runs out of retry_timeout_ms",
                     /*retryable=*/true);
  }
  if (debug_ != nullptr) NoteDebugError(debug_->Flush(), nullptr);
  // An export error is counted and reported by the exporter; it never fails a flush.
  if (telemetry_ != nullptr) (void)telemetry_->Flush();
  return flushed;
}

Status WrapperCore::Shutdown(std::optional<std::chrono::milliseconds> timeout) {
  {
    std::unique_lock<std::mutex> lock(jobs_mu_);
    if (shut_down_) {
      jobs_changed_.wait(lock, [&] { return shutdown_result_.has_value(); });
      return *shutdown_result_;
    }
    shut_down_ = true;
  }
  const std::chrono::milliseconds wait =
      timeout.value_or(std::chrono::milliseconds(config_.flush_timeout_ms));
  const auto deadline = std::chrono::steady_clock::now() + wait;
  Status result;
  if (!WaitForJobsThrough(UINT64_MAX, deadline)) {
    // Out of time: what is unacknowledged fails now, and jobs not yet sent fail unsent.
    result = Status(StatusCode::kDeadlineExceeded, ErrorKind::kTransmission,
                    "shutdown() of the wrapper for table " + config_.table_name +
                        " gave up after " + std::to_string(wait.count()) + " ms (" +
                        (timeout ? "its timeout" : "flush_timeout_ms") +
                        "): " + std::to_string(UnfinishedJobs()) +
                        " batch(es) were not acknowledged and are reported failed",
                    /*retryable=*/true);
    std::shared_ptr<stream::LaneSet> lanes;
    {
      std::lock_guard<std::mutex> lock(lanes_mu_);
      aborted_ = result;
      lanes = lanes_;
    }
    open_canceller_->Cancel(result);
    if (lanes != nullptr) lanes->Abort(result);
    // Prompt now: every request in flight failed, and jobs not yet sent fail unsent.
    WaitForJobsThrough(UINT64_MAX, std::chrono::steady_clock::time_point::max());
  }
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stopping_ = true;
    queue_changed_.notify_all();
  }
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  Status closed = CloseStreams(deadline);
  if (result.ok()) result = closed;
  if (debug_ != nullptr) {
    Status debug_closed = debug_->Close();
    if (result.ok()) result = debug_closed;
  }
  dispatcher_->Stop();
  if (telemetry_ != nullptr) telemetry_->Shutdown();
  std::lock_guard<std::mutex> lock(jobs_mu_);
  shutdown_result_ = result;
  jobs_changed_.notify_all();
  return result;
}

WrapperStats WrapperCore::stats() const {
  WrapperStats stats;
  stats.batches = batches_;
  stats.rows_succeeded = rows_succeeded_;
  stats.rows_failed = rows_failed_;
  stats.encoded_bytes = encoded_bytes_;
  stats.requests_sent = requests_sent_;
  stats.requests_replayed = requests_replayed_;
  stats.streams_opened = streams_opened_;
  std::shared_ptr<stream::LaneSet> lanes;
  {
    std::lock_guard<std::mutex> lock(lanes_mu_);
    lanes = lanes_;
  }
  if (lanes == nullptr) return stats;
  for (const stream::StreamStats& lane : lanes->stats()) {
    StreamLaneStats& out = stats.streams.emplace_back();
    out.lane = lane.lane;
    out.stream_id = lane.stream_id;
    out.requests_sent = lane.requests_sent;
    out.requests_acked = lane.requests_acked;
    out.records_acked = lane.records_acked;
    out.bytes_acked = lane.bytes_acked;
    out.records_replayed = lane.records_replayed;
    out.reconnects = lane.reconnects;
    out.last_acked_offset = lane.last_acked_offset;
    out.resumes = lane.resumes;
    out.requests_committed_on_resume = lane.requests_committed_on_resume;
  }
  return stats;
}

Result<std::vector<StreamLaneStats>> WrapperCore::OpenStreams(
    const std::shared_ptr<arrow::Schema>& schema) {
  if (config_.delivery != "exactly_once") {
    return ConfigurationError("open_streams is for delivery exactly_once; delivery is " +
                              config_.delivery + " (streams open with the first batch)");
  }
  if (config_.zerobus_writer_disabled) {
    return ConfigurationError("open_streams: the writer is disabled, no stream is opened");
  }
  ARROW_ZEROBUS_RETURN_NOT_OK(BeforeFirstSend("open_streams"));
  if (schema == nullptr) return ConfigurationError("open_streams was given a null schema");
  auto empty = arrow::RecordBatch::MakeEmpty(schema);
  if (!empty.ok()) return ConfigurationError("open_streams: " + empty.status().ToString());
  BatchJob job(0, *empty, std::make_shared<BatchState>(0, nullptr, dispatcher_));
  ARROW_ZEROBUS_RETURN_NOT_OK(format_->Prepare(job));
  ARROW_ZEROBUS_RETURN_NOT_OK(LanesFor(job).status());
  return stats().streams;
}

Status WrapperCore::BeforeFirstSend(const char* call) const {
  std::lock_guard<std::mutex> lock(jobs_mu_);
  if (next_sequence_ == 0 && !shut_down_) return Status::OK();
  return Status(StatusCode::kFailedPrecondition, ErrorKind::kConfiguration,
                std::string(call) + " must come before the first send of the wrapper for table " +
                    config_.table_name);
}

Status WrapperCore::SetSendJournal(SendJournal journal) {
  ARROW_ZEROBUS_RETURN_NOT_OK(BeforeFirstSend("set_send_journal"));
  if (config_.delivery != "exactly_once") {
    return ConfigurationError("set_send_journal is for delivery exactly_once; delivery is " +
                              config_.delivery);
  }
  stream_template_.journal =
      journal ? std::make_shared<JournalRouter>(this, std::move(journal)) : nullptr;
  return Status::OK();
}

TelemetryData WrapperCore::CollectTelemetry() {
  return telemetry_ != nullptr ? telemetry_->Collect() : TelemetryData{};
}

Status WrapperCore::debug_status() const {
  std::lock_guard<std::mutex> lock(debug_mu_);
  if (!first_debug_error_.ok() || debug_ == nullptr) return first_debug_error_;
  return debug_->first_error();
}

}  // namespace arrow_zerobus::internal
