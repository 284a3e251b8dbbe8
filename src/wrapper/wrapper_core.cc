#include "wrapper/wrapper_core.h"

#include <iostream>

#include "telemetry/token_refresh_counter.h"
#include "wrapper/batch_telemetry.h"
#include "wrapper/stream_settings.h"
#include "zerobus/request_packer.h"

namespace arrow_zerobus::internal {

/// The stream's observer: hands each resolved request to the core.
class WrapperCore::AckRouter final : public zerobus::AckObserver {
 public:
  explicit AckRouter(WrapperCore* core) : core_(core) {}
  void OnAcked(const zerobus::ResolvedRequest& request) override {
    core_->OnRequestResolved(request, Status::OK());
  }
  void OnFailed(const zerobus::ResolvedRequest& request, const Status& status) override {
    core_->OnRequestResolved(request, status);
  }

 private:
  WrapperCore* core_;
};

WrapperCore::WrapperCore(WrapperConfiguration config)
    : config_(std::move(config)),
      dispatcher_(std::make_shared<CallbackDispatcher>()),
      router_(std::make_shared<AckRouter>(this)) {}

Result<std::unique_ptr<WrapperCore>> WrapperCore::Create(WrapperConfiguration config) {
  ARROW_ZEROBUS_RETURN_NOT_OK(config.validate());
  std::unique_ptr<WrapperCore> core(new WrapperCore(std::move(config)));
  const WrapperConfiguration& settings = core->config_;

  ARROW_ZEROBUS_ASSIGN_OR_RETURN(schema::PlanOptions plan_options, MakePlanOptions(settings));
  core->plans_ = std::make_unique<schema::SchemaPlanCache>(std::move(plan_options));
  core->encode_options_.max_record_bytes = settings.max_record_bytes;
  core->encode_options_.frame_records = true;  // requests go out straight from the arena
  core->encode_options_.arena_pool = encode::ArenaPool::Make();
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(
      telemetry::TelemetrySettings telemetry_settings,
      telemetry::ResolveTelemetrySettings(settings, zerobus::ProcessEnvironment()));
  core->telemetry_ = telemetry::Telemetry::Create(telemetry_settings, settings.table_name);

  if (!settings.zerobus_writer_disabled) {
    zerobus::StreamConfig& stream = core->stream_template_;
    stream.endpoint = settings.zerobus_endpoint;
    stream.table = settings.table_name;
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(stream.headers, MakeHeadersProvider(settings));
    stream.options = MakeStreamOptions(settings);
    stream.observer = core->router_;
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
  const bool timed = telemetry_ != nullptr;
  if (timed) job.times.prepare_start = telemetry::UnixNanosNow();
  auto plan = plans_->GetOrPlan(*job.batch()->schema());
  if (timed) job.times.planned = telemetry::UnixNanosNow();
  if (!plan.ok()) {
    job.batch_failure = plan.status();
    return;
  }
  job.plan = *plan;
  auto encoded = encode::EncodeBatch(*job.plan, *job.batch(), encode_options_);
  if (timed) job.times.encoded = telemetry::UnixNanosNow();
  if (!encoded.ok()) {
    job.batch_failure = encoded.status();
    return;
  }
  job.encoded = std::move(encoded).value();
  job.encoded_ok = true;
}

void WrapperCore::SendInTurn(const std::shared_ptr<BatchJob>& job) {
  if (!job->state().BeginSending() || !job->encoded_ok) return;
  const encode::EncodedBatch& encoded = job->encoded;
  const bool timed = telemetry_ != nullptr;
  if (debug_ != nullptr) {
    if (timed) job->times.debug_start = telemetry::UnixNanosNow();
    if (config_.arrow_debug_on()) NoteDebugError(debug_->WriteBatch(*job->batch()), job.get());
    if (config_.protobuf_debug_on() && encoded.successful_count() > 0) {
      NoteDebugError(debug_->WriteRecords(*job->plan, encoded), job.get());
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
  const encode::EncodedBatch& encoded = job->encoded;
  auto stream = StreamFor(job->plan, job->trace);
  if (!stream.ok()) {
    job->batch_failure = stream.status();
    return;
  }
  auto packed = zerobus::PackRequests(encoded, config_.max_request_bytes, 0, encoded.num_rows);
  if (!packed.ok()) {
    job->batch_failure = packed.status();
    return;
  }
  std::vector<std::pair<int64_t, int64_t>> ranges;
  ranges.reserve(packed->size());
  for (const zerobus::PackedRequest& request : *packed) {
    ranges.emplace_back(request.first_row, request.end_row);
  }
  const size_t first_index = job->AddRequests(ranges);
  std::vector<uint64_t> tags(packed->size());
  {
    // Registered before the first Send: its ack may arrive before Send returns.
    std::lock_guard<std::mutex> lock(pending_mu_);
    for (size_t i = 0; i < packed->size(); ++i) {
      tags[i] = next_tag_++;
      pending_.emplace(tags[i], PendingRequest{job, first_index + i});
      (*packed)[i].request.tag = tags[i];
    }
  }
  for (size_t i = 0; i < packed->size(); ++i) {
    auto sent = (**stream).Send(std::move((*packed)[i].request));
    if (sent.ok()) {
      ++requests_sent_;
      continue;
    }
    // The stream refused this request and every later one: they fail here, never sent.
    Status refused = (**stream).status().ok() ? sent.status() : (**stream).status();
    for (size_t j = i; j < packed->size(); ++j) {
      {
        std::lock_guard<std::mutex> lock(pending_mu_);
        pending_.erase(tags[j]);
      }
      job->ResolveRequest(first_index + j, refused, 0, 0, "");
    }
    break;
  }
}

Result<zerobus::IngestStream*> WrapperCore::StreamFor(
    const std::shared_ptr<const schema::SchemaPlan>& plan, const SpanContext& trace) {
  const bool usable = stream_ != nullptr && stream_->status().ok();
  // The cache hands out one plan per schema, so the same plan needs no descriptor comparison.
  if (usable && plan == stream_plan_) return stream_.get();
  std::string descriptor = plan->descriptor.SerializeAsString();
  if (usable && descriptor == stream_descriptor_) {
    stream_plan_ = plan;
    return stream_.get();
  }
  // A new schema (or a failed stream): the old stream's rows are acknowledged first, so the
  // table receives batches in order.
  (void)CloseStream();
  zerobus::StreamConfig config = stream_template_;
  config.descriptor_proto = descriptor;
  config.trace_parent = trace;
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(stream_, zerobus::IngestStream::Open(std::move(config)));
  stream_plan_ = plan;
  stream_descriptor_ = std::move(descriptor);
  ++streams_opened_;
  return stream_.get();
}

Status WrapperCore::CloseStream() {
  if (stream_ == nullptr) return Status::OK();
  Status closed = stream_->Close();
  stream_.reset();
  stream_plan_.reset();
  stream_descriptor_.clear();
  return closed;
}

void WrapperCore::OnRequestResolved(const zerobus::ResolvedRequest& request,
                                    const Status& failure) {
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

void WrapperCore::WaitForJobsThrough(uint64_t sequence) {
  std::unique_lock<std::mutex> lock(jobs_mu_);
  jobs_changed_.wait(lock, [&] { return unfinished_.empty() || *unfinished_.begin() > sequence; });
}

Status WrapperCore::Flush() {
  uint64_t submitted;
  {
    std::lock_guard<std::mutex> lock(jobs_mu_);
    submitted = next_sequence_;
  }
  if (submitted > 0) WaitForJobsThrough(submitted - 1);
  if (debug_ != nullptr) NoteDebugError(debug_->Flush(), nullptr);
  // An export error is counted and reported by the exporter; it never fails a flush.
  if (telemetry_ != nullptr) (void)telemetry_->Flush();
  return Status::OK();
}

Status WrapperCore::Shutdown() {
  {
    std::unique_lock<std::mutex> lock(jobs_mu_);
    if (shut_down_) {
      jobs_changed_.wait(lock, [&] { return shutdown_result_.has_value(); });
      return *shutdown_result_;
    }
    shut_down_ = true;
  }
  WaitForJobsThrough(UINT64_MAX);
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stopping_ = true;
    queue_changed_.notify_all();
  }
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  Status result = CloseStream();
  if (debug_ != nullptr) {
    Status closed = debug_->Close();
    if (result.ok()) result = closed;
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
  return stats;
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
