// The metrics of one wrapper (one table): counters, up-down counters and histograms kept in
// atomics, so the send path records without a lock or an allocation, and read as OpenTelemetry
// metric data by Snapshot(). Names follow the OpenTelemetry messaging semantic conventions where
// one exists (messaging.client.*), the rest are zerobus.client.*; docs/observability.md lists
// them all.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "arrow_zerobus/status.h"
#include "arrow_zerobus/telemetry.h"
#include "arrow_zerobus/transmission_result.h"
#include "telemetry/atomic_histogram.h"

namespace arrow_zerobus::telemetry {

inline constexpr char kMessagingSystem[] = "databricks_zerobus";

class Instruments {
 public:
  /// `keep_measurements`: also queue every histogram measurement (at most `max_measurements`
  /// between two TakeMeasurements; more are dropped and counted), for pull mode.
  Instruments(std::string table, bool keep_measurements, size_t max_measurements);

  // --- The wrapper: once per batch ---
  void BatchFinished(const TransmissionResult& result, double duration_seconds);

  // --- The stream: once per request or connection ---
  void RequestQueued(int64_t bytes);
  void RequestWritten(bool replay);
  /// Acknowledged (ack_seconds since it was first written) or failed (no ack_seconds).
  void RequestResolved(int64_t bytes, const double* ack_seconds);
  void Reconnected() { reconnects_.fetch_add(1, std::memory_order_relaxed); }
  void ConnectRetried() { connect_retries_.fetch_add(1, std::memory_order_relaxed); }
  void TokenFetched() { token_fetches_.fetch_add(1, std::memory_order_relaxed); }

  // --- The exporter ---
  void ExportFailed() { exports_failed_.fetch_add(1, std::memory_order_relaxed); }
  void SpansDropped(int64_t n) { spans_dropped_.fetch_add(n, std::memory_order_relaxed); }

  /// Every metric, cumulative since creation.
  std::vector<MetricData> Snapshot() const;
  /// The queued measurements (pull mode), oldest first.
  std::vector<Measurement> TakeMeasurements();
  int64_t measurements_dropped() const { return measurements_dropped_.load(); }
  int64_t spans_dropped() const { return spans_dropped_.load(); }
  int64_t exports_failed() const { return exports_failed_.load(); }
  const std::string& table() const { return table_; }

 private:
  static constexpr size_t kKinds = static_cast<size_t>(ErrorKind::kInternal) + 1;
  using Counter = std::atomic<int64_t>;

  using Labels = std::vector<std::pair<std::string, std::string>>;
  void Measure(const char* metric, double value, Labels attributes);
  Labels BaseAttributes() const;

  const std::string table_;
  const bool keep_measurements_;
  const size_t max_measurements_;

  Counter batches_{0}, encoded_bytes_{0}, requests_{0}, requests_replayed_{0}, reconnects_{0},
      connect_retries_{0}, token_fetches_{0}, inflight_requests_{0}, inflight_bytes_{0},
      exports_failed_{0}, spans_dropped_{0}, measurements_dropped_{0};
  /// Rows by outcome: index kNone is rows that landed, the others rows failed with that kind.
  std::array<Counter, kKinds> rows_{};
  /// send_batch durations by outcome: kNone for batches that succeeded.
  std::vector<std::unique_ptr<AtomicHistogram>> batch_durations_;
  AtomicHistogram ack_durations_;

  std::mutex measurements_mu_;
  std::vector<Measurement> measurements_;
};

}  // namespace arrow_zerobus::telemetry
