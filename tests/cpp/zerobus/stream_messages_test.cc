// The hand-written EphemeralStreamRequest codec against protobuf's generated classes: what the
// client writes parses with the generated code to the same request (byte for byte), and what the
// generated code writes parses with ParseStreamRequest to the same fields.
#include "zerobus/stream_messages.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "zerobus_service.pb.h"

namespace arrow_zerobus::zerobus {
namespace {

namespace zb = ::databricks::zerobus;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

std::vector<std::string> Records(std::initializer_list<size_t> sizes) {
  std::vector<std::string> records;
  char fill = 'a';
  for (size_t size : sizes) records.push_back(std::string(size, fill++));
  return records;
}

// The complete request the client writes: prefix, then one WriteBatchRecord per record.
std::string WriteBatchRequest(int64_t offset, const std::vector<std::string>& records) {
  size_t body_size = 0;
  for (const auto& record : records) body_size += BatchRecordWireSize(record.size());
  std::string body(body_size, '\0');
  auto* out = reinterpret_cast<uint8_t*>(body.data());
  for (const auto& record : records) {
    uint8_t* end = WriteBatchRecord(out, record);
    EXPECT_EQ(static_cast<size_t>(end - out), BatchRecordWireSize(record.size()));
    out = end;
  }
  EXPECT_EQ(out, reinterpret_cast<uint8_t*>(body.data()) + body.size());
  return IngestBatchRequestPrefix(offset, body.size()) + body;
}

std::vector<std::string> ToStrings(const std::vector<std::string_view>& views) {
  return {views.begin(), views.end()};
}

// ParseStreamRequest with the parsed bytes kept alive: the result holds views into them.
class RequestParser {
 public:
  Status Parse(std::string bytes) {
    kept_.push_back(std::make_unique<std::string>(std::move(bytes)));
    return ParseStreamRequest(*kept_.back(), &parsed);
  }

  ParsedRequest parsed;

 private:
  std::vector<std::unique_ptr<std::string>> kept_;
};

TEST(StreamMessagesTest, WrittenBatchRequestsParseWithTheGeneratedClass) {
  const std::vector<std::vector<std::string>> bodies = {
      {},
      Records({0}),
      Records({1}),
      Records({0, 5, 0}),
      Records({127, 128}),
      Records({300}),
      Records({20000}),
      Records({300, 0, 20000, 1, 16383, 16384}),
  };
  const int64_t offsets[] = {0, 1, 127, 128, 16384, int64_t{1} << 40, INT64_MAX};
  for (const auto& records : bodies) {
    for (int64_t offset : offsets) {
      SCOPED_TRACE("offset " + std::to_string(offset) + ", " + std::to_string(records.size()) +
                   " records");
      const std::string bytes = WriteBatchRequest(offset, records);
      zb::EphemeralStreamRequest parsed;
      ASSERT_TRUE(parsed.ParseFromString(bytes));
      ASSERT_TRUE(parsed.has_ingest_record_batch());
      const auto& batch = parsed.ingest_record_batch();
      ASSERT_TRUE(batch.has_offset_id());
      EXPECT_EQ(batch.offset_id(), offset);
      ASSERT_TRUE(batch.has_proto_encoded_batch());
      EXPECT_THAT(batch.proto_encoded_batch().records(), ElementsAreArray(records));

      // The generated class writes the same request to the same bytes.
      zb::EphemeralStreamRequest expected;
      expected.mutable_ingest_record_batch()->set_offset_id(offset);
      auto* body = expected.mutable_ingest_record_batch()->mutable_proto_encoded_batch();
      for (const auto& record : records) body->add_records(record);
      EXPECT_EQ(bytes, expected.SerializeAsString());

      // And the hand-written parser reads it back.
      ParsedRequest read;
      ASSERT_TRUE(ParseStreamRequest(bytes, &read).ok());
      EXPECT_EQ(read.kind, ParsedRequest::Kind::kIngestRecordBatch);
      EXPECT_TRUE(read.has_offset);
      EXPECT_EQ(read.offset_id, offset);
      EXPECT_EQ(read.payload, ParsedRequest::Payload::kProto);
      EXPECT_THAT(ToStrings(read.records), ElementsAreArray(records));
    }
  }
}

TEST(StreamMessagesTest, BatchRecordWireSizeCountsTagLengthAndBytes) {
  EXPECT_EQ(BatchRecordWireSize(0), 2u);
  EXPECT_EQ(BatchRecordWireSize(127), 1u + 1u + 127u);
  EXPECT_EQ(BatchRecordWireSize(128), 1u + 2u + 128u);
  EXPECT_EQ(BatchRecordWireSize(20000), 1u + 3u + 20000u);
}

TEST(StreamMessagesTest, ParsesCreateStream) {
  zb::EphemeralStreamRequest request;
  auto* create = request.mutable_create_stream();
  create->set_table_name("main.default.events");
  create->set_descriptor_proto(std::string("\x0a\x05") + "Event");
  create->set_record_type(zb::PROTO);
  const std::string bytes = request.SerializeAsString();

  RequestParser parser;
  ParsedRequest& parsed = parser.parsed;
  ASSERT_TRUE(parser.Parse(bytes).ok());
  EXPECT_EQ(parsed.kind, ParsedRequest::Kind::kCreateStream);
  EXPECT_FALSE(parsed.has_offset);
  EXPECT_EQ(parsed.payload, ParsedRequest::Payload::kNone);
  EXPECT_TRUE(parsed.records.empty());
  EXPECT_EQ(parsed.create_stream, create->SerializeAsString());
  zb::CreateIngestStreamRequest reparsed;
  ASSERT_TRUE(reparsed.ParseFromArray(parsed.create_stream.data(),
                                      static_cast<int>(parsed.create_stream.size())));
  EXPECT_EQ(reparsed.table_name(), "main.default.events");
  EXPECT_EQ(reparsed.record_type(), zb::PROTO);
}

TEST(StreamMessagesTest, ParsesSingleRecordRequests) {
  const std::string proto_record = std::string("\x08\x96\x01\x00", 4) + std::string(300, 'x');
  zb::EphemeralStreamRequest proto;
  proto.mutable_ingest_record()->set_offset_id(7);
  proto.mutable_ingest_record()->set_proto_encoded_record(proto_record);
  RequestParser parser;
  ParsedRequest& parsed = parser.parsed;
  ASSERT_TRUE(parser.Parse(proto.SerializeAsString()).ok());
  EXPECT_EQ(parsed.kind, ParsedRequest::Kind::kIngestRecord);
  EXPECT_TRUE(parsed.has_offset);
  EXPECT_EQ(parsed.offset_id, 7);
  EXPECT_EQ(parsed.payload, ParsedRequest::Payload::kProto);
  EXPECT_THAT(ToStrings(parsed.records), ElementsAreArray({proto_record}));

  zb::EphemeralStreamRequest json;
  json.mutable_ingest_record()->set_offset_id(int64_t{1} << 40);
  json.mutable_ingest_record()->set_json_record(R"({"id": 1})");
  ASSERT_TRUE(parser.Parse(json.SerializeAsString()).ok());
  EXPECT_EQ(parsed.kind, ParsedRequest::Kind::kIngestRecord);
  EXPECT_EQ(parsed.offset_id, int64_t{1} << 40);
  EXPECT_EQ(parsed.payload, ParsedRequest::Payload::kJson);
  EXPECT_THAT(ToStrings(parsed.records), ElementsAreArray({R"({"id": 1})"}));

  // An empty record is still one record.
  zb::EphemeralStreamRequest empty;
  empty.mutable_ingest_record()->set_offset_id(0);
  empty.mutable_ingest_record()->set_proto_encoded_record("");
  ASSERT_TRUE(parser.Parse(empty.SerializeAsString()).ok());
  EXPECT_EQ(parsed.payload, ParsedRequest::Payload::kProto);
  EXPECT_THAT(ToStrings(parsed.records), ElementsAreArray({""}));

  // Without offset_id and without a record.
  zb::EphemeralStreamRequest bare;
  bare.mutable_ingest_record();
  ASSERT_TRUE(parser.Parse(bare.SerializeAsString()).ok());
  EXPECT_EQ(parsed.kind, ParsedRequest::Kind::kIngestRecord);
  EXPECT_FALSE(parsed.has_offset);
  EXPECT_EQ(parsed.payload, ParsedRequest::Payload::kNone);
  EXPECT_TRUE(parsed.records.empty());
}

TEST(StreamMessagesTest, ParsesBatchRequests) {
  const std::vector<std::string> records = Records({0, 300, 20000, 1});
  zb::EphemeralStreamRequest proto;
  proto.mutable_ingest_record_batch()->set_offset_id(3);
  for (const auto& record : records) {
    proto.mutable_ingest_record_batch()->mutable_proto_encoded_batch()->add_records(record);
  }
  RequestParser parser;
  ParsedRequest& parsed = parser.parsed;
  ASSERT_TRUE(parser.Parse(proto.SerializeAsString()).ok());
  EXPECT_EQ(parsed.kind, ParsedRequest::Kind::kIngestRecordBatch);
  EXPECT_TRUE(parsed.has_offset);
  EXPECT_EQ(parsed.offset_id, 3);
  EXPECT_EQ(parsed.payload, ParsedRequest::Payload::kProto);
  EXPECT_THAT(ToStrings(parsed.records), ElementsAreArray(records));

  const std::vector<std::string> json_records = {R"({"id": 1})", "{}", R"({"name": "b"})"};
  zb::EphemeralStreamRequest json;
  json.mutable_ingest_record_batch()->set_offset_id(0);
  for (const auto& record : json_records) {
    json.mutable_ingest_record_batch()->mutable_json_batch()->add_records(record);
  }
  ASSERT_TRUE(parser.Parse(json.SerializeAsString()).ok());
  EXPECT_EQ(parsed.kind, ParsedRequest::Kind::kIngestRecordBatch);
  EXPECT_TRUE(parsed.has_offset);
  EXPECT_EQ(parsed.offset_id, 0);
  EXPECT_EQ(parsed.payload, ParsedRequest::Payload::kJson);
  EXPECT_THAT(ToStrings(parsed.records), ElementsAreArray(json_records));

  // A batch member with no records.
  zb::EphemeralStreamRequest empty;
  empty.mutable_ingest_record_batch()->set_offset_id(1);
  empty.mutable_ingest_record_batch()->mutable_proto_encoded_batch();
  ASSERT_TRUE(parser.Parse(empty.SerializeAsString()).ok());
  EXPECT_EQ(parsed.payload, ParsedRequest::Payload::kProto);
  EXPECT_TRUE(parsed.records.empty());
}

TEST(StreamMessagesTest, ReusedParsedRequestIsReset) {
  zb::EphemeralStreamRequest batch;
  batch.mutable_ingest_record_batch()->set_offset_id(9);
  batch.mutable_ingest_record_batch()->mutable_proto_encoded_batch()->add_records("a");
  zb::EphemeralStreamRequest create;
  create.mutable_create_stream()->set_table_name("a.b.c");

  RequestParser parser;
  ParsedRequest& parsed = parser.parsed;
  ASSERT_TRUE(parser.Parse(batch.SerializeAsString()).ok());
  ASSERT_TRUE(parser.Parse(create.SerializeAsString()).ok());
  EXPECT_EQ(parsed.kind, ParsedRequest::Kind::kCreateStream);
  EXPECT_FALSE(parsed.has_offset);
  EXPECT_EQ(parsed.offset_id, 0);
  EXPECT_EQ(parsed.payload, ParsedRequest::Payload::kNone);
  EXPECT_TRUE(parsed.records.empty());

  ASSERT_TRUE(parser.Parse("").ok());
  EXPECT_EQ(parsed.kind, ParsedRequest::Kind::kNone);
  EXPECT_TRUE(parsed.create_stream.empty());
}

// Adds an unknown field of every wire type (varint, fixed64, length-delimited, fixed32).
void AddUnknownFields(google::protobuf::Message* message) {
  auto* unknown = message->GetReflection()->MutableUnknownFields(message);
  unknown->AddVarint(90, 300);
  unknown->AddFixed64(91, 0x0102030405060708ull);
  unknown->AddLengthDelimited(92, "unknown bytes");
  unknown->AddFixed32(93, 7);
}

TEST(StreamMessagesTest, ToleratesUnknownFieldsAtEveryLevel) {
  zb::EphemeralStreamRequest request;
  auto* ingest = request.mutable_ingest_record_batch();
  ingest->set_offset_id(5);
  auto* body = ingest->mutable_proto_encoded_batch();
  body->add_records("one");
  body->add_records("two");
  AddUnknownFields(&request);
  AddUnknownFields(ingest);
  AddUnknownFields(body);
  const std::string bytes = request.SerializeAsString();
  // The unknown fields are on the wire, before and after the known ones.
  ASSERT_GT(bytes.size(), 3 * 30u);

  RequestParser parser;
  ParsedRequest& parsed = parser.parsed;
  ASSERT_TRUE(parser.Parse(bytes).ok());
  EXPECT_EQ(parsed.kind, ParsedRequest::Kind::kIngestRecordBatch);
  EXPECT_EQ(parsed.offset_id, 5);
  EXPECT_EQ(parsed.payload, ParsedRequest::Payload::kProto);
  EXPECT_THAT(ToStrings(parsed.records), ElementsAreArray({"one", "two"}));

  // Unknown fields written before the known ones, too.
  const std::string reordered = std::string("\xd0\x05\x01", 3) + bytes;  // field 90 varint 1
  ASSERT_TRUE(parser.Parse(reordered).ok());
  EXPECT_THAT(ToStrings(parsed.records), ElementsAreArray({"one", "two"}));

  zb::EphemeralStreamRequest create;
  create.mutable_create_stream()->set_table_name("a.b.c");
  AddUnknownFields(&create);
  ASSERT_TRUE(parser.Parse(create.SerializeAsString()).ok());
  EXPECT_EQ(parsed.kind, ParsedRequest::Kind::kCreateStream);
  EXPECT_EQ(parsed.create_stream, create.create_stream().SerializeAsString());

  // A known field number with an unexpected wire type is an unknown field, as for protobuf.
  const std::string odd_offset = std::string("\x1a\x07\x0d\x01\x02\x03\x04\x12\x00", 9);
  ASSERT_TRUE(parser.Parse(odd_offset).ok());
  zb::EphemeralStreamRequest generated;
  ASSERT_TRUE(generated.ParseFromString(odd_offset));
  EXPECT_FALSE(generated.ingest_record_batch().has_offset_id());
  EXPECT_FALSE(parsed.has_offset);
  EXPECT_EQ(parsed.payload, ParsedRequest::Payload::kProto);
}

TEST(StreamMessagesTest, RejectsEveryTruncation) {
  zb::EphemeralStreamRequest request;
  request.mutable_ingest_record_batch()->set_offset_id(int64_t{1} << 40);
  auto* body = request.mutable_ingest_record_batch()->mutable_proto_encoded_batch();
  body->add_records(std::string(300, 'r'));
  body->add_records("");
  const std::string bytes = request.SerializeAsString();
  RequestParser parser;
  for (size_t size = 1; size < bytes.size(); ++size) {
    SCOPED_TRACE("first " + std::to_string(size) + " of " + std::to_string(bytes.size()));
    const std::string_view cut(bytes.data(), size);
    Status status = parser.Parse(std::string(cut));
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr("Malformed EphemeralStreamRequest"));
    zb::EphemeralStreamRequest generated;
    EXPECT_FALSE(generated.ParseFromArray(cut.data(), static_cast<int>(cut.size())));
  }

  // Truncated inside the batch body while the outer lengths are consistent.
  const std::string inner_cut = std::string("\x1a\x06\x08\x01\x12\x02\x0a\x05", 8);
  Status status = parser.Parse(inner_cut);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("Malformed"));

  // A varint that never ends.
  status = parser.Parse(std::string(11, '\xff'));
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("Malformed"));
}

TEST(StreamMessagesTest, SkipsUnknownGroupsAsProtobufDoes) {
  // The protocol has no groups, but protobuf's parser skips unknown ones, so the emulator's two
  // readings (ephemeral_request.h) must too.
  const std::vector<std::string> skipped = {
      std::string("\x2b\x2c", 2),                  // top level: group 5 (start, end)
      std::string("\x1a\x02\x23\x24", 4),          // in ingest_record_batch: group 4
      std::string("\x1a\x04\x12\x02\x1b\x1c", 6),  // in the batch body: group 3
      std::string("\x12\x02\x33\x34", 4),          // in ingest_record: group 6
      std::string("\x0a\x04\x73\x08\x01\x74", 6),  // in create_stream: group 14 with a field
  };
  for (const std::string& bytes : skipped) {
    zb::EphemeralStreamRequest generated;
    EXPECT_TRUE(generated.ParseFromString(bytes)) << ::testing::PrintToString(bytes);
    RequestParser parser;
    EXPECT_TRUE(parser.Parse(bytes).ok()) << ::testing::PrintToString(bytes);
  }
}

TEST(StreamMessagesTest, RejectsBrokenGroupsAndInvalidWireTypes) {
  // protobuf nests messages and groups at most 100 deep.
  const std::string deep = std::string(101, '\x2b') + std::string(101, '\x2c');
  const std::vector<std::string> bad = {
      std::string("\x2b", 1),      // a group that does not end
      std::string("\x2b\x34", 2),  // ended by another group's end tag
      std::string("\x2c", 1),      // an end without a start
      std::string("\x2e", 1),      // wire type 6
      std::string("\x2f", 1),      // wire type 7
      deep,
  };
  for (const std::string& bytes : bad) {
    zb::EphemeralStreamRequest generated;
    EXPECT_FALSE(generated.ParseFromString(bytes)) << ::testing::PrintToString(bytes);
    RequestParser parser;
    Status status = parser.Parse(bytes);
    ASSERT_FALSE(status.ok()) << ::testing::PrintToString(bytes);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(status.kind(), ErrorKind::kTransmission);
    EXPECT_THAT(status.message(), HasSubstr("Malformed EphemeralStreamRequest"));
  }
  // 100 deep still parses.
  RequestParser parser;
  EXPECT_TRUE(parser.Parse(std::string(100, '\x2b') + std::string(100, '\x2c')).ok());
}

TEST(StreamMessagesTest, TheLastOneofMemberWins) {
  zb::EphemeralStreamRequest create;
  create.mutable_create_stream()->set_table_name("a.b.c");
  zb::EphemeralStreamRequest batch;
  batch.mutable_ingest_record_batch()->set_offset_id(4);
  batch.mutable_ingest_record_batch()->mutable_proto_encoded_batch()->add_records("r");
  zb::EphemeralStreamRequest single;
  single.mutable_ingest_record()->set_json_record("{}");

  // Top level: concatenated messages merge, and the oneof keeps the member seen last.
  RequestParser parser;
  ParsedRequest& parsed = parser.parsed;
  ASSERT_TRUE(parser.Parse(create.SerializeAsString() + batch.SerializeAsString()).ok());
  EXPECT_EQ(parsed.kind, ParsedRequest::Kind::kIngestRecordBatch);
  EXPECT_TRUE(parsed.create_stream.empty());
  EXPECT_EQ(parsed.offset_id, 4);
  EXPECT_THAT(ToStrings(parsed.records), ElementsAreArray({"r"}));

  ASSERT_TRUE(parser.Parse(batch.SerializeAsString() + single.SerializeAsString()).ok());
  EXPECT_EQ(parsed.kind, ParsedRequest::Kind::kIngestRecord);
  EXPECT_FALSE(parsed.has_offset);  // the batch's offset went with the batch
  EXPECT_EQ(parsed.payload, ParsedRequest::Payload::kJson);
  EXPECT_THAT(ToStrings(parsed.records), ElementsAreArray({"{}"}));

  ASSERT_TRUE(parser.Parse(batch.SerializeAsString() + create.SerializeAsString()).ok());
  EXPECT_EQ(parsed.kind, ParsedRequest::Kind::kCreateStream);
  EXPECT_FALSE(parsed.has_offset);
  EXPECT_TRUE(parsed.records.empty());
  EXPECT_EQ(parsed.create_stream, create.create_stream().SerializeAsString());

  // Inside a request: proto_encoded_batch then json_batch keeps the JSON records only.
  zb::IngestRecordBatchRequest proto_part;
  proto_part.set_offset_id(2);
  proto_part.mutable_proto_encoded_batch()->add_records("p1");
  zb::IngestRecordBatchRequest json_part;
  json_part.mutable_json_batch()->add_records("{\"j\": 1}");
  const std::string inner = proto_part.SerializeAsString() + json_part.SerializeAsString();
  std::string bytes = "\x1a";
  bytes.push_back(static_cast<char>(inner.size()));
  bytes += inner;
  zb::EphemeralStreamRequest generated;
  ASSERT_TRUE(generated.ParseFromString(bytes));
  ASSERT_TRUE(generated.ingest_record_batch().has_json_batch());
  ASSERT_TRUE(parser.Parse(bytes).ok());
  EXPECT_EQ(parsed.offset_id, 2);
  EXPECT_EQ(parsed.payload, ParsedRequest::Payload::kJson);
  EXPECT_THAT(ToStrings(parsed.records),
              ElementsAreArray(generated.ingest_record_batch().json_batch().records()));

  // A single record: proto_encoded_record then json_record.
  zb::IngestRecordRequest record_part;
  record_part.set_offset_id(1);
  record_part.set_proto_encoded_record("p");
  zb::IngestRecordRequest json_record_part;
  json_record_part.set_json_record("{}");
  const std::string record_inner =
      record_part.SerializeAsString() + json_record_part.SerializeAsString();
  bytes = "\x12";
  bytes.push_back(static_cast<char>(record_inner.size()));
  bytes += record_inner;
  ASSERT_TRUE(parser.Parse(bytes).ok());
  EXPECT_EQ(parsed.offset_id, 1);
  EXPECT_EQ(parsed.payload, ParsedRequest::Payload::kJson);
  EXPECT_THAT(ToStrings(parsed.records), ElementsAreArray({"{}"}));
}

// The same oneof member twice is merged, as protobuf merges a repeated message field: the
// records of both parts, the offset of the last part that has one.
TEST(StreamMessagesTest, TheSameMemberTwiceMergesLikeProtobuf) {
  zb::EphemeralStreamRequest first;
  first.mutable_ingest_record_batch()->set_offset_id(1);
  first.mutable_ingest_record_batch()->mutable_proto_encoded_batch()->add_records("a");
  zb::EphemeralStreamRequest second;
  second.mutable_ingest_record_batch()->mutable_proto_encoded_batch()->add_records("b");
  second.mutable_ingest_record_batch()->mutable_proto_encoded_batch()->add_records("c");
  zb::EphemeralStreamRequest third;
  third.mutable_ingest_record_batch()->set_offset_id(3);

  const std::string bytes =
      first.SerializeAsString() + second.SerializeAsString() + third.SerializeAsString();
  zb::EphemeralStreamRequest generated;
  ASSERT_TRUE(generated.ParseFromString(bytes));
  RequestParser parser;
  ParsedRequest& parsed = parser.parsed;
  ASSERT_TRUE(parser.Parse(bytes).ok());
  EXPECT_EQ(parsed.kind, ParsedRequest::Kind::kIngestRecordBatch);
  EXPECT_TRUE(parsed.has_offset);
  EXPECT_EQ(parsed.offset_id, generated.ingest_record_batch().offset_id());
  EXPECT_EQ(parsed.payload, ParsedRequest::Payload::kProto);
  EXPECT_THAT(ToStrings(parsed.records),
              ElementsAreArray(generated.ingest_record_batch().proto_encoded_batch().records()));
  EXPECT_THAT(ToStrings(parsed.records), ElementsAreArray({"a", "b", "c"}));

  // A single record message twice: a bytes field, so the last value is kept.
  zb::EphemeralStreamRequest one;
  one.mutable_ingest_record()->set_offset_id(6);
  one.mutable_ingest_record()->set_proto_encoded_record("x");
  zb::EphemeralStreamRequest two;
  two.mutable_ingest_record()->set_proto_encoded_record("y");
  ASSERT_TRUE(parser.Parse(one.SerializeAsString() + two.SerializeAsString()).ok());
  EXPECT_EQ(parsed.offset_id, 6);
  EXPECT_THAT(ToStrings(parsed.records), ElementsAreArray({"y"}));
}

}  // namespace
}  // namespace arrow_zerobus::zerobus
