// WrapperConfiguration: builders, validation, the text form of the settings and Set().
#include "arrow_zerobus/config.h"

#include <cctype>
#include <sstream>
#include <utility>

#include <arrow/util/compression.h>
#include <google/protobuf/descriptor.pb.h>

#include "auth/oauth_request.h"
#include "common/compression_level.h"
#include "common/endpoint.h"
#include "common/service_limits.h"
#include "common/text.h"
#include "config/settings_table.h"
#include "telemetry/telemetry_settings.h"

namespace arrow_zerobus {
namespace {

constexpr int64_t kMinRequestBytes = 1024;
constexpr int kMaxWorkerThreads = 64;
/// The service's limit on multiplexed streams, as the official SDK states it (LaneSet checks it
/// too).
constexpr int kMaxStreamCount = 64;
/// The longest duration a setting takes: the deadlines built from them (now + duration, on
/// std::chrono clocks in nanoseconds, and gRPC's) overflowed for values near INT64_MAX, so that a
/// "wait forever" value failed every request at once or hung the connect.
constexpr int64_t kMaxDurationSeconds = 30LL * 24 * 3600;
constexpr int64_t kMaxDurationMs = kMaxDurationSeconds * 1000;

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

// An http(s) URL with something after the scheme (a path is allowed: a workspace URL may have one),
// without spaces or control characters (which curl refused only when the first token was fetched,
// after rows had been read).
bool IsHttpUrl(std::string_view url) {
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  }
  for (std::string_view scheme : {"https://", "http://"}) {
    if (StartsWithNoCase(url, scheme)) {
      const std::string_view rest = url.substr(scheme.size());
      return !rest.empty() && rest.front() != '/';
    }
  }
  return false;
}

bool IsIdentifierPart(std::string_view part) {
  for (char c : part) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

void CheckTableName(const std::string& table_name, std::vector<std::string>& out) {
  if (table_name.empty()) {
    out.push_back("table_name is empty (give catalog.schema.table)");
    return;
  }
  auto parsed = auth::ParseTableName(table_name);
  if (!parsed.ok()) {
    out.push_back("table_name: " + parsed.status().message());
    return;
  }
  const std::pair<const char*, const std::string*> parts[] = {
      {"catalog", &parsed->catalog}, {"schema", &parsed->schema}, {"table", &parsed->table}};
  for (const auto& [role, part] : parts) {
    if (!IsIdentifierPart(*part)) {
      out.push_back("table_name '" + table_name + "': the " + role + " name '" + *part +
                    "' may hold only ASCII letters, digits and '_'");
    }
  }
}

class ProblemList {
 public:
  void Add(std::string problem) { problems_.push_back(std::move(problem)); }

  void AtLeast(std::string_view key, int64_t value, int64_t minimum, std::string_view hint = {}) {
    if (value >= minimum) return;
    Add(std::string(key) + " is " + std::to_string(value) + " but must be at least " +
        std::to_string(minimum) + std::string(hint));
  }

  void Between(std::string_view key, int64_t value, int64_t minimum, int64_t maximum,
               std::string_view why_maximum = {}) {
    if (value >= minimum && value <= maximum) return;
    Add(std::string(key) + " is " + std::to_string(value) + " but must be between " +
        std::to_string(minimum) + " and " + std::to_string(maximum) + std::string(why_maximum));
  }

  void AtLeastIfSet(std::string_view key, const std::optional<int64_t>& value, int64_t minimum,
                    std::string_view hint = {}) {
    if (value.has_value()) AtLeast(key, *value, minimum, hint);
  }

  /// A duration in milliseconds (in seconds with `maximum` kMaxDurationSeconds): at least
  /// `minimum`, at most 30 days.
  void Duration(std::string_view key, int64_t value, int64_t minimum,
                int64_t maximum = kMaxDurationMs) {
    AtLeast(key, value, minimum);
    AtMostDuration(key, value, maximum);
  }

  void AtMostDuration(std::string_view key, int64_t value, int64_t maximum = kMaxDurationMs) {
    if (value <= maximum) return;
    Add(std::string(key) + " is " + std::to_string(value) + " but must be at most " +
        std::to_string(maximum) + " (30 days)");
  }

  void DurationIfSet(std::string_view key, const std::optional<int64_t>& value, int64_t minimum,
                     int64_t maximum = kMaxDurationMs) {
    if (value.has_value()) Duration(key, *value, minimum, maximum);
  }

  std::vector<std::string>& items() { return problems_; }

 private:
  std::vector<std::string> problems_;
};

}  // namespace

std::string_view WireFormatName(WireFormat format) {
  return format == WireFormat::kArrow ? "arrow" : "protobuf";
}

Result<WireFormat> ParseWireFormat(std::string_view text) {
  const std::string word = AsciiLower(TrimWhitespace(text));
  if (word == "protobuf") return WireFormat::kProtobuf;
  if (word == "arrow") return WireFormat::kArrow;
  return ConfigurationError("wire_format: '" + std::string(text) +
                            "' is not a wire format (protobuf or arrow)");
}

std::ostream& operator<<(std::ostream& os, const SecretString&) { return os << "***"; }

// --- Builders --------------------------------------------------------------------------------

WrapperConfiguration& WrapperConfiguration::with_credentials(std::string id, std::string secret) {
  client_id = std::move(id);
  client_secret = SecretString(std::move(secret));
  return *this;
}

WrapperConfiguration& WrapperConfiguration::with_unity_catalog(std::string url) {
  unity_catalog_url = std::move(url);
  return *this;
}

WrapperConfiguration& WrapperConfiguration::with_debug_output(std::filesystem::path dir) {
  debug_output_dir = std::move(dir);
  debug_enabled = true;
  return *this;
}

WrapperConfiguration& WrapperConfiguration::with_debug_arrow_enabled(bool enabled) {
  debug_arrow_enabled = enabled;
  return *this;
}

WrapperConfiguration& WrapperConfiguration::with_debug_protobuf_enabled(bool enabled) {
  debug_protobuf_enabled = enabled;
  return *this;
}

WrapperConfiguration& WrapperConfiguration::with_debug_flush_interval_secs(int64_t seconds) {
  debug_flush_interval_secs = seconds;
  return *this;
}

WrapperConfiguration& WrapperConfiguration::with_debug_max_file_size(std::optional<int64_t> bytes) {
  debug_max_file_size = bytes;
  return *this;
}

WrapperConfiguration& WrapperConfiguration::with_debug_max_file_rows(std::optional<int64_t> rows) {
  debug_max_file_rows = rows;
  return *this;
}

WrapperConfiguration& WrapperConfiguration::with_debug_max_file_age_secs(
    std::optional<int64_t> seconds) {
  debug_max_file_age_secs = seconds;
  return *this;
}

WrapperConfiguration& WrapperConfiguration::with_debug_max_files_retained(
    std::optional<int64_t> files) {
  debug_max_files_retained = files;
  return *this;
}

WrapperConfiguration& WrapperConfiguration::with_retry_config(int max_attempts,
                                                              int64_t base_delay_ms,
                                                              int64_t max_delay_ms) {
  retry_max_attempts = max_attempts;
  retry_base_delay_ms = base_delay_ms;
  retry_max_delay_ms = max_delay_ms;
  return *this;
}

WrapperConfiguration& WrapperConfiguration::with_stream_count(int streams) {
  stream_count = streams;
  return *this;
}

WrapperConfiguration& WrapperConfiguration::with_zerobus_writer_disabled(bool disabled) {
  zerobus_writer_disabled = disabled;
  return *this;
}

WrapperConfiguration& WrapperConfiguration::with_descriptor_proto(
    std::string serialized_descriptor) {
  descriptor_proto = std::move(serialized_descriptor);
  return *this;
}

std::vector<std::string> WrapperConfiguration::ResumeStreamIds() const {
  std::vector<std::string> ids;
  if (TrimWhitespace(resume_stream_ids).empty()) return ids;
  std::string_view rest = resume_stream_ids;
  while (true) {
    const size_t comma = rest.find(',');
    ids.emplace_back(TrimWhitespace(rest.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return ids;
}

WrapperConfiguration& WrapperConfiguration::with_wire_format(WireFormat format) {
  wire_format = format;
  return *this;
}

WrapperConfiguration& WrapperConfiguration::with_observability(std::string endpoint) {
  observability_enabled = true;
  observability_endpoint = std::move(endpoint);
  return *this;
}

// --- Validation ------------------------------------------------------------------------------

std::vector<std::string> WrapperConfiguration::problems() const {
  ProblemList out;

  // With the writer disabled nothing connects, so only a given endpoint has to make sense.
  if (zerobus_endpoint.empty()) {
    if (!zerobus_writer_disabled) {
      out.Add(
          "zerobus_endpoint is empty (give "
          "https://<workspace id>.zerobus.<region>.cloud.databricks.com)");
    }
  } else if (auto endpoint = ParseZerobusEndpoint(zerobus_endpoint); !endpoint.ok()) {
    out.Add("zerobus_endpoint: " + endpoint.status().message());
  }
  CheckTableName(table_name, out.items());

  if (!zerobus_writer_disabled) {
    if (unity_catalog_url.empty()) {
      out.Add(
          "unity_catalog_url is empty: the workspace URL "
          "(https://<workspace>.cloud.databricks.com) "
          "is required unless zerobus_writer_disabled is true");
    } else if (!IsHttpUrl(unity_catalog_url)) {
      out.Add("unity_catalog_url '" + unity_catalog_url +
              "' must be an https:// (or http://) URL with a host, without spaces or control "
              "characters");
    }
    if (client_id.empty() && client_secret.empty()) {
      out.Add(
          "client_id and client_secret are empty: both are required unless "
          "zerobus_writer_disabled is true");
    } else if (client_id.empty()) {
      out.Add("client_id is empty but client_secret is set: give both");
    } else if (client_secret.empty()) {
      out.Add("client_secret is empty but client_id '" + client_id + "' is set: give both");
    }
  }
  if (descriptor_proto.has_value()) {
    google::protobuf::DescriptorProto descriptor;
    if (descriptor_proto->empty()) {
      out.Add("descriptor_proto is empty (0 bytes): leave it unset to generate one per schema");
    } else if (!descriptor.ParseFromString(*descriptor_proto)) {
      out.Add("descriptor_proto (<" + std::to_string(descriptor_proto->size()) +
              " bytes>) is not a serialized DescriptorProto");
    }
  }

  if (schema_source != "arrow" && schema_source != "table") {
    out.Add("schema_source '" + schema_source + "' must be arrow or table");
  } else if (schema_source == "table") {
    if (descriptor_proto.has_value()) {
      out.Add(
          "schema_source is table but descriptor_proto is set: the descriptor comes from one "
          "or the other");
    }
    if (zerobus_writer_disabled && !table_schema.has_value()) {
      out.Add(
          "schema_source table in writer-disabled mode needs table_schema: that mode "
          "makes no network call, so the table's description cannot be fetched from Unity "
          "Catalog");
    }
  } else {
    for (const auto& [name, set] :
         {std::pair<const char*, bool>{"table_schema", table_schema.has_value()},
          {"drop_extra_columns", drop_extra_columns},
          {"parse_strings", parse_strings},
          {"truncate_to_date", truncate_to_date}}) {
      if (set) {
        out.Add(std::string(name) + " applies to schema_source table only, but schema_source is " +
                schema_source);
      }
    }
  }
  if (delivery != "at_least_once" && delivery != "exactly_once") {
    out.Add("delivery '" + delivery + "' must be at_least_once or exactly_once");
  } else if (delivery == "exactly_once" && wire_format == WireFormat::kArrow) {
    out.Add(
        "delivery exactly_once needs wire_format protobuf: the service offers persistent "
        "(exactly-once) streams for Protobuf and JSON records only, not for Arrow Flight");
  }
  if (!resume_stream_ids.empty()) {
    const std::vector<std::string> ids = ResumeStreamIds();
    if (delivery != "exactly_once") {
      out.Add("resume_stream_ids is set but delivery is " + delivery +
              ": only persistent streams (delivery exactly_once) can be resumed");
    }
    if (static_cast<int64_t>(ids.size()) != stream_count) {
      out.Add("resume_stream_ids names " + std::to_string(ids.size()) + " stream(s) but " +
              "stream_count is " + std::to_string(stream_count) + ": give one id per stream");
    }
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i].empty()) out.Add("resume_stream_ids: stream " + std::to_string(i) + " is empty");
    }
  }
  if (wire_format == WireFormat::kArrow && descriptor_proto.has_value()) {
    out.Add(
        "descriptor_proto is set but wire_format is arrow: a descriptor applies to Protobuf "
        "records only (leave it unset, or use wire_format protobuf)");
  }
  if (arrow_ipc_compression != "none" && arrow_ipc_compression != "lz4_frame" &&
      arrow_ipc_compression != "zstd") {
    out.Add("arrow_ipc_compression '" + arrow_ipc_compression +
            "' must be none, lz4_frame or zstd");
  } else if (Status level = CheckCompressionLevel(
                 arrow_ipc_compression == "zstd"        ? arrow::Compression::ZSTD
                 : arrow_ipc_compression == "lz4_frame" ? arrow::Compression::LZ4_FRAME
                                                        : arrow::Compression::UNCOMPRESSED,
                 arrow_ipc_compression_level);
             !level.ok()) {
    out.Add(level.message());
  }

  out.Duration("retry_timeout_ms", retry_timeout_ms, 1);
  out.AtLeast("retry_max_attempts", retry_max_attempts, 0, " (0: no limit)");
  out.Duration("retry_base_delay_ms", retry_base_delay_ms, 0);
  out.AtMostDuration("retry_max_delay_ms", retry_max_delay_ms);
  if (retry_max_delay_ms < retry_base_delay_ms) {
    out.Add("retry_max_delay_ms is " + std::to_string(retry_max_delay_ms) +
            " but must be at least retry_base_delay_ms (" + std::to_string(retry_base_delay_ms) +
            ")");
  }

  out.Between("stream_count", stream_count, 1, kMaxStreamCount);
  out.AtLeast("max_inflight_requests", max_inflight_requests, stream_count,
              " (stream_count: each stream needs at least one)");
  out.AtLeast("max_inflight_bytes", max_inflight_bytes, 1);
  out.Between("max_request_bytes", max_request_bytes, kMinRequestBytes, kServiceMaxRequestBytes);
  if (max_request_bytes >= kMinRequestBytes && max_request_bytes <= kServiceMaxRequestBytes) {
    out.Between("max_record_bytes", max_record_bytes, 1, max_request_bytes - kRequestFramingBytes,
                " (max_request_bytes - " + std::to_string(kRequestFramingBytes) + ")");
  } else {
    out.AtLeast("max_record_bytes", max_record_bytes, 1);
  }
  out.Duration("connect_timeout_ms", connect_timeout_ms, 1);
  out.Duration("server_lack_of_ack_timeout_ms", server_lack_of_ack_timeout_ms, 1);
  out.Duration("flush_timeout_ms", flush_timeout_ms, 1);
  out.DurationIfSet("stream_paused_max_wait_ms", stream_paused_max_wait_ms, 0);
  out.Between("worker_threads", worker_threads, 1, kMaxWorkerThreads);

  if ((arrow_debug_on() || protobuf_debug_on()) && debug_output_dir.empty()) {
    std::string flags;
    for (const auto& [name, on] : {std::pair{"debug_enabled", debug_enabled},
                                   std::pair{"debug_arrow_enabled", debug_arrow_enabled},
                                   std::pair{"debug_protobuf_enabled", debug_protobuf_enabled}}) {
      if (on) flags += std::string(flags.empty() ? "" : ", ") + name;
    }
    out.Add("debug_output_dir is empty but debug output is on (" + flags +
            "): set debug_output_dir");
  }
  if (zerobus_writer_disabled && !arrow_debug_on() && !protobuf_debug_on()) {
    out.Add(
        "zerobus_writer_disabled is true, but writer disabled requires debug output: set "
        "debug_output_dir and debug_enabled (or debug_arrow_enabled / debug_protobuf_enabled)");
  }
  out.Duration("debug_flush_interval_secs", debug_flush_interval_secs, 1, kMaxDurationSeconds);
  out.AtLeastIfSet("debug_max_file_size", debug_max_file_size, 1);
  out.AtLeastIfSet("debug_max_file_rows", debug_max_file_rows, 1);
  out.DurationIfSet("debug_max_file_age_secs", debug_max_file_age_secs, 1, kMaxDurationSeconds);
  out.AtLeastIfSet("debug_max_files_retained", debug_max_files_retained, 1,
                   " (leave it unset to keep every file)");

  if (observability_exporter != "otlp" && observability_exporter != "none") {
    out.Add("observability_exporter '" + observability_exporter + "' must be otlp or none");
  }
  if (!observability_endpoint.empty() && !IsHttpUrl(observability_endpoint)) {
    out.Add("observability_endpoint '" + observability_endpoint +
            "' must be an http:// or https:// URL with a host (the OTLP/HTTP base URL)");
  }
  if (auto headers = telemetry::ParseHeaderList(observability_headers.expose()); !headers.ok()) {
    out.Add("observability_headers: " + headers.status().message());
  }
  out.DurationIfSet("observability_export_interval_ms", observability_export_interval_ms, 1);
  out.DurationIfSet("observability_export_timeout_ms", observability_export_timeout_ms, 1);
  out.AtLeast("observability_max_queued_spans", observability_max_queued_spans, 1);
  return std::move(out.items());
}

Status WrapperConfiguration::validate() const {
  const std::vector<std::string> found = problems();
  if (found.empty()) return Status::OK();
  std::string message = "invalid configuration: ";
  for (size_t i = 0; i < found.size(); ++i) {
    if (i > 0) message += "; ";
    message += found[i];
  }
  return ConfigurationError(std::move(message));
}

// --- Text form -------------------------------------------------------------------------------

std::string WrapperConfiguration::ToString() const {
  std::string out;
  for (const config::Setting& setting : config::Settings()) {
    if (!out.empty()) out += '\n';
    out += std::string(setting.key) + ": " + config::FormatValue(setting, *this);
  }
  return out;
}

std::ostream& operator<<(std::ostream& os, const WrapperConfiguration& config) {
  return os << config.ToString();
}

Status WrapperConfiguration::Set(std::string_view key, std::string_view value) {
  const config::Setting* setting = config::FindSetting(key);
  if (setting == nullptr) return config::UnknownSettingError(key);
  return config::SetFromText(*setting, value, *this);
}

std::vector<std::string> WrapperConfiguration::SettingKeys() {
  std::vector<std::string> keys;
  for (const config::Setting& setting : config::Settings()) keys.emplace_back(setting.key);
  return keys;
}

std::string WrapperConfiguration::EnvironmentVariable(std::string_view key) {
  std::string upper(key);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  // zerobus_endpoint is ZEROBUS_ENDPOINT, not ZEROBUS_ZEROBUS_ENDPOINT.
  if (upper.rfind("ZEROBUS_", 0) == 0) return upper;
  return "ZEROBUS_" + upper;
}

}  // namespace arrow_zerobus
