// One bidi gRPC call of a stream, on gRPC's callback API, for any wire format: opens the call
// with the stream's metadata, writes the format's opening message, then queued messages one after
// another, and reports what the server sends back as the format reads it. A new connection is
// made for every (re)connect; the StreamEngine above it decides what to send and what a failure
// means.
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
#include "stream/stream_protocol.h"

namespace arrow_zerobus::stream {

/// Receives what one connection learns; `generation` tells connections apart. Called on gRPC
/// threads, never with the connection's lock held.
class ConnectionListener {
 public:
  virtual ~ConnectionListener() = default;
  /// A server message that read well (the opening reply first).
  virtual void OnMessage(uint64_t generation, const ServerMessage& message) = 0;
  /// Exactly once, last: the call is over (`status` says why). From this call on, neither gRPC
  /// nor the connection touches the connection: its owner may destroy it.
  virtual void OnEnded(uint64_t generation, Status status) = 0;
};

class BidiConnection final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  /// Starts the call and writes `opening` (the protocol's opening message) first. The protocol
  /// and the listener must outlive the OnEnded call.
  static std::shared_ptr<BidiConnection> Start(std::shared_ptr<grpc::Channel> channel,
                                               const auth::Headers& headers,
                                               const StreamProtocol* protocol,
                                               grpc::ByteBuffer opening, std::string table,
                                               uint64_t generation, ConnectionListener* listener);

  /// Queues one message; messages are written in the order given.
  void Send(grpc::ByteBuffer message);
  /// Half-closes once every queued message is written.
  void HalfClose();
  /// Ends the call now; OnEnded follows with `reason` (or the translated CANCELLED).
  void Cancel(Status reason = Status());
  uint64_t generation() const { return generation_; }

  // Reactions (gRPC threads).
  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnWritesDoneDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  BidiConnection(std::shared_ptr<grpc::Channel> channel, const StreamProtocol* protocol,
                 std::string table, uint64_t generation, ConnectionListener* listener);
  void WriteNextLocked();
  /// Lets gRPC end the call: from now on nothing new is started on it. Idempotent.
  void ReleaseHoldLocked();
  /// Ends the call because the server broke the protocol.
  void Violated(const Status& violation);

  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;
  grpc::ClientContext context_;
  const StreamProtocol* const protocol_;
  const std::string table_;
  const uint64_t generation_;
  ConnectionListener* const listener_;
  std::shared_ptr<BidiConnection> self_;  ///< keeps the reactor alive until OnDone ends

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
  bool opened_ = false;  ///< the opening reply arrived
  std::string stream_id_;
  Status local_error_;  ///< why we ended the call ourselves
};

}  // namespace arrow_zerobus::stream
