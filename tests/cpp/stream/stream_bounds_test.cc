// Every wait of a stream is bounded, in both wire formats: Send blocks only while the in-flight
// window is full, and nothing waits longer than the options say. A server that accepts streams
// but never acknowledges ends Flush, Close and a blocked Send with the recovery budget's error; a
// request not acknowledged within flush_timeout fails the stream; a flush that times out fails
// it too (Close then returns at once); a create reply or a token that never comes costs
// connect_timeout per attempt.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "auth/headers_provider.h"
#include "common/endpoint.h"
#include "stream/stream_test_support.h"

namespace arrow_zerobus::testing {
namespace {

using ::testing::HasSubstr;
using Kind = emulator::StreamEvent::Kind;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// A server that never acknowledges: every connection falls silent at its first request (each
/// connection consumes one event of the script).
emulator::FaultScript NeverAcknowledges() {
  std::vector<emulator::StreamEvent> events;
  for (int i = 0; i < 100; ++i) events.push_back(FaultEvent(Kind::kSilence, 1));
  return Script(std::move(events));
}

class StreamBoundsTest : public StreamTest {};

// ---- the in-flight window ----

TEST_P(StreamBoundsTest, SendBlocksWhileTheRequestWindowIsFull) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kSilence, 1, milliseconds(400))}));
  auto config = OAuthConfig(*emu, kTestTable);
  config.options.max_inflight_requests = 2;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  const auto start = SteadyClock::now();
  ASSERT_TRUE(SendRows(*stream, 0, 1).ok());
  ASSERT_TRUE(SendRows(*stream, 1, 1).ok());
  auto third = std::async(std::launch::async, [&] { return SendRows(*stream, 2, 1); });
  EXPECT_EQ(third.wait_for(milliseconds(150)), std::future_status::timeout)
      << "two requests are unacknowledged";
  ASSERT_EQ(third.wait_for(milliseconds(5000)), std::future_status::ready);
  const int64_t elapsed = MillisSince(start);
  auto offset = third.get();
  ASSERT_TRUE(offset.ok()) << offset.status();
  EXPECT_EQ(*offset, 2);
  EXPECT_GE(stream->stats().requests_acked, 1) << "the third Send returned before any ack";
  EXPECT_GE(elapsed, 400) << "the third Send returned before the silence ended";
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(3));
  ASSERT_TRUE(stream->Close().ok());
}

TEST_P(StreamBoundsTest, SendBlocksWhileTheByteWindowIsFull) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kSilence, 1, milliseconds(400))}));
  auto config = OAuthConfig(*emu, kTestTable);
  auto protocol = EventProtocol(format());
  config.options.max_inflight_bytes =
      EventRows(*protocol, 0, 10).bytes + EventRows(*protocol, 10, 10).bytes;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  const auto start = SteadyClock::now();
  ASSERT_TRUE(SendRows(*stream, 0, 10).ok());
  ASSERT_TRUE(SendRows(*stream, 10, 10).ok());
  auto third = SendRows(*stream, 20, 10);  // blocks until an ack frees room
  const int64_t elapsed = MillisSince(start);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(*third, 2);
  EXPECT_GE(stream->stats().requests_acked, 1) << "the third Send returned before any ack";
  EXPECT_GE(elapsed, 400) << "the third Send returned before the silence ended";
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(30));
  ASSERT_TRUE(stream->Close().ok());
}

TEST_P(StreamBoundsTest, OneRequestLargerThanTheWindowIsStillAdmitted) {
  auto emu = StartEmulator();
  auto config = OAuthConfig(*emu, kTestTable);
  config.options.max_inflight_bytes = 1;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(SendRows(*stream, i * 50, 50).ok());
  ASSERT_TRUE(stream->Close().ok());
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(150));
}

// ---- a server that never acknowledges ----

// Lack of ack 300 ms, a recovery budget of 1 s, flush_timeout 3 s: the first silence is noticed
// at 300 ms, the budget starts then, and the first lack of ack after it runs out ends the stream,
// at about 300 + 1000 + 300 ms, well before flush_timeout.
stream::StreamConfig SilentServerConfig(const emulator::Emulator& emu,
                                        std::shared_ptr<stream::AckObserver> observer) {
  auto config = OAuthConfig(emu, kTestTable);
  config.observer = std::move(observer);
  config.options.server_lack_of_ack_timeout = milliseconds(300);
  config.options.retry_policy = std::make_shared<retry::LimitedTimeRetryPolicy>(milliseconds(1000));
  config.options.flush_timeout = milliseconds(3000);
  return config;
}
constexpr int64_t kFirstPossibleEndMs = 300 + 1000;
constexpr int64_t kBoundMs = 300 + 1000 + 300 + 1000;  // + 1 s for a loaded machine
static_assert(kBoundMs < 3000, "the recovery budget must end it, not flush_timeout");

void ExpectRecoveryBudgetError(const Status& error) {
  EXPECT_EQ(error.kind(), ErrorKind::kRetriesExhausted) << error;
  EXPECT_EQ(error.code(), StatusCode::kDeadlineExceeded) << error;
  EXPECT_FALSE(error.retryable()) << error;
  EXPECT_THAT(error.message(), HasSubstr("Server ack timeout"));
  EXPECT_THAT(error.message(), HasSubstr("300 ms"));
  EXPECT_THAT(error.message(), HasSubstr("retry limit: 1000 ms"));
}

TEST_P(StreamBoundsTest, ASilentServerEndsFlushAndABlockedSendWithinTheRecoveryBudget) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, NeverAcknowledges());
  auto observer = std::make_shared<Resolutions>();
  auto config = SilentServerConfig(*emu, observer);
  config.options.max_inflight_requests = 2;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  const auto start = SteadyClock::now();
  ASSERT_TRUE(SendRows(*stream, 0, 3, /*tag=*/0).ok());
  ASSERT_TRUE(SendRows(*stream, 3, 3, /*tag=*/1).ok());
  auto blocked = std::async(std::launch::async, [&] { return SendRows(*stream, 6, 3, 2); });
  const Status flushed = stream->Flush();
  const int64_t elapsed = MillisSince(start);
  ExpectRecoveryBudgetError(flushed);
  EXPECT_GE(elapsed, kFirstPossibleEndMs) << "ended before the recovery budget was spent";
  EXPECT_LT(elapsed, kBoundMs) << "ended by something other than the recovery budget";
  EXPECT_GE(stream->stats().reconnects, 2);

  ASSERT_EQ(blocked.wait_for(milliseconds(1000)), std::future_status::ready)
      << "Send stayed blocked after the stream failed";
  EXPECT_EQ(blocked.get().status(), flushed);
  EXPECT_EQ(stream->status(), flushed);

  // Every request is reported failed with that cause; none acknowledged.
  ASSERT_TRUE(observer->WaitForResolved(2));
  EXPECT_TRUE(observer->acked().empty());
  EXPECT_EQ(Tags(observer->failed()), TagRange(2));
  for (const Status& failure : observer->failures()) EXPECT_EQ(failure, flushed);

  // The failed flush already ended the stream: Close does not wait again.
  const auto closing = SteadyClock::now();
  EXPECT_EQ(stream->Close(), flushed);
  EXPECT_LT(MillisSince(closing), 200);
  auto unacked = stream->TakeUnacked();
  ASSERT_TRUE(unacked.ok()) << unacked.status();
  EXPECT_EQ(UnackedIds(stream->protocol(), *unacked), Iota(6));
}

TEST_P(StreamBoundsTest, ASilentServerEndsCloseWithinTheRecoveryBudget) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, NeverAcknowledges());
  auto observer = std::make_shared<Resolutions>();
  auto stream = Open(SilentServerConfig(*emu, observer));
  ASSERT_NE(stream, nullptr);

  const auto start = SteadyClock::now();
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(SendRows(*stream, i * 2, 2, i).ok());
  const Status closed = stream->Close();
  const int64_t elapsed = MillisSince(start);
  ExpectRecoveryBudgetError(closed);
  EXPECT_GE(elapsed, kFirstPossibleEndMs);
  EXPECT_LT(elapsed, kBoundMs);
  EXPECT_EQ(stream->status(), closed);
  EXPECT_EQ(stream->Close(), closed) << "idempotent";
  ASSERT_TRUE(observer->WaitForResolved(4));
  EXPECT_TRUE(observer->acked().empty());
  EXPECT_EQ(Tags(observer->failed()), TagRange(4));
}

TEST_P(StreamBoundsTest, WithoutRecoveryASilentServerFailsAtTheFirstLackOfAck) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, NeverAcknowledges());
  auto observer = std::make_shared<Resolutions>();
  auto config = SilentServerConfig(*emu, observer);
  config.options.recovery = false;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  const auto start = SteadyClock::now();
  ASSERT_TRUE(SendRows(*stream, 0, 2).ok());
  const Status flushed = stream->Flush();
  const int64_t elapsed = MillisSince(start);
  EXPECT_EQ(flushed.code(), StatusCode::kDeadlineExceeded) << flushed;
  EXPECT_THAT(flushed.message(), HasSubstr("Server ack timeout"));
  EXPECT_GE(elapsed, 300);
  EXPECT_LT(elapsed, 1500);
  EXPECT_EQ(stream->stats().reconnects, 0);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 1);
  ASSERT_TRUE(observer->WaitForResolved(1));
  EXPECT_EQ(observer->failures().at(0), flushed);
}

// ---- flush_timeout ----

TEST_P(StreamBoundsTest, ARequestNotAcknowledgedWithinFlushTimeoutFailsTheStream) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, NeverAcknowledges());
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  config.options.server_lack_of_ack_timeout = milliseconds(60000);  // never the cause here
  config.options.flush_timeout = milliseconds(500);
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  const auto start = SteadyClock::now();
  ASSERT_TRUE(SendRows(*stream, 0, 2, /*tag=*/5).ok());
  // No Flush: the request's own deadline ends it (a wait with a later deadline only watches).
  const Status flushed = stream->Flush(SteadyClock::now() + milliseconds(10000));
  const int64_t elapsed = MillisSince(start);
  EXPECT_EQ(flushed.code(), StatusCode::kDeadlineExceeded) << flushed;
  EXPECT_THAT(flushed.message(), HasSubstr("flush_timeout (500 ms)"));
  EXPECT_THAT(flushed.message(), HasSubstr("1 request(s) unacknowledged"));
  EXPECT_GE(elapsed, 500);
  EXPECT_LT(elapsed, 2500);
  EXPECT_EQ(stream->status(), flushed);
  EXPECT_EQ(stream->stats().reconnects, 0);
  ASSERT_TRUE(observer->WaitForResolved(1));
  EXPECT_EQ(Tags(observer->failed()), TagRange(1, 5));
  EXPECT_EQ(observer->failures().at(0), flushed);
  EXPECT_EQ(SendRows(*stream, 2, 1).status(), flushed);
}

TEST_P(StreamBoundsTest, FlushTimeoutBoundsARequestThatKeepsBeingReplayed) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, NeverAcknowledges());
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  config.options.server_lack_of_ack_timeout = milliseconds(200);
  config.options.retry_policy = stream::StreamOptions{}.retry_policy;  // 60 s: never the cause
  config.options.flush_timeout = milliseconds(1000);
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  const auto start = SteadyClock::now();
  ASSERT_TRUE(SendRows(*stream, 0, 2).ok());
  const Status flushed = stream->Flush(SteadyClock::now() + milliseconds(10000));
  const int64_t elapsed = MillisSince(start);
  EXPECT_EQ(flushed.code(), StatusCode::kDeadlineExceeded) << flushed;
  EXPECT_THAT(flushed.message(), HasSubstr("flush_timeout (1000 ms)"));
  EXPECT_GE(elapsed, 1000);
  EXPECT_LT(elapsed, 3000);
  EXPECT_GE(stream->stats().reconnects, 2) << "the request was replayed meanwhile";
  ASSERT_TRUE(observer->WaitForResolved(1));
  EXPECT_TRUE(observer->acked().empty());
}

TEST_P(StreamBoundsTest, AFlushThatTimesOutFailsTheStreamAndCloseReturnsAtOnce) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, NeverAcknowledges());
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  config.options.server_lack_of_ack_timeout = milliseconds(60000);
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  ASSERT_TRUE(SendRows(*stream, 0, 3, /*tag=*/1).ok());
  const auto start = SteadyClock::now();
  const Status flushed = stream->Flush(SteadyClock::now() + milliseconds(200));
  EXPECT_GE(MillisSince(start), 200);
  EXPECT_EQ(flushed.code(), StatusCode::kDeadlineExceeded) << flushed;
  EXPECT_THAT(flushed.message(), HasSubstr("Flush timed out after"));
  EXPECT_THAT(flushed.message(), HasSubstr("1 request(s)"));
  // What the flush gave up on is failed now, not acknowledged later behind the caller's back.
  EXPECT_EQ(stream->status(), flushed);
  ASSERT_TRUE(observer->WaitForResolved(1));
  EXPECT_EQ(Tags(observer->failed()), TagRange(1, 1));
  EXPECT_EQ(observer->failures().at(0), flushed);
  EXPECT_EQ(SendRows(*stream, 3, 1).status(), flushed);

  const auto closing = SteadyClock::now();
  EXPECT_EQ(stream->Close(), flushed);
  EXPECT_LT(MillisSince(closing), 200) << "Close waited for acks after the flush had failed";
  auto unacked = stream->TakeUnacked();
  ASSERT_TRUE(unacked.ok()) << unacked.status();
  EXPECT_EQ(UnackedIds(stream->protocol(), *unacked), Iota(3));
}

TEST_P(StreamBoundsTest, AWaitForOffsetThatTimesOutFailsTheStream) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, NeverAcknowledges());
  auto config = OAuthConfig(*emu, kTestTable);
  config.options.server_lack_of_ack_timeout = milliseconds(60000);
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(SendRows(*stream, 0, 1).ok());
  const Status waited = stream->WaitForOffset(0, SteadyClock::now() + milliseconds(200));
  EXPECT_EQ(waited.code(), StatusCode::kDeadlineExceeded) << waited;
  EXPECT_EQ(stream->status(), waited);
  const auto closing = SteadyClock::now();
  EXPECT_EQ(stream->Close(), waited);
  EXPECT_LT(MillisSince(closing), 200);
}

// ---- connecting ----

TEST_P(StreamBoundsTest, ACreateReplyThatNeverComesTimesOutAfterConnectTimeout) {
  auto emu = StartEmulator();
  emulator::FaultScript script;
  script.create_delay = milliseconds(1500);
  emu->SetFaultScript(kTestTable, script);
  auto config = OAuthConfig(*emu, kTestTable);
  config.options.connect_timeout = milliseconds(200);
  config.options.retry_policy = std::make_shared<retry::LimitedAttemptsRetryPolicy>(1);
  const auto start = SteadyClock::now();
  auto opened = OpenEventStream(format(), config);
  const int64_t elapsed = MillisSince(start);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kDeadlineExceeded) << opened.status();
  EXPECT_THAT(opened.status().message(), HasSubstr("timed out after 200 ms"));
  EXPECT_THAT(opened.status().message(), HasSubstr("connect_timeout"));
  EXPECT_GE(elapsed, 200);
  EXPECT_LT(elapsed, 1500) << "Open waited for the create reply instead of timing out";
}

/// Headers that take `delay` to come (a caller's provider that ignores the connect timeout).
class SlowHeadersProvider final : public auth::HeadersProvider {
 public:
  SlowHeadersProvider(std::string token, milliseconds delay)
      : token_(std::move(token)), delay_(delay) {}
  Result<auth::Headers> GetHeaders() override {
    std::this_thread::sleep_for(delay_);
    return auth::Headers{{"authorization", "Bearer " + token_}};
  }

 private:
  const std::string token_;
  const milliseconds delay_;
};

TEST_P(StreamBoundsTest, HeadersLaterThanConnectTimeoutFailTheAttemptWithoutACall) {
  auto emu = StartEmulator();
  auto config = OAuthConfig(*emu, kTestTable);
  config.headers =
      std::make_shared<SlowHeadersProvider>(emu->IssueToken(kTestTable), milliseconds(400));
  config.options.connect_timeout = milliseconds(200);
  config.options.retry_policy = std::make_shared<retry::LimitedAttemptsRetryPolicy>(1);
  auto opened = OpenEventStream(format(), config);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kDeadlineExceeded) << opened.status();
  EXPECT_THAT(opened.status().message(), HasSubstr("connect_timeout"));
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 0) << "a late token still opened a call";
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 0);
}

/// A token endpoint that takes connections (the kernel completes every handshake into the
/// listen backlog) and never answers a byte.
class SilentTokenEndpoint {
 public:
  SilentTokenEndpoint() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&address), length) == 0 &&
        listen(fd_, 64) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port_ = ntohs(address.sin_port);
    }
  }
  ~SilentTokenEndpoint() {
    if (fd_ >= 0) close(fd_);
  }
  bool listening() const { return port_ != 0; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST_P(StreamBoundsTest, ATokenEndpointThatNeverAnswersCostsConnectTimeoutPerAttempt) {
  SilentTokenEndpoint token_endpoint;
  ASSERT_TRUE(token_endpoint.listening());
  auto emu = StartEmulator();
  auto config = OAuthConfig(*emu, kTestTable);
  config.options.connect_timeout = milliseconds(400);
  config.options.retry_policy = std::make_shared<retry::LimitedAttemptsRetryPolicy>(3);
  auth::OAuthTokenProvider::Options oauth;
  oauth.workspace_url = token_endpoint.url();
  oauth.workspace_id = ParseZerobusEndpoint(emu->endpoint())->workspace_id;
  oauth.table = *auth::ParseTableName(kTestTable);
  oauth.client_id = emulator::kDefaultClientId;
  oauth.client_secret = emulator::kDefaultClientSecret;
  config.headers = auth::MakeOAuthHeadersProvider(oauth, config.options.connect_timeout);

  const auto start = SteadyClock::now();
  auto opened = OpenEventStream(format(), config);
  const int64_t elapsed = MillisSince(start);
  ASSERT_FALSE(opened.ok());
  const Status& error = opened.status();
  EXPECT_EQ(error.kind(), ErrorKind::kRetriesExhausted) << error;
  EXPECT_THAT(error.message(), HasSubstr("after 3 attempt(s)"));
  EXPECT_THAT(error.message(), HasSubstr("AuthenticationError"));
  EXPECT_THAT(error.message(), HasSubstr(token_endpoint.url()));
  // Three token fetches of 400 ms each (and short backoffs), not 30 s a try.
  EXPECT_GE(elapsed, 3 * 400 - 100);
  EXPECT_LT(elapsed, 3 * 400 + 2000);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 0);
  EXPECT_EQ(emu->state().tokens().issued_count(), 0);
}

INSTANTIATE_BOTH_FORMATS(StreamBoundsTest);

}  // namespace
}  // namespace arrow_zerobus::testing
