// The command line of `zerobus-arrow send` and the wrapper configuration it describes.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "arrow_zerobus/config.h"
#include "arrow_zerobus/status.h"
#include "input_readers.h"

namespace arrow_zerobus::cli {

extern const char kSendUsage[];

struct SendArgs {
  std::vector<std::filesystem::path> inputs;
  std::optional<std::filesystem::path> config_file;
  /// Settings from flags, as WrapperConfiguration::Set keys, in command-line order.
  std::vector<std::pair<std::string, std::string>> settings;
  std::optional<InputFormat> format;
  /// CSV and TSV reading (null markers, column types from --schema).
  CsvOptions csv;
  int64_t batch_rows = 65536;
  /// Batches sent but not yet reported at most.
  int window = 8;
  std::optional<std::filesystem::path> quarantine;
  /// --checkpoint: the journal that makes an exactly-once send resumable.
  std::optional<std::filesystem::path> checkpoint;
  /// After an interrupt, how long the batches in flight may take to be acknowledged.
  std::chrono::milliseconds stop_timeout{10000};
  bool quiet = false;
  bool help = false;
};

/// Parses the arguments after "send". Errors are usage errors (ConfigurationError).
Result<SendArgs> ParseSendArgs(const std::vector<std::string_view>& args);

/// The YAML file (--config), then the ZEROBUS_* environment (`lookup`; default the process's),
/// then the flags, validated. Errors name the setting (secrets as "***").
Result<WrapperConfiguration> BuildConfiguration(
    const SendArgs& args, const std::function<std::string(const char*)>& lookup = nullptr);

}  // namespace arrow_zerobus::cli
