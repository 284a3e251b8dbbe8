// The emulator's EphemeralStream service seen by a raw client (the generated synchronous stub, no
// arrow-zerobus client code): the protocol's order and offsets, every refusal with its status
// code and message, authentication, declared tables, descriptors, landing files, counters and
// scripted faults.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <unistd.h>

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.pb.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "raw_ephemeral_stream.h"
#include "testing/arrow_builders.h"
#include "testing/emulator_fixture.h"
#include "zerobus_service.grpc.pb.h"

namespace arrow_zerobus::testing {
namespace {

namespace zb = ::databricks::zerobus;
using ::testing::AllOf;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr char kTableHeader[] = "x-databricks-zerobus-table-name";
constexpr char kOtherTable[] = "main.default.other";

int64_t ElapsedMs(Clock::time_point since) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - since).count();
}

zb::EphemeralStreamRequest JsonBatch(int64_t offset, const std::vector<std::string>& records) {
  zb::EphemeralStreamRequest request;
  auto* batch = request.mutable_ingest_record_batch();
  batch->set_offset_id(offset);
  auto* body = batch->mutable_json_batch();
  for (const auto& record : records) body->add_records(record);
  return request;
}

void ExpectStatus(const grpc::Status& status, grpc::StatusCode code,
                  const std::vector<std::string>& parts) {
  EXPECT_EQ(status.error_code(), code) << status.error_message();
  for (const std::string& part : parts) EXPECT_THAT(status.error_message(), HasSubstr(part));
}

/// Sends `request` as the first ingest after create and expects the RPC to end with `code`.
void ExpectRefused(RawStream* stream, const zb::EphemeralStreamRequest& request,
                   grpc::StatusCode code, const std::vector<std::string>& parts) {
  stream->Write(request);
  std::vector<zb::EphemeralStreamResponse> rest;
  ExpectStatus(stream->Finish(&rest), code, parts);
  for (const auto& response : rest) {
    EXPECT_FALSE(response.has_ingest_record_response()) << response.ShortDebugString();
  }
}

std::vector<std::string> ReadLines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// An empty directory under the test temp dir.
std::filesystem::path FreshDir(const std::string& name) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) /
      ("emulator_protocol_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

google::protobuf::FieldDescriptorProto* AddField(google::protobuf::DescriptorProto* message,
                                                 const std::string& name, int number,
                                                 google::protobuf::FieldDescriptorProto::Type type,
                                                 bool required = false) {
  auto* field = message->add_field();
  field->set_name(name);
  field->set_number(number);
  field->set_type(type);
  field->set_label(required ? google::protobuf::FieldDescriptorProto::LABEL_REQUIRED
                            : google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
  return field;
}

// ---- the protocol ----

TEST(EmulatorProtocolTest, InitialMetadataArrivesBeforeTheClientSends) {
  auto emu = StartEmulator();
  RawStream stream(*emu, AuthFor(*emu, kTestTable), milliseconds(3000));
  const auto start = Clock::now();
  stream.rpc().WaitForInitialMetadata();  // nothing written yet
  EXPECT_LT(ElapsedMs(start), 1000);
  // The RPC is alive (not ended by its deadline): it goes on normally.
  ASSERT_TRUE(stream.Create(CreateRequest(kTestTable)));
  ASSERT_TRUE(stream.Write(ProtoBatch(0, {EventRecord(1)})));
  EXPECT_EQ(stream.ReadAck(), 0);
  EXPECT_TRUE(stream.Close().ok());
}

TEST(EmulatorProtocolTest, AcksAreCumulativeAndStreamIdsAreUuids) {
  auto emu = StartEmulator();
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::vector<std::string> ids;
  for (int connection = 0; connection < 2; ++connection) {
    auto stream = OpenCreated(*emu);
    EXPECT_TRUE(std::regex_match(stream->stream_id(), uuid)) << stream->stream_id();
    ids.push_back(stream->stream_id());
    for (int64_t offset = 0; offset < 3; ++offset) {
      ASSERT_TRUE(stream->Write(
          ProtoBatch(offset, {EventRecord(offset * 2), EventRecord(offset * 2 + 1)})));
    }
    std::vector<zb::EphemeralStreamResponse> rest;
    const grpc::Status status = stream->Close(&rest);
    EXPECT_TRUE(status.ok()) << status.error_message();
    ASSERT_FALSE(rest.empty());
    int64_t last = -1;
    for (const auto& response : rest) {
      ASSERT_TRUE(response.has_ingest_record_response()) << response.ShortDebugString();
      const int64_t ack = response.ingest_record_response().durability_ack_up_to_offset();
      EXPECT_GT(ack, last);  // cumulative: every ack covers more than the one before
      EXPECT_LE(ack, 2);
      last = ack;
    }
    EXPECT_EQ(last, 2);
  }
  EXPECT_NE(ids[0], ids[1]);
  const auto landed = emu->LandedRecords(kTestTable);
  ASSERT_EQ(landed.size(), 12u);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(EventId(landed[i]), i % 6);
}

TEST(EmulatorProtocolTest, IngestBeforeCreateIsRefused) {
  auto emu = StartEmulator();
  RawStream stream(*emu, AuthFor(*emu, kTestTable));
  ExpectRefused(&stream, ProtoBatch(0, {EventRecord(1)}), grpc::StatusCode::INVALID_ARGUMENT,
                {"The first message of a stream must be create_stream"});
  EXPECT_EQ(emu->Counters(kTestTable).records, 0);
}

TEST(EmulatorProtocolTest, SecondCreateIsRefused) {
  auto emu = StartEmulator();
  auto stream = OpenCreated(*emu);
  ExpectRefused(stream.get(), CreateRequest(kTestTable), grpc::StatusCode::INVALID_ARGUMENT,
                {"create_stream may be sent only once"});
}

TEST(EmulatorProtocolTest, OffsetGapIsRefused) {
  auto emu = StartEmulator();
  auto stream = OpenCreated(*emu);
  ASSERT_TRUE(stream->Write(ProtoBatch(0, {EventRecord(1)})));
  EXPECT_EQ(stream->ReadAck(), 0);
  ExpectRefused(stream.get(), ProtoBatch(2, {EventRecord(2)}), grpc::StatusCode::INVALID_ARGUMENT,
                {"Non-incremental offset: expected 1, actual 2"});
  EXPECT_EQ(emu->Counters(kTestTable).records, 1);
}

TEST(EmulatorProtocolTest, RepeatedOffsetIsRefused) {
  auto emu = StartEmulator();
  auto stream = OpenCreated(*emu);
  ASSERT_TRUE(stream->Write(ProtoBatch(0, {EventRecord(1)})));
  EXPECT_EQ(stream->ReadAck(), 0);
  ExpectRefused(stream.get(), ProtoBatch(0, {EventRecord(1)}), grpc::StatusCode::INVALID_ARGUMENT,
                {"Non-incremental offset: expected 1, actual 0"});
}

TEST(EmulatorProtocolTest, MissingOffsetIsRefused) {
  auto emu = StartEmulator();
  auto stream = OpenCreated(*emu);
  ExpectRefused(stream.get(), ProtoBatch(std::nullopt, {EventRecord(1)}),
                grpc::StatusCode::INVALID_ARGUMENT, {"Ingest request without offset_id"});
  EXPECT_EQ(emu->Counters(kTestTable).records, 0);
}

TEST(EmulatorProtocolTest, RequestWithoutRecordsIsRefused) {
  auto emu = StartEmulator();
  auto stream = OpenCreated(*emu);
  zb::EphemeralStreamRequest request;
  request.mutable_ingest_record()->set_offset_id(0);
  ExpectRefused(stream.get(), request, grpc::StatusCode::INVALID_ARGUMENT,
                {"The request with offset_id 0 carries no records"});
}

TEST(EmulatorProtocolTest, SingleRecordRequestsAreAcked) {
  auto emu = StartEmulator();
  auto stream = OpenCreated(*emu);
  for (int64_t offset = 0; offset < 2; ++offset) {
    zb::EphemeralStreamRequest request;
    request.mutable_ingest_record()->set_offset_id(offset);
    request.mutable_ingest_record()->set_proto_encoded_record(EventRecord(40 + offset));
    ASSERT_TRUE(stream->Write(request));
    EXPECT_EQ(stream->ReadAck(), offset);
  }
  EXPECT_TRUE(stream->Close().ok());
  const auto landed = emu->LandedRecords(kTestTable);
  ASSERT_EQ(landed.size(), 2u);
  EXPECT_EQ(EventId(landed[0]), 40);
  EXPECT_EQ(EventId(landed[1]), 41);
}

TEST(EmulatorProtocolTest, JsonRecordIntoProtoStreamIsRefused) {
  auto emu = StartEmulator();
  auto stream = OpenCreated(*emu);
  ExpectRefused(stream.get(), JsonBatch(0, {R"({"id": 1})"}), grpc::StatusCode::INVALID_ARGUMENT,
                {"Record type mismatch", "created for PROTO records",
                 "request with offset_id 0 carries JSON records"});
  EXPECT_EQ(emu->Counters(kTestTable).records, 0);
}

TEST(EmulatorProtocolTest, JsonStreamAcceptsObjectsAndRefusesOtherValues) {
  auto emu = StartEmulator();
  RawStream stream(*emu, AuthFor(*emu, kTestTable));
  ASSERT_TRUE(stream.Create(CreateRequest(kTestTable, std::nullopt, zb::JSON)));
  ASSERT_TRUE(stream.Write(JsonBatch(0, {R"({"id": 1, "name": "a"})", "{}"})));
  EXPECT_EQ(stream.ReadAck(), 0);
  zb::EphemeralStreamRequest single;
  single.mutable_ingest_record()->set_offset_id(1);
  single.mutable_ingest_record()->set_json_record(R"({"id": 2})");
  ASSERT_TRUE(stream.Write(single));
  EXPECT_EQ(stream.ReadAck(), 1);
  ExpectRefused(&stream, JsonBatch(2, {R"({"id": 3})", "[1, 2]"}),
                grpc::StatusCode::INVALID_ARGUMENT,
                {"Record 1 of the request with offset_id 2 is not a JSON object"});
  EXPECT_EQ(emu->Counters(kTestTable).records, 3);

  // Text that is no JSON at all, and PROTO records into a JSON stream.
  RawStream garbage(*emu, AuthFor(*emu, kTestTable));
  ASSERT_TRUE(garbage.Create(CreateRequest(kTestTable, std::nullopt, zb::JSON)));
  ExpectRefused(&garbage, JsonBatch(0, {"{not json"}), grpc::StatusCode::INVALID_ARGUMENT,
                {"Record 0 of the request with offset_id 0 is not a JSON object"});
  RawStream proto(*emu, AuthFor(*emu, kTestTable));
  ASSERT_TRUE(proto.Create(CreateRequest(kTestTable, std::nullopt, zb::JSON)));
  ExpectRefused(&proto, ProtoBatch(0, {EventRecord(1)}), grpc::StatusCode::INVALID_ARGUMENT,
                {"Record type mismatch", "created for JSON records", "carries PROTO records"});
}

TEST(EmulatorProtocolTest, ProtoStreamNeedsADescriptorAndAKnownRecordType) {
  auto emu = StartEmulator();
  RawStream no_descriptor(*emu, AuthFor(*emu, kTestTable));
  ExpectRefused(&no_descriptor, CreateRequest(kTestTable, std::nullopt),
                grpc::StatusCode::INVALID_ARGUMENT,
                {"Invalid descriptor_proto", "a PROTO stream needs a descriptor"});
  RawStream unspecified(*emu, AuthFor(*emu, kTestTable));
  ExpectRefused(&unspecified,
                CreateRequest(kTestTable, EventDescriptor(), zb::RECORD_TYPE_UNSPECIFIED),
                grpc::StatusCode::INVALID_ARGUMENT, {"record_type must be PROTO or JSON, not 0"});
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 2);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 0);
}

TEST(EmulatorProtocolTest, UndecodableRecordIsRefusedByPosition) {
  auto emu = StartEmulator();
  auto stream = OpenCreated(*emu);
  // Field 2 (name) announces 16 bytes but 3 follow.
  const std::string garbage = std::string("\x12\x10", 2) + "abc";
  ExpectRefused(stream.get(), ProtoBatch(0, {EventRecord(1), garbage, EventRecord(3)}),
                grpc::StatusCode::INVALID_ARGUMENT,
                {"Record 1 of the request with offset_id 0: record does not parse as message "
                 "'Event'"});
  // Nothing of the request landed, not even the records before the bad one.
  EXPECT_EQ(emu->Counters(kTestTable).records, 0);
  EXPECT_TRUE(emu->LandedRecords(kTestTable).empty());
}

TEST(EmulatorProtocolTest, RecordMissingARequiredFieldIsRefused) {
  auto emu = StartEmulator();
  google::protobuf::DescriptorProto descriptor;
  descriptor.set_name("Strict");
  AddField(&descriptor, "id", 1, google::protobuf::FieldDescriptorProto::TYPE_INT64,
           /*required=*/true);
  AddField(&descriptor, "name", 2, google::protobuf::FieldDescriptorProto::TYPE_STRING);
  RawStream stream(*emu, AuthFor(*emu, kTestTable));
  ASSERT_TRUE(stream.Create(CreateRequest(kTestTable, descriptor.SerializeAsString())));
  ASSERT_TRUE(stream.Write(ProtoBatch(0, {EventRecord(7)})));
  EXPECT_EQ(stream.ReadAck(), 0);
  const std::string only_name = std::string("\x12\x01", 2) + "x";
  ExpectRefused(&stream, ProtoBatch(1, {EventRecord(8), only_name}),
                grpc::StatusCode::INVALID_ARGUMENT,
                {"Record 1 of the request with offset_id 1", "misses required field(s)", "id"});
  EXPECT_EQ(emu->Counters(kTestTable).records, 1);
}

TEST(EmulatorProtocolTest, RecordAndRequestSizeLimits) {
  emulator::EmulatorOptions options;
  options.max_record_bytes = 100;
  options.max_request_bytes = 1000;
  auto emu = StartEmulator(options);

  // A record of exactly the limit is accepted; one byte more is refused.
  const std::string at_limit = EventRecord(1, std::string(100 - 4, 'n'));
  ASSERT_EQ(at_limit.size(), 100u);
  const std::string over = EventRecord(1, std::string(100 - 3, 'n'));
  {
    auto stream = OpenCreated(*emu);
    ASSERT_TRUE(stream->Write(ProtoBatch(0, {at_limit})));
    EXPECT_EQ(stream->ReadAck(), 0);
    ExpectRefused(stream.get(), ProtoBatch(1, {EventRecord(2), over}),
                  grpc::StatusCode::INVALID_ARGUMENT,
                  {"Record 1 of the request with offset_id 1 is 101 bytes; the maximum record "
                   "size is 100 bytes"});
  }

  // A request of exactly the limit is accepted; one byte more is refused.
  auto request_of = [](size_t total) {
    std::vector<std::string> records(10, EventRecord(5, std::string(90, 'r')));
    for (size_t name = 0; name < 90; ++name) {
      records.push_back(EventRecord(6, std::string(name, 'r')));
      const auto request = ProtoBatch(0, records);
      if (request.ByteSizeLong() == total) return request;
      records.pop_back();
    }
    ADD_FAILURE() << "no request of " << total << " bytes";
    return zb::EphemeralStreamRequest();
  };
  {
    auto stream = OpenCreated(*emu);
    ASSERT_TRUE(stream->Write(request_of(1000)));
    EXPECT_EQ(stream->ReadAck(), 0);
    auto too_big = request_of(1001);
    too_big.mutable_ingest_record_batch()->set_offset_id(1);
    ASSERT_EQ(too_big.ByteSizeLong(), 1001u);
    ExpectRefused(stream.get(), too_big, grpc::StatusCode::INVALID_ARGUMENT,
                  {"The request with offset_id 1 is 1001 bytes; the maximum request size is "
                   "1000 bytes"});
  }
  EXPECT_EQ(emu->Counters(kTestTable).requests, 2);
}

// ---- authentication and tables ----

TEST(EmulatorProtocolTest, AuthenticationAndTableHeader) {
  auto emu = StartEmulator();
  struct Case {
    const char* what;
    Headers headers;
    std::string create_table;
    grpc::StatusCode code;
    std::vector<std::string> parts;
  };
  const std::string token = emu->IssueToken(kTestTable);
  const std::string other_token = emu->IssueToken(kOtherTable);
  const Case cases[] = {
      {"no authorization",
       {kTestTable, std::nullopt},
       kTestTable,
       grpc::StatusCode::UNAUTHENTICATED,
       {"Missing bearer token in the authorization header"}},
      {"not a bearer token",
       {kTestTable, "Basic " + token},
       kTestTable,
       grpc::StatusCode::UNAUTHENTICATED,
       {"Missing bearer token"}},
      {"unknown token",
       {kTestTable, "Bearer emu-0123456789"},
       kTestTable,
       grpc::StatusCode::UNAUTHENTICATED,
       {"table main.default.events", "unknown or expired"}},
      {"token of another table",
       {kTestTable, "Bearer " + other_token},
       kTestTable,
       grpc::StatusCode::PERMISSION_DENIED,
       {"token does not grant access to table main.default.events",
        "issued for main.default.other"}},
      {"no table header",
       {std::nullopt, "Bearer " + token},
       kTestTable,
       grpc::StatusCode::INVALID_ARGUMENT,
       {"Missing the x-databricks-zerobus-table-name header"}},
      {"header names another table",
       {kOtherTable, "Bearer " + token},
       kTestTable,
       grpc::StatusCode::INVALID_ARGUMENT,
       {"create_stream names table 'main.default.events' but the "
        "x-databricks-zerobus-table-name header names 'main.default.other'"}},
      {"not a three-part name",
       {"events", "Bearer " + token},
       "events",
       grpc::StatusCode::INVALID_ARGUMENT,
       {"table name 'events' must have exactly 3 parts"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    RawStream stream(*emu, c.headers);
    ExpectRefused(&stream, CreateRequest(c.create_table), c.code, c.parts);
  }
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 0);
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 4);  // those that named a valid table

  // The right token for the right table.
  RawStream good(*emu, {kTestTable, "Bearer " + token});
  ASSERT_TRUE(good.Create(CreateRequest(kTestTable)));
  ASSERT_TRUE(good.Write(ProtoBatch(0, {EventRecord(1)})));
  EXPECT_EQ(good.ReadAck(), 0);
  EXPECT_TRUE(good.Close().ok());
}

TEST(EmulatorProtocolTest, TokensNeverAppearInRefusals) {
  auto emu = StartEmulator();
  const std::string other_token = emu->IssueToken(kOtherTable);
  RawStream stream(*emu, {kTestTable, "Bearer " + other_token});
  stream.Write(CreateRequest(kTestTable));
  const grpc::Status status = stream.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), ::testing::Not(HasSubstr(other_token)));
}

TEST(EmulatorProtocolTest, WithoutRequiredAuthNoTokenIsNeeded) {
  emulator::EmulatorOptions options;
  options.require_auth = false;
  auto emu = StartEmulator(options);
  RawStream stream(*emu, {kTestTable, std::nullopt});
  ASSERT_TRUE(stream.Create(CreateRequest(kTestTable)));
  ASSERT_TRUE(stream.Write(ProtoBatch(0, {EventRecord(1)})));
  EXPECT_EQ(stream.ReadAck(), 0);
  EXPECT_TRUE(stream.Close().ok());
  EXPECT_EQ(emu->Counters(kTestTable).records, 1);
}

TEST(EmulatorProtocolTest, StrictTablesRefuseUndeclaredAndUnfittingStreams) {
  emulator::EmulatorOptions options;
  options.accept_undeclared_tables = false;
  auto emu = StartEmulator(options);
  emu->DeclareTable(kTestTable, {{"id", "BIGINT", true}, {"name", "STRING", true}});
  const std::string narrow = "main.default.narrow";
  emu->DeclareTable(narrow, {{"id", "BIGINT", true}});

  RawStream undeclared(*emu, AuthFor(*emu, kOtherTable));
  ExpectRefused(&undeclared, CreateRequest(kOtherTable), grpc::StatusCode::NOT_FOUND,
                {"Table 'main.default.other' does not exist"});

  RawStream unfitting(*emu, AuthFor(*emu, narrow));
  ExpectRefused(&unfitting, CreateRequest(narrow), grpc::StatusCode::INVALID_ARGUMENT,
                {"FIELD_NOT_IN_TABLE", "'name'"});

  auto fitting = OpenCreated(*emu, kTestTable);
  ASSERT_TRUE(fitting->Write(ProtoBatch(0, {EventRecord(1)})));
  EXPECT_EQ(fitting->ReadAck(), 0);
  EXPECT_TRUE(fitting->Close().ok());
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 1);
  EXPECT_EQ(emu->Counters(narrow).streams_refused, 1);
}

// ---- descriptors ----

/// Event { optional int64 id = 1; optional Inner inner = 3; message Inner { optional string
/// city = 1; } }, with `inner` referring to its type by `type_name`.
std::string NestedDescriptor(const std::string& type_name) {
  google::protobuf::DescriptorProto message;
  message.set_name("Event");
  AddField(&message, "id", 1, google::protobuf::FieldDescriptorProto::TYPE_INT64);
  AddField(&message, "inner", 3, google::protobuf::FieldDescriptorProto::TYPE_MESSAGE)
      ->set_type_name(type_name);
  auto* inner = message.add_nested_type();
  inner->set_name("Inner");
  AddField(inner, "city", 1, google::protobuf::FieldDescriptorProto::TYPE_STRING);
  return message.SerializeAsString();
}

TEST(EmulatorProtocolTest, NestedTypeWithPackageQualifiedNameDecodes) {
  emulator::EmulatorOptions options;
  const auto dir = FreshDir("nested");
  options.data_dir = dir;
  auto emu = StartEmulator(options);
  RawStream stream(*emu, AuthFor(*emu, kTestTable));
  ASSERT_TRUE(stream.Create(CreateRequest(kTestTable, NestedDescriptor(".pkg.Event.Inner"))));
  // id = 5, inner = {city: "NYC"}
  const std::string record = std::string("\x08\x05\x1a\x05\x0a\x03", 6) + "NYC";
  ASSERT_TRUE(stream.Write(ProtoBatch(0, {record})));
  EXPECT_EQ(stream.ReadAck(), 0);
  // The nested message is decoded too: bad bytes inside it are refused.
  const std::string bad_inner = std::string("\x08\x06\x1a\x02\x0a\x05", 6);
  ExpectRefused(&stream, ProtoBatch(1, {bad_inner}), grpc::StatusCode::INVALID_ARGUMENT,
                {"Record 0 of the request with offset_id 1", "does not parse", "pkg.Event"});

  const auto rows = ReadArrowsRows(dir / kTestTable / (stream.stream_id() + ".arrows"));
  ASSERT_NE(rows, nullptr);
  const auto inner = arrow::struct_({arrow::field("city", arrow::large_utf8())});
  const arrow::FieldVector fields = {arrow::field("id", arrow::int64()),
                                     arrow::field("inner", inner)};
  const auto expected = MakeBatch(
      fields, {ArrayFromJson(arrow::int64(), "[5]"), ArrayFromJson(inner, R"([{"city": "NYC"}])")});
  EXPECT_TRUE(rows->Equals(*expected)) << rows->ToString();
  std::filesystem::remove_all(dir);
}

TEST(EmulatorProtocolTest, TypeNameOutsideTheMessageIsRefused) {
  auto emu = StartEmulator();
  RawStream outside(*emu, AuthFor(*emu, kTestTable));
  ExpectRefused(&outside, CreateRequest(kTestTable, NestedDescriptor(".other.Thing")),
                grpc::StatusCode::INVALID_ARGUMENT,
                {"Invalid descriptor_proto", "'.other.Thing' refers outside message 'Event'"});
  RawStream missing(*emu, AuthFor(*emu, kTestTable));
  ExpectRefused(&missing, CreateRequest(kTestTable, NestedDescriptor(".pkg.Event.Missing")),
                grpc::StatusCode::INVALID_ARGUMENT, {"Invalid descriptor_proto"});
  RawStream not_a_descriptor(*emu, AuthFor(*emu, kTestTable));
  ExpectRefused(&not_a_descriptor, CreateRequest(kTestTable, std::string("\x0a\x10", 2)),
                grpc::StatusCode::INVALID_ARGUMENT,
                {"Invalid descriptor_proto", "not a serialized DescriptorProto"});
}

// ---- landing, light mode, counters ----

TEST(EmulatorProtocolTest, RecordsLandAsArrowRowsPerStream) {
  emulator::EmulatorOptions options;
  const auto dir = FreshDir("landing");
  options.data_dir = dir;
  auto emu = StartEmulator(options);

  auto first = OpenCreated(*emu);
  ASSERT_TRUE(first->Write(ProtoBatch(0, {EventRecord(1, "a"), EventRecord(2, "b")})));
  ASSERT_TRUE(first->Write(ProtoBatch(1, {EventRecord(3, "ü")})));
  EXPECT_TRUE(first->Close().ok());

  RawStream json(*emu, AuthFor(*emu, kOtherTable));
  ASSERT_TRUE(json.Create(CreateRequest(kOtherTable, std::nullopt, zb::JSON)));
  ASSERT_TRUE(json.Write(JsonBatch(0, {R"({ "k" : [1, 2] })"})));
  EXPECT_EQ(json.ReadAck(), 0);
  // A refused request adds nothing to the file.
  ExpectRefused(&json, JsonBatch(1, {R"({"k": 3})", "7"}), grpc::StatusCode::INVALID_ARGUMENT,
                {"is not a JSON object"});

  const auto rows = ReadArrowsRows(dir / kTestTable / (first->stream_id() + ".arrows"));
  ASSERT_NE(rows, nullptr);
  const arrow::FieldVector fields = {arrow::field("id", arrow::int64()),
                                     arrow::field("name", arrow::large_utf8())};
  const auto expected =
      MakeBatch(fields, {ArrayFromJson(arrow::int64(), "[1, 2, 3]"),
                         ArrayFromJson(arrow::large_utf8(), R"(["a", "b", "ü"])")});
  EXPECT_TRUE(rows->Equals(*expected)) << rows->ToString();
  const auto json_lines = ReadLines(dir / kOtherTable / (json.stream_id() + ".jsonl"));
  ASSERT_EQ(json_lines.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(json_lines[0]), nlohmann::json({{"k", {1, 2}}}));

  // Each stream has its own file.
  auto second = OpenCreated(*emu);
  ASSERT_TRUE(second->Write(ProtoBatch(0, {EventRecord(9, "z")})));
  EXPECT_TRUE(second->Close().ok());
  EXPECT_EQ(ReadArrowsRows(dir / kTestTable / (second->stream_id() + ".arrows"))->num_rows(), 1);
  EXPECT_EQ(ReadArrowsRows(dir / kTestTable / (first->stream_id() + ".arrows"))->num_rows(), 3);
  std::filesystem::remove_all(dir);
}

TEST(EmulatorProtocolTest, LightModeNeitherDecodesNorLands) {
  emulator::EmulatorOptions options;
  const auto dir = FreshDir("light");
  options.data_dir = dir;
  options.light = true;
  options.max_record_bytes = 50;
  auto emu = StartEmulator(options);
  auto stream = OpenCreated(*emu);
  const std::string garbage = std::string("\x12\x10", 2) + "abc";
  ASSERT_TRUE(stream->Write(ProtoBatch(0, {EventRecord(1), garbage})));
  EXPECT_EQ(stream->ReadAck(), 0);  // not decoded, so not refused
  ExpectRefused(stream.get(), ProtoBatch(1, {std::string(51, 'x')}),
                grpc::StatusCode::INVALID_ARGUMENT,
                {"Record 0 of the request with offset_id 1 is 51 bytes; the maximum record size "
                 "is 50 bytes"});
  const auto counters = emu->Counters(kTestTable);
  EXPECT_EQ(counters.requests, 1);
  EXPECT_EQ(counters.records, 2);
  EXPECT_EQ(counters.bytes, static_cast<int64_t>(EventRecord(1).size() + garbage.size()));
  EXPECT_FALSE(std::filesystem::exists(dir / kTestTable));
  std::filesystem::remove_all(dir);
}

TEST(EmulatorProtocolTest, CountersPerTable) {
  auto emu = StartEmulator();
  const std::vector<std::vector<std::string>> requests = {
      {EventRecord(1), EventRecord(2, "longer name")}, {EventRecord(3)}, {EventRecord(4, "")}};
  int64_t bytes = 0;
  auto stream = OpenCreated(*emu);
  for (size_t i = 0; i < requests.size(); ++i) {
    for (const auto& record : requests[i]) bytes += static_cast<int64_t>(record.size());
    ASSERT_TRUE(stream->Write(ProtoBatch(static_cast<int64_t>(i), requests[i])));
    EXPECT_EQ(stream->ReadAck(), static_cast<int64_t>(i));  // one ack per request
  }
  EXPECT_TRUE(stream->Close().ok());
  auto other = OpenCreated(*emu, kOtherTable);
  ASSERT_TRUE(other->Write(ProtoBatch(0, {EventRecord(5)})));
  EXPECT_EQ(other->ReadAck(), 0);
  EXPECT_TRUE(other->Close().ok());

  const auto counters = emu->Counters(kTestTable);
  EXPECT_EQ(counters.streams_created, 1);
  EXPECT_EQ(counters.streams_refused, 0);
  EXPECT_EQ(counters.requests, 3);
  EXPECT_EQ(counters.records, 4);
  EXPECT_EQ(counters.bytes, bytes);
  EXPECT_EQ(counters.acks, 3);
  const auto other_counters = emu->Counters(kOtherTable);
  EXPECT_EQ(other_counters.streams_created, 1);
  EXPECT_EQ(other_counters.requests, 1);
  EXPECT_EQ(other_counters.records, 1);
  EXPECT_EQ(other_counters.bytes, static_cast<int64_t>(EventRecord(5).size()));
  EXPECT_EQ(other_counters.acks, 1);
  EXPECT_EQ(emu->Tables(), (std::vector<std::string>{kTestTable, kOtherTable}));
}

TEST(EmulatorProtocolTest, UnknownMethodIsUnimplemented) {
  auto emu = StartEmulator();
  grpc::GenericStub generic(ChannelTo(*emu));
  for (const std::string method : {"/databricks.zerobus.Zerobus/MultiplexedStream",
                                   "/databricks.zerobus.v2.Zerobus/EphemeralStream"}) {
    SCOPED_TRACE(method);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + milliseconds(3000));
    context.AddMetadata(kTableHeader, kTestTable);
    grpc::Slice slice(std::string("\x0a\x00", 2));
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    generic.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                      [&done](grpc::Status status) { done.set_value(std::move(status)); });
    ExpectStatus(done.get_future().get(), grpc::StatusCode::UNIMPLEMENTED,
                 {"Method " + method + " is not served by the Zerobus emulator"});
  }
}

// ---- scripted faults ----

emulator::StreamEvent Event(int64_t after_requests, emulator::StreamEvent::Kind kind,
                            milliseconds duration = milliseconds(0)) {
  emulator::StreamEvent event;
  event.after_requests = after_requests;
  event.kind = kind;
  event.duration = duration;
  return event;
}

emulator::StreamEvent ErrorEvent(int64_t after_requests, StatusCode code,
                                 const std::string& message) {
  emulator::StreamEvent event = Event(after_requests, emulator::StreamEvent::Kind::kError);
  event.code = code;
  event.message = message;
  return event;
}

emulator::FaultScript Script(std::vector<emulator::StreamEvent> events) {
  emulator::FaultScript script;
  script.events = std::move(events);
  return script;
}

TEST(EmulatorFaultTest, CloseSignalThenUnavailable6002) {
  auto emu = StartEmulator();
  emu->SetFaultScript(
      kTestTable,
      Script({Event(1, emulator::StreamEvent::Kind::kCloseSignal, milliseconds(1050))}));
  auto stream = OpenCreated(*emu);
  const auto sent = Clock::now();
  ASSERT_TRUE(stream->Write(ProtoBatch(0, {EventRecord(1)})));
  EXPECT_EQ(stream->ReadAck(), 0);  // the request lands and is acked
  auto signal = stream->Read();
  ASSERT_TRUE(signal.has_value());
  ASSERT_TRUE(signal->has_close_stream_signal()) << signal->ShortDebugString();
  EXPECT_EQ(signal->close_stream_signal().duration().seconds(), 1);
  EXPECT_EQ(signal->close_stream_signal().duration().nanos(), 50000000);

  std::vector<zb::EphemeralStreamResponse> rest;
  const grpc::Status status = stream->Finish(&rest);
  const int64_t elapsed = ElapsedMs(sent);
  EXPECT_TRUE(rest.empty());
  ExpectStatus(status, grpc::StatusCode::UNAVAILABLE,
               {"Error Code: 6002", "(ID: " + stream->stream_id() + ")"});
  EXPECT_GE(elapsed, 1050);
  EXPECT_LT(elapsed, 2500);
  EXPECT_EQ(emu->Counters(kTestTable).close_signals, 1);
  EXPECT_EQ(emu->Counters(kTestTable).records, 1);
}

TEST(EmulatorFaultTest, KillCutsTheConnectionWithoutAckingTheLandedRequest) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, Script({Event(2, emulator::StreamEvent::Kind::kKill)}));
  auto stream = OpenCreated(*emu);
  ASSERT_TRUE(stream->Write(ProtoBatch(0, {EventRecord(10)})));
  EXPECT_EQ(stream->ReadAck(), 0);
  ASSERT_TRUE(stream->Write(ProtoBatch(1, {EventRecord(11)})));
  std::vector<zb::EphemeralStreamResponse> rest;
  ExpectStatus(stream->Finish(&rest), grpc::StatusCode::UNAVAILABLE,
               {"Connection reset", "after 2 requests"});
  EXPECT_TRUE(rest.empty()) << rest.front().ShortDebugString();  // no ack for offset 1
  const auto landed = emu->LandedRecords(kTestTable);
  ASSERT_EQ(landed.size(), 2u);
  EXPECT_EQ(EventId(landed[1]), 11);
  const auto counters = emu->Counters(kTestTable);
  EXPECT_EQ(counters.connections_killed, 1);
  EXPECT_EQ(counters.acks, 1);
}

TEST(EmulatorFaultTest, KillEveryRequestsCutsEachConnection) {
  auto emu = StartEmulator();
  emulator::FaultScript script;
  script.kill_every_requests = 2;
  emu->SetFaultScript(kTestTable, script);
  for (int connection = 0; connection < 2; ++connection) {
    auto stream = OpenCreated(*emu);
    ASSERT_TRUE(stream->Write(ProtoBatch(0, {EventRecord(1)})));
    EXPECT_EQ(stream->ReadAck(), 0);
    ASSERT_TRUE(stream->Write(ProtoBatch(1, {EventRecord(2)})));
    ExpectStatus(stream->Finish(), grpc::StatusCode::UNAVAILABLE, {"Connection reset"});
  }
  EXPECT_EQ(emu->Counters(kTestTable).connections_killed, 2);
  EXPECT_EQ(emu->Counters(kTestTable).records, 4);
}

TEST(EmulatorFaultTest, ErrorEventsRefuseTheRequest) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable,
                      Script({ErrorEvent(2, StatusCode::kResourceExhausted, "quota gone"),
                              Event(1, emulator::StreamEvent::Kind::kUnavailable6002)}));
  auto stream = OpenCreated(*emu);
  ASSERT_TRUE(stream->Write(ProtoBatch(0, {EventRecord(20)})));
  EXPECT_EQ(stream->ReadAck(), 0);
  ExpectRefused(stream.get(), ProtoBatch(1, {EventRecord(21)}),
                grpc::StatusCode::RESOURCE_EXHAUSTED, {"quota gone"});
  auto timeout = OpenCreated(*emu);
  ExpectRefused(timeout.get(), ProtoBatch(0, {EventRecord(22)}), grpc::StatusCode::UNAVAILABLE,
                {"Stream timeout reached", "Error Code: 6002", timeout->stream_id()});
  const auto landed = emu->LandedRecords(kTestTable);
  ASSERT_EQ(landed.size(), 1u);  // neither refused request landed
  EXPECT_EQ(EventId(landed[0]), 20);
  EXPECT_EQ(emu->Counters(kTestTable).requests, 1);
}

TEST(EmulatorFaultTest, SilenceHoldsAcksThenTheyResume) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable,
                      Script({Event(1, emulator::StreamEvent::Kind::kSilence, milliseconds(400))}));
  auto stream = OpenCreated(*emu);
  const auto sent = Clock::now();
  ASSERT_TRUE(stream->Write(ProtoBatch(0, {EventRecord(1)})));
  ASSERT_TRUE(stream->Write(ProtoBatch(1, {EventRecord(2)})));
  const auto first_ack = stream->ReadAck();
  const int64_t waited = ElapsedMs(sent);
  EXPECT_GE(waited, 400);  // nothing during the silence
  EXPECT_LT(waited, 2000);
  EXPECT_EQ(first_ack, 1);  // then one ack covers both requests
  const auto resumed = Clock::now();
  ASSERT_TRUE(stream->Write(ProtoBatch(2, {EventRecord(3)})));
  EXPECT_EQ(stream->ReadAck(), 2);
  EXPECT_LT(ElapsedMs(resumed), 300);
  EXPECT_TRUE(stream->Close().ok());
  EXPECT_EQ(emu->Counters(kTestTable).records, 3);
}

TEST(EmulatorFaultTest, AckDelayHoldsEveryAck) {
  auto emu = StartEmulator();
  emulator::FaultScript script;
  script.ack_delay = milliseconds(300);
  emu->SetFaultScript(kTestTable, script);
  auto stream = OpenCreated(*emu);
  const auto sent = Clock::now();
  ASSERT_TRUE(stream->Write(ProtoBatch(0, {EventRecord(1)})));
  ASSERT_TRUE(stream->Write(ProtoBatch(1, {EventRecord(2)})));
  const auto first_ack = stream->ReadAck();
  ASSERT_TRUE(first_ack.has_value());
  EXPECT_GE(ElapsedMs(sent), 300);
  std::vector<zb::EphemeralStreamResponse> rest;
  EXPECT_TRUE(stream->Close(&rest).ok());
  const int64_t last = rest.empty()
                           ? *first_ack
                           : rest.back().ingest_record_response().durability_ack_up_to_offset();
  EXPECT_EQ(last, 1);  // the stream ends only once every delayed ack went out
}

TEST(EmulatorFaultTest, ScriptPositionSurvivesReconnects) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable,
                      Script({Event(1, emulator::StreamEvent::Kind::kKill),
                              ErrorEvent(1, StatusCode::kAborted, "second connection")}));
  // Connection 1: the kill fires on its first request.
  auto first = OpenCreated(*emu);
  ASSERT_TRUE(first->Write(ProtoBatch(0, {EventRecord(1)})));
  ExpectStatus(first->Finish(), grpc::StatusCode::UNAVAILABLE, {"Connection reset"});
  // Connection 2: the kill was consumed; the next event fires instead.
  auto second = OpenCreated(*emu);
  ExpectRefused(second.get(), ProtoBatch(0, {EventRecord(2)}), grpc::StatusCode::ABORTED,
                {"second connection"});
  // Connection 3: the script is used up.
  auto third = OpenCreated(*emu);
  ASSERT_TRUE(third->Write(ProtoBatch(0, {EventRecord(3)})));
  EXPECT_EQ(third->ReadAck(), 0);
  EXPECT_TRUE(third->Close().ok());
  const auto landed = emu->LandedRecords(kTestTable);
  ASSERT_EQ(landed.size(), 2u);
  EXPECT_EQ(EventId(landed[0]), 1);  // the killed request landed
  EXPECT_EQ(EventId(landed[1]), 3);
}

TEST(EmulatorFaultTest, EventsCountRequestsFromOneOnEachConnection) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, Script({ErrorEvent(2, StatusCode::kDataLoss, "late")}));
  // One request only: the event does not fire and stays armed.
  auto first = OpenCreated(*emu);
  ASSERT_TRUE(first->Write(ProtoBatch(0, {EventRecord(1)})));
  EXPECT_EQ(first->ReadAck(), 0);
  EXPECT_TRUE(first->Close().ok());
  // The next connection counts from 1 again: its second request meets the event.
  auto second = OpenCreated(*emu);
  ASSERT_TRUE(second->Write(ProtoBatch(0, {EventRecord(2)})));
  EXPECT_EQ(second->ReadAck(), 0);
  ExpectRefused(second.get(), ProtoBatch(1, {EventRecord(3)}), grpc::StatusCode::DATA_LOSS,
                {"late"});
  EXPECT_EQ(emu->Counters(kTestTable).records, 2);
}

TEST(EmulatorFaultTest, DefaultScriptAppliesToEveryTable) {
  auto emu = StartEmulator();
  emu->SetFaultScript("*",
                      Script({ErrorEvent(1, StatusCode::kFailedPrecondition, "default script")}));
  emu->SetFaultScript("main.default.own", emulator::FaultScript{});
  for (const std::string table : {"main.default.anything", "main.default.else"}) {
    SCOPED_TRACE(table);
    auto stream = OpenCreated(*emu, table);
    ExpectRefused(stream.get(), ProtoBatch(0, {EventRecord(1)}),
                  grpc::StatusCode::FAILED_PRECONDITION, {"default script"});
  }
  // A table with its own script is not affected.
  auto own = OpenCreated(*emu, "main.default.own");
  ASSERT_TRUE(own->Write(ProtoBatch(0, {EventRecord(1)})));
  EXPECT_EQ(own->ReadAck(), 0);
  EXPECT_TRUE(own->Close().ok());
}

TEST(EmulatorFaultTest, CreateFaultsAreConsumedInOrder) {
  auto emu = StartEmulator();
  emulator::FaultScript script;
  script.create_faults.push_back({StatusCode::kUnavailable, "busy", milliseconds(0)});
  script.create_faults.push_back({StatusCode::kResourceExhausted, "slow no", milliseconds(200)});
  emu->SetFaultScript(kTestTable, script);
  RawStream first(*emu, AuthFor(*emu, kTestTable));
  ExpectRefused(&first, CreateRequest(kTestTable), grpc::StatusCode::UNAVAILABLE, {"busy"});
  RawStream second(*emu, AuthFor(*emu, kTestTable));
  const auto start = Clock::now();
  ExpectRefused(&second, CreateRequest(kTestTable), grpc::StatusCode::RESOURCE_EXHAUSTED,
                {"slow no"});
  EXPECT_GE(ElapsedMs(start), 200);
  auto third = OpenCreated(*emu);
  ASSERT_TRUE(third->Write(ProtoBatch(0, {EventRecord(1)})));
  EXPECT_EQ(third->ReadAck(), 0);
  EXPECT_TRUE(third->Close().ok());
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 2);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 1);
}

TEST(EmulatorFaultTest, ExpireTokensRefusesTheNextStreamOnly) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, Script({Event(1, emulator::StreamEvent::Kind::kExpireTokens)}));
  const std::string token = emu->IssueToken(kTestTable);
  RawStream stream(*emu, {kTestTable, "Bearer " + token});
  ASSERT_TRUE(stream.Create(CreateRequest(kTestTable)));
  ASSERT_TRUE(stream.Write(ProtoBatch(0, {EventRecord(1)})));
  EXPECT_EQ(stream.ReadAck(), 0);  // the open stream goes on
  ASSERT_TRUE(stream.Write(ProtoBatch(1, {EventRecord(2)})));
  EXPECT_EQ(stream.ReadAck(), 1);
  EXPECT_TRUE(stream.Close().ok());
  RawStream again(*emu, {kTestTable, "Bearer " + token});
  ExpectRefused(&again, CreateRequest(kTestTable), grpc::StatusCode::UNAUTHENTICATED,
                {"unknown or expired"});
}

}  // namespace
}  // namespace arrow_zerobus::testing
