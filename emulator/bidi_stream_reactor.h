// What every emulator stream does whichever protocol it speaks (Zerobus EphemeralStream or Arrow
// Flight DoPut): the read loop, the ordered write queue, finishing exactly once, reference
// counting, the setup with its scripted create faults and delays, per-connection request counts
// and offsets, fault events, acks (delayed, paced by the quotas, silenced) and counters. A
// protocol supplies how its first message opens the stream, how a request is checked and landed,
// and how its acks and close signals are written.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/support/byte_buffer.h>

#include "emulator_state.h"
#include "fault_script.h"
#include "service_quotas.h"

namespace arrow_zerobus::emulator {

/// How far a connection's acks reach: the offset of the last request acknowledged (from 0 on each
/// connection, or after the offset a resumed stream continues from; -1: none) and the records of
/// all requests up to it.
struct AckPosition {
  int64_t offset = -1;
  int64_t records = 0;
};

/// One request as the counters and quotas count it.
struct RequestSize {
  int64_t records = 0;
  int64_t bytes = 0;
};

// Every reaction takes mu_ and the protocol's hooks run with it held; gRPC operations are started
// with mu_ held, which is safe because the callback API never runs a reaction inline from
// Start*/Finish. Lifetime: one reference for gRPC (dropped in OnDone) and one per scheduled task;
// the last one deletes the reactor.
class BidiStreamReactor : public grpc::ServerGenericBidiReactor {
 public:
  void OnReadDone(bool ok) final;
  void OnSendInitialMetadataDone(bool ok) final;
  void OnWriteDone(bool ok) final;
  void OnCancel() final;
  void OnDone() final;

 protected:
  /// Sends the response headers at once, as the service does, and starts reading.
  BidiStreamReactor(EmulatorState* state, grpc::GenericCallbackServerContext* ctx);
  ~BidiStreamReactor() override = default;

  // ---- What a protocol supplies ----

  /// Checks the first message: the caller (AdmitCallerLocked) and the stream it asks for. When it
  /// passes, the stream opens unless a scripted create fault refuses it.
  virtual grpc::Status CheckSetupLocked(grpc::ByteBuffer* message) = 0;
  /// The stream opens (after the script's create delay): sets the reply that says so, or returns
  /// why it cannot open (e.g. its landing file cannot be created), which ends the RPC.
  virtual grpc::Status OpenStreamLocked(grpc::ByteBuffer* reply) = 0;
  /// Checks a later message completely and keeps what LandRequestLocked needs; nothing lands yet.
  virtual grpc::Status CheckRequestLocked(grpc::ByteBuffer* message, RequestSize* size) = 0;
  /// Lands the request CheckRequestLocked accepted last, and counts it. An error (a landing file
  /// that cannot be written) ends the RPC, and the request is never acknowledged.
  virtual grpc::Status LandRequestLocked(const RequestSize& size) = 0;
  virtual grpc::ByteBuffer AckMessage(const AckPosition& ack) const = 0;
  /// A close signal asking the client to be gone within `duration`; `acked` is the latest ack.
  virtual grpc::ByteBuffer CloseSignalMessage(std::chrono::milliseconds duration,
                                              const AckPosition& acked) const = 0;
  /// The RPC is over, though scheduled tasks may still hold the reactor: close what must not
  /// wait for them.
  virtual void OnRpcDoneLocked() {}

  // ---- What a protocol uses ----

  EmulatorState& state() const { return *state_; }
  const std::string& table() const { return table_; }
  const std::string& stream_id() const { return stream_id_; }
  /// Whether the stream's open reply is out (queued).
  bool opened() const { return opened_; }

  /// The table header's value in `*table`, or the refusal of a call without one.
  grpc::Status ReadTableHeader(std::string* table) const;
  /// Makes `table` (a three-part name) the stream's table and checks the caller for it.
  grpc::Status AdmitCallerLocked(const std::string& table);
  /// INVALID_ARGUMENT unless `offset` is the next one of the connection.
  grpc::Status CheckNextOffsetLocked(int64_t offset) const;
  /// For a stream that continues on this connection (a persistent stream's resume), from
  /// CheckSetupLocked: its id, and the offset its connection starts after.
  void ContinueStreamLocked(std::string stream_id, int64_t last_offset);

 private:
  struct Outgoing {
    grpc::ByteBuffer message;
    std::optional<std::chrono::milliseconds> close_signal;  ///< set: built when written
  };
  struct DelayedAck {
    AckPosition ack;
    std::chrono::steady_clock::time_point due;
  };
  /// An ack_backwards ack, written once the acks reach `after_offset`.
  struct LowerAck {
    int64_t after_offset;
    AckPosition ack;
  };

  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref();

  template <typename Task>
  void ScheduleLocked(std::chrono::steady_clock::time_point when, Task task);
  template <typename Reply>
  void AfterSetupDelayLocked(std::chrono::milliseconds delay, Reply reply);

  void EndLocked(grpc::Status status, bool drop_queued);
  void PumpLocked();
  void WriteNextLocked();
  void StartWriteLocked(grpc::ByteBuffer message);
  bool AcksSettledLocked() const;

  void SetUpLocked(grpc::ByteBuffer* message);
  void HandleRequestLocked(grpc::ByteBuffer* message);
  std::optional<StreamEvent> TakeEventLocked();
  bool KillDueLocked(const std::optional<StreamEvent>& event);
  void ApplyEventLocked(const StreamEvent& event);
  void ScheduleAckLocked(AckPosition ack, const RequestSize& size);
  void ArmAckTimerLocked();

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

  bool setup_seen_ = false;
  bool setup_reply_pending_ = false;
  bool opened_ = false;
  std::string table_;
  std::string stream_id_;
  std::chrono::milliseconds ack_delay_{0};
  int64_t kill_every_ = 0;
  StreamQuota quota_;

  int64_t requests_on_connection_ = 0;
  AckPosition landed_;              ///< the last request landed
  std::deque<AckPosition> recent_;  ///< the last three requests landed, oldest first
  AckPosition due_;                 ///< how far acks may reach now
  AckPosition sent_;                ///< the furthest ack written
  std::deque<DelayedAck> delayed_acks_;
  std::deque<LowerAck> lower_acks_;
  bool ack_timer_armed_ = false;
  bool silenced_ = false;
};

}  // namespace arrow_zerobus::emulator
