#include "zerobus/ingest_stream.h"

#include <algorithm>

#include "auth/oauth_request.h"
#include "retry/retry_loop.h"
#include "zerobus/endpoint.h"
#include "zerobus/stream_messages.h"
#include "zerobus_service.pb.h"

namespace arrow_zerobus::zerobus {
namespace {

namespace zb = ::databricks::zerobus;
using SteadyClock = std::chrono::steady_clock;

std::string Millis(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

grpc::ByteBuffer RequestBuffer(int64_t physical_offset, const grpc::Slice& body) {
  grpc::Slice parts[2] = {grpc::Slice(IngestBatchRequestPrefix(physical_offset, body.size())),
                          body};
  return grpc::ByteBuffer(parts, 2);
}

Status ConfigError(std::string message) { return ConfigurationError(std::move(message)); }

}  // namespace

IngestStream::IngestStream(StreamConfig config, std::shared_ptr<grpc::Channel> channel)
    : config_(std::move(config)), channel_(std::move(channel)) {
  zb::EphemeralStreamRequest create;
  auto* body = create.mutable_create_stream();
  body->set_table_name(config_.table);
  body->set_descriptor_proto(config_.descriptor_proto);
  body->set_record_type(zb::PROTO);
  create_request_ = create.SerializeAsString();
}

Result<std::unique_ptr<IngestStream>> IngestStream::Open(StreamConfig config) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(ZerobusEndpoint endpoint, ParseZerobusEndpoint(config.endpoint));
  ARROW_ZEROBUS_RETURN_NOT_OK(auth::ParseTableName(config.table).status());
  if (config.headers == nullptr) {
    return ConfigError("A Zerobus stream needs a headers provider (OAuth or custom)");
  }
  if (config.descriptor_proto.empty()) {
    return ConfigError("A Zerobus stream of PROTO records needs the records' descriptor");
  }
  const StreamOptions& options = config.options;
  if (options.max_request_bytes <= kRequestFramingBytes) {
    return ConfigError("max_request_bytes must exceed " + std::to_string(kRequestFramingBytes) +
                       ", got " + std::to_string(options.max_request_bytes));
  }
  if (options.max_inflight_requests < 1 || options.max_inflight_bytes < 1) {
    return ConfigError("max_inflight_requests and max_inflight_bytes must be at least 1");
  }
  if (options.retry_policy == nullptr || options.backoff_policy == nullptr) {
    return ConfigError("retry_policy and backoff_policy must be set");
  }
  config.channel.application_name = options.application_name;
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto channel, CreateZerobusChannel(endpoint, config.channel));
  std::unique_ptr<IngestStream> stream(new IngestStream(std::move(config), std::move(channel)));
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

IngestStream::~IngestStream() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!close_result_ && phase_ != Phase::kFailed && !entries_.empty()) {
      Status dropped(StatusCode::kCancelled, ErrorKind::kTransmission,
                     "The stream for table " + config_.table +
                         " was destroyed before these records were acknowledged");
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
  std::vector<std::shared_ptr<StreamConnection>> connections = std::move(retired_);
  if (connection_) connections.push_back(std::move(connection_));
  lock.unlock();
  // After OnEnded, OnDone only drops the connection's reference to itself: wait for that, so that
  // the connections, then the channel, are destroyed here and not on a gRPC thread.
  for (const auto& connection : connections) {
    while (connection.use_count() > 1) std::this_thread::yield();
  }
}

// ---- connecting ----

Status IngestStream::ConnectOnce(std::unique_lock<std::mutex>& lock, const SpanContext& parent,
                                 const std::string& why) {
  telemetry::ScopedSpan span(config_.tracer, "zerobus.connect", parent, SpanData::Kind::kClient);
  span.SetAttribute("messaging.system", std::string(telemetry::kMessagingSystem));
  span.SetAttribute("messaging.destination.name", config_.table);
  if (!why.empty()) span.SetAttribute("zerobus.reconnect.reason", why);
  Status attempt = ConnectAttempt(lock, span.context());
  if (attempt.ok()) {
    span.SetAttribute("zerobus.stream_id", stats_.stream_id);
  } else {
    span.SetError(attempt);
  }
  return attempt;
}

Status IngestStream::ConnectAttempt(std::unique_lock<std::mutex>& lock, const SpanContext& trace) {
  const Status cancelled(StatusCode::kCancelled, ErrorKind::kConnection,
                         "The stream for table " + config_.table + " was closed while connecting");
  if (shutting_down_) return cancelled;
  lock.unlock();
  Result<auth::Headers> headers = config_.headers->GetHeaders();
  if (headers.ok()) headers = auth::FinalizeHeaders(std::move(headers).value(), config_.table);
  lock.lock();
  if (!headers.ok()) return headers.status();
  if (shutting_down_) return cancelled;
  if (trace.valid()) headers->emplace_back("traceparent", trace.traceparent());

  const uint64_t generation = ++generation_;
  created_ = false;
  ended_.reset();
  ++live_connections_;
  // A connection drops its reference to itself at the end of OnDone, on a gRPC callback thread.
  // Were that the channel's last reference (this stream gone), the channel would be destroyed on
  // that thread; with gRPC's callback alternative CQ (no background poller, e.g. Debian's gRPC
  // 1.51) its destructor then joins the CQ's threads, its own included, frees the CQ under it and
  // aborts ("assertion failed: prior > 0"). So the stream holds every connection until gRPC is done
  // with it and destroys it on one of its own threads (here, or in the destructor).
  if (connection_) retired_.push_back(std::move(connection_));
  std::erase_if(retired_, [](const auto& retired) { return retired.use_count() == 1; });
  connection_ =
      StreamConnection::Start(channel_, *headers, create_request_, config_.table, generation, this);
  const auto deadline = SteadyClock::now() + config_.options.connect_timeout;
  changed_.wait_until(lock, deadline, [&] {
    return generation_ != generation || created_ || ended_.has_value() || shutting_down_;
  });
  if (generation_ == generation && created_) return Status::OK();
  if (generation_ == generation && ended_) return *ended_;
  if (shutting_down_ || generation_ != generation) {
    connection_->Cancel();
    return cancelled;
  }
  Status timed_out(StatusCode::kDeadlineExceeded, ErrorKind::kConnection,
                   "Creating a Zerobus stream for table " + config_.table + " timed out after " +
                       Millis(config_.options.connect_timeout),
                   /*retryable=*/true);
  connection_->Cancel(timed_out);
  return timed_out;
}

Status IngestStream::Connect(std::unique_lock<std::mutex>& lock, const std::string& why) {
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
  Status connected =
      retry::RetryLoop(policy, *options.backoff_policy, sleep,
                       "Creating a Zerobus stream for table " + config_.table, [&]() -> Status {
                         if (++attempts > 1 && config_.instruments) {
                           config_.instruments->ConnectRetried();
                         }
                         Status attempt = ConnectOnce(lock, parent, why);
                         const bool refused = attempt.code() == StatusCode::kUnauthenticated ||
                                              attempt.code() == StatusCode::kPermissionDenied;
                         if (refused && !reminted && !shutting_down_) {
                           // The cached token may have expired or been revoked: mint a new one,
                           // once.
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
  sent_ = 0;
  next_physical_ = 0;
  last_progress_ = SteadyClock::now();
  // Only what was written on the previous connection is re-sent; requests queued while paused
  // or reconnecting go out for the first time.
  for (Entry& entry : entries_) {
    if (!why.empty() && entry.physical >= 0) {
      ++stats_.requests_replayed;
      stats_.records_replayed += entry.request.record_count;
    }
    entry.physical = -1;
  }
  SendPendingLocked();
  changed_.notify_all();
  return Status::OK();
}

void IngestStream::SendPendingLocked() {
  if (phase_ != Phase::kOpen || connection_ == nullptr) return;
  const bool was_idle = sent_ == 0;
  for (; sent_ < entries_.size(); ++sent_) {
    if (sent_ == 0) last_progress_ = SteadyClock::now();  // the ack clock starts now
    Entry& entry = entries_[sent_];
    entry.physical = next_physical_++;
    if (++entry.sends == 1) entry.first_sent = SteadyClock::now();
    if (config_.instruments) config_.instruments->RequestWritten(entry.sends > 1);
    connection_->Send(RequestBuffer(entry.physical, entry.request.body));
    ++stats_.requests_sent;
  }
  // With nothing in flight the supervisor sleeps without a deadline: wake it to arm the
  // lack-of-ack timer, or a server that never answers would go unnoticed.
  if (was_idle && sent_ > 0) changed_.notify_all();
}

// ---- what connections report ----

void IngestStream::OnCreated(uint64_t generation, const std::string& stream_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (generation != generation_) return;
  created_ = true;
  stats_.stream_id = stream_id;
  changed_.notify_all();
}

void IngestStream::OnAck(uint64_t generation, int64_t ack_up_to_offset) {
  std::unique_lock<std::mutex> lock(mu_);
  if (generation != generation_ || phase_ == Phase::kFailed || phase_ == Phase::kClosed) return;
  last_progress_ = SteadyClock::now();
  std::vector<Entry> acked;
  while (sent_ > 0 && entries_.front().physical <= ack_up_to_offset) {
    Entry& entry = entries_.front();
    window_bytes_ -= entry.request.record_bytes;
    ++stats_.requests_acked;
    stats_.records_acked += entry.request.record_count;
    stats_.bytes_acked += entry.request.record_bytes;
    acked.push_back(std::move(entry));
    entries_.pop_front();
    --sent_;
  }
  if (acked.empty()) return;
  changed_.notify_all();
  Deliver(lock, std::move(acked), Status::OK());
}

void IngestStream::OnCloseSignal(uint64_t generation, std::chrono::milliseconds duration) {
  std::lock_guard<std::mutex> lock(mu_);
  if (generation != generation_) return;
  ++stats_.close_signals;
  last_progress_ = SteadyClock::now();
  // Without recovery the signal is ignored: the server ends the stream when the time is up.
  if (!config_.options.recovery || phase_ != Phase::kOpen) return;
  auto wait = duration;
  if (config_.options.stream_paused_max_wait) {
    wait = std::min(wait, *config_.options.stream_paused_max_wait);
  }
  phase_ = Phase::kPaused;
  pause_deadline_ = SteadyClock::now() + std::max(wait, std::chrono::milliseconds(0));
  changed_.notify_all();
}

void IngestStream::OnEnded(uint64_t generation, Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  --live_connections_;
  if (generation == generation_) {
    if (!created_) {
      ended_ = std::move(status);
    } else if (phase_ == Phase::kOpen || phase_ == Phase::kPaused) {
      pending_failure_ = std::move(status);
    }
  }
  changed_.notify_all();
}

// ---- supervision: failures, lack of acks, close signals ----

void IngestStream::SupervisorLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  const StreamOptions& options = config_.options;
  while (!shutting_down_) {
    if (phase_ == Phase::kFailed || phase_ == Phase::kClosed || phase_ == Phase::kClosing) {
      changed_.wait(lock);
      continue;
    }
    const auto now = SteadyClock::now();
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
      reconnect_reason = "the server's close signal";
    } else if (phase_ == Phase::kOpen && sent_ > 0 &&
               now >= last_progress_ + options.server_lack_of_ack_timeout) {
      Status timeout(StatusCode::kDeadlineExceeded, ErrorKind::kTransmission,
                     "Server ack timeout: no response from Zerobus for " +
                         Millis(options.server_lack_of_ack_timeout) + " while " +
                         std::to_string(sent_) + " request(s) were unacknowledged",
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
    auto wake = SteadyClock::time_point::max();
    if (phase_ == Phase::kPaused) wake = pause_deadline_;
    if (phase_ == Phase::kOpen && sent_ > 0) {
      wake = last_progress_ + options.server_lack_of_ack_timeout;
    }
    if (wake == SteadyClock::time_point::max()) {
      changed_.wait(lock);
    } else {
      changed_.wait_until(lock, wake);
    }
  }
}

void IngestStream::FailLocked(std::unique_lock<std::mutex>& lock, Status status) {
  phase_ = Phase::kFailed;
  failure_ = status;
  if (connection_) connection_->Cancel();
  changed_.notify_all();
  std::vector<Entry> failed(entries_.begin(), entries_.end());
  Deliver(lock, std::move(failed), status);
  failure_delivered_ = true;
  changed_.notify_all();
}

void IngestStream::Deliver(std::unique_lock<std::mutex>& lock, std::vector<Entry> entries,
                           Status failure) {
  if (entries.empty()) return;
  if (config_.instruments) {
    const auto now = SteadyClock::now();
    for (const Entry& entry : entries) {
      const double ack_seconds = std::chrono::duration<double>(now - entry.first_sent).count();
      config_.instruments->RequestResolved(
          entry.request.record_bytes, failure.ok() && entry.sends > 0 ? &ack_seconds : nullptr);
    }
  }
  const int64_t last_offset = entries.back().offset;
  if (config_.observer == nullptr) {
    if (failure.ok()) delivered_offset_ = std::max(delivered_offset_, last_offset);
    return;
  }
  // Taken before mu_ is released, so that deliveries keep the order they were decided in.
  std::unique_lock<std::mutex> deliver(deliver_mu_);
  ResolvedRequest resolved;
  resolved.stream_id = stats_.stream_id;
  lock.unlock();
  for (const Entry& entry : entries) {
    resolved.tag = entry.request.tag;
    resolved.offset = entry.offset;
    resolved.record_count = entry.request.record_count;
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

Status IngestStream::ClosedError() const {
  return Status(StatusCode::kFailedPrecondition, ErrorKind::kTransmission,
                "The stream for table " + config_.table + " is closed");
}

Result<int64_t> IngestStream::Send(PreparedRequest request) {
  if (request.record_count <= 0) {
    return Status(StatusCode::kInvalidArgument, ErrorKind::kTransmission,
                  "A request for table " + config_.table + " needs at least one record");
  }
  std::unique_lock<std::mutex> lock(mu_);
  const StreamOptions& options = config_.options;
  auto admitted = [&] {
    if (phase_ == Phase::kFailed || close_result_ || shutting_down_) return true;
    if (entries_.empty()) return true;  // one request always fits, however large
    return static_cast<int64_t>(entries_.size()) < options.max_inflight_requests &&
           window_bytes_ + request.record_bytes <= options.max_inflight_bytes;
  };
  changed_.wait(lock, admitted);
  if (phase_ == Phase::kFailed) return failure_;
  if (close_result_ || shutting_down_ || phase_ == Phase::kClosing) return ClosedError();
  const int64_t offset = next_offset_++;
  window_bytes_ += request.record_bytes;
  if (config_.instruments) config_.instruments->RequestQueued(request.record_bytes);
  entries_.push_back(Entry{offset, -1, std::move(request)});
  SendPendingLocked();
  return offset;
}

Status IngestStream::WaitForOffsetLocked(std::unique_lock<std::mutex>& lock, int64_t offset) {
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

Status IngestStream::WaitForOffset(int64_t offset) {
  std::unique_lock<std::mutex> lock(mu_);
  return WaitForOffsetLocked(lock, offset);
}

Status IngestStream::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  if (phase_ == Phase::kFailed) {
    changed_.wait(lock, [&] { return failure_delivered_; });
    return failure_;
  }
  if (next_offset_ == 0 || delivered_offset_ == next_offset_ - 1) return Status::OK();
  return WaitForOffsetLocked(lock, next_offset_ - 1);
}

Status IngestStream::Close() {
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
      // Half-close and give the server a moment to end the call; then cut it.
      connection_->HalfClose();
      changed_.wait_for(lock, std::chrono::milliseconds(500),
                        [&] { return live_connections_ == 0; });
      connection_->Cancel();
    }
    if (!flushed.ok() && !entries_.empty()) {
      std::vector<Entry> failed(entries_.begin(), entries_.end());
      Deliver(lock, std::move(failed), flushed);
    }
    phase_ = Phase::kClosed;
  }
  shutting_down_ = true;
  close_result_ = flushed;
  changed_.notify_all();
  lock.unlock();
  if (supervisor_.joinable()) supervisor_.join();
  return flushed;
}

Result<std::vector<PreparedRequest>> IngestStream::TakeUnacked() {
  std::lock_guard<std::mutex> lock(mu_);
  if (phase_ != Phase::kFailed && phase_ != Phase::kClosed) {
    return Status(StatusCode::kFailedPrecondition, ErrorKind::kTransmission,
                  "Unacknowledged requests can be taken only from a closed or failed stream");
  }
  std::vector<PreparedRequest> unacked;
  for (Entry& entry : entries_) unacked.push_back(std::move(entry.request));
  entries_.clear();
  return unacked;
}

Status IngestStream::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failure_;
}

StreamStats IngestStream::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace arrow_zerobus::zerobus
