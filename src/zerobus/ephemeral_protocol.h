// The Protobuf wire format on Zerobus' EphemeralStream RPC, for the stream engine: the
// create_stream opening, requests of framed records numbered by offset_id from 0 per connection,
// and cumulative durability_ack_up_to_offset acks (one acknowledgement unit per request).
// RecordsProtocol is what the Protobuf format needs of it and of the PersistentStream RPC
// (persistent_protocol.h).
#pragma once

#include <memory>
#include <string>

#include "arrow_zerobus/status.h"
#include "stream/stream_protocol.h"
#include "zerobus/request_packer.h"
#include "zerobus/stream_messages.h"

namespace databricks::zerobus {
class IngestRecordResponse;
class CloseStreamSignal;
}  // namespace databricks::zerobus

namespace arrow_zerobus::zerobus {

inline constexpr char kEphemeralStreamMethod[] = "/databricks.zerobus.Zerobus/EphemeralStream";

/// A Zerobus RPC that carries PROTO records of one descriptor.
class RecordsProtocol : public stream::StreamProtocol {
 public:
  /// The serialized DescriptorProto the stream was opened with.
  virtual const std::string& descriptor_proto() const = 0;
  /// The engine's request for a prepared request body (acknowledged whole).
  virtual stream::StreamRequest MakeRequest(PreparedRequest request) const = 0;
};

class EphemeralProtocol final : public RecordsProtocol {
 public:
  /// A stream of PROTO records described by `descriptor_proto` (a serialized DescriptorProto).
  static Result<std::shared_ptr<const EphemeralProtocol>> Make(const std::string& table,
                                                               std::string descriptor_proto);

  std::string_view label() const override { return "Zerobus stream"; }
  const char* method() const override { return kEphemeralStreamMethod; }
  grpc::ByteBuffer OpeningMessage(const std::string& resume_stream_id) const override;
  Result<stream::ServerMessage> Read(const grpc::ByteBuffer& message, bool opened) const override;
  std::string DescribeAck(int64_t position) const override;

  const std::string& descriptor_proto() const override { return descriptor_proto_; }
  stream::StreamRequest MakeRequest(PreparedRequest request) const override;

 private:
  EphemeralProtocol(std::string descriptor_proto, std::string create_request)
      : descriptor_proto_(std::move(descriptor_proto)),
        create_request_(std::move(create_request)) {}

  std::string descriptor_proto_;
  std::string create_request_;  ///< the serialized EphemeralStreamRequest{create_stream}
};

/// What the server sent that breaks the protocol (the connection names the stream): retryable.
Status UnexpectedResponse(std::string what);
/// An ack or a close signal, which both Zerobus RPCs send alike, as the engine reads it.
Result<stream::ServerMessage> ReadAck(const ::databricks::zerobus::IngestRecordResponse& ack);
stream::ServerMessage ReadCloseSignal(const ::databricks::zerobus::CloseStreamSignal& signal);

/// The engine's request for a prepared request body (acknowledged whole), framed as
/// ingest_record_batch field `request_field` of the RPC's request message.
stream::StreamRequest ProtoRequest(PreparedRequest request,
                                   int request_field = wire::kRequestIngestRecordBatch);
/// The prepared request an engine request of this format carries.
const PreparedRequest& PreparedOf(const stream::StreamRequest& request);

}  // namespace arrow_zerobus::zerobus
