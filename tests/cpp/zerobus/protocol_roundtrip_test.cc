// The Zerobus protocol end to end in one process, before the real client and emulator exist:
// our .proto compiles and speaks over Debian's gRPC next to pyarrow's Arrow C++ (no symbol
// clash), and records encoded from Arrow decode on the server side with nothing but the
// descriptor sent in create_stream.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "encode/batch_encoder.h"
#include "testing/arrow_builders.h"
#include "zerobus_service.grpc.pb.h"

namespace arrow_zerobus {
namespace {

namespace zb = databricks::zerobus;

/// A minimal server: checks create_stream, decodes every record with the sent descriptor and
/// acknowledges each request. What it decoded is kept for the test.
class DecodingService final : public zb::Zerobus::Service {
 public:
  grpc::Status EphemeralStream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<zb::EphemeralStreamResponse, zb::EphemeralStreamRequest>* stream)
      override {
    stream->SendInitialMetadata();
    const auto table = context->client_metadata().find("x-databricks-zerobus-table-name");
    if (table == context->client_metadata().end()) {
      return {grpc::StatusCode::INVALID_ARGUMENT, "missing table header"};
    }
    zb::EphemeralStreamRequest request;
    if (!stream->Read(&request) || !request.has_create_stream()) {
      return {grpc::StatusCode::INVALID_ARGUMENT, "first message must be create_stream"};
    }
    google::protobuf::FileDescriptorProto file;
    file.set_name("record.proto");
    file.set_syntax("proto2");
    if (!file.add_message_type()->ParseFromString(request.create_stream().descriptor_proto())) {
      return {grpc::StatusCode::INVALID_ARGUMENT, "descriptor_proto does not parse"};
    }
    google::protobuf::DescriptorPool pool;
    const google::protobuf::FileDescriptor* built = pool.BuildFile(file);
    if (built == nullptr) return {grpc::StatusCode::INVALID_ARGUMENT, "descriptor does not build"};
    google::protobuf::DynamicMessageFactory factory(&pool);
    const google::protobuf::Message* prototype = factory.GetPrototype(built->message_type(0));

    zb::EphemeralStreamResponse created;
    created.mutable_create_stream_response()->set_stream_id("stream-1");
    stream->Write(created);
    int64_t expected_offset = 0;
    while (stream->Read(&request)) {
      if (!request.has_ingest_record_batch() ||
          request.ingest_record_batch().offset_id() != expected_offset) {
        return {grpc::StatusCode::INVALID_ARGUMENT, "unexpected request"};
      }
      for (const std::string& record :
           request.ingest_record_batch().proto_encoded_batch().records()) {
        std::unique_ptr<google::protobuf::Message> message(prototype->New());
        if (!message->ParseFromString(record)) {
          return {grpc::StatusCode::INVALID_ARGUMENT, "record does not parse"};
        }
        decoded.push_back(message->ShortDebugString());
      }
      zb::EphemeralStreamResponse ack;
      ack.mutable_ingest_record_response()->set_durability_ack_up_to_offset(expected_offset++);
      stream->Write(ack);
    }
    return grpc::Status::OK;
  }

  std::vector<std::string> decoded;
};

TEST(ProtocolRoundTripTest, ArrowRowsDecodeOnTheServerWithTheSentDescriptor) {
  DecodingService service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  ASSERT_GT(port, 0);

  auto batch = testing::MakeBatch(
      {arrow::field("id", arrow::int64(), false), arrow::field("name", arrow::utf8()),
       arrow::field("tags", arrow::list(arrow::utf8()))},
      {testing::ArrayFromJson(arrow::int64(), "[1, 2, 3]"),
       testing::ArrayFromJson(arrow::utf8(), R"(["a", null, "ü"])"),
       testing::ArrayFromJson(arrow::list(arrow::utf8()), R"([["x"], [], null])")});
  schema::PlanOptions options;
  options.message_name = "Orders";
  auto plan = testing::PlanOrFail(*batch->schema(), options);
  ASSERT_NE(plan, nullptr);
  auto encoded = encode::EncodeBatch(*plan, *batch);
  ASSERT_TRUE(encoded.ok()) << encoded.status();

  auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  auto stub = zb::Zerobus::NewStub(channel);
  grpc::ClientContext context;
  context.AddMetadata("x-databricks-zerobus-table-name", "main.default.orders");
  auto stream = stub->EphemeralStream(&context);

  zb::EphemeralStreamRequest create;
  create.mutable_create_stream()->set_table_name("main.default.orders");
  create.mutable_create_stream()->set_record_type(zb::PROTO);
  ASSERT_TRUE(plan->descriptor.SerializeToString(
      create.mutable_create_stream()->mutable_descriptor_proto()));
  ASSERT_TRUE(stream->Write(create));
  zb::EphemeralStreamResponse response;
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.create_stream_response().stream_id(), "stream-1");

  zb::EphemeralStreamRequest ingest;
  ingest.mutable_ingest_record_batch()->set_offset_id(0);
  auto* records = ingest.mutable_ingest_record_batch()->mutable_proto_encoded_batch();
  for (int64_t row = 0; row < encoded->num_rows; ++row) {
    records->add_records(std::string(encoded->record(row)));
  }
  ASSERT_TRUE(stream->Write(ingest));
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.ingest_record_response().durability_ack_up_to_offset(), 0);
  stream->WritesDone();
  const grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  server->Shutdown();

  EXPECT_EQ(service.decoded, (std::vector<std::string>{R"(id: 1 name: "a" tags: "x")", "id: 2",
                                                       R"(id: 3 name: "\303\274")"}));
}

}  // namespace
}  // namespace arrow_zerobus
