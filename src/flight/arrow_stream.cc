#include "flight/arrow_stream.h"

#include <algorithm>

#include "auth/oauth_request.h"
#include "flight/put_messages.h"
#include "retry/retry_loop.h"
#include "zerobus/endpoint.h"

namespace arrow_zerobus::flight {
namespace {

using zerobus::StreamOptions;

// Of the grace period a rotation signal announces, what is kept for the half-closed connection's
// last acks (the SDKs' drain budget).
constexpr std::chrono::milliseconds kDrainBudget{500};

std::string Millis(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

int64_t WireBytes(const std::vector<IpcMessage>& messages) {
  int64_t total = 0;
  for (const IpcMessage& message : messages) total += message.wire_bytes();
  return total;
}

}  // namespace

ArrowStream::ArrowStream(ArrowStreamConfig config, std::shared_ptr<grpc::Channel> channel,
                         IpcPayloadEncoder encoder)
    : config_(std::move(config)),
      channel_(std::move(channel)),
      encoder_(std::move(encoder)),
      schema_message_(FlightDataBuffer(encoder_.schema_message(), "")) {}

Result<std::unique_ptr<ArrowStream>> ArrowStream::Open(ArrowStreamConfig config) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(zerobus::ZerobusEndpoint endpoint,
                                 zerobus::ParseZerobusEndpoint(config.endpoint));
  ARROW_ZEROBUS_RETURN_NOT_OK(auth::ParseTableName(config.table).status());
  if (config.headers == nullptr) {
    return ConfigurationError("An Arrow Flight stream needs a headers provider (OAuth or custom)");
  }
  if (config.schema == nullptr || config.schema->num_fields() == 0) {
    return ConfigurationError("An Arrow Flight stream needs the Arrow schema of its rows");
  }
  const StreamOptions& options = config.options;
  if (options.max_inflight_requests < 1 || options.max_inflight_bytes < 1) {
    return ConfigurationError("max_inflight_requests and max_inflight_bytes must be at least 1");
  }
  if (options.retry_policy == nullptr || options.backoff_policy == nullptr) {
    return ConfigurationError("retry_policy and backoff_policy must be set");
  }
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(IpcPayloadEncoder encoder,
                                 IpcPayloadEncoder::Make(config.schema, config.ipc));
  config.channel.application_name = options.application_name;
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto channel,
                                 zerobus::CreateZerobusChannel(endpoint, config.channel));
  std::unique_ptr<ArrowStream> stream(
      new ArrowStream(std::move(config), std::move(channel), std::move(encoder)));
  {
    std::unique_lock<std::mutex> lock(stream->mu_);
    Status connected = stream->Connect(lock, "");
    if (!connected.ok()) {
      stream->shutting_down_ = true;
      stream->phase_ = Phase::kFailed;
      stream->failure_ = connected;
      stream->failure_delivered_ = true;  // nothing was sent
      return connected;
    }
  }
  stream->supervisor_ = std::thread([s = stream.get()] { s->SupervisorLoop(); });
  return stream;
}

ArrowStream::~ArrowStream() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!close_result_ && phase_ != Phase::kFailed && !entries_.empty()) {
      Status dropped(StatusCode::kCancelled, ErrorKind::kTransmission,
                     "The Arrow Flight stream for table " + config_.table +
                         " was destroyed before these rows were acknowledged");
      std::vector<Entry> failed(entries_.begin(), entries_.end());
      shutting_down_ = true;
      Deliver(lock, std::move(failed), dropped);
    }
    shutting_down_ = true;
    if (phase_ != Phase::kFailed) phase_ = Phase::kClosed;
    if (connection_) connection_->Cancel();
    changed_.notify_all();
  }
  if (supervisor_.joinable()) supervisor_.join();
  std::unique_lock<std::mutex> lock(mu_);
  if (connection_) connection_->Cancel();
  // Every connection reports OnEnded promptly once cancelled; it must not outlive this object.
  changed_.wait(lock, [&] { return live_connections_ == 0; });
  std::vector<std::shared_ptr<FlightConnection>> connections = std::move(retired_);
  if (connection_) connections.push_back(std::move(connection_));
  lock.unlock();
  // After OnEnded, OnDone only drops the connection's reference to itself: wait for that, so that
  // the connections, then the channel, are destroyed here and not on a gRPC thread (where gRPC
  // 1.51's callback CQ would join and free itself under its own thread; see ConnectAttempt).
  for (const auto& connection : connections) {
    while (connection.use_count() > 1) std::this_thread::yield();
  }
}

// ---- connecting ----

Status ArrowStream::ConnectOnce(std::unique_lock<std::mutex>& lock, const SpanContext& parent,
                                const std::string& why) {
  telemetry::ScopedSpan span(config_.tracer, "zerobus.connect", parent, SpanData::Kind::kClient);
  span.SetAttribute("messaging.system", std::string(telemetry::kMessagingSystem));
  span.SetAttribute("messaging.destination.name", config_.table);
  if (!why.empty()) span.SetAttribute("zerobus.reconnect.reason", why);
  Status attempt = ConnectAttempt(lock, span.context());
  if (!attempt.ok()) span.SetError(attempt);
  return attempt;
}

Status ArrowStream::ConnectAttempt(std::unique_lock<std::mutex>& lock, const SpanContext& trace) {
  const Status cancelled(
      StatusCode::kCancelled, ErrorKind::kConnection,
      "The Arrow Flight stream for table " + config_.table + " was closed while connecting");
  if (shutting_down_) return cancelled;
  lock.unlock();
  Result<auth::Headers> headers = config_.headers->GetHeaders();
  if (headers.ok()) headers = auth::FinalizeHeaders(std::move(headers).value(), config_.table);
  lock.lock();
  if (!headers.ok()) return headers.status();
  if (shutting_down_) return cancelled;
  if (trace.valid()) headers->emplace_back("traceparent", trace.traceparent());

  const uint64_t generation = ++generation_;
  ready_ = false;
  ended_.reset();
  ++live_connections_;
  // A connection drops its reference to itself at the end of OnDone, on a gRPC callback thread;
  // were that the channel's last reference, gRPC 1.51 would destroy the channel's callback CQ on
  // its own thread and abort. So the stream holds every connection until gRPC is done with it
  // and destroys it on one of its own threads (here, or in the destructor).
  if (connection_) retired_.push_back(std::move(connection_));
  std::erase_if(retired_, [](const auto& retired) { return retired.use_count() == 1; });
  connection_ =
      FlightConnection::Start(channel_, *headers, schema_message_, config_.table, generation, this);
  const auto deadline = Clock::now() + config_.options.connect_timeout;
  changed_.wait_until(lock, deadline, [&] {
    return generation_ != generation || ready_ || ended_.has_value() || shutting_down_;
  });
  if (generation_ == generation && ready_) return Status::OK();
  if (generation_ == generation && ended_) return *ended_;
  if (shutting_down_ || generation_ != generation) {
    connection_->Cancel();
    return cancelled;
  }
  Status timed_out(StatusCode::kDeadlineExceeded, ErrorKind::kConnection,
                   "Opening an Arrow Flight stream for table " + config_.table +
                       " timed out after " + Millis(config_.options.connect_timeout) +
                       " without the server accepting the schema",
                   /*retryable=*/true);
  connection_->Cancel(timed_out);
  return timed_out;
}

Status ArrowStream::Connect(std::unique_lock<std::mutex>& lock, const std::string& why) {
  FoldConnectionLocked();
  phase_ = Phase::kConnecting;
  const StreamOptions& options = config_.options;
  retry::LimitedAttemptsRetryPolicy single_attempt(1);
  const retry::RetryPolicy& policy = options.recovery
                                         ? *options.retry_policy
                                         : static_cast<const retry::RetryPolicy&>(single_attempt);
  bool reminted = false;
  int attempts = 0;
  // The first connection belongs to the send that opened the stream; a reconnect has no caller.
  const SpanContext parent = why.empty() ? config_.trace_parent : SpanContext{};
  auto sleep = [&](std::chrono::milliseconds delay) {
    changed_.wait_for(lock, delay, [&] { return shutting_down_; });
  };
  Status connected = retry::RetryLoop(
      policy, *options.backoff_policy, sleep,
      "Opening an Arrow Flight stream for table " + config_.table, [&]() -> Status {
        if (++attempts > 1 && config_.instruments) config_.instruments->ConnectRetried();
        Status attempt = ConnectOnce(lock, parent, why);
        const bool refused = attempt.code() == StatusCode::kUnauthenticated ||
                             attempt.code() == StatusCode::kPermissionDenied;
        if (refused && !reminted && !shutting_down_) {
          // The cached token may have expired or been revoked: mint a new one, once.
          reminted = true;
          lock.unlock();
          config_.headers->Invalidate();
          lock.lock();
          attempt = ConnectOnce(lock, parent, why);
        }
        return attempt;
      });
  if (!connected.ok()) return connected;

  phase_ = Phase::kOpen;
  SendPendingLocked();
  changed_.notify_all();
  return Status::OK();
}

void ArrowStream::FoldConnectionLocked() {
  for (size_t i = 0; i < sent_; ++i) {
    Entry& entry = entries_[i];
    entry.durable_rows +=
        std::clamp<int64_t>(rows_acked_ - entry.start_row, 0, entry.end_row - entry.start_row);
    entry.start_row = -1;
    entry.end_row = -1;
  }
  sent_ = 0;
  next_offset_id_ = 0;
  rows_written_ = 0;
  rows_acked_ = 0;
}

Status ArrowStream::TrimDurableLocked(Entry& entry) {
  auto& messages = entry.messages;
  const auto first_unacked = std::find_if(messages.begin(), messages.end(), [&](const auto& m) {
    return m.first_row + m.num_rows > entry.durable_rows;
  });
  messages.erase(messages.begin(), first_unacked);
  if (messages.empty() || messages.front().first_row >= entry.durable_rows) return Status::OK();
  // The acknowledged rows end inside a message: encode the rest anew (rare: servers acknowledge
  // whole messages), numbering its rows as rows of the whole request.
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(
      std::vector<IpcMessage> rest,
      encoder_.EncodeBatch(*entry.request.rows->Slice(entry.durable_rows)));
  for (IpcMessage& message : rest) message.first_row += entry.durable_rows;
  messages = std::move(rest);
  return Status::OK();
}

void ArrowStream::SendPendingLocked() {
  if (phase_ != Phase::kOpen || connection_ == nullptr) return;
  const bool was_idle = sent_ == 0;
  for (; sent_ < entries_.size(); ++sent_) {
    Entry& entry = entries_[sent_];
    if (Status trimmed = TrimDurableLocked(entry); !trimmed.ok()) {
      // Rows that encoded once encode again; should they not, end the stream rather than guess.
      pending_failure_ = trimmed.WithContext("Re-encoding the unacknowledged rows of request " +
                                             std::to_string(entry.offset));
      changed_.notify_all();
      return;
    }
    const auto now = Clock::now();
    entry.written = now;  // the lack-of-ack clock of this request starts now
    if (++entry.sends == 1) {
      entry.first_sent = now;
    } else {
      ++stats_.requests_replayed;
      stats_.records_replayed += entry.num_rows - entry.durable_rows;
    }
    entry.start_row = rows_written_;
    for (const IpcMessage& message : entry.messages) {
      connection_->Send(FlightDataBuffer(message, OffsetIdMetadata(next_offset_id_++)));
      rows_written_ += message.num_rows;
    }
    entry.end_row = rows_written_;
    if (config_.instruments) config_.instruments->RequestWritten(entry.sends > 1);
    ++stats_.requests_sent;
  }
  // With nothing in flight the supervisor sleeps without a deadline: wake it to arm the
  // lack-of-ack timer, or a server that never answers would go unnoticed.
  if (was_idle && sent_ > 0) changed_.notify_all();
}

// ---- what connections report ----

void ArrowStream::OnReady(uint64_t generation) {
  std::lock_guard<std::mutex> lock(mu_);
  if (generation != generation_) return;
  ready_ = true;
  changed_.notify_all();
}

void ArrowStream::OnPutResult(uint64_t generation, const PutResultFields& result) {
  std::unique_lock<std::mutex> lock(mu_);
  // While connecting, the abandoned connection's numbering is already folded: its late acks
  // would be misread.
  auto current = [&] {
    return generation == generation_ && phase_ != Phase::kConnecting && phase_ != Phase::kFailed &&
           phase_ != Phase::kClosed;
  };
  if (!current()) return;
  if (result.ack_up_to_records) AckLocked(lock, *result.ack_up_to_records);
  if (!result.close_stream_duration || !current()) return;
  ++stats_.close_signals;
  // Without recovery the signal is ignored: the server ends the stream when the time is up.
  if (!config_.options.recovery || phase_ != Phase::kOpen) return;
  auto wait = *result.close_stream_duration - kDrainBudget;
  if (config_.options.stream_paused_max_wait) {
    wait = std::min(wait, *config_.options.stream_paused_max_wait);
  }
  phase_ = Phase::kPaused;
  pause_deadline_ = Clock::now() + std::max(wait, std::chrono::milliseconds(0));
  changed_.notify_all();
}

void ArrowStream::AckLocked(std::unique_lock<std::mutex>& lock, int64_t records) {
  if (records > rows_written_) {
    // OnEnded reports the reason; the supervisor reconnects and replays.
    connection_->Cancel(Status(
        StatusCode::kInternal, ErrorKind::kTransmission,
        "Server acknowledged " + std::to_string(records) + " rows of table " + config_.table +
            " but only " + std::to_string(rows_written_) + " were sent on this Arrow Flight stream",
        /*retryable=*/true));
    return;
  }
  if (records <= rows_acked_) return;
  rows_acked_ = records;
  std::vector<Entry> acked;
  while (sent_ > 0 && entries_.front().end_row <= records) {
    Entry& entry = entries_.front();
    window_bytes_ -= entry.bytes;
    ++stats_.requests_acked;
    stats_.records_acked += entry.num_rows;
    stats_.bytes_acked += entry.bytes;
    acked.push_back(std::move(entry));
    entries_.pop_front();
    --sent_;
  }
  if (acked.empty()) return;
  changed_.notify_all();
  Deliver(lock, std::move(acked), Status::OK());
}

void ArrowStream::OnEnded(uint64_t generation, Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  --live_connections_;
  if (generation == generation_) {
    if (phase_ == Phase::kOpen || phase_ == Phase::kPaused) {
      pending_failure_ = status;
    }
    ended_ = std::move(status);
  }
  changed_.notify_all();
}

// ---- supervision: failures, lack of acks, rotation ----

void ArrowStream::DrainForRotation(std::unique_lock<std::mutex>& lock) {
  phase_ = Phase::kRotating;
  const uint64_t generation = generation_;
  connection_->HalfClose();
  changed_.wait_for(lock, kDrainBudget, [&] {
    return ended_.has_value() || shutting_down_ || generation_ != generation;
  });
}

void ArrowStream::SupervisorLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  const StreamOptions& options = config_.options;
  while (!shutting_down_) {
    if (phase_ == Phase::kFailed || phase_ == Phase::kClosed || phase_ == Phase::kClosing) {
      changed_.wait(lock);
      continue;
    }
    const auto now = Clock::now();
    std::string reconnect_reason;
    if (pending_failure_) {
      Status failure = std::move(*pending_failure_);
      pending_failure_.reset();
      if (!failure.retryable() || !options.recovery) {
        FailLocked(lock, failure);
        continue;
      }
      reconnect_reason = failure.message();
    } else if (phase_ == Phase::kPaused && (sent_ == 0 || now >= pause_deadline_)) {
      DrainForRotation(lock);
      if (shutting_down_) break;
      reconnect_reason = "Server requested graceful stream rotation";
    } else if (phase_ == Phase::kOpen && sent_ > 0 &&
               now >= entries_.front().written + options.server_lack_of_ack_timeout) {
      // The deadline runs from when the oldest pending request was written; acks of other rows
      // do not extend it.
      Status timeout(StatusCode::kDeadlineExceeded, ErrorKind::kTransmission,
                     "Server ack timeout: request " + std::to_string(entries_.front().offset) +
                         " of table " + config_.table + " was not acknowledged within " +
                         Millis(options.server_lack_of_ack_timeout) + " of being written (" +
                         std::to_string(sent_) + " request(s) unacknowledged)",
                     /*retryable=*/true);
      if (!options.recovery) {
        FailLocked(lock, timeout);
        continue;
      }
      reconnect_reason = timeout.message();
    }
    if (!reconnect_reason.empty()) {
      ++stats_.reconnects;
      if (config_.instruments) config_.instruments->Reconnected();
      if (connection_) connection_->Cancel();
      Status reconnected = Connect(lock, reconnect_reason);
      if (!reconnected.ok() && !shutting_down_) {
        FailLocked(lock,
                   reconnected.WithContext("Reconnecting after \"" + reconnect_reason + "\""));
      }
      continue;
    }
    auto wake = Clock::time_point::max();
    if (phase_ == Phase::kPaused) wake = pause_deadline_;
    if (phase_ == Phase::kOpen && sent_ > 0) {
      wake = entries_.front().written + options.server_lack_of_ack_timeout;
    }
    if (wake == Clock::time_point::max()) {
      changed_.wait(lock);
    } else {
      changed_.wait_until(lock, wake);
    }
  }
}

void ArrowStream::FailLocked(std::unique_lock<std::mutex>& lock, Status status) {
  FoldConnectionLocked();
  phase_ = Phase::kFailed;
  failure_ = status;
  if (connection_) connection_->Cancel();
  changed_.notify_all();
  std::vector<Entry> failed(entries_.begin(), entries_.end());
  Deliver(lock, std::move(failed), status);
  failure_delivered_ = true;
  changed_.notify_all();
}

void ArrowStream::Deliver(std::unique_lock<std::mutex>& lock, std::vector<Entry> entries,
                          Status failure) {
  if (entries.empty()) return;
  if (config_.instruments) {
    const auto now = Clock::now();
    for (const Entry& entry : entries) {
      const double ack_seconds = std::chrono::duration<double>(now - entry.first_sent).count();
      config_.instruments->RequestResolved(
          entry.bytes, failure.ok() && entry.sends > 0 ? &ack_seconds : nullptr);
    }
  }
  const int64_t last_offset = entries.back().offset;
  if (config_.observer == nullptr) {
    if (failure.ok()) delivered_offset_ = std::max(delivered_offset_, last_offset);
    return;
  }
  // Taken before mu_ is released, so that deliveries keep the order they were decided in.
  std::unique_lock<std::mutex> deliver(deliver_mu_);
  zerobus::ResolvedRequest resolved;
  resolved.stream_id = stats_.stream_id;
  lock.unlock();
  for (const Entry& entry : entries) {
    resolved.tag = entry.request.tag;
    resolved.offset = entry.offset;
    resolved.record_count = entry.num_rows;
    resolved.sends = entry.sends;
    if (failure.ok()) {
      config_.observer->OnAcked(resolved);
    } else {
      config_.observer->OnFailed(resolved, failure);
    }
  }
  deliver.unlock();
  lock.lock();
  if (failure.ok() && last_offset > delivered_offset_) {
    delivered_offset_ = last_offset;
    changed_.notify_all();
  }
}

// ---- the caller's side ----

Status ArrowStream::ClosedError() const {
  return Status(StatusCode::kFailedPrecondition, ErrorKind::kTransmission,
                "The Arrow Flight stream for table " + config_.table + " is closed");
}

Result<int64_t> ArrowStream::Send(ArrowRequest request) {
  if (request.rows == nullptr || request.rows->num_rows() == 0) {
    return Status(StatusCode::kInvalidArgument, ErrorKind::kTransmission,
                  "A request for table " + config_.table + " needs at least one row");
  }
  {
    // Fail fast, before the encoding work.
    std::lock_guard<std::mutex> lock(mu_);
    if (phase_ == Phase::kFailed) return failure_;
    if (close_result_ || shutting_down_ || phase_ == Phase::kClosing) return ClosedError();
  }
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::vector<IpcMessage> messages,
                                 encoder_.EncodeBatch(*request.rows));
  const int64_t bytes = WireBytes(messages);

  std::unique_lock<std::mutex> lock(mu_);
  const StreamOptions& options = config_.options;
  auto admitted = [&] {
    if (phase_ == Phase::kFailed || close_result_ || shutting_down_) return true;
    if (entries_.empty()) return true;  // one request always fits, however large
    return static_cast<int64_t>(entries_.size()) < options.max_inflight_requests &&
           window_bytes_ + bytes <= options.max_inflight_bytes;
  };
  changed_.wait(lock, admitted);
  if (phase_ == Phase::kFailed) return failure_;
  if (close_result_ || shutting_down_ || phase_ == Phase::kClosing) return ClosedError();
  Entry entry;
  entry.offset = next_offset_++;
  entry.num_rows = request.rows->num_rows();
  entry.request = std::move(request);
  entry.messages = std::move(messages);
  entry.bytes = bytes;
  window_bytes_ += bytes;
  if (config_.instruments) config_.instruments->RequestQueued(bytes);
  const int64_t offset = entry.offset;
  entries_.push_back(std::move(entry));
  SendPendingLocked();
  return offset;
}

Status ArrowStream::WaitForOffsetLocked(std::unique_lock<std::mutex>& lock, int64_t offset) {
  if (offset >= next_offset_) {
    return Status(StatusCode::kInvalidArgument, ErrorKind::kTransmission,
                  "Offset " + std::to_string(offset) + " was never issued (next is " +
                      std::to_string(next_offset_) + ")");
  }
  const auto timeout = config_.options.flush_timeout;
  changed_.wait_for(lock, timeout, [&] {
    return delivered_offset_ >= offset || failure_delivered_ || phase_ == Phase::kClosed;
  });
  if (delivered_offset_ >= offset) return Status::OK();
  if (phase_ == Phase::kFailed) return failure_;
  if (phase_ == Phase::kClosed) return ClosedError();
  return Status(StatusCode::kDeadlineExceeded, ErrorKind::kTransmission,
                "Flush timed out after " + Millis(timeout) + ": " +
                    std::to_string(entries_.size()) + " request(s) of table " + config_.table +
                    " still unacknowledged",
                /*retryable=*/true);
}

Status ArrowStream::WaitForOffset(int64_t offset) {
  std::unique_lock<std::mutex> lock(mu_);
  return WaitForOffsetLocked(lock, offset);
}

Status ArrowStream::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  if (phase_ == Phase::kFailed) {
    changed_.wait(lock, [&] { return failure_delivered_; });
    return failure_;
  }
  if (next_offset_ == 0 || delivered_offset_ == next_offset_ - 1) return Status::OK();
  return WaitForOffsetLocked(lock, next_offset_ - 1);
}

Status ArrowStream::Close() {
  std::unique_lock<std::mutex> lock(mu_);
  if (close_result_) return *close_result_;
  if (phase_ == Phase::kClosing) {
    changed_.wait(lock, [&] { return close_result_.has_value(); });
    return *close_result_;
  }
  Status flushed = Status::OK();
  if (phase_ == Phase::kFailed) {
    changed_.wait(lock, [&] { return failure_delivered_; });
    flushed = failure_;
  } else if (next_offset_ > 0 && delivered_offset_ < next_offset_ - 1) {
    flushed = WaitForOffsetLocked(lock, next_offset_ - 1);
  }
  if (phase_ != Phase::kFailed) {
    phase_ = Phase::kClosing;
    if (connection_) {
      // Half-close (not a reset) and let the server end the call; then cut it.
      connection_->HalfClose();
      changed_.wait_for(lock, kDrainBudget, [&] { return live_connections_ == 0; });
      connection_->Cancel();
    }
    // Closed before the fold: a late ack would be read against the folded numbering.
    phase_ = Phase::kClosed;
    FoldConnectionLocked();
    if (!entries_.empty()) {
      // Unacknowledged after the flush, or sent while it waited: the observer hears of them.
      std::vector<Entry> failed(entries_.begin(), entries_.end());
      Deliver(lock, std::move(failed), flushed.ok() ? ClosedError() : flushed);
    }
  }
  shutting_down_ = true;
  close_result_ = flushed;
  changed_.notify_all();
  lock.unlock();
  if (supervisor_.joinable()) supervisor_.join();
  return flushed;
}

Result<std::vector<ArrowRequest>> ArrowStream::TakeUnacked() {
  std::lock_guard<std::mutex> lock(mu_);
  if (phase_ != Phase::kFailed && phase_ != Phase::kClosed) {
    return Status(StatusCode::kFailedPrecondition, ErrorKind::kTransmission,
                  "Unacknowledged rows can be taken only from a closed or failed stream");
  }
  std::vector<ArrowRequest> unacked;
  for (Entry& entry : entries_) {
    ArrowRequest request = std::move(entry.request);
    if (entry.durable_rows > 0) request.rows = request.rows->Slice(entry.durable_rows);
    unacked.push_back(std::move(request));
  }
  entries_.clear();
  return unacked;
}

Status ArrowStream::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failure_;
}

zerobus::StreamStats ArrowStream::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace arrow_zerobus::flight
