#include "retry/backoff_policy.h"

#include <algorithm>

namespace arrow_zerobus::retry {

ExponentialBackoffPolicy::ExponentialBackoffPolicy(std::chrono::milliseconds initial,
                                                   std::chrono::milliseconds maximum,
                                                   double scaling, uint64_t seed)
    : initial_(std::max(initial, std::chrono::milliseconds(0))),
      maximum_(std::max(maximum, initial_)),
      scaling_(std::max(scaling, 1.0)),
      cap_ms_(static_cast<double>(initial_.count())),
      random_(seed) {}

std::chrono::milliseconds ExponentialBackoffPolicy::current_cap() const {
  return std::chrono::milliseconds(static_cast<int64_t>(cap_ms_));
}

std::chrono::milliseconds ExponentialBackoffPolicy::OnCompletion() {
  const int64_t cap = current_cap().count();
  std::uniform_int_distribution<int64_t> jitter(0, cap);
  const std::chrono::milliseconds delay(jitter(random_));
  cap_ms_ = std::min(cap_ms_ * scaling_, static_cast<double>(maximum_.count()));
  return delay;
}

std::unique_ptr<BackoffPolicy> ExponentialBackoffPolicy::clone() const {
  // A clone draws its own seed: two operations cloned from one prototype must not jitter alike.
  return std::make_unique<ExponentialBackoffPolicy>(initial_, maximum_, scaling_,
                                                    std::random_device{}());
}

}  // namespace arrow_zerobus::retry
