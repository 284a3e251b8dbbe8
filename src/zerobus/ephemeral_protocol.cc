#include "zerobus/ephemeral_protocol.h"

#include "auth/oauth_request.h"
#include "zerobus/stream_messages.h"
#include "zerobus_service.pb.h"

namespace arrow_zerobus::zerobus {
namespace {

namespace zb = ::databricks::zerobus;

/// One request body: written with a new offset_id on each connection, its records never copied.
class PreparedBody final : public stream::RequestBody {
 public:
  PreparedBody(PreparedRequest request, int request_field)
      : request_(std::move(request)), request_field_(request_field) {}

  Status Write(int64_t /*first_unit*/, int64_t* next_message_id,
               std::vector<grpc::ByteBuffer>* out) override {
    grpc::Slice parts[2] = {grpc::Slice(IngestBatchRequestPrefix(
                                (*next_message_id)++, request_.body.size(), request_field_)),
                            request_.body};
    out->emplace_back(parts, 2);
    return Status::OK();
  }

  const PreparedRequest& request() const { return request_; }

 private:
  PreparedRequest request_;
  int request_field_;
};

}  // namespace

Result<std::shared_ptr<const EphemeralProtocol>> EphemeralProtocol::Make(
    const std::string& table, std::string descriptor_proto) {
  if (descriptor_proto.empty()) {
    return ConfigurationError("A Zerobus stream of PROTO records for table " + table +
                              " needs the records' descriptor");
  }
  zb::EphemeralStreamRequest create;
  auto* body = create.mutable_create_stream();
  body->set_table_name(table);
  body->set_descriptor_proto(descriptor_proto);
  body->set_record_type(zb::PROTO);
  return std::shared_ptr<const EphemeralProtocol>(
      new EphemeralProtocol(std::move(descriptor_proto), create.SerializeAsString()));
}

grpc::ByteBuffer EphemeralProtocol::OpeningMessage(const std::string& /*resume_stream_id*/) const {
  grpc::Slice slice(create_request_);
  return grpc::ByteBuffer(&slice, 1);
}

Result<stream::ServerMessage> EphemeralProtocol::Read(const grpc::ByteBuffer& message,
                                                      bool opened) const {
  zb::EphemeralStreamResponse response;
  grpc::Slice slice;
  if (!message.DumpToSingleSlice(&slice).ok() ||
      !response.ParseFromArray(slice.begin(), static_cast<int>(slice.size()))) {
    return UnexpectedResponse("a response that does not parse as EphemeralStreamResponse");
  }
  stream::ServerMessage read;
  if (response.has_create_stream_response()) {
    if (opened) return UnexpectedResponse("a second create_stream_response");
    if (response.create_stream_response().stream_id().empty()) {
      return UnexpectedResponse("a create_stream_response without a stream_id");
    }
    read.opens = true;
    read.stream_id = response.create_stream_response().stream_id();
    return read;
  }
  if (!opened) {
    return UnexpectedResponse("a response before create_stream_response: " +
                              response.ShortDebugString());
  }
  if (response.has_ingest_record_response()) return ReadAck(response.ingest_record_response());
  if (response.has_close_stream_signal()) return ReadCloseSignal(response.close_stream_signal());
  return UnexpectedResponse("an empty response");
}

Status UnexpectedResponse(std::string what) {
  return Status(StatusCode::kInternal, ErrorKind::kTransmission, std::move(what),
                /*retryable=*/true);
}

Result<stream::ServerMessage> ReadAck(const zb::IngestRecordResponse& ack) {
  if (!ack.has_durability_ack_up_to_offset()) {
    return UnexpectedResponse("an ack without durability_ack_up_to_offset");
  }
  stream::ServerMessage read;
  read.ack_position = ack.durability_ack_up_to_offset() + 1;
  return read;
}

stream::ServerMessage ReadCloseSignal(const zb::CloseStreamSignal& signal) {
  stream::ServerMessage read;
  const auto& duration = signal.duration();
  read.close_after =
      std::chrono::milliseconds(duration.seconds() * 1000 + duration.nanos() / 1000000);
  return read;
}

std::string EphemeralProtocol::DescribeAck(int64_t position) const {
  return "durability_ack_up_to_offset=" + std::to_string(position - 1);
}

stream::StreamRequest EphemeralProtocol::MakeRequest(PreparedRequest request) const {
  return ProtoRequest(std::move(request));
}

stream::StreamRequest ProtoRequest(PreparedRequest request, int request_field) {
  stream::StreamRequest out;
  out.tag = request.tag;
  out.records = request.record_count;
  out.units = 1;
  out.bytes = request.record_bytes;
  out.body = std::make_unique<PreparedBody>(std::move(request), request_field);
  return out;
}

const PreparedRequest& PreparedOf(const stream::StreamRequest& request) {
  return static_cast<const PreparedBody&>(*request.body).request();
}

}  // namespace arrow_zerobus::zerobus
