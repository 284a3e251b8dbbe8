// DebugWriter: where files go and how they are named, readability while open and after Close,
// protobuf round trips, rotation, retention, the flush thread, I/O errors and concurrent writers.
#include "debug/debug_writer.h"

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <arrow/table.h>
#include <gmock/gmock.h>
#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>

#include "debug/debug_reader.h"
#include "debug/debug_test_util.h"
#include "debug/exclusive_file.h"
#include "encode/batch_encoder.h"
#include "testing/arrow_builders.h"

namespace arrow_zerobus::debug {
namespace {

using testing::EndsWithEndOfStream;
using ::testing::HasSubstr;
using testing::ListNames;
using testing::MakeOrders;
using testing::TempDir;
using testing::WaitFor;
namespace fs = std::filesystem;

constexpr char kTable[] = "main.demo.orders";

std::shared_ptr<arrow::Table> TableOf(const std::vector<std::shared_ptr<arrow::RecordBatch>>& b) {
  return arrow::Table::FromRecordBatches(b).ValueOrDie();
}

std::vector<int64_t> IdsOf(const arrow::Table& table) {
  std::vector<int64_t> ids;
  for (const auto& chunk : table.GetColumnByName("id")->chunks()) {
    const auto& array = static_cast<const arrow::Int64Array&>(*chunk);
    for (int64_t i = 0; i < array.length(); ++i) ids.push_back(array.Value(i));
  }
  return ids;
}

std::vector<int64_t> Range(int64_t first, int64_t end) {
  std::vector<int64_t> ids;
  for (int64_t id = first; id < end; ++id) ids.push_back(id);
  return ids;
}

encode::EncodedBatch Encode(const schema::SchemaPlan& plan, const arrow::RecordBatch& batch,
                            bool framed = false) {
  encode::EncodeOptions options;
  options.frame_records = framed;
  auto encoded = encode::EncodeBatch(plan, batch, options);
  EXPECT_TRUE(encoded.ok()) << encoded.status();
  return std::move(encoded).value();
}

class DebugWriterTest : public ::testing::Test {
 protected:
  DebugOptions Options(bool arrow, bool protobuf) const {
    DebugOptions options;
    options.output_dir = dir_.path();
    options.arrow = arrow;
    options.protobuf = protobuf;
    return options;
  }

  std::unique_ptr<DebugWriter> Open(const DebugOptions& options,
                                    const std::string& table = kTable) {
    auto writer = DebugWriter::Open(table, options);
    EXPECT_TRUE(writer.ok()) << writer.status();
    return writer.ok() ? std::move(writer).value() : nullptr;
  }

  fs::path arrow_dir() const { return dir_.path() / "zerobus" / "arrow"; }
  fs::path proto_dir() const { return dir_.path() / "zerobus" / "proto"; }
  fs::path descriptor_dir() const { return dir_.path() / "zerobus" / "descriptors"; }

  /// The files of `dir`, oldest first (names sort by creation).
  static std::vector<fs::path> FilesIn(const fs::path& dir) {
    std::vector<fs::path> paths;
    for (const std::string& name : ListNames(dir)) paths.push_back(dir / name);
    return paths;
  }

  /// The ids of every row of every file in `paths`, in file order.
  static std::vector<int64_t> ArrowIds(const std::vector<fs::path>& paths) {
    std::vector<int64_t> ids;
    for (const fs::path& path : paths) {
      auto table = ReadArrowDebugFile(path);
      EXPECT_TRUE(table.ok()) << table.status();
      if (!table.ok()) continue;
      for (int64_t id : IdsOf(**table)) ids.push_back(id);
    }
    return ids;
  }

  static std::vector<int64_t> ProtoIds(const std::vector<fs::path>& paths) {
    std::vector<int64_t> ids;
    for (const fs::path& path : paths) {
      auto table = ReadRecordsAsArrow(path);
      EXPECT_TRUE(table.ok()) << table.status();
      if (!table.ok()) continue;
      for (int64_t id : IdsOf(**table)) ids.push_back(id);
    }
    return ids;
  }

  TempDir dir_;
};

TEST_F(DebugWriterTest, FilesLandInTheirDirectoriesWithStemNames) {
  auto writer = Open(Options(true, true));
  EXPECT_THAT(ListNames(arrow_dir()), ::testing::IsEmpty());  // nothing before the first write
  EXPECT_THAT(ListNames(proto_dir()), ::testing::IsEmpty());
  auto batch = MakeOrders(0, 3);
  auto plan = arrow_zerobus::testing::PlanOrFail(*batch->schema());
  ASSERT_TRUE(writer->WriteBatch(*batch).ok());
  ASSERT_TRUE(writer->WriteRecords(*plan, Encode(*plan, *batch)).ok());
  ASSERT_TRUE(writer->Close().ok());

  const auto arrows = ListNames(arrow_dir());
  const auto records = ListNames(proto_dir());
  const auto descriptors = ListNames(descriptor_dir());
  ASSERT_EQ(arrows.size(), 1u);
  ASSERT_EQ(records.size(), 1u);
  ASSERT_EQ(descriptors.size(), 1u);
  EXPECT_TRUE(
      std::regex_match(arrows[0], std::regex(R"(main\.demo\.orders-\d{8}T\d{9}Z-000001\.arrows)")))
      << arrows[0];
  EXPECT_TRUE(
      std::regex_match(records[0], std::regex(R"(main\.demo\.orders-\d{8}T\d{9}Z-\d{6}\.pbs)")))
      << records[0];
  EXPECT_EQ(fs::path(records[0]).stem(), fs::path(descriptors[0]).stem());
  EXPECT_EQ(DescriptorPathFor(proto_dir() / records[0]), descriptor_dir() / descriptors[0]);
  EXPECT_THAT(ListNames(dir_.path() / "zerobus"),
              ::testing::ElementsAre("arrow", "descriptors", "proto"));
  EXPECT_THAT(writer->files(),
              ::testing::UnorderedElementsAre(arrow_dir() / arrows[0], proto_dir() / records[0],
                                              descriptor_dir() / descriptors[0]));
  EXPECT_TRUE(writer->first_error().ok());
  EXPECT_EQ(writer->error_count(), 0);
}

TEST_F(DebugWriterTest, OnlyTheEnabledFormatsHaveDirectories) {
  {
    auto writer = Open(Options(true, false));
    auto batch = MakeOrders(0, 2);
    auto plan = arrow_zerobus::testing::PlanOrFail(*batch->schema());
    ASSERT_TRUE(writer->WriteBatch(*batch).ok());
    ASSERT_TRUE(writer->WriteRecords(*plan, Encode(*plan, *batch)).ok());  // no-op
    ASSERT_TRUE(writer->Close().ok());
    EXPECT_THAT(ListNames(dir_.path() / "zerobus"), ::testing::ElementsAre("arrow"));
    EXPECT_EQ(ListNames(arrow_dir()).size(), 1u);
  }
  TempDir other;
  DebugOptions options = Options(false, true);
  options.output_dir = other.path();
  auto writer = Open(options);
  auto batch = MakeOrders(0, 2);
  ASSERT_TRUE(writer->WriteBatch(*batch).ok());  // no-op
  ASSERT_TRUE(writer->Close().ok());
  EXPECT_THAT(ListNames(other.path() / "zerobus"), ::testing::ElementsAre("descriptors", "proto"));
  EXPECT_THAT(ListNames(other.path() / "zerobus" / "proto"), ::testing::IsEmpty());
}

TEST_F(DebugWriterTest, OpenRejectsBadTableNamesAndLimits) {
  EXPECT_FALSE(DebugWriter::Open("main/../etc", Options(true, false)).ok());
  DebugOptions options = Options(true, false);
  options.max_files_retained = 0;
  EXPECT_FALSE(DebugWriter::Open(kTable, options).ok());
  EXPECT_FALSE(ListNames(dir_.path()).size() > 0);
}

TEST_F(DebugWriterTest, ArrowFileIsReadableAfterFlushAndCompleteAfterClose) {
  auto writer = Open(Options(true, false));
  auto first = MakeOrders(0, 3);
  auto second = MakeOrders(3, 4);
  ASSERT_TRUE(writer->WriteBatch(*first).ok());
  ASSERT_TRUE(writer->WriteBatch(*second).ok());
  ASSERT_TRUE(writer->Flush().ok());

  const auto files = FilesIn(arrow_dir());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_FALSE(EndsWithEndOfStream(files[0]));
  auto open_table = ReadArrowDebugFile(files[0]);
  ASSERT_TRUE(open_table.ok()) << open_table.status();
  EXPECT_TRUE((*open_table)->Equals(*TableOf({first, second})));

  ASSERT_TRUE(writer->Close().ok());
  ASSERT_TRUE(writer->Close().ok());  // idempotent
  EXPECT_TRUE(EndsWithEndOfStream(files[0]));
  auto closed_table = ReadArrowDebugFile(files[0]);
  ASSERT_TRUE(closed_table.ok()) << closed_table.status();
  EXPECT_TRUE((*closed_table)->Equals(*TableOf({first, second})));
  EXPECT_FALSE(writer->WriteBatch(*first).ok());  // closed
}

class DebugWriterFramingTest : public DebugWriterTest,
                               public ::testing::WithParamInterface<bool> {};

TEST_P(DebugWriterFramingTest, RecordsRoundTripWithoutFailedRows) {
  auto writer = Open(Options(false, true));
  // Row 1 has a null id (NOT NULL), so it fails to convert and is not written.
  auto batch = arrow_zerobus::testing::MakeBatch(
      {arrow::field("id", arrow::int64(), /*nullable=*/false), arrow::field("name", arrow::utf8()),
       arrow::field("amount", arrow::float64())},
      {arrow_zerobus::testing::ArrayFromJson(arrow::int64(), "[1, null, 9007199254740993]"),
       arrow_zerobus::testing::ArrayFromJson(arrow::utf8(), R"(["a", "b", null])"),
       arrow_zerobus::testing::ArrayFromJson(arrow::float64(), "[1.5, 2.5, -0.25]")});
  auto plan = arrow_zerobus::testing::PlanOrFail(*batch->schema());
  const encode::EncodedBatch encoded = Encode(*plan, *batch, /*framed=*/GetParam());
  ASSERT_EQ(encoded.failed_count(), 1);
  ASSERT_TRUE(writer->WriteRecords(*plan, encoded).ok());
  ASSERT_TRUE(writer->Close().ok());

  const auto files = FilesIn(proto_dir());
  ASSERT_EQ(files.size(), 1u);
  auto table = ReadRecordsAsArrow(files[0]);
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_EQ((*table)->num_rows(), 2);
  EXPECT_EQ(IdsOf(**table), (std::vector<int64_t>{1, 9007199254740993}));
  EXPECT_TRUE((*table)->GetColumnByName("name")->Equals(
      arrow::ChunkedArray(arrow_zerobus::testing::ArrayFromJson(arrow::utf8(), R"(["a", null])"))));
  EXPECT_TRUE((*table)->GetColumnByName("amount")->Equals(arrow::ChunkedArray(
      arrow_zerobus::testing::ArrayFromJson(arrow::float64(), "[1.5, -0.25]"))));

  std::ostringstream json;
  ASSERT_TRUE(WriteRecordsAsJson(files[0], json).ok());
  EXPECT_EQ(json.str(),
            "{\"id\":1,\"name\":\"a\",\"amount\":1.5}\n"
            "{\"id\":9007199254740993,\"amount\":-0.25}\n");

  // The descriptor file is a FileDescriptorSet holding the plan's file.
  google::protobuf::FileDescriptorSet set;
  ASSERT_TRUE(set.ParseFromString(testing::ReadBytes(DescriptorPathFor(files[0]))));
  ASSERT_EQ(set.file_size(), 1);
  EXPECT_EQ(set.file(0).SerializeAsString(), plan->file.SerializeAsString());
}

INSTANTIATE_TEST_SUITE_P(Framing, DebugWriterFramingTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Framed" : "Unframed"; });

TEST_F(DebugWriterTest, RotatesByRowsAfterTheWriteThatReachesTheLimit) {
  DebugOptions options = Options(true, true);
  options.max_file_rows = 5;
  auto writer = Open(options);
  auto plan = arrow_zerobus::testing::PlanOrFail(*MakeOrders(0, 1)->schema());
  for (int64_t i = 0; i < 5; ++i) {  // 3 rows each: files of 6, 6 and 3 rows
    auto batch = MakeOrders(i * 3, 3);
    ASSERT_TRUE(writer->WriteBatch(*batch).ok());
    ASSERT_TRUE(writer->WriteRecords(*plan, Encode(*plan, *batch)).ok());
  }
  const auto arrows = FilesIn(arrow_dir());
  const auto records = FilesIn(proto_dir());
  ASSERT_EQ(arrows.size(), 3u);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(FilesIn(descriptor_dir()).size(), 3u);
  EXPECT_TRUE(EndsWithEndOfStream(arrows[0]));
  EXPECT_TRUE(EndsWithEndOfStream(arrows[1]));
  EXPECT_EQ(ArrowIds({arrows[0]}), Range(0, 6));
  EXPECT_EQ(ArrowIds({arrows[1]}), Range(6, 12));
  EXPECT_EQ(ProtoIds({records[0]}), Range(0, 6));
  EXPECT_EQ(ProtoIds({records[1]}), Range(6, 12));
  ASSERT_TRUE(writer->Close().ok());
  EXPECT_EQ(ArrowIds({arrows[2]}), Range(12, 15));
  EXPECT_EQ(ProtoIds({records[2]}), Range(12, 15));
}

TEST_F(DebugWriterTest, RotatesByBytesWithoutSplittingWrites) {
  constexpr int64_t kLimit = 1500;
  DebugOptions options = Options(true, true);
  options.max_file_bytes = kLimit;
  auto writer = Open(options);
  auto plan = arrow_zerobus::testing::PlanOrFail(*MakeOrders(0, 1)->schema());
  for (int64_t i = 0; i < 20; ++i) {
    auto batch = MakeOrders(i * 10, 10);
    ASSERT_TRUE(writer->WriteBatch(*batch).ok());
    ASSERT_TRUE(writer->WriteRecords(*plan, Encode(*plan, *batch)).ok());
  }
  ASSERT_TRUE(writer->Close().ok());
  for (const fs::path& dir : {arrow_dir(), proto_dir()}) {
    const auto files = FilesIn(dir);
    ASSERT_GT(files.size(), 2u) << dir;
    for (size_t i = 0; i + 1 < files.size(); ++i) {
      const auto size = static_cast<int64_t>(fs::file_size(files[i]));
      EXPECT_GE(size, kLimit) << files[i];
      // Finished by the first write that reached the limit (buffered bytes count).
      const auto writes = static_cast<int64_t>(
          (dir == arrow_dir() ? ArrowIds({files[i]}) : ProtoIds({files[i]})).size() / 10);
      EXPECT_LT(size, kLimit + 2 * size / writes) << files[i];
    }
  }
  EXPECT_EQ(ArrowIds(FilesIn(arrow_dir())), Range(0, 200));
  EXPECT_EQ(ProtoIds(FilesIn(proto_dir())), Range(0, 200));
  // Every write is whole in one file: file boundaries fall on multiples of 10 rows.
  for (const fs::path& path : FilesIn(proto_dir())) {
    EXPECT_EQ(ProtoIds({path}).size() % 10, 0u) << path;
  }
}

TEST_F(DebugWriterTest, RotatesByAgeOnWrite) {
  DebugOptions options = Options(true, true);
  options.max_file_age = std::chrono::milliseconds(100);
  options.flush_interval = std::chrono::seconds(60);
  auto writer = Open(options);
  auto plan = arrow_zerobus::testing::PlanOrFail(*MakeOrders(0, 1)->schema());
  auto first = MakeOrders(0, 2);
  ASSERT_TRUE(writer->WriteBatch(*first).ok());
  ASSERT_TRUE(writer->WriteRecords(*plan, Encode(*plan, *first)).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // let the files age
  auto second = MakeOrders(2, 2);
  ASSERT_TRUE(writer->WriteBatch(*second).ok());
  ASSERT_TRUE(writer->WriteRecords(*plan, Encode(*plan, *second)).ok());
  ASSERT_TRUE(writer->Close().ok());
  const auto arrows = FilesIn(arrow_dir());
  const auto records = FilesIn(proto_dir());
  ASSERT_EQ(arrows.size(), 2u);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(ArrowIds({arrows[1]}), Range(2, 4));
  EXPECT_EQ(ProtoIds({records[1]}), Range(2, 4));
}

TEST_F(DebugWriterTest, FlushThreadClosesFilesPastTheirAge) {
  DebugOptions options = Options(true, false);
  options.max_file_age = std::chrono::milliseconds(50);
  options.flush_interval = std::chrono::milliseconds(20);
  auto writer = Open(options);
  ASSERT_TRUE(writer->WriteBatch(*MakeOrders(0, 2)).ok());
  const auto files = FilesIn(arrow_dir());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_TRUE(WaitFor([&] { return EndsWithEndOfStream(files[0]); }));
  ASSERT_TRUE(writer->WriteBatch(*MakeOrders(2, 2)).ok());
  EXPECT_EQ(FilesIn(arrow_dir()).size(), 2u);
  ASSERT_TRUE(writer->Close().ok());
  EXPECT_EQ(ArrowIds(FilesIn(arrow_dir())), Range(0, 4));
}

TEST_F(DebugWriterTest, RotatesOnSchemaChange) {
  auto writer = Open(Options(true, true));
  auto orders = MakeOrders(0, 2);
  auto other = arrow_zerobus::testing::MakeBatch(
      {arrow::field("id", arrow::int64()), arrow::field("flag", arrow::boolean())},
      {arrow_zerobus::testing::ArrayFromJson(arrow::int64(), "[10, 11]"),
       arrow_zerobus::testing::ArrayFromJson(arrow::boolean(), "[true, false]")});
  auto orders_plan = arrow_zerobus::testing::PlanOrFail(*orders->schema());
  auto other_plan = arrow_zerobus::testing::PlanOrFail(*other->schema());
  for (const auto& [batch, plan] : {std::pair{orders, orders_plan}, std::pair{orders, orders_plan},
                                    std::pair{other, other_plan}, std::pair{orders, orders_plan}}) {
    ASSERT_TRUE(writer->WriteBatch(*batch).ok());
    ASSERT_TRUE(writer->WriteRecords(*plan, Encode(*plan, *batch)).ok());
  }
  ASSERT_TRUE(writer->Close().ok());
  const auto arrows = FilesIn(arrow_dir());
  const auto records = FilesIn(proto_dir());
  ASSERT_EQ(arrows.size(), 3u);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(FilesIn(descriptor_dir()).size(), 3u);
  auto middle = ReadArrowDebugFile(arrows[1]);
  ASSERT_TRUE(middle.ok()) << middle.status();
  EXPECT_TRUE((*middle)->Equals(*TableOf({other})));
  EXPECT_EQ(ArrowIds({arrows[0]}), (std::vector<int64_t>{0, 1, 0, 1}));
  auto middle_records = ReadRecordsAsArrow(records[1]);
  ASSERT_TRUE(middle_records.ok()) << middle_records.status();
  EXPECT_EQ((*middle_records)->schema()->field_names(), (std::vector<std::string>{"id", "flag"}));
  EXPECT_EQ(ProtoIds({records[2]}), (std::vector<int64_t>{0, 1}));
}

TEST_F(DebugWriterTest, ManyRotationsInOneMillisecondNeverOverwrite) {
  DebugOptions options = Options(true, true);
  options.max_file_rows = 1;
  auto writer = Open(options);
  auto plan = arrow_zerobus::testing::PlanOrFail(*MakeOrders(0, 1)->schema());
  for (int64_t id = 0; id < 50; ++id) {
    auto batch = MakeOrders(id, 1);
    ASSERT_TRUE(writer->WriteBatch(*batch).ok());
    ASSERT_TRUE(writer->WriteRecords(*plan, Encode(*plan, *batch)).ok());
  }
  ASSERT_TRUE(writer->Close().ok());
  EXPECT_EQ(FilesIn(arrow_dir()).size(), 50u);
  EXPECT_EQ(FilesIn(proto_dir()).size(), 50u);
  EXPECT_EQ(FilesIn(descriptor_dir()).size(), 50u);
  EXPECT_EQ(writer->files().size(), 150u);
  // Name order is write order.
  EXPECT_EQ(ArrowIds(FilesIn(arrow_dir())), Range(0, 50));
  EXPECT_EQ(ProtoIds(FilesIn(proto_dir())), Range(0, 50));
}

TEST_F(DebugWriterTest, CreateExclusiveNeverOverwrites) {
  const fs::path path = dir_.path() / "taken";
  {
    auto created = CreateExclusive(path);
    ASSERT_TRUE(created.ok()) << created.status();
    ASSERT_TRUE((*created)->Write("keep", 4).ok());
    ASSERT_TRUE((*created)->Close().ok());
  }
  auto again = CreateExclusive(path);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(again.status().message(), HasSubstr(path.string()));
  EXPECT_EQ(testing::ReadBytes(path), "keep");
}

TEST_F(DebugWriterTest, RetentionKeepsTheNewestFilesOfThisTableOnly) {
  const std::string table = "main.demo.events";
  fs::create_directories(arrow_dir());
  fs::create_directories(proto_dir());
  fs::create_directories(descriptor_dir());
  const std::vector<std::string> foreign = {
      "main.demo.events_v2-20000101T000000000Z-000001.arrows",
      "main.demo.events.x-20000101T000000000Z-000001.arrows", "notes.txt",
      "main.demo.events-20000101T000000000Z-000001.arrows.bak"};
  for (const std::string& name : foreign) std::ofstream(arrow_dir() / name) << "x";
  // An older file of this table, left by an earlier run: retention removes it.
  std::ofstream(arrow_dir() / "main.demo.events-20000101T000000000Z-000001.arrows") << "x";
  std::ofstream(proto_dir() / "main.demo.events-20000101T000000000Z-000001.pbs") << "x";
  std::ofstream(descriptor_dir() / "main.demo.events-20000101T000000000Z-000001.desc") << "x";
  std::ofstream(proto_dir() / "main.demo.events_v2-20000101T000000000Z-000001.pbs") << "x";

  DebugOptions options = Options(true, true);
  options.max_file_rows = 1;
  options.max_files_retained = 3;
  auto writer = Open(options, table);
  auto plan = arrow_zerobus::testing::PlanOrFail(*MakeOrders(0, 1)->schema());
  for (int64_t id = 0; id < 6; ++id) {
    auto batch = MakeOrders(id, 1);
    ASSERT_TRUE(writer->WriteBatch(*batch).ok());
    ASSERT_TRUE(writer->WriteRecords(*plan, Encode(*plan, *batch)).ok());
  }
  ASSERT_TRUE(writer->Close().ok());
  EXPECT_TRUE(writer->first_error().ok()) << writer->first_error();

  std::vector<fs::path> own_arrows;
  for (const fs::path& path : FilesIn(arrow_dir())) {
    const std::string name = path.filename().string();
    if (std::find(foreign.begin(), foreign.end(), name) == foreign.end())
      own_arrows.push_back(path);
  }
  for (const std::string& name : foreign) EXPECT_TRUE(fs::exists(arrow_dir() / name)) << name;
  ASSERT_EQ(own_arrows.size(), 3u);
  EXPECT_EQ(ArrowIds(own_arrows), Range(3, 6));

  auto records = FilesIn(proto_dir());
  ASSERT_EQ(records.size(), 4u);  // three of this table and the events_v2 file
  EXPECT_EQ(records.back().filename(), "main.demo.events_v2-20000101T000000000Z-000001.pbs");
  records.pop_back();
  EXPECT_EQ(ProtoIds(records), Range(3, 6));
  std::vector<fs::path> descriptors = FilesIn(descriptor_dir());
  ASSERT_EQ(descriptors.size(), 3u);
  for (const fs::path& path : records) EXPECT_TRUE(fs::exists(DescriptorPathFor(path))) << path;

  std::vector<fs::path> expected = own_arrows;
  expected.insert(expected.end(), records.begin(), records.end());
  expected.insert(expected.end(), descriptors.begin(), descriptors.end());
  EXPECT_THAT(writer->files(), ::testing::UnorderedElementsAreArray(expected));
}

TEST_F(DebugWriterTest, FlushThreadMakesDataReadableWithoutFlush) {
  DebugOptions options = Options(true, true);
  options.flush_interval = std::chrono::milliseconds(50);
  auto writer = Open(options);
  auto batch = MakeOrders(0, 5);
  auto plan = arrow_zerobus::testing::PlanOrFail(*batch->schema());
  ASSERT_TRUE(writer->WriteBatch(*batch).ok());
  ASSERT_TRUE(writer->WriteRecords(*plan, Encode(*plan, *batch)).ok());
  EXPECT_TRUE(WaitFor([&] {
    const auto files = FilesIn(arrow_dir());
    if (files.size() != 1) return false;
    auto table = ReadArrowDebugFile(files[0]);
    return table.ok() && (*table)->num_rows() == 5;
  }));
  EXPECT_TRUE(WaitFor([&] {
    const auto files = FilesIn(proto_dir());
    if (files.size() != 1) return false;
    auto table = ReadRecordsAsArrow(files[0]);
    return table.ok() && (*table)->num_rows() == 5;
  }));
}

TEST_F(DebugWriterTest, CloseDoesNotWaitForAFlushInterval) {
  DebugOptions options = Options(true, false);
  options.flush_interval = std::chrono::seconds(60);
  auto writer = Open(options);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(writer->Close().ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_F(DebugWriterTest, IoErrorsAreReportedAndTheNextWriteStartsAgain) {
  auto writer = Open(Options(true, true));
  auto batch = MakeOrders(0, 2);
  auto plan = arrow_zerobus::testing::PlanOrFail(*batch->schema());
  // A regular file where the Arrow directory was: creating files in it fails (even as root).
  fs::remove_all(arrow_dir());
  std::ofstream(arrow_dir()) << "not a directory";

  const Status first = writer->WriteBatch(*batch);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.kind(), ErrorKind::kIo);
  EXPECT_THAT(first.message(), HasSubstr(arrow_dir().string()));
  EXPECT_EQ(writer->first_error(), first);
  EXPECT_EQ(writer->error_count(), 1);
  EXPECT_FALSE(writer->WriteBatch(*batch).ok());
  EXPECT_EQ(writer->error_count(), 2);
  EXPECT_EQ(writer->first_error(), first);
  // The protobuf format is not affected.
  EXPECT_TRUE(writer->WriteRecords(*plan, Encode(*plan, *batch)).ok());

  fs::remove(arrow_dir());
  fs::create_directories(arrow_dir());
  ASSERT_TRUE(writer->WriteBatch(*batch).ok());
  ASSERT_TRUE(writer->Close().ok());
  EXPECT_EQ(ArrowIds(FilesIn(arrow_dir())), Range(0, 2));
  EXPECT_EQ(ProtoIds(FilesIn(proto_dir())), Range(0, 2));
  EXPECT_EQ(writer->error_count(), 2);
}

TEST_F(DebugWriterTest, ProtobufIoErrorNamesTheDirectory) {
  auto writer = Open(Options(false, true));
  auto batch = MakeOrders(0, 2);
  auto plan = arrow_zerobus::testing::PlanOrFail(*batch->schema());
  fs::remove_all(descriptor_dir());
  std::ofstream(descriptor_dir()) << "not a directory";
  const Status status = writer->WriteRecords(*plan, Encode(*plan, *batch));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.kind(), ErrorKind::kIo);
  EXPECT_THAT(status.message(), HasSubstr(descriptor_dir().string()));
  EXPECT_EQ(writer->error_count(), 1);
  // No records file is left without its descriptor.
  EXPECT_THAT(ListNames(proto_dir()), ::testing::IsEmpty());
}

TEST_F(DebugWriterTest, ConcurrentWritesAllLand) {
  constexpr int kThreads = 4;
  constexpr int64_t kWrites = 25;
  constexpr int64_t kRows = 4;
  DebugOptions options = Options(true, true);
  options.max_file_rows = 10;
  options.flush_interval = std::chrono::milliseconds(5);
  auto writer = Open(options);
  auto plan = arrow_zerobus::testing::PlanOrFail(*MakeOrders(0, 1)->schema());
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int64_t i = 0; i < kWrites; ++i) {
        auto batch = MakeOrders((t * kWrites + i) * kRows, kRows);
        EXPECT_TRUE(writer->WriteBatch(*batch).ok());
        EXPECT_TRUE(writer->WriteRecords(*plan, Encode(*plan, *batch, /*framed=*/t % 2 == 0)).ok());
        if (i % 5 == 0) {
          EXPECT_TRUE(writer->Flush().ok());
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_TRUE(writer->Close().ok());
  EXPECT_EQ(writer->error_count(), 0);
  auto arrow_ids = ArrowIds(FilesIn(arrow_dir()));
  auto proto_ids = ProtoIds(FilesIn(proto_dir()));
  std::sort(arrow_ids.begin(), arrow_ids.end());
  std::sort(proto_ids.begin(), proto_ids.end());
  EXPECT_EQ(arrow_ids, Range(0, kThreads * kWrites * kRows));
  EXPECT_EQ(proto_ids, Range(0, kThreads * kWrites * kRows));
}

}  // namespace
}  // namespace arrow_zerobus::debug
