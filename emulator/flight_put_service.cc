#include "flight_put_service.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <arrow/record_batch.h>

#include "arrow_stream_file.h"
#include "auth/oauth_request.h"
#include "call_checks.h"
#include "flight_ipc.h"
#include "schema_refusal.h"

namespace arrow_zerobus::emulator {
namespace {

using SteadyClock = std::chrono::steady_clock;
using BatchPtr = std::shared_ptr<arrow::RecordBatch>;

grpc::Status Refusal(grpc::StatusCode code, std::string message) {
  return grpc::Status(code, std::move(message));
}

Status Invalid(std::string message) {
  return Status(StatusCode::kInvalidArgument, ErrorKind::kTransmission, std::move(message));
}

/// What a PutResult acknowledges: the data messages up to `offset`, `records` rows in all.
struct Ack {
  int64_t offset = -1;
  int64_t records = 0;
};

/// A PutResult waiting to be written besides the acks: READY, or a close signal.
struct Outgoing {
  std::optional<std::chrono::milliseconds> close_after;  ///< set: a close signal
};

// One DoPut RPC, built like the EphemeralStream reactor: every reaction takes mu_; gRPC operations
// are started with mu_ held, which is safe because the callback API never runs a reaction inline
// from Start*/Finish. Lifetime: one reference for gRPC (dropped in OnDone) and one per scheduled
// task.
class FlightPutReactor final : public grpc::ServerGenericBidiReactor {
 public:
  FlightPutReactor(EmulatorState* state, grpc::GenericCallbackServerContext* ctx)
      : state_(state), ctx_(ctx) {
    std::lock_guard<std::mutex> lock(mu_);
    StartSendInitialMetadata();  // the service sends response headers at once
    StartRead(&read_buffer_);
  }

  void OnReadDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!ok) {
      read_closed_ = true;  // the client half-closed or went away
      PumpLocked();
      return;
    }
    if (finish_requested_) return;
    HandleMessageLocked();
    if (!finish_requested_) StartRead(&read_buffer_);
    PumpLocked();
  }

  void OnSendInitialMetadataDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    headers_sent_ = true;
    PumpLocked();
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    if (!ok) EndLocked(Refusal(grpc::StatusCode::CANCELLED, "Client went away"), true);
    PumpLocked();
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    EndLocked(Refusal(grpc::StatusCode::CANCELLED, "Stream cancelled by the client"), true);
    PumpLocked();
  }

  void OnDone() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      landing_.reset();  // writes the end-of-stream marker
    }
    Unref();
  }

 private:
  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  // Runs `task` under mu_ at `when`, unless the RPC has finished by then or the emulator stops.
  template <typename Task>
  void ScheduleLocked(SteadyClock::time_point when, Task task) {
    Ref();
    state_->scheduler().RunAt(when, [this, task = std::move(task)](bool on_time) mutable {
      if (on_time) {
        std::lock_guard<std::mutex> lock(mu_);
        if (!finish_called_) task();
      }
      Unref();
    });
  }

  // Asks for the RPC to end with `status` once queued messages are written (all of them are
  // dropped when `drop_queued`: a cut connection loses its unsent acks).
  void EndLocked(grpc::Status status, bool drop_queued) {
    if (finish_requested_) return;
    finish_requested_ = true;
    finish_status_ = std::move(status);
    if (drop_queued) {
      dropping_ = true;
      queued_.clear();
    }
  }

  // Writes what is due next, or finishes the RPC when nothing is left to write.
  void PumpLocked() {
    if (finish_called_) return;
    if (!writing_ && !dropping_) {
      if (opened_ && !silenced_ && due_.offset > last_sent_.offset) {
        last_sent_ = due_;
        StartWriteLocked(PutResultMessage(due_.offset, due_.records));
        state_->Count(table_, &TableCounters::acks);
      } else if (!queued_.empty()) {
        const Outgoing next = queued_.front();
        queued_.pop_front();
        // A close signal repeats the latest ack, so that it parses as an ack too.
        StartWriteLocked(next.close_after ? PutResultMessage(last_sent_.offset, last_sent_.records,
                                                             next.close_after->count())
                                          : PutResultMessage(-1, 0));
      }
    }
    if (writing_) return;
    if (!finish_requested_ && read_closed_ && !setup_reply_pending_) {
      const bool acks_settled =
          silenced_ || (delayed_acks_.empty() && due_.offset == last_sent_.offset);
      if (acks_settled && queued_.empty()) EndLocked(grpc::Status::OK, false);
    }
    // A status finishing the RPC before its headers went out would make a trailers-only response,
    // which the SDKs report as a failed call, not as the setup refusal (an InvalidSchema) it is.
    if (finish_requested_ && headers_sent_ && (dropping_ || queued_.empty())) {
      finish_called_ = true;
      Finish(finish_status_);
    }
  }

  void StartWriteLocked(grpc::ByteBuffer message) {
    write_buffer_ = std::move(message);
    writing_ = true;
    StartWrite(&write_buffer_);
  }

  void HandleMessageLocked() {
    auto message = ReadFlightData(&read_buffer_);
    if (!message.ok()) {
      EndLocked(ToGrpc(message.status()), true);
      return;
    }
    if (!schema_seen_) {
      schema_seen_ = true;
      HandleSchemaLocked(*message);
      return;
    }
    HandleDataLocked(*message);
  }

  // ---- setup: the schema message, then READY ----

  void HandleSchemaLocked(const FlightMessage& message) {
    grpc::Status refused = ValidateSetupLocked(message);
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
    stream_id_ = state_->NewStreamId();
    ack_delay_ = state_->AckDelay(table_);
    kill_every_ = state_->KillEveryRequests(table_);
    OpenLandingFileLocked();
    AfterSetupDelayLocked(state_->CreateDelay(table_), [this] { ReplyReadyLocked(); });
  }

  // Runs `reply` now, or after `delay` with the setup reply pending meanwhile.
  template <typename Reply>
  void AfterSetupDelayLocked(std::chrono::milliseconds delay, Reply reply) {
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

  grpc::Status ValidateSetupLocked(const FlightMessage& message) {
    const std::optional<std::string> header = ClientMetadata(*ctx_, kTableHeader);
    if (!header) {
      return Refusal(grpc::StatusCode::INVALID_ARGUMENT,
                     std::string("Missing the ") + kTableHeader + " header");
    }
    auto table_name = auth::ParseTableName(*header);
    if (!table_name.ok()) return ToGrpc(table_name.status());
    table_ = *header;
    if (grpc::Status caller = CheckCaller(state_, *ctx_, table_); !caller.ok()) return caller;

    if (message.ipc == nullptr || message.ipc->type() != arrow::ipc::MessageType::SCHEMA) {
      const std::string expected =
          "The first FlightData of a DoPut must carry the Arrow IPC schema message, not ";
      return Refusal(grpc::StatusCode::INVALID_ARGUMENT, expected + DescribeMessage(message));
    }
    auto schema = ReadSchemaMessage(*message.ipc);
    if (!schema.ok()) return ToGrpc(schema.status());
    schema_ = *schema;
    if (auto field = FindDictionaryField(*schema_)) {
      return Refusal(grpc::StatusCode::INVALID_ARGUMENT,
                     "Field '" + *field +
                         "' is dictionary-encoded, but Zerobus takes no dictionary messages: "
                         "send its values as a plain array");
    }
    return CheckSchemaFitsLocked();
  }

  grpc::Status CheckSchemaFitsLocked() {
    const auto columns = state_->DeclaredColumns(table_);
    if (!columns) return grpc::Status::OK;  // an undeclared (accepted) table takes any schema
    auto mismatches = CheckArrowSchemaFitsTable(*schema_, *columns);
    if (!mismatches.ok()) return ToGrpc(mismatches.status());
    if (mismatches->empty()) return grpc::Status::OK;
    return SchemaValidationFailed(*mismatches);
  }

  void ReplyReadyLocked() {
    opened_ = true;
    state_->Count(table_, &TableCounters::streams_created);
    queued_.push_back(Outgoing{});
  }

  void OpenLandingFileLocked() {
    const auto& dir = state_->options().data_dir;
    if (dir.empty() || state_->options().light) return;
    std::error_code error;
    std::filesystem::create_directories(dir / table_, error);
    auto file = ArrowStreamFile::Open(dir / table_ / (stream_id_ + ".arrows"), schema_);
    if (file.ok()) landing_ = std::move(file).value();
  }

  // ---- data messages ----

  Result<BatchPtr> CheckDataLocked(const FlightMessage& message) const {
    if (!opened_) {
      return Invalid("A data FlightData arrived before the stream was ready (the first PutResult)");
    }
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(const int64_t offset, ParseOffsetId(message.app_metadata));
    if (offset != expected_offset_) {
      return Invalid("Non-incremental offset: expected " + std::to_string(expected_offset_) +
                     ", actual " + std::to_string(offset));
    }
    const std::string at = "The FlightData with offset_id " + std::to_string(offset);
    if (message.ipc != nullptr &&
        message.ipc->type() == arrow::ipc::MessageType::DICTIONARY_BATCH) {
      return Invalid(at +
                     " carries an Arrow dictionary batch; dictionary messages are not supported "
                     "(send dictionary-encoded columns as plain arrays)");
    }
    if (message.ipc == nullptr || message.ipc->type() != arrow::ipc::MessageType::RECORD_BATCH) {
      return Invalid(at + " carries " + DescribeMessage(message) + ", not a record batch");
    }
    // Read with the stream's schema, so a batch that decodes has exactly the declared schema.
    auto batch = ReadBatchMessage(*message.ipc, schema_);
    if (!batch.ok()) {
      return Invalid(at +
                     " is not a record batch of the stream's schema: " + batch.status().message());
    }
    if ((*batch)->num_rows() == 0) return Invalid(at + " carries a record batch with no rows");
    if (!state_->options().light) {
      const arrow::Status valid = (*batch)->ValidateFull();
      if (!valid.ok()) return Invalid(at + " carries invalid Arrow data: " + valid.message());
    }
    return batch;
  }

  void HandleDataLocked(const FlightMessage& message) {
    auto batch = CheckDataLocked(message);
    if (!batch.ok()) {
      EndLocked(ToGrpc(batch.status()), true);
      return;
    }
    ++requests_on_connection_;
    const std::optional<StreamEvent> event = TakeEventLocked();
    if (event && (event->kind == StreamEvent::Kind::kError ||
                  event->kind == StreamEvent::Kind::kUnavailable6002)) {
      // The message is refused: nothing of it lands.
      EndLocked(event->kind == StreamEvent::Kind::kError
                    ? Refusal(static_cast<grpc::StatusCode>(event->code), event->message)
                    : Refusal(grpc::StatusCode::UNAVAILABLE, StreamTimeoutMessage(stream_id_)),
                /*drop_queued=*/false);  // not a cut connection: acks already due still go out
      return;
    }
    const int64_t offset = expected_offset_++;
    rows_on_connection_ += (*batch)->num_rows();
    if (landing_) (void)landing_->Write(**batch);
    state_->LandBatch(table_, std::move(batch).value(), message.body_bytes);
    if (KillDueLocked(event)) return;
    AckLocked({offset, rows_on_connection_});
    if (event) ApplyEventLocked(*event);
  }

  // The script's next event when it fires at this message, consumed.
  std::optional<StreamEvent> TakeEventLocked() {
    auto pending = state_->PendingEvent(table_);
    if (pending && pending->second.after_requests == requests_on_connection_ &&
        state_->ConsumeEvent(table_, pending->first)) {
      return pending->second;
    }
    return std::nullopt;
  }

  // Cuts the connection when a kill is due: the message landed but is never acked.
  bool KillDueLocked(const std::optional<StreamEvent>& event) {
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

  void AckLocked(Ack ack) {
    if (ack_delay_.count() == 0) {
      due_ = ack;
      return;
    }
    delayed_acks_.push_back({ack, SteadyClock::now() + ack_delay_});
    ArmAckTimerLocked();
  }

  void ApplyEventLocked(const StreamEvent& event) {
    switch (event.kind) {
      case StreamEvent::Kind::kCloseSignal:
        state_->Count(table_, &TableCounters::close_signals);
        queued_.push_back(Outgoing{event.duration});
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
      case StreamEvent::Kind::kError:
      case StreamEvent::Kind::kUnavailable6002:
      case StreamEvent::Kind::kKill:
        return;  // handled where the message is checked
    }
  }

  void ArmAckTimerLocked() {
    if (ack_timer_armed_ || delayed_acks_.empty()) return;
    ack_timer_armed_ = true;
    ScheduleLocked(delayed_acks_.front().due, [this] {
      ack_timer_armed_ = false;
      const auto now = SteadyClock::now();
      while (!delayed_acks_.empty() && delayed_acks_.front().due <= now) {
        due_ = delayed_acks_.front().ack;
        delayed_acks_.pop_front();
      }
      ArmAckTimerLocked();
      PumpLocked();
    });
  }

  struct DelayedAck {
    Ack ack;
    SteadyClock::time_point due;
  };

  EmulatorState* const state_;
  grpc::GenericCallbackServerContext* const ctx_;
  std::atomic<int> refs_{1};

  std::mutex mu_;
  grpc::ByteBuffer read_buffer_;
  grpc::ByteBuffer write_buffer_;
  std::deque<Outgoing> queued_;
  bool headers_sent_ = false;
  bool writing_ = false;
  bool read_closed_ = false;
  bool finish_requested_ = false;
  bool finish_called_ = false;
  bool dropping_ = false;
  grpc::Status finish_status_;

  bool schema_seen_ = false;
  bool setup_reply_pending_ = false;
  bool opened_ = false;  ///< READY was queued
  std::string table_;
  std::string stream_id_;
  std::shared_ptr<arrow::Schema> schema_;
  std::unique_ptr<ArrowStreamFile> landing_;
  std::chrono::milliseconds ack_delay_{0};
  int64_t kill_every_ = 0;

  int64_t expected_offset_ = 0;
  int64_t requests_on_connection_ = 0;
  int64_t rows_on_connection_ = 0;
  Ack due_;
  Ack last_sent_;
  std::deque<DelayedAck> delayed_acks_;
  bool ack_timer_armed_ = false;
  bool silenced_ = false;
};

}  // namespace

grpc::ServerGenericBidiReactor* NewFlightPutReactor(EmulatorState* state,
                                                    grpc::GenericCallbackServerContext* ctx) {
  return new FlightPutReactor(state, ctx);
}

}  // namespace arrow_zerobus::emulator
