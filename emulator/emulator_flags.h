// The zerobus-emulator command-line flags (also `zerobus-arrow emulator`), parsed into options.
#pragma once

#include <string>
#include <string_view>

#include "arrow_zerobus/status.h"
#include "emulator_options.h"

namespace arrow_zerobus::emulator {

/// What a command line asks for: the options, and files the command reads or writes itself.
struct EmulatorFlags {
  EmulatorOptions options;
  std::string fault_script_path;
  std::string tables_path;
  std::string ready_path;
  std::string tls_cert_path;
  std::string tls_key_path;
  bool help = false;
};

/// The usage text that lists every flag.
std::string_view EmulatorUsage();

/// Parses argv[1..argc). A configuration error names the flag that is unknown, lacks its value
/// or has a value out of range.
Result<EmulatorFlags> ParseEmulatorFlags(int argc, const char* const* argv);

}  // namespace arrow_zerobus::emulator
