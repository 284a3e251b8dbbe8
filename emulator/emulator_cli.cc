// The zerobus-emulator command line (also `zerobus-arrow emulator`): runs the local Zerobus
// service until SIGINT or SIGTERM, then prints what each table received.
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "arrow_zerobus/version.h"
#include "emulator.h"
#include "emulator_cli.h"
#include "emulator_flags.h"
#include "emulator_state.h"
#include "fault_script.h"

namespace {

namespace emu = arrow_zerobus::emulator;
using arrow_zerobus::Result;
using arrow_zerobus::Status;
using Json = nlohmann::json;

/// Exit statuses (docs/emulator.md): the emulator could not start serving; a flag, or a file a
/// flag names, is wrong.
constexpr int kCannotStart = 1;
constexpr int kBadFlagOrFile = 2;

std::atomic<bool> g_stop{false};

Status FlagFileError(const std::string& flag, const std::string& path, const std::string& what) {
  return arrow_zerobus::ConfigurationError(flag + " " + path + ": " + what);
}

/// The contents of the file `path`, given with `flag`; errors name both and the OS's reason.
Result<std::string> ReadFlagFile(const std::string& flag, const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return FlagFileError(flag, path, "is a directory, not a file");
  }
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return FlagFileError(flag, path, std::string("cannot be read: ") + std::strerror(errno));
  }
  std::string text;
  char buffer[1 << 16];
  size_t read = 0;
  while ((read = std::fread(buffer, 1, sizeof(buffer), file)) > 0) text.append(buffer, read);
  const int read_error = std::ferror(file) ? errno : 0;
  std::fclose(file);
  if (read_error != 0) {
    return FlagFileError(flag, path, std::string("cannot be read: ") + std::strerror(read_error));
  }
  return text;
}

/// A PEM file's contents: read, and with at least one PEM block.
Result<std::string> ReadPemFile(const std::string& flag, const std::string& path) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::string text, ReadFlagFile(flag, path));
  if (text.find("-----BEGIN ") == std::string::npos) {
    return FlagFileError(flag, path, "not a PEM file (no \"-----BEGIN \" line)");
  }
  return text;
}

/// What the files named by the flags hold, read and checked before anything listens.
struct FlagFiles {
  std::map<std::string, emu::FaultScript> fault_scripts;
  emu::TableDeclarations tables;
};

Result<FlagFiles> LoadFlagFiles(emu::EmulatorFlags* flags) {
  FlagFiles files;
  if (!flags->tls_cert_path.empty()) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(flags->options.tls_certificate_pem,
                                   ReadPemFile("--tls-cert", flags->tls_cert_path));
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(flags->options.tls_private_key_pem,
                                   ReadPemFile("--tls-key", flags->tls_key_path));
  }
  if (const std::string& path = flags->fault_script_path; !path.empty()) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::string text, ReadFlagFile("--fault-script", path));
    auto scripts = emu::ParseFaultScripts(text);
    if (!scripts.ok()) return scripts.status().WithContext("--fault-script " + path);
    files.fault_scripts = std::move(scripts).value();
  }
  if (const std::string& path = flags->tables_path; !path.empty()) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::string text, ReadFlagFile("--tables", path));
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(files.tables,
                                   emu::ParseTableDeclarations(text, "--tables " + path));
  }
  return files;
}

/// `value` as JSON text; text that is not UTF-8 is replaced, never thrown on.
std::string Dump(const Json& value, int indent = -1) {
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

/// Writes `text` to `path` through a temporary file renamed over it, so readers never see a
/// part of it.
Status WriteReadyFile(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (file == nullptr) {
    return FlagFileError("--ready-file", path,
                         "cannot create " + temporary + ": " + std::strerror(errno));
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  const int write_error = written ? 0 : errno;
  if (std::fclose(file) != 0 || !written) {
    const int error = write_error != 0 ? write_error : errno;
    std::remove(temporary.c_str());
    return FlagFileError("--ready-file", path,
                         "cannot write " + temporary + ": " + std::strerror(error));
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    std::remove(temporary.c_str());
    return FlagFileError("--ready-file", path,
                         "cannot rename " + temporary + " to it: " + std::strerror(error));
  }
  return Status::OK();
}

}  // namespace

namespace arrow_zerobus::emulator {

int RunEmulatorCli(int argc, char** argv) {
  auto flags = ParseEmulatorFlags(argc, argv);
  if (!flags.ok()) {
    std::cerr << "zerobus-emulator: " << flags.status().message() << "\n" << EmulatorUsage();
    return kBadFlagOrFile;
  }
  if (flags->help) {
    std::cout << EmulatorUsage();
    return 0;
  }
  auto files = LoadFlagFiles(&*flags);
  if (!files.ok()) {
    std::cerr << "zerobus-emulator: " << files.status().message() << "\n";
    return kBadFlagOrFile;
  }
  auto started = emu::Emulator::Start(flags->options);
  if (!started.ok()) {
    std::cerr << "zerobus-emulator: cannot start: " << started.status().message() << "\n";
    return kCannotStart;
  }
  std::unique_ptr<emu::Emulator> emulator = std::move(started).value();
  for (auto& [table, script] : files->fault_scripts) emulator->SetFaultScript(table, script);
  for (auto& [table, columns] : files->tables) emulator->DeclareTable(table, columns);

  const Json ready = {{"endpoint", emulator->endpoint()},
                      {"workspace_url", emulator->workspace_url()},
                      {"version", ARROW_ZEROBUS_VERSION}};
  if (!flags->ready_path.empty()) {
    if (Status written = WriteReadyFile(flags->ready_path, Dump(ready) + "\n"); !written.ok()) {
      std::cerr << "zerobus-emulator: " << written.message() << "\n";
      return kBadFlagOrFile;
    }
  }
  std::cout << "zerobus-emulator " << ARROW_ZEROBUS_VERSION << " serving: endpoint "
            << emulator->endpoint() << ", workspace URL " << emulator->workspace_url() << std::endl;

  std::signal(SIGINT, [](int) { g_stop = true; });
  std::signal(SIGTERM, [](int) { g_stop = true; });
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));

  Json summary = Json::object();
  for (const std::string& table : emulator->Tables()) {
    const emu::TableCounters c = emulator->Counters(table);
    summary[table] = {{"streams_created", c.streams_created},
                      {"streams_refused", c.streams_refused},
                      {"requests", c.requests},
                      {"records", c.records},
                      {"bytes", c.bytes},
                      {"acks", c.acks},
                      {"connections_killed", c.connections_killed},
                      {"close_signals", c.close_signals}};
  }
  std::cout << Dump(summary, 2) << std::endl;
  return 0;
}

}  // namespace arrow_zerobus::emulator
