// One Arrow Flight DoPut RPC on gRPC's callback API: opens the call with the stream's metadata,
// writes the schema message, then queued data messages one after another, and reports what the
// server sends back (READY, acks, rotation signals, the end). The Flight twin of
// zerobus::StreamConnection: a new connection per (re)connect; the ArrowStream above it decides
// what to send and what a failure means.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/client_callback.h>

#include "arrow_zerobus/status.h"
#include "auth/headers_provider.h"
#include "flight/put_messages.h"

namespace arrow_zerobus::flight {

/// Receives what one connection learns; `generation` tells connections apart. Called on gRPC
/// threads, never with the connection's lock held.
class FlightConnectionListener {
 public:
  virtual ~FlightConnectionListener() = default;
  /// The READY PutResult arrived: the server accepted the schema and the table.
  virtual void OnReady(uint64_t generation) = 0;
  /// A PutResult after READY whose app_metadata parsed (an ack, a rotation signal or both).
  virtual void OnPutResult(uint64_t generation, const PutResultFields& result) = 0;
  /// Exactly once, last: the RPC is over (`status` says why).
  virtual void OnEnded(uint64_t generation, Status status) = 0;
};

class FlightConnection final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  /// Starts the DoPut and sends `schema_message` (the stream's first FlightData). The listener
  /// must outlive the OnEnded call.
  static std::shared_ptr<FlightConnection> Start(std::shared_ptr<grpc::Channel> channel,
                                                 const auth::Headers& headers,
                                                 grpc::ByteBuffer schema_message, std::string table,
                                                 uint64_t generation,
                                                 FlightConnectionListener* listener);

  /// Queues one serialized FlightData; messages are written in the order given.
  void Send(grpc::ByteBuffer message);
  /// Half-closes once every queued message is written.
  void HalfClose();
  /// Ends the RPC now; OnEnded follows with `reason` (or CANCELLED).
  void Cancel(Status reason = Status());

  // Reactions (gRPC threads).
  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnWritesDoneDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  FlightConnection(std::shared_ptr<grpc::Channel> channel, std::string table, uint64_t generation,
                   FlightConnectionListener* listener);
  void WriteNextLocked();
  /// Lets gRPC end the call: from now on nothing new is started on it. Idempotent.
  void ReleaseHoldLocked();
  /// Ends the call because the server broke the protocol.
  void Violated(std::string what);

  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;
  grpc::ClientContext context_;
  const std::string table_;
  const uint64_t generation_;
  FlightConnectionListener* const listener_;
  std::shared_ptr<FlightConnection> self_;  ///< keeps the reactor alive until OnDone

  std::mutex mu_;
  std::deque<grpc::ByteBuffer> queue_;
  grpc::ByteBuffer writing_buffer_;
  grpc::ByteBuffer read_buffer_;
  bool writing_ = false;
  bool half_close_requested_ = false;
  bool half_closed_ = false;
  bool write_failed_ = false;
  bool done_ = false;
  bool hold_released_ = false;
  bool ready_ = false;  ///< READY arrived
  Status local_error_;  ///< why we ended the RPC ourselves
};

}  // namespace arrow_zerobus::flight
