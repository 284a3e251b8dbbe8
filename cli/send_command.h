// `zerobus-arrow send`: streams input files to a Delta table through a ZerobusWrapper, with
// progress, a quarantine file for failed rows and a summary.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace arrow_zerobus::cli {

struct SendContext {
  std::ostream& out;  ///< the summary
  std::ostream& err;  ///< progress and errors
  bool err_is_terminal = false;
  /// The terminal's width in columns (0: unknown); the progress line stays within it.
  int terminal_columns = 0;
  /// ZEROBUS_* variables (default: the process environment).
  std::function<std::string(const char*)> environment;
};

/// Runs `send` with the arguments after "send"; returns the exit code (kExit* in send_tally.h:
/// 0 every row landed, 1 some rows failed, 2 usage or configuration, 3 credentials refused, 4
/// service unreachable, 130 interrupted).
int RunSend(const std::vector<std::string_view>& args, const SendContext& context);

}  // namespace arrow_zerobus::cli
