// The client's behaviour in the scenarios the official SDKs test (protocol reference 8.3), each
// scripted on the in-process emulator: errors at create, authentication, declared tables, single
// and batch requests, flush, the in-flight window, permanent failures, oversized records, close
// and destruction, idle streams.
#include <atomic>
#include <chrono>
#include <numeric>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "auth/headers_provider.h"
#include "testing/emulator_fixture.h"

namespace arrow_zerobus::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

using emulator::CreateFault;
using emulator::FaultScript;
using emulator::StreamEvent;

CreateFault Refuse(StatusCode code, std::string message) {
  CreateFault fault;
  fault.code = code;
  fault.message = std::move(message);
  return fault;
}

StreamEvent ErrorEvent(int64_t after_requests, StatusCode code, std::string message) {
  StreamEvent event = FaultEvent(StreamEvent::Kind::kError, after_requests);
  event.code = code;
  event.message = std::move(message);
  return event;
}

/// Always returns the same headers; counts the calls.
class FixedHeadersProvider final : public auth::HeadersProvider {
 public:
  explicit FixedHeadersProvider(auth::Headers headers) : headers_(std::move(headers)) {}
  Result<auth::Headers> GetHeaders() override {
    ++calls_;
    return headers_;
  }
  int calls() const { return calls_; }

 private:
  const auth::Headers headers_;
  std::atomic<int> calls_{0};
};

// ---- errors at create ----

TEST(StreamScenariosTest, UnauthenticatedCreateFailsAfterOneRemint) {
  auto emu = StartEmulator();
  FaultScript script;
  script.create_faults = {Refuse(StatusCode::kUnauthenticated, "token revoked by the admin"),
                          Refuse(StatusCode::kUnauthenticated, "token revoked by the admin")};
  emu->SetFaultScript(kTestTable, script);

  auto opened = zerobus::IngestStream::Open(OAuthConfig(*emu, kTestTable));
  ASSERT_FALSE(opened.ok());
  const Status& error = opened.status();
  EXPECT_EQ(error.code(), StatusCode::kUnauthenticated) << error;
  EXPECT_EQ(error.kind(), ErrorKind::kAuthentication) << error;
  EXPECT_FALSE(error.retryable());
  EXPECT_THAT(error.message(), HasSubstr("token revoked by the admin"));
  // The first attempt and the one attempt with a freshly minted token; no retry after that.
  const auto counters = emu->Counters(kTestTable);
  EXPECT_EQ(counters.streams_refused, 2);
  EXPECT_EQ(counters.streams_created, 0);
  EXPECT_EQ(emu->state().tokens().issued_count(), 2);
}

TEST(StreamScenariosTest, OneUnauthenticatedCreateIsCuredByTheRemint) {
  auto emu = StartEmulator();
  FaultScript script;
  script.create_faults = {Refuse(StatusCode::kUnauthenticated, "token revoked by the admin")};
  emu->SetFaultScript(kTestTable, script);

  auto opened = zerobus::IngestStream::Open(OAuthConfig(*emu, kTestTable));
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto stream = std::move(opened).value();
  const auto counters = emu->Counters(kTestTable);
  EXPECT_EQ(counters.streams_refused, 1);
  EXPECT_EQ(counters.streams_created, 1);
  EXPECT_EQ(emu->state().tokens().issued_count(), 2);
  ASSERT_TRUE(stream->Send(EventRequest(0, 3)).ok());
  ASSERT_TRUE(stream->Close().ok());
  EXPECT_THAT(LandedIds(*emu, kTestTable), ElementsAre(0, 1, 2));
}

TEST(StreamScenariosTest, UnavailableCreateIsRetried) {
  auto emu = StartEmulator();
  FaultScript script;
  script.create_faults = {Refuse(StatusCode::kUnavailable, "service warming up")};
  emu->SetFaultScript(kTestTable, script);

  auto opened = zerobus::IngestStream::Open(OAuthConfig(*emu, kTestTable));
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto stream = std::move(opened).value();
  const auto counters = emu->Counters(kTestTable);
  EXPECT_EQ(counters.streams_refused, 1);
  EXPECT_EQ(counters.streams_created, 1);
  // A retryable refusal does not mint a new token.
  EXPECT_EQ(emu->state().tokens().issued_count(), 1);
  ASSERT_TRUE(stream->Send(EventRequest(0, 2)).ok());
  ASSERT_TRUE(stream->Close().ok());
  EXPECT_THAT(LandedIds(*emu, kTestTable), ElementsAre(0, 1));
}

TEST(StreamScenariosTest, CreateFailsWhenRetriesAreExhausted) {
  auto emu = StartEmulator();
  FaultScript script;
  for (int i = 0; i < 6; ++i) {
    script.create_faults.push_back(Refuse(StatusCode::kUnavailable, "service warming up"));
  }
  emu->SetFaultScript(kTestTable, script);

  auto config = OAuthConfig(*emu, kTestTable);  // LimitedAttemptsRetryPolicy(4)
  auto opened = zerobus::IngestStream::Open(config);
  ASSERT_FALSE(opened.ok());
  const Status& error = opened.status();
  EXPECT_EQ(error.kind(), ErrorKind::kRetriesExhausted) << error;
  EXPECT_EQ(error.code(), StatusCode::kUnavailable) << error;
  EXPECT_FALSE(error.retryable());
  EXPECT_THAT(error.message(), HasSubstr("after 4 attempt(s)"));
  EXPECT_THAT(error.message(), HasSubstr("service warming up"));
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 4);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 0);
}

TEST(StreamScenariosTest, CreateTimesOut) {
  auto emu = StartEmulator();
  FaultScript script;
  script.create_delay = milliseconds(1500);
  emu->SetFaultScript(kTestTable, script);

  auto config = OAuthConfig(*emu, kTestTable);
  config.options.connect_timeout = milliseconds(200);
  config.options.retry_policy = std::make_shared<retry::LimitedAttemptsRetryPolicy>(1);
  const auto start = SteadyClock::now();
  auto opened = zerobus::IngestStream::Open(config);
  const int64_t elapsed = MillisSince(start);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kDeadlineExceeded) << opened.status();
  EXPECT_THAT(opened.status().message(), HasSubstr("timed out after 200 ms"));
  EXPECT_GE(elapsed, 200);
  EXPECT_LT(elapsed, 1500) << "Open waited for the create reply instead of timing out";
}

// ---- authentication ----

TEST(StreamScenariosTest, WrongClientSecretFailsWithoutLeakingIt) {
  auto emu = StartEmulator();
  const std::string secret = "wrong-secret-7f3a91c2";
  auto opened = zerobus::IngestStream::Open(OAuthConfig(*emu, kTestTable, secret));
  ASSERT_FALSE(opened.ok());
  const Status& error = opened.status();
  EXPECT_EQ(error.kind(), ErrorKind::kAuthentication) << error;
  EXPECT_FALSE(error.retryable());
  EXPECT_THAT(error.message(), HasSubstr("401"));
  EXPECT_THAT(error.message(), HasSubstr("invalid_client"));
  EXPECT_THAT(error.ToString(), Not(HasSubstr(secret)));
  // No token, so no stream was ever asked for.
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 0);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 0);
}

TEST(StreamScenariosTest, CustomHeadersProviderWithValidToken) {
  auto emu = StartEmulator();
  auto provider = std::make_shared<FixedHeadersProvider>(auth::Headers{
      {"authorization", "Bearer " + emu->IssueToken(kTestTable)}, {"x-custom-header", "kept"}});
  auto config = OAuthConfig(*emu, kTestTable);
  config.headers = provider;
  auto opened = zerobus::IngestStream::Open(config);
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto stream = std::move(opened).value();
  ASSERT_TRUE(stream->Send(EventRequest(0, 4)).ok());
  ASSERT_TRUE(stream->Close().ok());
  EXPECT_THAT(LandedIds(*emu, kTestTable), ElementsAre(0, 1, 2, 3));
  EXPECT_EQ(provider->calls(), 1);
  // Only the token the test issued: the OAuth endpoint was never asked.
  EXPECT_EQ(emu->state().tokens().issued_count(), 1);
}

TEST(StreamScenariosTest, CustomHeadersProviderWithoutAuthorization) {
  auto emu = StartEmulator();
  auto config = OAuthConfig(*emu, kTestTable);
  config.headers =
      std::make_shared<FixedHeadersProvider>(auth::Headers{{"x-custom-header", "secret-value"}});
  auto opened = zerobus::IngestStream::Open(config);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().kind(), ErrorKind::kAuthentication) << opened.status();
  EXPECT_FALSE(opened.status().retryable());
  EXPECT_THAT(opened.status().message(), HasSubstr("'authorization' header"));
  EXPECT_THAT(opened.status().ToString(), Not(HasSubstr("secret-value")));
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 0);
}

TEST(StreamScenariosTest, CustomHeadersProviderWithTokenForAnotherTable) {
  auto emu = StartEmulator();
  auto provider = std::make_shared<FixedHeadersProvider>(
      auth::Headers{{"authorization", "Bearer " + emu->IssueToken("main.default.other_table")}});
  auto config = OAuthConfig(*emu, kTestTable);
  config.headers = provider;
  auto opened = zerobus::IngestStream::Open(config);
  ASSERT_FALSE(opened.ok());
  const Status& error = opened.status();
  EXPECT_EQ(error.code(), StatusCode::kPermissionDenied) << error;
  EXPECT_EQ(error.kind(), ErrorKind::kAuthentication) << error;
  EXPECT_FALSE(error.retryable());
  EXPECT_THAT(error.message(),
              HasSubstr("does not grant access to table " + std::string(kTestTable)));
  // Refused, then refused again after Invalidate() (a custom provider may have nothing to drop).
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 2);
  EXPECT_EQ(provider->calls(), 2);
}

// ---- declared tables ----

TEST(StreamScenariosTest, DescriptorMissingRequiredColumnIsRefused) {
  auto emu = StartEmulator();
  emu->DeclareTable(kTestTable, {{"id", "BIGINT", true},
                                 {"name", "STRING", true},
                                 {"ingested_at", "TIMESTAMP", /*nullable=*/false}});
  auto opened = zerobus::IngestStream::Open(OAuthConfig(*emu, kTestTable));
  ASSERT_FALSE(opened.ok());
  const Status& error = opened.status();
  EXPECT_EQ(error.code(), StatusCode::kInvalidArgument) << error;
  EXPECT_FALSE(error.retryable());
  EXPECT_THAT(error.message(), HasSubstr("MISSING_REQUIRED_COLUMN"));
  EXPECT_THAT(error.message(), HasSubstr("ingested_at"));
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 1);
}

// ---- requests, acks, flush ----

TEST(StreamScenariosTest, SingleAndBatchRequestsLandInOrder) {
  auto emu = StartEmulator();
  auto observer = std::make_shared<RecordingObserver>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto opened = zerobus::IngestStream::Open(config);
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto stream = std::move(opened).value();

  auto single = stream->Send(EventRequest(0, 1, /*tag=*/1));
  auto batch = stream->Send(EventRequest(1, 500, /*tag=*/2));
  ASSERT_TRUE(single.ok()) << single.status();
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(*single, 0);
  EXPECT_EQ(*batch, 1);
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_THAT(observer->acked_tags(), ElementsAre(1, 2));
  EXPECT_THAT(observer->acked_record_counts(), ElementsAre(1, 500));

  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(501));
  const auto counters = emu->Counters(kTestTable);
  EXPECT_EQ(counters.requests, 2);
  EXPECT_EQ(counters.records, 501);
  const auto stats = stream->stats();
  EXPECT_EQ(stats.requests_acked, 2);
  EXPECT_EQ(stats.records_acked, 501);
  ASSERT_TRUE(stream->Close().ok());
}

TEST(StreamScenariosTest, FlushWaitsForDelayedAcks) {
  auto emu = StartEmulator();
  FaultScript script;
  script.ack_delay = milliseconds(100);
  emu->SetFaultScript(kTestTable, script);
  auto observer = std::make_shared<RecordingObserver>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto opened = zerobus::IngestStream::Open(config);
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto stream = std::move(opened).value();

  const auto start = SteadyClock::now();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(stream->Send(EventRequest(i * 2, 2, 10 + i)).ok());
  ASSERT_TRUE(stream->Flush().ok());
  // No ack can come earlier than 100 ms after its request arrived.
  EXPECT_GE(MillisSince(start), 100);
  EXPECT_THAT(observer->acked_offsets(), ElementsAre(0, 1, 2, 3, 4));
  EXPECT_THAT(observer->acked_tags(), ElementsAre(10, 11, 12, 13, 14));
  EXPECT_EQ(stream->stats().requests_acked, 5);
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(10));
  ASSERT_TRUE(stream->Close().ok());
}

TEST(StreamScenariosTest, FlushTimesOutButTheStreamGoesOn) {
  auto emu = StartEmulator();
  FaultScript script;
  script.events = {FaultEvent(StreamEvent::Kind::kSilence, 1, milliseconds(500))};
  emu->SetFaultScript(kTestTable, script);
  auto observer = std::make_shared<RecordingObserver>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  config.options.flush_timeout = milliseconds(200);
  auto opened = zerobus::IngestStream::Open(config);
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto stream = std::move(opened).value();

  ASSERT_TRUE(stream->Send(EventRequest(0, 1)).ok());
  const auto start = SteadyClock::now();
  Status flushed = stream->Flush();
  EXPECT_GE(MillisSince(start), 200);
  EXPECT_EQ(flushed.code(), StatusCode::kDeadlineExceeded) << flushed;
  EXPECT_THAT(flushed.message(), HasSubstr("Flush timed out after 200 ms"));
  EXPECT_THAT(flushed.message(), HasSubstr("1 request(s)"));
  // A flush timeout is the caller's deadline, not a stream failure.
  EXPECT_TRUE(stream->status().ok()) << stream->status();
  EXPECT_TRUE(observer->failed_tags().empty());
  auto next = stream->Send(EventRequest(1, 1));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(*next, 1);

  // Once the silence is over, the acks come and a flush succeeds on the same connection.
  int attempts = 0;
  do {
    flushed = stream->Flush();
  } while (!flushed.ok() && flushed.code() == StatusCode::kDeadlineExceeded && ++attempts < 10);
  ASSERT_TRUE(flushed.ok()) << flushed;
  EXPECT_THAT(observer->acked_offsets(), ElementsAre(0, 1));
  EXPECT_EQ(stream->stats().reconnects, 0);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 1);
  ASSERT_TRUE(stream->Close().ok());
}

// ---- the in-flight window ----

TEST(StreamScenariosTest, SendBlocksWhileTheRequestWindowIsFull) {
  auto emu = StartEmulator();
  FaultScript script;
  script.events = {FaultEvent(StreamEvent::Kind::kSilence, 1, milliseconds(400))};
  emu->SetFaultScript(kTestTable, script);
  auto config = OAuthConfig(*emu, kTestTable);
  config.options.max_inflight_requests = 2;
  auto opened = zerobus::IngestStream::Open(config);
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto stream = std::move(opened).value();

  const auto start = SteadyClock::now();
  auto first = stream->Send(EventRequest(0, 1));
  auto second = stream->Send(EventRequest(1, 1));
  auto third = stream->Send(EventRequest(2, 1));  // blocks until an ack frees a slot
  const int64_t elapsed = MillisSince(start);
  const auto stats = stream->stats();
  ASSERT_TRUE(first.ok() && second.ok() && third.ok());
  EXPECT_EQ(*first, 0);
  EXPECT_EQ(*second, 1);
  EXPECT_EQ(*third, 2);
  EXPECT_GE(stats.requests_acked, 1) << "the third Send returned before any ack";
  EXPECT_GE(elapsed, 400) << "the third Send returned before the silence ended";
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(3));
  ASSERT_TRUE(stream->Close().ok());
}

TEST(StreamScenariosTest, SendBlocksWhileTheByteWindowIsFull) {
  auto emu = StartEmulator();
  FaultScript script;
  script.events = {FaultEvent(StreamEvent::Kind::kSilence, 1, milliseconds(400))};
  emu->SetFaultScript(kTestTable, script);
  auto config = OAuthConfig(*emu, kTestTable);
  const int64_t request_bytes = EventRequest(0, 10).record_bytes;
  config.options.max_inflight_bytes = 2 * request_bytes;
  auto opened = zerobus::IngestStream::Open(config);
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto stream = std::move(opened).value();

  const auto start = SteadyClock::now();
  auto first = stream->Send(EventRequest(0, 10));
  auto second = stream->Send(EventRequest(10, 10));
  auto third = stream->Send(EventRequest(20, 10));
  const int64_t elapsed = MillisSince(start);
  const auto stats = stream->stats();
  ASSERT_TRUE(first.ok() && second.ok() && third.ok());
  EXPECT_EQ(*third, 2);
  EXPECT_GE(stats.requests_acked, 1) << "the third Send returned before any ack";
  EXPECT_GE(elapsed, 400) << "the third Send returned before the silence ended";
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(30));
  ASSERT_TRUE(stream->Close().ok());
}

// ---- permanent failures ----

TEST(StreamScenariosTest, NonRetryableErrorFailsTheStreamAtOnce) {
  auto emu = StartEmulator();
  FaultScript script;
  script.events = {ErrorEvent(3, StatusCode::kPermissionDenied, "no write grant")};
  emu->SetFaultScript(kTestTable, script);
  auto observer = std::make_shared<RecordingObserver>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto opened = zerobus::IngestStream::Open(config);
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto stream = std::move(opened).value();

  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(stream->Send(EventRequest(i * 3, 3, /*tag=*/100 + i)).ok());
  }
  const auto start = SteadyClock::now();
  Status flushed = stream->Flush();
  EXPECT_LT(MillisSince(start), 2000) << "the failure waited for the flush timeout";
  EXPECT_EQ(flushed.code(), StatusCode::kPermissionDenied) << flushed;
  EXPECT_THAT(flushed.message(), HasSubstr("no write grant"));
  EXPECT_EQ(stream->status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(stream->status().message(), HasSubstr("no write grant"));

  // The first two requests were acked before the refused third; the rest fail with it.
  ASSERT_TRUE(observer->WaitForResolved(5));
  EXPECT_THAT(observer->acked_tags(), ElementsAre(100, 101));
  EXPECT_THAT(observer->failed_tags(), ElementsAre(102, 103, 104));
  EXPECT_THAT(observer->failed_offsets(), ElementsAre(2, 3, 4));
  for (const Status& failure : observer->failures()) {
    EXPECT_EQ(failure.code(), StatusCode::kPermissionDenied);
    EXPECT_THAT(failure.message(), HasSubstr("no write grant"));
  }

  auto after = stream->Send(EventRequest(100, 1));
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.status().code(), StatusCode::kPermissionDenied);

  auto unacked = stream->TakeUnacked();
  ASSERT_TRUE(unacked.ok()) << unacked.status();
  ASSERT_EQ(unacked->size(), 3u);
  for (size_t i = 0; i < unacked->size(); ++i) {
    EXPECT_EQ((*unacked)[i].tag, 102 + i);
    EXPECT_EQ((*unacked)[i].record_count, 3);
  }
  EXPECT_EQ(stream->stats().reconnects, 0);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 1);
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(6));
  EXPECT_EQ(stream->Close().code(), StatusCode::kPermissionDenied);
}

TEST(StreamScenariosTest, OversizedRecordFailsTheStreamAndLandsNothingOfItsRequest) {
  emulator::EmulatorOptions options;
  options.max_record_bytes = 100;
  auto emu = StartEmulator(options);
  auto config = OAuthConfig(*emu, kTestTable);
  auto opened = zerobus::IngestStream::Open(config);
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto stream = std::move(opened).value();

  ASSERT_TRUE(stream->Send(EventRequest(0, 2)).ok());
  ASSERT_TRUE(stream->Flush().ok());
  const std::string small = EventRecord(2);
  const std::string large = EventRecord(3, std::string(200, 'x'));
  ASSERT_GT(large.size(), 200u);
  ASSERT_TRUE(stream->Send(zerobus::PrepareRequest({small, large}, /*tag=*/7)).ok());
  Status flushed = stream->Flush();
  EXPECT_EQ(flushed.code(), StatusCode::kInvalidArgument) << flushed;
  EXPECT_FALSE(flushed.retryable());
  EXPECT_THAT(flushed.message(), HasSubstr(std::to_string(large.size()) + " bytes"));
  EXPECT_THAT(flushed.message(), HasSubstr("maximum record size is 100 bytes"));
  EXPECT_EQ(stream->status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(stream->stats().reconnects, 0);
  EXPECT_THAT(LandedIds(*emu, kTestTable), ElementsAre(0, 1));
}

// ---- close and destruction ----

TEST(StreamScenariosTest, CloseIsIdempotentAndSendAfterCloseFails) {
  auto emu = StartEmulator();
  auto opened = zerobus::IngestStream::Open(OAuthConfig(*emu, kTestTable));
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto stream = std::move(opened).value();
  ASSERT_TRUE(stream->Send(EventRequest(0, 2)).ok());
  ASSERT_TRUE(stream->Close().ok());
  EXPECT_TRUE(stream->Close().ok());
  EXPECT_THAT(LandedIds(*emu, kTestTable), ElementsAre(0, 1));

  auto after = stream->Send(EventRequest(2, 1));
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.status().code(), StatusCode::kFailedPrecondition) << after.status();
  EXPECT_THAT(after.status().message(), HasSubstr("closed"));
  auto unacked = stream->TakeUnacked();
  ASSERT_TRUE(unacked.ok()) << unacked.status();
  EXPECT_TRUE(unacked->empty());
  EXPECT_EQ(LandedIds(*emu, kTestTable).size(), 2u);
}

TEST(StreamScenariosTest, DestructorUnderSilenceReturnsFastAndFailsUnacked) {
  auto emu = StartEmulator();
  FaultScript script;
  script.events = {FaultEvent(StreamEvent::Kind::kSilence, 1)};  // no acks for the rest of it
  emu->SetFaultScript(kTestTable, script);
  auto observer = std::make_shared<RecordingObserver>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto opened = zerobus::IngestStream::Open(config);
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto stream = std::move(opened).value();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(stream->Send(EventRequest(i, 1, 20 + i)).ok());
  ASSERT_TRUE(WaitUntil([&] { return emu->Counters(kTestTable).requests == 3; }));

  const auto start = SteadyClock::now();
  stream.reset();
  EXPECT_LT(MillisSince(start), 1000);
  EXPECT_TRUE(observer->acked_tags().empty());
  EXPECT_THAT(observer->failed_tags(), ElementsAre(20, 21, 22));
  for (const Status& failure : observer->failures()) {
    EXPECT_EQ(failure.code(), StatusCode::kCancelled) << failure;
  }
}

TEST(StreamScenariosTest, IdleStreamDoesNotTimeOut) {
  auto emu = StartEmulator();
  auto config = OAuthConfig(*emu, kTestTable);
  config.options.server_lack_of_ack_timeout = milliseconds(200);
  auto opened = zerobus::IngestStream::Open(config);
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto stream = std::move(opened).value();
  ASSERT_TRUE(stream->Send(EventRequest(0, 1)).ok());
  ASSERT_TRUE(stream->Flush().ok());

  // Three lack-of-ack timeouts with nothing in flight: the stream must stay as it is.
  std::this_thread::sleep_for(milliseconds(600));
  EXPECT_EQ(stream->stats().reconnects, 0);
  ASSERT_TRUE(stream->Send(EventRequest(1, 1)).ok());
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_EQ(stream->stats().reconnects, 0);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 1);
  EXPECT_THAT(LandedIds(*emu, kTestTable), ElementsAre(0, 1));
  ASSERT_TRUE(stream->Close().ok());
}

}  // namespace
}  // namespace arrow_zerobus::testing
