// The one table of WrapperConfiguration settings: each key (the field's name), its kind and the
// field it reads and writes. Set(), SettingKeys(), ToString() and the YAML and environment loaders
// all walk this table, so a setting listed here is reachable from every front end.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "arrow_zerobus/config.h"
#include "arrow_zerobus/status.h"

namespace arrow_zerobus::config {

enum class SettingKind {
  kString,
  kSecret,  ///< shown as "***" when set
  kPath,
  kBool,         ///< true/false/1/0/yes/no/on/off, any case
  kInt,          ///< the whole text is a base-10 integer that fits the field
  kOptionalInt,  ///< also "", "none" or "null" for unset
  /// descriptor_proto: the text form is the path of a file holding a serialized DescriptorProto;
  /// the value is that file's bytes ("" for unset), shown as "<N bytes>".
  kOptionalString,
  kWireFormat,  ///< "protobuf" or "arrow", any case
};

using FieldPointer =
    std::variant<std::string WrapperConfiguration::*, SecretString WrapperConfiguration::*,
                 std::filesystem::path WrapperConfiguration::*, bool WrapperConfiguration::*,
                 int WrapperConfiguration::*, int64_t WrapperConfiguration::*,
                 std::optional<int64_t> WrapperConfiguration::*,
                 std::optional<std::string> WrapperConfiguration::*,
                 WireFormat WrapperConfiguration::*>;

struct Setting {
  std::string_view key;
  SettingKind kind;
  FieldPointer field;
};

/// Every setting, in the header's declaration order.
std::span<const Setting> Settings();
/// The setting named `key`, or nullptr.
const Setting* FindSetting(std::string_view key);
/// The known key nearest to `key` if it is within edit distance 2, else "".
std::string ClosestKey(std::string_view key);
/// ConfigurationError: `key` is unknown, with the closest known key (or every key) suggested.
Status UnknownSettingError(std::string_view key);

/// The ZEROBUS_* variable nearest to `variable` if it is within edit distance 2, else "".
std::string ClosestEnvironmentVariable(std::string_view variable);

/// OK when `problems` is empty, else one error listing every message in order, with the code
/// and kind of the first (an unreadable descriptor file makes it an I/O error).
Status JoinProblems(const std::vector<Status>& problems);

bool IsOptional(SettingKind kind);

/// Parses `text` as `setting` and stores it in `config`. Errors name the key and the text (a
/// secret's text is never echoed).
Status SetFromText(const Setting& setting, std::string_view text, WrapperConfiguration& config);
/// The value as ToString() shows it.
std::string FormatValue(const Setting& setting, const WrapperConfiguration& config);

}  // namespace arrow_zerobus::config
