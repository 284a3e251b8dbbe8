// Close signals (stream rotation), in both wire formats: the server announces the end of the
// stream within a duration; the client pauses sending (requests queue), waits for its acks at
// most the duration less the 500 ms drain (capped by stream_paused_max_wait), half-closes and
// applies the acks that still come (up to 500 ms), then reconnects and replays what is left.
// The pause is not a lack of ack. Without recovery the signal is ignored and the server's end
// fails the stream.
#include <chrono>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "stream/stream_test_support.h"
#include "telemetry/instruments.h"
#include "telemetry/tracer.h"

namespace arrow_zerobus::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Kind = emulator::StreamEvent::Kind;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class StreamRotationTest : public StreamTest {};

TEST_P(StreamRotationTest, ByDefaultThePauseEndsOnceEverythingIsAcknowledged) {
  auto emu = StartEmulator();
  // The server would end the stream after 10 s; the client moves on long before.
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kCloseSignal, 2, milliseconds(10000))}));
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  ASSERT_FALSE(config.options.stream_paused_max_wait.has_value());
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  ASSERT_TRUE(SendRows(*stream, 0, 2).ok());
  ASSERT_TRUE(SendRows(*stream, 2, 2).ok());
  ASSERT_TRUE(WaitUntil([&] { return stream->stats().close_signals == 1; }));
  const auto signalled = SteadyClock::now();
  for (int i = 2; i < 5; ++i) ASSERT_TRUE(SendRows(*stream, i * 2, 2).ok());
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_LT(MillisSince(signalled), 1000) << "the client waited for the server's duration";

  // Both requests were acked before the signal: nothing is re-sent, nothing lands twice.
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(10));
  EXPECT_EQ(Offsets(observer->acked()), Iota(5));
  const auto stats = stream->stats();
  EXPECT_EQ(stats.close_signals, 1);
  EXPECT_EQ(stats.reconnects, 1);
  EXPECT_EQ(stats.requests_replayed, 0);
  EXPECT_EQ(emu->Counters(kTestTable).close_signals, 1);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 2);
  ASSERT_TRUE(stream->Close().ok());
}

TEST_P(StreamRotationTest, AZeroMaxWaitReconnectsAtOnce) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kSilence, 1),
                                          FaultEvent(Kind::kCloseSignal, 2, milliseconds(2000))}));
  auto config = OAuthConfig(*emu, kTestTable);
  config.options.stream_paused_max_wait = milliseconds(0);
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  const auto start = SteadyClock::now();
  ASSERT_TRUE(SendRows(*stream, 0, 2).ok());
  ASSERT_TRUE(SendRows(*stream, 2, 2).ok());
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

TEST_P(StreamRotationTest, AMaxWaitShorterThanTheServersDurationCapsThePause) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kSilence, 1),
                                          FaultEvent(Kind::kCloseSignal, 2, milliseconds(2500))}));
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  config.options.stream_paused_max_wait = milliseconds(500);
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  ASSERT_TRUE(SendRows(*stream, 0, 2).ok());
  ASSERT_TRUE(SendRows(*stream, 2, 2).ok());
  ASSERT_TRUE(WaitUntil([&] { return stream->stats().close_signals == 1; }));
  const auto signalled = SteadyClock::now();
  // Sent during the pause: neither blocked nor written on the closing connection.
  auto third = SendRows(*stream, 4, 2);
  auto fourth = SendRows(*stream, 6, 2);
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
  EXPECT_EQ(Offsets(observer->acked()), Iota(4));
  const auto stats = stream->stats();
  EXPECT_EQ(stats.close_signals, 1);
  EXPECT_EQ(stats.reconnects, 1);
  EXPECT_EQ(stats.requests_replayed, 2);
  EXPECT_EQ(stats.records_replayed, 4);
  ASSERT_TRUE(stream->Close().ok());
}

TEST_P(StreamRotationTest, WithoutAMaxWaitThePauseLastsTheDurationLessTheDrain) {
  auto emu = StartEmulator();
  // Acks stop, then the server asks to be left within 2 s: the client waits 1.5 s for acks,
  // then drains and reconnects before the server ends the stream.
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kSilence, 1),
                                          FaultEvent(Kind::kCloseSignal, 2, milliseconds(2000))}));
  telemetry::Instruments instruments(kTestTable, false, 0);
  telemetry::Tracer tracer(100, &instruments);
  auto config = OAuthConfig(*emu, kTestTable);
  config.tracer = &tracer;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  ASSERT_TRUE(SendRows(*stream, 0, 2).ok());
  ASSERT_TRUE(SendRows(*stream, 2, 2).ok());
  ASSERT_TRUE(WaitUntil([&] { return stream->stats().close_signals == 1; }));
  const auto signalled = SteadyClock::now();
  ASSERT_TRUE(stream->Flush().ok());
  const int64_t paused = MillisSince(signalled);
  EXPECT_GE(paused, 1400) << "the pause was shorter than the duration less the drain";
  EXPECT_LT(paused, 1900) << "the client did not leave before the server's deadline";
  EXPECT_EQ(stream->stats().reconnects, 1);
  EXPECT_EQ(stream->stats().requests_replayed, 2);
  EXPECT_EQ(LandedIds(*emu, kTestTable), Concat(Iota(4), Iota(4)));
  std::vector<std::string> reasons;
  for (const SpanData& span : tracer.Take()) {
    for (const auto& [key, value] : span.attributes) {
      if (key == "zerobus.reconnect.reason") reasons.push_back(std::get<std::string>(value));
    }
  }
  EXPECT_THAT(reasons, ElementsAre(HasSubstr("close signal"))) << "the server ended it first";
  ASSERT_TRUE(stream->Close().ok());
}

TEST_P(StreamRotationTest, RotationHalfClosesAndAppliesTheAcksThatFollow) {
  auto emu = StartEmulator();
  emulator::FaultScript script = Script({FaultEvent(Kind::kCloseSignal, 1, milliseconds(10000))});
  // The signal arrives before the ack, which comes while the half-closed connection drains.
  script.ack_delay = milliseconds(150);
  emu->SetFaultScript(kTestTable, script);
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  config.options.stream_paused_max_wait = milliseconds(0);
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(SendRows(*stream, 0, 5).ok());
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_TRUE(WaitUntil([&] { return stream->stats().reconnects == 1; }));

  const auto stats = stream->stats();
  EXPECT_EQ(stats.close_signals, 1);
  EXPECT_EQ(stats.requests_replayed, 0) << "the drained ack completed the request";
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(5));
  ASSERT_EQ(observer->acked().size(), 1u);
  EXPECT_EQ(observer->acked()[0].sends, 1);
  ASSERT_TRUE(stream->Close().ok());
}

TEST_P(StreamRotationTest, ThePauseIsNotALackOfAck) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kSilence, 1),
                                          FaultEvent(Kind::kCloseSignal, 2, milliseconds(5000))}));
  telemetry::Instruments instruments(kTestTable, false, 0);
  telemetry::Tracer tracer(100, &instruments);
  auto config = OAuthConfig(*emu, kTestTable);
  config.tracer = &tracer;
  config.options.server_lack_of_ack_timeout = milliseconds(300);
  config.options.stream_paused_max_wait = milliseconds(900);
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  ASSERT_TRUE(SendRows(*stream, 0, 2).ok());
  ASSERT_TRUE(SendRows(*stream, 2, 2).ok());
  ASSERT_TRUE(WaitUntil([&] { return stream->stats().close_signals == 1; }));
  const auto signalled = SteadyClock::now();
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_GE(MillisSince(signalled), 850) << "something ended the pause early";
  EXPECT_EQ(stream->stats().reconnects, 1);
  std::vector<std::string> reasons;
  for (const SpanData& span : tracer.Take()) {
    for (const auto& [key, value] : span.attributes) {
      if (key == "zerobus.reconnect.reason") reasons.push_back(std::get<std::string>(value));
    }
  }
  EXPECT_THAT(reasons, ElementsAre(HasSubstr("close signal")));
  ASSERT_TRUE(stream->Close().ok());
}

TEST_P(StreamRotationTest, CloseDuringTheReconnectAfterASignalEndsTheStreamCleanly) {
  auto emu = StartEmulator();
  // Every create reply takes 300 ms; the signal comes with the first ack, so the client is
  // reconnecting when Close is called.
  emulator::FaultScript script = Script({FaultEvent(Kind::kCloseSignal, 1, milliseconds(10000))});
  script.create_delay = milliseconds(300);
  emu->SetFaultScript(kTestTable, script);
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  config.options.stream_paused_max_wait = milliseconds(0);
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(SendRows(*stream, 0, 2).ok());
  ASSERT_TRUE(stream->Flush().ok());
  ASSERT_TRUE(WaitUntil([&] { return stream->stats().reconnects == 1; }));

  const auto start = SteadyClock::now();
  const Status closed = stream->Close();
  EXPECT_TRUE(closed.ok()) << closed;
  EXPECT_LT(MillisSince(start), 1500);
  EXPECT_TRUE(stream->status().ok()) << stream->status();
  EXPECT_EQ(SendRows(*stream, 2, 1).status().code(), StatusCode::kFailedPrecondition);
  const auto created = emu->Counters(kTestTable).streams_created;
  EXPECT_LE(created, 2) << "Close started another connection";
  EXPECT_EQ(stream->stats().reconnects, 1) << "the stream reconnected after Close began";
  EXPECT_EQ(Offsets(observer->acked()), Iota(1));
  EXPECT_TRUE(observer->failed().empty());
}

TEST_P(StreamRotationTest, WithoutRecoveryTheSignalIsIgnoredAndTheServersEndFailsTheStream) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kCloseSignal, 1, milliseconds(300))}));
  auto config = OAuthConfig(*emu, kTestTable);
  config.options.recovery = false;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(SendRows(*stream, 0, 5).ok());
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_TRUE(WaitUntil([&] { return !stream->status().ok(); }));
  EXPECT_EQ(stream->status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(stream->status().message(), HasSubstr("6002"));
  EXPECT_EQ(stream->stats().close_signals, 1);
  EXPECT_EQ(stream->stats().reconnects, 0);
  EXPECT_EQ(stream->Close(), stream->status());
}

INSTANTIATE_BOTH_FORMATS(StreamRotationTest);

}  // namespace
}  // namespace arrow_zerobus::testing
