// RetryLoop: runs an attempt until it succeeds, fails permanently, or the retry policy is
// exhausted, sleeping between attempts as the backoff policy says. The sleeper is a parameter so
// tests check the delays without sleeping.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "arrow_zerobus/status.h"
#include "retry/backoff_policy.h"
#include "retry/retry_policy.h"

namespace arrow_zerobus::retry {

using Sleeper = std::function<void(std::chrono::milliseconds)>;

inline Sleeper RealSleeper() {
  return [](std::chrono::milliseconds delay) { std::this_thread::sleep_for(delay); };
}

/// The error a RetryLoop returns when its policy ran out: kRetriesExhausted, not retryable,
/// naming the operation, the limit and the last failure.
inline Status RetriesExhausted(std::string_view operation, const RetryPolicy& policy, int attempts,
                               const Status& last) {
  return Status(last.code(), ErrorKind::kRetriesExhausted,
                std::string(operation) + " failed after " + std::to_string(attempts) +
                    " attempt(s) (retry limit: " + policy.DescribeLimit() +
                    "); last error: " + last.ToString());
}

/// Calls `attempt()` (returning Status or Result<T>) under clones of `retry` and `backoff`.
template <typename Attempt>
auto RetryLoop(const RetryPolicy& retry, const BackoffPolicy& backoff, const Sleeper& sleep,
               std::string_view operation, Attempt&& attempt) -> decltype(attempt()) {
  auto retry_state = retry.clone();
  auto backoff_state = backoff.clone();
  for (int attempts = 1;; ++attempts) {
    auto outcome = attempt();
    Status status;
    if constexpr (std::is_same_v<decltype(outcome), Status>) {
      status = outcome;
    } else {
      status = outcome.status();
    }
    if (status.ok()) return outcome;
    if (retry_state->IsPermanentFailure(status)) return outcome;
    if (!retry_state->OnFailure(status)) {
      return RetriesExhausted(operation, *retry_state, attempts, status);
    }
    sleep(backoff_state->OnCompletion());
  }
}

}  // namespace arrow_zerobus::retry
