#include <chrono>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "retry/backoff_policy.h"
#include "retry/retry_loop.h"
#include "retry/retry_policy.h"

namespace arrow_zerobus::retry {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

Status Unavailable() {
  return Status(StatusCode::kUnavailable, ErrorKind::kConnection, "connection reset", true);
}
Status Unauthenticated() {
  return Status(StatusCode::kUnauthenticated, ErrorKind::kAuthentication, "bad token", false);
}

TEST(RetryableStatusCodeTest, MatchesTheZerobusTable) {
  for (StatusCode code :
       {StatusCode::kInvalidArgument, StatusCode::kUnauthenticated, StatusCode::kPermissionDenied,
        StatusCode::kNotFound, StatusCode::kOutOfRange, StatusCode::kUnimplemented}) {
    EXPECT_FALSE(IsRetryableStatusCode(code)) << StatusCodeName(code);
  }
  for (StatusCode code :
       {StatusCode::kUnavailable, StatusCode::kInternal, StatusCode::kDeadlineExceeded,
        StatusCode::kResourceExhausted, StatusCode::kAborted, StatusCode::kUnknown,
        StatusCode::kCancelled, StatusCode::kFailedPrecondition, StatusCode::kDataLoss}) {
    EXPECT_TRUE(IsRetryableStatusCode(code)) << StatusCodeName(code);
  }
}

TEST(LimitedAttemptsRetryPolicyTest, CountsEveryAttemptIncludingTheFirst) {
  LimitedAttemptsRetryPolicy policy(3);
  EXPECT_TRUE(policy.OnFailure(Unavailable()));   // attempt 1 failed, 2 may follow
  EXPECT_TRUE(policy.OnFailure(Unavailable()));   // attempt 2 failed, 3 may follow
  EXPECT_FALSE(policy.OnFailure(Unavailable()));  // attempt 3 failed: no more
  EXPECT_TRUE(policy.IsExhausted());
}

TEST(LimitedAttemptsRetryPolicyTest, PermanentFailuresStopAtOnce) {
  LimitedAttemptsRetryPolicy policy(10);
  EXPECT_FALSE(policy.OnFailure(Unauthenticated()));
  EXPECT_FALSE(policy.IsExhausted());
  EXPECT_EQ(policy.failures(), 0);
}

TEST(LimitedAttemptsRetryPolicyTest, ClonesStartFresh) {
  LimitedAttemptsRetryPolicy prototype(2);
  EXPECT_TRUE(prototype.OnFailure(Unavailable()));
  EXPECT_FALSE(prototype.OnFailure(Unavailable()));
  auto clone = prototype.clone();
  EXPECT_FALSE(clone->IsExhausted());
  EXPECT_TRUE(clone->OnFailure(Unavailable()));
}

TEST(LimitedTimeRetryPolicyTest, ExhaustedWhenTheClockPassesTheLimit) {
  auto now = std::chrono::steady_clock::time_point{};
  Clock clock = [&now] { return now; };
  LimitedTimeRetryPolicy policy(milliseconds(1000), clock);
  now += milliseconds(999);
  EXPECT_TRUE(policy.OnFailure(Unavailable()));
  auto clone = policy.clone();  // its own deadline, from now
  now += milliseconds(1);
  EXPECT_FALSE(policy.OnFailure(Unavailable()));
  EXPECT_TRUE(clone->OnFailure(Unavailable()));
  now += milliseconds(999);
  EXPECT_FALSE(clone->OnFailure(Unavailable()));
}

TEST(ExponentialBackoffPolicyTest, FullJitterUnderATruncatedExponentialCap) {
  ExponentialBackoffPolicy backoff(milliseconds(100), milliseconds(1000), 2.0, /*seed=*/7);
  const std::vector<int64_t> caps = {100, 200, 400, 800, 1000, 1000, 1000};
  for (int64_t cap : caps) {
    EXPECT_EQ(backoff.current_cap().count(), cap);
    const milliseconds delay = backoff.OnCompletion();
    EXPECT_GE(delay.count(), 0);
    EXPECT_LE(delay.count(), cap);
  }
}

TEST(ExponentialBackoffPolicyTest, DelaysAreSpreadOverTheWholeRange) {
  ExponentialBackoffPolicy prototype(milliseconds(1000), milliseconds(1000), 2.0, 11);
  int low = 0;
  int high = 0;
  for (int i = 0; i < 400; ++i) {
    const int64_t delay = prototype.OnCompletion().count();
    low += delay < 250;
    high += delay > 750;
  }
  // Uniform over [0, 1000]: about 100 in each quarter; far from both ends of "always the cap".
  EXPECT_GT(low, 50);
  EXPECT_GT(high, 50);
}

TEST(ExponentialBackoffPolicyTest, ClonesRestartAndJitterApart) {
  ExponentialBackoffPolicy prototype(milliseconds(100), milliseconds(100000), 2.0, 3);
  prototype.OnCompletion();
  prototype.OnCompletion();
  auto a = prototype.clone();
  auto b = prototype.clone();
  std::vector<int64_t> delays_a;
  std::vector<int64_t> delays_b;
  for (int i = 0; i < 8; ++i) {
    delays_a.push_back(a->OnCompletion().count());
    delays_b.push_back(b->OnCompletion().count());
  }
  EXPECT_LE(delays_a[0], 100);  // a clone starts at the first step
  EXPECT_NE(delays_a, delays_b);
}

TEST(ExponentialBackoffPolicyTest, OddSettingsAreTamed) {
  ExponentialBackoffPolicy backoff(milliseconds(50), milliseconds(10), 0.5, 1);
  EXPECT_EQ(backoff.current_cap().count(), 50);  // maximum raised to initial
  backoff.OnCompletion();
  EXPECT_EQ(backoff.current_cap().count(), 50);  // scaling below 1 holds the cap
}

class RetryLoopTest : public ::testing::Test {
 protected:
  Sleeper RecordingSleeper() {
    return [this](milliseconds delay) { slept.push_back(delay); };
  }
  std::vector<milliseconds> slept;
};

TEST_F(RetryLoopTest, SucceedsAfterRetryableFailures) {
  int calls = 0;
  auto result = RetryLoop(LimitedAttemptsRetryPolicy(5),
                          ExponentialBackoffPolicy(milliseconds(10), milliseconds(40)),
                          RecordingSleeper(), "create stream", [&]() -> Result<int> {
                            if (++calls < 3) return Unavailable();
                            return 42;
                          });
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, 42);
  EXPECT_EQ(calls, 3);
  ASSERT_EQ(slept.size(), 2u);
  EXPECT_LE(slept[0].count(), 10);
  EXPECT_LE(slept[1].count(), 20);
}

TEST_F(RetryLoopTest, PermanentFailureReturnsTheErrorItself) {
  int calls = 0;
  Status status = RetryLoop(LimitedAttemptsRetryPolicy(5),
                            ExponentialBackoffPolicy(milliseconds(10), milliseconds(40)),
                            RecordingSleeper(), "create stream", [&] {
                              ++calls;
                              return Unauthenticated();
                            });
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(slept.empty());
  EXPECT_EQ(status, Unauthenticated());
}

TEST_F(RetryLoopTest, ExhaustionNamesOperationLimitAndLastError) {
  int calls = 0;
  Status status = RetryLoop(LimitedAttemptsRetryPolicy(3),
                            ExponentialBackoffPolicy(milliseconds(10), milliseconds(40)),
                            RecordingSleeper(), "create stream", [&] {
                              ++calls;
                              return Unavailable();
                            });
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(slept.size(), 2u);  // no sleep after the last attempt
  EXPECT_EQ(status.kind(), ErrorKind::kRetriesExhausted);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_FALSE(status.retryable());
  EXPECT_THAT(status.message(), HasSubstr("create stream failed after 3 attempt(s)"));
  EXPECT_THAT(status.message(), HasSubstr("3 attempts"));
  EXPECT_THAT(status.message(), HasSubstr("connection reset"));
}

TEST_F(RetryLoopTest, PrototypesAreNotConsumed) {
  LimitedAttemptsRetryPolicy retry(2);
  ExponentialBackoffPolicy backoff(milliseconds(1), milliseconds(1));
  for (int run = 0; run < 2; ++run) {
    int calls = 0;
    Status status = RetryLoop(retry, backoff, RecordingSleeper(), "flush", [&] {
      ++calls;
      return Unavailable();
    });
    EXPECT_EQ(calls, 2) << "run " << run;
  }
}

}  // namespace
}  // namespace arrow_zerobus::retry
