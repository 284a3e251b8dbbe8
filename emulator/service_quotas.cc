#include "service_quotas.h"

#include <algorithm>
#include <string>

namespace arrow_zerobus::emulator {

ServiceQuotas EffectiveQuotas(const EmulatorOptions& options) {
  ServiceQuotas quotas{options.stream_records_per_second, options.stream_bytes_per_second,
                       options.table_bytes_per_second};
  if (options.service_quotas) {
    auto fill = [](int64_t* rate, int64_t service) {
      if (*rate == 0) *rate = service;
    };
    fill(&quotas.stream_records_per_second, kServiceQuotas.stream_records_per_second);
    fill(&quotas.stream_bytes_per_second, kServiceQuotas.stream_bytes_per_second);
    fill(&quotas.table_bytes_per_second, kServiceQuotas.table_bytes_per_second);
  }
  return quotas;
}

Status CheckQuotaOptions(const EmulatorOptions& options) {
  const std::pair<const char*, int64_t> rates[] = {
      {"stream_records_per_second", options.stream_records_per_second},
      {"stream_bytes_per_second", options.stream_bytes_per_second},
      {"table_bytes_per_second", options.table_bytes_per_second}};
  for (const auto& [name, rate] : rates) {
    if (rate < 0) {
      return ConfigurationError("Emulator option " + std::string(name) +
                                " must not be negative (0 is no limit), got " +
                                std::to_string(rate));
    }
  }
  return Status::OK();
}

StreamQuota::StreamQuota(const ServiceQuotas& quotas)
    : records_(quotas.stream_records_per_second, kQuotaBurst),
      bytes_(quotas.stream_bytes_per_second, kQuotaBurst) {}

TokenBucket::Clock::time_point StreamQuota::Charge(int64_t records, int64_t bytes,
                                                   TokenBucket::Clock::time_point now) {
  return std::max(records_.Charge(records, now), bytes_.Charge(bytes, now));
}

}  // namespace arrow_zerobus::emulator
