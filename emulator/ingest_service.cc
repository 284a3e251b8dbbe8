#include "ingest_service.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include <grpcpp/support/byte_buffer.h>
#include <nlohmann/json.hpp>

#include "auth/oauth_request.h"
#include "call_checks.h"
#include "flight_put_service.h"
#include "record_decoder.h"
#include "zerobus/stream_messages.h"
#include "zerobus_service.pb.h"

namespace arrow_zerobus::emulator {
namespace {

namespace zb = ::databricks::zerobus;
using zerobus::ParsedRequest;
using SteadyClock = std::chrono::steady_clock;

constexpr char kMethod[] = "/databricks.zerobus.Zerobus/EphemeralStream";

grpc::Status Refusal(grpc::StatusCode code, std::string message) {
  return grpc::Status(code, std::move(message));
}

grpc::ByteBuffer Serialize(const zb::EphemeralStreamResponse& response) {
  std::string bytes = response.SerializeAsString();
  grpc::Slice slice(std::move(bytes));
  return grpc::ByteBuffer(&slice, 1);
}

std::string_view RecordTypeName(zb::RecordType type) { return type == zb::JSON ? "JSON" : "PROTO"; }

// One EphemeralStream RPC. Every reaction takes mu_; gRPC operations are started with mu_ held,
// which is safe because the callback API never runs a reaction inline from Start*/Finish.
// Lifetime: one reference for gRPC (dropped in OnDone) and one per scheduled task.
class StreamReactor final : public grpc::ServerGenericBidiReactor {
 public:
  StreamReactor(EmulatorState* state, grpc::GenericCallbackServerContext* ctx)
      : state_(state), ctx_(ctx) {
    std::lock_guard<std::mutex> lock(mu_);
    // The official clients wait for response headers before they send create_stream.
    StartSendInitialMetadata();
    if (ctx_->method() != kMethod) {
      EndLocked(Refusal(grpc::StatusCode::UNIMPLEMENTED,
                        "Method " + ctx_->method() + " is not served by the Zerobus emulator"),
                true);
      PumpLocked();
      return;
    }
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
    HandleRequestLocked();
    if (!finish_requested_) StartRead(&read_buffer_);
    PumpLocked();  // a refused request ended the RPC: Finish it now, not at the next write
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

  void OnDone() override { Unref(); }

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
      if (opened_ && !silenced_ && due_ack_ > last_sent_ack_) {
        zb::EphemeralStreamResponse ack;
        ack.mutable_ingest_record_response()->set_durability_ack_up_to_offset(due_ack_);
        last_sent_ack_ = due_ack_;
        StartWriteLocked(Serialize(ack));
        state_->Count(table_, &TableCounters::acks);
      } else if (!queued_.empty()) {
        grpc::ByteBuffer next = std::move(queued_.front());
        queued_.pop_front();
        StartWriteLocked(std::move(next));
      }
    }
    if (writing_) return;
    if (!finish_requested_ && read_closed_ && !create_reply_pending_) {
      const bool acks_settled = silenced_ || (delayed_acks_.empty() && due_ack_ == last_sent_ack_);
      if (acks_settled && queued_.empty()) EndLocked(grpc::Status::OK, false);
    }
    if (finish_requested_ && (dropping_ || queued_.empty())) {
      finish_called_ = true;
      Finish(finish_status_);
    }
  }

  void StartWriteLocked(grpc::ByteBuffer message) {
    write_buffer_ = std::move(message);
    writing_ = true;
    StartWrite(&write_buffer_);
  }

  void HandleRequestLocked() {
    std::string_view bytes;
    grpc::Slice slice;
    if (!read_buffer_.TrySingleSlice(&slice).ok() && !read_buffer_.DumpToSingleSlice(&slice).ok()) {
      EndLocked(Refusal(grpc::StatusCode::INTERNAL, "Could not read the request"), true);
      return;
    }
    bytes = {reinterpret_cast<const char*>(slice.begin()), slice.size()};
    Status parsed = zerobus::ParseStreamRequest(bytes, &request_);
    if (!parsed.ok()) {
      EndLocked(ToGrpc(parsed), true);
      return;
    }
    switch (request_.kind) {
      case ParsedRequest::Kind::kCreateStream:
        HandleCreateLocked();
        return;
      case ParsedRequest::Kind::kIngestRecord:
      case ParsedRequest::Kind::kIngestRecordBatch:
        HandleIngestLocked();
        return;
      case ParsedRequest::Kind::kNone:
        EndLocked(Refusal(grpc::StatusCode::INVALID_ARGUMENT,
                          "Request carries no create_stream, ingest_record or "
                          "ingest_record_batch"),
                  true);
        return;
    }
  }

  // ---- create_stream ----

  void HandleCreateLocked() {
    if (create_seen_) {
      EndLocked(Refusal(grpc::StatusCode::INVALID_ARGUMENT,
                        "create_stream may be sent only once, as the first message"),
                true);
      return;
    }
    create_seen_ = true;
    zb::CreateIngestStreamRequest create;
    if (!create.ParseFromArray(request_.create_stream.data(),
                               static_cast<int>(request_.create_stream.size()))) {
      EndLocked(Refusal(grpc::StatusCode::INVALID_ARGUMENT, "create_stream does not parse"), true);
      return;
    }
    grpc::Status refused = ValidateCreateLocked(create);
    if (refused.ok()) {
      auto fault = state_->TakeCreateFault(table_);
      if (fault && fault->code != StatusCode::kOk) {
        refused = Refusal(static_cast<grpc::StatusCode>(fault->code), fault->message);
        if (fault->delay.count() > 0) {
          state_->Count(table_, &TableCounters::streams_refused);
          create_reply_pending_ = true;
          ScheduleLocked(SteadyClock::now() + fault->delay, [this, refused] {
            create_reply_pending_ = false;
            EndLocked(refused, true);
            PumpLocked();
          });
          return;
        }
      }
    }
    if (!refused.ok()) {
      if (!table_.empty()) state_->Count(table_, &TableCounters::streams_refused);
      EndLocked(std::move(refused), true);
      return;
    }
    stream_id_ = state_->NewStreamId();
    ack_delay_ = state_->AckDelay(table_);
    kill_every_ = state_->KillEveryRequests(table_);
    OpenLandingFileLocked();
    const auto delay = state_->CreateDelay(table_);
    if (delay.count() > 0) {
      create_reply_pending_ = true;
      ScheduleLocked(SteadyClock::now() + delay, [this] {
        create_reply_pending_ = false;
        ReplyCreatedLocked();
        PumpLocked();
      });
      return;
    }
    ReplyCreatedLocked();
    PumpLocked();
  }

  grpc::Status ValidateCreateLocked(const zb::CreateIngestStreamRequest& create) {
    const std::optional<std::string> header = ClientMetadata(*ctx_, kTableHeader);
    if (!header) {
      return Refusal(grpc::StatusCode::INVALID_ARGUMENT,
                     std::string("Missing the ") + kTableHeader + " header");
    }
    if (!create.has_table_name() || create.table_name() != *header) {
      return Refusal(grpc::StatusCode::INVALID_ARGUMENT,
                     "create_stream names table '" + create.table_name() + "' but the " +
                         kTableHeader + " header names '" + *header + "'");
    }
    auto table_name = auth::ParseTableName(create.table_name());
    if (!table_name.ok()) return ToGrpc(table_name.status());
    table_ = create.table_name();
    if (grpc::Status caller = CheckCaller(state_, *ctx_, table_); !caller.ok()) return caller;

    record_type_ = create.has_record_type() ? create.record_type() : zb::PROTO;
    if (record_type_ != zb::PROTO && record_type_ != zb::JSON) {
      return Refusal(grpc::StatusCode::INVALID_ARGUMENT,
                     "record_type must be PROTO or JSON, not " +
                         std::to_string(static_cast<int>(record_type_)));
    }
    if (record_type_ == zb::PROTO) {
      auto decoder = RecordDecoder::FromDescriptorProto(create.descriptor_proto());
      if (!decoder.ok()) return ToGrpc(decoder.status());
      decoder_ = std::move(decoder).value();
      if (auto columns = state_->DeclaredColumns(table_)) {
        Status fits = CheckDescriptorFitsTable(decoder_->descriptor(), *columns);
        if (!fits.ok()) return ToGrpc(fits);
      }
    }
    return grpc::Status::OK;
  }

  void ReplyCreatedLocked() {
    opened_ = true;
    state_->Count(table_, &TableCounters::streams_created);
    zb::EphemeralStreamResponse created;
    created.mutable_create_stream_response()->set_stream_id(stream_id_);
    queued_.push_back(Serialize(created));
  }

  void OpenLandingFileLocked() {
    const auto& dir = state_->options().data_dir;
    if (dir.empty() || state_->options().light) return;
    std::error_code error;
    std::filesystem::create_directories(dir / table_, error);
    landing_.open(dir / table_ / (stream_id_ + ".jsonl"), std::ios::out | std::ios::trunc);
  }

  // ---- ingest requests ----

  grpc::Status CheckIngestLocked() {
    const std::string at = "request with offset_id " + std::to_string(request_.offset_id);
    if (!opened_) {
      return Refusal(grpc::StatusCode::INVALID_ARGUMENT,
                     "The first message of a stream must be create_stream");
    }
    if (!request_.has_offset) {
      return Refusal(grpc::StatusCode::INVALID_ARGUMENT, "Ingest request without offset_id");
    }
    if (request_.offset_id != expected_offset_) {
      return Refusal(grpc::StatusCode::INVALID_ARGUMENT,
                     "Non-incremental offset: expected " + std::to_string(expected_offset_) +
                         ", actual " + std::to_string(request_.offset_id));
    }
    if (request_.payload == ParsedRequest::Payload::kNone) {
      return Refusal(grpc::StatusCode::INVALID_ARGUMENT, "The " + at + " carries no records");
    }
    const bool json = request_.payload == ParsedRequest::Payload::kJson;
    if (json != (record_type_ == zb::JSON)) {
      return Refusal(grpc::StatusCode::INVALID_ARGUMENT,
                     "Record type mismatch: the stream was created for " +
                         std::string(RecordTypeName(record_type_)) + " records but the " + at +
                         " carries " + (json ? "JSON" : "PROTO") + " records");
    }
    const EmulatorOptions& options = state_->options();
    if (static_cast<int64_t>(read_size_) > options.max_request_bytes) {
      return Refusal(grpc::StatusCode::INVALID_ARGUMENT,
                     "The " + at + " is " + std::to_string(read_size_) +
                         " bytes; the maximum request size is " +
                         std::to_string(options.max_request_bytes) + " bytes");
    }
    record_bytes_ = 0;
    pending_lines_.clear();
    for (size_t i = 0; i < request_.records.size(); ++i) {
      const std::string_view record = request_.records[i];
      record_bytes_ += static_cast<int64_t>(record.size());
      // Built only for a refusal: this loop runs once per record.
      auto which = [&] { return "Record " + std::to_string(i) + " of the " + at; };
      if (static_cast<int64_t>(record.size()) > options.max_record_bytes) {
        return Refusal(grpc::StatusCode::INVALID_ARGUMENT,
                       which() + " is " + std::to_string(record.size()) +
                           " bytes; the maximum record size is " +
                           std::to_string(options.max_record_bytes) + " bytes");
      }
      if (options.light) continue;
      if (json) {
        auto value = nlohmann::json::parse(record, nullptr, /*allow_exceptions=*/false);
        if (!value.is_object()) {
          return Refusal(grpc::StatusCode::INVALID_ARGUMENT, which() + " is not a JSON object");
        }
        if (landing_.is_open()) pending_lines_.append(value.dump()).push_back('\n');
        continue;
      }
      Status decoded = decoder_->Decode(record, landing_.is_open() ? &json_line_ : nullptr);
      if (!decoded.ok()) {
        return Refusal(grpc::StatusCode::INVALID_ARGUMENT, which() + ": " + decoded.message());
      }
      if (landing_.is_open()) pending_lines_.append(json_line_).push_back('\n');
    }
    return grpc::Status::OK;
  }

  void HandleIngestLocked() {
    read_size_ = read_buffer_.Length();
    const int64_t offset = request_.offset_id;
    grpc::Status refused = CheckIngestLocked();
    if (!refused.ok()) {
      EndLocked(std::move(refused), true);
      return;
    }
    ++requests_on_connection_;
    std::optional<StreamEvent> event;
    if (auto pending = state_->PendingEvent(table_);
        pending && pending->second.after_requests == requests_on_connection_ &&
        state_->ConsumeEvent(table_, pending->first)) {
      event = pending->second;
    }
    if (event && (event->kind == StreamEvent::Kind::kError ||
                  event->kind == StreamEvent::Kind::kUnavailable6002)) {
      // The request is refused: nothing of it lands.
      EndLocked(event->kind == StreamEvent::Kind::kError
                    ? Refusal(static_cast<grpc::StatusCode>(event->code), event->message)
                    : Refusal(grpc::StatusCode::UNAVAILABLE, StreamTimeoutMessage(stream_id_)),
                /*drop_queued=*/false);  // not a cut connection: acks already due still go out
      return;
    }
    state_->Land(table_, request_.records, record_bytes_);
    if (landing_.is_open()) landing_.write(pending_lines_.data(), pending_lines_.size()).flush();
    ++expected_offset_;

    const bool kill = (event && event->kind == StreamEvent::Kind::kKill) ||
                      (kill_every_ > 0 && requests_on_connection_ % kill_every_ == 0);
    if (kill) {
      state_->Count(table_, &TableCounters::connections_killed);
      EndLocked(Refusal(grpc::StatusCode::UNAVAILABLE, "Connection reset (emulator fault after " +
                                                           std::to_string(requests_on_connection_) +
                                                           " requests)"),
                true);
      return;
    }
    if (ack_delay_.count() == 0) {
      due_ack_ = offset;
    } else {
      delayed_acks_.push_back({offset, SteadyClock::now() + ack_delay_});
      ArmAckTimerLocked();
    }
    if (event) ApplyEventLocked(*event);
    PumpLocked();
  }

  void ApplyEventLocked(const StreamEvent& event) {
    switch (event.kind) {
      case StreamEvent::Kind::kCloseSignal: {
        state_->Count(table_, &TableCounters::close_signals);
        zb::EphemeralStreamResponse signal;
        auto* duration = signal.mutable_close_stream_signal()->mutable_duration();
        duration->set_seconds(event.duration.count() / 1000);
        duration->set_nanos(static_cast<int32_t>(event.duration.count() % 1000) * 1000000);
        queued_.push_back(Serialize(signal));
        ScheduleLocked(SteadyClock::now() + event.duration, [this] {
          EndLocked(Refusal(grpc::StatusCode::UNAVAILABLE, StreamTimeoutMessage(stream_id_)), true);
          PumpLocked();
        });
        return;
      }
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
        return;  // handled where the request is checked
    }
  }

  void ArmAckTimerLocked() {
    if (ack_timer_armed_ || delayed_acks_.empty()) return;
    ack_timer_armed_ = true;
    ScheduleLocked(delayed_acks_.front().due, [this] {
      ack_timer_armed_ = false;
      const auto now = SteadyClock::now();
      while (!delayed_acks_.empty() && delayed_acks_.front().due <= now) {
        due_ack_ = delayed_acks_.front().offset;
        delayed_acks_.pop_front();
      }
      ArmAckTimerLocked();
      PumpLocked();
    });
  }

  struct DelayedAck {
    int64_t offset;
    SteadyClock::time_point due;
  };

  EmulatorState* const state_;
  grpc::GenericCallbackServerContext* const ctx_;
  std::atomic<int> refs_{1};

  std::mutex mu_;
  grpc::ByteBuffer read_buffer_;
  size_t read_size_ = 0;
  ParsedRequest request_;
  grpc::ByteBuffer write_buffer_;
  std::deque<grpc::ByteBuffer> queued_;
  bool writing_ = false;
  bool read_closed_ = false;
  bool finish_requested_ = false;
  bool finish_called_ = false;
  bool dropping_ = false;
  grpc::Status finish_status_;

  bool create_seen_ = false;
  bool create_reply_pending_ = false;
  bool opened_ = false;
  std::string table_;
  std::string stream_id_;
  zb::RecordType record_type_ = zb::PROTO;
  std::unique_ptr<RecordDecoder> decoder_;
  std::ofstream landing_;
  std::string json_line_;
  std::string pending_lines_;  ///< the decoded records of the request being checked
  std::chrono::milliseconds ack_delay_{0};
  int64_t kill_every_ = 0;

  int64_t expected_offset_ = 0;
  int64_t requests_on_connection_ = 0;
  int64_t record_bytes_ = 0;
  int64_t due_ack_ = -1;
  int64_t last_sent_ack_ = -1;
  std::deque<DelayedAck> delayed_acks_;
  bool ack_timer_armed_ = false;
  bool silenced_ = false;
};

}  // namespace

grpc::ServerGenericBidiReactor* IngestService::CreateReactor(
    grpc::GenericCallbackServerContext* ctx) {
  if (ctx->method() == kFlightDoPutMethod) return NewFlightPutReactor(state_, ctx);
  return new StreamReactor(state_, ctx);
}

}  // namespace arrow_zerobus::emulator
