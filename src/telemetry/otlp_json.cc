#include "telemetry/otlp_json.h"

#include <nlohmann/json.hpp>

#include "telemetry/hex.h"

namespace arrow_zerobus::telemetry {
namespace {

using nlohmann::json;

// OTLP enum values (opentelemetry-proto metrics.proto and trace.proto).
constexpr int kAggregationTemporalityCumulative = 2;
constexpr int kStatusCodeOk = 1;
constexpr int kStatusCodeError = 2;

json AnyValue(const AttributeValue& value) {
  return std::visit(
      [](const auto& v) -> json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return {{"boolValue", v}};
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return {{"intValue", std::to_string(v)}};
        } else if constexpr (std::is_same_v<T, double>) {
          return {{"doubleValue", v}};
        } else {
          return {{"stringValue", v}};
        }
      },
      value);
}

json KeyValues(const Attributes& attributes) {
  json list = json::array();
  for (const auto& [key, value] : attributes) {
    list.push_back({{"key", key}, {"value", AnyValue(value)}});
  }
  return list;
}

json KeyValues(const std::vector<std::pair<std::string, std::string>>& attributes) {
  json list = json::array();
  for (const auto& [key, value] : attributes) {
    list.push_back({{"key", key}, {"value", {{"stringValue", value}}}});
  }
  return list;
}

json Resource(const ExportIdentity& identity) {
  return json::object({{"attributes", KeyValues(identity.resource)}});
}

// Invalid UTF-8 (say, in an error message quoting bad input) is replaced, never thrown.
std::string Dump(const json& request) {
  return request.dump(-1, ' ', false, json::error_handler_t::replace);
}

json Scope(const ExportIdentity& identity) {
  return {{"name", identity.scope_name}, {"version", identity.scope_version}};
}

json SumPoint(const MetricPoint& point, int64_t start, int64_t time) {
  return {{"attributes", KeyValues(point.attributes)},
          {"startTimeUnixNano", std::to_string(start)},
          {"timeUnixNano", std::to_string(time)},
          {"asInt", std::to_string(point.value)}};
}

json HistogramPoint(const MetricPoint& point, const std::vector<double>& bounds, int64_t start,
                    int64_t time) {
  json buckets = json::array();
  for (uint64_t count : point.bucket_counts) buckets.push_back(std::to_string(count));
  json encoded = {{"attributes", KeyValues(point.attributes)},
                  {"startTimeUnixNano", std::to_string(start)},
                  {"timeUnixNano", std::to_string(time)},
                  {"count", std::to_string(point.count)},
                  {"sum", point.sum},
                  {"bucketCounts", std::move(buckets)},
                  {"explicitBounds", bounds}};
  if (point.count > 0) {
    encoded["min"] = point.min;
    encoded["max"] = point.max;
  }
  return encoded;
}

json Metric(const MetricData& metric, int64_t start, int64_t time) {
  json points = json::array();
  for (const MetricPoint& point : metric.points) {
    points.push_back(metric.kind == MetricData::Kind::kHistogram
                         ? HistogramPoint(point, metric.bounds, start, time)
                         : SumPoint(point, start, time));
  }
  json encoded = {
      {"name", metric.name}, {"description", metric.description}, {"unit", metric.unit}};
  if (metric.kind == MetricData::Kind::kHistogram) {
    encoded["histogram"] = {{"dataPoints", std::move(points)},
                            {"aggregationTemporality", kAggregationTemporalityCumulative}};
  } else {
    encoded["sum"] = {{"dataPoints", std::move(points)},
                      {"aggregationTemporality", kAggregationTemporalityCumulative},
                      {"isMonotonic", metric.kind == MetricData::Kind::kCounter}};
  }
  return encoded;
}

int SpanKindNumber(SpanData::Kind kind) {
  switch (kind) {
    case SpanData::Kind::kInternal:
      return 1;
    case SpanData::Kind::kClient:
      return 3;
    case SpanData::Kind::kProducer:
      return 4;
  }
  return 0;
}

json Span(const SpanData& span) {
  json encoded = {{"traceId", HexEncode(span.context.trace_id)},
                  {"spanId", HexEncode(span.context.span_id)},
                  {"name", span.name},
                  {"kind", SpanKindNumber(span.kind)},
                  {"startTimeUnixNano", std::to_string(span.start_unix_ns)},
                  {"endTimeUnixNano", std::to_string(span.end_unix_ns)},
                  {"attributes", KeyValues(span.attributes)}};
  if (span.parent_span_id != SpanId{}) encoded["parentSpanId"] = HexEncode(span.parent_span_id);
  if (span.status == SpanData::Status::kError) {
    encoded["status"] = {{"code", kStatusCodeError}, {"message", span.status_message}};
  } else if (span.status == SpanData::Status::kOk) {
    encoded["status"] = {{"code", kStatusCodeOk}};
  }
  return encoded;
}

}  // namespace

std::string EncodeMetricsRequest(const std::vector<MetricData>& metrics,
                                 const ExportIdentity& identity, int64_t start_unix_ns,
                                 int64_t time_unix_ns) {
  json list = json::array();
  for (const MetricData& metric : metrics) {
    list.push_back(Metric(metric, start_unix_ns, time_unix_ns));
  }
  json scope = json::object({{"scope", Scope(identity)}, {"metrics", std::move(list)}});
  json resource = json::object(
      {{"resource", Resource(identity)}, {"scopeMetrics", json::array({std::move(scope)})}});
  json request = json::object({{"resourceMetrics", json::array({std::move(resource)})}});
  return Dump(request);
}

std::string EncodeTraceRequest(const std::vector<SpanData>& spans, const ExportIdentity& identity) {
  json list = json::array();
  for (const SpanData& span : spans) list.push_back(Span(span));
  json scope = json::object({{"scope", Scope(identity)}, {"spans", std::move(list)}});
  json resource = json::object(
      {{"resource", Resource(identity)}, {"scopeSpans", json::array({std::move(scope)})}});
  json request = json::object({{"resourceSpans", json::array({std::move(resource)})}});
  return Dump(request);
}

}  // namespace arrow_zerobus::telemetry
