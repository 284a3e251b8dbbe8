// zerobus-arrow: the project's command-line tool.
#include <iostream>
#include <string>
#include <string_view>

#include "arrow_zerobus/version.h"
#include "demo_command.h"

namespace {

constexpr std::string_view kUsage =
    "usage: zerobus-arrow <command> [args]\n"
    "commands:\n"
    "  demo <orders.jsonl>   plan the file's schema, encode it, stream it to an in-process\n"
    "                        Zerobus emulator and print what landed\n"
    "  version               print the version\n";

int ExitCode(const arrow_zerobus::Status& status) {
  if (status.ok()) return 0;
  std::cerr << "zerobus-arrow: " << status.ToString() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string_view command = argv[1];
  if (command == "version") {
    std::cout << "zerobus-arrow " << ARROW_ZEROBUS_VERSION << " (Arrow C++ "
              << ARROW_ZEROBUS_BUILT_WITH_ARROW << ")\n";
    return 0;
  }
  if (command == "demo") {
    if (argc < 3) {
      std::cerr << "zerobus-arrow demo: give the JSON lines file to read\n" << kUsage;
      return 2;
    }
    return ExitCode(arrow_zerobus::cli::RunDemo({argv[2]}, std::cout));
  }
  std::cerr << "zerobus-arrow: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
