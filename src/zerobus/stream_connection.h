// One EphemeralStream RPC on gRPC's callback API: opens the call with the stream's metadata,
// writes create_stream, then writes queued ingest requests one after another and reports what
// the server sends back. A new connection is made for every (re)connect; the IngestStream
// above it decides what to send and what a failure means.
#pragma once

#include <chrono>
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

namespace arrow_zerobus::zerobus {

/// Receives what one connection learns; `generation` tells connections apart. Called on gRPC
/// threads, never with the connection's lock held.
class ConnectionListener {
 public:
  virtual ~ConnectionListener() = default;
  virtual void OnCreated(uint64_t generation, const std::string& stream_id) = 0;
  virtual void OnAck(uint64_t generation, int64_t ack_up_to_offset) = 0;
  virtual void OnCloseSignal(uint64_t generation, std::chrono::milliseconds duration) = 0;
  /// Exactly once, last: the RPC is over (`status` says why).
  virtual void OnEnded(uint64_t generation, Status status) = 0;
};

class StreamConnection final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  /// Starts the RPC and sends `create_request` (a serialized EphemeralStreamRequest). The
  /// listener must outlive the OnEnded call.
  static std::shared_ptr<StreamConnection> Start(std::shared_ptr<grpc::Channel> channel,
                                                 const auth::Headers& headers,
                                                 std::string create_request, std::string table,
                                                 uint64_t generation, ConnectionListener* listener);

  /// Queues one serialized request; requests are written in the order given.
  void Send(grpc::ByteBuffer request);
  /// Half-closes once every queued request is written.
  void HalfClose();
  /// Ends the RPC now; OnEnded follows with `reason` (or CANCELLED).
  void Cancel(Status reason = Status());

  // Reactions (gRPC threads).
  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnWritesDoneDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  StreamConnection(std::shared_ptr<grpc::Channel> channel, std::string table, uint64_t generation,
                   ConnectionListener* listener);
  void WriteNextLocked();
  /// Lets gRPC end the call: from now on nothing new is started on it. Idempotent.
  void ReleaseHoldLocked();
  Status TranslateEnd(const grpc::Status& status);

  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;
  grpc::ClientContext context_;
  const std::string table_;
  const uint64_t generation_;
  ConnectionListener* const listener_;
  std::shared_ptr<StreamConnection> self_;  ///< keeps the reactor alive until OnDone

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
  bool created_ = false;
  std::string stream_id_;
  Status local_error_;  ///< why we ended the RPC ourselves
};

}  // namespace arrow_zerobus::zerobus
