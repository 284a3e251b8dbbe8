// A token bucket that never refuses: the emulator's model of the service's throughput quotas.
// A charge the bucket cannot pay at once runs it into debt, and the caller learns when the debt
// is paid; the emulator sends the request's ack then, so a client that keeps to its in-flight
// window slows to the bucket's rate.
#pragma once

#include <chrono>
#include <cstdint>

namespace arrow_zerobus::emulator {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  /// An unlimited bucket: every charge is paid at once.
  TokenBucket() = default;
  /// Refills `rate_per_second` units a second and holds `burst` worth of that rate; a rate of 0
  /// is unlimited.
  TokenBucket(int64_t rate_per_second, std::chrono::milliseconds burst);

  bool limited() const { return rate_per_second_ > 0; }

  /// Charges `cost` units arriving at `now`; returns when the bucket has paid for them: `now`
  /// when it held enough, later when it ran into debt. Charges arriving in order are paid in
  /// order.
  Clock::time_point Charge(int64_t cost, Clock::time_point now);

 private:
  int64_t rate_per_second_ = 0;
  Clock::duration burst_{0};
  /// When the bucket would be full again if nothing more were charged.
  Clock::time_point full_at_{};
};

}  // namespace arrow_zerobus::emulator
