// ZerobusWrapper with delivery exactly_once (persistent streams, Protobuf only): the same cuts
// that make at_least_once land duplicates land every row exactly once, over one stream or four
// lanes (each lane its own persistent stream); per-row results stay exact; replays count only
// rows sent again; the setting is refused with the Arrow wire format, naming why, and a value
// other than at_least_once or exactly_once is refused by name.
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

struct CutRun {
  std::vector<int64_t> landed;
  int64_t rows_replayed = 0;
  int64_t rows_succeeded = 0;
  int64_t connections_killed = 0;
  WrapperStats stats;
};

/// Sends `batches` batches of `rows_per_batch` Event rows through a wrapper whose every
/// connection is cut after 4 requests, with `delivery` over `lanes` streams.
CutRun SendThroughCuts(const std::string& delivery, int lanes, int64_t batches,
                       int64_t rows_per_batch) {
  auto emu = StartEmulator();
  emulator::FaultScript script;
  script.kill_every_requests = 4;
  script.ack_delay = std::chrono::milliseconds(20);
  emu->SetFaultScript(kTestTable, script);
  WrapperConfiguration config = WrapperConfigFor(*emu).with_stream_count(lanes);
  config.delivery = delivery;
  config.max_inflight_requests = 3 * lanes;
  auto wrapper = ZerobusWrapper::Create(config);
  EXPECT_TRUE(wrapper.ok()) << wrapper.status();
  CutRun run;
  if (!wrapper.ok()) return run;
  std::vector<BatchFuture> futures;
  for (int64_t i = 0; i < batches; ++i) {
    futures.push_back(
        (*wrapper)->send_batch_async(EventsBatch(i * rows_per_batch, rows_per_batch)));
  }
  for (const BatchFuture& future : futures) {
    const TransmissionResult result = future.get();
    ExpectEveryRowOnce(result);
    EXPECT_TRUE(result.all_rows_landed()) << result.Summary();
    run.rows_replayed += result.rows_replayed;
    run.rows_succeeded += result.successful_count;
  }
  run.stats = (*wrapper)->stats();
  EXPECT_TRUE((*wrapper)->shutdown().ok());
  run.landed = LandedIds(*emu, kTestTable);
  std::sort(run.landed.begin(), run.landed.end());
  run.connections_killed = emu->Counters(kTestTable).connections_killed;
  return run;
}

TEST(WrapperExactlyOnceTest, CutConnectionsLandEveryRowOnceWhereAtLeastOnceDuplicates) {
  constexpr int64_t kBatches = 30;
  constexpr int64_t kRowsPerBatch = 200;
  constexpr int64_t kRows = kBatches * kRowsPerBatch;

  const CutRun at_least_once = SendThroughCuts("at_least_once", 1, kBatches, kRowsPerBatch);
  EXPECT_GT(at_least_once.landed.size(), static_cast<size_t>(kRows))
      << "the control: at least once lands the killed requests twice";

  const CutRun exactly_once = SendThroughCuts("exactly_once", 1, kBatches, kRowsPerBatch);
  EXPECT_EQ(exactly_once.landed, Iota(kRows)) << "every row exactly once";
  EXPECT_EQ(exactly_once.rows_succeeded, kRows);
  EXPECT_GE(exactly_once.connections_killed, 3);
  ASSERT_EQ(exactly_once.stats.streams.size(), 1u);
  const StreamLaneStats& lane = exactly_once.stats.streams[0];
  EXPECT_EQ(lane.resumes, exactly_once.connections_killed);
  // Each cut lost the ack of a request that had landed: the resume acknowledged it instead of
  // sending it again.
  EXPECT_GE(lane.requests_committed_on_resume, exactly_once.connections_killed);
  EXPECT_EQ(lane.last_acked_offset, lane.requests_acked - 1);
  EXPECT_EQ(exactly_once.rows_replayed, lane.records_replayed);
}

TEST(WrapperExactlyOnceTest, EachOfFourLanesIsAPersistentStreamOfItsOwn) {
  constexpr int64_t kRows = 40 * 250;
  const CutRun run = SendThroughCuts("exactly_once", 4, 40, 250);
  EXPECT_EQ(run.landed, Iota(kRows)) << "every row exactly once across the lanes";
  ASSERT_EQ(run.stats.streams.size(), 4u);
  std::set<std::string> ids;
  int64_t resumes = 0;
  for (const StreamLaneStats& lane : run.stats.streams) {
    ids.insert(lane.stream_id);
    resumes += lane.resumes;
  }
  EXPECT_EQ(ids.size(), 4u) << "one persistent stream per lane";
  EXPECT_EQ(resumes, run.connections_killed);
}

TEST(WrapperExactlyOnceTest, TheSettingIsCheckedByName) {
  WrapperConfiguration config("http://127.0.0.1:1", "main.default.events");
  config.client_id = "id";
  config.client_secret = SecretString("secret");
  config.unity_catalog_url = "http://127.0.0.1:2";
  config.delivery = "exactly_once";
  config.wire_format = WireFormat::kArrow;
  Status refused = config.validate();
  EXPECT_EQ(refused.kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(refused.message(), HasSubstr("delivery exactly_once needs wire_format protobuf"));
  config.wire_format = WireFormat::kProtobuf;
  EXPECT_TRUE(config.validate().ok()) << config.validate();
  config.delivery = "exactly-once";
  refused = config.validate();
  EXPECT_THAT(refused.message(),
              HasSubstr("delivery 'exactly-once' must be at_least_once or exactly_once"));
}

}  // namespace
}  // namespace arrow_zerobus::testing
