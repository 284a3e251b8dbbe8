#include "wrapper/telemetry_resolution.h"

#include <charconv>

#include "arrow_zerobus/version.h"
#include "common/text.h"

namespace arrow_zerobus::internal {
namespace {

using telemetry::ParseHeaderList;
using telemetry::TelemetrySettings;

constexpr char kDefaultEndpoint[] = "http://localhost:4318";
constexpr char kDefaultServiceName[] = "arrow_zerobus";

Result<std::chrono::milliseconds> Milliseconds(const EnvironmentLookup& env, const char* variable,
                                               const std::optional<int64_t>& setting,
                                               int64_t fallback) {
  if (setting) return std::chrono::milliseconds(*setting);
  const std::string text(TrimWhitespace(env(variable)));
  if (text.empty()) return std::chrono::milliseconds(fallback);
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value <= 0) {
    return ConfigurationError(std::string("environment variable ") + variable + ": '" + text +
                              "' is not a positive number of milliseconds");
  }
  return std::chrono::milliseconds(value);
}

bool IsTrue(std::string_view text) { return AsciiLower(TrimWhitespace(text)) == "true"; }
bool IsNone(std::string_view text) { return AsciiLower(TrimWhitespace(text)) == "none"; }

}  // namespace

Result<TelemetrySettings> ResolveTelemetrySettings(const WrapperConfiguration& config,
                                                   const EnvironmentLookup& env) {
  TelemetrySettings settings;
  settings.enabled = config.observability_enabled && !IsTrue(env("OTEL_SDK_DISABLED"));
  if (!settings.enabled) return settings;
  settings.pull = config.observability_exporter == "none";
  settings.metrics = config.observability_metrics_enabled;
  settings.traces = config.observability_traces_enabled;
  if (!settings.pull) {
    settings.metrics = settings.metrics && !IsNone(env("OTEL_METRICS_EXPORTER"));
    settings.traces = settings.traces && !IsNone(env("OTEL_TRACES_EXPORTER"));
  }

  std::string base = config.observability_endpoint;
  if (base.empty()) base = std::string(TrimWhitespace(env("OTEL_EXPORTER_OTLP_ENDPOINT")));
  if (base.empty()) base = kDefaultEndpoint;
  const std::string metrics_url(TrimWhitespace(env("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")));
  const std::string traces_url(TrimWhitespace(env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")));
  // A signal's own variable is a full URL, used as is, unless the setting names the endpoint.
  const bool from_setting = !config.observability_endpoint.empty();
  settings.metrics_url =
      !from_setting && !metrics_url.empty() ? metrics_url : UrlWithPath(base, "/v1/metrics");
  settings.traces_url =
      !from_setting && !traces_url.empty() ? traces_url : UrlWithPath(base, "/v1/traces");

  const std::string& header_text = config.observability_headers.empty()
                                       ? env("OTEL_EXPORTER_OTLP_HEADERS")
                                       : config.observability_headers.expose();
  auto headers = ParseHeaderList(header_text);
  if (!headers.ok()) {
    return headers.status().WithContext(config.observability_headers.empty()
                                            ? "environment variable OTEL_EXPORTER_OTLP_HEADERS"
                                            : "observability_headers");
  }
  settings.headers = std::move(headers).value();
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(settings.interval,
                                 Milliseconds(env, "OTEL_METRIC_EXPORT_INTERVAL",
                                              config.observability_export_interval_ms, 5000));
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(settings.timeout,
                                 Milliseconds(env, "OTEL_EXPORTER_OTLP_TIMEOUT",
                                              config.observability_export_timeout_ms, 10000));
  settings.max_queued_spans = static_cast<size_t>(config.observability_max_queued_spans);

  auto resource = ParseHeaderList(env("OTEL_RESOURCE_ATTRIBUTES"));
  if (!resource.ok()) {
    return resource.status().WithContext("environment variable OTEL_RESOURCE_ATTRIBUTES");
  }
  std::string service_name = config.observability_service_name;
  if (service_name.empty()) service_name = std::string(TrimWhitespace(env("OTEL_SERVICE_NAME")));
  for (auto& [key, value] : *resource) {
    if (key == "service.name") {
      if (service_name.empty()) service_name = value;
      continue;
    }
    settings.identity.resource.emplace_back(key, value);
  }
  if (service_name.empty()) service_name = kDefaultServiceName;
  settings.identity.resource.insert(
      settings.identity.resource.begin(),
      {{"service.name", service_name},
       {"telemetry.sdk.name", std::string("arrow_zerobus")},
       {"telemetry.sdk.language", std::string("cpp")},
       {"telemetry.sdk.version", std::string(ARROW_ZEROBUS_VERSION)}});
  settings.identity.scope_version = ARROW_ZEROBUS_VERSION;
  return settings;
}

}  // namespace arrow_zerobus::internal
