#include "emulator_flags.h"

#include <charconv>
#include <chrono>
#include <limits>
#include <string>
#include <type_traits>

namespace arrow_zerobus::emulator {
namespace {

constexpr char kUsage[] = R"(usage: zerobus-emulator [options]
  --host HOST              address to listen on (default 127.0.0.1)
  --port N                 gRPC port (default 0: the OS picks)
  --http-port N            OAuth endpoint port (default 0: the OS picks)
  --data-dir DIR           land rows in DIR/<table>/<stream id>.arrows, an Arrow IPC stream
                           (both wire formats; JSON record streams: <stream id>.jsonl)
  --fault-script FILE      JSON fault scripts keyed by table ("*" for all tables)
  --tables FILE            JSON {"<catalog.schema.table>": [{"name","type","nullable"}]}
  --strict-tables          only declared tables exist (others: NOT_FOUND)
  --light                  do not decode records (throughput benchmarks)
  --no-auth                accept streams without a valid bearer token
  --client-id ID --client-secret SECRET   the accepted OAuth client (default emulator-client /
                                           emulator-secret)
  --token-lifetime SECONDS lifetime of issued tokens (default 3600)
  --workspace-id ID        require this workspace in the OAuth resource
  --require-zerobuswrite   require the zerobuswrite operation in the OAuth request's TABLE
                           grant, as current official clients send it (default: also accept
                           requests without operations, as older clients send them)
  --ready-file FILE        write {"endpoint", "workspace_url"} as JSON once serving
  --tls-cert FILE --tls-key FILE   serve gRPC over TLS with this PEM certificate (chain) and
                                   private key; the endpoint becomes https://HOST:PORT, so the
                                   certificate must name HOST (the OAuth endpoint stays HTTP)
Quotas, modelled by pacing acks (0, the default: no limit):
  --stream-records-per-second N   records a second per stream
  --stream-bytes-per-second N     bytes a second per stream
  --table-bytes-per-second N      bytes a second per table, shared by its streams
  --service-quotas                the service's quotas for those not given: 100,000 records/s
                                  and 100,000,000 bytes/s per stream, 10,000,000,000 bytes/s
                                  per table
Exit status: 0 once stopped by SIGINT or SIGTERM; 1 when it cannot start serving (a port in use,
a data directory it cannot write); 2 for a wrong flag, or a file a flag names that cannot be
read or is not valid.
)";

Status FlagError(const std::string& flag, const std::string& what) {
  return ConfigurationError(flag + " " + what);
}

/// `text` as an integer in [minimum, maximum]; the error names the flag.
Result<int64_t> ParseInteger(const std::string& flag, const std::string& text, int64_t minimum,
                             int64_t maximum = std::numeric_limits<int64_t>::max()) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error == std::errc::result_out_of_range && stop == end) {
    return FlagError(flag, text.front() == '-'
                               ? "must be at least " + std::to_string(minimum) + ", not " + text
                               : "must be at most " + std::to_string(maximum) + ", not " + text);
  }
  if (error != std::errc() || stop != end) {
    return FlagError(flag, "needs a whole number, not '" + text + "'");
  }
  if (value < 0 && minimum == 0) return FlagError(flag, "must not be negative, not " + text);
  if (value < minimum) return FlagError(flag, "must be at least " + std::to_string(minimum));
  if (value > maximum) return FlagError(flag, "must be at most " + std::to_string(maximum));
  return value;
}

}  // namespace

std::string_view EmulatorUsage() { return kUsage; }

Result<EmulatorFlags> ParseEmulatorFlags(int argc, const char* const* argv) {
  EmulatorFlags flags;
  EmulatorOptions& options = flags.options;
  std::string client_id = kDefaultClientId, client_secret = kDefaultClientSecret;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    std::string text;
    auto value = [&]() -> Status {
      if (i + 1 >= argc) return FlagError(flag, "needs a value");
      text = argv[++i];
      return Status::OK();
    };
    // A value that is a number in range, stored in `*out`.
    auto number = [&](auto* out, int64_t minimum, int64_t maximum) -> Status {
      ARROW_ZEROBUS_RETURN_NOT_OK(value());
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(int64_t parsed, ParseInteger(flag, text, minimum, maximum));
      *out = static_cast<std::remove_pointer_t<decltype(out)>>(parsed);
      return Status::OK();
    };
    auto rate = [&](int64_t* out) { return number(out, 0, std::numeric_limits<int64_t>::max()); };
    auto string = [&](std::string* out) -> Status {
      ARROW_ZEROBUS_RETURN_NOT_OK(value());
      if (text.empty()) return FlagError(flag, "needs a value, not an empty string");
      *out = text;
      return Status::OK();
    };
    Status parsed;
    if (flag == "--host") {
      parsed = string(&options.host);
    } else if (flag == "--port") {
      parsed = number(&options.grpc_port, 0, 65535);
    } else if (flag == "--http-port") {
      parsed = number(&options.http_port, 0, 65535);
    } else if (flag == "--data-dir") {
      std::string dir;
      parsed = string(&dir);
      options.data_dir = dir;
    } else if (flag == "--fault-script") {
      parsed = string(&flags.fault_script_path);
    } else if (flag == "--tables") {
      parsed = string(&flags.tables_path);
    } else if (flag == "--strict-tables") {
      options.accept_undeclared_tables = false;
    } else if (flag == "--light") {
      options.light = true;
    } else if (flag == "--no-auth") {
      options.require_auth = false;
    } else if (flag == "--client-id") {
      parsed = string(&client_id);
    } else if (flag == "--client-secret") {
      parsed = string(&client_secret);
    } else if (flag == "--token-lifetime") {
      int64_t seconds = 0;
      parsed = number(&seconds, 1, std::numeric_limits<int32_t>::max());
      options.token_lifetime = std::chrono::seconds(seconds);
    } else if (flag == "--workspace-id") {
      parsed = string(&options.workspace_id);
    } else if (flag == "--require-zerobuswrite") {
      options.require_zerobuswrite = true;
    } else if (flag == "--ready-file") {
      parsed = string(&flags.ready_path);
    } else if (flag == "--tls-cert") {
      parsed = string(&flags.tls_cert_path);
    } else if (flag == "--tls-key") {
      parsed = string(&flags.tls_key_path);
    } else if (flag == "--stream-records-per-second") {
      parsed = rate(&options.stream_records_per_second);
    } else if (flag == "--stream-bytes-per-second") {
      parsed = rate(&options.stream_bytes_per_second);
    } else if (flag == "--table-bytes-per-second") {
      parsed = rate(&options.table_bytes_per_second);
    } else if (flag == "--service-quotas") {
      options.service_quotas = true;
    } else if (flag == "--help" || flag == "-h") {
      flags.help = true;
    } else {
      parsed = ConfigurationError("unknown option " + flag);
    }
    ARROW_ZEROBUS_RETURN_NOT_OK(parsed);
  }
  options.clients = {{client_id, client_secret}};
  if (flags.tls_cert_path.empty() != flags.tls_key_path.empty()) {
    return ConfigurationError("--tls-cert and --tls-key go together");
  }
  if (options.grpc_port != 0 && options.grpc_port == options.http_port) {
    return ConfigurationError("--port and --http-port must differ, not both " +
                              std::to_string(options.grpc_port));
  }
  return flags;
}

}  // namespace arrow_zerobus::emulator
