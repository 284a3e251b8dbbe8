#include "zerobus/persistent_protocol.h"

#include "zerobus/stream_messages.h"
#include "zerobus_service.pb.h"

namespace arrow_zerobus::zerobus {
namespace {

namespace zb = ::databricks::zerobus;

grpc::ByteBuffer Buffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace

Result<std::shared_ptr<const PersistentProtocol>> PersistentProtocol::Make(
    const std::string& table, std::string descriptor_proto) {
  if (descriptor_proto.empty()) {
    return ConfigurationError("A Zerobus persistent stream of PROTO records for table " + table +
                              " needs the records' descriptor");
  }
  zb::PersistentStreamRequest create;
  auto* body = create.mutable_create_stream()->mutable_create_stream();
  body->set_table_name(table);
  body->set_descriptor_proto(descriptor_proto);
  body->set_record_type(zb::PROTO);
  return std::shared_ptr<const PersistentProtocol>(
      new PersistentProtocol(std::move(descriptor_proto), create.SerializeAsString()));
}

grpc::ByteBuffer PersistentProtocol::OpeningMessage(const std::string& resume_stream_id) const {
  if (resume_stream_id.empty()) return Buffer(create_request_);
  zb::PersistentStreamRequest resume;
  auto* body = resume.mutable_resume_stream();
  body->set_stream_id(resume_stream_id);
  body->set_descriptor_proto(descriptor_proto_);
  body->set_record_type(zb::PROTO);
  return Buffer(resume.SerializeAsString());
}

Result<stream::ServerMessage> PersistentProtocol::Read(const grpc::ByteBuffer& message,
                                                       bool opened) const {
  zb::PersistentStreamResponse response;
  grpc::Slice slice;
  if (!message.DumpToSingleSlice(&slice).ok() ||
      !response.ParseFromArray(slice.begin(), static_cast<int>(slice.size()))) {
    return UnexpectedResponse("a response that does not parse as PersistentStreamResponse");
  }
  stream::ServerMessage read;
  if (response.has_create_stream_response() || response.has_resume_stream_response()) {
    if (opened) return UnexpectedResponse("a second opening reply: " + response.ShortDebugString());
    read.opens = true;
    if (response.has_create_stream_response()) {
      read.stream_id = response.create_stream_response().stream_id();
      if (read.stream_id.empty())
        return UnexpectedResponse("a create_stream_response without a stream_id");
      read.resume_position = 0;
      return read;
    }
    const auto& resumed = response.resume_stream_response();
    const int64_t committed =
        resumed.has_last_committed_offset() ? resumed.last_committed_offset() : -1;
    if (committed < -1) {
      return UnexpectedResponse("a resume_stream_response with last_committed_offset " +
                                std::to_string(committed));
    }
    read.resume_position = committed + 1;
    return read;
  }
  if (!opened) {
    return UnexpectedResponse("a response before the opening reply: " +
                              response.ShortDebugString());
  }
  if (response.has_ingest_record_response()) return ReadAck(response.ingest_record_response());
  if (response.has_close_stream_signal()) return ReadCloseSignal(response.close_stream_signal());
  return UnexpectedResponse("an empty response");
}

std::string PersistentProtocol::DescribeAck(int64_t position) const {
  return "durability_ack_up_to_offset=" + std::to_string(position - 1);
}

stream::StreamRequest PersistentProtocol::MakeRequest(PreparedRequest request) const {
  return ProtoRequest(std::move(request), wire::kPersistentRequestIngestRecordBatch);
}

}  // namespace arrow_zerobus::zerobus
