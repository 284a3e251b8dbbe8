// Opening a stream, in both wire formats: refusals at create (retried or final), OAuth tokens and
// a caller's own headers. A refused credential (UNAUTHENTICATED / PERMISSION_DENIED) is re-minted
// once only when the provider can mint new credentials; a caller's own headers fail at once,
// naming the gRPC code and the server's message. A token that expires while the stream runs is
// replaced on the next reconnect.
#include <atomic>
#include <chrono>
#include <string>
#include <utility>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "auth/headers_provider.h"
#include "stream/stream_test_support.h"

namespace arrow_zerobus::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Kind = emulator::StreamEvent::Kind;
using SteadyClock = std::chrono::steady_clock;

/// Always returns the same headers; counts the calls. Cannot refresh (the default).
class FixedHeadersProvider final : public auth::HeadersProvider {
 public:
  explicit FixedHeadersProvider(auth::Headers headers) : headers_(std::move(headers)) {}
  Result<auth::Headers> GetHeaders() override {
    ++gets;
    return headers_;
  }
  void Invalidate() override { ++invalidations; }
  std::atomic<int> gets{0};
  std::atomic<int> invalidations{0};

 private:
  const auth::Headers headers_;
};

/// A caller's provider that can mint new credentials: a stale token first, a valid one after
/// Invalidate().
class RefreshingHeadersProvider final : public auth::HeadersProvider {
 public:
  explicit RefreshingHeadersProvider(std::string valid_token) : valid_(std::move(valid_token)) {}
  Result<auth::Headers> GetHeaders() override {
    ++gets;
    return auth::Headers{
        {"authorization", "Bearer " + (invalidations > 0 ? valid_ : std::string("stale"))}};
  }
  void Invalidate() override { ++invalidations; }
  bool CanRefresh() const override { return true; }
  std::atomic<int> gets{0};
  std::atomic<int> invalidations{0};

 private:
  const std::string valid_;
};

class StreamAuthTest : public StreamTest {
 protected:
  Status OpenError(stream::StreamConfig config) {
    auto opened = OpenEventStream(format(), std::move(config));
    return opened.ok() ? Status::OK() : opened.status();
  }
};

// ---- refusals at create ----

TEST_P(StreamAuthTest, ARefusedCredentialIsRetriedOnceWithAFreshToken) {
  auto emu = StartEmulator();
  emulator::FaultScript script;
  script.create_faults = {Refuse(StatusCode::kUnauthenticated, "token revoked by the admin")};
  emu->SetFaultScript(kTestTable, script);

  auto stream = Open(OAuthConfig(*emu, kTestTable));
  ASSERT_NE(stream, nullptr);
  const auto counters = emu->Counters(kTestTable);
  EXPECT_EQ(counters.streams_refused, 1);
  EXPECT_EQ(counters.streams_created, 1);
  EXPECT_EQ(emu->state().tokens().issued_count(), 2) << "a new token was minted";
  ASSERT_TRUE(SendRows(*stream, 0, 3).ok());
  ASSERT_TRUE(stream->Close().ok());
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(3));
}

TEST_P(StreamAuthTest, ARefusalOfTheFreshTokenIsFinal) {
  auto emu = StartEmulator();
  emulator::FaultScript script;
  script.create_faults = {Refuse(StatusCode::kUnauthenticated, "token revoked by the admin"),
                          Refuse(StatusCode::kUnauthenticated, "token revoked by the admin")};
  emu->SetFaultScript(kTestTable, script);

  const Status error = OpenError(OAuthConfig(*emu, kTestTable));
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.code(), StatusCode::kUnauthenticated) << error;
  EXPECT_EQ(error.kind(), ErrorKind::kAuthentication) << error;
  EXPECT_FALSE(error.retryable());
  EXPECT_THAT(error.message(), HasSubstr("UNAUTHENTICATED: token revoked by the admin"));
  // The first attempt and the one attempt with a freshly minted token; no retry after that.
  const auto counters = emu->Counters(kTestTable);
  EXPECT_EQ(counters.streams_refused, 2);
  EXPECT_EQ(counters.streams_created, 0);
  EXPECT_EQ(emu->state().tokens().issued_count(), 2);
}

TEST_P(StreamAuthTest, AnUnavailableCreateIsRetriedWithTheSameToken) {
  auto emu = StartEmulator();
  emulator::FaultScript script;
  script.create_faults = {Refuse(StatusCode::kUnavailable, "service warming up")};
  emu->SetFaultScript(kTestTable, script);

  auto stream = Open(OAuthConfig(*emu, kTestTable));
  ASSERT_NE(stream, nullptr);
  const auto counters = emu->Counters(kTestTable);
  EXPECT_EQ(counters.streams_refused, 1);
  EXPECT_EQ(counters.streams_created, 1);
  EXPECT_EQ(emu->state().tokens().issued_count(), 1) << "a retryable refusal mints no token";
  ASSERT_TRUE(SendRows(*stream, 0, 2).ok());
  ASSERT_TRUE(stream->Close().ok());
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(2));
}

TEST_P(StreamAuthTest, OpenFailsWhenItsRetriesAreExhausted) {
  auto emu = StartEmulator();
  emulator::FaultScript script;
  for (int i = 0; i < 6; ++i) {
    script.create_faults.push_back(Refuse(StatusCode::kUnavailable, "service warming up"));
  }
  emu->SetFaultScript(kTestTable, script);

  const Status error = OpenError(OAuthConfig(*emu, kTestTable));  // LimitedAttemptsRetryPolicy(4)
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.kind(), ErrorKind::kRetriesExhausted) << error;
  EXPECT_EQ(error.code(), StatusCode::kUnavailable) << error;
  EXPECT_FALSE(error.retryable());
  EXPECT_THAT(error.message(), HasSubstr("after 4 attempt(s)"));
  EXPECT_THAT(error.message(), HasSubstr("service warming up"));
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 4);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 0);
}

// ---- OAuth ----

TEST_P(StreamAuthTest, AWrongClientSecretFailsWithoutLeakingIt) {
  auto emu = StartEmulator();
  const std::string secret = "wrong-secret-7f3a91c2";
  const Status error = OpenError(OAuthConfig(*emu, kTestTable, secret));
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.kind(), ErrorKind::kAuthentication) << error;
  EXPECT_FALSE(error.retryable());
  EXPECT_THAT(error.message(), HasSubstr("401"));
  EXPECT_THAT(error.message(), HasSubstr("invalid_client"));
  EXPECT_THAT(error.ToString(), Not(HasSubstr(secret)));
  // No token, so no stream was ever asked for.
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 0);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 0);
}

TEST_P(StreamAuthTest, AnExpiredTokenIsReplacedOnReconnect) {
  auto emu = StartEmulator();  // tokens live an hour: only the scripted expiry ends them
  emu->SetFaultScript(kTestTable,
                      Script({FaultEvent(Kind::kExpireTokens, 2), FaultEvent(Kind::kKill, 4)}));
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  for (int i = 0; i < 3; ++i) ASSERT_TRUE(SendRows(*stream, i * 4, 4).ok());
  // The stream goes on after its token expired; request 4 is then killed.
  ASSERT_TRUE(stream->Flush().ok());
  for (int i = 3; i < 6; ++i) ASSERT_TRUE(SendRows(*stream, i * 4, 4).ok());
  ASSERT_TRUE(stream->Flush().ok());

  const auto stats = stream->stats();
  EXPECT_EQ(stats.reconnects, 1);
  const auto landed = LandedIds(*emu, kTestTable);
  EXPECT_EQ(landed, Concat(Iota(16), Iota(12, 12)));
  EXPECT_EQ(ExpectLandedAtLeastOnce(landed, 24, stats.records_replayed), 4);
  EXPECT_EQ(Offsets(observer->acked()), Iota(6));
  // The cached token was refused once, then a fresh one was minted.
  const auto counters = emu->Counters(kTestTable);
  EXPECT_EQ(counters.streams_refused, 1);
  EXPECT_EQ(counters.streams_created, 2);
  EXPECT_EQ(emu->state().tokens().issued_count(), 2);
  ASSERT_TRUE(stream->Close().ok());
}

// ---- a caller's own headers ----

TEST_P(StreamAuthTest, ACustomHeadersProviderWithAValidTokenCarriesTheStream) {
  auto emu = StartEmulator();
  auto provider = std::make_shared<FixedHeadersProvider>(auth::Headers{
      {"authorization", "Bearer " + emu->IssueToken(kTestTable)}, {"x-custom-header", "kept"}});
  auto config = OAuthConfig(*emu, kTestTable);
  config.headers = provider;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(SendRows(*stream, 0, 4).ok());
  ASSERT_TRUE(stream->Close().ok());
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(4));
  EXPECT_EQ(provider->gets.load(), 1);
  // Only the token the test issued: the OAuth endpoint was never asked.
  EXPECT_EQ(emu->state().tokens().issued_count(), 1);
}

TEST_P(StreamAuthTest, ACustomHeadersProviderWithoutAuthorizationIsRefusedBeforeConnecting) {
  auto emu = StartEmulator();
  auto config = OAuthConfig(*emu, kTestTable);
  config.headers =
      std::make_shared<FixedHeadersProvider>(auth::Headers{{"x-custom-header", "secret-value"}});
  const Status error = OpenError(config);
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.kind(), ErrorKind::kAuthentication) << error;
  EXPECT_FALSE(error.retryable());
  EXPECT_THAT(error.message(), HasSubstr("'authorization' header"));
  EXPECT_THAT(error.ToString(), Not(HasSubstr("secret-value")));
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 0);
}

TEST_P(StreamAuthTest, ARefusedCustomProviderFailsAtOnceNamingTheCodeAndTheServersMessage) {
  auto emu = StartEmulator();
  auto provider = std::make_shared<FixedHeadersProvider>(
      auth::Headers{{"authorization", "Bearer " + emu->IssueToken("main.default.other_table")}});
  ASSERT_FALSE(provider->CanRefresh());
  auto config = OAuthConfig(*emu, kTestTable);
  config.headers = provider;
  const auto start = SteadyClock::now();
  const Status error = OpenError(config);
  ASSERT_FALSE(error.ok());
  EXPECT_LT(MillisSince(start), 2000);
  EXPECT_EQ(error.code(), StatusCode::kPermissionDenied) << error;
  EXPECT_EQ(error.kind(), ErrorKind::kAuthentication) << error;
  EXPECT_FALSE(error.retryable());
  EXPECT_THAT(error.message(), HasSubstr("PERMISSION_DENIED"));
  EXPECT_THAT(error.message(),
              HasSubstr("does not grant access to table " + std::string(kTestTable)));
  // One create attempt: the same headers would only be refused again.
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 1);
  EXPECT_EQ(provider->gets.load(), 1);
  EXPECT_EQ(provider->invalidations.load(), 0);
}

TEST_P(StreamAuthTest, AnInvalidTokenFromACustomProviderFailsAfterOneAttempt) {
  auto emu = StartEmulator();
  auto provider = std::make_shared<FixedHeadersProvider>(
      auth::Headers{{"authorization", "Bearer not-a-token"}});
  auto config = OAuthConfig(*emu, kTestTable);
  config.headers = provider;
  const Status error = OpenError(config);
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.code(), StatusCode::kUnauthenticated) << error;
  EXPECT_EQ(error.kind(), ErrorKind::kAuthentication) << error;
  EXPECT_FALSE(error.retryable());
  EXPECT_THAT(error.message(), HasSubstr("UNAUTHENTICATED"));
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 1);
  EXPECT_EQ(provider->gets.load(), 1);
  EXPECT_EQ(provider->invalidations.load(), 0);
}

TEST_P(StreamAuthTest, ACustomProviderThatCanRefreshIsAskedForNewHeadersOnce) {
  auto emu = StartEmulator();
  auto provider = std::make_shared<RefreshingHeadersProvider>(emu->IssueToken(kTestTable));
  auto config = OAuthConfig(*emu, kTestTable);
  config.headers = provider;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);
  EXPECT_EQ(provider->invalidations.load(), 1);
  EXPECT_EQ(provider->gets.load(), 2);
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 1);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 1);
  ASSERT_TRUE(SendRows(*stream, 0, 2).ok());
  ASSERT_TRUE(stream->Close().ok());
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(2));
}

INSTANTIATE_BOTH_FORMATS(StreamAuthTest);

}  // namespace
}  // namespace arrow_zerobus::testing
