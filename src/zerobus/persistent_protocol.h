// The Protobuf wire format on Zerobus' PersistentStream RPC (exactly-once delivery; the service
// marks the RPC in development): the server keeps the stream across connections. The first
// connection sends create_stream and gets the stream's id; every later one sends resume_stream
// with that id and gets the last offset the stream committed. Offsets are the stream's, never
// renumbered per connection, so a reconnect drops what the server committed and resends the rest
// with the same offsets: nothing lands twice. Acks and close signals read as on EphemeralStream.
#pragma once

#include <memory>
#include <string>

#include "arrow_zerobus/status.h"
#include "zerobus/ephemeral_protocol.h"

namespace arrow_zerobus::zerobus {

inline constexpr char kPersistentStreamMethod[] = "/databricks.zerobus.Zerobus/PersistentStream";
inline constexpr char kRetireStreamMethod[] = "/databricks.zerobus.Zerobus/RetireStream";

class PersistentProtocol final : public RecordsProtocol {
 public:
  /// A stream of PROTO records described by `descriptor_proto` (a serialized DescriptorProto).
  static Result<std::shared_ptr<const PersistentProtocol>> Make(const std::string& table,
                                                                std::string descriptor_proto);

  std::string_view label() const override { return "Zerobus persistent stream"; }
  const char* method() const override { return kPersistentStreamMethod; }
  grpc::ByteBuffer OpeningMessage(const std::string& resume_stream_id) const override;
  bool resumes() const override { return true; }
  Result<stream::ServerMessage> Read(const grpc::ByteBuffer& message, bool opened) const override;
  std::string DescribeAck(int64_t position) const override;

  const std::string& descriptor_proto() const override { return descriptor_proto_; }
  stream::StreamRequest MakeRequest(PreparedRequest request) const override;

 private:
  PersistentProtocol(std::string descriptor_proto, std::string create_request)
      : descriptor_proto_(std::move(descriptor_proto)),
        create_request_(std::move(create_request)) {}

  std::string descriptor_proto_;
  std::string create_request_;  ///< the serialized PersistentStreamRequest{create_stream}
};

}  // namespace arrow_zerobus::zerobus
