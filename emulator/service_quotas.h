// The service's throughput quotas as the emulator models them: a token bucket per stream for
// records and for bytes, and one per table for bytes. A request is never refused; its ack is sent
// when the buckets have paid for it (docs/emulator.md, "Service quotas").
#pragma once

#include <chrono>
#include <cstdint>

#include "arrow_zerobus/status.h"
#include "emulator_options.h"
#include "token_bucket.h"

namespace arrow_zerobus::emulator {

/// Rates per second; 0: no limit.
struct ServiceQuotas {
  int64_t stream_records_per_second = 0;
  int64_t stream_bytes_per_second = 0;
  int64_t table_bytes_per_second = 0;
};

/// The service's documented quotas: 100,000 records/s and 100 MB/s per stream, 10 GB/s per table.
inline constexpr ServiceQuotas kServiceQuotas{100'000, 100'000'000, 10'000'000'000};

/// What every bucket holds: this long at its rate. Short, so that throughput measured over a few
/// seconds is the quota within a few percent.
inline constexpr std::chrono::milliseconds kQuotaBurst{50};

/// The quotas `options` set: its own, with the ones left at 0 taken from kServiceQuotas when
/// service_quotas is set.
ServiceQuotas EffectiveQuotas(const EmulatorOptions& options);

/// A configuration error naming the first negative quota option.
Status CheckQuotaOptions(const EmulatorOptions& options);

/// The per-stream buckets of one stream.
class StreamQuota {
 public:
  explicit StreamQuota(const ServiceQuotas& quotas);

  /// Charges one request of `records` and `bytes` arriving at `now`; returns when both buckets
  /// have paid for it.
  TokenBucket::Clock::time_point Charge(int64_t records, int64_t bytes,
                                        TokenBucket::Clock::time_point now);

 private:
  TokenBucket records_;
  TokenBucket bytes_;
};

}  // namespace arrow_zerobus::emulator
