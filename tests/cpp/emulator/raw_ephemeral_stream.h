// A raw EphemeralStream client for emulator tests (the generated synchronous stub, no
// arrow-zerobus client code): requests built field by field, responses read as they come.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "emulator.h"
#include "testing/emulator_fixture.h"
#include "zerobus_service.grpc.pb.h"

namespace arrow_zerobus::testing {

namespace zb = ::databricks::zerobus;

/// A plaintext channel to the emulator's gRPC port.
std::shared_ptr<grpc::Channel> ChannelTo(const emulator::Emulator& emu);

/// The call metadata of one RPC; an absent value is not sent.
struct Headers {
  std::optional<std::string> table;
  std::optional<std::string> authorization;
};

/// The table header and a valid bearer token for `table`.
Headers AuthFor(emulator::Emulator& emu, const std::string& table);

zb::EphemeralStreamRequest CreateRequest(const std::string& table,
                                         std::optional<std::string> descriptor = EventDescriptor(),
                                         zb::RecordType type = zb::PROTO);

/// An ingest_record_batch of PROTO `records` (without offset_id when `offset` is nullopt).
zb::EphemeralStreamRequest ProtoBatch(std::optional<int64_t> offset,
                                      const std::vector<std::string>& records);

/// One EphemeralStream RPC through the generated stub, with a deadline so that a stuck server
/// fails the test instead of hanging it.
class RawStream {
 public:
  using Rpc = grpc::ClientReaderWriter<zb::EphemeralStreamRequest, zb::EphemeralStreamResponse>;

  RawStream(const emulator::Emulator& emu, const Headers& headers,
            std::chrono::milliseconds deadline = std::chrono::milliseconds(5000));
  ~RawStream();

  Rpc& rpc() { return *rpc_; }
  grpc::ClientContext& context() { return context_; }
  const std::string& stream_id() const { return stream_id_; }

  bool Write(const zb::EphemeralStreamRequest& request) { return rpc_->Write(request); }
  std::optional<zb::EphemeralStreamResponse> Read();

  /// Sends `create` and reads the reply; true when it is a create_stream_response.
  bool Create(const zb::EphemeralStreamRequest& create);
  /// The next message, which must be an ack; nullopt when the RPC ended or sent something else.
  std::optional<int64_t> ReadAck();
  /// Reads until the RPC ends (what came is kept in `rest`), then returns its status.
  grpc::Status Finish(std::vector<zb::EphemeralStreamResponse>* rest = nullptr);
  /// Half-closes, then Finish.
  grpc::Status Close(std::vector<zb::EphemeralStreamResponse>* rest = nullptr);

 private:
  std::unique_ptr<zb::Zerobus::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<Rpc> rpc_;
  std::string stream_id_;
  bool finished_ = false;
};

/// A stream on `table` with a valid token, created with the Event descriptor.
std::unique_ptr<RawStream> OpenCreated(emulator::Emulator& emu,
                                       const std::string& table = kTestTable);

}  // namespace arrow_zerobus::testing
