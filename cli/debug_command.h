// `zerobus-arrow debug read`: prints the records of a debug file (.pbs or .arrows) as JSON lines
// or writes them as an Arrow IPC stream.
#pragma once

#include <ostream>
#include <string_view>
#include <vector>

namespace arrow_zerobus::cli {

extern const char kDebugUsage[];

/// Runs `debug` with the arguments after "debug"; returns the exit code (0 done, 1 the file could
/// not be read or written, 2 usage error).
int RunDebug(const std::vector<std::string_view>& args, std::ostream& out, std::ostream& err);

}  // namespace arrow_zerobus::cli
