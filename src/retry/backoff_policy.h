// BackoffPolicy: how long to wait before the next attempt. ExponentialBackoffPolicy doubles (by
// `scaling`) a cap from `initial` up to `maximum` and waits a uniformly random time in
// [0, cap] ("full jitter"), so clients that failed together do not retry together.
#pragma once

#include <chrono>
#include <memory>
#include <random>

namespace arrow_zerobus::retry {

class BackoffPolicy {
 public:
  virtual ~BackoffPolicy() = default;
  /// The delay before the next attempt; each call moves to the next step.
  virtual std::chrono::milliseconds OnCompletion() = 0;
  /// A fresh policy at its first step, with its own random generator.
  virtual std::unique_ptr<BackoffPolicy> clone() const = 0;
};

class ExponentialBackoffPolicy final : public BackoffPolicy {
 public:
  /// `scaling` below 1.0 is taken as 1.0 (a constant cap); `maximum` below `initial` as `initial`.
  ExponentialBackoffPolicy(std::chrono::milliseconds initial, std::chrono::milliseconds maximum,
                           double scaling = 2.0, uint64_t seed = std::random_device{}());

  std::chrono::milliseconds OnCompletion() override;
  std::unique_ptr<BackoffPolicy> clone() const override;

  /// The cap of the step the next OnCompletion() draws from.
  std::chrono::milliseconds current_cap() const;

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds maximum_;
  double scaling_;
  double cap_ms_;
  std::mt19937_64 random_;
};

}  // namespace arrow_zerobus::retry
