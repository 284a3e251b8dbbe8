// PackRequests and PrepareRequest on batches built by hand: requests never exceed
// max_request_bytes once framed, are as full as the limit allows, keep rows in order, skip failed
// rows while covering them with their row ranges, and carry exactly the original records.
#include "zerobus/request_packer.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <arrow/buffer.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "zerobus/stream_messages.h"
#include "zerobus_service.pb.h"

namespace arrow_zerobus::zerobus {
namespace {

namespace zb = ::databricks::zerobus;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

struct Row {
  std::string record;
  bool failed = false;
};

Row Ok(size_t size, char fill = 'r') { return {std::string(size, fill), false}; }
Row Failed() { return {"", true}; }

// An EncodedBatch as the encoder leaves it: records back to back in one arena (each preceded by
// its `records` field frame when `framed`), failed rows with an empty range and an error.
encode::EncodedBatch MakeBatch(const std::vector<Row>& rows, bool framed) {
  encode::EncodedBatch batch;
  batch.num_rows = static_cast<int64_t>(rows.size());
  batch.framed = framed;
  std::string arena;
  batch.offsets.push_back(0);
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].failed) {
      batch.row_failed.push_back(1);
      encode::RowError error;
      error.row = static_cast<int64_t>(i);
      error.message = "row " + std::to_string(i) + " failed";
      batch.errors.push_back(error);
    } else if (framed) {
      batch.row_failed.push_back(0);
      std::string entry(BatchRecordWireSize(rows[i].record.size()), '\0');
      WriteBatchRecord(reinterpret_cast<uint8_t*>(entry.data()), rows[i].record);
      arena += entry;
    } else {
      batch.row_failed.push_back(0);
      arena += rows[i].record;
    }
    batch.offsets.push_back(static_cast<int64_t>(arena.size()));
  }
  batch.arena = arrow::Buffer::FromString(std::move(arena));
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].failed) continue;
    EXPECT_EQ(batch.record(static_cast<int64_t>(i)), rows[i].record);
  }
  return batch;
}

std::string_view BodyOf(const PreparedRequest& request) {
  return {reinterpret_cast<const char*>(request.body.begin()), request.body.size()};
}

std::vector<std::string> ParseBody(const PreparedRequest& request) {
  zb::ProtoEncodedRecordBatch parsed;
  const std::string_view body = BodyOf(request);
  EXPECT_TRUE(parsed.ParseFromArray(body.data(), static_cast<int>(body.size())));
  return {parsed.records().begin(), parsed.records().end()};
}

// The size of the complete EphemeralStreamRequest carrying `body`, with the longest offset.
size_t FramedSize(const PreparedRequest& request) {
  return IngestBatchRequestPrefix(-1, request.body.size()).size() + request.body.size();
}

// Checks every promise PackRequests makes for rows [begin, end) of `rows`.
void ExpectWellPacked(const std::vector<Row>& rows, const std::vector<PackedRequest>& packed,
                      int64_t max_request_bytes, int64_t begin, int64_t end) {
  const int64_t body_limit = max_request_bytes - kRequestFramingBytes;
  bool any_ok = false;
  for (int64_t row = begin; row < end; ++row) any_ok = any_ok || !rows[row].failed;
  if (!any_ok) {
    EXPECT_TRUE(packed.empty());
    return;
  }
  ASSERT_FALSE(packed.empty());
  EXPECT_EQ(packed.front().first_row, begin);
  EXPECT_EQ(packed.back().end_row, end);
  for (size_t i = 0; i < packed.size(); ++i) {
    SCOPED_TRACE("request " + std::to_string(i));
    const PackedRequest& request = packed[i];
    if (i > 0) {
      EXPECT_EQ(request.first_row, packed[i - 1].end_row);
    }
    ASSERT_LT(request.first_row, request.end_row);
    // The complete request fits, whatever its offset.
    EXPECT_LE(static_cast<int64_t>(FramedSize(request.request)), max_request_bytes);
    EXPECT_LE(static_cast<int64_t>(request.request.body.size()), body_limit);

    std::vector<std::string> expected;
    int64_t bytes = 0;
    for (int64_t row = request.first_row; row < request.end_row; ++row) {
      if (rows[row].failed) continue;
      expected.push_back(rows[row].record);
      bytes += static_cast<int64_t>(rows[row].record.size());
    }
    ASSERT_FALSE(expected.empty());
    EXPECT_EQ(ParseBody(request.request), expected);
    EXPECT_EQ(request.request.record_count, static_cast<int64_t>(expected.size()));
    EXPECT_EQ(request.request.record_bytes, bytes);

    // Full: the row that starts the next request did not fit in this one.
    if (i + 1 < packed.size()) {
      const Row& next = rows[request.end_row];
      EXPECT_FALSE(next.failed);
      EXPECT_GT(static_cast<int64_t>(request.request.body.size() +
                                     BatchRecordWireSize(next.record.size())),
                body_limit);
    }
  }
}

// Run with copied records (false) and with framed records sent from the arena (true).
class RequestPackerTest : public ::testing::TestWithParam<bool> {};
INSTANTIATE_TEST_SUITE_P(Records, RequestPackerTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Framed" : "Copied"; });

TEST(RequestPackerFramingTest, FramingAllowanceCoversTheLongestPrefix) {
  for (size_t body : {size_t{0}, size_t{127}, size_t{1} << 20, size_t{1} << 30}) {
    for (int64_t offset : {int64_t{0}, int64_t{1} << 40, INT64_MAX, int64_t{-1}}) {
      EXPECT_LE(static_cast<int64_t>(IngestBatchRequestPrefix(offset, body).size()),
                kRequestFramingBytes)
          << body << " " << offset;
    }
  }
}

TEST_P(RequestPackerTest, SplitsAtTheLimitToTheByte) {
  // Records of 48 bytes take 50 bytes in a body; 100 bytes of body fit in 132-byte requests.
  const std::vector<Row> rows(5, Ok(48));
  const auto batch = MakeBatch(rows, GetParam());
  const int64_t fits_two = kRequestFramingBytes + 100;
  auto packed = PackRequests(batch, fits_two, 0, 5);
  ASSERT_TRUE(packed.ok()) << packed.status();
  ASSERT_EQ(packed->size(), 3u);
  EXPECT_EQ((*packed)[0].request.body.size(), 100u);
  EXPECT_EQ((*packed)[1].request.body.size(), 100u);
  EXPECT_EQ((*packed)[2].request.body.size(), 50u);
  EXPECT_EQ((*packed)[0].end_row, 2);
  EXPECT_EQ((*packed)[1].end_row, 4);
  ExpectWellPacked(rows, *packed, fits_two, 0, 5);

  // One byte less and only one record fits.
  auto single = PackRequests(batch, fits_two - 1, 0, 5);
  ASSERT_TRUE(single.ok()) << single.status();
  ASSERT_EQ(single->size(), 5u);
  for (const auto& request : *single) EXPECT_EQ(request.request.record_count, 1);
  ExpectWellPacked(rows, *single, fits_two - 1, 0, 5);
}

TEST_P(RequestPackerTest, MixedSizesAndFailedRowsKeepEveryPromise) {
  std::mt19937 random(20240611);
  std::vector<Row> rows;
  for (int i = 0; i < 400; ++i) {
    if (i % 7 == 3 || (i >= 100 && i < 120)) {
      rows.push_back(Failed());
    } else {
      const size_t size = random() % 4 == 0 ? random() % 600 : random() % 40;
      rows.push_back(Ok(size, static_cast<char>('a' + i % 26)));
    }
  }
  const auto batch = MakeBatch(rows, GetParam());
  for (int64_t max : {int64_t{700}, int64_t{1000}, int64_t{4096}, int64_t{1} << 20}) {
    SCOPED_TRACE("max_request_bytes " + std::to_string(max));
    auto packed = PackRequests(batch, max, 0, 400);
    ASSERT_TRUE(packed.ok()) << packed.status();
    ExpectWellPacked(rows, *packed, max, 0, 400);
    int64_t records = 0;
    for (const auto& request : *packed) records += request.request.record_count;
    EXPECT_EQ(records, batch.successful_count());
  }
  // Row subranges, starting and ending on failed rows or not.
  for (auto [begin, end] : {std::pair<int64_t, int64_t>{3, 50}, {99, 121}, {100, 130}, {7, 8}}) {
    SCOPED_TRACE("rows " + std::to_string(begin) + ".." + std::to_string(end));
    auto packed = PackRequests(batch, 1000, begin, end);
    ASSERT_TRUE(packed.ok()) << packed.status();
    ExpectWellPacked(rows, *packed, 1000, begin, end);
  }
}

TEST_P(RequestPackerTest, FailedRowsAreSkippedButCovered) {
  const std::vector<Row> rows = {Failed(), Ok(3, 'a'), Failed(), Failed(),
                                 Ok(0),    Ok(2, 'b'), Failed()};
  const auto batch = MakeBatch(rows, GetParam());
  auto packed = PackRequests(batch, 1000, 0, 7);
  ASSERT_TRUE(packed.ok()) << packed.status();
  ASSERT_EQ(packed->size(), 1u);
  EXPECT_EQ((*packed)[0].first_row, 0);
  EXPECT_EQ((*packed)[0].end_row, 7);
  EXPECT_EQ((*packed)[0].request.record_count, 3);
  EXPECT_EQ((*packed)[0].request.record_bytes, 5);
  EXPECT_THAT(ParseBody((*packed)[0].request), ElementsAre("aaa", "", "bb"));
}

TEST_P(RequestPackerTest, AllFailedRangeProducesNoRequest) {
  const std::vector<Row> rows = {Ok(5), Failed(), Failed(), Failed(), Ok(5)};
  const auto batch = MakeBatch(rows, GetParam());
  auto none = PackRequests(batch, 1000, 1, 4);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());

  const auto all_failed = MakeBatch({Failed(), Failed()}, GetParam());
  auto empty = PackRequests(all_failed, 1000, 0, 2);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->empty());

  auto nothing = PackRequests(batch, 1000, 2, 2);
  ASSERT_TRUE(nothing.ok()) << nothing.status();
  EXPECT_TRUE(nothing->empty());
}

TEST_P(RequestPackerTest, RecordTooLargeForOneRequestNamesTheRow) {
  // A 100-byte body limit: a 98-byte record (100 bytes framed) fits alone, 99 bytes do not.
  const int64_t max = kRequestFramingBytes + 100;
  auto fits = PackRequests(MakeBatch({Ok(10), Ok(98), Ok(10)}, GetParam()), max, 0, 3);
  ASSERT_TRUE(fits.ok()) << fits.status();
  ASSERT_EQ(fits->size(), 3u);
  EXPECT_EQ((*fits)[1].request.body.size(), 100u);

  auto too_large =
      PackRequests(MakeBatch({Ok(10), Ok(10), Failed(), Ok(99), Ok(10)}, GetParam()), max, 0, 5);
  ASSERT_FALSE(too_large.ok());
  EXPECT_EQ(too_large.status().kind(), ErrorKind::kConversion);
  EXPECT_THAT(too_large.status().message(),
              AllOf(HasSubstr("Row 3 "), HasSubstr("99 bytes"),
                    HasSubstr(std::to_string(max) + " bytes"), HasSubstr("max_request_bytes")));

  auto first_row = PackRequests(MakeBatch({Ok(5000)}, GetParam()), 1000, 0, 1);
  ASSERT_FALSE(first_row.ok());
  EXPECT_THAT(first_row.status().message(), AllOf(HasSubstr("Row 0 "), HasSubstr("5000 bytes")));
}

TEST(PrepareRequestTest, CountsRecordsAndBytes) {
  const std::string large(20000, 'l');
  const std::vector<std::string_view> records = {"a", "", large, "xyz"};
  PreparedRequest request = PrepareRequest(records, /*tag=*/42);
  EXPECT_EQ(request.record_count, 4);
  EXPECT_EQ(request.record_bytes, 1 + 0 + 20000 + 3);
  EXPECT_EQ(request.tag, 42u);
  size_t body = 0;
  for (std::string_view record : records) body += BatchRecordWireSize(record.size());
  EXPECT_EQ(request.body.size(), body);
  EXPECT_THAT(ParseBody(request), ElementsAreArray(records));

  PreparedRequest empty = PrepareRequest({});
  EXPECT_EQ(empty.record_count, 0);
  EXPECT_EQ(empty.record_bytes, 0);
  EXPECT_EQ(empty.tag, 0u);
  EXPECT_EQ(empty.body.size(), 0u);
}

}  // namespace
}  // namespace arrow_zerobus::zerobus
