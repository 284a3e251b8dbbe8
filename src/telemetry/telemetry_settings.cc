#include "telemetry/telemetry_settings.h"

#include <charconv>

#include "arrow_zerobus/version.h"
#include "common/text.h"

namespace arrow_zerobus::telemetry {
namespace {

constexpr char kDefaultEndpoint[] = "http://localhost:4318";
constexpr char kDefaultServiceName[] = "arrow_zerobus";

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(c | 0x20);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/// %XX escapes decoded (the W3C baggage value encoding OTEL_* lists use); false when malformed.
bool PercentDecode(std::string_view text, std::string& out) {
  out.clear();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return false;
    const int high = HexDigit(text[i + 1]);
    const int low = HexDigit(text[i + 2]);
    if (high < 0 || low < 0) return false;
    out += static_cast<char>(high << 4 | low);
    i += 2;
  }
  return true;
}

std::string SignalUrl(std::string base, std::string_view path) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + std::string(path);
}

Result<std::chrono::milliseconds> Milliseconds(const zerobus::EnvironmentLookup& env,
                                               const char* variable,
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

Result<HeaderList> ParseHeaderList(std::string_view text) {
  HeaderList headers;
  size_t position = 0;
  int entry = 0;
  while (position <= text.size()) {
    const size_t comma = std::min(text.find(',', position), text.size());
    const std::string_view item = TrimWhitespace(text.substr(position, comma - position));
    position = comma + 1;
    ++entry;
    if (item.empty()) continue;
    const size_t equals = item.find('=');
    if (equals == std::string_view::npos) {
      return ConfigurationError("entry " + std::to_string(entry) +
                                " has no '=' (expected key=value,key2=value2)");
    }
    std::string key, value;
    if (!PercentDecode(TrimWhitespace(item.substr(0, equals)), key) ||
        !PercentDecode(TrimWhitespace(item.substr(equals + 1)), value)) {
      return ConfigurationError("entry " + std::to_string(entry) + " has a malformed %-escape");
    }
    if (key.empty()) {
      return ConfigurationError("entry " + std::to_string(entry) + " has an empty key");
    }
    if (key.find_first_of("\r\n") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      return ConfigurationError("entry " + std::to_string(entry) + " contains a line break");
    }
    headers.emplace_back(std::move(key), std::move(value));
  }
  return headers;
}

Result<TelemetrySettings> ResolveTelemetrySettings(const WrapperConfiguration& config,
                                                   const zerobus::EnvironmentLookup& env) {
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
      !from_setting && !metrics_url.empty() ? metrics_url : SignalUrl(base, "/v1/metrics");
  settings.traces_url =
      !from_setting && !traces_url.empty() ? traces_url : SignalUrl(base, "/v1/traces");

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

}  // namespace arrow_zerobus::telemetry
