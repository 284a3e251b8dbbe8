// zerobus-arrow: the project's command-line tool; dispatches to its commands.
#include <sys/ioctl.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>

#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "arrow_zerobus/version.h"
#include "debug_command.h"
#include "demo_command.h"
#include "emulator_cli.h"
#include "send_command.h"

namespace {

constexpr std::string_view kUsage =
    "usage: zerobus-arrow <command> [args]\n"
    "commands:\n"
    "  send FILE... --table C.S.T [options]   stream Parquet, Arrow IPC, CSV or NDJSON files to\n"
    "                                         a Delta table (zerobus-arrow send --help)\n"
    "  emulator [options]                     run the local Zerobus emulator\n"
    "                                         (zerobus-arrow emulator --help)\n"
    "  demo [FILE]                            send example orders (default\n"
    "                                         examples/data/orders.jsonl) to an in-process\n"
    "                                         emulator and show what became of every row\n"
    "  debug read FILE [--to-arrow OUT]       print a .pbs or .arrows debug file as JSON lines\n"
    "  version                                print the version\n"
    "  help                                   print this help\n";

constexpr char kDefaultDemoInput[] = "examples/data/orders.jsonl";

int UsageError(const std::string& message) {
  std::cerr << "zerobus-arrow: " << message << "\n\n" << kUsage;
  return 2;
}

int RunDemoCommand(const std::vector<std::string_view>& args) {
  if (args.size() > 1) return UsageError("demo takes at most one FILE");
  arrow_zerobus::cli::DemoArgs demo;
  demo.input_path = args.empty() ? std::string(kDefaultDemoInput) : std::string(args[0]);
  const arrow_zerobus::Status status = arrow_zerobus::cli::RunDemo(demo, std::cout);
  if (status.ok()) return 0;
  std::cerr << "zerobus-arrow demo: " << status.ToString() << "\n";
  return 1;
}

// The width of the terminal on `fd` (0: not a terminal, or unknown).
int TerminalColumns(int fd) {
  if (isatty(fd) != 1) return 0;
  winsize size{};
  if (ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  const char* columns = std::getenv("COLUMNS");
  int value = 0;
  if (columns != nullptr)
    std::from_chars(columns, columns + std::string_view(columns).size(), value);
  return value > 0 ? value : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return UsageError("give a command");
  const std::string_view command = argv[1];
  const std::vector<std::string_view> args(argv + 2, argv + argc);
  if (command == "send") {
    arrow_zerobus::cli::SendContext context{std::cout, std::cerr, isatty(STDERR_FILENO) == 1,
                                            TerminalColumns(STDERR_FILENO), nullptr};
    return arrow_zerobus::cli::RunSend(args, context);
  }
  if (command == "emulator") return arrow_zerobus::emulator::RunEmulatorCli(argc - 1, argv + 1);
  if (command == "demo") return RunDemoCommand(args);
  if (command == "debug") return arrow_zerobus::cli::RunDebug(args, std::cout, std::cerr);
  if ((command == "version" || command == "--version") && !args.empty()) {
    return UsageError(std::string(command) + " takes no arguments, not '" + std::string(args[0]) +
                      "'");
  }
  if (command == "version" || command == "--version") {
    std::cout << "zerobus-arrow " << ARROW_ZEROBUS_VERSION << " (Arrow C++ "
              << ARROW_ZEROBUS_BUILT_WITH_ARROW << ")\n";
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return 0;
  }
  return UsageError("unknown command '" + std::string(command) + "'");
}
