// Every Unity Catalog column type of a declared table, with edge values, in both wire formats:
// what the column can hold lands (with the table's types), what it cannot is refused with
// INVALID_ARGUMENT naming the record or row, the column and the value; and the create-time type
// fit is exact.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "raw_ephemeral_stream.h"
#include "testing/arrow_builders.h"
#include "testing/flight_client.h"

namespace arrow_zerobus::testing {
namespace {

using google::protobuf::FieldDescriptorProto;
using ::testing::HasSubstr;

constexpr char kTable[] = "main.default.values";

/// One value sent into a one-column table `v <column_type>`.
struct ValueCase {
  std::string column_type;
  bool nullable = true;
  FieldDescriptorProto::Type proto_type;
  std::string proto_json;   ///< the record as protobuf JSON ("{}": no value)
  std::string landed_json;  ///< the landed value as an Arrow JSON array; "" when refused
  std::string refusal;      ///< a part of the refusal; "" when accepted
};

std::unique_ptr<emulator::Emulator> DeclaredEmulator(const std::string& type, bool nullable,
                                                     const std::filesystem::path& dir) {
  emulator::EmulatorOptions options;
  options.data_dir = dir;
  auto emu = StartEmulator(options);
  emu->DeclareTable(kTable, {{"v", type, nullable}});
  return emu;
}

std::filesystem::path FreshDir(const std::string& name) {
  const auto dir = std::filesystem::path(::testing::TempDir()) /
                   ("declared_values_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

FieldDescriptorProto* AddField(google::protobuf::DescriptorProto* message, const std::string& name,
                               int number, FieldDescriptorProto::Type type,
                               FieldDescriptorProto::Label label) {
  auto* field = message->add_field();
  field->set_name(name);
  field->set_number(number);
  field->set_type(type);
  field->set_label(label);
  return field;
}

/// The first message of `file` as a stream's descriptor_proto, and records of it built from
/// protobuf JSON.
class JsonRecords {
 public:
  explicit JsonRecords(const google::protobuf::FileDescriptorProto& file) {
    descriptor_proto_ = file.message_type(0).SerializeAsString();
    descriptor_ = pool_.BuildFile(file)->message_type(0);
  }
  const std::string& descriptor_proto() const { return descriptor_proto_; }

  std::string Record(const std::string& json) {
    std::unique_ptr<google::protobuf::Message> record(factory_.GetPrototype(descriptor_)->New());
    const auto parsed = google::protobuf::util::JsonStringToMessage(json, record.get());
    EXPECT_TRUE(parsed.ok()) << json << ": " << parsed.ToString();
    return record->SerializeAsString();
  }

 private:
  google::protobuf::DescriptorPool pool_;
  google::protobuf::DynamicMessageFactory factory_;
  const google::protobuf::Descriptor* descriptor_ = nullptr;
  std::string descriptor_proto_;
};

/// message Row { optional <type> v = 1; }
google::protobuf::FileDescriptorProto OneFieldFile(FieldDescriptorProto::Type type) {
  google::protobuf::FileDescriptorProto file;
  file.set_name("row.proto");
  auto* message = file.add_message_type();
  message->set_name("Row");
  AddField(message, "v", 1, type, FieldDescriptorProto::LABEL_OPTIONAL);
  return file;
}

/// Sends `record` on a new stream of kTable; returns the status the stream ended with (OK when
/// acked and closed cleanly) and, when accepted, the landed rows.
grpc::Status SendRecord(emulator::Emulator& emu, const std::string& descriptor,
                        const std::string& record, std::shared_ptr<arrow::RecordBatch>* landed,
                        const std::filesystem::path& dir) {
  RawStream stream(emu, AuthFor(emu, kTable));
  if (!stream.Create(CreateRequest(kTable, descriptor))) return stream.Finish();
  stream.Write(ProtoBatch(0, {record}));
  if (stream.ReadAck() != 0) return stream.Finish();
  grpc::Status closed = stream.Close();
  *landed = ReadArrowsRows(dir / kTable / (stream.stream_id() + ".arrows"));
  return closed;
}

std::string Describe(const ValueCase& c) {
  return c.column_type + (c.nullable ? "" : " NOT NULL") + " <- " + c.proto_json;
}

// ---- Protobuf records ----

constexpr auto kInt32 = FieldDescriptorProto::TYPE_INT32;
constexpr auto kInt64 = FieldDescriptorProto::TYPE_INT64;
constexpr auto kString = FieldDescriptorProto::TYPE_STRING;

const std::vector<ValueCase>& ProtoCases() {
  static const std::vector<ValueCase> cases = {
      {"TINYINT", true, kInt32, R"({"v": 127})", "[127]", ""},
      {"TINYINT", true, kInt32, R"({"v": -128})", "[-128]", ""},
      {"TINYINT", true, kInt32, R"({"v": 128})", "", "128 is outside TINYINT's range -128..127"},
      {"SMALLINT", true, kInt32, R"({"v": -32768})", "[-32768]", ""},
      {"SMALLINT", true, kInt32, R"({"v": -32769})", "", "outside SMALLINT's range"},
      {"INT", true, kInt32, R"({"v": -2147483648})", "[-2147483648]", ""},
      {"BIGINT", true, kInt64, R"({"v": "9223372036854775807"})", "[9223372036854775807]", ""},
      {"FLOAT", true, FieldDescriptorProto::TYPE_FLOAT, R"({"v": "Infinity"})", "[Infinity]", ""},
      {"DOUBLE", true, FieldDescriptorProto::TYPE_DOUBLE, R"({"v": -0.5})", "[-0.5]", ""},
      {"BOOLEAN", true, FieldDescriptorProto::TYPE_BOOL, R"({"v": true})", "[true]", ""},
      {"STRING", true, kString, R"({"v": "grüße"})", R"(["grüße"])", ""},
      {"STRING", false, kString, R"({})", "", "column 'v' (STRING NOT NULL): value has no value"},
      {"STRING", true, kString, R"({})", "[null]", ""},
      {"BINARY", true, FieldDescriptorProto::TYPE_BYTES, R"({"v": "YQBi"})", R"(["a\u0000b"])", ""},
      {"DATE", true, kInt32, R"({"v": -719162})", "[-719162]", ""},
      {"DATE", true, kInt32, R"({"v": 2932896})", "[2932896]", ""},
      {"DATE", true, kInt32, R"({"v": -719163})", "", "-719163 is outside DATE's"},
      {"DATE", true, kInt32, R"({"v": 2932897})", "", "2932897 is outside DATE's"},
      {"TIMESTAMP", true, kInt64, R"({"v": "253402300799999999"})", "[253402300799999999]", ""},
      {"TIMESTAMP", true, kInt64, R"({"v": "253402300800000000"})", "",
       "253402300800000000 is outside TIMESTAMP's"},
      {"TIMESTAMP_NTZ", true, kInt64, R"({"v": "-62135596800000001"})", "",
       "is outside TIMESTAMP's"},
      {"TIMESTAMP_NTZ", false, kInt64, R"({"v": "0"})", "[0]", ""},
      {"DECIMAL(10,2)", true, kString, R"({"v": "12345678.90"})", R"(["12345678.90"])", ""},
      {"DECIMAL(10,2)", true, kString, R"({"v": "-00000001.5"})", R"(["-00000001.5"])", ""},
      {"DECIMAL(10,2)", true, kString, R"({"v": "1.230"})", R"(["1.230"])", ""},
      {"DECIMAL(10,2)", true, kString, R"({"v": "12345678901234.56"})", "",
       "'12345678901234.56' has 14 digits before the point; DECIMAL(10,2) holds 8"},
      {"DECIMAL(10,2)", true, kString, R"({"v": "1.234"})", "",
       "more than 2 digits after the point"},
      {"DECIMAL(10,2)", true, kString, R"({"v": "1e5"})", "", "'1e5' is not decimal text"},
      {"DECIMAL(10,2)", true, kString, R"({"v": ""})", "", "'' is not decimal text"},
      {"DECIMAL(38,0)", true, kString, R"({"v": "-99999999999999999999999999999999999999"})",
       R"(["-99999999999999999999999999999999999999"])", ""},
      {"VARIANT", true, kString, R"({"v": "{\"a\": [1, null]}"})", R"(["{\"a\": [1, null]}"])", ""},
      {"VARIANT", true, kString, R"({"v": "42"})", R"(["42"])", ""},
      {"VARIANT", true, kString, R"({"v": "{\"a\": "})", "", "is not JSON text"},
  };
  return cases;
}

std::shared_ptr<arrow::DataType> LandedType(const std::string& column_type) {
  if (column_type == "TINYINT") return arrow::int8();
  if (column_type == "SMALLINT") return arrow::int16();
  if (column_type == "INT") return arrow::int32();
  if (column_type == "BIGINT") return arrow::int64();
  if (column_type == "FLOAT") return arrow::float32();
  if (column_type == "DOUBLE") return arrow::float64();
  if (column_type == "BOOLEAN") return arrow::boolean();
  if (column_type == "BINARY") return arrow::large_binary();
  if (column_type == "DATE") return arrow::date32();
  if (column_type == "TIMESTAMP") return arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
  if (column_type == "TIMESTAMP_NTZ") return arrow::timestamp(arrow::TimeUnit::MICRO);
  return arrow::large_utf8();  // STRING, and DECIMAL / VARIANT as their text
}

TEST(DeclaredValuesTest, ProtobufValuesAreCheckedAgainstTheirColumnAndLandTyped) {
  const auto dir = FreshDir("proto");
  for (const ValueCase& c : ProtoCases()) {
    SCOPED_TRACE(Describe(c));
    auto emu = DeclaredEmulator(c.column_type, c.nullable, dir);
    JsonRecords row(OneFieldFile(c.proto_type));
    std::shared_ptr<arrow::RecordBatch> landed;
    const grpc::Status status =
        SendRecord(*emu, row.descriptor_proto(), row.Record(c.proto_json), &landed, dir);
    if (!c.refusal.empty()) {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
      EXPECT_THAT(status.error_message(),
                  HasSubstr("Record 0 of the request with offset_id 0: column 'v'"));
      EXPECT_THAT(status.error_message(), HasSubstr(c.refusal));
      EXPECT_EQ(emu->Counters(kTable).records, 0);
      continue;
    }
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_NE(landed, nullptr);
    const auto type = LandedType(c.column_type);
    const auto expected =
        MakeBatch({arrow::field("v", type, c.nullable)}, {ArrayFromJson(type, c.landed_json)});
    EXPECT_TRUE(landed->Equals(*expected)) << landed->ToString() << " vs " << expected->ToString();
  }
  std::filesystem::remove_all(dir);
}

TEST(DeclaredValuesTest, ProtobufStringsMustBeUtf8) {
  const auto dir = FreshDir("utf8");
  auto emu = DeclaredEmulator("STRING", true, dir);
  JsonRecords row(OneFieldFile(kString));
  std::shared_ptr<arrow::RecordBatch> landed;
  const grpc::Status status =
      SendRecord(*emu, row.descriptor_proto(), std::string("\x0a\x02\xc3\x28", 4), &landed, dir);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("'\\xc3(' is not valid UTF-8"));
  std::filesystem::remove_all(dir);
}

/// message Row { repeated int32 tags = 1; map<string, int32> scores = 2; optional Address
/// address = 3; message Address { optional string street = 1; optional int32 zip = 2; } }
google::protobuf::FileDescriptorProto NestedRowFile() {
  google::protobuf::FileDescriptorProto file;
  file.set_name("nested_row.proto");
  auto* row = file.add_message_type();
  row->set_name("Row");
  auto* entry = row->add_nested_type();
  entry->set_name("ScoresEntry");
  entry->mutable_options()->set_map_entry(true);
  AddField(entry, "key", 1, kString, FieldDescriptorProto::LABEL_OPTIONAL);
  AddField(entry, "value", 2, kInt32, FieldDescriptorProto::LABEL_OPTIONAL);
  auto* address = row->add_nested_type();
  address->set_name("Address");
  AddField(address, "street", 1, kString, FieldDescriptorProto::LABEL_OPTIONAL);
  AddField(address, "zip", 2, kInt32, FieldDescriptorProto::LABEL_OPTIONAL);
  AddField(row, "tags", 1, kInt32, FieldDescriptorProto::LABEL_REPEATED);
  AddField(row, "scores", 2, FieldDescriptorProto::TYPE_MESSAGE,
           FieldDescriptorProto::LABEL_REPEATED)
      ->set_type_name("Row.ScoresEntry");
  AddField(row, "address", 3, FieldDescriptorProto::TYPE_MESSAGE,
           FieldDescriptorProto::LABEL_OPTIONAL)
      ->set_type_name("Row.Address");
  return file;
}

TEST(DeclaredValuesTest, ProtobufNestedValuesAreCheckedByPath) {
  const auto dir = FreshDir("nested");
  emulator::EmulatorOptions options;
  options.data_dir = dir;
  auto emu = StartEmulator(options);
  emu->DeclareTable(kTable, {{"tags", "ARRAY<TINYINT>", true},
                             {"scores", "MAP<STRING, SMALLINT>", true},
                             {"address", "STRUCT<street: STRING, zip: INT NOT NULL>", true},
                             {"note", "STRING", true}});
  JsonRecords row(NestedRowFile());
  struct Case {
    std::string json;
    std::string refusal;
  };
  const std::vector<Case> refused = {
      {R"({"tags": [1, 300]})", "column 'tags[]' (TINYINT): value 300 is outside"},
      {R"({"scores": {"a": 40000}})", "column 'scores.value' (SMALLINT): value 40000 is outside"},
      {R"({"address": {"street": "Main"}})", "column 'address.zip' (INT NOT NULL): value has no"},
  };
  for (const Case& c : refused) {
    SCOPED_TRACE(c.json);
    std::shared_ptr<arrow::RecordBatch> landed;
    const grpc::Status status =
        SendRecord(*emu, row.descriptor_proto(), row.Record(c.json), &landed, dir);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr(c.refusal));
  }

  RawStream stream(*emu, AuthFor(*emu, kTable));
  ASSERT_TRUE(stream.Create(CreateRequest(kTable, row.descriptor_proto())));
  ASSERT_TRUE(stream.Write(
      ProtoBatch(0, {row.Record(R"({"tags": [1, -2], "scores": {"a": 5}, "address": {"zip": 7}})"),
                     row.Record("{}")})));
  EXPECT_EQ(stream.ReadAck(), 0);
  ASSERT_TRUE(stream.Close().ok());
  const auto landed = ReadArrowsRows(dir / kTable / (stream.stream_id() + ".arrows"));
  ASSERT_NE(landed, nullptr);
  const auto address = arrow::struct_(
      {arrow::field("street", arrow::large_utf8()), arrow::field("zip", arrow::int32(), false)});
  const arrow::FieldVector fields = {
      arrow::field("tags", arrow::list(arrow::int8())),
      arrow::field("scores", arrow::map(arrow::large_utf8(), arrow::int16())),
      arrow::field("address", address), arrow::field("note", arrow::large_utf8())};
  // Repeated fields and maps have no null in protobuf: an absent one lands empty. A column the
  // descriptor leaves out lands as nulls.
  const auto expected =
      MakeBatch(fields, {ArrayFromJson(fields[0]->type(), "[[1, -2], []]"),
                         ArrayFromJson(fields[1]->type(), R"([[["a", 5]], []])"),
                         ArrayFromJson(address, R"([{"street": null, "zip": 7}, null])"),
                         ArrayFromJson(arrow::large_utf8(), "[null, null]")});
  EXPECT_TRUE(landed->Equals(*expected)) << landed->ToString() << " vs " << expected->ToString();
  std::filesystem::remove_all(dir);
}

// ---- the create-time type fit ----

TEST(DeclaredValuesTest, ProtobufFieldTypesMustBeExactlyTheColumnsWireType) {
  struct Case {
    std::string column_type;
    FieldDescriptorProto::Type proto_type;
  };
  const std::vector<Case> refused = {
      {"TIMESTAMP", kInt32},  // a DATE's field is never a TIMESTAMP
      {"DATE", kInt64},
      {"INT", FieldDescriptorProto::TYPE_SINT32},
      {"BIGINT", FieldDescriptorProto::TYPE_SFIXED64},
      {"BIGINT", FieldDescriptorProto::TYPE_UINT64},
      {"DOUBLE", FieldDescriptorProto::TYPE_FLOAT},
      {"DECIMAL(10,2)", FieldDescriptorProto::TYPE_DOUBLE},
      {"STRING", FieldDescriptorProto::TYPE_BYTES},
  };
  for (const Case& c : refused) {
    SCOPED_TRACE(c.column_type);
    auto emu = StartEmulator();
    emu->DeclareTable(kTable, {{"v", c.column_type, true}});
    JsonRecords row(OneFieldFile(c.proto_type));
    RawStream stream(*emu, AuthFor(*emu, kTable));
    EXPECT_FALSE(stream.Create(CreateRequest(kTable, row.descriptor_proto())));
    const grpc::Status status = stream.Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("TYPE_INCOMPATIBLE"));
    EXPECT_THAT(status.error_message(), HasSubstr("cannot carry column type " + c.column_type));
  }
}

// ---- Arrow Flight rows ----

/// The columns of the Arrow table and one valid row per column, as Arrow JSON.
struct ArrowColumn {
  std::string name;
  std::string column_type;
  bool nullable;
  std::shared_ptr<arrow::DataType> type;
  std::string valid_json;
};

std::vector<ArrowColumn> ArrowColumns() {
  const auto variant = arrow::struct_({arrow::field("metadata", arrow::large_binary(), false),
                                       arrow::field("value", arrow::large_binary(), false)});
  const auto address = arrow::struct_(
      {arrow::field("street", arrow::large_utf8()), arrow::field("zip", arrow::int32(), false)});
  return {
      {"name", "STRING", false, arrow::large_utf8(), R"(["a", "b"])"},
      {"day", "DATE", true, arrow::date32(), "[-719162, 2932896]"},
      {"at", "TIMESTAMP", true, arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"),
       "[-62135596800000000, 253402300799999999]"},
      {"amount", "DECIMAL(10,2)", true, arrow::large_utf8(), R"(["12345678.90", null])"},
      {"doc", "VARIANT", true, variant,
       R"([{"metadata": "\u0001\u0000\u0000", "value": "\u000c\u0001"}, null])"},
      {"address", "STRUCT<street: STRING, zip: INT NOT NULL>", true, address,
       R"([{"street": "x", "zip": 1}, null])"},
      {"prices", "ARRAY<DECIMAL(4,1)>", true, arrow::list(arrow::large_utf8()),
       R"([["999.9", null], null])"},
  };
}

/// The two-row batch of ArrowColumns, with column `replaced` (if any) given as `json`.
std::shared_ptr<arrow::RecordBatch> ArrowRows(const std::string& replaced = "",
                                              const std::string& json = "") {
  arrow::FieldVector fields;
  std::vector<std::shared_ptr<arrow::Array>> arrays;
  for (const ArrowColumn& column : ArrowColumns()) {
    fields.push_back(arrow::field(column.name, column.type));  // nullable: the rows decide
    arrays.push_back(
        ArrayFromJson(column.type, column.name == replaced ? json : column.valid_json));
  }
  return MakeBatch(fields, arrays);
}

std::unique_ptr<emulator::Emulator> ArrowDeclaredEmulator(const std::filesystem::path& dir) {
  emulator::EmulatorOptions options;
  options.data_dir = dir;
  auto emu = StartEmulator(options);
  std::vector<emulator::TableColumn> columns;
  for (const ArrowColumn& column : ArrowColumns()) {
    columns.push_back({column.name, column.column_type, column.nullable});
  }
  emu->DeclareTable(kTable, columns);
  return emu;
}

TEST(DeclaredValuesTest, ArrowRowsThatFitLandAsSent) {
  const auto dir = FreshDir("arrow_fit");
  auto emu = ArrowDeclaredEmulator(dir);
  const auto batch = ArrowRows();
  RawPut put(*emu, PutAuthFor(*emu, kTable));
  ASSERT_TRUE(put.Open(*batch->schema()));
  ASSERT_TRUE(put.Write(BatchData(*batch, 0)));
  EXPECT_EQ(put.Read(), AckJson(0, 2));
  ASSERT_TRUE(put.Close().ok());
  const auto landed = emu->state().LandedBatches(kTable);
  ASSERT_EQ(landed.size(), 1u);
  EXPECT_TRUE(landed[0]->Equals(*batch));
  std::filesystem::remove_all(dir);
}

TEST(DeclaredValuesTest, ArrowValuesAColumnCannotHoldAreRefusedByRowAndColumn) {
  const auto dir = FreshDir("arrow_refused");
  auto emu = ArrowDeclaredEmulator(dir);
  struct Case {
    std::string column;
    std::string json;
    std::string refusal;
  };
  const std::vector<Case> refused = {
      {"name", R"(["a", null])", "row 1, column 'name' (STRING NOT NULL): value is null"},
      {"day", "[0, 2932897]", "row 1, column 'day' (DATE): value 2932897 is outside"},
      {"at", "[-62135596800000001, 0]", "row 0, column 'at' (TIMESTAMP): value"},
      {"amount", R"(["1", "12345678901234.56"])",
       "row 1, column 'amount' (DECIMAL(10,2)): value '12345678901234.56' has 14 digits"},
      {"amount", R"(["0.125", null])", "more than 2 digits after the point"},
      {"doc", R"([{"metadata": "m", "value": "v"}, null])",
       "row 0, column 'doc' (VARIANT): value has metadata 'm' without a version 1"},
      {"address", R"([null, {"street": "y", "zip": null}])",
       "row 1, column 'address.zip' (INT NOT NULL): value is null"},
      {"prices", R"([[], ["1000.0"]])",
       "row 1, column 'prices[]' (DECIMAL(4,1)): value '1000.0' has 4 digits"},
  };
  for (const Case& c : refused) {
    SCOPED_TRACE(c.column + " " + c.json);
    const auto batch = ArrowRows(c.column, c.json);
    RawPut put(*emu, PutAuthFor(*emu, kTable));
    ASSERT_TRUE(put.Open(*batch->schema()));
    put.Write(BatchData(*batch, 0));
    std::vector<nlohmann::json> rest;
    const grpc::Status status = put.Finish(&rest);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr("The FlightData with offset_id 0: "));
    EXPECT_THAT(status.error_message(), HasSubstr(c.refusal));
    EXPECT_TRUE(rest.empty());
  }
  // A NOT NULL member of a null struct, and the slots of a null list, are not values.
  EXPECT_EQ(emu->Counters(kTable).records, 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace arrow_zerobus::testing
