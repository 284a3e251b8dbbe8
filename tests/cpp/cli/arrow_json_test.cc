// Tests of the JSON lines `zerobus-arrow debug read` prints for an .arrows file: every Arrow type
// as the value it holds, dictionaries decoded.
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <arrow/api.h>
#include <arrow/io/file.h>
#include <arrow/ipc/writer.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "arrow_json.h"
#include "debug_command.h"
#include "testing/arrow_builders.h"
#include "testing/test_extension_type.h"

namespace arrow_zerobus::cli {
namespace {

using testing::ArrayFromJson;
using testing::MakeBatch;

std::string JsonLines(const std::shared_ptr<arrow::RecordBatch>& batch) {
  auto table = arrow::Table::FromRecordBatches({batch});
  EXPECT_TRUE(table.ok()) << table.status();
  std::ostringstream out;
  const Status written = WriteTableAsJsonLines(**table, out);
  EXPECT_TRUE(written.ok()) << written;
  return out.str();
}

std::shared_ptr<arrow::Array> Colors() {
  auto dictionary = arrow::DictionaryArray::FromArrays(
      arrow::dictionary(arrow::int8(), arrow::utf8()),
      ArrayFromJson(arrow::int8(), "[0, 2, null, 1]"),
      ArrayFromJson(arrow::utf8(), R"(["red", "green", "blue"])"));
  EXPECT_TRUE(dictionary.ok()) << dictionary.status();
  return *dictionary;
}

TEST(ArrowJsonTest, DictionaryValuesAreDecoded) {
  auto batch = MakeBatch({arrow::field("color", Colors()->type())}, {Colors()});
  EXPECT_EQ(JsonLines(batch),
            "{\"color\":\"red\"}\n{\"color\":\"blue\"}\n{\"color\":null}\n{\"color\":\"green\"}\n");
}

TEST(ArrowJsonTest, DictionariesInsideListsAreDecoded) {
  auto colors = Colors();
  auto offsets = ArrayFromJson(arrow::int32(), "[0, 2, 4]");
  auto list = arrow::ListArray::FromArrays(*offsets, *colors);
  ASSERT_TRUE(list.ok()) << list.status();
  auto batch = MakeBatch({arrow::field("colors", (*list)->type())}, {*list});
  EXPECT_EQ(JsonLines(batch), "{\"colors\":[\"red\",\"blue\"]}\n{\"colors\":[null,\"green\"]}\n");
}

TEST(ArrowJsonTest, EncodedAndWrappedTypesPrintTheirValues) {
  auto run_ends = ArrayFromJson(arrow::int32(), "[2, 3]");
  auto values = ArrayFromJson(arrow::utf8(), R"(["x", "y"])");
  auto ree = arrow::RunEndEncodedArray::Make(3, run_ends, values);
  ASSERT_TRUE(ree.ok()) << ree.status();
  auto extension_type = std::make_shared<testing::TestExtensionType>(arrow::int32());
  auto extension = arrow::ExtensionType::WrapArray(extension_type,
                                                   ArrayFromJson(arrow::int32(), "[7, 8, null]"));
  auto half = ArrayFromJson(arrow::float16(), "[1.5, -2, null]");
  auto batch = MakeBatch({arrow::field("ree", (*ree)->type()), arrow::field("ext", extension_type),
                          arrow::field("half", arrow::float16())},
                         {*ree, extension, half});
  EXPECT_EQ(JsonLines(batch),
            "{\"ree\":\"x\",\"ext\":7,\"half\":1.5}\n"
            "{\"ree\":\"x\",\"ext\":8,\"half\":-2.0}\n"
            "{\"ree\":\"y\",\"ext\":null,\"half\":null}\n");
}

TEST(ArrowJsonTest, OtherTypesPrintArrowsTextOfTheValue) {
  auto batch = MakeBatch(
      {arrow::field("price", arrow::decimal128(10, 2)), arrow::field("day", arrow::date32()),
       arrow::field("at", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"))},
      {ArrayFromJson(arrow::decimal128(10, 2), R"(["4944404787.30"])"),
       ArrayFromJson(arrow::date32(), "[19723]"),
       ArrayFromJson(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"),
                     R"(["2024-01-01 12:00:00"])")});
  const std::string line = JsonLines(batch);
  EXPECT_THAT(line, ::testing::HasSubstr("\"price\":\"4944404787.30\""));
  EXPECT_THAT(line, ::testing::HasSubstr("\"day\":\"2024-01-01\""));
  EXPECT_THAT(line, ::testing::HasSubstr("\"at\":\"2024-01-01 12:00:00"));
}

TEST(ArrowJsonTest, DebugReadOfAnArrowsFilePrintsDecodedDictionaryValues) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("arrow_json_test_" + std::to_string(::getpid()) + ".arrows");
  auto batch = MakeBatch({arrow::field("color", Colors()->type())}, {Colors()});
  {
    auto file = arrow::io::FileOutputStream::Open(path.string());
    ASSERT_TRUE(file.ok()) << file.status();
    auto writer = arrow::ipc::MakeStreamWriter(*file, batch->schema());
    ASSERT_TRUE(writer.ok()) << writer.status();
    ASSERT_TRUE((*writer)->WriteRecordBatch(*batch).ok());
    ASSERT_TRUE((*writer)->Close().ok());
  }
  std::ostringstream out;
  std::ostringstream err;
  const int code = RunDebug({"read", path.string()}, out, err);
  std::filesystem::remove(path);
  EXPECT_EQ(code, 0) << err.str();
  EXPECT_THAT(out.str(), ::testing::HasSubstr("{\"color\":\"red\"}\n{\"color\":\"blue\"}\n"));
  EXPECT_THAT(out.str(), ::testing::Not(::testing::HasSubstr("[0]")));
}

}  // namespace
}  // namespace arrow_zerobus::cli
