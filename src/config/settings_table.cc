// The settings table and the text form (parse and display) of each kind of setting.
#include "config/settings_table.h"

#include "common/file_text.h"
#include "common/text.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <iterator>
#include <limits>
#include <system_error>
#include <type_traits>
#include <vector>

namespace arrow_zerobus::config {
namespace {

using Config = WrapperConfiguration;

constexpr Setting MakeSetting(std::string_view key, std::string Config::*field) {
  return {key, SettingKind::kString, field};
}
constexpr Setting MakeSetting(std::string_view key, SecretString Config::*field) {
  return {key, SettingKind::kSecret, field};
}
constexpr Setting MakeSetting(std::string_view key, std::filesystem::path Config::*field) {
  return {key, SettingKind::kPath, field};
}
constexpr Setting MakeSetting(std::string_view key, bool Config::*field) {
  return {key, SettingKind::kBool, field};
}
constexpr Setting MakeSetting(std::string_view key, int Config::*field) {
  return {key, SettingKind::kInt, field};
}
constexpr Setting MakeSetting(std::string_view key, int64_t Config::*field) {
  return {key, SettingKind::kInt, field};
}
constexpr Setting MakeSetting(std::string_view key, std::optional<int64_t> Config::*field) {
  return {key, SettingKind::kOptionalInt, field};
}
constexpr Setting MakeSetting(std::string_view key, std::optional<std::string> Config::*field) {
  return {key, SettingKind::kOptionalString, field};
}
constexpr Setting MakeSetting(std::string_view key, WireFormat Config::*field) {
  return {key, SettingKind::kWireFormat, field};
}

// The key is the field's name by construction, and the kind follows from the field's type.
#define ARROW_ZEROBUS_SETTING(field) MakeSetting(#field, &WrapperConfiguration::field)

constexpr Setting kSettings[] = {
    ARROW_ZEROBUS_SETTING(zerobus_endpoint),
    ARROW_ZEROBUS_SETTING(table_name),
    ARROW_ZEROBUS_SETTING(unity_catalog_url),
    ARROW_ZEROBUS_SETTING(client_id),
    ARROW_ZEROBUS_SETTING(client_secret),
    ARROW_ZEROBUS_SETTING(descriptor_proto),
    ARROW_ZEROBUS_SETTING(schema_source),
    ARROW_ZEROBUS_SETTING(table_schema),
    ARROW_ZEROBUS_SETTING(drop_extra_columns),
    ARROW_ZEROBUS_SETTING(parse_strings),
    ARROW_ZEROBUS_SETTING(truncate_to_date),
    ARROW_ZEROBUS_SETTING(wire_format),
    ARROW_ZEROBUS_SETTING(delivery),
    ARROW_ZEROBUS_SETTING(resume_stream_ids),
    ARROW_ZEROBUS_SETTING(arrow_ipc_compression),
    ARROW_ZEROBUS_SETTING(arrow_ipc_compression_level),
    ARROW_ZEROBUS_SETTING(retry_timeout_ms),
    ARROW_ZEROBUS_SETTING(retry_max_attempts),
    ARROW_ZEROBUS_SETTING(retry_base_delay_ms),
    ARROW_ZEROBUS_SETTING(retry_max_delay_ms),
    ARROW_ZEROBUS_SETTING(stream_count),
    ARROW_ZEROBUS_SETTING(max_inflight_requests),
    ARROW_ZEROBUS_SETTING(max_inflight_bytes),
    ARROW_ZEROBUS_SETTING(max_request_bytes),
    ARROW_ZEROBUS_SETTING(max_record_bytes),
    ARROW_ZEROBUS_SETTING(connect_timeout_ms),
    ARROW_ZEROBUS_SETTING(server_lack_of_ack_timeout_ms),
    ARROW_ZEROBUS_SETTING(flush_timeout_ms),
    ARROW_ZEROBUS_SETTING(recovery),
    ARROW_ZEROBUS_SETTING(stream_paused_max_wait_ms),
    ARROW_ZEROBUS_SETTING(application_name),
    ARROW_ZEROBUS_SETTING(worker_threads),
    ARROW_ZEROBUS_SETTING(debug_enabled),
    ARROW_ZEROBUS_SETTING(debug_arrow_enabled),
    ARROW_ZEROBUS_SETTING(debug_protobuf_enabled),
    ARROW_ZEROBUS_SETTING(debug_output_dir),
    ARROW_ZEROBUS_SETTING(debug_flush_interval_secs),
    ARROW_ZEROBUS_SETTING(debug_max_file_size),
    ARROW_ZEROBUS_SETTING(debug_max_file_rows),
    ARROW_ZEROBUS_SETTING(debug_max_file_age_secs),
    ARROW_ZEROBUS_SETTING(debug_max_files_retained),
    ARROW_ZEROBUS_SETTING(zerobus_writer_disabled),
    ARROW_ZEROBUS_SETTING(observability_enabled),
    ARROW_ZEROBUS_SETTING(observability_exporter),
    ARROW_ZEROBUS_SETTING(observability_endpoint),
    ARROW_ZEROBUS_SETTING(observability_headers),
    ARROW_ZEROBUS_SETTING(observability_export_interval_ms),
    ARROW_ZEROBUS_SETTING(observability_export_timeout_ms),
    ARROW_ZEROBUS_SETTING(observability_service_name),
    ARROW_ZEROBUS_SETTING(observability_metrics_enabled),
    ARROW_ZEROBUS_SETTING(observability_traces_enabled),
    ARROW_ZEROBUS_SETTING(observability_max_queued_spans),
};

#undef ARROW_ZEROBUS_SETTING

template <typename T>
struct MemberType;
template <typename T>
struct MemberType<T Config::*> {
  using type = T;
};

Status BadValue(const Setting& setting, std::string_view text, std::string_view why) {
  return ConfigurationError(std::string(setting.key) + ": '" + std::string(text) + "' " +
                            std::string(why));
}

Result<bool> ParseBool(const Setting& setting, std::string_view text) {
  const std::string word = AsciiLower(TrimWhitespace(text));
  if (word == "true" || word == "1" || word == "yes" || word == "on") return true;
  if (word == "false" || word == "0" || word == "no" || word == "off") return false;
  return BadValue(setting, text, "is not a boolean (true/false, 1/0, yes/no, on/off)");
}

template <typename T>
Result<T> ParseInteger(const Setting& setting, std::string_view text) {
  std::string_view digits = TrimWhitespace(text);
  if (digits.size() > 1 && digits.front() == '+' &&
      std::isdigit(static_cast<unsigned char>(digits[1]))) {
    digits.remove_prefix(1);
  }
  T value{};
  const char* end = digits.data() + digits.size();
  const auto [ptr, error] = std::from_chars(digits.data(), end, value);
  if (error == std::errc::result_out_of_range) {
    return BadValue(setting, text,
                    "is out of range (" + std::to_string(std::numeric_limits<T>::min()) + " to " +
                        std::to_string(std::numeric_limits<T>::max()) + ")");
  }
  if (error != std::errc() || ptr != end) return BadValue(setting, text, "is not an integer");
  return value;
}

bool MeansUnset(std::string_view text) {
  const std::string word = AsciiLower(TrimWhitespace(text));
  return word.empty() || word == "none" || word == "null";
}

Result<std::string> ReadFileBytes(const Setting& setting, std::string_view text) {
  return ReadWholeFile(std::string(text), std::string(setting.key) + ": file");
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> previous(b.size() + 1);
  std::vector<size_t> current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

// The setting name (as `name_of` gives it) nearest to `text` if it is within edit distance 2,
// else "".
template <typename NameOf>
std::string ClosestName(std::string_view text, NameOf name_of) {
  std::string best;
  size_t best_distance = 3;
  for (const Setting& setting : kSettings) {
    std::string candidate = name_of(setting);
    const size_t distance = EditDistance(text, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = std::move(candidate);
    }
  }
  return best;
}

}  // namespace

std::span<const Setting> Settings() { return kSettings; }

const Setting* FindSetting(std::string_view key) {
  for (const Setting& setting : kSettings) {
    if (setting.key == key) return &setting;
  }
  return nullptr;
}

std::string ClosestKey(std::string_view key) {
  return ClosestName(AsciiLower(key),
                     [](const Setting& setting) { return std::string(setting.key); });
}

std::string ClosestEnvironmentVariable(std::string_view variable) {
  return ClosestName(AsciiUpper(variable), [](const Setting& setting) {
    return WrapperConfiguration::EnvironmentVariable(setting.key);
  });
}

Status JoinProblems(const std::vector<Status>& problems) {
  if (problems.empty()) return Status::OK();
  std::string message = problems[0].message();
  for (size_t i = 1; i < problems.size(); ++i) message += "; " + problems[i].message();
  return Status(problems[0].code(), problems[0].kind(), std::move(message));
}

Status UnknownSettingError(std::string_view key) {
  std::string message = "unknown setting '" + std::string(key) + "'";
  const std::string closest = ClosestKey(key);
  if (!closest.empty()) {
    message += " (did you mean '" + closest + "'?)";
  } else {
    message += " (known settings:";
    for (const Setting& setting : kSettings) message += " " + std::string(setting.key);
    message += ")";
  }
  return ConfigurationError(std::move(message));
}

bool IsOptional(SettingKind kind) {
  return kind == SettingKind::kOptionalInt || kind == SettingKind::kOptionalString;
}

Status SetFromText(const Setting& setting, std::string_view text, WrapperConfiguration& config) {
  return std::visit(
      [&](auto member) -> Status {
        using T = typename MemberType<decltype(member)>::type;
        T& slot = config.*member;
        if constexpr (std::is_same_v<T, std::string>) {
          slot = std::string(text);
        } else if constexpr (std::is_same_v<T, SecretString>) {
          slot = SecretString(std::string(text));
        } else if constexpr (std::is_same_v<T, std::filesystem::path>) {
          slot = std::filesystem::path(std::string(text));
        } else if constexpr (std::is_same_v<T, bool>) {
          ARROW_ZEROBUS_ASSIGN_OR_RETURN(slot, ParseBool(setting, text));
        } else if constexpr (std::is_same_v<T, int> || std::is_same_v<T, int64_t>) {
          ARROW_ZEROBUS_ASSIGN_OR_RETURN(slot, ParseInteger<T>(setting, text));
        } else if constexpr (std::is_same_v<T, WireFormat>) {
          ARROW_ZEROBUS_ASSIGN_OR_RETURN(slot, ParseWireFormat(text));
        } else if constexpr (std::is_same_v<T, std::optional<int64_t>>) {
          if (MeansUnset(text)) {
            slot.reset();
          } else {
            ARROW_ZEROBUS_ASSIGN_OR_RETURN(slot, ParseInteger<int64_t>(setting, text));
          }
        } else {
          static_assert(std::is_same_v<T, std::optional<std::string>>);
          // A file path, not "none": any word could be a file's name.
          if (text.empty()) {
            slot.reset();
          } else {
            ARROW_ZEROBUS_ASSIGN_OR_RETURN(slot, ReadFileBytes(setting, text));
          }
        }
        return Status::OK();
      },
      setting.field);
}

std::string FormatValue(const Setting& setting, const WrapperConfiguration& config) {
  return std::visit(
      [&](auto member) -> std::string {
        using T = typename MemberType<decltype(member)>::type;
        const T& value = config.*member;
        if constexpr (std::is_same_v<T, std::string>) {
          return value;
        } else if constexpr (std::is_same_v<T, SecretString>) {
          return value.empty() ? "" : "***";
        } else if constexpr (std::is_same_v<T, std::filesystem::path>) {
          return value.string();
        } else if constexpr (std::is_same_v<T, bool>) {
          return value ? "true" : "false";
        } else if constexpr (std::is_same_v<T, int> || std::is_same_v<T, int64_t>) {
          return std::to_string(value);
        } else if constexpr (std::is_same_v<T, WireFormat>) {
          return std::string(WireFormatName(value));
        } else if constexpr (std::is_same_v<T, std::optional<int64_t>>) {
          return value.has_value() ? std::to_string(*value) : "none";
        } else {
          static_assert(std::is_same_v<T, std::optional<std::string>>);
          return value.has_value() ? "<" + std::to_string(value->size()) + " bytes>" : "none";
        }
      },
      setting.field);
}

}  // namespace arrow_zerobus::config
