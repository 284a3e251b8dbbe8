#include "raw_ephemeral_stream.h"

#include <gtest/gtest.h>

#include "call_checks.h"

namespace arrow_zerobus::testing {

std::shared_ptr<grpc::Channel> ChannelTo(const emulator::Emulator& emu) {
  return grpc::CreateChannel("127.0.0.1:" + std::to_string(emu.grpc_port()),
                             grpc::InsecureChannelCredentials());
}

Headers AuthFor(emulator::Emulator& emu, const std::string& table) {
  return {table, "Bearer " + emu.IssueToken(table)};
}

zb::EphemeralStreamRequest CreateRequest(const std::string& table,
                                         std::optional<std::string> descriptor,
                                         zb::RecordType type) {
  zb::EphemeralStreamRequest request;
  request.mutable_create_stream()->set_table_name(table);
  if (descriptor) request.mutable_create_stream()->set_descriptor_proto(*descriptor);
  request.mutable_create_stream()->set_record_type(type);
  return request;
}

zb::EphemeralStreamRequest ProtoBatch(std::optional<int64_t> offset,
                                      const std::vector<std::string>& records) {
  zb::EphemeralStreamRequest request;
  auto* batch = request.mutable_ingest_record_batch();
  if (offset) batch->set_offset_id(*offset);
  auto* body = batch->mutable_proto_encoded_batch();
  for (const auto& record : records) body->add_records(record);
  return request;
}

RawStream::RawStream(const emulator::Emulator& emu, const Headers& headers,
                     std::chrono::milliseconds deadline)
    : stub_(zb::Zerobus::NewStub(ChannelTo(emu))) {
  context_.set_deadline(std::chrono::system_clock::now() + deadline);
  if (headers.table) context_.AddMetadata(emulator::kTableHeader, *headers.table);
  if (headers.authorization) context_.AddMetadata("authorization", *headers.authorization);
  rpc_ = stub_->EphemeralStream(&context_);
}

RawStream::~RawStream() {
  if (finished_) return;
  context_.TryCancel();
  zb::EphemeralStreamResponse ignored;
  while (rpc_->Read(&ignored)) {
  }
  (void)rpc_->Finish();
}

std::optional<zb::EphemeralStreamResponse> RawStream::Read() {
  zb::EphemeralStreamResponse response;
  if (!rpc_->Read(&response)) return std::nullopt;
  return response;
}

bool RawStream::Create(const zb::EphemeralStreamRequest& create) {
  if (!Write(create)) return false;
  auto response = Read();
  if (!response || !response->has_create_stream_response()) return false;
  stream_id_ = response->create_stream_response().stream_id();
  return true;
}

std::optional<int64_t> RawStream::ReadAck() {
  auto response = Read();
  if (!response) return std::nullopt;
  EXPECT_TRUE(response->has_ingest_record_response()) << response->ShortDebugString();
  if (!response->has_ingest_record_response()) return std::nullopt;
  return response->ingest_record_response().durability_ack_up_to_offset();
}

grpc::Status RawStream::Finish(std::vector<zb::EphemeralStreamResponse>* rest) {
  zb::EphemeralStreamResponse response;
  while (rpc_->Read(&response)) {
    if (rest != nullptr) rest->push_back(response);
  }
  finished_ = true;
  return rpc_->Finish();
}

grpc::Status RawStream::Close(std::vector<zb::EphemeralStreamResponse>* rest) {
  rpc_->WritesDone();
  return Finish(rest);
}

std::unique_ptr<RawStream> OpenCreated(emulator::Emulator& emu, const std::string& table) {
  auto stream = std::make_unique<RawStream>(emu, AuthFor(emu, table));
  EXPECT_TRUE(stream->Create(CreateRequest(table)));
  return stream;
}

}  // namespace arrow_zerobus::testing
