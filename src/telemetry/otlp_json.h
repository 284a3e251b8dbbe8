// OTLP/JSON: ExportMetricsServiceRequest and ExportTraceServiceRequest bodies as the
// OpenTelemetry protocol specification defines their JSON encoding (lowerCamelCase fields,
// 64-bit integers as strings, enums as numbers, trace and span ids as hex).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "arrow_zerobus/telemetry.h"

namespace arrow_zerobus::telemetry {

/// The resource (service.name and the rest) and instrumentation scope of every export.
struct ExportIdentity {
  Attributes resource;
  std::string scope_name = "arrow_zerobus";
  std::string scope_version;
};

/// Cumulative metrics counted from `start_unix_ns`, observed at `time_unix_ns`.
std::string EncodeMetricsRequest(const std::vector<MetricData>& metrics,
                                 const ExportIdentity& identity, int64_t start_unix_ns,
                                 int64_t time_unix_ns);
std::string EncodeTraceRequest(const std::vector<SpanData>& spans, const ExportIdentity& identity);

}  // namespace arrow_zerobus::telemetry
