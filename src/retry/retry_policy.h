// RetryPolicy: whether another attempt may follow a failure. Policies are prototypes: configure
// one, then clone() it for each operation so operations do not share attempt counts or clocks.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::retry {

using Clock = std::function<std::chrono::steady_clock::time_point()>;

/// Zerobus' classification of gRPC codes (protocol reference, section 5.1): INVALID_ARGUMENT,
/// UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND, OUT_OF_RANGE and UNIMPLEMENTED are permanent;
/// every other failure may succeed when tried again.
bool IsRetryableStatusCode(StatusCode code);

class RetryPolicy {
 public:
  virtual ~RetryPolicy() = default;

  /// Records a failed attempt. True if the operation may be tried again: the failure is not
  /// permanent and the policy is not exhausted.
  bool OnFailure(const Status& status) {
    if (IsPermanentFailure(status)) return false;
    RecordFailure();
    return !IsExhausted();
  }

  /// A failure no retry can fix: the status says it is not retryable.
  virtual bool IsPermanentFailure(const Status& status) const { return !status.retryable(); }
  virtual bool IsExhausted() const = 0;
  /// A fresh policy with the same limits and no recorded failures.
  virtual std::unique_ptr<RetryPolicy> clone() const = 0;
  /// "5 attempts", "30000 ms": for error messages.
  virtual std::string DescribeLimit() const = 0;

 protected:
  virtual void RecordFailure() = 0;
};

/// Allows at most `max_attempts` attempts in all (the first one included).
class LimitedAttemptsRetryPolicy final : public RetryPolicy {
 public:
  explicit LimitedAttemptsRetryPolicy(int max_attempts) : max_attempts_(max_attempts) {}
  bool IsExhausted() const override { return failures_ >= max_attempts_; }
  std::unique_ptr<RetryPolicy> clone() const override {
    return std::make_unique<LimitedAttemptsRetryPolicy>(max_attempts_);
  }
  std::string DescribeLimit() const override { return std::to_string(max_attempts_) + " attempts"; }
  int failures() const { return failures_; }

 protected:
  void RecordFailure() override { ++failures_; }

 private:
  int max_attempts_;
  int failures_ = 0;
};

/// Allows retries until `max_duration` has passed since the policy was created (or cloned).
class LimitedTimeRetryPolicy final : public RetryPolicy {
 public:
  explicit LimitedTimeRetryPolicy(std::chrono::milliseconds max_duration, Clock clock = nullptr);
  bool IsExhausted() const override { return clock_() >= deadline_; }
  std::unique_ptr<RetryPolicy> clone() const override {
    return std::make_unique<LimitedTimeRetryPolicy>(max_duration_, clock_);
  }
  std::string DescribeLimit() const override {
    return std::to_string(max_duration_.count()) + " ms";
  }

 protected:
  void RecordFailure() override {}

 private:
  std::chrono::milliseconds max_duration_;
  Clock clock_;
  std::chrono::steady_clock::time_point deadline_;
};

/// The wrapper's recovery budget: retries until `max_duration` has passed since the policy was
/// created (or cloned) and, when `max_attempts` > 0, at most that many attempts in all.
class RecoveryBudgetPolicy final : public RetryPolicy {
 public:
  RecoveryBudgetPolicy(int max_attempts, std::chrono::milliseconds max_duration,
                       Clock clock = nullptr);
  bool IsExhausted() const override {
    return (max_attempts_ > 0 && failures_ >= max_attempts_) || clock_() >= deadline_;
  }
  std::unique_ptr<RetryPolicy> clone() const override {
    return std::make_unique<RecoveryBudgetPolicy>(max_attempts_, max_duration_, clock_);
  }
  std::string DescribeLimit() const override;

 protected:
  void RecordFailure() override { ++failures_; }

 private:
  int max_attempts_;
  int failures_ = 0;
  std::chrono::milliseconds max_duration_;
  Clock clock_;
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace arrow_zerobus::retry
