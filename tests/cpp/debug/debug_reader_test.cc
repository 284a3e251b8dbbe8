// Reading debug files back: .pbs records as JSON lines and as Arrow tables (nested, repeated and
// map fields; 64-bit integers as JSON numbers), errors that name the offset of a truncated or
// malformed record, and .arrows files.
#include "debug/debug_reader.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <arrow/table.h>
#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <gtest/gtest.h>

#include "debug/debug_test_util.h"
#include "debug/debug_writer.h"
#include "encode/batch_encoder.h"
#include "testing/arrow_builders.h"

namespace arrow_zerobus::debug {
namespace {

namespace fs = std::filesystem;
namespace pb = google::protobuf;
using arrow_zerobus::testing::ArrayFromJson;
using ::testing::HasSubstr;
using testing::ListNames;
using testing::TempDir;

constexpr char kStem[] = "main.demo.hand-20260101T000000000Z-000001";

std::string Varint(uint64_t value) {
  std::string out;
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7F) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
  return out;
}

// A proto2 record type written by hand, with types the schema planner does not generate.
pb::FileDescriptorProto HandFile() {
  pb::FileDescriptorProto file;
  file.set_name("hand.proto");
  file.set_package("hand");
  auto* color = file.add_enum_type();
  color->set_name("Color");
  color->add_value()->set_name("RED");
  auto* green = color->add_value();
  green->set_name("GREEN");
  green->set_number(1);

  auto* record = file.add_message_type();
  record->set_name("Rec");
  auto add = [&](const char* name, int number, pb::FieldDescriptorProto::Type type,
                 pb::FieldDescriptorProto::Label label = pb::FieldDescriptorProto::LABEL_OPTIONAL) {
    auto* field = record->add_field();
    field->set_name(name);
    field->set_number(number);
    field->set_type(type);
    field->set_label(label);
    return field;
  };
  add("big", 1, pb::FieldDescriptorProto::TYPE_UINT64);
  add("ratio", 2, pb::FieldDescriptorProto::TYPE_FLOAT);
  add("nan", 3, pb::FieldDescriptorProto::TYPE_DOUBLE);
  add("color", 4, pb::FieldDescriptorProto::TYPE_ENUM)->set_type_name(".hand.Color");
  add("delta", 5, pb::FieldDescriptorProto::TYPE_SINT32);
  add("chunks", 6, pb::FieldDescriptorProto::TYPE_BYTES, pb::FieldDescriptorProto::LABEL_REPEATED);
  add("names", 7, pb::FieldDescriptorProto::TYPE_MESSAGE, pb::FieldDescriptorProto::LABEL_REPEATED)
      ->set_type_name(".hand.Rec.NamesEntry");
  auto* entry = record->add_nested_type();
  entry->set_name("NamesEntry");
  entry->mutable_options()->set_map_entry(true);
  auto* key = entry->add_field();
  key->set_name("key");
  key->set_number(1);
  key->set_type(pb::FieldDescriptorProto::TYPE_INT32);
  key->set_label(pb::FieldDescriptorProto::LABEL_OPTIONAL);
  auto* value = entry->add_field();
  value->set_name("value");
  value->set_number(2);
  value->set_type(pb::FieldDescriptorProto::TYPE_STRING);
  value->set_label(pb::FieldDescriptorProto::LABEL_OPTIONAL);
  return file;
}

class DebugReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(records_file().parent_path());
    fs::create_directories(DescriptorPathFor(records_file()).parent_path());
  }

  fs::path records_file() const {
    return dir_.path() / "zerobus" / "proto" / (std::string(kStem) + ".pbs");
  }

  void WriteDescriptor(const pb::FileDescriptorProto& file) {
    pb::FileDescriptorSet set;
    *set.add_file() = file;
    std::ofstream(DescriptorPathFor(records_file()), std::ios::binary) << set.SerializeAsString();
  }

  /// Two records of hand.Rec, length-delimited.
  std::string HandRecords() {
    pb::DescriptorPool pool;
    const pb::FileDescriptor* file = pool.BuildFile(HandFile());
    EXPECT_NE(file, nullptr);
    pb::DynamicMessageFactory factory(&pool);
    std::unique_ptr<pb::Message> message(factory.GetPrototype(file->message_type(0))->New());
    const pb::Descriptor* type = message->GetDescriptor();
    const pb::Reflection* r = message->GetReflection();
    r->SetUInt64(message.get(), type->FindFieldByName("big"), std::numeric_limits<uint64_t>::max());
    r->SetFloat(message.get(), type->FindFieldByName("ratio"), 0.1f);
    r->SetDouble(message.get(), type->FindFieldByName("nan"), std::nan(""));
    r->SetEnumValue(message.get(), type->FindFieldByName("color"), 1);
    r->SetInt32(message.get(), type->FindFieldByName("delta"), -3);
    r->AddString(message.get(), type->FindFieldByName("chunks"), std::string("\x01\x02", 2));
    r->AddString(message.get(), type->FindFieldByName("chunks"), "");
    pb::Message* entry = r->AddMessage(message.get(), type->FindFieldByName("names"));
    entry->GetReflection()->SetInt32(entry, entry->GetDescriptor()->FindFieldByName("key"), 5);
    entry->GetReflection()->SetString(entry, entry->GetDescriptor()->FindFieldByName("value"),
                                      "five");
    const std::string first = message->SerializeAsString();
    message->Clear();
    r->SetInt32(message.get(), type->FindFieldByName("delta"), 4);
    const std::string second = message->SerializeAsString();
    return Varint(first.size()) + first + Varint(second.size()) + second;
  }

  void WriteRecords(const std::string& bytes) {
    std::ofstream(records_file(), std::ios::binary) << bytes;
  }

  TempDir dir_;
};

TEST(DescriptorPathTest, IsBesideTheRecordsDirectory) {
  EXPECT_EQ(DescriptorPathFor("/out/zerobus/proto/t-20260101T000000000Z-000001.pbs"),
            fs::path("/out/zerobus/descriptors/t-20260101T000000000Z-000001.desc"));
}

TEST_F(DebugReaderTest, JsonUsesProtoNamesAndNumbersFor64BitIntegers) {
  WriteDescriptor(HandFile());
  WriteRecords(HandRecords());
  std::ostringstream json;
  const Status status = WriteRecordsAsJson(records_file(), json);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(json.str(),
            "{\"big\":18446744073709551615,\"ratio\":0.1,\"nan\":\"NaN\",\"color\":\"GREEN\","
            "\"delta\":-3,\"chunks\":[\"AQI=\",\"\"],\"names\":{\"5\":\"five\"}}\n"
            "{\"delta\":4}\n");
}

TEST_F(DebugReaderTest, ArrowColumnsFollowTheProtoTypes) {
  WriteDescriptor(HandFile());
  WriteRecords(HandRecords());
  auto table = ReadRecordsAsArrow(records_file());
  ASSERT_TRUE(table.ok()) << table.status();
  const auto expected_schema = arrow::schema(
      {arrow::field("big", arrow::uint64()), arrow::field("ratio", arrow::float32()),
       arrow::field("nan", arrow::float64()), arrow::field("color", arrow::int32()),
       arrow::field("delta", arrow::int32()), arrow::field("chunks", arrow::list(arrow::binary())),
       arrow::field("names", arrow::map(arrow::int32(), arrow::utf8()))});
  ASSERT_TRUE((*table)->schema()->Equals(*expected_schema)) << (*table)->schema()->ToString();
  auto column = [&](const char* name) { return (*table)->GetColumnByName(name); };
  auto expect_column = [&](const char* name, std::string_view json) {
    const auto expected = ArrayFromJson(column(name)->type(), json);
    EXPECT_TRUE(column(name)->Equals(arrow::ChunkedArray(expected)))
        << name << ": " << column(name)->ToString();
  };
  expect_column("big", "[18446744073709551615, null]");
  expect_column("ratio", "[0.1, null]");
  expect_column("color", "[1, null]");
  expect_column("delta", "[-3, 4]");
  expect_column("chunks", R"([["\u0001\u0002", ""], []])");
  expect_column("names", R"([[[5, "five"]], []])");
  EXPECT_TRUE(
      std::isnan(std::static_pointer_cast<arrow::DoubleArray>(column("nan")->chunk(0))->Value(0)));
}

TEST_F(DebugReaderTest, NestedListAndMapColumnsRoundTripThroughTheWriter) {
  auto struct_type =
      arrow::struct_({arrow::field("city", arrow::utf8()), arrow::field("zip", arrow::int32())});
  auto item_type =
      arrow::struct_({arrow::field("sku", arrow::utf8()), arrow::field("qty", arrow::int64())});
  auto batch = arrow_zerobus::testing::MakeBatch(
      {arrow::field("id", arrow::int64(), /*nullable=*/false),
       arrow::field("tags", arrow::list(arrow::utf8())), arrow::field("address", struct_type),
       arrow::field("attrs", arrow::map(arrow::utf8(), arrow::int64())),
       arrow::field("blob", arrow::binary()), arrow::field("ok", arrow::boolean()),
       arrow::field("items", arrow::list(item_type))},
      {ArrayFromJson(arrow::int64(), "[1, 2, null]"),
       ArrayFromJson(arrow::list(arrow::utf8()), R"([["a", "b"], null, []])"),
       ArrayFromJson(struct_type, R"([{"city": "X", "zip": 7}, null, null])"),
       ArrayFromJson(arrow::map(arrow::utf8(), arrow::int64()),
                     R"([[["k", 9007199254740993]], null, []])"),
       ArrayFromJson(arrow::binary(), R"(["ab", null, null])"),
       ArrayFromJson(arrow::boolean(), "[true, false, true]"),
       ArrayFromJson(arrow::list(item_type), R"([[{"sku": "s", "qty": 2}], [], null])")});
  auto plan = arrow_zerobus::testing::PlanOrFail(*batch->schema());
  auto encoded = encode::EncodeBatch(*plan, *batch);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  ASSERT_EQ(encoded->failed_count(), 1);  // the null id

  DebugOptions options;
  options.output_dir = dir_.path();
  options.protobuf = true;
  auto writer = DebugWriter::Open("main.demo.nested", options);
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE((*writer)->WriteRecords(*plan, *encoded).ok());
  ASSERT_TRUE((*writer)->Close().ok());
  const fs::path proto_dir = dir_.path() / "zerobus" / "proto";
  std::vector<std::string> names = ListNames(proto_dir);
  names.erase(std::remove(names.begin(), names.end(), std::string(kStem) + ".pbs"), names.end());
  ASSERT_EQ(names.size(), 1u);
  const fs::path file = proto_dir / names[0];

  std::ostringstream json;
  ASSERT_TRUE(WriteRecordsAsJson(file, json).ok());
  EXPECT_EQ(json.str(),
            "{\"id\":1,\"tags\":[\"a\",\"b\"],\"address\":{\"city\":\"X\",\"zip\":7},"
            "\"attrs\":{\"k\":9007199254740993},\"blob\":\"YWI=\",\"ok\":true,"
            "\"items\":[{\"sku\":\"s\",\"qty\":2}]}\n"
            "{\"id\":2,\"ok\":false}\n");

  auto table = ReadRecordsAsArrow(file);
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_EQ((*table)->num_rows(), 2);
  auto expect_column = [&](const char* name, const std::shared_ptr<arrow::DataType>& type,
                           std::string_view json_values) {
    auto column = (*table)->GetColumnByName(name);
    ASSERT_NE(column, nullptr) << name;
    EXPECT_TRUE(column->type()->Equals(*type)) << name << ": " << column->type()->ToString();
    EXPECT_TRUE(column->Equals(arrow::ChunkedArray(ArrayFromJson(type, json_values))))
        << name << ": " << column->ToString();
  };
  expect_column("id", arrow::int64(), "[1, 2]");
  expect_column("tags", arrow::list(arrow::utf8()), R"([["a", "b"], []])");
  expect_column("address", struct_type, R"([{"city": "X", "zip": 7}, null])");
  expect_column("attrs", arrow::map(arrow::utf8(), arrow::int64()),
                R"([[["k", 9007199254740993]], []])");
  expect_column("blob", arrow::binary(), R"(["ab", null])");
  expect_column("ok", arrow::boolean(), "[true, false]");
  expect_column("items", arrow::list(item_type), R"([[{"sku": "s", "qty": 2}], []])");
}

TEST_F(DebugReaderTest, TruncatedLastRecordNamesItsOffset) {
  WriteDescriptor(HandFile());
  const std::string records = HandRecords();
  const size_t second_offset = 1 + static_cast<uint8_t>(records[0]);
  WriteRecords(records.substr(0, records.size() - 1));
  auto table = ReadRecordsAsArrow(records_file());
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().kind(), ErrorKind::kIo);
  EXPECT_THAT(table.status().message(),
              HasSubstr("record 1 at byte offset " + std::to_string(second_offset)));
  EXPECT_THAT(table.status().message(), HasSubstr(records_file().string()));
  std::ostringstream json;
  const Status status = WriteRecordsAsJson(records_file(), json);
  EXPECT_THAT(status.message(),
              HasSubstr("record 1 at byte offset " + std::to_string(second_offset)));
}

TEST_F(DebugReaderTest, PartialLengthNamesItsOffset) {
  WriteDescriptor(HandFile());
  const std::string records = HandRecords();
  WriteRecords(records + "\x85");
  auto table = ReadRecordsAsArrow(records_file());
  ASSERT_FALSE(table.ok());
  EXPECT_THAT(table.status().message(),
              HasSubstr("record 2 at byte offset " + std::to_string(records.size())));
}

TEST_F(DebugReaderTest, UnparsableRecordNamesItsPosition) {
  WriteDescriptor(HandFile());
  const std::string records = HandRecords();
  WriteRecords(records + Varint(2) + "\xff\xff");
  std::ostringstream json;
  const Status status = WriteRecordsAsJson(records_file(), json);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(),
              HasSubstr("record 2 at byte offset " + std::to_string(records.size())));
}

TEST_F(DebugReaderTest, MissingOrBadDescriptorIsNamed) {
  WriteRecords(HandRecords());
  auto missing = ReadRecordsAsArrow(records_file());
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr(DescriptorPathFor(records_file()).string()));
  std::ofstream(DescriptorPathFor(records_file()), std::ios::binary) << "\xff\xff\xff";
  auto bad = ReadRecordsAsArrow(records_file());
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr(DescriptorPathFor(records_file()).string()));
}

TEST_F(DebugReaderTest, EmptyRecordsFileGivesAnEmptyTable) {
  WriteDescriptor(HandFile());
  WriteRecords("");
  auto table = ReadRecordsAsArrow(records_file());
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ((*table)->num_rows(), 0);
  EXPECT_EQ((*table)->num_columns(), 7);
}

TEST_F(DebugReaderTest, MissingArrowFileIsNamed) {
  const fs::path path = dir_.path() / "absent.arrows";
  auto table = ReadArrowDebugFile(path);
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().kind(), ErrorKind::kIo);
  EXPECT_THAT(table.status().message(), HasSubstr(path.string()));
}

}  // namespace
}  // namespace arrow_zerobus::debug
