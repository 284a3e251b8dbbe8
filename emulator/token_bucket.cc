#include "token_bucket.h"

#include <algorithm>

namespace arrow_zerobus::emulator {

TokenBucket::TokenBucket(int64_t rate_per_second, std::chrono::milliseconds burst)
    : rate_per_second_(std::max<int64_t>(rate_per_second, 0)),
      burst_(std::chrono::duration_cast<Clock::duration>(burst)) {}

TokenBucket::Clock::time_point TokenBucket::Charge(int64_t cost, Clock::time_point now) {
  if (!limited()) return now;
  const auto refill = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(static_cast<double>(cost) / rate_per_second_));
  full_at_ = std::max(full_at_, now) + refill;
  // The bucket holds `burst_` worth of tokens: it is out of debt that long before it is full.
  return std::max(now, full_at_ - burst_);
}

}  // namespace arrow_zerobus::emulator
