// A histogram with fixed bucket bounds, updated with atomics only: Record() takes no lock and
// allocates nothing, so any thread may record while another takes a snapshot.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "arrow_zerobus/telemetry.h"

namespace arrow_zerobus::telemetry {

class AtomicHistogram {
 public:
  explicit AtomicHistogram(std::vector<double> bounds);

  void Record(double value);
  /// Cumulative count, sum, min, max and bucket counts since creation.
  MetricPoint Snapshot() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<double> sum_{0.0};
  std::atomic<double> min_;
  std::atomic<double> max_;
};

/// Bucket bounds in seconds for operation durations, as the OpenTelemetry messaging semantic
/// conventions advise for messaging.client.operation.duration.
const std::vector<double>& DurationBoundsSeconds();

}  // namespace arrow_zerobus::telemetry
