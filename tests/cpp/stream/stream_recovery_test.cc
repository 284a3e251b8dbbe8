// Recovery, in both wire formats: a retryable failure (a refused request, 6002, a cut
// connection) reconnects and replays only what is unacknowledged, with logical offsets kept;
// without recovery the stream fails. Delivery is at-least-once: a request that landed but whose
// ack was lost lands again, and records_replayed bounds those duplicates. One retry budget
// serves an episode of trouble (failed connects and connections failing before any ack count
// together) and an ack that makes progress starts a new one; the default budget is time-based
// and outlasts a server restart of seconds. Arrow only: a partly acknowledged request is
// replayed from its first unacknowledged row.
#include <chrono>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "flight/flight_put_protocol.h"
#include "stream/stream_test_support.h"
#include "telemetry/instruments.h"
#include "telemetry/tracer.h"
#include "testing/flight_client.h"

namespace arrow_zerobus::testing {
namespace {

using ::testing::HasSubstr;
using Kind = emulator::StreamEvent::Kind;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class StreamRecoveryTest : public StreamTest {
 protected:
  /// Sends `count` requests of 2 rows (ids from 0, tags = offsets), then flushes.
  void SendPairsAndFlush(stream::StreamEngine& stream, int count) {
    for (int i = 0; i < count; ++i) {
      auto offset = SendRows(stream, i * 2, 2, /*tag=*/i);
      ASSERT_TRUE(offset.ok()) << offset.status();
      EXPECT_EQ(*offset, i);
    }
    const Status flushed = stream.Flush();
    ASSERT_TRUE(flushed.ok()) << flushed;
  }
};

TEST_P(StreamRecoveryTest, RecoversFromUnavailable6002) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kUnavailable6002, 3)}));
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);
  SendPairsAndFlush(*stream, 10);

  // The refused request did not land and the server read nothing after it: exactly once.
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(20));
  EXPECT_EQ(Offsets(observer->acked()), Iota(10));
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

TEST_P(StreamRecoveryTest, RecoversFromARetryableErrorEvent) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, Script({ErrorEvent(3, StatusCode::kUnavailable, "try again")}));
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);
  SendPairsAndFlush(*stream, 8);

  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(16));
  const auto acked = observer->acked();
  ASSERT_EQ(Offsets(acked), Iota(8));
  const auto stats = stream->stats();
  EXPECT_EQ(stats.reconnects, 1);
  EXPECT_GE(stats.requests_replayed, 1);
  EXPECT_EQ(stats.requests_sent, 8 + stats.requests_replayed);
  EXPECT_EQ(acked[2].sends, 2) << "the refused request went out twice";
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 2);
  EXPECT_TRUE(stream->status().ok());
}

TEST_P(StreamRecoveryTest, AKilledConnectionReplaysOnlyWhatWasNotAcknowledged) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kKill, 3)}));
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  // Requests 1 and 2 are acked before the third is sent, so only the third lands unacked.
  ASSERT_TRUE(SendRows(*stream, 0, 10).ok());
  ASSERT_TRUE(SendRows(*stream, 10, 10).ok());
  ASSERT_TRUE(stream->Flush().ok());
  for (int i = 2; i < 6; ++i) ASSERT_TRUE(SendRows(*stream, i * 10, 10).ok());
  ASSERT_TRUE(stream->Flush().ok());

  const auto landed = LandedIds(*emu, kTestTable);
  EXPECT_EQ(landed, Concat(Iota(30), Iota(40, 20)));
  const auto stats = stream->stats();
  EXPECT_EQ(ExpectLandedAtLeastOnce(landed, 60, stats.records_replayed), 10);
  EXPECT_EQ(stats.reconnects, 1);
  EXPECT_LE(stats.requests_replayed, 4) << "requests 2 to 5 at most";
  const auto acked = observer->acked();
  ASSERT_EQ(Offsets(acked), Iota(6));
  EXPECT_EQ(acked[0].sends, 1);
  EXPECT_EQ(acked[1].sends, 1);
  EXPECT_EQ(acked[2].sends, 2) << "the request the server cut off on";
  EXPECT_EQ(emu->Counters(kTestTable).connections_killed, 1);
  ASSERT_TRUE(stream->Close().ok());
}

TEST_P(StreamRecoveryTest, WithoutRecoveryAFailureFailsTheStream) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kUnavailable6002, 2)}));
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  config.options.recovery = false;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  // The failure arrives with the second request; on a busy machine it can end the stream
  // before the client has written the third, which Send then refuses with the same error.
  int accepted = 0;
  for (; accepted < 4; ++accepted) {
    auto sent = SendRows(*stream, accepted, 1, /*tag=*/accepted);
    if (!sent.ok()) {
      EXPECT_EQ(sent.status().code(), StatusCode::kUnavailable) << sent.status();
      break;
    }
  }
  ASSERT_GE(accepted, 2);
  const Status flushed = stream->Flush();
  EXPECT_EQ(flushed.code(), StatusCode::kUnavailable) << flushed;
  EXPECT_THAT(flushed.message(), HasSubstr("Error Code: 6002"));
  EXPECT_EQ(stream->status(), flushed);

  ASSERT_TRUE(observer->WaitForResolved(accepted));
  EXPECT_EQ(Tags(observer->acked()), TagRange(1));
  EXPECT_EQ(Tags(observer->failed()), TagRange(accepted - 1, 1));
  for (const Status& failure : observer->failures()) EXPECT_EQ(failure, flushed);
  EXPECT_EQ(stream->stats().reconnects, 0);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 1);
  EXPECT_EQ(SendRows(*stream, 9, 1).status(), flushed);
  auto unacked = stream->TakeUnacked();
  ASSERT_TRUE(unacked.ok()) << unacked.status();
  ASSERT_EQ(unacked->size(), static_cast<size_t>(accepted - 1));
  EXPECT_EQ(unacked->front().request.tag, 1u);
  EXPECT_EQ(UnackedIds(stream->protocol(), *unacked), Iota(accepted - 1, 1));
  EXPECT_EQ(stream->Close(), flushed);
}

TEST_P(StreamRecoveryTest, ReplayPreservesRequestBoundaries) {
  auto emu = StartEmulator();
  // Requests 3 and 4 land without acks; request 5 is refused and the connection ends.
  emu->SetFaultScript(
      kTestTable, Script({FaultEvent(Kind::kSilence, 3), FaultEvent(Kind::kUnavailable6002, 5)}));
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  const std::vector<int64_t> sizes = {1, 5, 17, 3, 40};
  int64_t next_id = 0;
  std::vector<int64_t> first_ids;
  for (size_t i = 0; i < sizes.size(); ++i) {
    first_ids.push_back(next_id);
    ASSERT_TRUE(SendRows(*stream, next_id, sizes[i], /*tag=*/i).ok());
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
  EXPECT_EQ(emu->Counters(kTestTable).requests, 4 + stats.requests_replayed);
  EXPECT_EQ(LandedIds(*emu, kTestTable),
            Concat(Iota(first_ids[4]), Iota(next_id - first_ids[2], first_ids[2])));
  std::vector<int64_t> counts;
  for (const auto& acked : observer->acked()) counts.push_back(acked.record_count);
  EXPECT_EQ(counts, sizes);
  EXPECT_EQ(Offsets(observer->acked()), Iota(5));
  ASSERT_TRUE(stream->Close().ok());
}

TEST_P(StreamRecoveryTest, SurvivesRepeatedKillsWithDelayedAcks) {
  auto emu = StartEmulator();
  emulator::FaultScript script;
  script.kill_every_requests = 15;
  script.ack_delay = milliseconds(2);
  emu->SetFaultScript(kTestTable, script);
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  config.options.max_inflight_requests = 8;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  constexpr int kRequests = 200;
  constexpr int kRowsPerRequest = 3;
  for (int i = 0; i < kRequests; ++i) {
    auto offset = SendRows(*stream, i * kRowsPerRequest, kRowsPerRequest, i);
    ASSERT_TRUE(offset.ok()) << offset.status();
    ASSERT_EQ(*offset, i);
  }
  ASSERT_TRUE(stream->Flush().ok());

  const auto stats = stream->stats();
  EXPECT_EQ(Offsets(observer->acked()), Iota(kRequests));
  EXPECT_EQ(Tags(observer->acked()), TagRange(kRequests));
  EXPECT_TRUE(observer->failed().empty());
  EXPECT_EQ(stats.requests_acked, kRequests);
  ExpectLandedAtLeastOnce(LandedIds(*emu, kTestTable), kRequests * kRowsPerRequest,
                          stats.records_replayed);
  const auto counters = emu->Counters(kTestTable);
  EXPECT_GE(counters.connections_killed, kRequests / 15);
  EXPECT_EQ(counters.connections_killed, stats.reconnects);
  EXPECT_EQ(counters.streams_created, stats.reconnects + 1);
  ASSERT_TRUE(stream->Close().ok());
}

// ---- the retry budget ----

TEST_P(StreamRecoveryTest, ExhaustedRecoveryFailsEveryPendingRequestWithTheError) {
  auto emu = StartEmulator();
  emulator::FaultScript script = Script({ErrorEvent(1, StatusCode::kUnavailable, "going down")});
  const auto refused = Refuse(StatusCode::kUnavailable, "still down");
  script.create_faults = {Accept(), refused, refused, refused, refused, refused, refused};
  emu->SetFaultScript(kTestTable, script);
  auto observer = std::make_shared<Resolutions>();
  telemetry::Instruments instruments(kTestTable, false, 0);
  auto config = OAuthConfig(*emu, kTestTable);  // LimitedAttemptsRetryPolicy(4)
  config.observer = observer;
  config.instruments = &instruments;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  for (int i = 0; i < 3; ++i) ASSERT_TRUE(SendRows(*stream, i * 4, 4, i).ok());
  const Status flushed = stream->Flush();
  EXPECT_EQ(flushed.kind(), ErrorKind::kRetriesExhausted) << flushed;
  EXPECT_EQ(flushed.code(), StatusCode::kUnavailable) << flushed;
  EXPECT_FALSE(flushed.retryable());
  // The refused request and three refused creates: four attempts in one episode.
  EXPECT_THAT(flushed.message(), HasSubstr("after 4 attempt(s)"));
  EXPECT_THAT(flushed.message(), HasSubstr("still down"));
  EXPECT_EQ(stream->status(), flushed);
  ASSERT_TRUE(observer->WaitForResolved(3));
  EXPECT_EQ(Tags(observer->failed()), TagRange(3));
  for (const Status& failure : observer->failures()) EXPECT_EQ(failure, flushed);
  EXPECT_TRUE(observer->acked().empty());
  EXPECT_EQ(SendRows(*stream, 12, 1).status(), flushed);
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 3);
  EXPECT_EQ(SumOf(instruments, "zerobus.client.reconnects"), 1);
  // Attempts beyond the first within the reconnect.
  EXPECT_EQ(SumOf(instruments, "zerobus.client.connect.retries"), 2);
  EXPECT_EQ(SumOf(instruments, "zerobus.client.inflight.requests"), 0);

  auto unacked = stream->TakeUnacked();
  ASSERT_TRUE(unacked.ok()) << unacked.status();
  EXPECT_EQ(UnackedIds(stream->protocol(), *unacked), Iota(12));
  const auto closing = SteadyClock::now();
  EXPECT_EQ(stream->Close(), flushed);
  EXPECT_EQ(stream->Close(), flushed) << "idempotent";
  EXPECT_LT(MillisSince(closing), 200);
}

TEST_P(StreamRecoveryTest, ConnectionsThatFailBeforeAnyAckShareOneRetryBudget) {
  auto emu = StartEmulator();
  // Every connection opens fine and refuses its first request: no connect ever fails, so only
  // a budget spanning connections can end this.
  std::vector<emulator::StreamEvent> events;
  for (int i = 0; i < 10; ++i) events.push_back(ErrorEvent(1, StatusCode::kUnavailable, "flap"));
  emu->SetFaultScript(kTestTable, Script(events));
  auto config = OAuthConfig(*emu, kTestTable);
  config.options.retry_policy = std::make_shared<retry::LimitedAttemptsRetryPolicy>(3);
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  ASSERT_TRUE(SendRows(*stream, 0, 2).ok());
  const Status flushed = stream->Flush();
  EXPECT_EQ(flushed.kind(), ErrorKind::kRetriesExhausted) << flushed;
  EXPECT_THAT(flushed.message(), HasSubstr("after 3 attempt(s)"));
  EXPECT_THAT(flushed.message(), HasSubstr("flap"));
  EXPECT_EQ(stream->stats().reconnects, 2);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 3);
}

TEST_P(StreamRecoveryTest, AnAckThatMakesProgressStartsANewRetryBudget) {
  auto emu = StartEmulator();
  // Each connection acknowledges its first request (the replay of the one cut off before) and
  // is cut at its second: three failures, each in an episode of its own.
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kKill, 2), FaultEvent(Kind::kKill, 2),
                                          FaultEvent(Kind::kKill, 2)}));
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  config.options.retry_policy = std::make_shared<retry::LimitedAttemptsRetryPolicy>(2);
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(SendRows(*stream, i * 2, 2, i).ok());
    const Status acked = stream->WaitForOffset(i);
    ASSERT_TRUE(acked.ok()) << "request " << i << ": " << acked;
  }
  EXPECT_EQ(stream->stats().reconnects, 3);
  EXPECT_EQ(emu->Counters(kTestTable).connections_killed, 3);
  EXPECT_EQ(Offsets(observer->acked()), Iota(5));
  ExpectLandedAtLeastOnce(LandedIds(*emu, kTestTable), 10, stream->stats().records_replayed);
  EXPECT_TRUE(stream->Close().ok());
}

// The server goes away (a cut connection) and refuses every create for about two seconds, as
// while it restarts: the default budget (time-based, tens of seconds) rides it out.
emulator::FaultScript ServerRestart() {
  emulator::FaultScript script = Script({FaultEvent(Kind::kKill, 3)});
  script.create_faults = {Accept()};
  for (int i = 0; i < 8; ++i) {
    script.create_faults.push_back(
        Refuse(StatusCode::kUnavailable, "restarting", milliseconds(250)));
  }
  return script;
}

class StreamRestartTest : public StreamRecoveryTest {
 protected:
  /// A server restart (ServerRestart) under `policy`: every row lands.
  void ExpectRidesOutARestart(std::shared_ptr<const retry::RetryPolicy> policy) {
    auto emu = StartEmulator();
    emu->SetFaultScript(kTestTable, ServerRestart());
    auto observer = std::make_shared<Resolutions>();
    auto config = OAuthConfig(*emu, kTestTable);
    config.observer = observer;
    config.options.retry_policy = std::move(policy);  // the backoff stays short for the test
    auto stream = Open(config);
    ASSERT_NE(stream, nullptr);

    const auto start = SteadyClock::now();
    SendPairsAndFlush(*stream, 10);
    EXPECT_GE(MillisSince(start), 8 * 250) << "the restart was shorter than scripted";
    EXPECT_EQ(Offsets(observer->acked()), Iota(10));
    EXPECT_TRUE(observer->failed().empty());
    const auto stats = stream->stats();
    EXPECT_EQ(stats.reconnects, 1);
    ExpectLandedAtLeastOnce(LandedIds(*emu, kTestTable), 20, stats.records_replayed);
    EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 8);
    EXPECT_TRUE(stream->Close().ok());
  }

  /// A server restart under `policy`, which allows two attempts: the stream fails after the cut
  /// connection and one refused create, naming the limit.
  void ExpectGivesUpDuringARestart(std::shared_ptr<const retry::RetryPolicy> policy,
                                   const std::string& limit) {
    auto emu = StartEmulator();
    emu->SetFaultScript(kTestTable, ServerRestart());
    auto observer = std::make_shared<Resolutions>();
    auto config = OAuthConfig(*emu, kTestTable);
    config.observer = observer;
    config.options.retry_policy = std::move(policy);
    auto stream = Open(config);
    ASSERT_NE(stream, nullptr);

    for (int i = 0; i < 5; ++i) ASSERT_TRUE(SendRows(*stream, i * 2, 2, i).ok());
    const Status flushed = stream->Flush();
    EXPECT_EQ(flushed.kind(), ErrorKind::kRetriesExhausted) << flushed;
    EXPECT_EQ(flushed.code(), StatusCode::kUnavailable) << flushed;
    EXPECT_THAT(flushed.message(), HasSubstr("after 2 attempt(s)"));
    EXPECT_THAT(flushed.message(), HasSubstr("retry limit: " + limit));
    EXPECT_THAT(flushed.message(), HasSubstr("restarting"));
    EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 1);
    ASSERT_TRUE(observer->WaitForResolved(5));
    EXPECT_EQ(observer->acked().size() + observer->failed().size(), 5u);
    EXPECT_GE(observer->failed().size(), 3u) << "the cut request and those after it";
    for (const Status& failure : observer->failures()) EXPECT_EQ(failure, flushed);
  }
};

TEST_P(StreamRestartTest, TheDefaultRecoveryBudgetOutlastsAServerRestartOfSeconds) {
  const stream::StreamOptions defaults;
  EXPECT_EQ(defaults.retry_policy->DescribeLimit(), "60000 ms");
  EXPECT_EQ(stream::kDefaultRecoveryTimeout, milliseconds(60000));
  ExpectRidesOutARestart(defaults.retry_policy);
}

TEST_P(StreamRestartTest, TheWrappersTimeOnlyBudgetOutlastsAServerRestartOfSeconds) {
  ExpectRidesOutARestart(std::make_shared<retry::RecoveryBudgetPolicy>(0, milliseconds(60000)));
}

TEST_P(StreamRestartTest, AnAttemptLimitedBudgetGivesUpDuringTheRestartNamingTheAttempts) {
  ExpectGivesUpDuringARestart(std::make_shared<retry::LimitedAttemptsRetryPolicy>(2), "2 attempts");
  ExpectGivesUpDuringARestart(std::make_shared<retry::RecoveryBudgetPolicy>(2, milliseconds(60000)),
                              "60000 ms or 2 attempts");
}

INSTANTIATE_BOTH_FORMATS(StreamRestartTest);

// ---- telemetry ----

TEST_P(StreamRecoveryTest, ReportsConnectsAndRequestsToTelemetry) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, Script({ErrorEvent(3, StatusCode::kUnavailable, "flap")}));
  telemetry::Instruments instruments(kTestTable, false, 0);
  telemetry::Tracer tracer(100, &instruments);
  const SpanContext parent = telemetry::Tracer::NewContext({});
  auto config = OAuthConfig(*emu, kTestTable);
  config.instruments = &instruments;
  config.tracer = &tracer;
  config.trace_parent = parent;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);
  SendPairsAndFlush(*stream, 5);

  const auto stats = stream->stats();
  EXPECT_EQ(SumOf(instruments, "zerobus.client.requests"), stats.requests_sent);
  EXPECT_EQ(SumOf(instruments, "zerobus.client.requests.replayed"), stats.requests_replayed);
  EXPECT_GE(stats.requests_replayed, 1);
  EXPECT_EQ(SumOf(instruments, "zerobus.client.reconnects"), 1);
  // The reconnect opened at its first attempt: nothing was retried.
  EXPECT_EQ(SumOf(instruments, "zerobus.client.connect.retries"), 0);
  EXPECT_EQ(SumOf(instruments, "zerobus.client.inflight.requests"), 0);
  EXPECT_EQ(SumOf(instruments, "zerobus.client.inflight.bytes"), 0);

  std::vector<SpanData> connects;
  for (SpanData& span : tracer.Take()) {
    if (span.name == "zerobus.connect") connects.push_back(std::move(span));
  }
  ASSERT_EQ(connects.size(), 2u);
  EXPECT_EQ(connects[0].context.trace_id, parent.trace_id) << "the first joins the caller's trace";
  EXPECT_EQ(connects[0].parent_span_id, parent.span_id);
  EXPECT_EQ(connects[0].kind, SpanData::Kind::kClient);
  EXPECT_NE(connects[1].context.trace_id, parent.trace_id) << "a reconnect has no caller";
  // Each connection told the server its span; the emulator keeps the latest.
  EXPECT_EQ(emu->state().LastCaller(kTestTable).traceparent, connects[1].context.traceparent());
  EXPECT_THAT(emu->state().LastCaller(kTestTable).user_agent, HasSubstr("arrow-zerobus-cpp/"));
  ASSERT_TRUE(stream->Close().ok());
}

INSTANTIATE_BOTH_FORMATS(StreamRecoveryTest);

// ---- Arrow only: requests acknowledged row by row ----

/// The rows of the first IPC message that `rows` rows of ArrowEventBatch make under `ipc`.
int64_t FirstMessageRows(int64_t rows, const flight::IpcPayloadOptions& ipc) {
  auto encoder = flight::IpcPayloadEncoder::Make(ArrowEventSchema(), ipc);
  EXPECT_TRUE(encoder.ok()) << encoder.status();
  auto messages = encoder->EncodeBatch(*ArrowEventBatch(0, rows));
  EXPECT_TRUE(messages.ok()) << messages.status();
  EXPECT_GE(messages->size(), 3u) << "the test needs a request of several messages";
  return messages->front().num_rows;
}

/// An Arrow stream whose IPC messages hold at most 4 KiB of body, so 1000 rows make several.
std::unique_ptr<stream::StreamEngine> OpenSplittingArrowStream(stream::StreamConfig config) {
  flight::IpcPayloadOptions ipc;
  ipc.max_body_bytes = 4096;
  auto opened =
      stream::StreamEngine::Open(std::move(config), EventProtocol(TestFormat::kArrow, ipc));
  EXPECT_TRUE(opened.ok()) << opened.status();
  return opened.ok() ? std::move(opened).value() : nullptr;
}

TEST(ArrowStreamRecoveryTest, APartlyAcknowledgedRequestIsReplayedSlicedToItsUnacknowledgedRows) {
  auto emu = ArrowEventsEmulator();
  // The request's first message lands and is acked; its second is refused (acks already due
  // still go out), so the server holds exactly the first message's rows.
  emu->SetFaultScript(kTestTable, Script({ErrorEvent(2, StatusCode::kUnavailable, "hiccup")}));
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  flight::IpcPayloadOptions ipc;
  ipc.max_body_bytes = 4096;
  const int64_t rows = 1000;
  const int64_t first_message_rows = FirstMessageRows(rows, ipc);
  auto stream = OpenSplittingArrowStream(config);
  ASSERT_NE(stream, nullptr);

  ASSERT_TRUE(stream->Send(EventRows(stream->protocol(), 0, rows, /*tag=*/42)).ok());
  ASSERT_TRUE(stream->Flush().ok());

  // Only the unacknowledged rows were re-sent, so every row landed exactly once.
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(rows));
  const auto stats = stream->stats();
  EXPECT_EQ(stats.reconnects, 1);
  EXPECT_EQ(stats.requests_replayed, 1);
  EXPECT_EQ(stats.records_replayed, rows - first_message_rows);
  const auto acked = observer->acked();
  ASSERT_EQ(acked.size(), 1u) << "still one request to the observer";
  EXPECT_EQ(acked[0].tag, 42u);
  EXPECT_EQ(acked[0].record_count, rows);
  EXPECT_EQ(acked[0].sends, 2);
}

TEST(ArrowStreamRecoveryTest,
     AfterAPermanentFailureOnlyTheUnackedRowsOfAPartlyAckedRequestAreLeft) {
  auto emu = ArrowEventsEmulator();
  emu->SetFaultScript(kTestTable, Script({ErrorEvent(2, StatusCode::kInvalidArgument, "bad row")}));
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  flight::IpcPayloadOptions ipc;
  ipc.max_body_bytes = 4096;
  const int64_t rows = 1000;
  const int64_t first_message_rows = FirstMessageRows(rows, ipc);
  auto stream = OpenSplittingArrowStream(config);
  ASSERT_NE(stream, nullptr);

  ASSERT_TRUE(stream->Send(EventRows(stream->protocol(), 0, rows, /*tag=*/1)).ok());
  const Status flushed = stream->Flush();
  EXPECT_EQ(flushed.code(), StatusCode::kInvalidArgument) << flushed;
  EXPECT_FALSE(flushed.retryable());
  EXPECT_THAT(flushed.message(), HasSubstr("bad row"));
  EXPECT_EQ(stream->stats().reconnects, 0);
  ASSERT_EQ(observer->failed().size(), 1u);
  EXPECT_EQ(observer->failed()[0].record_count, rows);

  auto unacked = stream->TakeUnacked();
  ASSERT_TRUE(unacked.ok()) << unacked.status();
  ASSERT_EQ(unacked->size(), 1u);
  EXPECT_EQ((*unacked)[0].request.tag, 1u);
  EXPECT_EQ((*unacked)[0].durable_units, first_message_rows);
  EXPECT_EQ(UnackedIds(stream->protocol(), *unacked),
            Iota(rows - first_message_rows, first_message_rows));
}

}  // namespace
}  // namespace arrow_zerobus::testing
