// Telemetry a ZerobusWrapper collects when observability is enabled: OpenTelemetry-shaped metrics
// (cumulative since the wrapper was created) and finished spans. The wrapper exports them itself
// over OTLP/HTTP, or, with observability_exporter "none", hands them to the application through
// ZerobusWrapper::collect_telemetry() (the Python package feeds its opentelemetry providers so).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace arrow_zerobus {

using TraceId = std::array<uint8_t, 16>;
using SpanId = std::array<uint8_t, 8>;

/// W3C trace context of one span. All-zero ids mean "none".
struct SpanContext {
  TraceId trace_id{};
  SpanId span_id{};
  bool valid() const;
  /// "00-<trace id>-<span id>-01", the W3C traceparent header value.
  std::string traceparent() const;
  /// Parses a traceparent header value (version 00); an invalid value gives an invalid context.
  static SpanContext FromTraceparent(const std::string& header);
};

using AttributeValue = std::variant<bool, int64_t, double, std::string>;
using Attributes = std::vector<std::pair<std::string, AttributeValue>>;

struct SpanData {
  enum class Kind { kInternal, kClient, kProducer };
  enum class Status { kUnset, kOk, kError };

  std::string name;
  Kind kind = Kind::kInternal;
  SpanContext context;
  SpanId parent_span_id{};  ///< all zero for a root span
  int64_t start_unix_ns = 0;
  int64_t end_unix_ns = 0;
  Attributes attributes;
  Status status = Status::kUnset;
  std::string status_message;  ///< set when status is kError
};

/// One data point of a metric: a sum, or a histogram with explicit bucket bounds.
struct MetricPoint {
  std::vector<std::pair<std::string, std::string>> attributes;
  int64_t value = 0;  ///< sums
  // Histograms only:
  uint64_t count = 0;
  double sum = 0.0;
  double min = 0.0;  ///< meaningful when count > 0
  double max = 0.0;
  std::vector<uint64_t> bucket_counts;  ///< bounds.size() + 1 entries
};

struct MetricData {
  enum class Kind { kCounter, kUpDownCounter, kHistogram };

  std::string name;
  std::string description;
  std::string unit;
  Kind kind = Kind::kCounter;
  std::vector<double> bounds;  ///< histogram bucket upper bounds, ascending
  std::vector<MetricPoint> points;
};

/// One histogram measurement, kept only in pull mode (observability_exporter "none") so an
/// application can replay it into its own histogram instrument.
struct Measurement {
  std::string metric;
  double value = 0.0;
  std::vector<std::pair<std::string, std::string>> attributes;
};

struct TelemetryData {
  int64_t start_unix_ns = 0;  ///< when the metrics started counting
  int64_t time_unix_ns = 0;   ///< when this snapshot was taken
  std::vector<MetricData> metrics;
  /// Spans finished since the previous collection (each is handed out once).
  std::vector<SpanData> spans;
  /// Histogram measurements since the previous collection (pull mode only).
  std::vector<Measurement> measurements;
  /// Spans and measurements dropped because the queues were full, since creation.
  int64_t spans_dropped = 0;
  int64_t measurements_dropped = 0;
};

}  // namespace arrow_zerobus
