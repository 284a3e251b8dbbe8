// ZerobusWrapper with several streams per table (lanes, stream_count; issue 13, section 3), in
// both wire formats: every row resolved and landed exactly once across the lanes, each lane
// carrying its share (stats and stream_ids); with connections cut, every row lands at least once
// and the duplicates stay within the replays counted; one stream keeps the send order; stream_count
// out of range is refused by name; and against a per-stream quota, four streams land the same
// rows far sooner than one.
#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "arrow_zerobus/wrapper.h"
#include "testing/emulator_fixture.h"
#include "testing/wrapper_fixture.h"

namespace arrow_zerobus::testing {
namespace {

using ::testing::HasSubstr;

std::vector<int64_t> Sorted(std::vector<int64_t> values) {
  std::sort(values.begin(), values.end());
  return values;
}

/// Sends `batches` batches of `rows_per_batch` rows (ids from 0, in order) without waiting, then
/// collects their results, each checked for ExpectEveryRowOnce.
std::vector<TransmissionResult> SendAll(ZerobusWrapper& wrapper, int64_t batches,
                                        int64_t rows_per_batch) {
  std::vector<BatchFuture> futures;
  for (int64_t i = 0; i < batches; ++i) {
    futures.push_back(wrapper.send_batch_async(EventsBatch(i * rows_per_batch, rows_per_batch)));
  }
  std::vector<TransmissionResult> results;
  for (const BatchFuture& future : futures) {
    results.push_back(future.get());
    ExpectEveryRowOnce(results.back());
  }
  return results;
}

class WrapperLanesTest : public WireFormatTest {
 protected:
  std::unique_ptr<ZerobusWrapper> MakeWrapper(WrapperConfiguration config) {
    auto wrapper = ZerobusWrapper::Create(std::move(config));
    EXPECT_TRUE(wrapper.ok()) << wrapper.status();
    return wrapper.ok() ? std::move(wrapper).value() : nullptr;
  }
};
INSTANTIATE_WIRE_FORMATS(WrapperLanesTest);

TEST_P(WrapperLanesTest, FourStreamsCarryTheRowsAndEveryRowLandsExactlyOnce) {
  constexpr int64_t kBatches = 40;
  constexpr int64_t kRowsPerBatch = 250;
  constexpr int64_t kRows = kBatches * kRowsPerBatch;
  auto emu = StartEmulator();
  // Acks that take a while keep every stream busy, so the requests spread over all four (a
  // server that keeps up would get them on the first stream).
  emulator::FaultScript slow;
  slow.ack_delay = std::chrono::milliseconds(20);
  emu->SetFaultScript(kTestTable, slow);
  auto wrapper = MakeWrapper(Config(*emu).with_stream_count(4));
  ASSERT_NE(wrapper, nullptr);

  std::set<std::string> stream_ids;
  for (const TransmissionResult& result : SendAll(*wrapper, kBatches, kRowsPerBatch)) {
    EXPECT_TRUE(result.success) << result.Summary();
    EXPECT_EQ(result.successful_count, kRowsPerBatch);
    EXPECT_EQ(result.rows_replayed, 0);
    stream_ids.insert(result.stream_ids.begin(), result.stream_ids.end());
  }
  EXPECT_EQ(stream_ids.size(), arrow() ? 0u : 4u) << "Arrow Flight gives a stream no id";

  const WrapperStats stats = wrapper->stats();
  EXPECT_EQ(stats.streams_opened, 4);
  ASSERT_EQ(stats.streams.size(), 4u);
  int64_t records = 0;
  std::set<std::string> lane_ids;
  for (size_t i = 0; i < stats.streams.size(); ++i) {
    const StreamLaneStats& lane = stats.streams[i];
    EXPECT_EQ(lane.lane, static_cast<int>(i));
    EXPECT_GT(lane.records_acked, 0) << "lane " << i << " carried nothing";
    EXPECT_GT(lane.requests_acked, 0) << "lane " << i;
    EXPECT_EQ(lane.records_replayed, 0) << "lane " << i;
    EXPECT_EQ(lane.reconnects, 0) << "lane " << i;
    EXPECT_EQ(lane.stream_id.empty(), arrow()) << "lane " << i;
    records += lane.records_acked;
    lane_ids.insert(lane.stream_id);
  }
  EXPECT_EQ(records, kRows);
  if (!arrow()) {
    EXPECT_EQ(lane_ids, stream_ids) << "results name the lanes' streams";
  }
  EXPECT_EQ(stats.rows_succeeded, kRows);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 4);

  EXPECT_EQ(Sorted(LandedIds(*emu, kTestTable)), Iota(kRows)) << "each row landed exactly once";
  EXPECT_TRUE(wrapper->shutdown().ok());
  EXPECT_TRUE(wrapper->stats().streams.empty()) << "no stream is open after shutdown";
}

TEST_P(WrapperLanesTest, CutConnectionsLandEveryRowAtLeastOnceWithDuplicatesCountedAsReplays) {
  constexpr int64_t kBatches = 40;
  constexpr int64_t kRowsPerBatch = 250;
  constexpr int64_t kRows = kBatches * kRowsPerBatch;
  auto emu = StartEmulator();
  emulator::FaultScript script;
  script.kill_every_requests = 4;                    // on every connection of every lane
  script.ack_delay = std::chrono::milliseconds(20);  // busy streams: all four take requests
  emu->SetFaultScript(kTestTable, script);
  // Three requests in flight per stream: each connection sees acks before its fourth request is
  // cut, so every connection makes progress (connections cut before any ack would spend the
  // retry budget, as they should).
  WrapperConfiguration config = Config(*emu).with_stream_count(4);
  config.max_inflight_requests = 12;
  auto wrapper = MakeWrapper(config);
  ASSERT_NE(wrapper, nullptr);

  int64_t rows_replayed = 0;
  for (const TransmissionResult& result : SendAll(*wrapper, kBatches, kRowsPerBatch)) {
    EXPECT_TRUE(result.success) << result.Summary();
    rows_replayed += result.rows_replayed;
  }
  const WrapperStats stats = wrapper->stats();
  EXPECT_EQ(stats.streams_opened, 4) << "the lanes recovered; none was replaced";
  ASSERT_EQ(stats.streams.size(), 4u);
  int64_t records_replayed = 0;
  int64_t reconnects = 0;
  for (const StreamLaneStats& lane : stats.streams) {
    EXPECT_GT(lane.records_acked, 0) << "lane " << lane.lane;
    records_replayed += lane.records_replayed;
    reconnects += lane.reconnects;
  }
  EXPECT_GE(reconnects, 4) << "every lane's connection is cut after 4 requests";
  EXPECT_GT(records_replayed, 0);
  EXPECT_GE(emu->Counters(kTestTable).connections_killed, 4);

  const std::vector<int64_t> landed = LandedIds(*emu, kTestTable);
  const std::set<int64_t> distinct(landed.begin(), landed.end());
  EXPECT_EQ(std::vector<int64_t>(distinct.begin(), distinct.end()), Iota(kRows))
      << "every row landed at least once";
  const int64_t duplicates = static_cast<int64_t>(landed.size()) - kRows;
  EXPECT_LE(duplicates, records_replayed) << "duplicates come only from counted replays";
  EXPECT_LE(duplicates, rows_replayed);
  EXPECT_TRUE(wrapper->shutdown().ok());
}

TEST_P(WrapperLanesTest, OneStreamLandsRowsInSendOrder) {
  auto emu = StartEmulator();
  auto wrapper = MakeWrapper(Config(*emu).with_stream_count(1));
  ASSERT_NE(wrapper, nullptr);
  for (const TransmissionResult& result : SendAll(*wrapper, 30, 100)) {
    EXPECT_TRUE(result.success) << result.Summary();
  }
  EXPECT_EQ(wrapper->stats().streams.size(), 1u);
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(3000)) << "one stream keeps the global order";
}

// Against a per-stream records quota, N streams land N times as fast; 2x is asked, to stay
// robust on a loaded 2-core machine.
TEST_P(WrapperLanesTest, FourStreamsGoPastAPerStreamQuota) {
  constexpr int64_t kQuota = 20000;  // records a second per stream
  constexpr int64_t kBatches = 40;
  constexpr int64_t kRowsPerBatch = 1000;  // one request each: the lanes share them out
  constexpr int64_t kRows = kBatches * kRowsPerBatch;
  auto millis_to_land_with = [&](int streams) -> int64_t {
    emulator::EmulatorOptions options;
    options.stream_records_per_second = kQuota;
    auto emu = StartEmulator(options);
    auto wrapper = MakeWrapper(Config(*emu).with_stream_count(streams));
    if (wrapper == nullptr) return -1;
    const auto start = std::chrono::steady_clock::now();
    for (const TransmissionResult& result : SendAll(*wrapper, kBatches, kRowsPerBatch)) {
      EXPECT_TRUE(result.success) << result.Summary();
    }
    const int64_t elapsed = MillisSince(start);
    EXPECT_EQ(wrapper->stats().streams.size(), static_cast<size_t>(streams));
    EXPECT_EQ(Sorted(LandedIds(*emu, kTestTable)), Iota(kRows));
    return elapsed;
  };
  const int64_t one = millis_to_land_with(1);
  const int64_t four = millis_to_land_with(4);
  ASSERT_GT(one, 0);
  ASSERT_GT(four, 0);
  // One stream: 40,000 records at 20,000 a second take 2 s (less the 50 ms burst).
  EXPECT_GE(one, 1800) << "the quota paces one stream";
  EXPECT_GE(static_cast<double>(one) / static_cast<double>(four), 2.0)
      << "one stream: " << one << " ms, four streams: " << four << " ms";
}

TEST(WrapperLanesConfigTest, StreamCountOutOfRangeIsAConfigurationErrorNamingIt) {
  auto emu = StartEmulator();
  for (int streams : {0, 65}) {
    auto wrapper = ZerobusWrapper::Create(WrapperConfigFor(*emu).with_stream_count(streams));
    ASSERT_FALSE(wrapper.ok()) << "stream_count " << streams;
    EXPECT_EQ(wrapper.status().kind(), ErrorKind::kConfiguration);
    EXPECT_THAT(wrapper.status().message(), HasSubstr("stream_count"));
    EXPECT_THAT(wrapper.status().message(), HasSubstr(std::to_string(streams)));
  }
  for (int streams : {1, 64}) {
    EXPECT_TRUE(ZerobusWrapper::Create(WrapperConfigFor(*emu).with_stream_count(streams)).ok())
        << "stream_count " << streams;
  }
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 0) << "Create opens no stream";
}

}  // namespace
}  // namespace arrow_zerobus::testing
