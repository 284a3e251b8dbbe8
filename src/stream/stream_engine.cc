#include "stream/stream_engine.h"

#include <algorithm>

#include "auth/oauth_request.h"
#include "common/endpoint.h"
#include "retry/retry_loop.h"

namespace arrow_zerobus::stream {
namespace {

// Of the grace period a close signal announces, what is kept for the half-closed connection's
// last acks before the replay (the SDKs' drain budget); also how long Close waits for the server
// to end a half-closed call.
constexpr std::chrono::milliseconds kDrainBudget{500};

std::string Millis(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

/// Rows of `request` not yet durable when `durable_units` of its units are.
int64_t RemainingRecords(const StreamRequest& request, int64_t durable_units) {
  return request.records - durable_units * request.records / request.units;
}

}  // namespace

StreamEngine::StreamEngine(StreamConfig config, std::shared_ptr<const StreamProtocol> protocol,
                           std::shared_ptr<grpc::Channel> channel)
    : config_(std::move(config)), protocol_(std::move(protocol)), channel_(std::move(channel)) {
  stats_.lane = config_.lane;
  resume_id_ = config_.resume_stream_id;
  stats_.stream_id = resume_id_;
}

Result<std::unique_ptr<StreamEngine>> StreamEngine::Open(
    StreamConfig config, std::shared_ptr<const StreamProtocol> protocol) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(ZerobusEndpoint endpoint, ParseZerobusEndpoint(config.endpoint));
  ARROW_ZEROBUS_RETURN_NOT_OK(auth::ParseTableName(config.table).status());
  if (protocol == nullptr) return ConfigurationError("A stream needs a wire format");
  if (config.headers == nullptr) {
    return ConfigurationError("A " + std::string(protocol->label()) +
                              " needs a headers provider (OAuth or custom)");
  }
  if (!config.resume_stream_id.empty() && !protocol->resumes()) {
    return ConfigurationError("A " + std::string(protocol->label()) +
                              " cannot be resumed (stream " + config.resume_stream_id +
                              "): only persistent streams can");
  }
  const StreamOptions& options = config.options;
  if (options.max_inflight_requests < 1 || options.max_inflight_bytes < 1) {
    return ConfigurationError("max_inflight_requests and max_inflight_bytes must be at least 1");
  }
  if (options.retry_policy == nullptr || options.backoff_policy == nullptr) {
    return ConfigurationError("retry_policy and backoff_policy must be set");
  }
  config.channel.application_name = options.application_name;
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto channel,
                                 stream::CreateZerobusChannel(endpoint, config.channel));
  std::unique_ptr<StreamEngine> stream(
      new StreamEngine(std::move(config), std::move(protocol), std::move(channel)));
  const std::shared_ptr<OpenCanceller> canceller = stream->config_.open_canceller;
  if (canceller != nullptr) ARROW_ZEROBUS_RETURN_NOT_OK(canceller->Enter(stream.get()));
  Status connected;
  {
    std::unique_lock<std::mutex> lock(stream->mu_);
    connected = stream->Connect(lock, "");
  }
  if (canceller != nullptr) canceller->Leave(stream.get());
  {
    std::lock_guard<std::mutex> lock(stream->mu_);
    if (!stream->open_cancelled_.ok()) connected = stream->open_cancelled_;
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

StreamEngine::~StreamEngine() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!close_result_ && phase_ != Phase::kFailed && !entries_.empty()) {
      Status dropped(StatusCode::kCancelled, ErrorKind::kTransmission,
                     Name() + " was destroyed before these records were acknowledged");
      shutting_down_ = true;
      Deliver(lock, NamesLocked(), dropped);
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
  // Every connection has called OnEnded, after which gRPC has let go of it: the connections, then
  // the channel, are destroyed here and not on a gRPC thread.
  retired_.clear();
  connection_.reset();
}

std::string StreamEngine::Name() const {
  return "the " + std::string(protocol_->label()) +
         (stats_.stream_id.empty() ? "" : " " + stats_.stream_id) + " for table " + config_.table +
         (config_.lane > 0 ? " (lane " + std::to_string(config_.lane) + ")" : "");
}

// ---- connecting ----

std::optional<Status> StreamEngine::SpendRetry(const Status& failure, bool opening) {
  if (!config_.options.recovery || !failure.retryable()) return failure;
  if (!episode_) {
    episode_ =
        Episode{config_.options.retry_policy->clone(), config_.options.backoff_policy->clone(), 0};
  }
  ++episode_->attempts;
  if (episode_->policy->OnFailure(failure)) return std::nullopt;
  return retry::RetriesExhausted((opening ? "Opening " : "Recovering ") + Name(), *episode_->policy,
                                 episode_->attempts, failure);
}

Status StreamEngine::ConnectOnce(std::unique_lock<std::mutex>& lock, const SpanContext& parent,
                                 const std::string& why) {
  telemetry::ScopedSpan span(config_.tracer, "zerobus.connect", parent, SpanData::Kind::kClient);
  span.SetAttribute("messaging.system", std::string(telemetry::kMessagingSystem));
  span.SetAttribute("messaging.destination.name", config_.table);
  if (!why.empty()) span.SetAttribute("zerobus.reconnect.reason", why);
  Status attempt = ConnectAttempt(lock, span.context());
  if (!attempt.ok()) {
    span.SetError(attempt);
  } else if (!stats_.stream_id.empty()) {
    span.SetAttribute("zerobus.stream_id", stats_.stream_id);
  }
  return attempt;
}

Status StreamEngine::ConnectAttempt(std::unique_lock<std::mutex>& lock, const SpanContext& trace) {
  const Status cancelled(StatusCode::kCancelled, ErrorKind::kConnection,
                         Name() + " was closed while connecting");
  if (shutting_down_) return cancelled;
  const std::chrono::milliseconds timeout = config_.options.connect_timeout;
  const auto deadline = Clock::now() + timeout;
  Status timed_out(StatusCode::kDeadlineExceeded, ErrorKind::kConnection,
                   "Opening " + Name() + " timed out after " + Millis(timeout) +
                       " (connect_timeout: the token, the call and the server's opening reply)",
                   /*retryable=*/true);
  lock.unlock();
  Result<auth::Headers> headers = config_.headers->GetHeaders();
  if (headers.ok()) headers = auth::FinalizeHeaders(std::move(headers).value(), config_.table);
  lock.lock();
  if (!headers.ok()) return headers.status();
  if (shutting_down_) return cancelled;
  if (Clock::now() >= deadline) return timed_out;
  if (trace.valid()) headers->emplace_back("traceparent", trace.traceparent());

  const uint64_t generation = ++generation_;
  opened_ = false;
  resume_position_.reset();
  connection_resumes_ = protocol_->resumes() && !resume_id_.empty();
  ended_.reset();
  ++live_connections_;
  // A connection drops its reference to itself in OnDone, on a gRPC callback thread.
  // Were that the channel's last reference (this stream gone), the channel would be destroyed on
  // that thread; with gRPC's callback alternative CQ (no background poller, e.g. Debian's gRPC
  // 1.51) its destructor then joins the CQ's threads, its own included, frees the CQ under it and
  // aborts ("assertion failed: prior > 0"). So the stream holds every connection until its
  // OnEnded, after which gRPC is done with it, and destroys it on one of its own threads (here, or
  // in the destructor).
  if (connection_) retired_.push_back(std::move(connection_));
  std::erase_if(retired_, [&](const auto& retired) {
    return ended_generations_.erase(retired->generation()) > 0;
  });
  connection_ =
      BidiConnection::Start(channel_, *headers, protocol_.get(),
                            protocol_->OpeningMessage(resume_id_), config_.table, generation, this);
  changed_.wait_until(lock, deadline, [&] {
    return generation_ != generation || opened_ || ended_.has_value() || shutting_down_;
  });
  if (generation_ == generation && opened_) return Status::OK();
  if (generation_ == generation && ended_) return *ended_;
  if (shutting_down_ || generation_ != generation) {
    connection_->Cancel();
    return cancelled;
  }
  connection_->Cancel(timed_out);
  return timed_out;
}

Status StreamEngine::ConnectWithFreshToken(std::unique_lock<std::mutex>& lock,
                                           const SpanContext& parent, const std::string& why) {
  Status attempt = ConnectOnce(lock, parent, why);
  const bool refused = attempt.code() == StatusCode::kUnauthenticated ||
                       attempt.code() == StatusCode::kPermissionDenied;
  // The cached token may have expired or been revoked: mint a new one, once, when the provider
  // can; a caller's own headers would only be refused again.
  if (refused && !shutting_down_ && config_.headers->CanRefresh()) {
    lock.unlock();
    config_.headers->Invalidate();
    lock.lock();
    attempt = ConnectOnce(lock, parent, why);
  }
  return attempt;
}

Status StreamEngine::Connect(std::unique_lock<std::mutex>& lock, const std::string& why) {
  phase_ = Phase::kConnecting;
  FoldConnectionLocked();
  // The first connection belongs to the send that opened the stream; a reconnect has no caller.
  const SpanContext parent = why.empty() ? config_.trace_parent : SpanContext{};
  for (bool first_attempt = true;; first_attempt = false) {
    // Attempts beyond the first of this (re)connect (docs/observability.md): the failure that
    // made a reconnect necessary is counted by Reconnected(), not here.
    if (!first_attempt && config_.instruments) config_.instruments->ConnectRetried();
    Status attempt = ConnectWithFreshToken(lock, parent, why);
    if (attempt.ok()) break;
    if (shutting_down_) return attempt;
    if (Clock::now() >= AckDeadlineLocked()) return AckDeadlineError();
    if (auto final_error = SpendRetry(attempt, /*opening=*/why.empty())) return *final_error;
    const auto delay = episode_->backoff->OnCompletion();
    const auto wake = std::min(Clock::now() + delay, AckDeadlineLocked());
    changed_.wait_until(lock, wake, [&] { return shutting_down_; });
    if (Status renewed = RenewChannelLocked(); !renewed.ok()) return renewed;
  }
  // Close began while the attempt waited: the stream is Close's now, it ends this connection.
  if (phase_ == Phase::kClosing) return Status::OK();
  if (protocol_->resumes()) {
    if (!resume_position_) {
      return Status(StatusCode::kInternal, ErrorKind::kTransmission,
                    "The opening reply of " + Name() + " did not say where the stream continues",
                    /*retryable=*/false);
    }
    ARROW_ZEROBUS_RETURN_NOT_OK(ResumeAtLocked(lock, *resume_position_));
    // The acknowledgements went out without the lock: the stream may have ended meanwhile.
    if (shutting_down_ || phase_ != Phase::kConnecting) return Status::OK();
  }

  phase_ = Phase::kOpen;
  last_progress_ = Clock::now();
  if (entries_.empty()) episode_.reset();  // nothing to prove the connection with
  SendPendingLocked();
  changed_.notify_all();
  return Status::OK();
}

Status StreamEngine::RenewChannelLocked() {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(ZerobusEndpoint endpoint, ParseZerobusEndpoint(config_.endpoint));
  // The connections made on the old channel hold it until they are retired on this thread.
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(channel_, stream::CreateZerobusChannel(endpoint, config_.channel));
  return Status::OK();
}

void StreamEngine::FoldConnectionLocked() {
  for (size_t i = 0; i < sent_; ++i) {
    Entry& entry = entries_[i];
    entry.durable_units += std::clamp<int64_t>(acked_position_ - entry.start_position, 0,
                                               entry.end_position - entry.start_position);
    entry.start_position = -1;
    entry.end_position = -1;
  }
  sent_ = 0;
  next_message_id_ = 0;
  positions_written_ = 0;
  acked_position_ = 0;
}

void StreamEngine::SendPendingLocked() {
  if (phase_ != Phase::kOpen || connection_ == nullptr) return;
  const bool was_idle = sent_ == 0;
  std::vector<grpc::ByteBuffer> messages;
  for (; sent_ < entries_.size(); ++sent_) {
    Entry& entry = entries_[sent_];
    messages.clear();
    Status written = entry.request.body->Write(entry.durable_units, &next_message_id_, &messages);
    if (!written.ok()) {
      // What was written once is written again; should it not, end the connection rather than
      // guess (the supervisor replays or fails).
      pending_failure_ = written.WithContext("Writing request " + std::to_string(entry.offset) +
                                             " of " + Name() + " again");
      changed_.notify_all();
      return;
    }
    const auto now = Clock::now();
    entry.written = now;
    if (++entry.sends == 1) {
      entry.first_sent = now;
    } else {
      ++stats_.requests_replayed;
      stats_.records_replayed += RemainingRecords(entry.request, entry.durable_units);
    }
    entry.start_position = positions_written_;
    positions_written_ += entry.request.units - entry.durable_units;
    entry.end_position = positions_written_;
    for (grpc::ByteBuffer& message : messages) connection_->Send(std::move(message));
    if (config_.instruments) config_.instruments->RequestWritten(entry.sends > 1);
    ++stats_.requests_sent;
  }
  // With nothing in flight the supervisor sleeps without a deadline: wake it to arm the
  // lack-of-ack timer, or a server that never answers would go unnoticed.
  if (was_idle && sent_ > 0) changed_.notify_all();
}

// ---- what connections report ----

void StreamEngine::OnMessage(uint64_t generation, const ServerMessage& message) {
  std::unique_lock<std::mutex> lock(mu_);
  if (generation != generation_) return;
  if (message.opens) {
    opened_ = true;
    if (!message.stream_id.empty()) stats_.stream_id = message.stream_id;
    if (protocol_->resumes()) {
      if (!message.stream_id.empty()) resume_id_ = message.stream_id;
      resume_position_ = message.resume_position;
    }
    changed_.notify_all();
    return;
  }
  // While connecting, the abandoned connection's numbering is already folded: its late acks
  // would be misread.
  auto current = [&] {
    return generation == generation_ && phase_ != Phase::kConnecting && phase_ != Phase::kFailed &&
           phase_ != Phase::kClosed;
  };
  if (!current()) return;
  if (message.ack_position) AckLocked(lock, *message.ack_position);
  if (message.close_after && current()) CloseSignalLocked(*message.close_after);
}

void StreamEngine::AckLocked(std::unique_lock<std::mutex>& lock, int64_t position) {
  if (position < acked_position_ || position > positions_written_) {
    // The server lost track of what it holds: replaying could not be trusted either.
    FailLocked(lock, Status(StatusCode::kInvalidArgument, ErrorKind::kTransmission,
                            "Invalid acknowledgement on " + Name() + ": " +
                                protocol_->DescribeAck(position) + ", expected " +
                                protocol_->DescribeAck(acked_position_) + " through " +
                                protocol_->DescribeAck(positions_written_) +
                                " (an ack may neither go back nor pass what was sent)",
                            /*retryable=*/false));
    return;
  }
  if (position == acked_position_) return;
  acked_position_ = position;
  const auto now = Clock::now();
  last_progress_ = now;
  episode_.reset();
  size_t count = 0;
  while (count < sent_ && entries_[count].end_position <= position) ++count;
  if (count == 0) return;
  std::vector<Entry> acked = PopAckedLocked(count, now);
  sent_ -= count;
  Deliver(lock, std::move(acked), Status::OK());
}

std::vector<StreamEngine::Entry> StreamEngine::PopAckedLocked(size_t count, Clock::time_point now) {
  std::vector<Entry> acked;
  acked.reserve(count);
  int64_t acked_bytes = 0;
  for (size_t i = 0; i < count; ++i) {
    Entry& entry = entries_.front();
    acked_bytes += entry.request.bytes;
    window_bytes_ -= entry.request.bytes;
    ++stats_.requests_acked;
    stats_.records_acked += entry.request.records;
    stats_.bytes_acked += entry.request.bytes;
    stats_.last_acked_offset = entry.offset;
    acked.push_back(std::move(entry));
    entries_.pop_front();
  }
  NoteAckRateLocked(acked_bytes, now);
  UpdateOutstandingLocked();
  changed_.notify_all();
  return acked;
}

Status StreamEngine::ResumeAtLocked(std::unique_lock<std::mutex>& lock, int64_t position) {
  if (!connection_resumes_ && position != 0) {
    return Status(
        StatusCode::kInternal, ErrorKind::kTransmission,
        "The server created " + Name() + " at offset " + std::to_string(position) + " instead of 0",
        /*retryable=*/false);
  }
  const bool fresh = next_offset_ == 0 && entries_.empty();
  if (fresh) {
    // Nothing sent by this process yet: new requests continue after what the stream committed.
    next_offset_ = position;
    delivered_offset_ = position - 1;
    stats_.last_acked_offset = position - 1;
  } else {
    const int64_t first_unacked = entries_.empty() ? next_offset_ : entries_.front().offset;
    if (position < first_unacked || position > next_offset_) {
      return Status(StatusCode::kDataLoss, ErrorKind::kTransmission,
                    "The server resumed " + Name() + " after offset " +
                        std::to_string(position - 1) + ", but offsets " +
                        (position < first_unacked
                             ? "up to " + std::to_string(first_unacked - 1) + " were acknowledged"
                             : "from " + std::to_string(next_offset_) + " were never sent"),
                    /*retryable=*/false);
    }
  }
  if (connection_resumes_) ++stats_.resumes;
  // The numbering of this connection is the stream's offsets.
  next_message_id_ = position;
  positions_written_ = position;
  acked_position_ = position;
  size_t committed = 0;
  while (committed < entries_.size() && entries_[committed].offset < position) ++committed;
  if (committed == 0) return Status::OK();
  stats_.requests_committed_on_resume += static_cast<int64_t>(committed);
  last_progress_ = Clock::now();
  episode_.reset();
  Deliver(lock, PopAckedLocked(committed, last_progress_), Status::OK());
  return Status::OK();
}

void StreamEngine::NoteAckRateLocked(int64_t bytes, Clock::time_point now) {
  // Bytes acknowledged over at least kRateWindow of busy time (requests outstanding; idle gaps
  // do not count), smoothed: acks that come in bursts after a delay count at the rate the delay
  // allows, and a short busy spell never yields a sample on its own.
  constexpr auto kRateWindow = std::chrono::milliseconds(10);
  rate_window_bytes_ += bytes;
  const auto busy = rate_window_busy_ + (now - rate_window_start_);
  if (busy < kRateWindow) {
    // Idle now: keep the busy time so far; the next request restarts the clock (Send).
    if (entries_.empty()) rate_window_busy_ = busy;
    return;
  }
  const double sample =
      static_cast<double>(rate_window_bytes_) / std::chrono::duration<double>(busy).count();
  const double previous = ack_bytes_per_second_.load(std::memory_order_relaxed);
  ack_bytes_per_second_.store(previous == 0 ? sample : previous + 0.25 * (sample - previous),
                              std::memory_order_relaxed);
  rate_window_bytes_ = 0;
  rate_window_busy_ = Clock::duration::zero();
  rate_window_start_ = now;
}

void StreamEngine::CloseSignalLocked(std::chrono::milliseconds duration) {
  ++stats_.close_signals;
  // Without recovery the signal is ignored: the server ends the stream when the time is up.
  if (!config_.options.recovery || phase_ != Phase::kOpen) return;
  auto wait = duration - kDrainBudget;
  if (config_.options.stream_paused_max_wait) {
    wait = std::min(wait, *config_.options.stream_paused_max_wait);
  }
  phase_ = Phase::kPaused;
  pause_deadline_ = Clock::now() + std::max(wait, std::chrono::milliseconds(0));
  changed_.notify_all();
}

void StreamEngine::OnEnded(uint64_t generation, Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  --live_connections_;
  ended_generations_.insert(generation);
  if (generation == generation_) {
    if (phase_ == Phase::kOpen || phase_ == Phase::kPaused) pending_failure_ = status;
    ended_ = std::move(status);
  }
  changed_.notify_all();
}

// ---- supervision: failures, lack of acks, close signals, deadlines ----

StreamEngine::Clock::time_point StreamEngine::AckDeadlineLocked() const {
  if (entries_.empty()) return Clock::time_point::max();
  return entries_.front().queued + config_.options.flush_timeout;
}

Status StreamEngine::AckDeadlineError() const {
  return Status(StatusCode::kDeadlineExceeded, ErrorKind::kTransmission,
                "Request " + std::to_string(entries_.front().offset) + " of " + Name() +
                    " was not acknowledged within flush_timeout (" +
                    Millis(config_.options.flush_timeout) + ") of being queued; " +
                    std::to_string(entries_.size()) + " request(s) unacknowledged",
                /*retryable=*/true);
}

void StreamEngine::DrainLocked(std::unique_lock<std::mutex>& lock) {
  phase_ = Phase::kRotating;
  if (sent_ == 0 || connection_ == nullptr) return;
  const uint64_t generation = generation_;
  connection_->HalfClose();
  changed_.wait_for(lock, kDrainBudget, [&] {
    return sent_ == 0 || ended_.has_value() || shutting_down_ || generation_ != generation;
  });
}

void StreamEngine::SupervisorLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  const StreamOptions& options = config_.options;
  while (!shutting_down_) {
    if (phase_ == Phase::kFailed || phase_ == Phase::kClosed || phase_ == Phase::kClosing) {
      changed_.wait(lock);
      continue;
    }
    const auto now = Clock::now();
    if (now >= AckDeadlineLocked()) {
      FailLocked(lock, AckDeadlineError());
      continue;
    }
    const auto lack_of_ack_deadline = sent_ > 0
                                          ? std::max(last_progress_, entries_.front().written) +
                                                options.server_lack_of_ack_timeout
                                          : Clock::time_point::max();
    std::optional<Status> failure;
    std::string reconnect_reason;
    if (pending_failure_) {
      failure = std::move(*pending_failure_);
      pending_failure_.reset();
    } else if (phase_ == Phase::kPaused && (sent_ == 0 || now >= pause_deadline_)) {
      DrainLocked(lock);
      if (shutting_down_) break;
      reconnect_reason = "the server's close signal (stream rotation)";
    } else if (phase_ == Phase::kOpen && now >= lack_of_ack_deadline) {
      failure = Status(StatusCode::kDeadlineExceeded, ErrorKind::kTransmission,
                       "Server ack timeout: no acknowledgement on " + Name() + " for " +
                           Millis(options.server_lack_of_ack_timeout) + " while " +
                           std::to_string(sent_) + " request(s) were unacknowledged",
                       /*retryable=*/true);
    }
    if (failure) {
      if (auto final_error = SpendRetry(*failure, /*opening=*/false)) {
        FailLocked(lock, *final_error);
        continue;
      }
      reconnect_reason = failure->message();
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
    auto wake = AckDeadlineLocked();
    if (phase_ == Phase::kPaused) wake = std::min(wake, pause_deadline_);
    if (phase_ == Phase::kOpen) wake = std::min(wake, lack_of_ack_deadline);
    if (wake == Clock::time_point::max()) {
      changed_.wait(lock);
    } else {
      changed_.wait_until(lock, wake);
    }
  }
}

void StreamEngine::FailLocked(std::unique_lock<std::mutex>& lock, Status status) {
  FoldConnectionLocked();
  phase_ = Phase::kFailed;
  failure_ = status;
  if (connection_) connection_->Cancel();
  changed_.notify_all();
  Deliver(lock, NamesLocked(), status);
  failure_delivered_ = true;
  changed_.notify_all();
}

std::vector<StreamEngine::Entry> StreamEngine::NamesLocked() const {
  // The entries stay (TakeUnacked hands them out): the observer hears of them by their names.
  std::vector<Entry> names;
  names.reserve(entries_.size());
  for (const Entry& entry : entries_) {
    Entry& named = names.emplace_back();
    named.offset = entry.offset;
    named.request.tag = entry.request.tag;
    named.request.records = entry.request.records;
    named.request.bytes = entry.request.bytes;
    named.sends = entry.sends;
    named.first_sent = entry.first_sent;
  }
  return names;
}

void StreamEngine::Deliver(std::unique_lock<std::mutex>& lock, std::vector<Entry> entries,
                           Status failure) {
  if (entries.empty()) return;
  if (config_.instruments) {
    const auto now = Clock::now();
    for (const Entry& entry : entries) {
      const double ack_seconds = std::chrono::duration<double>(now - entry.first_sent).count();
      config_.instruments->RequestResolved(
          entry.request.bytes, failure.ok() && entry.sends > 0 ? &ack_seconds : nullptr);
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
  resolved.lane = config_.lane;
  lock.unlock();
  for (const Entry& entry : entries) {
    resolved.tag = entry.request.tag;
    resolved.offset = entry.offset;
    resolved.record_count = entry.request.records;
    resolved.sends = entry.sends;
    if (failure.ok()) {
      config_.observer->OnAcked(resolved);
    } else {
      config_.observer->OnFailed(resolved, failure);
    }
  }
  entries.clear();  // the bodies (and their memory) go outside the stream's lock
  deliver.unlock();
  lock.lock();
  if (failure.ok() && last_offset > delivered_offset_) {
    delivered_offset_ = last_offset;
    changed_.notify_all();
  }
}

// ---- the caller's side ----

Status StreamEngine::ClosedError() const {
  std::string name = Name();
  name[0] = 'T';
  return Status(StatusCode::kFailedPrecondition, ErrorKind::kTransmission, name + " is closed");
}

void StreamEngine::UpdateOutstandingLocked() {
  outstanding_bytes_.store(window_bytes_, std::memory_order_relaxed);
}

Result<int64_t> StreamEngine::Send(StreamRequest request) {
  if (request.records <= 0 || request.body == nullptr || request.units < 1) {
    return Status(StatusCode::kInvalidArgument, ErrorKind::kTransmission,
                  "A request for table " + config_.table + " needs at least one record");
  }
  if (protocol_->resumes() && request.units != 1) {
    return Status(StatusCode::kInvalidArgument, ErrorKind::kTransmission,
                  "A request on " + Name() + " is acknowledged whole (one unit), not in " +
                      std::to_string(request.units) + " units");
  }
  std::unique_lock<std::mutex> lock(mu_);
  const StreamOptions& options = config_.options;
  auto admitted = [&] {
    if (phase_ == Phase::kFailed || close_result_ || shutting_down_) return true;
    if (entries_.empty()) return true;  // one request always fits, however large
    return static_cast<int64_t>(entries_.size()) < options.max_inflight_requests &&
           window_bytes_ + request.bytes <= options.max_inflight_bytes;
  };
  // Bounded: the oldest request fails the stream at its flush_timeout deadline.
  changed_.wait(lock, admitted);
  if (phase_ == Phase::kFailed) return failure_;
  if (close_result_ || shutting_down_ || phase_ == Phase::kClosing) return ClosedError();
  if (config_.journal != nullptr) {
    ARROW_ZEROBUS_RETURN_NOT_OK(
        config_.journal->Record(stats_.stream_id, config_.lane, next_offset_, request.tag));
  }
  Entry entry;
  entry.offset = next_offset_++;
  entry.queued = Clock::now();
  window_bytes_ += request.bytes;
  if (config_.instruments) config_.instruments->RequestQueued(request.bytes);
  entry.request = std::move(request);
  const bool was_empty = entries_.empty();
  if (was_empty) rate_window_start_ = entry.queued;  // busy again: the rate window starts
  entries_.push_back(std::move(entry));
  UpdateOutstandingLocked();
  SendPendingLocked();
  // The supervisor arms the ack deadline of the new oldest request.
  if (was_empty) changed_.notify_all();
  return next_offset_ - 1;
}

StreamEngine::Clock::time_point StreamEngine::DeadlineOr(
    std::optional<Clock::time_point> deadline) const {
  return deadline ? *deadline : Clock::now() + config_.options.flush_timeout;
}

Status StreamEngine::WaitForOffsetLocked(std::unique_lock<std::mutex>& lock, int64_t offset,
                                         Clock::time_point deadline) {
  if (offset >= next_offset_) {
    return Status(StatusCode::kInvalidArgument, ErrorKind::kTransmission,
                  "Offset " + std::to_string(offset) + " was never issued (next is " +
                      std::to_string(next_offset_) + ")");
  }
  const auto started = Clock::now();
  changed_.wait_until(lock, deadline, [&] {
    return delivered_offset_ >= offset || failure_delivered_ || phase_ == Phase::kClosed;
  });
  if (delivered_offset_ >= offset) return Status::OK();
  if (phase_ == Phase::kFailed) return failure_;
  if (phase_ == Phase::kClosed) return ClosedError();
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  Status timed_out(StatusCode::kDeadlineExceeded, ErrorKind::kTransmission,
                   "Flush timed out after " + Millis(waited) + ": " +
                       std::to_string(entries_.size()) + " request(s) of " + Name() +
                       " still unacknowledged",
                   /*retryable=*/true);
  // What the wait gave up on is reported failed now, not acknowledged later behind its back.
  FailLocked(lock, timed_out);
  return timed_out;
}

Status StreamEngine::WaitForOffset(int64_t offset, std::optional<Clock::time_point> deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return WaitForOffsetLocked(lock, offset, DeadlineOr(deadline));
}

Status StreamEngine::Flush(std::optional<Clock::time_point> deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  if (phase_ == Phase::kFailed) {
    changed_.wait(lock, [&] { return failure_delivered_; });
    return failure_;
  }
  if (next_offset_ == 0 || delivered_offset_ == next_offset_ - 1) return Status::OK();
  return WaitForOffsetLocked(lock, next_offset_ - 1, DeadlineOr(deadline));
}

Status StreamEngine::Close(std::optional<Clock::time_point> deadline) {
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
    flushed = WaitForOffsetLocked(lock, next_offset_ - 1, DeadlineOr(deadline));
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
      // Sent while the flush waited: the observer hears of them.
      Deliver(lock, NamesLocked(), ClosedError());
    }
  }
  shutting_down_ = true;
  close_result_ = flushed;
  changed_.notify_all();
  lock.unlock();
  if (supervisor_.joinable()) supervisor_.join();
  return flushed;
}

void StreamEngine::CancelOpen(const Status& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  open_cancelled_ = reason;
  shutting_down_ = true;
  changed_.notify_all();
}

void StreamEngine::Abort(const Status& reason) {
  std::unique_lock<std::mutex> lock(mu_);
  if (phase_ == Phase::kFailed || phase_ == Phase::kClosed || close_result_) return;
  FailLocked(lock, reason);
}

Result<std::vector<StreamEngine::Unacked>> StreamEngine::TakeUnacked() {
  std::lock_guard<std::mutex> lock(mu_);
  if (phase_ != Phase::kFailed && phase_ != Phase::kClosed) {
    return Status(StatusCode::kFailedPrecondition, ErrorKind::kTransmission,
                  "Unacknowledged requests can be taken only from a closed or failed stream");
  }
  std::vector<Unacked> unacked;
  for (Entry& entry : entries_) {
    unacked.push_back(Unacked{std::move(entry.request), entry.durable_units});
  }
  entries_.clear();
  window_bytes_ = 0;
  UpdateOutstandingLocked();
  return unacked;
}

Status StreamEngine::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failure_;
}

StreamStats StreamEngine::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace arrow_zerobus::stream
