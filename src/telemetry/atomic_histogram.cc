#include "telemetry/atomic_histogram.h"

#include <algorithm>
#include <limits>

namespace arrow_zerobus::telemetry {
namespace {

void StoreIf(std::atomic<double>& target, double value, bool (*better)(double, double)) {
  double current = target.load(std::memory_order_relaxed);
  while (better(value, current) &&
         !target.compare_exchange_weak(current, value, std::memory_order_relaxed)) {
  }
}

}  // namespace

AtomicHistogram::AtomicHistogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]),
      min_(std::numeric_limits<double>::infinity()),
      max_(-std::numeric_limits<double>::infinity()) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void AtomicHistogram::Record(double value) {
  // OpenTelemetry buckets are upper-inclusive: bucket i holds bounds[i-1] < v <= bounds[i].
  const size_t bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  StoreIf(min_, value, [](double a, double b) { return a < b; });
  StoreIf(max_, value, [](double a, double b) { return a > b; });
}

MetricPoint AtomicHistogram::Snapshot() const {
  MetricPoint point;
  point.bucket_counts.resize(bounds_.size() + 1);
  // The count is the buckets' total, so the two always agree even while Record runs.
  uint64_t in_buckets = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    point.bucket_counts[i] = buckets_[i].load(std::memory_order_relaxed);
    in_buckets += point.bucket_counts[i];
  }
  point.count = in_buckets;
  point.sum = sum_.load(std::memory_order_relaxed);
  if (point.count > 0) {
    point.min = min_.load(std::memory_order_relaxed);
    point.max = max_.load(std::memory_order_relaxed);
  }
  return point;
}

const std::vector<double>& DurationBoundsSeconds() {
  static const std::vector<double> bounds = {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25,
                                             0.5,   0.75, 1.0,   2.5,  5.0,   7.5, 10.0};
  return bounds;
}

}  // namespace arrow_zerobus::telemetry
