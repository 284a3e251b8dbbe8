// The --quarantine file: failed rows with their input row number and error, read back here.
#include "quarantine_writer.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <arrow/io/file.h>
#include <arrow/ipc/reader.h>
#include <arrow/scalar.h>
#include <arrow/table.h>
#include <gtest/gtest.h>
#include <parquet/arrow/reader.h>

#include "testing/arrow_builders.h"

namespace arrow_zerobus::cli {
namespace {

namespace fs = std::filesystem;
using testing::ArrayFromJson;
using testing::MakeBatch;

class QuarantineWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("quarantine_writer_test-" + std::to_string(getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

std::shared_ptr<arrow::RecordBatch> Batch() {
  return MakeBatch({arrow::field("id", arrow::int64()), arrow::field("name", arrow::utf8())},
                   {ArrayFromJson(arrow::int64(), "[10, 11, 12, 13]"),
                    ArrayFromJson(arrow::utf8(), R"(["a", "b", "c", "d"])")});
}

// Rows 1 and 3 failed: a conversion error and a transmission error.
TransmissionResult TwoFailures() {
  TransmissionResult result;
  result.success = true;
  result.total_rows = 4;
  result.successful_count = 2;
  result.failed_count = 2;
  result.successful_rows = {0, 2};
  result.failed_rows = {{1, ConversionError("column 'id': bad value")},
                        {3, Status(StatusCode::kUnavailable, ErrorKind::kTransmission, "refused")}};
  return result;
}

std::shared_ptr<arrow::Table> ReadStream(const fs::path& path) {
  auto file = arrow::io::ReadableFile::Open(path.string()).ValueOrDie();
  auto reader = arrow::ipc::RecordBatchStreamReader::Open(file).ValueOrDie();
  return reader->ToTable().ValueOrDie();
}

TEST(QuarantineFormatTest, ByExtension) {
  EXPECT_EQ(*QuarantineFormatOf("q.arrows"), QuarantineFormat::kArrowStream);
  EXPECT_EQ(*QuarantineFormatOf("q.arrow"), QuarantineFormat::kArrowFile);
  EXPECT_EQ(*QuarantineFormatOf("q.feather"), QuarantineFormat::kArrowFile);
  EXPECT_EQ(*QuarantineFormatOf("q.PARQUET"), QuarantineFormat::kParquet);
  EXPECT_EQ(*QuarantineFormatOf("q.csv"), QuarantineFormat::kCsv);
  EXPECT_FALSE(QuarantineFormatOf("q.txt").ok());
}

TEST_F(QuarantineWriterTest, FailedRowsGetRowNumberTypeAndMessage) {
  const fs::path path = dir_ / "q.arrows";
  QuarantineWriter writer(path);
  ASSERT_TRUE(writer.Append(*Batch(), TwoFailures(), /*first_row=*/100).ok());
  ASSERT_TRUE(writer.Close(Batch()->schema()).ok());
  EXPECT_EQ(writer.rows_written(), 2);
  const auto table = ReadStream(path);
  ASSERT_EQ(table->num_rows(), 2);
  EXPECT_EQ(table->schema()->ToString(),
            QuarantineWriter::QuarantineSchema(*Batch()->schema())->ToString());
  auto cell = [&](const char* column, int64_t row) {
    return table->GetColumnByName(column)->GetScalar(row).ValueOrDie()->ToString();
  };
  EXPECT_EQ(cell("id", 0), "11");
  EXPECT_EQ(cell("id", 1), "13");
  EXPECT_EQ(cell("_zerobus_row", 0), "101");
  EXPECT_EQ(cell("_zerobus_row", 1), "103");
  EXPECT_EQ(cell("_zerobus_error_type", 0), "ConversionError");
  EXPECT_EQ(cell("_zerobus_error_type", 1), "TransmissionError");
  EXPECT_EQ(cell("_zerobus_error", 0), "column 'id': bad value");
  EXPECT_EQ(cell("_zerobus_error", 1), "refused");
}

TEST_F(QuarantineWriterTest, NoFailuresStillWritesAnEmptyFile) {
  const fs::path path = dir_ / "q.arrows";
  QuarantineWriter writer(path);
  TransmissionResult ok;
  ok.success = true;
  ok.total_rows = 4;
  ok.successful_count = 4;
  ok.successful_rows = {0, 1, 2, 3};
  ASSERT_TRUE(writer.Append(*Batch(), ok, 0).ok());
  ASSERT_TRUE(writer.Close(Batch()->schema()).ok());
  const auto table = ReadStream(path);
  EXPECT_EQ(table->num_rows(), 0);
  EXPECT_EQ(table->num_columns(), 5);
}

TEST_F(QuarantineWriterTest, AnotherSchemaGoesToANumberedFile) {
  const fs::path path = dir_ / "q.arrows";
  QuarantineWriter writer(path);
  ASSERT_TRUE(writer.Append(*Batch(), TwoFailures(), 0).ok());
  const auto other = MakeBatch({arrow::field("x", arrow::utf8())},
                               {ArrayFromJson(arrow::utf8(), R"(["p", "q", "r", "s"])")});
  ASSERT_TRUE(writer.Append(*other, TwoFailures(), 4).ok());
  ASSERT_TRUE(writer.Close(nullptr).ok());
  ASSERT_EQ(writer.files().size(), 2u);
  EXPECT_EQ(writer.files()[1], dir_ / "q-2.arrows");
  EXPECT_EQ(ReadStream(writer.files()[0])->num_rows(), 2);
  const auto second = ReadStream(writer.files()[1]);
  ASSERT_EQ(second->num_rows(), 2);
  EXPECT_EQ(second->GetColumnByName("_zerobus_row")->GetScalar(0).ValueOrDie()->ToString(), "5");
}

TEST_F(QuarantineWriterTest, ParquetAndIpcFileFormats) {
  const fs::path parquet_path = dir_ / "q.parquet";
  QuarantineWriter parquet_writer(parquet_path);
  ASSERT_TRUE(parquet_writer.Append(*Batch(), TwoFailures(), 0).ok());
  ASSERT_TRUE(parquet_writer.Close(nullptr).ok());
  auto input = arrow::io::ReadableFile::Open(parquet_path.string()).ValueOrDie();
  auto reader = parquet::arrow::OpenFile(input, arrow::default_memory_pool()).ValueOrDie();
  const auto from_parquet = reader->ReadTable().ValueOrDie();
  EXPECT_EQ(from_parquet->num_rows(), 2);
  EXPECT_EQ(from_parquet->num_columns(), 5);

  const fs::path ipc_path = dir_ / "q.arrow";
  QuarantineWriter ipc_writer(ipc_path);
  ASSERT_TRUE(ipc_writer.Append(*Batch(), TwoFailures(), 0).ok());
  ASSERT_TRUE(ipc_writer.Close(nullptr).ok());
  auto file = arrow::io::ReadableFile::Open(ipc_path.string()).ValueOrDie();
  auto ipc = arrow::ipc::RecordBatchFileReader::Open(file).ValueOrDie();
  EXPECT_EQ(ipc->CountRows().ValueOrDie(), 2);
}

TEST_F(QuarantineWriterTest, UnwritablePathIsNamed) {
  const fs::path path = dir_ / "missing-dir" / "q.arrows";
  QuarantineWriter writer(path);
  const Status status = writer.Append(*Batch(), TwoFailures(), 0);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find(path.string()), std::string::npos) << status.message();
}

// A row quarantined for its null in a non-nullable column (or struct member) must still be
// written: the quarantine schema is nullable throughout.
TEST_F(QuarantineWriterTest, NullsInNonNullableInputColumnsAreWritten) {
  const auto inner = arrow::struct_({arrow::field("zip", arrow::int32(), false)});
  const auto batch = MakeBatch(
      {arrow::field("strict", arrow::utf8(), false), arrow::field("address", inner, false)},
      {ArrayFromJson(arrow::utf8(), R"(["a", null, "c", null])"),
       ArrayFromJson(inner, R"([{"zip": 1}, {"zip": null}, {"zip": 3}, null])")});
  for (const char* name : {"q.parquet", "q.arrows", "q.arrow"}) {
    SCOPED_TRACE(name);
    QuarantineWriter writer(dir_ / name);
    ASSERT_TRUE(writer.Append(*batch, TwoFailures(), 0).ok());
    ASSERT_TRUE(writer.Close(nullptr).ok());
    EXPECT_EQ(writer.rows_written(), 2);
  }
  auto input = arrow::io::ReadableFile::Open((dir_ / "q.parquet").string()).ValueOrDie();
  auto reader = parquet::arrow::OpenFile(input, arrow::default_memory_pool()).ValueOrDie();
  const auto table = reader->ReadTable().ValueOrDie();
  ASSERT_EQ(table->num_rows(), 2);
  EXPECT_FALSE(table->GetColumnByName("strict")->GetScalar(0).ValueOrDie()->is_valid);
  EXPECT_EQ(table->GetColumnByName("address")->GetScalar(0).ValueOrDie()->ToString(),
            "{zip:int32 = null}");
}

TEST_F(QuarantineWriterTest, CsvHoldsFlatColumnsAndNamesANestedOne) {
  const fs::path path = dir_ / "q.csv";
  QuarantineWriter writer(path);
  ASSERT_TRUE(writer.CheckInputSchema(*Batch()->schema()).ok());
  ASSERT_TRUE(writer.Append(*Batch(), TwoFailures(), 100).ok());
  ASSERT_TRUE(writer.Close(nullptr).ok());
  std::ifstream file(path);
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text,
            "\"id\",\"name\",\"_zerobus_row\",\"_zerobus_error_type\",\"_zerobus_error\"\n"
            "11,\"b\",101,\"ConversionError\",\"column 'id': bad value\"\n"
            "13,\"d\",103,\"TransmissionError\",\"refused\"\n");

  const auto nested = arrow::schema({arrow::field("tags", arrow::list(arrow::utf8()))});
  const Status refused = QuarantineWriter(dir_ / "n.csv").CheckInputSchema(*nested);
  EXPECT_EQ(refused.kind(), ErrorKind::kConfiguration);
  EXPECT_NE(refused.message().find("CSV cannot hold column 'tags'"), std::string::npos)
      << refused.message();
}

}  // namespace
}  // namespace arrow_zerobus::cli
