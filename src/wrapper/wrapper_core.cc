#include "wrapper/wrapper_core.h"

#include <iostream>

#include <arrow/ipc/writer.h>

#include "flight/canonical_cast.h"
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
      arrow_format_(config_.wire_format == "arrow"),
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
    flight::ArrowStreamConfig& arrow = core->arrow_template_;
    arrow.endpoint = stream.endpoint;
    arrow.table = stream.table;
    arrow.headers = stream.headers;
    arrow.options = stream.options;
    arrow.ipc = MakeIpcOptions(settings);
    arrow.observer = stream.observer;
    arrow.instruments = stream.instruments;
    arrow.tracer = stream.tracer;
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
  if (arrow_format_) {
    job.batch_failure = PrepareArrow(job);
    job.encoded_ok = job.batch_failure.ok();
    return;
  }
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
  job.payload_bytes = job.encoded.encoded_bytes();
  job.encoded_ok = true;
}

Status WrapperCore::PrepareArrow(BatchJob& job) {
  const bool timed = telemetry_ != nullptr;
  const std::shared_ptr<arrow::Schema>& schema = job.batch()->schema();
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(
      job.canonical,
      canonical_schemas_.GetOrMake(
          schema::SchemaCacheKey(*schema),
          [&]() -> Result<std::shared_ptr<const flight::CanonicalSchema>> {
            ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto canonical, flight::MakeCanonicalSchema(schema));
            return std::make_shared<const flight::CanonicalSchema>(std::move(canonical));
          }));
  if (timed) job.times.planned = telemetry::UnixNanosNow();
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(flight::CanonicalBatch cast,
                                 flight::CastToCanonical(*job.canonical, *job.batch()));
  job.canonical_rows = std::move(cast.batch);
  job.kept_rows = std::move(cast.kept_rows);
  job.encoded.num_rows = cast.num_rows;
  job.encoded.row_failed = std::move(cast.row_failed);
  job.encoded.errors = std::move(cast.errors);
  if (job.canonical_rows != nullptr && job.canonical_rows->num_rows() > 0) {
    int64_t body_bytes = 0;
    if (arrow::ipc::GetRecordBatchSize(*job.canonical_rows, &body_bytes).ok()) {
      job.payload_bytes = body_bytes;
    }
  }
  if (config_.protobuf_debug_on()) {
    // The Protobuf debug files hold what the Protobuf format would have sent.
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(job.plan, plans_->GetOrPlan(*schema));
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(job.debug_records,
                                   encode::EncodeBatch(*job.plan, *job.batch(), encode_options_));
  }
  if (timed) job.times.encoded = telemetry::UnixNanosNow();
  return Status::OK();
}

void WrapperCore::SendInTurn(const std::shared_ptr<BatchJob>& job) {
  if (!job->state().BeginSending() || !job->encoded_ok) return;
  const encode::EncodedBatch& encoded = job->encoded;
  const bool timed = telemetry_ != nullptr;
  if (debug_ != nullptr) {
    if (timed) job->times.debug_start = telemetry::UnixNanosNow();
    if (config_.arrow_debug_on()) NoteDebugError(debug_->WriteBatch(*job->batch()), job.get());
    const encode::EncodedBatch& records = arrow_format_ ? job->debug_records : encoded;
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
  if (arrow_format_) {
    SendArrowRows(job);
  } else {
    SendRequests(job);
  }
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
  SubmitInOrder(job, ranges, [&](size_t i, uint64_t tag) {
    (*packed)[i].request.tag = tag;
    auto sent = (**stream).Send(std::move((*packed)[i].request));
    return sent.ok()                  ? Status::OK()
           : (**stream).status().ok() ? sent.status()
                                      : (**stream).status();
  });
}

void WrapperCore::SendArrowRows(const std::shared_ptr<BatchJob>& job) {
  auto stream = ArrowStreamFor(job->canonical, job->trace);
  if (!stream.ok()) {
    job->batch_failure = stream.status();
    return;
  }
  // Requests of about max_request_bytes each, as in the Protobuf format, so that a failure
  // costs only the rows of the requests it hit. Each covers the caller's rows from its first
  // kept row to its last; failed rows in between are accounted for by the cast's errors.
  const std::shared_ptr<arrow::RecordBatch>& rows = job->canonical_rows;
  const int64_t count = rows->num_rows();
  const int64_t bytes_per_row = std::max<int64_t>(1, job->payload_bytes / count);
  const int64_t rows_per_request = std::max<int64_t>(1, config_.max_request_bytes / bytes_per_row);
  auto source_row = [&](int64_t k) { return job->kept_rows.empty() ? k : job->kept_rows[k]; };
  std::vector<std::pair<int64_t, int64_t>> ranges;
  std::vector<std::pair<int64_t, int64_t>> slices;
  for (int64_t first = 0; first < count; first += rows_per_request) {
    const int64_t length = std::min(rows_per_request, count - first);
    slices.emplace_back(first, length);
    ranges.emplace_back(source_row(first), source_row(first + length - 1) + 1);
  }
  SubmitInOrder(job, ranges, [&](size_t i, uint64_t tag) {
    auto sent =
        (**stream).Send(flight::ArrowRequest{tag, rows->Slice(slices[i].first, slices[i].second)});
    return sent.ok()                  ? Status::OK()
           : (**stream).status().ok() ? sent.status()
                                      : (**stream).status();
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

Result<flight::ArrowStream*> WrapperCore::ArrowStreamFor(
    const std::shared_ptr<const flight::CanonicalSchema>& canonical, const SpanContext& trace) {
  const bool usable = arrow_stream_ != nullptr && arrow_stream_->status().ok();
  if (usable && (canonical == arrow_stream_schema_ ||
                 canonical->canonical->Equals(*arrow_stream_schema_->canonical))) {
    arrow_stream_schema_ = canonical;
    return arrow_stream_.get();
  }
  // A new schema (or a failed stream): the old stream's rows are acknowledged first.
  (void)CloseStream();
  flight::ArrowStreamConfig config = arrow_template_;
  config.schema = canonical->canonical;
  config.trace_parent = trace;
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(arrow_stream_, flight::ArrowStream::Open(std::move(config)));
  arrow_stream_schema_ = canonical;
  ++streams_opened_;
  return arrow_stream_.get();
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
  Status closed;
  if (stream_ != nullptr) {
    closed = stream_->Close();
    stream_.reset();
    stream_plan_.reset();
    stream_descriptor_.clear();
  }
  if (arrow_stream_ != nullptr) {
    closed = arrow_stream_->Close();
    arrow_stream_.reset();
    arrow_stream_schema_.reset();
  }
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
