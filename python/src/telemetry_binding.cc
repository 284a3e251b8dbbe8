// collect_telemetry() for Python: metrics, spans and measurements as dicts, lists, ints and
// floats, ready for the package's opentelemetry bridge (arrow_zerobus_sdk_wrapper/_otel.py).
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <string>
#include <variant>

#include "binding.h"

namespace arrow_zerobus::python {
namespace {

template <size_t N>
std::string Hex(const std::array<uint8_t, N>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  for (uint8_t byte : bytes) {
    text += kDigits[byte >> 4];
    text += kDigits[byte & 0xf];
  }
  return text;
}

nb::dict Labels(const std::vector<std::pair<std::string, std::string>>& attributes) {
  nb::dict out;
  for (const auto& [key, value] : attributes) out[nb::str(key.c_str())] = value;
  return out;
}

nb::dict SpanAttributes(const Attributes& attributes) {
  nb::dict out;
  for (const auto& [key, value] : attributes) {
    std::visit([&](const auto& v) { out[nb::str(key.c_str())] = v; }, value);
  }
  return out;
}

const char* MetricKindName(MetricData::Kind kind) {
  switch (kind) {
    case MetricData::Kind::kCounter:
      return "counter";
    case MetricData::Kind::kUpDownCounter:
      return "up_down_counter";
    case MetricData::Kind::kHistogram:
      return "histogram";
  }
  return "counter";
}

const char* SpanKindName(SpanData::Kind kind) {
  switch (kind) {
    case SpanData::Kind::kInternal:
      return "internal";
    case SpanData::Kind::kClient:
      return "client";
    case SpanData::Kind::kProducer:
      return "producer";
  }
  return "internal";
}

nb::dict Metric(const MetricData& metric) {
  nb::dict out;
  out["name"] = metric.name;
  out["description"] = metric.description;
  out["unit"] = metric.unit;
  out["kind"] = MetricKindName(metric.kind);
  out["bounds"] = nb::cast(metric.bounds);
  nb::list points;
  for (const MetricPoint& point : metric.points) {
    nb::dict p;
    p["attributes"] = Labels(point.attributes);
    if (metric.kind == MetricData::Kind::kHistogram) {
      p["count"] = point.count;
      p["sum"] = point.sum;
      p["min"] = point.min;
      p["max"] = point.max;
      p["bucket_counts"] = nb::cast(point.bucket_counts);
    } else {
      p["value"] = point.value;
    }
    points.append(p);
  }
  out["points"] = points;
  return out;
}

nb::dict Span(const SpanData& span) {
  nb::dict out;
  out["name"] = span.name;
  out["kind"] = SpanKindName(span.kind);
  out["trace_id"] = Hex(span.context.trace_id);
  out["span_id"] = Hex(span.context.span_id);
  out["parent_span_id"] =
      span.parent_span_id == SpanId{} ? std::string() : Hex(span.parent_span_id);
  out["start_unix_ns"] = span.start_unix_ns;
  out["end_unix_ns"] = span.end_unix_ns;
  out["attributes"] = SpanAttributes(span.attributes);
  out["error"] = span.status == SpanData::Status::kError;
  out["status_message"] = span.status_message;
  return out;
}

}  // namespace

nb::dict TelemetryToPython(const TelemetryData& data) {
  nb::list metrics, spans, measurements;
  for (const MetricData& metric : data.metrics) metrics.append(Metric(metric));
  for (const SpanData& span : data.spans) spans.append(Span(span));
  for (const Measurement& measurement : data.measurements) {
    measurements.append(
        nb::make_tuple(measurement.metric, measurement.value, Labels(measurement.attributes)));
  }
  nb::dict out;
  out["start_unix_ns"] = data.start_unix_ns;
  out["time_unix_ns"] = data.time_unix_ns;
  out["metrics"] = metrics;
  out["spans"] = spans;
  out["measurements"] = measurements;
  out["spans_dropped"] = data.spans_dropped;
  out["measurements_dropped"] = data.measurements_dropped;
  return out;
}

}  // namespace arrow_zerobus::python
