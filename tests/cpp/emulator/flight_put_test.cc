// The emulator's Arrow Flight DoPut endpoint seen by a raw client (the generated stub, FlightData
// built from Arrow C++ IPC payloads): READY after the schema, acks by cumulative rows, landed
// batches and landing files, schema refusals with their ErrorInfo causes, authentication, offsets,
// refused messages and compressed bodies. Scripted faults are in flight_put_fault_test.cc.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include <arrow/io/file.h>
#include <arrow/ipc/reader.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <arrow/util/compression.h>
#include <gmock/gmock.h>
#include <google/protobuf/unknown_field_set.h>
#include <gtest/gtest.h>

#include "testing/arrow_builders.h"
#include "testing/emulator_fixture.h"
#include "testing/flight_client.h"

namespace arrow_zerobus::testing {
namespace {

using ::testing::HasSubstr;

/// Opens a DoPut on kTestTable with `schema` and expects the setup to be refused.
grpc::Status RefusedSetup(emulator::Emulator& emu, const arrow::Schema& schema) {
  RawPut put(emu, PutAuthFor(emu, kTestTable));
  EXPECT_TRUE(put.Write(SchemaData(schema)));
  std::vector<nlohmann::json> rest;
  const grpc::Status status = put.Finish(&rest);
  EXPECT_TRUE(rest.empty()) << rest.front().dump();  // no READY
  EXPECT_EQ(emu.Counters(kTestTable).streams_created, 0);
  return status;
}

/// Expects a SCHEMA_VALIDATION_FAILED refusal listing exactly `causes`, whose message names each
/// of `parts`.
void ExpectSchemaRefusal(const grpc::Status& status, const std::string& causes,
                         const std::vector<std::string>& parts) {
  ExpectGrpcStatus(status, grpc::StatusCode::INVALID_ARGUMENT, parts);
  EXPECT_THAT(status.error_message(), HasSubstr("SCHEMA_VALIDATION_FAILED"));
  auto info = ErrorInfoOf(status);
  ASSERT_TRUE(info.has_value()) << "no ErrorInfo in the status details";
  EXPECT_EQ(info->type_url, "type.googleapis.com/google.rpc.ErrorInfo");
  EXPECT_EQ(info->reason, "SCHEMA_VALIDATION_FAILED");
  EXPECT_EQ(info->domain, "zerobus.databricks.com");
  EXPECT_EQ(info->metadata["causes"], causes);
  EXPECT_EQ(info->metadata["error_code"], "8001");
}

/// Sends `data` as the first data message of an open stream and expects the RPC to end with
/// `code`, without an ack.
void ExpectDataRefused(RawPut* put, const flight_pb::FlightData& data, grpc::StatusCode code,
                       const std::vector<std::string>& parts) {
  put->Write(data);
  std::vector<nlohmann::json> rest;
  ExpectGrpcStatus(put->Finish(&rest), code, parts);
  EXPECT_TRUE(rest.empty()) << rest.front().dump();
}

std::filesystem::path FreshDir(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                    ("flight_put_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// ---- the protocol ----

TEST(FlightPutTest, ReadyAfterSchemaThenAcksByCumulativeRows) {
  auto emu = ArrowEventsEmulator();
  RawPut put(*emu, PutAuthFor(*emu, kTestTable));
  ASSERT_TRUE(put.Write(SchemaData(*ArrowEventSchema())));
  ASSERT_EQ(put.Read(), AckJson(-1, 0));
  EXPECT_EQ(put.last_app_metadata(), R"({"ack_up_to_offset":-1,"ack_up_to_records":0})");

  const std::vector<std::shared_ptr<arrow::RecordBatch>> sent = {
      ArrowEventBatch(0, 2), ArrowEventBatch(2, 3), ArrowEventBatch(5, 5)};
  int64_t rows = 0;
  for (int64_t offset = 0; offset < 3; ++offset) {
    ASSERT_TRUE(put.Write(BatchData(*sent[offset], offset)));
    rows += sent[offset]->num_rows();
    EXPECT_EQ(put.Read(), AckJson(offset, rows));
  }
  const grpc::Status status = put.Close();
  EXPECT_TRUE(status.ok()) << status.error_message();

  const auto counters = emu->Counters(kTestTable);
  EXPECT_EQ(counters.streams_created, 1);
  EXPECT_EQ(counters.requests, 3);
  EXPECT_EQ(counters.records, 10);
  EXPECT_EQ(counters.acks, 3);
  EXPECT_GT(counters.bytes, 0);
  const auto landed = emu->state().LandedBatches(kTestTable);
  ASSERT_EQ(landed.size(), 3u);
  for (size_t i = 0; i < landed.size(); ++i) EXPECT_TRUE(landed[i]->Equals(*sent[i])) << i;
}

TEST(FlightPutTest, OffsetsAndRowCountsRestartOnEveryConnection) {
  auto emu = ArrowEventsEmulator();
  for (int connection = 0; connection < 2; ++connection) {
    RawPut put(*emu, PutAuthFor(*emu, kTestTable));
    ASSERT_TRUE(put.Open(*ArrowEventSchema()));
    ASSERT_TRUE(put.Write(BatchData(*ArrowEventBatch(0, 4), 0)));
    EXPECT_EQ(put.Read(), AckJson(0, 4));
    EXPECT_TRUE(put.Close().ok());
  }
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 2);
  EXPECT_EQ(emu->Counters(kTestTable).records, 8);
}

TEST(FlightPutTest, LandsEachStreamInAnArrowsFile) {
  const auto dir = FreshDir("landing");
  emulator::EmulatorOptions options;
  options.data_dir = dir;
  auto emu = ArrowEventsEmulator(options);
  {
    RawPut put(*emu, PutAuthFor(*emu, kTestTable));
    ASSERT_TRUE(put.Open(*ArrowEventSchema()));
    ASSERT_TRUE(put.Write(BatchData(*ArrowEventBatch(0, 2), 0)));
    ASSERT_TRUE(put.Write(BatchData(*ArrowEventBatch(2, 1), 1)));
    std::vector<nlohmann::json> rest;
    EXPECT_TRUE(put.Close(&rest).ok());
    ASSERT_FALSE(rest.empty());
    EXPECT_EQ(rest.back(), AckJson(1, 3));
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir / kTestTable)) {
    files.push_back(entry.path());
  }
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].extension(), ".arrows");
  ASSERT_TRUE(WaitUntil([&] { return ReadArrowsFile(files[0]).size() == 2; }));
  const auto batches = ReadArrowsFile(files[0]);
  EXPECT_TRUE(batches[0]->Equals(*ArrowEventBatch(0, 2)));
  EXPECT_TRUE(batches[1]->Equals(*ArrowEventBatch(2, 1)));
  std::filesystem::remove_all(dir);
}

TEST(FlightPutTest, CompressedBodiesDecode) {
  for (const auto codec : {arrow::Compression::ZSTD, arrow::Compression::LZ4_FRAME}) {
    SCOPED_TRACE(arrow::util::Codec::GetCodecAsString(codec));
    auto emu = ArrowEventsEmulator();
    RawPut put(*emu, PutAuthFor(*emu, kTestTable));
    ASSERT_TRUE(put.Open(*ArrowEventSchema()));
    const auto batch = ArrowEventBatch(0, 1000);
    const auto compressed = BatchData(*batch, 0, codec);
    EXPECT_LT(compressed.data_body().size(), BatchData(*batch, 0).data_body().size());
    ASSERT_TRUE(put.Write(compressed));
    EXPECT_EQ(put.Read(), AckJson(0, 1000));
    EXPECT_TRUE(put.Close().ok());
    const auto landed = emu->state().LandedBatches(kTestTable);
    ASSERT_EQ(landed.size(), 1u);
    EXPECT_TRUE(landed[0]->Equals(*batch));
  }
}

TEST(FlightPutTest, EveryColumnTypeFitsAsItsCanonicalArrowType) {
  auto emu = StartEmulator();
  emu->DeclareTable(kTestTable, {{"b", "TINYINT", true},
                                 {"s", "SMALLINT", true},
                                 {"i", "INT", true},
                                 {"l", "BIGINT", false},
                                 {"f", "FLOAT", true},
                                 {"d", "DOUBLE", true},
                                 {"flag", "BOOLEAN", true},
                                 {"text", "STRING", true},
                                 {"raw", "BINARY", true},
                                 {"day", "DATE", true},
                                 {"at", "TIMESTAMP", true},
                                 {"local", "TIMESTAMP_NTZ", true},
                                 {"amount", "DECIMAL(10,2)", true},
                                 {"doc", "VARIANT", true},
                                 {"tags", "ARRAY<STRING>", true},
                                 {"scores", "MAP<STRING, INT>", true},
                                 {"address", "STRUCT<street: STRING, zip: INT NOT NULL>", true}});
  const auto variant = arrow::struct_({arrow::field("metadata", arrow::large_binary(), false),
                                       arrow::field("value", arrow::large_binary(), false)});
  const auto address = arrow::struct_(
      {arrow::field("street", arrow::large_utf8()), arrow::field("zip", arrow::int32(), false)});
  const arrow::FieldVector fields = {
      arrow::field("b", arrow::int8()),
      arrow::field("s", arrow::int16()),
      arrow::field("i", arrow::int32()),
      arrow::field("l", arrow::int64(), false),
      arrow::field("f", arrow::float32()),
      arrow::field("d", arrow::float64()),
      arrow::field("flag", arrow::boolean()),
      arrow::field("text", arrow::large_utf8()),
      arrow::field("raw", arrow::large_binary()),
      arrow::field("day", arrow::date32()),
      arrow::field("at", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
      arrow::field("local", arrow::timestamp(arrow::TimeUnit::MICRO)),
      arrow::field("amount", arrow::large_utf8()),
      arrow::field("doc", variant),
      arrow::field("tags", arrow::list(arrow::large_utf8())),
      arrow::field("scores", arrow::map(arrow::large_utf8(), arrow::int32())),
      arrow::field("address", address)};
  const auto batch = MakeBatch(
      fields,
      {ArrayFromJson(fields[0]->type(), "[1, null]"), ArrayFromJson(fields[1]->type(), "[2, 3]"),
       ArrayFromJson(fields[2]->type(), "[4, 5]"), ArrayFromJson(fields[3]->type(), "[6, 7]"),
       ArrayFromJson(fields[4]->type(), "[1.5, 2]"), ArrayFromJson(fields[5]->type(), "[0.25, 1]"),
       ArrayFromJson(fields[6]->type(), "[true, false]"),
       ArrayFromJson(fields[7]->type(), R"(["x", null])"),
       ArrayFromJson(fields[8]->type(), R"(["ab", ""])"),
       ArrayFromJson(fields[9]->type(), "[19000, 0]"),
       ArrayFromJson(fields[10]->type(), "[1700000000000000, 0]"),
       ArrayFromJson(fields[11]->type(), "[1700000000000000, 1]"),
       ArrayFromJson(fields[12]->type(), R"(["12.34", "-0.50"])"),
       ArrayFromJson(variant,
                     R"([{"metadata": "\u0001\u0000\u0000", "value": "\u000c\u0001"}, null])"),
       ArrayFromJson(fields[14]->type(), R"([["a", "b"], []])"),
       ArrayFromJson(fields[15]->type(), R"([[["k", 1]], null])"),
       ArrayFromJson(address, R"([{"street": "Main", "zip": 1}, null])")});
  RawPut put(*emu, PutAuthFor(*emu, kTestTable));
  ASSERT_TRUE(put.Open(*batch->schema()));
  ASSERT_TRUE(put.Write(BatchData(*batch, 0)));
  EXPECT_EQ(put.Read(), AckJson(0, 2));
  EXPECT_TRUE(put.Close().ok());
  const auto landed = emu->state().LandedBatches(kTestTable);
  ASSERT_EQ(landed.size(), 1u);
  EXPECT_TRUE(landed[0]->Equals(*batch));
}

TEST(FlightPutTest, NullableColumnsMayBeLeftOut) {
  auto emu = ArrowEventsEmulator();
  const auto ids = arrow::schema({arrow::field("id", arrow::int64(), false)});
  RawPut put(*emu, PutAuthFor(*emu, kTestTable));
  ASSERT_TRUE(put.Open(*ids));
  ASSERT_TRUE(
      put.Write(BatchData(*MakeBatch(ids->fields(), {ArrayFromJson(arrow::int64(), "[1]")}), 0)));
  EXPECT_EQ(put.Read(), AckJson(0, 1));
  EXPECT_TRUE(put.Close().ok());
}

TEST(FlightPutTest, UndeclaredTableTakesAnySchema) {
  auto emu = StartEmulator();  // accepts undeclared tables
  const auto schema =
      arrow::schema({arrow::field("anything", arrow::utf8()), arrow::field("at", arrow::int32())});
  const auto batch = MakeBatch(schema->fields(), {ArrayFromJson(arrow::utf8(), R"(["a"])"),
                                                  ArrayFromJson(arrow::int32(), "[1]")});
  RawPut put(*emu, PutAuthFor(*emu, kTestTable));
  ASSERT_TRUE(put.Open(*schema));
  ASSERT_TRUE(put.Write(BatchData(*batch, 0)));
  EXPECT_EQ(put.Read(), AckJson(0, 1));
  EXPECT_TRUE(put.Close().ok());
  EXPECT_EQ(emu->Counters(kTestTable).records, 1);
}

// ---- schema refusals ----

TEST(FlightPutSchemaTest, FieldNotInTable) {
  auto emu = StartEmulator();
  emu->DeclareTable(kTestTable,
                    {{"id", "BIGINT", false}, {"name", "STRING", true}, {"note", "STRING", true}});
  const auto schema = arrow::schema(
      {arrow::field("id", arrow::int64(), false), arrow::field("color", arrow::large_utf8())});
  ExpectSchemaRefusal(RefusedSetup(*emu, *schema), "FIELD_NOT_IN_TABLE",
                      {"field 'color' has no column in the table"});
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 1);
}

TEST(FlightPutSchemaTest, MissingRequiredColumn) {
  auto emu = ArrowEventsEmulator();
  const auto schema = arrow::schema({arrow::field("name", arrow::large_utf8())});
  ExpectSchemaRefusal(RefusedSetup(*emu, *schema), "MISSING_REQUIRED_COLUMN",
                      {"NOT NULL column 'id' has no field in the schema"});
}

TEST(FlightPutSchemaTest, FieldOutOfOrder) {
  auto emu = ArrowEventsEmulator();
  const auto schema = arrow::schema(
      {arrow::field("name", arrow::large_utf8()), arrow::field("id", arrow::int64(), false)});
  ExpectSchemaRefusal(RefusedSetup(*emu, *schema), "FIELD_OUT_OF_ORDER",
                      {"field 'id' comes after field 'name'"});
}

TEST(FlightPutSchemaTest, TypeIncompatible) {
  auto emu = StartEmulator();
  emu->DeclareTable(kTestTable, {{"id", "BIGINT", false},
                                 {"name", "STRING", true},
                                 {"at", "TIMESTAMP", true},
                                 {"tags", "ARRAY<INT>", true}});
  const auto schema =
      arrow::schema({arrow::field("id", arrow::int32(), false), arrow::field("name", arrow::utf8()),
                     arrow::field("at", arrow::timestamp(arrow::TimeUnit::MICRO)),
                     arrow::field("tags", arrow::list(arrow::int64()))});
  ExpectSchemaRefusal(RefusedSetup(*emu, *schema), "TYPE_INCOMPATIBLE",
                      {"field 'id' is int32 but column type BIGINT travels as int64",
                       "field 'name' is string but column type STRING travels as large_string",
                       "field 'at' is timestamp[us] but column type TIMESTAMP",
                       "field 'tags[]' is int64 but column type INT travels as int32"});
}

TEST(FlightPutSchemaTest, FieldCountMismatch) {
  auto emu = StartEmulator();
  emu->DeclareTable(kTestTable, {{"id", "BIGINT", false}});
  const auto schema = arrow::schema(
      {arrow::field("id", arrow::int64(), false), arrow::field("id", arrow::int64(), false)});
  ExpectSchemaRefusal(
      RefusedSetup(*emu, *schema), "FIELD_COUNT_MISMATCH,FIELD_NOT_IN_TABLE",
      {"the schema has 2 fields, more than the table's 1 columns", "field 'id' appears twice"});
}

TEST(FlightPutSchemaTest, NestedStructFieldsAreCheckedWithTheirPath) {
  auto emu = StartEmulator();
  emu->DeclareTable(kTestTable, {{"address", "STRUCT<street: STRING, zip: INT NOT NULL>", true}});
  const auto schema = arrow::schema(
      {arrow::field("address", arrow::struct_({arrow::field("street", arrow::large_utf8()),
                                               arrow::field("city", arrow::large_utf8())}))});
  ExpectSchemaRefusal(
      RefusedSetup(*emu, *schema), "FIELD_NOT_IN_TABLE,MISSING_REQUIRED_COLUMN",
      {"field 'address.city' has no column", "NOT NULL column 'address.zip' has no field"});
}

TEST(FlightPutSchemaTest, EveryCauseIsListedOnce) {
  auto emu = ArrowEventsEmulator();
  const auto schema =
      arrow::schema({arrow::field("name", arrow::utf8()), arrow::field("x", arrow::int8()),
                     arrow::field("y", arrow::int8())});
  ExpectSchemaRefusal(RefusedSetup(*emu, *schema),
                      "FIELD_COUNT_MISMATCH,TYPE_INCOMPATIBLE,FIELD_NOT_IN_TABLE,"
                      "MISSING_REQUIRED_COLUMN",
                      {"field 'x' has no column", "field 'y' has no column", "NOT NULL column 'id'",
                       "field 'name' is string"});
}

TEST(FlightPutSchemaTest, ErrorDetailsAreAGoogleRpcStatusOnTheWire) {
  auto emu = ArrowEventsEmulator();
  const grpc::Status status =
      RefusedSetup(*emu, *arrow::schema({arrow::field("name", arrow::large_utf8())}));
  // Field numbers checked without our own message definitions: Status.details = 3 holds an Any
  // whose type_url = 1 names google.rpc.ErrorInfo and whose value = 2 has reason = 1.
  google::protobuf::UnknownFieldSet outer;
  ASSERT_TRUE(outer.ParseFromString(status.error_details()));
  std::string any_bytes;
  for (int i = 0; i < outer.field_count(); ++i) {
    if (outer.field(i).number() == 1) {
      EXPECT_EQ(outer.field(i).varint(), 3u);  // INVALID_ARGUMENT
    }
    if (outer.field(i).number() == 3) any_bytes = outer.field(i).length_delimited();
  }
  google::protobuf::UnknownFieldSet any;
  ASSERT_TRUE(any.ParseFromString(any_bytes));
  ASSERT_EQ(any.field_count(), 2);
  EXPECT_EQ(any.field(0).number(), 1);
  EXPECT_EQ(any.field(0).length_delimited(), "type.googleapis.com/google.rpc.ErrorInfo");
  google::protobuf::UnknownFieldSet info;
  ASSERT_TRUE(info.ParseFromString(any.field(1).length_delimited()));
  EXPECT_EQ(info.field(0).number(), 1);
  EXPECT_EQ(info.field(0).length_delimited(), "SCHEMA_VALIDATION_FAILED");
}

// ---- who may open a stream ----

TEST(FlightPutAuthTest, CallersAreCheckedLikeOnEphemeralStream) {
  auto emu = ArrowEventsEmulator();
  const std::string token = emu->IssueToken(kTestTable);
  struct Case {
    const char* what;
    PutHeaders headers;
    grpc::StatusCode code;
    std::string part;
  };
  const Case cases[] = {
      {"no authorization",
       {kTestTable, std::nullopt},
       grpc::StatusCode::UNAUTHENTICATED,
       "Missing bearer token"},
      {"unknown token",
       {kTestTable, "Bearer emu-0123"},
       grpc::StatusCode::UNAUTHENTICATED,
       "unknown or expired"},
      {"token of another table",
       {kTestTable, "Bearer " + emu->IssueToken("main.default.other")},
       grpc::StatusCode::PERMISSION_DENIED,
       "does not grant access"},
      {"no table header",
       {std::nullopt, "Bearer " + token},
       grpc::StatusCode::INVALID_ARGUMENT,
       "Missing the x-databricks-zerobus-table-name header"},
      {"bad table name",
       {"events", "Bearer " + token},
       grpc::StatusCode::INVALID_ARGUMENT,
       "must have exactly 3 parts"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    RawPut put(*emu, c.headers);
    ASSERT_TRUE(put.Write(SchemaData(*ArrowEventSchema())));
    std::vector<nlohmann::json> rest;
    ExpectGrpcStatus(put.Finish(&rest), c.code, {c.part});
    EXPECT_TRUE(rest.empty());
  }
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 0);
}

TEST(FlightPutAuthTest, UnknownTableIsNotFoundWhenOnlyDeclaredTablesExist) {
  emulator::EmulatorOptions options;
  options.accept_undeclared_tables = false;
  auto emu = ArrowEventsEmulator(options);
  const std::string other = "main.default.other";
  RawPut put(*emu, PutAuthFor(*emu, other));
  ASSERT_TRUE(put.Write(SchemaData(*ArrowEventSchema())));
  ExpectGrpcStatus(put.Finish(), grpc::StatusCode::NOT_FOUND,
                   {"Table 'main.default.other' does not exist"});
}

// ---- refused messages ----

TEST(FlightPutDataTest, FirstMessageMustBeTheSchema) {
  auto emu = ArrowEventsEmulator();
  RawPut put(*emu, PutAuthFor(*emu, kTestTable));
  ASSERT_TRUE(put.Write(BatchData(*ArrowEventBatch(0, 1), 0)));
  ExpectGrpcStatus(
      put.Finish(), grpc::StatusCode::INVALID_ARGUMENT,
      {"The first FlightData of a DoPut must carry the Arrow IPC schema message, not an "
       "IPC record batch message"});
}

TEST(FlightPutDataTest, OffsetGapIsRefused) {
  auto emu = ArrowEventsEmulator();
  RawPut put(*emu, PutAuthFor(*emu, kTestTable));
  ASSERT_TRUE(put.Open(*ArrowEventSchema()));
  ASSERT_TRUE(put.Write(BatchData(*ArrowEventBatch(0, 1), 0)));
  EXPECT_EQ(put.Read(), AckJson(0, 1));
  ExpectDataRefused(&put, BatchData(*ArrowEventBatch(1, 1), 2), grpc::StatusCode::INVALID_ARGUMENT,
                    {"Non-incremental offset: expected 1, actual 2"});
  EXPECT_EQ(emu->Counters(kTestTable).records, 1);
}

TEST(FlightPutDataTest, DataWithoutOffsetIdIsRefused) {
  auto emu = ArrowEventsEmulator();
  for (const std::string metadata : {"", "{}", R"({"offset_id": "0"})", "not json"}) {
    SCOPED_TRACE(metadata);
    RawPut put(*emu, PutAuthFor(*emu, kTestTable));
    ASSERT_TRUE(put.Open(*ArrowEventSchema()));
    auto data = BatchData(*ArrowEventBatch(0, 1), 0);
    data.set_app_metadata(metadata);
    ExpectDataRefused(&put, data, grpc::StatusCode::INVALID_ARGUMENT,
                      {"app_metadata {\"offset_id\": N}"});
  }
  EXPECT_EQ(emu->Counters(kTestTable).records, 0);
}

TEST(FlightPutDataTest, EmptyBatchIsRefused) {
  auto emu = ArrowEventsEmulator();
  RawPut put(*emu, PutAuthFor(*emu, kTestTable));
  ASSERT_TRUE(put.Open(*ArrowEventSchema()));
  ExpectDataRefused(&put, BatchData(*ArrowEventBatch(0, 0), 0), grpc::StatusCode::INVALID_ARGUMENT,
                    {"The FlightData with offset_id 0 carries a record batch with no rows"});
  EXPECT_EQ(emu->Counters(kTestTable).requests, 0);
}

TEST(FlightPutDataTest, BatchOfAnotherSchemaIsRefused) {
  auto emu = ArrowEventsEmulator();
  RawPut put(*emu, PutAuthFor(*emu, kTestTable));
  ASSERT_TRUE(put.Open(*ArrowEventSchema()));
  const auto narrow = arrow::schema(
      {arrow::field("id", arrow::int32(), false), arrow::field("name", arrow::large_utf8())});
  const auto batch =
      MakeBatch(narrow->fields(), {ArrayFromJson(arrow::int32(), "[1, 2, 3]"),
                                   ArrayFromJson(arrow::large_utf8(), "[\"a\", \"b\", \"c\"]")});
  ExpectDataRefused(&put, BatchData(*batch, 0), grpc::StatusCode::INVALID_ARGUMENT,
                    {"The FlightData with offset_id 0"});
  EXPECT_EQ(emu->Counters(kTestTable).records, 0);
}

TEST(FlightPutDataTest, DictionaryEncodedSchemaIsRefused) {
  auto emu = StartEmulator();
  const auto schema = arrow::schema(
      {arrow::field("color", arrow::dictionary(arrow::int32(), arrow::large_utf8()))});
  RawPut put(*emu, PutAuthFor(*emu, kTestTable));
  ASSERT_TRUE(put.Write(SchemaData(*schema)));
  ExpectGrpcStatus(put.Finish(), grpc::StatusCode::INVALID_ARGUMENT,
                   {"Field 'color' is dictionary-encoded", "no dictionary messages"});
}

TEST(FlightPutDataTest, DictionaryMessageIsRefused) {
  auto emu = ArrowEventsEmulator();
  RawPut put(*emu, PutAuthFor(*emu, kTestTable));
  ASSERT_TRUE(put.Open(*ArrowEventSchema()));
  ExpectDataRefused(
      &put, DictionaryData(ArrayFromJson(arrow::large_utf8(), R"(["red"])"), 0),
      grpc::StatusCode::INVALID_ARGUMENT,
      {"offset_id 0 carries an Arrow dictionary batch", "dictionary messages are not supported"});
}

TEST(FlightPutDataTest, SecondSchemaMessageIsRefused) {
  auto emu = ArrowEventsEmulator();
  RawPut put(*emu, PutAuthFor(*emu, kTestTable));
  ASSERT_TRUE(put.Open(*ArrowEventSchema()));
  auto again = SchemaData(*ArrowEventSchema());
  again.set_app_metadata(R"({"offset_id":0})");
  ExpectDataRefused(&put, again, grpc::StatusCode::INVALID_ARGUMENT,
                    {"offset_id 0 carries an IPC schema message, not a record batch"});
}

}  // namespace
}  // namespace arrow_zerobus::testing
