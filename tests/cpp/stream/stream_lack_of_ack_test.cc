// The lack-of-ack timer, in both wire formats (stream_options.h): while requests are
// unacknowledged, no ack progress for server_lack_of_ack_timeout, counted from the later of the
// last progress and the oldest unacknowledged request's write, breaks the connection (reconnect
// and replay). Idle streams never time out; newer writes do not postpone the timer; an idle spell
// before a request does not count against it; steady progress keeps a slow stream alive.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "stream/stream_test_support.h"
#include "telemetry/instruments.h"
#include "telemetry/tracer.h"

namespace arrow_zerobus::testing {
namespace {

using ::testing::HasSubstr;
using Kind = emulator::StreamEvent::Kind;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class StreamLackOfAckTest : public StreamTest {
 protected:
  // Five requests of three rows, sent after the open stream idled for `idle_first`; acks stop
  // once the server has `silence_after` requests, for the rest of the connection. The
  // lack-of-ack timeout must reconnect and replay.
  void RunLackOfAckScenario(int64_t silence_after, milliseconds idle_first) {
    auto emu = StartEmulator();
    emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kSilence, silence_after)}));
    auto observer = std::make_shared<Resolutions>();
    auto config = OAuthConfig(*emu, kTestTable);
    config.observer = observer;
    config.options.server_lack_of_ack_timeout = milliseconds(200);
    config.options.flush_timeout = milliseconds(2500);
    auto stream = Open(config);
    ASSERT_NE(stream, nullptr);
    std::this_thread::sleep_for(idle_first);

    const auto start = SteadyClock::now();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(SendRows(*stream, i * 3, 3).ok());
    const Status flushed = stream->Flush();
    ASSERT_TRUE(flushed.ok()) << flushed << " (reconnects: " << stream->stats().reconnects << ")";
    EXPECT_GE(MillisSince(start), 200);

    const auto stats = stream->stats();
    EXPECT_EQ(stats.reconnects, 1);
    EXPECT_EQ(Offsets(observer->acked()), Iota(5));
    const int64_t duplicates =
        ExpectLandedAtLeastOnce(LandedIds(*emu, kTestTable), 15, stats.records_replayed);
    // At least the requests from `silence_after` on landed on the silent connection unacked.
    EXPECT_GE(duplicates, (5 - silence_after + 1) * 3);
    EXPECT_EQ(emu->Counters(kTestTable).streams_created, 2);
    ASSERT_TRUE(stream->Close().ok());
  }
};

TEST_P(StreamLackOfAckTest, RecoversAfterAcksStop) { RunLackOfAckScenario(2, milliseconds(0)); }

// No message at all after the opening reply: nothing but the client's own timer can notice.
TEST_P(StreamLackOfAckTest, RecoversWhenNoAckEverArrives) {
  RunLackOfAckScenario(1, milliseconds(0));
}

// The same once the stream has been idle: the timer must start with the first request written,
// not only when some server message wakes the supervisor.
TEST_P(StreamLackOfAckTest, RecoversWhenNoAckArrivesAfterIdling) {
  RunLackOfAckScenario(1, milliseconds(100));
}

TEST_P(StreamLackOfAckTest, TheReconnectIsTracedWithTheLackOfAckAsItsReason) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kSilence, 1)}));
  telemetry::Instruments instruments(kTestTable, false, 0);
  telemetry::Tracer tracer(100, &instruments);
  auto config = OAuthConfig(*emu, kTestTable);
  config.options.server_lack_of_ack_timeout = milliseconds(300);
  config.tracer = &tracer;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  const auto start = SteadyClock::now();
  ASSERT_TRUE(SendRows(*stream, 0, 10).ok());
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_GE(MillisSince(start), 300);

  const auto stats = stream->stats();
  EXPECT_EQ(stats.reconnects, 1);
  EXPECT_EQ(stats.records_replayed, 10);
  EXPECT_EQ(ExpectLandedAtLeastOnce(LandedIds(*emu, kTestTable), 10, stats.records_replayed), 10);
  std::string reason;
  for (const SpanData& span : tracer.Take()) {
    for (const auto& [key, value] : span.attributes) {
      if (key == "zerobus.reconnect.reason") reason = std::get<std::string>(value);
    }
  }
  EXPECT_THAT(reason, HasSubstr("Server ack timeout"));
  EXPECT_THAT(reason, HasSubstr("300 ms"));
}

TEST_P(StreamLackOfAckTest, AnIdleStreamNeverTimesOut) {
  auto emu = StartEmulator();
  auto config = OAuthConfig(*emu, kTestTable);
  config.options.server_lack_of_ack_timeout = milliseconds(50);
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(SendRows(*stream, 0, 1).ok());
  ASSERT_TRUE(stream->Flush().ok());

  // Nothing pending: no timer runs, however long the server stays quiet.
  EXPECT_FALSE(WaitUntil([&] { return stream->stats().reconnects > 0; }, milliseconds(400)));
  ASSERT_TRUE(SendRows(*stream, 1, 1).ok());
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_EQ(stream->stats().reconnects, 0);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 1);
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(2));
  ASSERT_TRUE(stream->Close().ok());
}

TEST_P(StreamLackOfAckTest, NewerWritesDoNotPostponeTheTimeout) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kSilence, 1)}));
  auto config = OAuthConfig(*emu, kTestTable);
  config.options.server_lack_of_ack_timeout = milliseconds(400);
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  // A request every 100 ms for 1.2 s: the newest write is never 400 ms old, the oldest
  // unacknowledged one is at 400 ms.
  const auto start = SteadyClock::now();
  int64_t reconnected_at = -1;
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(SendRows(*stream, i, 1).ok());
    std::this_thread::sleep_for(milliseconds(100));
    if (reconnected_at < 0 && stream->stats().reconnects > 0) reconnected_at = MillisSince(start);
  }
  EXPECT_GE(reconnected_at, 400) << "the timer fired before it was due";
  EXPECT_GT(reconnected_at, 0) << "writes kept postponing the timer";
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_EQ(stream->stats().reconnects, 1);
  ExpectLandedAtLeastOnce(LandedIds(*emu, kTestTable), 12, stream->stats().records_replayed);
  ASSERT_TRUE(stream->Close().ok());
}

TEST_P(StreamLackOfAckTest, AnIdleSpellBeforeARequestDoesNotCountAgainstIt) {
  auto emu = StartEmulator();
  emulator::FaultScript script;
  script.ack_delay = milliseconds(100);
  emu->SetFaultScript(kTestTable, script);
  auto config = OAuthConfig(*emu, kTestTable);
  config.options.server_lack_of_ack_timeout = milliseconds(300);
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(SendRows(*stream, 0, 1).ok());
  ASSERT_TRUE(stream->Flush().ok());

  // The last progress is now twice the timeout ago; the next request's ack takes 100 ms.
  std::this_thread::sleep_for(milliseconds(600));
  ASSERT_TRUE(SendRows(*stream, 1, 1).ok());
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_EQ(stream->stats().reconnects, 0) << "the timer counted from the last progress";
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(2));
  ASSERT_TRUE(stream->Close().ok());
}

TEST_P(StreamLackOfAckTest, SteadyProgressKeepsASlowStreamAlive) {
  auto emu = StartEmulator();
  emulator::FaultScript script;
  script.ack_delay = milliseconds(150);
  emu->SetFaultScript(kTestTable, script);
  auto config = OAuthConfig(*emu, kTestTable);
  config.options.server_lack_of_ack_timeout = milliseconds(450);
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  // Always something unacknowledged for about 1.3 s, but never without progress for long.
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(SendRows(*stream, i, 1).ok());
    std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_EQ(stream->stats().reconnects, 0);
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(12));
  ASSERT_TRUE(stream->Close().ok());
}

INSTANTIATE_BOTH_FORMATS(StreamLackOfAckTest);

}  // namespace
}  // namespace arrow_zerobus::testing
