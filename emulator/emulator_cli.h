// The emulator's command line, shared by the zerobus-emulator binary and `zerobus-arrow
// emulator`.
#pragma once

namespace arrow_zerobus::emulator {

/// Parses the options in argv[1..argc) (usage with --help), serves until SIGINT or SIGTERM and
/// prints the counters as JSON. Returns the process exit code.
int RunEmulatorCli(int argc, char** argv);

}  // namespace arrow_zerobus::emulator
