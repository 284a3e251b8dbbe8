// The send command's input readers on files written here with Arrow's own writers.
#include "input_readers.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <arrow/builder.h>
#include <arrow/csv/writer.h>
#include <arrow/io/compressed.h>
#include <arrow/io/file.h>
#include <arrow/ipc/writer.h>
#include <arrow/memory_pool.h>
#include <arrow/scalar.h>
#include <arrow/table.h>
#include <arrow/util/compression.h>
#include <gtest/gtest.h>
#include <parquet/arrow/writer.h>

#include "testing/arrow_builders.h"

namespace arrow_zerobus::cli {
namespace {

namespace fs = std::filesystem;
using testing::ArrayFromJson;
using testing::MakeBatch;

class InputReadersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("input_readers_test-" + std::to_string(getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // id int64 0..rows-1, name "n<id>", score id / 2.
  static std::shared_ptr<arrow::RecordBatch> Sample(int64_t rows) {
    std::string ids = "[", names = "[", scores = "[";
    for (int64_t i = 0; i < rows; ++i) {
      const std::string comma = i > 0 ? "," : "";
      ids += comma + std::to_string(i);
      names += comma + "\"n" + std::to_string(i) + "\"";
      scores += comma + std::to_string(static_cast<double>(i) / 2);
    }
    return MakeBatch(
        {arrow::field("id", arrow::int64()), arrow::field("name", arrow::utf8()),
         arrow::field("score", arrow::float64())},
        {ArrayFromJson(arrow::int64(), ids + "]"), ArrayFromJson(arrow::utf8(), names + "]"),
         ArrayFromJson(arrow::float64(), scores + "]")});
  }

  fs::path WriteParquet(const std::string& name, const std::shared_ptr<arrow::RecordBatch>& batch,
                        int64_t row_group_rows) {
    const fs::path path = dir_ / name;
    auto table = arrow::Table::FromRecordBatches({batch}).ValueOrDie();
    auto out = arrow::io::FileOutputStream::Open(path.string()).ValueOrDie();
    EXPECT_TRUE(
        parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out, row_group_rows).ok());
    EXPECT_TRUE(out->Close().ok());
    return path;
  }

  fs::path WriteIpc(const std::string& name, const std::shared_ptr<arrow::RecordBatch>& batch,
                    bool file_format) {
    const fs::path path = dir_ / name;
    auto out = arrow::io::FileOutputStream::Open(path.string()).ValueOrDie();
    auto writer = file_format ? arrow::ipc::MakeFileWriter(out, batch->schema())
                              : arrow::ipc::MakeStreamWriter(out, batch->schema());
    EXPECT_TRUE(writer.ok());
    EXPECT_TRUE((*writer)->WriteRecordBatch(*batch).ok());
    EXPECT_TRUE((*writer)->Close().ok());
    EXPECT_TRUE(out->Close().ok());
    return path;
  }

  fs::path WriteCsv(const std::string& name, const std::shared_ptr<arrow::RecordBatch>& batch) {
    const fs::path path = dir_ / name;
    auto out = arrow::io::FileOutputStream::Open(path.string()).ValueOrDie();
    EXPECT_TRUE(arrow::csv::WriteCSV(*batch, arrow::csv::WriteOptions::Defaults(), out.get()).ok());
    EXPECT_TRUE(out->Close().ok());
    return path;
  }

  // `text` compressed with the codec its name's extension gives.
  fs::path WriteCompressed(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    auto codec = arrow::util::Codec::Create(*CompressionOf(path)).ValueOrDie();
    auto file = arrow::io::FileOutputStream::Open(path.string()).ValueOrDie();
    auto out = arrow::io::CompressedOutputStream::Make(codec.get(), file).ValueOrDie();
    EXPECT_TRUE(out->Write(text).ok());
    EXPECT_TRUE(out->Close().ok());
    return path;
  }

  fs::path WriteText(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  fs::path dir_;
};

// Every batch the reader yields, checking each is at most `max_rows` rows.
std::vector<std::shared_ptr<arrow::RecordBatch>> ReadAll(InputSource& source, int64_t max_rows) {
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  while (true) {
    std::shared_ptr<arrow::RecordBatch> batch;
    const arrow::Status status = source.reader->ReadNext(&batch);
    EXPECT_TRUE(status.ok()) << status.ToString();
    if (!status.ok() || batch == nullptr) break;
    EXPECT_GT(batch->num_rows(), 0);
    EXPECT_LE(batch->num_rows(), max_rows);
    batches.push_back(batch);
  }
  return batches;
}

std::shared_ptr<arrow::Table> Combine(
    const std::vector<std::shared_ptr<arrow::RecordBatch>>& batches) {
  return arrow::Table::FromRecordBatches(batches).ValueOrDie()->CombineChunks().ValueOrDie();
}

TEST(InputFormatTest, DetectsByExtensionIgnoringCase) {
  EXPECT_EQ(*DetectInputFormat("a.parquet"), InputFormat::kParquet);
  EXPECT_EQ(*DetectInputFormat("a.PQ"), InputFormat::kParquet);
  EXPECT_EQ(*DetectInputFormat("a.arrow"), InputFormat::kArrow);
  EXPECT_EQ(*DetectInputFormat("a.arrows"), InputFormat::kArrow);
  EXPECT_EQ(*DetectInputFormat("a.feather"), InputFormat::kArrow);
  EXPECT_EQ(*DetectInputFormat("a.ipc"), InputFormat::kArrow);
  EXPECT_EQ(*DetectInputFormat("dir.v2/a.Csv"), InputFormat::kCsv);
  EXPECT_EQ(*DetectInputFormat("a.tsv"), InputFormat::kTsv);
  EXPECT_EQ(*DetectInputFormat("a.json"), InputFormat::kJson);
  EXPECT_EQ(*DetectInputFormat("a.jsonl"), InputFormat::kJson);
  EXPECT_EQ(*DetectInputFormat("a.ndjson"), InputFormat::kJson);
}

TEST(InputFormatTest, ForcedFormatWinsAndTsvKeepsTabs) {
  EXPECT_EQ(*DetectInputFormat("a.txt", InputFormat::kJson), InputFormat::kJson);
  EXPECT_EQ(*DetectInputFormat("a.parquet", InputFormat::kCsv), InputFormat::kCsv);
  EXPECT_EQ(*DetectInputFormat("a.tsv", InputFormat::kCsv), InputFormat::kTsv);
}

TEST(InputFormatTest, UnknownExtensionNamesTheFile) {
  auto format = DetectInputFormat("/data/orders.xlsx");
  ASSERT_FALSE(format.ok());
  EXPECT_NE(format.status().message().find("/data/orders.xlsx"), std::string::npos);
  EXPECT_NE(format.status().message().find("--input-format"), std::string::npos);
}

TEST(InputFormatTest, ParsesFormatNames) {
  EXPECT_EQ(*ParseInputFormat("parquet"), InputFormat::kParquet);
  EXPECT_EQ(*ParseInputFormat("ARROW"), InputFormat::kArrow);
  EXPECT_EQ(*ParseInputFormat("csv"), InputFormat::kCsv);
  EXPECT_EQ(*ParseInputFormat("tsv"), InputFormat::kTsv);
  EXPECT_EQ(*ParseInputFormat("json"), InputFormat::kJson);
  auto bad = ParseInputFormat("xml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'xml'"), std::string::npos);
}

TEST_F(InputReadersTest, ParquetKnowsItsRowsAndHonoursBatchRows) {
  const auto sample = Sample(1000);
  const fs::path path = WriteParquet("data.parquet", sample, 300);
  auto source = OpenInput(path, {.format = std::nullopt, .batch_rows = 64});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ(source->format, InputFormat::kParquet);
  EXPECT_EQ(source->total_rows, 1000);
  EXPECT_EQ(source->total_bytes, static_cast<int64_t>(fs::file_size(path)));
  const auto batches = ReadAll(*source, 64);
  EXPECT_GE(batches.size(), 16u);
  EXPECT_TRUE(Combine(batches)->Equals(*arrow::Table::FromRecordBatches({sample}).ValueOrDie()));
}

TEST_F(InputReadersTest, ParquetIsNotHeldInMemoryWhole) {
  // 16 MiB of random bytes (they do not compress) in 16 row groups. Arrow's reader pre-buffers
  // every row group by default, which held the whole file in memory before the first batch came
  // out: the send command's memory grew with the file instead of staying within its window.
  constexpr int64_t kRows = 16 * 4096;
  constexpr int kValueBytes = 256;
  std::mt19937_64 random(15);
  arrow::BinaryBuilder values;
  std::string value(kValueBytes, '\0');
  for (int64_t i = 0; i < kRows; ++i) {
    for (char& c : value) c = static_cast<char>(random());
    ASSERT_TRUE(values.Append(value).ok());
  }
  const auto batch =
      MakeBatch({arrow::field("payload", arrow::binary())}, {values.Finish().ValueOrDie()});
  const fs::path path = WriteParquet("big.parquet", batch, kRows / 16);
  const auto file_bytes = static_cast<int64_t>(fs::file_size(path));
  ASSERT_GT(file_bytes, kRows * kValueBytes);

  arrow::MemoryPool* pool = arrow::default_memory_pool();
  const int64_t before = pool->bytes_allocated();
  auto source = OpenInput(path, {.format = std::nullopt, .batch_rows = 1024});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  int64_t rows = 0;
  int64_t most = 0;
  std::shared_ptr<arrow::RecordBatch> next;
  while (source->reader->ReadNext(&next).ok() && next != nullptr) {
    rows += next->num_rows();
    most = std::max(most, pool->bytes_allocated() - before);
    next.reset();
  }
  EXPECT_EQ(rows, kRows);
  // One row group (1 MiB) decoded and its pages: far from the 16 MiB file.
  EXPECT_LT(most, file_bytes / 4) << "the reader held " << most << " bytes of a " << file_bytes
                                  << "-byte file";
}

TEST_F(InputReadersTest, ArrowFileFormatIsDetectedByMagic) {
  const auto sample = Sample(100);
  // The IPC file format under a stream's extension: the magic decides.
  const fs::path path = WriteIpc("data.arrows", sample, /*file_format=*/true);
  auto source = OpenInput(path, {.format = std::nullopt, .batch_rows = 30});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_TRUE(source->ipc_file_format);
  EXPECT_EQ(source->total_rows, 100);
  const auto batches = ReadAll(*source, 30);
  ASSERT_EQ(batches.size(), 4u);
  EXPECT_EQ(batches[3]->num_rows(), 10);
  EXPECT_TRUE(Combine(batches)->Equals(*arrow::Table::FromRecordBatches({sample}).ValueOrDie()));
}

TEST_F(InputReadersTest, ArrowStreamFormatReportsBytesRead) {
  const auto sample = Sample(100);
  const fs::path path = WriteIpc("data.arrow", sample, /*file_format=*/false);
  auto source = OpenInput(path, {.format = std::nullopt, .batch_rows = 1000});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_FALSE(source->ipc_file_format);
  EXPECT_FALSE(source->total_rows.has_value());
  ASSERT_TRUE(source->bytes_read);
  const auto batches = ReadAll(*source, 1000);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_TRUE(batches[0]->Equals(*sample));
  EXPECT_EQ(source->bytes_read(), source->total_bytes);
}

TEST_F(InputReadersTest, CsvIsParsedWithTypeInference) {
  const auto sample = Sample(50);
  const fs::path path = WriteCsv("data.csv", sample);
  auto source = OpenInput(path, {.format = std::nullopt, .batch_rows = 20});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_TRUE(source->reader->schema()->Equals(*sample->schema()))
      << source->reader->schema()->ToString();
  const auto batches = ReadAll(*source, 20);
  EXPECT_TRUE(Combine(batches)->Equals(*arrow::Table::FromRecordBatches({sample}).ValueOrDie()));
  ASSERT_TRUE(source->bytes_read);
  EXPECT_EQ(source->bytes_read(), source->total_bytes);
}

TEST_F(InputReadersTest, TsvUsesTabs) {
  const fs::path path = WriteText("data.tsv", "id\tname\n1\ta,b\n2\tc\n");
  auto source = OpenInput(path, {});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  const auto table = Combine(ReadAll(*source, 65536));
  ASSERT_EQ(table->num_columns(), 2);
  EXPECT_EQ(table->num_rows(), 2);
  EXPECT_EQ(table->column(1)->GetScalar(0).ValueOrDie()->ToString(), "a,b");
}

TEST_F(InputReadersTest, NdjsonIsParsed) {
  const fs::path path = WriteText("data.ndjson",
                                  "{\"id\": 1, \"name\": \"a\", \"tags\": [\"x\"]}\n"
                                  "{\"id\": 2, \"name\": null, \"tags\": []}\n"
                                  "{\"id\": 3, \"name\": \"c\", \"tags\": [\"y\", \"z\"]}\n");
  auto source = OpenInput(path, {.format = std::nullopt, .batch_rows = 2});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ(source->format, InputFormat::kJson);
  const auto table = Combine(ReadAll(*source, 2));
  EXPECT_EQ(table->num_rows(), 3);
  EXPECT_EQ(table->schema()->GetFieldByName("id")->type()->id(), arrow::Type::INT64);
  EXPECT_EQ(table->schema()->GetFieldByName("tags")->type()->id(), arrow::Type::LIST);
  EXPECT_FALSE(table->GetColumnByName("name")->GetScalar(1).ValueOrDie()->is_valid);
}

TEST(InputFormatTest, LooksPastACompressionExtension) {
  EXPECT_EQ(*DetectInputFormat("rows.csv.gz"), InputFormat::kCsv);
  EXPECT_EQ(*DetectInputFormat("rows.NDJSON.zst"), InputFormat::kJson);
  EXPECT_EQ(*DetectInputFormat("rows.arrows.lz4"), InputFormat::kArrow);
  EXPECT_EQ(*DetectInputFormat("rows.tsv.bz2"), InputFormat::kTsv);
  const Status parquet = DetectInputFormat("rows.parquet.gz").status();
  EXPECT_NE(parquet.message().find("rows.parquet.gz: Parquet compresses its pages itself"),
            std::string::npos)
      << parquet.message();
  EXPECT_FALSE(DetectInputFormat("rows.gz").ok());
  const Status stdin_format = DetectInputFormat("-").status();
  EXPECT_NE(stdin_format.message().find("needs --input-format"), std::string::npos);
  EXPECT_EQ(*DetectInputFormat("-", InputFormat::kCsv), InputFormat::kCsv);
}

TEST_F(InputReadersTest, CompressedCsvNdjsonAndIpcStreamsAreReadDecompressed) {
  const std::string csv = "id,name\n1,a\n2,b\n3,c\n";
  for (const char* name : {"rows.csv.gz", "rows.csv.zst", "rows.csv.bz2", "rows.csv.lz4"}) {
    SCOPED_TRACE(name);
    const fs::path path = WriteCompressed(name, csv);
    auto source = OpenInput(path, {});
    ASSERT_TRUE(source.ok()) << source.status().ToString();
    EXPECT_EQ(source->format, InputFormat::kCsv);
    const auto table = Combine(ReadAll(*source, 65536));
    EXPECT_EQ(table->num_rows(), 3);
    EXPECT_EQ(table->column(1)->GetScalar(2).ValueOrDie()->ToString(), "c");
    EXPECT_EQ(source->bytes_read(), source->total_bytes);  // compressed bytes, all consumed
  }
  const fs::path json = WriteCompressed("rows.jsonl.gz", "{\"id\": 1}\n{\"id\": 2}\n");
  auto source = OpenInput(json, {});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ(Combine(ReadAll(*source, 65536))->num_rows(), 2);

  const auto sample = Sample(30);
  const fs::path plain = WriteIpc("plain.arrows", sample, /*file_format=*/false);
  std::ifstream in(plain, std::ios::binary);
  const std::string ipc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto ipc_source = OpenInput(WriteCompressed("rows.arrows.zst", ipc), {});
  ASSERT_TRUE(ipc_source.ok()) << ipc_source.status().ToString();
  EXPECT_TRUE(Combine(ReadAll(*ipc_source, 65536))
                  ->Equals(*arrow::Table::FromRecordBatches({sample}).ValueOrDie()));
}

TEST_F(InputReadersTest, DirectoriesPatternsAndStdinExpand) {
  WriteText("b.csv", "id\n1\n");
  fs::create_directories(dir_ / "part=1");
  WriteText("part=1/a.jsonl", "{\"id\": 1}\n");
  WriteText("part=1/notes.txt", "not data");
  WriteText("_SUCCESS", "");
  WriteText(".b.csv.crc", "");
  fs::create_directories(dir_ / "_temporary");
  WriteText("_temporary/c.csv", "id\n9\n");

  auto expanded = ExpandInputs({dir_}, std::nullopt);
  ASSERT_TRUE(expanded.ok()) << expanded.status().ToString();
  EXPECT_EQ(*expanded, (std::vector<fs::path>{dir_ / "b.csv", dir_ / "part=1/a.jsonl"}));

  auto pattern = ExpandInputs({dir_ / "*.csv", "-"}, std::nullopt);
  ASSERT_TRUE(pattern.ok()) << pattern.status().ToString();
  EXPECT_EQ(*pattern, (std::vector<fs::path>{dir_ / "b.csv", "-"}));

  const Status no_match = ExpandInputs({dir_ / "*.parquet"}, std::nullopt).status();
  EXPECT_NE(no_match.message().find("no file matches " + (dir_ / "*.parquet").string()),
            std::string::npos)
      << no_match.message();
  const Status twice = ExpandInputs({"-", "-"}, std::nullopt).status();
  EXPECT_NE(twice.message().find("only once"), std::string::npos);
  fs::create_directories(dir_ / "empty");
  const Status empty = ExpandInputs({dir_ / "empty"}, std::nullopt).status();
  EXPECT_NE(empty.message().find("holds no input file"), std::string::npos) << empty.message();
  // A file named like a pattern is that file.
  const fs::path odd = WriteText("odd[1].csv", "id\n1\n");
  EXPECT_EQ(*ExpandInputs({odd}, std::nullopt), std::vector<fs::path>{odd});
}

TEST_F(InputReadersTest, ForcedFormatReadsAnyExtension) {
  const fs::path path = WriteText("data.txt", "{\"id\": 7}\n");
  EXPECT_FALSE(OpenInput(path, {}).ok());
  auto source = OpenInput(path, {.format = InputFormat::kJson, .batch_rows = 10});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ(Combine(ReadAll(*source, 10))->num_rows(), 1);
}

TEST_F(InputReadersTest, MissingFileErrorNamesTheFile) {
  const fs::path path = dir_ / "absent.parquet";
  auto source = OpenInput(path, {});
  ASSERT_FALSE(source.ok());
  EXPECT_NE(source.status().message().find(path.string()), std::string::npos)
      << source.status().message();
}

TEST_F(InputReadersTest, CorruptFilesErrorsNameTheFile) {
  const std::vector<std::pair<std::string, std::string>> files = {
      {"bad.parquet", "\x01\x02 not a parquet file"},
      {"bad.arrow", "\x01\x02 not an IPC stream"},
      {"bad.json", "{\"a\": 1}\n{\"a\": \n"},
  };
  for (const auto& [name, content] : files) {
    const fs::path path = WriteText(name, content);
    auto source = OpenInput(path, {});
    std::string message;
    if (!source.ok()) {
      message = source.status().message();
    } else {
      // Some readers only notice while reading.
      std::shared_ptr<arrow::RecordBatch> batch;
      arrow::Status status;
      while ((status = source->reader->ReadNext(&batch)).ok() && batch != nullptr) {
      }
      ASSERT_FALSE(status.ok()) << name << " was read without error";
      message = status.message();
    }
    EXPECT_NE(message.find(path.string()), std::string::npos) << name << ": " << message;
  }
}

// A ragged row or a value its column cannot hold fails that row only, naming its line, column
// and text; the rows around it are read, and row numbers stay those of the file.
TEST_F(InputReadersTest, CsvBadRowsFailAloneWithTheirLine) {
  const fs::path path = WriteText("rows.csv",
                                  "id,name,amount\n"
                                  "1,a,1.5\n"
                                  "2,b,2.5,extra\n"
                                  "3,c,notanumber\n"
                                  "4,,4.5\n"
                                  "5,e,\n");
  // Arrow infers a column with "notanumber" in the first block as text; a schema (or a bad value
  // past the first 1 MiB) keeps it numeric.
  InputOptions options;
  options.batch_rows = 2;
  options.csv.schema = arrow::schema({arrow::field("amount", arrow::float64())});
  auto source = OpenInput(path, options);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  ASSERT_TRUE(source->take_row_errors);
  std::vector<std::string> errors;
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  int64_t first_row = 0;
  while (true) {
    std::shared_ptr<arrow::RecordBatch> batch;
    ASSERT_TRUE(source->reader->ReadNext(&batch).ok());
    if (batch == nullptr) break;
    for (const RowFailure& failure : source->take_row_errors()) {
      EXPECT_EQ(failure.error.kind(), ErrorKind::kConversion);
      errors.push_back(std::to_string(first_row + failure.row) + ": " + failure.error.message());
    }
    first_row += batch->num_rows();
    batches.push_back(batch);
  }
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "1: line 3: 4 fields, 3 expected: '2,b,2.5,extra'",
                        "2: line 4, column 'amount': 'notanumber' is not a valid double"}));
  const auto table = Combine(batches);
  ASSERT_EQ(table->num_rows(), 5);
  EXPECT_EQ(table->GetColumnByName("id")->chunk(0)->ToString(),
            ArrayFromJson(arrow::int64(), "[1, null, 3, 4, 5]")->ToString());
  // Empty fields: null for the number, "" for the string (--csv-strings-null makes it null).
  EXPECT_EQ(table->GetColumnByName("name")->chunk(0)->ToString(),
            ArrayFromJson(arrow::utf8(), R"(["a", null, "c", "", "e"])")->ToString());
  EXPECT_EQ(table->GetColumnByName("amount")->chunk(0)->ToString(),
            ArrayFromJson(arrow::float64(), "[1.5, null, null, 4.5, null]")->ToString());
}

TEST_F(InputReadersTest, CsvTypesFromASchemaNullMarkersAndExactDecimals) {
  const fs::path path = WriteText("rows.csv",
                                  "id,name,amount,day\n"
                                  "1,NULL,4944404787.30,2024-02-29\n"
                                  "2,-,0.05,-\n"
                                  "3,x,1.234,2024-13-01\n");
  InputOptions options;
  options.csv.null_values = std::vector<std::string>{"-", "NULL"};
  options.csv.strings_can_be_null = true;
  options.csv.schema = arrow::schema(
      {arrow::field("amount", arrow::decimal128(12, 2)), arrow::field("day", arrow::date32())});
  auto source = OpenInput(path, options);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  std::shared_ptr<arrow::RecordBatch> batch;
  ASSERT_TRUE(source->reader->ReadNext(&batch).ok());
  std::vector<std::string> errors;
  for (const RowFailure& failure : source->take_row_errors()) {
    errors.push_back(std::to_string(failure.row) + ": " + failure.error.message());
  }
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "2: line 4, column 'amount': '1.234' is not a valid decimal128(12, 2)"}));
  EXPECT_EQ(
      batch->GetColumnByName("amount")->ToString(),
      ArrayFromJson(arrow::decimal128(12, 2), R"(["4944404787.30", "0.05", null])")->ToString());
  EXPECT_EQ(batch->GetColumnByName("name")->ToString(),
            ArrayFromJson(arrow::utf8(), R"([null, null, "x"])")->ToString());
  EXPECT_EQ(batch->schema()->GetFieldByName("day")->type()->id(), arrow::Type::DATE32);
  EXPECT_EQ(batch->GetColumnByName("day")->null_count(), 2);  // "-" and the bad date 2024-13-01
}

TEST_F(InputReadersTest, ReadErrorInTheMiddleNamesTheFile) {
  // Past the reader's first 1 MiB block, so opening succeeds and a later read fails.
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "{\"id\": " + std::to_string(i) + "}\n";
  text += "{\"id\": oops}\n";
  const fs::path path = WriteText("late.jsonl", text);
  auto source = OpenInput(path, {});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  std::shared_ptr<arrow::RecordBatch> batch;
  arrow::Status status;
  while ((status = source->reader->ReadNext(&batch)).ok() && batch != nullptr) {
  }
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find(path.string()), std::string::npos) << status.message();
}

TEST_F(InputReadersTest, RejectsBatchRowsBelowOne) {
  const fs::path path = WriteText("one.jsonl", "{\"id\": 1}\n");
  EXPECT_FALSE(OpenInput(path, {.format = std::nullopt, .batch_rows = 0}).ok());
}

}  // namespace
}  // namespace arrow_zerobus::cli
