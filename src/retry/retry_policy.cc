#include "retry/retry_policy.h"

namespace arrow_zerobus::retry {

bool IsRetryableStatusCode(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
    case StatusCode::kInvalidArgument:
    case StatusCode::kUnauthenticated:
    case StatusCode::kPermissionDenied:
    case StatusCode::kNotFound:
    case StatusCode::kOutOfRange:
    case StatusCode::kUnimplemented:
      return false;
    default:
      return true;
  }
}

LimitedTimeRetryPolicy::LimitedTimeRetryPolicy(std::chrono::milliseconds max_duration, Clock clock)
    : max_duration_(max_duration),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })),
      deadline_(clock_() + max_duration) {}

RecoveryBudgetPolicy::RecoveryBudgetPolicy(int max_attempts, std::chrono::milliseconds max_duration,
                                           Clock clock)
    : max_attempts_(max_attempts),
      max_duration_(max_duration),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })),
      deadline_(clock_() + max_duration) {}

std::string RecoveryBudgetPolicy::DescribeLimit() const {
  const std::string time = std::to_string(max_duration_.count()) + " ms";
  return max_attempts_ > 0 ? time + " or " + std::to_string(max_attempts_) + " attempts" : time;
}

}  // namespace arrow_zerobus::retry
