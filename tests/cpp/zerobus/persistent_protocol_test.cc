// The PersistentStream protocol as the stream engine sees it, message by message: the opening
// message (create, or resume by id with the descriptor and record type), requests framed as
// PersistentStreamRequest.ingest_record_batch (field 4) with the stream's offset, and every
// server message read into what it means (the opening reply's id and resume position, acks,
// close signals) or refused as a protocol violation naming what came.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/support/byte_buffer.h>
#include <gtest/gtest.h>

#include "testing/emulator_fixture.h"
#include "zerobus/persistent_protocol.h"
#include "zerobus_service.pb.h"

namespace arrow_zerobus::testing {
namespace {

namespace zb = ::databricks::zerobus;
using ::testing::HasSubstr;

std::shared_ptr<const zerobus::PersistentProtocol> Protocol() {
  auto protocol = zerobus::PersistentProtocol::Make(kTestTable, EventDescriptor());
  EXPECT_TRUE(protocol.ok()) << protocol.status();
  return *protocol;
}

std::string Bytes(const grpc::ByteBuffer& buffer) {
  grpc::Slice slice;
  EXPECT_TRUE(buffer.DumpToSingleSlice(&slice).ok());
  return std::string(reinterpret_cast<const char*>(slice.begin()), slice.size());
}

grpc::ByteBuffer Buffer(const zb::PersistentStreamResponse& response) {
  grpc::Slice slice(response.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

TEST(PersistentProtocolTest, OpensWithCreateThenWithResumeOfTheStreamsId) {
  const auto protocol = Protocol();
  EXPECT_TRUE(protocol->resumes());
  EXPECT_STREQ(protocol->method(), "/databricks.zerobus.Zerobus/PersistentStream");

  zb::PersistentStreamRequest create;
  ASSERT_TRUE(create.ParseFromString(Bytes(protocol->OpeningMessage(""))));
  ASSERT_TRUE(create.has_create_stream());
  EXPECT_EQ(create.create_stream().create_stream().table_name(), kTestTable);
  EXPECT_EQ(create.create_stream().create_stream().descriptor_proto(), EventDescriptor());
  EXPECT_EQ(create.create_stream().create_stream().record_type(), zb::PROTO);

  zb::PersistentStreamRequest resume;
  ASSERT_TRUE(resume.ParseFromString(Bytes(protocol->OpeningMessage("stream-7"))));
  ASSERT_TRUE(resume.has_resume_stream());
  EXPECT_EQ(resume.resume_stream().stream_id(), "stream-7");
  EXPECT_EQ(resume.resume_stream().descriptor_proto(), EventDescriptor());
  EXPECT_EQ(resume.resume_stream().record_type(), zb::PROTO);

  EXPECT_FALSE(zerobus::PersistentProtocol::Make(kTestTable, "").ok());
}

TEST(PersistentProtocolTest, RequestsAreIngestRecordBatchesWithTheStreamsOffset) {
  const auto protocol = Protocol();
  stream::StreamRequest request = protocol->MakeRequest(EventRequest(10, 3, /*tag=*/42));
  EXPECT_EQ(request.tag, 42u);
  EXPECT_EQ(request.records, 3);
  EXPECT_EQ(request.units, 1);
  int64_t next_message_id = 17;
  std::vector<grpc::ByteBuffer> messages;
  ASSERT_TRUE(request.body->Write(0, &next_message_id, &messages).ok());
  EXPECT_EQ(next_message_id, 18);
  ASSERT_EQ(messages.size(), 1u);
  zb::PersistentStreamRequest written;
  ASSERT_TRUE(written.ParseFromString(Bytes(messages[0])));
  ASSERT_TRUE(written.has_ingest_record_batch()) << written.ShortDebugString();
  EXPECT_EQ(written.ingest_record_batch().offset_id(), 17);
  const auto& records = written.ingest_record_batch().proto_encoded_batch().records();
  ASSERT_EQ(records.size(), 3);
  EXPECT_EQ(EventId(records[0]), 10);
  EXPECT_EQ(EventId(records[2]), 12);
}

TEST(PersistentProtocolTest, OpeningRepliesSayWhereTheConnectionContinues) {
  const auto protocol = Protocol();
  zb::PersistentStreamResponse created;
  created.mutable_create_stream_response()->set_stream_id("stream-1");
  auto read = protocol->Read(Buffer(created), /*opened=*/false);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(read->opens);
  EXPECT_EQ(read->stream_id, "stream-1");
  EXPECT_EQ(read->resume_position, 0);

  zb::PersistentStreamResponse resumed;
  resumed.mutable_resume_stream_response()->set_last_committed_offset(41);
  read = protocol->Read(Buffer(resumed), false);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(read->opens);
  EXPECT_EQ(read->resume_position, 42);

  zb::PersistentStreamResponse nothing_committed;
  nothing_committed.mutable_resume_stream_response();
  read = protocol->Read(Buffer(nothing_committed), false);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->resume_position, 0) << "no last_committed_offset: nothing committed";
}

TEST(PersistentProtocolTest, AcksAndCloseSignalsReadAsOnEphemeralStreams) {
  const auto protocol = Protocol();
  zb::PersistentStreamResponse ack;
  ack.mutable_ingest_record_response()->set_durability_ack_up_to_offset(9);
  auto read = protocol->Read(Buffer(ack), /*opened=*/true);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->ack_position, 10);
  EXPECT_EQ(protocol->DescribeAck(10), "durability_ack_up_to_offset=9");

  zb::PersistentStreamResponse signal;
  signal.mutable_close_stream_signal()->mutable_duration()->set_seconds(3);
  read = protocol->Read(Buffer(signal), true);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->close_after, std::chrono::milliseconds(3000));
}

TEST(PersistentProtocolTest, ProtocolViolationsAreRetryableAndNameWhatCame) {
  const auto protocol = Protocol();
  auto expect_unexpected = [&](const zb::PersistentStreamResponse& response, bool opened,
                               const std::string& words) {
    auto read = protocol->Read(Buffer(response), opened);
    ASSERT_FALSE(read.ok()) << response.ShortDebugString();
    EXPECT_EQ(read.status().code(), StatusCode::kInternal);
    EXPECT_TRUE(read.status().retryable());
    EXPECT_THAT(read.status().message(), HasSubstr(words));
  };
  zb::PersistentStreamResponse no_id;
  no_id.mutable_create_stream_response();
  expect_unexpected(no_id, false, "without a stream_id");
  zb::PersistentStreamResponse resumed;
  resumed.mutable_resume_stream_response()->set_last_committed_offset(5);
  expect_unexpected(resumed, true, "a second opening reply");
  zb::PersistentStreamResponse below;
  below.mutable_resume_stream_response()->set_last_committed_offset(-2);
  expect_unexpected(below, false, "last_committed_offset -2");
  zb::PersistentStreamResponse ack;
  ack.mutable_ingest_record_response()->set_durability_ack_up_to_offset(1);
  expect_unexpected(ack, false, "before the opening reply");
  zb::PersistentStreamResponse bare_ack;
  bare_ack.mutable_ingest_record_response();
  expect_unexpected(bare_ack, true, "without durability_ack_up_to_offset");
  expect_unexpected(zb::PersistentStreamResponse(), true, "an empty response");

  grpc::Slice garbage(std::string("\xff\xff\xff", 3));
  auto read = protocol->Read(grpc::ByteBuffer(&garbage, 1), true);
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read.status().message(), HasSubstr("does not parse as PersistentStreamResponse"));
}

}  // namespace
}  // namespace arrow_zerobus::testing
