// How far send_table / send_reader read ahead: by bytes per stream, capped by the streams'
// window, always at least one batch.
#include "wrapper/read_ahead.h"

#include <arrow/api.h>
#include <gtest/gtest.h>

namespace arrow_zerobus::internal {
namespace {

WrapperConfiguration Config(int streams, int64_t max_inflight_bytes) {
  WrapperConfiguration config("http://127.0.0.1:1", "main.default.t");
  config.stream_count = streams;
  config.max_inflight_bytes = max_inflight_bytes;
  return config;
}

TEST(ReadAheadTest, BytesPerStreamCappedByTheStreamsWindow) {
  EXPECT_EQ(ReadAheadLimit::For(Config(1, 512LL << 20)).max_bytes, kReadAheadBytesPerStream);
  EXPECT_EQ(ReadAheadLimit::For(Config(3, 512LL << 20)).max_bytes, 3 * kReadAheadBytesPerStream);
  EXPECT_EQ(ReadAheadLimit::For(Config(64, 512LL << 20)).max_bytes, 512LL << 20);
  EXPECT_EQ(ReadAheadLimit::For(Config(1, 4096)).max_bytes, 4096);
  EXPECT_EQ(ReadAheadLimit::For(Config(1, 0)).max_bytes, 1);
}

TEST(ReadAheadTest, OneBatchAlwaysFitsAndEitherBoundFillsIt) {
  const ReadAheadLimit limit{1000, 3};
  EXPECT_FALSE(limit.Full(0, 0));
  EXPECT_FALSE(limit.Full(0, 1 << 30));  // nothing in flight: any batch may go
  EXPECT_TRUE(limit.Full(1, 1 << 30));   // a batch beyond the bound waits for the one before
  EXPECT_FALSE(limit.Full(2, 999));
  EXPECT_TRUE(limit.Full(2, 1000));
  EXPECT_TRUE(limit.Full(3, 10));  // many small batches: the count bounds them
}

TEST(ReadAheadTest, BatchBytesCountASlicesOwnRowsOnly) {
  arrow::Int64Builder builder;
  for (int64_t i = 0; i < 1000; ++i) ASSERT_TRUE(builder.Append(i).ok());
  auto batch = arrow::RecordBatch::Make(arrow::schema({arrow::field("id", arrow::int64())}), 1000,
                                        {builder.Finish().ValueOrDie()});
  EXPECT_EQ(BatchBytes(*batch), 8000);
  EXPECT_EQ(BatchBytes(*batch->Slice(0, 10)), 80);
}

}  // namespace
}  // namespace arrow_zerobus::internal
