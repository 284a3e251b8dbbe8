// Parsing `zerobus-arrow send` arguments and layering YAML, environment and flag settings.
#include "send_args.h"

#include <charconv>

#include "config/settings_table.h"
#include "quarantine_writer.h"

namespace arrow_zerobus::cli {

const char kSendUsage[] =
    R"usage(usage: zerobus-arrow send FILE... --table CATALOG.SCHEMA.TABLE [options]

Streams Parquet, Arrow IPC, CSV/TSV or NDJSON files to a Delta table through Zerobus Ingest.
Settings come from --config, then ZEROBUS_* environment variables, then these flags:
  --config FILE            YAML configuration (keys as in docs/api.md)
  --endpoint URL           Zerobus endpoint (zerobus_endpoint)
  --table NAME             target table, catalog.schema.table (table_name)
  --unity-catalog-url URL  workspace URL that issues OAuth tokens (unity_catalog_url)
  --client-id ID           OAuth client id (client_id)
  --client-secret SECRET   OAuth client secret; discouraged, since command lines are visible to
                           other users: set ZEROBUS_CLIENT_SECRET in the environment instead
  --debug-dir DIR          also write every batch as Arrow and protobuf debug files under DIR
  --writer-disabled        only convert (and write debug files): send nothing, no credentials
  --schema-from-table      fit the file to the table's columns in Unity Catalog, read once at
                           the start (schema_source table): columns matched by name ignoring
                           case, in any order, values converted to the table's types (a value
                           that does not fit fails its row); see also --set parse_strings=true,
                           truncate_to_date=true, drop_extra_columns=true, and
                           table_schema=FILE (needed with --writer-disabled)
  --set KEY=VALUE          any configuration key (repeatable), e.g. --set max_inflight_requests=100
  --format protobuf|arrow  wire format (wire_format): Protobuf records on the Zerobus stream (the
                           default) or Arrow batches over Arrow Flight, without row conversion
  --streams N              streams (lanes) per table, 1-64 (stream_count): past the service's
                           per-stream limit; rows keep their order within a stream only
  --exactly-once           persistent streams (delivery exactly_once; in development at the
                           service): after a cut each stream resumes at the server's committed
                           offset, so no row lands twice; Protobuf format only
  --checkpoint FILE        with --exactly-once: journal each request's input rows in FILE before
                           it is sent; after Ctrl-C, a crash or kill -9 the same command resumes
                           the streams and skips the rows that landed (every row lands once)
Input and output:
  FILE                     a file; a directory (its files, recursively, by extension; names
                           starting with . or _ left out); a quoted pattern such as 'data/*.csv';
                           - for standard input (with --input-format arrow|csv|tsv|json)
  --input-format FORMAT    parquet, arrow, csv, tsv or json for every FILE (default: by extension:
                           .parquet .pq | .arrow .arrows .feather .ipc | .csv | .tsv |
                           .json .jsonl .ndjson; each but Parquet may be compressed: .gz .zst
                           .bz2 .lz4, e.g. rows.csv.gz)
  --schema FILE            column types for CSV, TSV and NDJSON inputs, by column name: a .json
                           object {"amount": "decimal128(12, 2)", "day": "date32", ...} (pyarrow's
                           type names), or a Parquet or Arrow IPC file's schema; other columns are
                           inferred from the first 1 MiB (a number with a point is a double: give
                           DECIMAL columns here to read them exactly)
  --csv-null TEXT          a text that means null in CSV/TSV (repeatable; replaces the default
                           list: "", NULL, null, NA, N/A, NaN, ...); null in every column but
                           strings, which keep their text unless --csv-strings-null
  --csv-strings-null       string columns read the null texts as null too
  A CSV/TSV row with the wrong number of fields, or a value its column's type cannot hold, fails
  that row only (naming its line, column and text; in the quarantine file) and the rest is sent.
  --batch-rows N           rows per batch sent (default 65536)
  --quarantine OUT         write the rows that failed to OUT as the send goes (.arrows: Arrow IPC
                           stream, .arrow or .feather: Arrow IPC file, .parquet, .csv) with the
                           columns _zerobus_row (row number across all inputs, from 0),
                           _zerobus_error_type, _zerobus_error; complete even when interrupted
  --stop-timeout SECONDS   after an interrupt (Ctrl-C, SIGTERM), how long to wait for the batches
                           in flight to be acknowledged (default 10); a second interrupt stops at
                           once, and rows not acknowledged are then reported failed
  --quiet, -q              no progress display
Exit status: 0 every row landed; 1 some rows failed or a file could not be read; 2 usage or
configuration error; 3 the credentials were refused; 4 the service could not be reached or
retries ran out; 130 interrupted (after the summary and the quarantine file are written).
)usage";

namespace {

Status UsageError(const std::string& message) { return ConfigurationError(message); }

Result<int64_t> ParseNonNegative(std::string_view flag, std::string_view text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0 || value > 86400) {
    return UsageError(std::string(flag) + " takes whole seconds from 0 to 86400, not '" +
                      std::string(text) + "'");
  }
  return value;
}

Result<int64_t> ParsePositive(std::string_view flag, std::string_view text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 1) {
    return UsageError(std::string(flag) + " takes a positive integer, not '" + std::string(text) +
                      "'");
  }
  return value;
}

// Flags that map to one configuration key each.
const char* SettingKeyOf(std::string_view flag) {
  if (flag == "--endpoint") return "zerobus_endpoint";
  if (flag == "--table") return "table_name";
  if (flag == "--client-id") return "client_id";
  if (flag == "--client-secret") return "client_secret";
  if (flag == "--unity-catalog-url") return "unity_catalog_url";
  if (flag == "--format") return "wire_format";
  if (flag == "--streams") return "stream_count";
  return nullptr;
}

bool TakesValue(std::string_view flag) {
  return SettingKeyOf(flag) != nullptr || flag == "--config" || flag == "--debug-dir" ||
         flag == "--set" || flag == "--input-format" || flag == "--batch-rows" ||
         flag == "--quarantine" || flag == "--stop-timeout" || flag == "--schema" ||
         flag == "--csv-null" || flag == "--checkpoint";
}

}  // namespace

Result<SendArgs> ParseSendArgs(const std::vector<std::string_view>& args) {
  SendArgs parsed;
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view flag = args[i];
    if (options_done || flag.empty() || flag[0] != '-' || flag == "-") {
      parsed.inputs.emplace_back(flag);
      continue;
    }
    if (flag == "--") {
      options_done = true;
      continue;
    }
    std::optional<std::string_view> inline_value;
    if (const size_t equals = flag.find('='); flag.starts_with("--") && equals != flag.npos) {
      inline_value = flag.substr(equals + 1);
      flag = flag.substr(0, equals);
    }
    if (!TakesValue(flag)) {
      if (inline_value.has_value()) {
        return UsageError(std::string(flag) + " takes no value");
      }
      if (flag == "--help" || flag == "-h") {
        parsed.help = true;
      } else if (flag == "--quiet" || flag == "-q") {
        parsed.quiet = true;
      } else if (flag == "--csv-strings-null") {
        parsed.csv.strings_can_be_null = true;
      } else if (flag == "--writer-disabled") {
        parsed.settings.emplace_back("zerobus_writer_disabled", "true");
      } else if (flag == "--schema-from-table") {
        parsed.settings.emplace_back("schema_source", "table");
      } else if (flag == "--exactly-once") {
        parsed.settings.emplace_back("delivery", "exactly_once");
      } else {
        return UsageError("unknown option " + std::string(flag));
      }
      continue;
    }
    std::string_view value;
    if (inline_value.has_value()) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
      // "--table --quiet": the option after a flag that needs a value is almost always a
      // forgotten value, not the value; one that really starts with "--" is written inline.
      if (value.size() > 2 && value.substr(0, 2) == "--") {
        return UsageError(std::string(flag) + " needs a value, but the option " +
                          std::string(value) + " follows it (write " + std::string(flag) + "=" +
                          std::string(value) + " if that is the value)");
      }
    } else {
      return UsageError(std::string(flag) + " needs a value");
    }
    if (const char* key = SettingKeyOf(flag)) {
      parsed.settings.emplace_back(key, value);
    } else if (flag == "--config") {
      parsed.config_file = std::filesystem::path(value);
    } else if (flag == "--debug-dir") {
      parsed.settings.emplace_back("debug_output_dir", value);
      parsed.settings.emplace_back("debug_enabled", "true");
    } else if (flag == "--set") {
      const size_t equals = value.find('=');
      if (equals == value.npos || equals == 0) {
        return UsageError("--set takes KEY=VALUE, not '" + std::string(value) + "'");
      }
      parsed.settings.emplace_back(value.substr(0, equals), value.substr(equals + 1));
    } else if (flag == "--input-format") {
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(parsed.format, ParseInputFormat(value));
    } else if (flag == "--batch-rows") {
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(parsed.batch_rows, ParsePositive(flag, value));
    } else if (flag == "--schema") {
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(parsed.csv.schema, ReadSchemaFile(std::string(value)));
    } else if (flag == "--csv-null") {
      if (!parsed.csv.null_values) parsed.csv.null_values.emplace();
      parsed.csv.null_values->emplace_back(value);
    } else if (flag == "--stop-timeout") {
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(const int64_t seconds, ParseNonNegative(flag, value));
      parsed.stop_timeout = std::chrono::seconds(seconds);
    } else if (flag == "--quarantine") {
      ARROW_ZEROBUS_RETURN_NOT_OK(QuarantineFormatOf(value).status());
      parsed.quarantine = std::filesystem::path(value);
    } else if (flag == "--checkpoint") {
      parsed.checkpoint = std::filesystem::path(value);
    }
  }
  if (parsed.help) return parsed;
  if (parsed.inputs.empty()) return UsageError("give at least one input FILE");
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(parsed.inputs, ExpandInputs(parsed.inputs, parsed.format));
  for (const std::filesystem::path& input : parsed.inputs) {
    ARROW_ZEROBUS_RETURN_NOT_OK(DetectInputFormat(input, parsed.format).status());
  }
  if (parsed.quarantine.has_value()) {
    ARROW_ZEROBUS_RETURN_NOT_OK(CheckQuarantinePath(*parsed.quarantine, parsed.inputs));
  }
  return parsed;
}

Result<WrapperConfiguration> BuildConfiguration(
    const SendArgs& args, const std::function<std::string(const char*)>& lookup) {
  // Every layer is read even when one before it failed, so that one message lists every problem
  // of the YAML file, the environment and the flags; validation runs only on a clean read.
  WrapperConfiguration config;
  std::vector<Status> problems;
  if (args.config_file.has_value()) {
    auto loaded = WrapperConfiguration::FromYamlFile(*args.config_file);
    if (loaded.ok()) {
      config = std::move(loaded).value();
    } else {
      problems.push_back(loaded.status());
    }
  }
  if (Status applied = config.ApplyEnvironment(lookup); !applied.ok()) {
    problems.push_back(applied);
  }
  for (const auto& [key, value] : args.settings) {
    if (Status set = config.Set(key, value); !set.ok()) problems.push_back(set);
  }
  if (problems.empty()) {
    if (Status valid = config.validate(); !valid.ok()) problems.push_back(valid);
  }
  ARROW_ZEROBUS_RETURN_NOT_OK(arrow_zerobus::config::JoinProblems(problems));
  return config;
}

}  // namespace arrow_zerobus::cli
