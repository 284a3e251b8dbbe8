// LaneSet, in both wire formats: N streams (lanes) for one table, each on its own connection,
// sharing the table's token cache. Requests are dealt to the least loaded lane; every request is
// resolved exactly once and every row lands (exactly once without faults, at least once with
// duplicates bounded by the replays under faults); order holds within each lane; the in-flight
// window is shared out among the lanes; a lane failing for good poisons later sends while the
// other lanes finish what they hold.
#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "stream/lane_set.h"
#include "stream/stream_test_support.h"

namespace arrow_zerobus::testing {
namespace {

using ::testing::HasSubstr;
using Kind = emulator::StreamEvent::Kind;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kLanes = 4;

class LaneSetTest : public BothFormatsTest {
 protected:
  std::unique_ptr<stream::LaneSet> OpenLanes(const stream::StreamConfig& config,
                                             int lanes = kLanes) {
    auto opened = OpenEventLanes(format(), config, lanes);
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened.ok() ? std::move(opened).value() : nullptr;
  }
  static Result<stream::LaneOffset> SendRows(stream::LaneSet& lanes, int64_t first_id,
                                             int64_t count, uint64_t tag) {
    return lanes.Send(EventRows(lanes.protocol(), first_id, count, tag));
  }
};

/// How many times each tag was reported.
std::map<uint64_t, int> TagCounts(const std::vector<stream::ResolvedRequest>& requests) {
  std::map<uint64_t, int> counts;
  for (const auto& request : requests) ++counts[request.tag];
  return counts;
}

TEST_P(LaneSetTest, EveryRequestIsResolvedOnceEveryRowLandsOnceAndOrderHoldsWithinEachLane) {
  auto emu = StartEmulator();
  // Acks that take a while keep every lane busy, so requests spread over all of them (a server
  // that keeps up would get them on the first lane: AFastServerKeepsEveryRequestOnTheFirstLane).
  emulator::FaultScript slow;
  slow.ack_delay = std::chrono::milliseconds(20);
  emu->SetFaultScript(kTestTable, slow);
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto lanes = OpenLanes(config);
  ASSERT_NE(lanes, nullptr);
  ASSERT_EQ(lanes->size(), kLanes);

  constexpr int kRequests = 200;
  constexpr int kRows = 3;
  std::map<uint64_t, int> lane_of;               // tag -> lane it was dealt to
  std::map<int, std::vector<uint64_t>> sent_to;  // lane -> tags in send order
  for (int i = 0; i < kRequests; ++i) {
    auto sent = SendRows(*lanes, i * kRows, kRows, i);
    ASSERT_TRUE(sent.ok()) << sent.status();
    ASSERT_GE(sent->lane, 0);
    ASSERT_LT(sent->lane, kLanes);
    EXPECT_EQ(sent->offset, static_cast<int64_t>(sent_to[sent->lane].size()))
        << "each lane numbers its own requests";
    lane_of[i] = sent->lane;
    sent_to[sent->lane].push_back(i);
  }
  ASSERT_TRUE(lanes->Flush().ok());

  // Every request resolved exactly once, on the lane it was dealt to.
  const auto acked = observer->acked();
  EXPECT_TRUE(observer->failed().empty());
  ASSERT_EQ(acked.size(), static_cast<size_t>(kRequests));
  for (const auto& [tag, count] : TagCounts(acked)) EXPECT_EQ(count, 1) << "tag " << tag;
  std::map<int, std::vector<uint64_t>> acked_on;
  for (const auto& request : acked) {
    EXPECT_EQ(request.lane, lane_of[request.tag]) << "tag " << request.tag;
    acked_on[request.lane].push_back(request.tag);
  }
  // Spread over every lane, in send order within each.
  for (int lane = 0; lane < kLanes; ++lane) {
    EXPECT_GE(sent_to[lane].size(), static_cast<size_t>(kRequests / kLanes / 4)) << "lane " << lane;
    EXPECT_EQ(acked_on[lane], sent_to[lane]) << "lane " << lane;
  }

  // Every row landed exactly once; within a lane, in send order.
  std::vector<int64_t> landed = LandedIds(*emu, kTestTable);
  std::map<int, std::vector<int64_t>> landed_on;
  for (int64_t id : landed) landed_on[lane_of[id / kRows]].push_back(id);
  for (const auto& [lane, ids] : landed_on) {
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end())) << "lane " << lane;
  }
  std::sort(landed.begin(), landed.end());
  EXPECT_EQ(landed, Iota(kRequests * kRows));

  // One connection per lane, one token for all of them.
  const auto stats = lanes->stats();
  ASSERT_EQ(stats.size(), static_cast<size_t>(kLanes));
  int64_t requests_acked = 0;
  std::set<std::string> stream_ids;
  for (int lane = 0; lane < kLanes; ++lane) {
    EXPECT_EQ(stats[lane].lane, lane);
    EXPECT_EQ(stats[lane].requests_acked, static_cast<int64_t>(sent_to[lane].size()));
    EXPECT_EQ(stats[lane].reconnects, 0);
    requests_acked += stats[lane].requests_acked;
    stream_ids.insert(stats[lane].stream_id);
  }
  EXPECT_EQ(requests_acked, kRequests);
  if (!arrow()) {
    EXPECT_EQ(stream_ids.size(), static_cast<size_t>(kLanes));
  }
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, kLanes);
  EXPECT_EQ(emu->state().tokens().issued_count(), 1);
  EXPECT_TRUE(lanes->status().ok());
  EXPECT_TRUE(lanes->Close().ok());
}

TEST_P(LaneSetTest, AFastServerKeepsEveryRequestOnTheFirstLane) {
  auto emu = StartEmulator();
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto lanes = OpenLanes(config);
  ASSERT_NE(lanes, nullptr);
  // Each request is acknowledged before the next: the first lane is idle every time, so more
  // connections would only cost.
  for (int i = 0; i < 20; ++i) {
    auto sent = SendRows(*lanes, i * 2, 2, i);
    ASSERT_TRUE(sent.ok()) << sent.status();
    EXPECT_EQ(sent->lane, 0) << "request " << i;
    ASSERT_TRUE(lanes->lane(0).Flush().ok());
  }
  for (int lane = 1; lane < kLanes; ++lane) EXPECT_EQ(lanes->lane(lane).stats().requests_sent, 0);
  ASSERT_TRUE(lanes->Close().ok());
}

TEST_P(LaneSetTest, RequestsGoToTheLeastLoadedLane) {
  auto emu = StartEmulator();
  // Lane traffic stalls for a while on each connection's first request: while requests are
  // outstanding, each new one goes to a lane holding fewer bytes.
  std::vector<emulator::StreamEvent> events;
  for (int i = 0; i < kLanes; ++i)
    events.push_back(FaultEvent(Kind::kSilence, 1, milliseconds(300)));
  emu->SetFaultScript(kTestTable, Script(events));
  auto config = OAuthConfig(*emu, kTestTable);
  auto lanes = OpenLanes(config);
  ASSERT_NE(lanes, nullptr);

  // A large request, then small ones: none of the small ones joins the large one's lane until
  // every other lane holds as much.
  auto large = SendRows(*lanes, 0, 400, 0);
  ASSERT_TRUE(large.ok()) << large.status();
  std::vector<int> small_lanes;
  for (int i = 0; i < 6; ++i) {
    auto small = SendRows(*lanes, 400 + i, 1, 1 + i);
    ASSERT_TRUE(small.ok()) << small.status();
    small_lanes.push_back(small->lane);
  }
  for (int lane : small_lanes) EXPECT_NE(lane, large->lane);
  ASSERT_TRUE(lanes->Flush().ok());
  EXPECT_TRUE(lanes->Close().ok());
}

TEST_P(LaneSetTest, TheInFlightWindowIsSharedOutAmongTheLanes) {
  auto emu = StartEmulator();
  // Every ack comes 400 ms after its request: nothing frees a window slot before then.
  emulator::FaultScript slow;
  slow.ack_delay = milliseconds(400);
  emu->SetFaultScript(kTestTable, slow);
  auto config = OAuthConfig(*emu, kTestTable);
  config.options.max_inflight_requests = 2 * kLanes;  // two a lane
  auto lanes = OpenLanes(config);
  ASSERT_NE(lanes, nullptr);

  const auto start = SteadyClock::now();
  for (int i = 0; i < 2 * kLanes; ++i) ASSERT_TRUE(SendRows(*lanes, i, 1, i).ok());
  EXPECT_LT(MillisSince(start), 300) << "the set's window admits two requests a lane";
  auto next = std::async(std::launch::async, [&] { return SendRows(*lanes, 100, 1, 100); });
  EXPECT_EQ(next.wait_for(milliseconds(150)), std::future_status::timeout)
      << "every lane's share is full";
  ASSERT_EQ(next.wait_for(milliseconds(5000)), std::future_status::ready);
  ASSERT_TRUE(next.get().ok());
  EXPECT_GE(MillisSince(start), 400);
  ASSERT_TRUE(lanes->Flush().ok());
  EXPECT_EQ(LandedIds(*emu, kTestTable).size(), static_cast<size_t>(2 * kLanes + 1));
  EXPECT_TRUE(lanes->Close().ok());
}

TEST_P(LaneSetTest, UnderRepeatedKillsEveryRowLandsAndDuplicatesAreBoundedByReplays) {
  auto emu = StartEmulator();
  emulator::FaultScript script;
  script.kill_every_requests = 7;
  script.ack_delay = std::chrono::milliseconds(20);  // busy lanes: every lane takes requests
  emu->SetFaultScript(kTestTable, script);
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  config.options.max_inflight_requests = 4 * kLanes;
  auto lanes = OpenLanes(config);
  ASSERT_NE(lanes, nullptr);

  constexpr int kRequests = 120;
  constexpr int kRows = 2;
  for (int i = 0; i < kRequests; ++i) {
    auto sent = SendRows(*lanes, i * kRows, kRows, i);
    ASSERT_TRUE(sent.ok()) << sent.status();
  }
  const Status flushed = lanes->Flush();
  ASSERT_TRUE(flushed.ok()) << flushed;

  EXPECT_TRUE(observer->failed().empty());
  const auto counts = TagCounts(observer->acked());
  ASSERT_EQ(counts.size(), static_cast<size_t>(kRequests));
  for (const auto& [tag, count] : counts) EXPECT_EQ(count, 1) << "tag " << tag;
  int64_t replayed = 0;
  int64_t reconnects = 0;
  for (const auto& lane : lanes->stats()) {
    replayed += lane.records_replayed;
    reconnects += lane.reconnects;
  }
  ExpectLandedAtLeastOnce(LandedIds(*emu, kTestTable), kRequests * kRows, replayed);
  const auto counters = emu->Counters(kTestTable);
  // Every lane took far more than 7 requests, so every lane was cut at least once.
  EXPECT_GE(counters.connections_killed, kLanes);
  EXPECT_EQ(counters.connections_killed, reconnects);
  for (const auto& lane : lanes->stats()) {
    EXPECT_GE(lane.reconnects, 1) << "lane " << lane.lane << " sent " << lane.requests_sent;
  }
  EXPECT_TRUE(lanes->Close().ok());
}

TEST_P(LaneSetTest, ALaneFailingForGoodPoisonsLaterSendsWhileTheOtherLanesFinish) {
  auto emu = StartEmulator();
  // The first lane to receive its third request is refused for good.
  emulator::FaultScript script =
      Script({ErrorEvent(3, StatusCode::kPermissionDenied, "no write grant")});
  script.ack_delay = std::chrono::milliseconds(20);  // busy lanes: every lane takes requests
  emu->SetFaultScript(kTestTable, script);
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto lanes = OpenLanes(config);
  ASSERT_NE(lanes, nullptr);

  int accepted = 0;
  Status refused;
  for (; accepted < 2000; ++accepted) {
    auto sent = SendRows(*lanes, accepted * 2, 2, accepted);
    if (!sent.ok()) {
      refused = sent.status();
      break;
    }
    std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_FALSE(refused.ok()) << "no Send saw the failed lane";
  EXPECT_EQ(refused.code(), StatusCode::kPermissionDenied) << refused;
  EXPECT_THAT(refused.message(), HasSubstr("no write grant"));
  EXPECT_EQ(lanes->status(), refused);
  EXPECT_EQ(SendRows(*lanes, 100000, 1, 100000).status(), refused) << "still poisoned";

  // Every accepted request is resolved once: the failed lane's unacknowledged ones with its
  // error, every other lane's acknowledged.
  ASSERT_TRUE(observer->WaitForResolved(accepted));
  const auto acked = observer->acked();
  const auto failed = observer->failed();
  EXPECT_EQ(acked.size() + failed.size(), static_cast<size_t>(accepted));
  ASSERT_FALSE(failed.empty());
  const int failed_lane = failed.front().lane;
  for (const auto& request : failed) EXPECT_EQ(request.lane, failed_lane);
  for (const Status& failure : observer->failures()) EXPECT_EQ(failure, refused);
  std::set<uint64_t> resolved;
  for (const auto& request : acked) resolved.insert(request.tag);
  for (const auto& request : failed) resolved.insert(request.tag);
  EXPECT_EQ(resolved.size(), static_cast<size_t>(accepted)) << "a request resolved twice";
  std::set<int> healthy_lanes;
  for (const auto& request : acked) {
    if (request.lane != failed_lane) healthy_lanes.insert(request.lane);
  }
  EXPECT_EQ(healthy_lanes.size(), static_cast<size_t>(kLanes - 1));
  const auto stats = lanes->stats();
  for (int lane = 0; lane < kLanes; ++lane) {
    EXPECT_EQ(stats[lane].reconnects, 0);
    EXPECT_EQ(lanes->lane(lane).status().ok(), lane != failed_lane) << "lane " << lane;
  }
  EXPECT_EQ(lanes->Flush(), refused);
  EXPECT_EQ(lanes->Close(), refused);
}

TEST_P(LaneSetTest, AbortFailsEveryLanesUnacknowledgedRequests) {
  auto emu = StartEmulator();
  std::vector<emulator::StreamEvent> events;
  for (int i = 0; i < kLanes; ++i) events.push_back(FaultEvent(Kind::kSilence, 1));
  emu->SetFaultScript(kTestTable, Script(events));
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto lanes = OpenLanes(config);
  ASSERT_NE(lanes, nullptr);
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(SendRows(*lanes, i, 1, i).ok());

  const Status reason(StatusCode::kCancelled, ErrorKind::kTransmission, "the caller gave up");
  lanes->Abort(reason);
  ASSERT_TRUE(observer->WaitForResolved(8));
  EXPECT_TRUE(observer->acked().empty());
  EXPECT_EQ(TagCounts(observer->failed()).size(), 8u);
  for (const Status& failure : observer->failures()) EXPECT_EQ(failure, reason);
  EXPECT_EQ(lanes->status(), reason);
  EXPECT_EQ(SendRows(*lanes, 8, 1, 8).status(), reason);
  EXPECT_EQ(lanes->Close(), reason);
}

TEST_P(LaneSetTest, ASetDoesNotOpenWhenOneLaneCannot) {
  auto emu = StartEmulator();
  emulator::FaultScript script;
  script.create_faults = {Accept(), Accept(), Refuse(StatusCode::kNotFound, "no such table")};
  emu->SetFaultScript(kTestTable, script);
  auto opened = OpenEventLanes(format(), OAuthConfig(*emu, kTestTable), kLanes);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kNotFound) << opened.status();
  EXPECT_THAT(opened.status().message(), HasSubstr("no such table"));
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 1);
}

TEST_P(LaneSetTest, AStreamCountOutOfRangeIsAConfigurationError) {
  EXPECT_EQ(stream::kMaxLanes, 64);
  auto emu = StartEmulator();
  for (int count : {0, -1, stream::kMaxLanes + 1}) {
    auto opened = OpenEventLanes(format(), OAuthConfig(*emu, kTestTable), count);
    ASSERT_FALSE(opened.ok()) << count;
    EXPECT_EQ(opened.status().kind(), ErrorKind::kConfiguration) << count;
    EXPECT_THAT(opened.status().message(), HasSubstr("stream_count"));
    EXPECT_THAT(opened.status().message(), HasSubstr(std::to_string(count)));
  }
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 0);
  auto one = OpenLanes(OAuthConfig(*emu, kTestTable), 1);
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(one->size(), 1);
  EXPECT_TRUE(one->Close().ok());
}

INSTANTIATE_BOTH_FORMATS(LaneSetTest);

}  // namespace
}  // namespace arrow_zerobus::testing
