#include "telemetry/otlp_json.h"

#include <string_view>

#include "telemetry/hex.h"
#include "telemetry/json_writer.h"

namespace arrow_zerobus::telemetry {
namespace {

// OTLP enum values (opentelemetry-proto metrics.proto and trace.proto).
constexpr char kAggregationTemporalityCumulative[] = "2";
constexpr char kStatusCodeOk[] = "1";
constexpr char kStatusCodeError[] = "2";

/// `"name":` ready for its value.
void Key(std::string& out, std::string_view name) {
  out += '"';
  out += name;
  out += "\":";
}

/// A 64-bit integer as OTLP/JSON writes one: a string.
void Int64(std::string& out, int64_t value) {
  out += '"';
  out += std::to_string(value);
  out += '"';
}

void AnyValue(std::string& out, const AttributeValue& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          out += v ? "{\"boolValue\":true}" : "{\"boolValue\":false}";
        } else if constexpr (std::is_same_v<T, int64_t>) {
          out += "{\"intValue\":";
          Int64(out, v);
          out += '}';
        } else if constexpr (std::is_same_v<T, double>) {
          out += "{\"doubleValue\":";
          AppendJsonNumber(out, v);
          out += '}';
        } else {
          out += "{\"stringValue\":";
          AppendJsonString(out, v);
          out += '}';
        }
      },
      value);
}

template <typename Pairs, typename WriteValue>
void KeyValueList(std::string& out, const Pairs& attributes, WriteValue write_value) {
  out += '[';
  bool first = true;
  for (const auto& [key, value] : attributes) {
    if (!first) out += ',';
    first = false;
    out += "{\"key\":";
    AppendJsonString(out, key);
    out += ",\"value\":";
    write_value(value);
    out += '}';
  }
  out += ']';
}

void KeyValues(std::string& out, const Attributes& attributes) {
  KeyValueList(out, attributes, [&](const AttributeValue& value) { AnyValue(out, value); });
}

void KeyValues(std::string& out, const std::vector<std::pair<std::string, std::string>>& labels) {
  KeyValueList(out, labels, [&](const std::string& value) {
    out += "{\"stringValue\":";
    AppendJsonString(out, value);
    out += '}';
  });
}

/// {"resource":{...},"scope<Signal>s":[{"scope":{...},"<items>":[ — closed by Close().
void Open(std::string& out, const ExportIdentity& identity, std::string_view outer,
          std::string_view scoped, std::string_view items) {
  out += "{\"";
  out += outer;
  out += "\":[{\"resource\":{\"attributes\":";
  KeyValues(out, identity.resource);
  out += "},\"";
  out += scoped;
  out += "\":[{\"scope\":{\"name\":";
  AppendJsonString(out, identity.scope_name);
  out += ",\"version\":";
  AppendJsonString(out, identity.scope_version);
  out += "},\"";
  out += items;
  out += "\":[";
}

void Close(std::string& out) { out += "]}]}]}"; }

void PointTimes(std::string& out, const MetricPoint& point, int64_t start, int64_t time) {
  Key(out, "attributes");
  KeyValues(out, point.attributes);
  out += ',';
  Key(out, "startTimeUnixNano");
  Int64(out, start);
  out += ',';
  Key(out, "timeUnixNano");
  Int64(out, time);
}

void SumPoint(std::string& out, const MetricPoint& point, int64_t start, int64_t time) {
  out += '{';
  PointTimes(out, point, start, time);
  out += ',';
  Key(out, "asInt");
  Int64(out, point.value);
  out += '}';
}

void HistogramPoint(std::string& out, const MetricPoint& point, const std::vector<double>& bounds,
                    int64_t start, int64_t time) {
  out += '{';
  PointTimes(out, point, start, time);
  out += ',';
  Key(out, "count");
  Int64(out, static_cast<int64_t>(point.count));
  out += ',';
  Key(out, "sum");
  AppendJsonNumber(out, point.sum);
  out += ',';
  Key(out, "bucketCounts");
  out += '[';
  for (size_t i = 0; i < point.bucket_counts.size(); ++i) {
    if (i > 0) out += ',';
    Int64(out, static_cast<int64_t>(point.bucket_counts[i]));
  }
  out += "],";
  Key(out, "explicitBounds");
  out += '[';
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonNumber(out, bounds[i]);
  }
  out += ']';
  if (point.count > 0) {
    out += ',';
    Key(out, "min");
    AppendJsonNumber(out, point.min);
    out += ',';
    Key(out, "max");
    AppendJsonNumber(out, point.max);
  }
  out += '}';
}

void Metric(std::string& out, const MetricData& metric, int64_t start, int64_t time) {
  const bool histogram = metric.kind == MetricData::Kind::kHistogram;
  out += '{';
  Key(out, "name");
  AppendJsonString(out, metric.name);
  out += ',';
  Key(out, "description");
  AppendJsonString(out, metric.description);
  out += ',';
  Key(out, "unit");
  AppendJsonString(out, metric.unit);
  out += ',';
  Key(out, histogram ? "histogram" : "sum");
  out += "{\"dataPoints\":[";
  for (size_t i = 0; i < metric.points.size(); ++i) {
    if (i > 0) out += ',';
    if (histogram) {
      HistogramPoint(out, metric.points[i], metric.bounds, start, time);
    } else {
      SumPoint(out, metric.points[i], start, time);
    }
  }
  out += "],\"aggregationTemporality\":";
  out += kAggregationTemporalityCumulative;
  if (!histogram) {
    out += metric.kind == MetricData::Kind::kCounter ? ",\"isMonotonic\":true"
                                                     : ",\"isMonotonic\":false";
  }
  out += "}}";
}

const char* SpanKindNumber(SpanData::Kind kind) {
  switch (kind) {
    case SpanData::Kind::kInternal:
      return "1";
    case SpanData::Kind::kClient:
      return "3";
    case SpanData::Kind::kProducer:
      return "4";
  }
  return "0";
}

void Span(std::string& out, const SpanData& span) {
  out += "{\"traceId\":\"";
  out += HexEncode(span.context.trace_id);
  out += "\",\"spanId\":\"";
  out += HexEncode(span.context.span_id);
  out += '"';
  if (span.parent_span_id != SpanId{}) {
    out += ",\"parentSpanId\":\"";
    out += HexEncode(span.parent_span_id);
    out += '"';
  }
  out += ',';
  Key(out, "name");
  AppendJsonString(out, span.name);
  out += ",\"kind\":";
  out += SpanKindNumber(span.kind);
  out += ',';
  Key(out, "startTimeUnixNano");
  Int64(out, span.start_unix_ns);
  out += ',';
  Key(out, "endTimeUnixNano");
  Int64(out, span.end_unix_ns);
  out += ',';
  Key(out, "attributes");
  KeyValues(out, span.attributes);
  if (span.status == SpanData::Status::kError) {
    out += ",\"status\":{\"code\":";
    out += kStatusCodeError;
    out += ",\"message\":";
    AppendJsonString(out, span.status_message);
    out += '}';
  } else if (span.status == SpanData::Status::kOk) {
    out += ",\"status\":{\"code\":";
    out += kStatusCodeOk;
    out += '}';
  }
  out += '}';
}

}  // namespace

std::string EncodeMetricsRequest(const std::vector<MetricData>& metrics,
                                 const ExportIdentity& identity, int64_t start_unix_ns,
                                 int64_t time_unix_ns) {
  std::string out;
  Open(out, identity, "resourceMetrics", "scopeMetrics", "metrics");
  for (size_t i = 0; i < metrics.size(); ++i) {
    if (i > 0) out += ',';
    Metric(out, metrics[i], start_unix_ns, time_unix_ns);
  }
  Close(out);
  return out;
}

std::string EncodeTraceRequest(const std::vector<SpanData>& spans, const ExportIdentity& identity) {
  std::string out;
  out.reserve(512 * spans.size() + 256);
  Open(out, identity, "resourceSpans", "scopeSpans", "spans");
  for (size_t i = 0; i < spans.size(); ++i) {
    if (i > 0) out += ',';
    Span(out, spans[i]);
  }
  Close(out);
  return out;
}

}  // namespace arrow_zerobus::telemetry
