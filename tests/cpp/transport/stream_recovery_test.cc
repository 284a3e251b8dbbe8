// Recovery: a retryable failure (unavailable, a cut connection, missing acks, a close signal, an
// expired token) reconnects and replays every unacknowledged request whole, with logical offsets
// kept; without recovery the stream fails. Delivery is at-least-once: a request that landed but
// whose ack was lost lands again, and records_replayed bounds those duplicates.
#include <algorithm>
#include <chrono>
#include <map>
#include <numeric>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/emulator_fixture.h"

namespace arrow_zerobus::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

using emulator::FaultScript;
using emulator::StreamEvent;

std::vector<int64_t> Concat(std::vector<int64_t> a, const std::vector<int64_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// At-least-once: every id in [0, sent) landed, nothing else did, and the extra copies are
/// bounded by what the client re-sent. Returns the number of duplicates.
int64_t ExpectLandedAtLeastOnce(const std::vector<int64_t>& landed, int64_t sent,
                                const zerobus::StreamStats& stats) {
  std::map<int64_t, int64_t> copies;
  for (int64_t id : landed) ++copies[id];
  for (int64_t id = 0; id < sent; ++id) {
    EXPECT_GE(copies[id], 1) << "record " << id << " never landed";
  }
  EXPECT_EQ(static_cast<int64_t>(copies.size()), sent) << "records that were never sent landed";
  const int64_t duplicates = static_cast<int64_t>(landed.size()) - sent;
  EXPECT_LE(duplicates, stats.records_replayed);
  return duplicates;
}

/// Opens a stream with `observer` on `emu`; fails the test (returning null) when it cannot.
std::unique_ptr<zerobus::IngestStream> OpenStream(zerobus::StreamConfig config) {
  auto opened = zerobus::IngestStream::Open(std::move(config));
  EXPECT_TRUE(opened.ok()) << opened.status();
  if (!opened.ok()) return nullptr;
  return std::move(opened).value();
}

TEST(StreamRecoveryTest, RecoversAfterUnavailable6002) {
  auto emu = StartEmulator();
  FaultScript script;
  script.events = {FaultEvent(StreamEvent::Kind::kUnavailable6002, 3)};
  emu->SetFaultScript(kTestTable, script);
  auto observer = std::make_shared<RecordingObserver>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);

  for (int i = 0; i < 10; ++i) {
    auto offset = stream->Send(EventRequest(i * 2, 2, /*tag=*/i));
    ASSERT_TRUE(offset.ok()) << offset.status();
    EXPECT_EQ(*offset, i);
  }
  ASSERT_TRUE(stream->Flush().ok());
  // The refused request did not land and the server read nothing after it: exactly once.
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(20));
  EXPECT_EQ(observer->acked_offsets(), Iota(10));
  const auto stats = stream->stats();
  EXPECT_EQ(stats.reconnects, 1);
  EXPECT_EQ(stats.records_acked, 20);
  EXPECT_GE(stats.requests_replayed, 1);  // at least the refused request
  EXPECT_LE(stats.requests_replayed, 8);  // never the two acked before it
  const auto counters = emu->Counters(kTestTable);
  EXPECT_EQ(counters.streams_created, 2);
  EXPECT_EQ(counters.requests, 10);
  ASSERT_TRUE(stream->Close().ok());
}

TEST(StreamRecoveryTest, RecoversAfterKillAndReplaysTheKilledRequest) {
  auto emu = StartEmulator();
  FaultScript script;
  script.events = {FaultEvent(StreamEvent::Kind::kKill, 3)};
  emu->SetFaultScript(kTestTable, script);
  auto observer = std::make_shared<RecordingObserver>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);

  // Requests 1 and 2 are acked before the third is sent, so only the third lands unacked.
  ASSERT_TRUE(stream->Send(EventRequest(0, 10)).ok());
  ASSERT_TRUE(stream->Send(EventRequest(10, 10)).ok());
  ASSERT_TRUE(stream->Flush().ok());
  for (int i = 2; i < 6; ++i) ASSERT_TRUE(stream->Send(EventRequest(i * 10, 10)).ok());
  ASSERT_TRUE(stream->Flush().ok());

  const auto landed = LandedIds(*emu, kTestTable);
  EXPECT_EQ(landed, Concat(Iota(30), Iota(40, 20)));
  const auto stats = stream->stats();
  const int64_t duplicates = ExpectLandedAtLeastOnce(landed, 60, stats);
  EXPECT_EQ(duplicates, 10);
  EXPECT_GE(stats.records_replayed, duplicates);
  EXPECT_EQ(stats.reconnects, 1);
  EXPECT_EQ(observer->acked_offsets(), Iota(6));
  EXPECT_EQ(emu->Counters(kTestTable).connections_killed, 1);
  ASSERT_TRUE(stream->Close().ok());
}

TEST(StreamRecoveryTest, FailsWithoutRecovery) {
  auto emu = StartEmulator();
  FaultScript script;
  script.events = {FaultEvent(StreamEvent::Kind::kUnavailable6002, 2)};
  emu->SetFaultScript(kTestTable, script);
  auto observer = std::make_shared<RecordingObserver>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  config.options.recovery = false;
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);

  // The failure arrives with the second request; on a busy machine it can end the stream
  // before the client has written the third, which Send then refuses with the same error.
  int accepted = 0;
  for (; accepted < 4; ++accepted) {
    auto sent = stream->Send(EventRequest(accepted, 1, /*tag=*/accepted));
    if (!sent.ok()) {
      EXPECT_EQ(sent.status().code(), StatusCode::kUnavailable) << sent.status();
      break;
    }
  }
  ASSERT_GE(accepted, 2);
  Status flushed = stream->Flush();
  EXPECT_EQ(flushed.code(), StatusCode::kUnavailable) << flushed;
  EXPECT_THAT(flushed.message(), HasSubstr("Error Code: 6002"));
  EXPECT_EQ(stream->status().code(), StatusCode::kUnavailable);

  ASSERT_TRUE(observer->WaitForResolved(accepted));
  EXPECT_THAT(observer->acked_tags(), ElementsAre(0));
  std::vector<uint64_t> expected_failed;
  for (int tag = 1; tag < accepted; ++tag) expected_failed.push_back(tag);
  EXPECT_EQ(observer->failed_tags(), expected_failed);
  for (const Status& failure : observer->failures()) {
    EXPECT_EQ(failure.code(), StatusCode::kUnavailable) << failure;
  }
  EXPECT_EQ(stream->stats().reconnects, 0);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 1);
  EXPECT_FALSE(stream->Send(EventRequest(9, 1)).ok());
  auto unacked = stream->TakeUnacked();
  ASSERT_TRUE(unacked.ok()) << unacked.status();
  ASSERT_EQ(unacked->size(), static_cast<size_t>(accepted - 1));
  EXPECT_EQ((*unacked)[0].tag, 1u);
  EXPECT_EQ(unacked->back().tag, static_cast<uint64_t>(accepted - 1));
}

// Five requests of three records, sent after the open stream idled for `idle_first`; acks stop
// once the server has `silence_after` requests, for the rest of the connection. The lack-of-ack
// timeout must reconnect and replay.
void RunLackOfAckScenario(int64_t silence_after, milliseconds idle_first) {
  auto emu = StartEmulator();
  FaultScript script;
  script.events = {FaultEvent(StreamEvent::Kind::kSilence, silence_after)};
  emu->SetFaultScript(kTestTable, script);
  auto observer = std::make_shared<RecordingObserver>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  config.options.server_lack_of_ack_timeout = milliseconds(200);
  config.options.flush_timeout = milliseconds(2500);
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);
  std::this_thread::sleep_for(idle_first);

  const auto start = SteadyClock::now();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(stream->Send(EventRequest(i * 3, 3)).ok());
  Status flushed = stream->Flush();
  ASSERT_TRUE(flushed.ok()) << flushed << " (reconnects: " << stream->stats().reconnects << ")";
  EXPECT_GE(MillisSince(start), 200);

  const auto stats = stream->stats();
  EXPECT_EQ(stats.reconnects, 1);
  EXPECT_EQ(observer->acked_offsets(), Iota(5));
  const auto landed = LandedIds(*emu, kTestTable);
  const int64_t duplicates = ExpectLandedAtLeastOnce(landed, 15, stats);
  // At least the requests from `silence_after` on landed on the silent connection unacked.
  EXPECT_GE(duplicates, (5 - silence_after + 1) * 3);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 2);
  ASSERT_TRUE(stream->Close().ok());
}

TEST(StreamRecoveryTest, RecoversAfterLackOfAcks) { RunLackOfAckScenario(2, milliseconds(0)); }

// No message at all after the create reply: nothing but the client's own timer can notice.
TEST(StreamRecoveryTest, RecoversWhenNoAckEverArrives) { RunLackOfAckScenario(1, milliseconds(0)); }

// The same once the stream has been idle: the timer must start with the first request sent, not
// only when some server message wakes the supervisor.
TEST(StreamRecoveryTest, RecoversWhenNoAckArrivesAfterIdling) {
  RunLackOfAckScenario(1, milliseconds(100));
}

TEST(StreamRecoveryTest, CloseSignalDefaultLeavesThePauseOnceAllIsAcked) {
  auto emu = StartEmulator();
  FaultScript script;
  script.events = {FaultEvent(StreamEvent::Kind::kCloseSignal, 2, milliseconds(2000))};
  emu->SetFaultScript(kTestTable, script);
  auto config = OAuthConfig(*emu, kTestTable);
  ASSERT_FALSE(config.options.stream_paused_max_wait.has_value());
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);

  ASSERT_TRUE(stream->Send(EventRequest(0, 2)).ok());
  ASSERT_TRUE(stream->Send(EventRequest(2, 2)).ok());
  ASSERT_TRUE(WaitUntil([&] { return stream->stats().close_signals == 1; }));
  const auto signalled = SteadyClock::now();
  for (int i = 2; i < 5; ++i) ASSERT_TRUE(stream->Send(EventRequest(i * 2, 2)).ok());
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_LT(MillisSince(signalled), 1000) << "the client waited for the server's duration";

  // Both requests were acked before the signal: nothing is re-sent, nothing lands twice.
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(10));
  const auto stats = stream->stats();
  EXPECT_EQ(stats.close_signals, 1);
  EXPECT_EQ(stats.reconnects, 1);
  EXPECT_EQ(stats.requests_replayed, 0);
  EXPECT_EQ(emu->Counters(kTestTable).close_signals, 1);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 2);
  ASSERT_TRUE(stream->Close().ok());
}

TEST(StreamRecoveryTest, CloseSignalWithZeroMaxWaitReconnectsAtOnce) {
  auto emu = StartEmulator();
  FaultScript script;
  script.events = {FaultEvent(StreamEvent::Kind::kSilence, 1),
                   FaultEvent(StreamEvent::Kind::kCloseSignal, 2, milliseconds(2000))};
  emu->SetFaultScript(kTestTable, script);
  auto config = OAuthConfig(*emu, kTestTable);
  config.options.stream_paused_max_wait = milliseconds(0);
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);

  const auto start = SteadyClock::now();
  ASSERT_TRUE(stream->Send(EventRequest(0, 2)).ok());
  ASSERT_TRUE(stream->Send(EventRequest(2, 2)).ok());
  ASSERT_TRUE(stream->Flush().ok());
  // The silent connection never acks; only an immediate reconnect gets the acks this early.
  EXPECT_LT(MillisSince(start), 1000);

  // Both requests landed unacked before the signal and were re-sent once.
  EXPECT_EQ(LandedIds(*emu, kTestTable), Concat(Iota(4), Iota(4)));
  const auto stats = stream->stats();
  EXPECT_EQ(stats.close_signals, 1);
  EXPECT_EQ(stats.reconnects, 1);
  EXPECT_EQ(stats.requests_replayed, 2);
  EXPECT_EQ(stats.records_replayed, 4);
  ASSERT_TRUE(stream->Close().ok());
}

TEST(StreamRecoveryTest, CloseSignalMaxWaitShorterThanTheServerDuration) {
  auto emu = StartEmulator();
  FaultScript script;
  script.events = {FaultEvent(StreamEvent::Kind::kSilence, 1),
                   FaultEvent(StreamEvent::Kind::kCloseSignal, 2, milliseconds(2500))};
  emu->SetFaultScript(kTestTable, script);
  auto observer = std::make_shared<RecordingObserver>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  config.options.stream_paused_max_wait = milliseconds(500);
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);

  ASSERT_TRUE(stream->Send(EventRequest(0, 2)).ok());
  ASSERT_TRUE(stream->Send(EventRequest(2, 2)).ok());
  ASSERT_TRUE(WaitUntil([&] { return stream->stats().close_signals == 1; }));
  const auto signalled = SteadyClock::now();
  // Sent during the pause: neither blocked nor written on the closing connection.
  auto third = stream->Send(EventRequest(4, 2));
  auto fourth = stream->Send(EventRequest(6, 2));
  EXPECT_EQ(stream->stats().reconnects, 0) << "Send blocked until the pause ended";
  ASSERT_TRUE(third.ok() && fourth.ok());
  EXPECT_EQ(*third, 2);
  EXPECT_EQ(*fourth, 3);
  ASSERT_TRUE(stream->Flush().ok());
  const int64_t paused = MillisSince(signalled);
  EXPECT_GE(paused, 450) << "the client left the pause before its max wait";
  EXPECT_LT(paused, 2000) << "the client waited for the server's duration";

  // The first connection got requests 1 and 2 (unacked); the second gets them again, then the
  // two sent during the pause.
  EXPECT_EQ(LandedIds(*emu, kTestTable), Concat(Iota(4), Iota(8)));
  EXPECT_EQ(observer->acked_offsets(), Iota(4));
  const auto stats = stream->stats();
  EXPECT_EQ(stats.close_signals, 1);
  EXPECT_EQ(stats.reconnects, 1);
  EXPECT_EQ(stats.requests_replayed, 2);
  EXPECT_EQ(stats.records_replayed, 4);
  ASSERT_TRUE(stream->Close().ok());
}

TEST(StreamRecoveryTest, ReplayPreservesRequestBoundaries) {
  auto emu = StartEmulator();
  FaultScript script;
  // Requests 3 and 4 land without acks; request 5 is refused and the connection ends.
  script.events = {FaultEvent(StreamEvent::Kind::kSilence, 3),
                   FaultEvent(StreamEvent::Kind::kUnavailable6002, 5)};
  emu->SetFaultScript(kTestTable, script);
  auto observer = std::make_shared<RecordingObserver>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);

  const std::vector<int64_t> sizes = {1, 5, 17, 3, 40};
  int64_t next_id = 0;
  std::vector<int64_t> first_ids;
  for (size_t i = 0; i < sizes.size(); ++i) {
    first_ids.push_back(next_id);
    ASSERT_TRUE(stream->Send(EventRequest(next_id, sizes[i], /*tag=*/i)).ok());
    next_id += sizes[i];
    if (i == 1) {
      ASSERT_TRUE(stream->Flush().ok());
    }
  }
  ASSERT_TRUE(stream->Flush().ok());

  const auto stats = stream->stats();
  EXPECT_EQ(stats.reconnects, 1);
  EXPECT_EQ(stats.requests_replayed, 3);
  EXPECT_EQ(stats.records_replayed, 17 + 3 + 40);
  // 2 acked + 2 landed unacked on the first connection, then the 3 replayed requests, each
  // whole: the request count grew by exactly the number of replayed requests.
  const auto counters = emu->Counters(kTestTable);
  EXPECT_EQ(counters.requests, 4 + stats.requests_replayed);
  EXPECT_EQ(LandedIds(*emu, kTestTable),
            Concat(Iota(first_ids[4]), Iota(next_id - first_ids[2], first_ids[2])));
  EXPECT_THAT(observer->acked_record_counts(), ElementsAre(1, 5, 17, 3, 40));
  EXPECT_EQ(observer->acked_offsets(), Iota(5));
  ASSERT_TRUE(stream->Close().ok());
}

TEST(StreamRecoveryTest, ExpiredTokenIsReplacedOnReconnect) {
  auto emu = StartEmulator();  // tokens live an hour: only the scripted expiry ends them
  FaultScript script;
  script.events = {FaultEvent(StreamEvent::Kind::kExpireTokens, 2),
                   FaultEvent(StreamEvent::Kind::kKill, 4)};
  emu->SetFaultScript(kTestTable, script);
  auto observer = std::make_shared<RecordingObserver>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);

  for (int i = 0; i < 3; ++i) ASSERT_TRUE(stream->Send(EventRequest(i * 4, 4)).ok());
  // The stream goes on after its token expired; request 4 is then killed.
  ASSERT_TRUE(stream->Flush().ok());
  for (int i = 3; i < 6; ++i) ASSERT_TRUE(stream->Send(EventRequest(i * 4, 4)).ok());
  ASSERT_TRUE(stream->Flush().ok());

  const auto stats = stream->stats();
  EXPECT_EQ(stats.reconnects, 1);
  const auto landed = LandedIds(*emu, kTestTable);
  EXPECT_EQ(landed, Concat(Iota(16), Iota(12, 12)));
  EXPECT_EQ(ExpectLandedAtLeastOnce(landed, 24, stats), 4);
  EXPECT_EQ(observer->acked_offsets(), Iota(6));
  // The cached token was refused once, then a fresh one was minted.
  const auto counters = emu->Counters(kTestTable);
  EXPECT_EQ(counters.streams_refused, 1);
  EXPECT_EQ(counters.streams_created, 2);
  EXPECT_EQ(emu->state().tokens().issued_count(), 2);
  ASSERT_TRUE(stream->Close().ok());
}

TEST(StreamRecoveryTest, SurvivesRepeatedKillsWithDelayedAcks) {
  auto emu = StartEmulator();
  FaultScript script;
  script.kill_every_requests = 15;
  script.ack_delay = milliseconds(2);
  emu->SetFaultScript(kTestTable, script);
  auto observer = std::make_shared<RecordingObserver>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  config.options.max_inflight_requests = 8;
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);

  constexpr int kRequests = 200;
  constexpr int kRecordsPerRequest = 3;
  for (int i = 0; i < kRequests; ++i) {
    auto offset = stream->Send(EventRequest(i * kRecordsPerRequest, kRecordsPerRequest, i));
    ASSERT_TRUE(offset.ok()) << offset.status();
    ASSERT_EQ(*offset, i);
  }
  ASSERT_TRUE(stream->Flush().ok());

  const auto stats = stream->stats();
  EXPECT_EQ(observer->acked_offsets(), Iota(kRequests));
  std::vector<int64_t> tags;
  for (uint64_t tag : observer->acked_tags()) tags.push_back(static_cast<int64_t>(tag));
  EXPECT_EQ(tags, Iota(kRequests));
  EXPECT_TRUE(observer->failed_tags().empty());
  EXPECT_EQ(stats.requests_acked, kRequests);
  ExpectLandedAtLeastOnce(LandedIds(*emu, kTestTable), kRequests * kRecordsPerRequest, stats);
  const auto counters = emu->Counters(kTestTable);
  EXPECT_GE(counters.connections_killed, kRequests / 15);
  EXPECT_EQ(counters.connections_killed, stats.reconnects);
  EXPECT_EQ(counters.streams_created, stats.reconnects + 1);
  ASSERT_TRUE(stream->Close().ok());
}

}  // namespace
}  // namespace arrow_zerobus::testing
