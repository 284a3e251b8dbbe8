// Every wait of ZerobusWrapper is bounded, in both wire formats (issue 13, section 2). Against a
// server that accepts streams but never acknowledges, send_batch, flush and shutdown end within a
// bound computed from the settings, every row failed with the cause and none reported landed; a
// server that is down for a few seconds costs only replays with the default retry settings; an
// ack that goes back or beyond what was sent fails the rows it concerns with a non-retryable
// protocol error, and the next batch opens a new stream.
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

using emulator::FaultScript;
using Kind = emulator::StreamEvent::Kind;
using ::testing::AnyOf;
using ::testing::HasSubstr;

/// What a loaded 2-core machine may add to a bound: thread wake-ups, reconnects, gRPC.
constexpr int64_t kSlackMs = 2000;

// The recovery budget's settings: a silent connection is broken after kLackOfAckMs; the episode
// of trouble that starts with the first such failure gives up at the first failure past
// kRetryTimeoutMs, so a never-acknowledging server costs at most lack + retry + lack.
constexpr int64_t kLackOfAckMs = 300;
constexpr int64_t kRetryTimeoutMs = 800;
constexpr int64_t kRecoveryBoundMs = kLackOfAckMs + kRetryTimeoutMs + kLackOfAckMs + kSlackMs;
// Longer than kRecoveryBoundMs, so that a result within it shows the recovery budget ended it.
constexpr int64_t kLongFlushTimeoutMs = 5000;
static_assert(kRecoveryBoundMs < kLongFlushTimeoutMs);

/// A server that never acknowledges: every connection falls silent at its first request (each
/// connection consumes one event of the script).
FaultScript NeverAcknowledges() {
  FaultScript script;
  for (int i = 0; i < 300; ++i) script.events.push_back(FaultEvent(Kind::kSilence, 1));
  return script;
}

/// Small requests, so that a batch spans many: 1000 rows of about 17 bytes, 60 per request.
void UseSmallRequests(WrapperConfiguration& config, int64_t inflight_requests) {
  config.max_request_bytes = 1024;
  config.max_record_bytes = 512;
  config.max_inflight_requests = inflight_requests;
}

void ExpectEveryRowFailedWith(const TransmissionResult& result, int64_t rows, ErrorKind kind,
                              StatusCode code) {
  ExpectEveryRowOnce(result);
  EXPECT_FALSE(result.success) << result.Summary();
  EXPECT_EQ(result.total_rows, rows);
  EXPECT_EQ(result.successful_count, 0) << "nothing was acknowledged";
  EXPECT_EQ(result.failed_count, rows);
  EXPECT_EQ(result.error.kind(), kind) << result.error;
  EXPECT_EQ(result.error.code(), code) << result.error;
  for (const RowFailure& failure : result.failed_rows) {
    EXPECT_EQ(failure.error.kind(), kind) << "row " << failure.row << ": " << failure.error;
  }
}

class WrapperBoundsTest : public WireFormatTest {
 protected:
  /// The recovery budget ends a silent stream; flush_timeout is longer.
  WrapperConfiguration RecoveryBudgetConfig(const emulator::Emulator& emu) const {
    WrapperConfiguration config = Config(emu);
    config.server_lack_of_ack_timeout_ms = kLackOfAckMs;
    config.retry_timeout_ms = kRetryTimeoutMs;
    config.retry_max_attempts = 0;  // the default: time alone bounds recovery
    config.flush_timeout_ms = kLongFlushTimeoutMs;
    return config;
  }
  /// flush_timeout alone ends a silent stream: the lack-of-ack timeout and the recovery budget
  /// are far longer.
  WrapperConfiguration FlushTimeoutConfig(const emulator::Emulator& emu,
                                          int64_t flush_timeout_ms) const {
    WrapperConfiguration config = Config(emu);
    config.server_lack_of_ack_timeout_ms = 60000;
    config.retry_timeout_ms = 60000;
    config.retry_max_attempts = 0;
    config.flush_timeout_ms = flush_timeout_ms;
    return config;
  }
};
INSTANTIATE_WIRE_FORMATS(WrapperBoundsTest);

// ---- a server that accepts streams but never acknowledges ----

TEST_P(WrapperBoundsTest, NeverAckingServerFailsEveryRowWithRetriesExhaustedWithinTheBudget) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, NeverAcknowledges());
  auto wrapper = ZerobusWrapper::Create(RecoveryBudgetConfig(*emu));
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();

  const auto start = std::chrono::steady_clock::now();
  TransmissionResult result = (*wrapper)->send_batch(EventsBatch(0, 100));
  const int64_t elapsed = MillisSince(start);
  EXPECT_LT(elapsed, kRecoveryBoundMs);
  EXPECT_GE(elapsed, kLackOfAckMs + kRetryTimeoutMs) << "the recovery budget was spent first";

  ExpectEveryRowFailedWith(result, 100, ErrorKind::kRetriesExhausted,
                           StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(result.error.retryable()) << "the budget is spent: " << result.error;
  EXPECT_THAT(result.error.message(), HasSubstr("Server ack timeout"));
  EXPECT_GE(result.attempts, 2) << "it reconnected and re-sent before giving up";
  EXPECT_EQ(emu->Counters(kTestTable).acks, 0) << "the server never acknowledged";
  EXPECT_EQ((*wrapper)->stats().rows_succeeded, 0);
  EXPECT_EQ((*wrapper)->stats().rows_failed, 100);

  // Nothing is left to wait for: flush and shutdown return at once.
  const auto closing = std::chrono::steady_clock::now();
  EXPECT_TRUE((*wrapper)->flush().ok());
  (void)(*wrapper)->shutdown();  // the failed stream's error, already in the result
  EXPECT_LT(MillisSince(closing), kSlackMs);
}

TEST_P(WrapperBoundsTest, NeverAckingServerFailsEveryRowWithDeadlineExceededAtFlushTimeout) {
  constexpr int64_t kFlushTimeoutMs = 1500;
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, NeverAcknowledges());
  auto wrapper = ZerobusWrapper::Create(FlushTimeoutConfig(*emu, kFlushTimeoutMs));
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();

  const auto start = std::chrono::steady_clock::now();
  TransmissionResult result = (*wrapper)->send_batch(EventsBatch(0, 100));
  const int64_t elapsed = MillisSince(start);
  EXPECT_GE(elapsed, kFlushTimeoutMs) << "the request's flush_timeout ended it";
  EXPECT_LT(elapsed, kFlushTimeoutMs + kSlackMs);

  ExpectEveryRowFailedWith(result, 100, ErrorKind::kTransmission, StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(result.error.retryable()) << "sending the rows again may work: " << result.error;
  EXPECT_THAT(result.error.message(), HasSubstr("flush_timeout"));
  EXPECT_EQ(result.attempts, 1) << "the lack-of-ack timeout is longer: no reconnect";
  EXPECT_EQ(emu->Counters(kTestTable).acks, 0);
  EXPECT_EQ((*wrapper)->stats().rows_succeeded, 0);
}

TEST_P(WrapperBoundsTest, FlushWaitsForAFailingSendOnlyAsLongAsTheRecoveryBudget) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, NeverAcknowledges());
  auto wrapper = ZerobusWrapper::Create(RecoveryBudgetConfig(*emu));
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();

  const auto start = std::chrono::steady_clock::now();
  BatchFuture future = (*wrapper)->send_batch_async(EventsBatch(0, 100));
  // The batch resolves (failed) before flush_timeout, so flush sees it resolved and succeeds.
  EXPECT_TRUE((*wrapper)->flush().ok());
  EXPECT_LT(MillisSince(start), kRecoveryBoundMs);
  ASSERT_TRUE(future.ready()) << "flush returned before the batch it waits for";
  ExpectEveryRowFailedWith(future.get(), 100, ErrorKind::kRetriesExhausted,
                           StatusCode::kDeadlineExceeded);

  const auto closing = std::chrono::steady_clock::now();
  (void)(*wrapper)->shutdown();
  EXPECT_LT(MillisSince(closing), kSlackMs);
}

TEST_P(WrapperBoundsTest, ShutdownWhileASendIsBlockedOnTheWindowReturnsWithinFlushTimeout) {
  constexpr int64_t kFlushTimeoutMs = 1500;
  constexpr int64_t kRows = 1000;  // about 17 requests, of which 2 fit the window
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, NeverAcknowledges());
  WrapperConfiguration config = FlushTimeoutConfig(*emu, kFlushTimeoutMs);
  UseSmallRequests(config, /*inflight_requests=*/2);
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();

  BatchFuture future = (*wrapper)->send_batch_async(EventsBatch(0, kRows));
  // The window is full and nothing is acknowledged: the send is blocked.
  ASSERT_TRUE(WaitUntil([&] { return emu->Counters(kTestTable).requests >= 2; }));
  EXPECT_FALSE(future.ready());

  const auto start = std::chrono::steady_clock::now();
  const Status shut = (*wrapper)->shutdown();
  EXPECT_LT(MillisSince(start), kFlushTimeoutMs + kSlackMs);
  EXPECT_FALSE(shut.ok()) << "rows were not acknowledged; shutdown says so";
  EXPECT_EQ(shut.code(), StatusCode::kDeadlineExceeded) << shut;

  ASSERT_TRUE(future.ready()) << "shutdown returned before the blocked send was resolved";
  const TransmissionResult& result = future.get();
  ExpectEveryRowFailedWith(result, kRows, ErrorKind::kTransmission, StatusCode::kDeadlineExceeded);
  EXPECT_EQ(emu->Counters(kTestTable).acks, 0);
  EXPECT_EQ((*wrapper)->stats().rows_succeeded, 0);
}

// A stream that cannot be opened (every create refused) with a recovery budget longer than
// flush_timeout: flush gives up after flush_timeout with DEADLINE_EXCEEDED, and shutdown fails
// what is left after flush_timeout too.
TEST_P(WrapperBoundsTest, FlushAndShutdownGiveUpAfterFlushTimeoutWhileNoStreamOpens) {
  constexpr int64_t kFlushTimeoutMs = 1000;
  constexpr int64_t kLongRetryTimeoutMs = 8000;
  auto emu = StartEmulator();
  FaultScript refuse_every_create;
  emulator::CreateFault refused;
  refused.code = StatusCode::kUnavailable;
  refused.message = "scripted: service restarting";
  refuse_every_create.create_faults.assign(2000, refused);
  emu->SetFaultScript(kTestTable, refuse_every_create);
  WrapperConfiguration config = FlushTimeoutConfig(*emu, kFlushTimeoutMs);
  config.retry_timeout_ms = kLongRetryTimeoutMs;
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();

  BatchFuture future = (*wrapper)->send_batch_async(EventsBatch(0, 10));
  ASSERT_TRUE(WaitUntil([&] { return emu->Counters(kTestTable).streams_refused >= 1; }));

  auto start = std::chrono::steady_clock::now();
  const Status flushed = (*wrapper)->flush();
  int64_t elapsed = MillisSince(start);
  EXPECT_EQ(flushed.code(), StatusCode::kDeadlineExceeded) << flushed;
  EXPECT_THAT(flushed.message(), HasSubstr("flush_timeout_ms"));
  EXPECT_GE(elapsed, kFlushTimeoutMs - 50);
  EXPECT_LT(elapsed, kFlushTimeoutMs + kSlackMs);
  EXPECT_FALSE(future.ready()) << "the recovery budget is not spent yet";

  start = std::chrono::steady_clock::now();
  const Status shut = (*wrapper)->shutdown();
  elapsed = MillisSince(start);
  EXPECT_LT(elapsed, kFlushTimeoutMs + kSlackMs)
      << "shutdown waited for the recovery budget (" << kLongRetryTimeoutMs
      << " ms), not flush_timeout";
  EXPECT_EQ(shut.code(), StatusCode::kDeadlineExceeded) << shut;
  ASSERT_TRUE(future.wait_for(std::chrono::milliseconds(kLongRetryTimeoutMs + kSlackMs)));
  const TransmissionResult& result = future.get();
  ExpectEveryRowOnce(result);
  EXPECT_EQ(result.failed_count, 10);
  EXPECT_FALSE(result.success);
}

// ---- a server restart ----

// The connection is cut, then every create is refused for about 2 s (five refusals of 400 ms
// each, plus backoff): six failures in one episode of trouble, more than the old default of 5
// attempts allowed. With the default retry settings (a time-based budget of 60 s) the send
// survives and the outage costs only replays.
TEST_P(WrapperBoundsTest, ServerDownForTwoSecondsCostsOnlyReplaysWithDefaultRetrySettings) {
  constexpr int64_t kBatches = 20;
  constexpr int64_t kRowsPerBatch = 500;
  constexpr int kRefusals = 5;
  constexpr std::chrono::milliseconds kRefusalDelay(400);
  auto emu = StartEmulator();
  FaultScript restart;
  emulator::CreateFault first_create_works;
  first_create_works.code = StatusCode::kOk;
  emulator::CreateFault refused;
  refused.code = StatusCode::kUnavailable;
  refused.message = "scripted: the service is restarting";
  refused.delay = kRefusalDelay;
  restart.create_faults.push_back(first_create_works);
  restart.create_faults.insert(restart.create_faults.end(), kRefusals, refused);
  restart.events = {FaultEvent(Kind::kKill, 5)};
  emu->SetFaultScript(kTestTable, restart);

  WrapperConfiguration config = Config(*emu);
  const WrapperConfiguration defaults;
  config.retry_timeout_ms = defaults.retry_timeout_ms;
  config.retry_max_attempts = defaults.retry_max_attempts;
  config.retry_base_delay_ms = defaults.retry_base_delay_ms;
  config.retry_max_delay_ms = defaults.retry_max_delay_ms;
  config.server_lack_of_ack_timeout_ms = defaults.server_lack_of_ack_timeout_ms;
  config.flush_timeout_ms = defaults.flush_timeout_ms;
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();

  const auto start = std::chrono::steady_clock::now();
  std::vector<BatchFuture> futures;
  for (int64_t i = 0; i < kBatches; ++i) {
    futures.push_back((*wrapper)->send_batch_async(EventsBatch(i * kRowsPerBatch, kRowsPerBatch)));
  }
  int64_t rows_replayed = 0;
  for (const BatchFuture& future : futures) {
    const TransmissionResult& result = future.get();
    ExpectEveryRowOnce(result);
    EXPECT_TRUE(result.success) << result.Summary();
    rows_replayed += result.rows_replayed;
  }
  EXPECT_GE(MillisSince(start), kRefusals * kRefusalDelay.count()) << "the outage happened";
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, kRefusals);
  EXPECT_EQ(emu->Counters(kTestTable).connections_killed, 1);
  EXPECT_EQ((*wrapper)->stats().streams_opened, 1) << "the stream recovered; it was not replaced";

  // At least once: every row landed; duplicates only from replays.
  const std::vector<int64_t> landed = LandedIds(*emu, kTestTable);
  const std::set<int64_t> distinct(landed.begin(), landed.end());
  EXPECT_EQ(std::vector<int64_t>(distinct.begin(), distinct.end()), Iota(kBatches * kRowsPerBatch));
  EXPECT_GT(rows_replayed, 0);
  EXPECT_LE(static_cast<int64_t>(landed.size()) - kBatches * kRowsPerBatch, rows_replayed);
  EXPECT_TRUE((*wrapper)->shutdown().ok());
}

// ---- protocol violations ----

class WrapperProtocolViolationTest : public WireFormatTest {
 protected:
  // A first batch lands (request 1). The second, of many small requests (`window` in flight),
  // draws an invalid ack at the connection's request `at`: its rows acknowledged before that stay
  // successful, the rest fail with a non-retryable protocol error naming the ack, and the next
  // batch lands on a new stream.
  void ExpectInvalidAckFailsTheRestAndTheNextBatchLands(Kind kind, int64_t at, int64_t window) {
    constexpr int64_t kRows = 1000;
    auto emu = StartEmulator();
    FaultScript script;
    script.events = {FaultEvent(kind, at)};
    emu->SetFaultScript(kTestTable, script);
    WrapperConfiguration config = Config(*emu);
    UseSmallRequests(config, window);
    auto wrapper = ZerobusWrapper::Create(config);
    ASSERT_TRUE(wrapper.ok()) << wrapper.status();

    TransmissionResult first = (*wrapper)->send_batch(EventsBatch(0, 10));
    EXPECT_TRUE(first.success) << first.Summary();

    auto batch = EventsBatch(10, kRows);
    TransmissionResult result = (*wrapper)->send_batch(batch);
    ExpectEveryRowOnce(result);
    EXPECT_FALSE(result.success);
    EXPECT_GT(result.failed_count, 0);
    EXPECT_EQ(result.error.code(), StatusCode::kInvalidArgument) << result.error;
    EXPECT_FALSE(result.error.retryable()) << "a replay could not be trusted: " << result.error;
    EXPECT_THAT(result.error.message(), HasSubstr("Invalid acknowledgement"));
    EXPECT_THAT(result.error.message(),
                HasSubstr(arrow() ? "ack_up_to_records=" : "durability_ack_up_to_offset="));
    for (const RowFailure& failure : result.failed_rows) {
      EXPECT_EQ(failure.error.code(), StatusCode::kInvalidArgument) << "row " << failure.row;
      EXPECT_FALSE(failure.error.retryable()) << "row " << failure.row;
    }
    EXPECT_EQ(result.attempts, 1) << "a protocol violation is not retried";
    // Every row reported successful landed (failed rows may have landed too: at least once).
    const std::vector<int64_t> landed = LandedIds(*emu, kTestTable);
    const std::set<int64_t> landed_set(landed.begin(), landed.end());
    for (int64_t id : IdsAt(*batch, result.successful_rows)) {
      ASSERT_TRUE(landed_set.count(id)) << "id " << id << " reported landed but did not";
    }

    TransmissionResult next = (*wrapper)->send_batch(EventsBatch(10 + kRows, 10));
    ExpectEveryRowOnce(next);
    EXPECT_TRUE(next.success) << next.Summary();
    EXPECT_EQ((*wrapper)->stats().streams_opened, 2) << "the failed stream was replaced";
    EXPECT_EQ(emu->Counters(kTestTable).streams_created, 2);
    const std::vector<int64_t> all = LandedIds(*emu, kTestTable);
    const std::vector<int64_t> tail(all.end() - std::min<size_t>(all.size(), 10), all.end());
    EXPECT_EQ(tail, Iota(10, 10 + kRows));
    EXPECT_TRUE((*wrapper)->shutdown().ok());
  }
};
INSTANTIATE_WIRE_FORMATS(WrapperProtocolViolationTest);

// The emulator's ack_beyond claims 5 past what it received. A client can only tell that apart
// from a valid ack when the claim also passes what it sent: with several requests in flight, an
// Arrow ack of 5 rows more is a valid partial ack of the next request. So one request at a time.
TEST_P(WrapperProtocolViolationTest, AckBeyondWhatWasSentFailsTheRestNonRetryably) {
  ExpectInvalidAckFailsTheRestAndTheNextBatchLands(Kind::kAckBeyond, /*at=*/2, /*window=*/1);
}

TEST_P(WrapperProtocolViolationTest, AckGoingBackwardsFailsTheRestNonRetryably) {
  ExpectInvalidAckFailsTheRestAndTheNextBatchLands(Kind::kAckBackwards, /*at=*/3, /*window=*/4);
}

}  // namespace
}  // namespace arrow_zerobus::testing
