// The Protobuf wire format on Zerobus' EphemeralStream RPC, for the stream engine: the
// create_stream opening, requests of framed records numbered by offset_id from 0 per connection,
// and cumulative durability_ack_up_to_offset acks (one acknowledgement unit per request).
#pragma once

#include <memory>
#include <string>

#include "arrow_zerobus/status.h"
#include "stream/stream_protocol.h"
#include "zerobus/request_packer.h"

namespace arrow_zerobus::zerobus {

inline constexpr char kEphemeralStreamMethod[] = "/databricks.zerobus.Zerobus/EphemeralStream";

class EphemeralProtocol final : public stream::StreamProtocol {
 public:
  /// A stream of PROTO records described by `descriptor_proto` (a serialized DescriptorProto).
  static Result<std::shared_ptr<const EphemeralProtocol>> Make(const std::string& table,
                                                               std::string descriptor_proto);

  std::string_view label() const override { return "Zerobus stream"; }
  const char* method() const override { return kEphemeralStreamMethod; }
  grpc::ByteBuffer OpeningMessage() const override;
  Result<stream::ServerMessage> Read(const grpc::ByteBuffer& message, bool opened) const override;
  std::string DescribeAck(int64_t position) const override;

  const std::string& descriptor_proto() const { return descriptor_proto_; }

 private:
  EphemeralProtocol(std::string descriptor_proto, std::string create_request)
      : descriptor_proto_(std::move(descriptor_proto)),
        create_request_(std::move(create_request)) {}

  std::string descriptor_proto_;
  std::string create_request_;  ///< the serialized EphemeralStreamRequest{create_stream}
};

/// The engine's request for a prepared request body (acknowledged whole).
stream::StreamRequest ProtoRequest(PreparedRequest request);
/// The prepared request an engine request of this format carries.
const PreparedRequest& PreparedOf(const stream::StreamRequest& request);

}  // namespace arrow_zerobus::zerobus
