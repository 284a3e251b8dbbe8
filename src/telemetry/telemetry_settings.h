// The effective telemetry settings (wrapper/telemetry_resolution.h makes them from the
// configuration and the OTEL_* variables) and the OTEL header-list syntax.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "arrow_zerobus/status.h"
#include "telemetry/otlp_json.h"

namespace arrow_zerobus::telemetry {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// "key=value,key2=value2" (the OTEL_EXPORTER_OTLP_HEADERS form; values may be %-encoded).
/// Errors name the entry's position, never its value, which may be a credential.
Result<HeaderList> ParseHeaderList(std::string_view text);

struct TelemetrySettings {
  bool enabled = false;
  /// Kept for collect_telemetry() instead of exported (observability_exporter "none").
  bool pull = false;
  bool metrics = true;
  bool traces = true;
  std::string metrics_url;  ///< <endpoint>/v1/metrics, or OTEL_EXPORTER_OTLP_METRICS_ENDPOINT
  std::string traces_url;   ///< <endpoint>/v1/traces, or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
  HeaderList headers;
  std::chrono::milliseconds interval{5000};
  std::chrono::milliseconds timeout{10000};
  size_t max_queued_spans = 2048;
  ExportIdentity identity;
};

}  // namespace arrow_zerobus::telemetry
