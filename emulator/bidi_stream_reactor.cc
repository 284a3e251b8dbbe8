#include "bidi_stream_reactor.h"

#include <algorithm>
#include <utility>

#include "auth/oauth_request.h"
#include "call_checks.h"
#include "common/happens_before.h"

namespace arrow_zerobus::emulator {
namespace {

using SteadyClock = std::chrono::steady_clock;

/// How far an ack_beyond ack claims past what the connection received.
constexpr int64_t kAckBeyondMargin = 5;

grpc::Status Refusal(grpc::StatusCode code, std::string message) {
  return grpc::Status(code, std::move(message));
}

/// Of two acks, the one that reaches further.
AckPosition Further(const AckPosition& a, const AckPosition& b) {
  return b.offset > a.offset ? b : a;
}

}  // namespace

BidiStreamReactor::BidiStreamReactor(EmulatorState* state, grpc::GenericCallbackServerContext* ctx)
    : state_(state), ctx_(ctx), quota_(state->quotas()) {
  std::lock_guard<std::mutex> lock(mu_);
  // The official clients wait for response headers before they send their first message.
  StartSendInitialMetadata();
  StartRead(&read_buffer_);
  HappensBefore(this);
}

void BidiStreamReactor::OnReadDone(bool ok) {
  const HappensBeforeOnExit before_on_done(this);
  std::lock_guard<std::mutex> lock(mu_);
  if (!ok) {
    read_closed_ = true;  // the client half-closed or went away
    PumpLocked();
    return;
  }
  if (finish_requested_) return;
  if (!setup_seen_) {
    setup_seen_ = true;
    SetUpLocked(&read_buffer_);
  } else {
    HandleRequestLocked(&read_buffer_);
  }
  if (!finish_requested_) StartRead(&read_buffer_);
  PumpLocked();  // a refused message ended the RPC: Finish it now, not at the next write
}

void BidiStreamReactor::OnSendInitialMetadataDone(bool /*ok*/) {
  const HappensBeforeOnExit before_on_done(this);
  std::lock_guard<std::mutex> lock(mu_);
  headers_sent_ = true;
  PumpLocked();
}

void BidiStreamReactor::OnWriteDone(bool ok) {
  const HappensBeforeOnExit before_on_done(this);
  std::lock_guard<std::mutex> lock(mu_);
  writing_ = false;
  if (!ok) EndLocked(Refusal(grpc::StatusCode::CANCELLED, "Client went away"), true);
  PumpLocked();
}

// gRPC runs OnCancel and OnDone on threads it picks, after the constructor (and OnDone after every
// other reaction), through synchronization ThreadSanitizer cannot see: hence the annotations.
void BidiStreamReactor::OnCancel() {
  HappensAfter(this);
  const HappensBeforeOnExit before_on_done(this);
  std::lock_guard<std::mutex> lock(mu_);
  EndLocked(Refusal(grpc::StatusCode::CANCELLED, "Stream cancelled by the client"), true);
  PumpLocked();
}

void BidiStreamReactor::OnDone() {
  HappensAfter(this);
  {
    std::lock_guard<std::mutex> lock(mu_);
    OnRpcDoneLocked();
  }
  Unref();
}

void BidiStreamReactor::Unref() {
  EmulatorState* const state = state_;
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    delete this;
    HappensBefore(state);  // the Emulator's destructor comes after, once gRPC has shut down
  }
}

grpc::Status BidiStreamReactor::ReadTableHeader(std::string* table) const {
  std::optional<std::string> header = ClientMetadata(*ctx_, kTableHeader);
  if (!header) {
    return Refusal(grpc::StatusCode::INVALID_ARGUMENT,
                   std::string("Missing the ") + kTableHeader + " header");
  }
  *table = std::move(*header);
  return grpc::Status::OK;
}

grpc::Status BidiStreamReactor::AdmitCallerLocked(const std::string& table) {
  auto table_name = auth::ParseTableName(table);
  if (!table_name.ok()) return ToGrpc(table_name.status());
  table_ = table;
  return CheckCaller(state_, *ctx_, table_);
}

grpc::Status BidiStreamReactor::CheckNextOffsetLocked(int64_t offset) const {
  const int64_t expected = landed_.offset + 1;
  if (offset == expected) return grpc::Status::OK;
  return Refusal(grpc::StatusCode::INVALID_ARGUMENT, "Non-incremental offset: expected " +
                                                         std::to_string(expected) + ", actual " +
                                                         std::to_string(offset));
}

void BidiStreamReactor::ContinueStreamLocked(std::string stream_id, int64_t last_offset) {
  stream_id_ = std::move(stream_id);
  landed_ = {last_offset, 0};
  due_ = landed_;
  sent_ = landed_;
}

// ---- scheduling and writing ----

// Runs `task` under mu_ at `when`, unless the RPC has finished by then or the emulator stops.
template <typename Task>
void BidiStreamReactor::ScheduleLocked(SteadyClock::time_point when, Task task) {
  Ref();
  state_->scheduler().RunAt(when, [this, task = std::move(task)](bool on_time) mutable {
    if (on_time) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!finish_called_) task();
    }
    Unref();
  });
}

// Runs `reply` now, or after `delay` with the setup reply pending meanwhile.
template <typename Reply>
void BidiStreamReactor::AfterSetupDelayLocked(std::chrono::milliseconds delay, Reply reply) {
  if (delay.count() == 0) {
    reply();
    return;
  }
  setup_reply_pending_ = true;
  ScheduleLocked(SteadyClock::now() + delay, [this, reply = std::move(reply)]() mutable {
    setup_reply_pending_ = false;
    reply();
    PumpLocked();
  });
}

// Asks for the RPC to end with `status` once queued messages are written (all of them are dropped
// when `drop_queued`: a cut connection loses its unsent acks).
void BidiStreamReactor::EndLocked(grpc::Status status, bool drop_queued) {
  if (finish_requested_) return;
  finish_requested_ = true;
  finish_status_ = std::move(status);
  if (drop_queued) {
    dropping_ = true;
    queued_.clear();
  }
}

// Writes what is due next, or finishes the RPC when nothing is left to write.
void BidiStreamReactor::PumpLocked() {
  if (finish_called_) return;
  if (!writing_ && !dropping_) WriteNextLocked();
  if (writing_) return;
  if (!finish_requested_ && read_closed_ && !setup_reply_pending_ && queued_.empty() &&
      AcksSettledLocked()) {
    EndLocked(grpc::Status::OK, false);
  }
  // A status finishing the RPC before its headers went out would make a trailers-only response,
  // which the SDKs report as a failed call, not as the refusal it is.
  if (finish_requested_ && headers_sent_ && (dropping_ || queued_.empty())) {
    finish_called_ = true;
    Finish(finish_status_);
  }
}

// Acks go before queued messages; an ack_backwards ack right after the ack it follows.
void BidiStreamReactor::WriteNextLocked() {
  const bool acking = opened_ && !silenced_;
  if (acking && !lower_acks_.empty() && lower_acks_.front().after_offset <= sent_.offset) {
    StartWriteLocked(AckMessage(lower_acks_.front().ack));
    lower_acks_.pop_front();
    state_->Count(table_, &TableCounters::acks);
  } else if (acking && due_.offset > sent_.offset) {
    sent_ = due_;
    StartWriteLocked(AckMessage(sent_));
    state_->Count(table_, &TableCounters::acks);
  } else if (!queued_.empty()) {
    Outgoing next = std::move(queued_.front());
    queued_.pop_front();
    StartWriteLocked(next.close_signal ? CloseSignalMessage(*next.close_signal, sent_)
                                       : std::move(next.message));
  }
}

void BidiStreamReactor::StartWriteLocked(grpc::ByteBuffer message) {
  write_buffer_ = std::move(message);
  writing_ = true;
  StartWrite(&write_buffer_);
}

bool BidiStreamReactor::AcksSettledLocked() const {
  return silenced_ || (delayed_acks_.empty() && lower_acks_.empty() && due_.offset <= sent_.offset);
}

// ---- the first message ----

void BidiStreamReactor::SetUpLocked(grpc::ByteBuffer* message) {
  grpc::Status refused = CheckSetupLocked(message);
  std::chrono::milliseconds refusal_delay{0};
  if (refused.ok()) {
    // A scripted create failure applies to a setup that would otherwise succeed.
    if (auto fault = state_->TakeCreateFault(table_); fault && fault->code != StatusCode::kOk) {
      refused = Refusal(static_cast<grpc::StatusCode>(fault->code), fault->message);
      refusal_delay = fault->delay;
    }
  }
  if (!refused.ok()) {
    if (!table_.empty()) state_->Count(table_, &TableCounters::streams_refused);
    AfterSetupDelayLocked(refusal_delay, [this, refused] { EndLocked(refused, true); });
    return;
  }
  if (stream_id_.empty()) stream_id_ = state_->NewStreamId();
  ack_delay_ = state_->AckDelay(table_);
  kill_every_ = state_->KillEveryRequests(table_);
  AfterSetupDelayLocked(state_->CreateDelay(table_), [this] {
    grpc::ByteBuffer reply;
    grpc::Status opened = OpenStreamLocked(&reply);
    if (!opened.ok()) {
      state_->Count(table_, &TableCounters::streams_refused);
      EndLocked(std::move(opened), true);
      return;
    }
    opened_ = true;
    state_->Count(table_, &TableCounters::streams_created);
    queued_.push_back({std::move(reply), std::nullopt});
  });
}

// ---- requests ----

void BidiStreamReactor::HandleRequestLocked(grpc::ByteBuffer* message) {
  RequestSize size;
  grpc::Status refused = CheckRequestLocked(message, &size);
  if (!refused.ok()) {
    EndLocked(std::move(refused), true);
    return;
  }
  ++requests_on_connection_;
  const std::optional<StreamEvent> event = TakeEventLocked();
  if (event && event->kind == StreamEvent::Kind::kError) {
    // The request is refused: nothing of it lands. Not a cut connection: acks already due go out.
    EndLocked(Refusal(static_cast<grpc::StatusCode>(event->code), event->message), false);
    return;
  }
  if (event && event->kind == StreamEvent::Kind::kUnavailable6002) {
    EndLocked(Refusal(grpc::StatusCode::UNAVAILABLE, StreamTimeoutMessage(stream_id_)), false);
    return;
  }
  if (grpc::Status landed = LandRequestLocked(size); !landed.ok()) {
    EndLocked(std::move(landed), false);
    return;
  }
  landed_ = {landed_.offset + 1, landed_.records + size.records};
  recent_.push_back(landed_);
  if (recent_.size() > 3) recent_.pop_front();
  if (KillDueLocked(event)) return;
  if (event && event->kind == StreamEvent::Kind::kAckBeyond) {
    ScheduleAckLocked({landed_.offset + kAckBeyondMargin, landed_.records + kAckBeyondMargin},
                      size);
  } else {
    ScheduleAckLocked(landed_, size);
  }
  if (event) ApplyEventLocked(*event);
}

// The script's next event when it fires at this request, consumed.
// Streams of one table share its script: when another connection took the event this one saw
// pending, the next event is looked at (not none, which left a connection of a script that
// silences every connection acknowledging as if it had no script).
std::optional<StreamEvent> BidiStreamReactor::TakeEventLocked() {
  while (auto pending = state_->PendingEvent(table_)) {
    if (pending->second.after_requests != requests_on_connection_) return std::nullopt;
    if (state_->ConsumeEvent(table_, pending->first)) return pending->second;
  }
  return std::nullopt;
}

// Cuts the connection when a kill is due: the request landed but is never acked.
bool BidiStreamReactor::KillDueLocked(const std::optional<StreamEvent>& event) {
  const bool kill = (event && event->kind == StreamEvent::Kind::kKill) ||
                    (kill_every_ > 0 && requests_on_connection_ % kill_every_ == 0);
  if (!kill) return false;
  state_->Count(table_, &TableCounters::connections_killed);
  EndLocked(Refusal(grpc::StatusCode::UNAVAILABLE, "Connection reset (emulator fault after " +
                                                       std::to_string(requests_on_connection_) +
                                                       " requests)"),
            true);
  return true;
}

void BidiStreamReactor::ApplyEventLocked(const StreamEvent& event) {
  switch (event.kind) {
    case StreamEvent::Kind::kCloseSignal:
      state_->Count(table_, &TableCounters::close_signals);
      queued_.push_back({grpc::ByteBuffer(), event.duration});
      ScheduleLocked(SteadyClock::now() + event.duration, [this] {
        EndLocked(Refusal(grpc::StatusCode::UNAVAILABLE, StreamTimeoutMessage(stream_id_)), true);
        PumpLocked();
      });
      return;
    case StreamEvent::Kind::kSilence:
      silenced_ = true;
      if (event.duration.count() > 0) {
        ScheduleLocked(SteadyClock::now() + event.duration, [this] {
          silenced_ = false;
          PumpLocked();
        });
      }
      return;
    case StreamEvent::Kind::kExpireTokens:
      state_->tokens().ExpireTokensFor(table_);
      return;
    case StreamEvent::Kind::kAckBackwards:
      // The request two before this one, or the first: lower than this request's ack.
      lower_acks_.push_back({landed_.offset, recent_.front()});
      return;
    case StreamEvent::Kind::kError:
    case StreamEvent::Kind::kUnavailable6002:
    case StreamEvent::Kind::kKill:
    case StreamEvent::Kind::kAckBeyond:
      return;  // handled where the request lands
  }
}

// The ack is due once the script's ack delay has passed and the quotas have paid for the request;
// both only grow along a connection, so acks stay in order.
void BidiStreamReactor::ScheduleAckLocked(AckPosition ack, const RequestSize& size) {
  const auto now = SteadyClock::now();
  const auto due = std::max({now + ack_delay_, quota_.Charge(size.records, size.bytes, now),
                             state_->ChargeTableBytes(table_, size.bytes, now)});
  if (delayed_acks_.empty() && due <= now) {
    due_ = Further(due_, ack);
    return;
  }
  delayed_acks_.push_back({ack, due});
  ArmAckTimerLocked();
}

void BidiStreamReactor::ArmAckTimerLocked() {
  if (ack_timer_armed_ || delayed_acks_.empty()) return;
  ack_timer_armed_ = true;
  ScheduleLocked(delayed_acks_.front().due, [this] {
    ack_timer_armed_ = false;
    const auto now = SteadyClock::now();
    while (!delayed_acks_.empty() && delayed_acks_.front().due <= now) {
      due_ = Further(due_, delayed_acks_.front().ack);
      delayed_acks_.pop_front();
    }
    ArmAckTimerLocked();
    PumpLocked();
  });
}

}  // namespace arrow_zerobus::emulator
