// WrapperConfiguration: every setting of a ZerobusWrapper, with builder methods named as in the
// original Rust API, validation that reports each problem, and loading from YAML or ZEROBUS_*
// environment variables. Secrets print as "***" in every form.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus {

/// A string that never prints: operator<< and ToString() give "***". Read it with expose().
class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string value) : value_(std::move(value)) {}
  const std::string& expose() const { return value_; }
  bool empty() const { return value_.empty(); }
  friend bool operator==(const SecretString& a, const SecretString& b) {
    return a.value_ == b.value_;
  }

 private:
  std::string value_;
};
std::ostream& operator<<(std::ostream& os, const SecretString& secret);

/// How rows travel to the service (docs/api.md, "Wire formats").
enum class WireFormat {
  /// Rows become Protobuf records on the Zerobus gRPC stream (the default).
  kProtobuf,
  /// Batches go as Arrow IPC over Arrow Flight DoPut, cast to the canonical Arrow types, without
  /// any row conversion.
  kArrow,
};
/// "protobuf" or "arrow": the setting's text form.
std::string_view WireFormatName(WireFormat format);
/// The format a text names ("protobuf" or "arrow", any case); a ConfigurationError otherwise.
Result<WireFormat> ParseWireFormat(std::string_view text);

struct WrapperConfiguration {
  WrapperConfiguration() = default;
  WrapperConfiguration(std::string endpoint, std::string table)
      : zerobus_endpoint(std::move(endpoint)), table_name(std::move(table)) {}

  // --- Where to write --------------------------------------------------------------------------
  /// https://<workspace id>.zerobus.<region>.cloud.databricks.com (http:// only for emulators).
  std::string zerobus_endpoint;
  /// catalog.schema.table
  std::string table_name;
  /// The workspace URL that issues OAuth tokens (https://<workspace>.cloud.databricks.com).
  std::string unity_catalog_url;
  std::string client_id;
  SecretString client_secret;
  /// A DescriptorProto (serialized) to use instead of one generated from each batch's schema;
  /// columns are matched to its fields by name.
  std::optional<std::string> descriptor_proto;
  /// Where the schema sent comes from: "arrow" (each batch's own) or "table" (the table's
  /// columns, read from Unity Catalog once when the wrapper is created; each batch is fitted to
  /// them: columns matched by name ignoring case, reordered, converted value by value).
  std::string schema_source = "arrow";
  /// schema_source table: the table's description, the JSON Unity Catalog answers to
  /// GET /api/2.1/unity-catalog/tables/{name}, used instead of fetching it. Needed in
  /// writer-disabled mode, which makes no network call. Given as text (environment, YAML,
  /// Python), the value is the path of a file holding it, as for descriptor_proto.
  std::optional<std::string> table_schema;
  /// schema_source table: batch columns (and struct members) the table lacks are dropped
  /// instead of refused.
  bool drop_extra_columns = false;
  /// schema_source table: text converts to number, BOOLEAN, DATE, TIMESTAMP and DECIMAL columns
  /// by parsing (ISO 8601 for dates and times); a value that does not parse fails its row.
  bool parse_strings = false;
  /// schema_source table: timestamp columns convert to DATE columns, keeping the day (a zoned
  /// timestamp's local day) and dropping the time of day.
  bool truncate_to_date = false;

  // --- Wire format (docs/api.md, "Wire formats") ------------------------------------------------
  WireFormat wire_format = WireFormat::kProtobuf;
  /// "at_least_once" (EphemeralStream: a row whose ack was lost with a connection is sent again
  /// and may land twice) or "exactly_once" (PersistentStream, which the service marks in
  /// development: each lane's stream resumes at the server's committed offset after a cut, so
  /// no row lands twice). exactly_once needs wire_format protobuf.
  std::string delivery = "at_least_once";
  /// delivery exactly_once: the persistent streams to resume, one id per stream (stream_count),
  /// comma-separated, as a wrapper's stats() named them: offsets continue after what each
  /// committed (docs/api.md, "Exactly once"). Empty: new streams are created.
  std::string resume_stream_ids;
  /// Arrow format: IPC buffer compression, "none", "lz4_frame" or "zstd".
  std::string arrow_ipc_compression = "none";
  /// Arrow format: the compression's level (ZSTD: higher is smaller and slower; see
  /// docs/benchmarks.md); unset: Arrow C++'s default for the codec. Needs a compression.
  std::optional<int64_t> arrow_ipc_compression_level;

  // --- Retry: a stream in trouble (from a failure until an ack makes progress again) -----------
  /// How long a stream in trouble keeps reconnecting before its rows fail (RetriesExhausted).
  int64_t retry_timeout_ms = 60000;
  /// Attempts in one episode of trouble, the first included; 0: no limit (retry_timeout_ms
  /// alone bounds it).
  int retry_max_attempts = 0;
  int64_t retry_base_delay_ms = 100;
  int64_t retry_max_delay_ms = 30000;

  // --- Stream ----------------------------------------------------------------------------------
  /// Streams (lanes) per table, each on its own connection: requests go to the one with the
  /// least outstanding work; rows keep their order within a stream only (docs/transport.md).
  int stream_count = 1;
  /// The in-flight window of all streams together (each gets an equal share).
  int64_t max_inflight_requests = 10000;
  int64_t max_inflight_bytes = 512LL * 1024 * 1024;
  int64_t max_request_bytes = 10 * 1024 * 1024 - 16 * 1024;
  int64_t max_record_bytes = 4194285;
  int64_t connect_timeout_ms = 15000;
  int64_t server_lack_of_ack_timeout_ms = 60000;
  int64_t flush_timeout_ms = 300000;
  /// Reconnect and replay unacknowledged requests after a retryable failure.
  bool recovery = true;
  /// After a close signal, wait for acks at most this long (unset: as long as the server said).
  std::optional<int64_t> stream_paused_max_wait_ms;
  /// Appended to the user agent.
  std::string application_name;
  /// Threads that convert batches (conversion of concurrent sends runs in parallel).
  int worker_threads = 2;

  // --- Debug output ----------------------------------------------------------------------------
  /// Both formats at once (the original's flag); the two below choose each separately.
  bool debug_enabled = false;
  bool debug_arrow_enabled = false;
  bool debug_protobuf_enabled = false;
  std::filesystem::path debug_output_dir;
  int64_t debug_flush_interval_secs = 5;
  /// Start a new file once the current one holds this many bytes / rows / seconds (unset: never).
  std::optional<int64_t> debug_max_file_size;
  std::optional<int64_t> debug_max_file_rows;
  std::optional<int64_t> debug_max_file_age_secs;
  /// Keep the newest N files per table and format (unset: keep all).
  std::optional<int64_t> debug_max_files_retained = 10;

  /// Convert and write debug files only: no network, no credentials needed.
  bool zerobus_writer_disabled = false;

  // --- Observability (docs/observability.md) ---------------------------------------------------
  /// Collect OpenTelemetry metrics and spans. The standard OTEL_* variables fill in what is not
  /// set here (endpoint, headers, interval, timeout, service name, resource attributes), and
  /// OTEL_SDK_DISABLED=true turns collection off.
  bool observability_enabled = false;
  /// "otlp": export over OTLP/HTTP (JSON) to observability_endpoint; "none": keep them for
  /// ZerobusWrapper::collect_telemetry() (the Python package uses this to feed the
  /// application's opentelemetry providers).
  std::string observability_exporter = "otlp";
  /// OTLP/HTTP base URL; signals go to <endpoint>/v1/metrics and /v1/traces. Unset:
  /// OTEL_EXPORTER_OTLP_ENDPOINT, else http://localhost:4318.
  std::string observability_endpoint;
  /// Export headers as "key=value,key2=value2" (e.g. an authorization header); secret. Unset:
  /// OTEL_EXPORTER_OTLP_HEADERS.
  SecretString observability_headers;
  /// Export period. Unset: OTEL_METRIC_EXPORT_INTERVAL, else 5000.
  std::optional<int64_t> observability_export_interval_ms;
  /// Bound of one export request. Unset: OTEL_EXPORTER_OTLP_TIMEOUT, else 10000.
  std::optional<int64_t> observability_export_timeout_ms;
  /// Resource attribute service.name. Unset: OTEL_SERVICE_NAME, else "arrow_zerobus".
  std::string observability_service_name;
  bool observability_metrics_enabled = true;
  bool observability_traces_enabled = true;
  /// Finished spans waiting for export; more are dropped (and counted).
  int64_t observability_max_queued_spans = 2048;

  // --- Not a setting ---------------------------------------------------------------------------
  /// What loading noticed but did not refuse, one message each, for the caller to show (the
  /// command line prints them on stderr, the Python package issues a UserWarning): every
  /// ZEROBUS_* variable of the process environment that names no setting, with the closest
  /// one ("did you mean ZEROBUS_RETRY_MAX_ATTEMPTS?"). Filled by ApplyEnvironment() and
  /// FromEnvironment() with the process environment. Not an error, because other tools use
  /// ZEROBUS_* names too. Set(), ToString() and validate() ignore it.
  std::vector<std::string> warnings;

  // --- Builders (the original's names) --------------------------------------------------------
  WrapperConfiguration& with_credentials(std::string id, std::string secret);
  WrapperConfiguration& with_unity_catalog(std::string url);
  /// Turns on both debug formats, written under `dir`.
  WrapperConfiguration& with_debug_output(std::filesystem::path dir);
  WrapperConfiguration& with_debug_arrow_enabled(bool enabled);
  WrapperConfiguration& with_debug_protobuf_enabled(bool enabled);
  WrapperConfiguration& with_debug_flush_interval_secs(int64_t seconds);
  WrapperConfiguration& with_debug_max_file_size(std::optional<int64_t> bytes);
  WrapperConfiguration& with_debug_max_file_rows(std::optional<int64_t> rows);
  WrapperConfiguration& with_debug_max_file_age_secs(std::optional<int64_t> seconds);
  WrapperConfiguration& with_debug_max_files_retained(std::optional<int64_t> files);
  WrapperConfiguration& with_retry_config(int max_attempts, int64_t base_delay_ms,
                                          int64_t max_delay_ms);
  WrapperConfiguration& with_zerobus_writer_disabled(bool disabled);
  /// Streams per table (1 to 64; see stream_count).
  WrapperConfiguration& with_stream_count(int streams);
  WrapperConfiguration& with_descriptor_proto(std::string serialized_descriptor);
  WrapperConfiguration& with_wire_format(WireFormat format);
  /// Turns observability on, exporting over OTLP/HTTP to `endpoint` ("": OTEL_* or default).
  WrapperConfiguration& with_observability(std::string endpoint = "");

  /// Whether each debug format is on (debug_enabled turns on both).
  bool arrow_debug_on() const { return debug_enabled || debug_arrow_enabled; }
  bool protobuf_debug_on() const { return debug_enabled || debug_protobuf_enabled; }
  /// resume_stream_ids split at commas, spaces trimmed (empty when unset).
  std::vector<std::string> ResumeStreamIds() const;

  /// Every problem, one message each naming the setting and the value; empty when valid.
  std::vector<std::string> problems() const;
  /// OK, or one ConfigurationError listing every problem.
  Status validate() const;

  /// "key: value" lines of every setting, secrets as "***".
  std::string ToString() const;

  /// Sets one setting from text, as YAML, environment variables and command lines do. `key` is
  /// the field name ("debug_max_file_size"); booleans take true/false/1/0/yes/no, optional
  /// numbers take "" or "none" for unset. Errors name the key and the value (secrets as "***").
  Status Set(std::string_view key, std::string_view value);
  /// The keys Set() accepts, in declaration order.
  static std::vector<std::string> SettingKeys();
  /// The environment variable of a key: ZEROBUS_<KEY> (ZEROBUS_ENDPOINT for zerobus_endpoint,
  /// ZEROBUS_WRITER_DISABLED for zerobus_writer_disabled).
  static std::string EnvironmentVariable(std::string_view key);

  /// Reads a YAML file: keys as Set() names them, or grouped in sections whose name prefixes the
  /// key (`debug: {arrow_enabled: true}` is debug_arrow_enabled). Unknown keys (with the closest
  /// known one suggested) and bad values are errors: one error lists every one of them, each
  /// with its file, line, key and value. Does not validate: call validate().
  static Result<WrapperConfiguration> FromYamlFile(const std::filesystem::path& path);
  static Result<WrapperConfiguration> FromYamlString(const std::string& yaml);
  /// Reads ZEROBUS_* variables (names in docs/api.md); `lookup` returns "" when unset (default:
  /// the process environment).
  static Result<WrapperConfiguration> FromEnvironment(
      const std::function<std::string(const char*)>& lookup = nullptr);
  /// Applies the ZEROBUS_* variables that are set on top of this configuration; one error lists
  /// every bad value (and leaves the configuration as it was). With the process environment
  /// (no `lookup`), unknown ZEROBUS_* variables are added to `warnings`.
  Status ApplyEnvironment(const std::function<std::string(const char*)>& lookup = nullptr);
  /// The warnings for the ZEROBUS_* names among `variable_names` that name no setting, each
  /// with the closest known variable when one is within edit distance 2. What ApplyEnvironment()
  /// adds for the process environment; call it with the names of an environment of your own.
  static std::vector<std::string> EnvironmentWarnings(
      const std::vector<std::string>& variable_names);
};

std::ostream& operator<<(std::ostream& os, const WrapperConfiguration& config);

}  // namespace arrow_zerobus
