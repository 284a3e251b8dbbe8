// The zerobus-emulator command line (also `zerobus-arrow emulator`): runs the local Zerobus
// service until SIGINT or SIGTERM, then prints what each table received.
#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "arrow_zerobus/version.h"
#include "emulator.h"
#include "emulator_cli.h"
#include "emulator_flags.h"

namespace {

namespace emu = arrow_zerobus::emulator;
using arrow_zerobus::Result;
using arrow_zerobus::Status;

std::atomic<bool> g_stop{false};

Status Fail(const std::string& message) { return arrow_zerobus::ConfigurationError(message); }

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return arrow_zerobus::IoError("Cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<std::map<std::string, std::vector<emu::TableColumn>>> ParseTables(const std::string& text,
                                                                         const std::string& path) {
  auto document = nlohmann::json::parse(text, nullptr, false);
  if (!document.is_object()) return Fail(path + ": expected a JSON object keyed by table name");
  std::map<std::string, std::vector<emu::TableColumn>> tables;
  for (const auto& [table, columns] : document.items()) {
    if (!columns.is_array()) return Fail(path + ": columns of '" + table + "' must be an array");
    for (const auto& column : columns) {
      if (!column.is_object() || !column.contains("name") || !column.contains("type")) {
        return Fail(path + ": every column of '" + table + "' needs \"name\" and \"type\"");
      }
      const std::string type = column["type"].get<std::string>();
      if (auto parsed = emu::ParseUcType(type); !parsed.ok()) {
        return Fail(path + ": column '" + column["name"].get<std::string>() + "' of '" + table +
                    "': " + parsed.status().message());
      }
      tables[table].push_back(
          {column["name"].get<std::string>(), type, column.value("nullable", true)});
    }
  }
  return tables;
}

}  // namespace

namespace arrow_zerobus::emulator {

int RunEmulatorCli(int argc, char** argv) {
  auto flags = ParseEmulatorFlags(argc, argv);
  if (!flags.ok()) {
    std::cerr << "zerobus-emulator: " << flags.status().message() << "\n" << EmulatorUsage();
    return 2;
  }
  if (flags->help) {
    std::cout << EmulatorUsage();
    return 0;
  }
  emu::EmulatorOptions& options = flags->options;
  const std::string& fault_path = flags->fault_script_path;
  const std::string& tables_path = flags->tables_path;
  const std::string& ready_path = flags->ready_path;
  if (!flags->tls_cert_path.empty()) {
    auto certificate = ReadFile(flags->tls_cert_path);
    auto key = ReadFile(flags->tls_key_path);
    if (!certificate.ok() || !key.ok()) {
      std::cerr << "zerobus-emulator: " << (certificate.ok() ? key : certificate).status() << "\n";
      return 2;
    }
    options.tls_certificate_pem = std::move(certificate).value();
    options.tls_private_key_pem = std::move(key).value();
  }

  auto started = emu::Emulator::Start(options);
  if (!started.ok()) {
    std::cerr << "zerobus-emulator: " << started.status() << "\n";
    return 1;
  }
  std::unique_ptr<emu::Emulator> emulator = std::move(started).value();
  if (!fault_path.empty()) {
    auto text = ReadFile(fault_path);
    auto scripts = text.ok() ? emu::ParseFaultScripts(*text) : text.status();
    if (!scripts.ok()) {
      std::cerr << "zerobus-emulator: " << scripts.status() << "\n";
      return 2;
    }
    for (auto& [table, script] : *scripts) emulator->SetFaultScript(table, script);
  }
  if (!tables_path.empty()) {
    auto text = ReadFile(tables_path);
    auto tables = text.ok() ? ParseTables(*text, tables_path) : text.status();
    if (!tables.ok()) {
      std::cerr << "zerobus-emulator: " << tables.status() << "\n";
      return 2;
    }
    for (auto& [table, columns] : *tables) emulator->DeclareTable(table, columns);
  }

  nlohmann::json ready = {{"endpoint", emulator->endpoint()},
                          {"workspace_url", emulator->workspace_url()},
                          {"version", ARROW_ZEROBUS_VERSION}};
  if (!ready_path.empty()) {
    std::ofstream(ready_path + ".tmp") << ready.dump() << "\n";
    std::rename((ready_path + ".tmp").c_str(), ready_path.c_str());
  }
  std::cout << "zerobus-emulator " << ARROW_ZEROBUS_VERSION << " serving: endpoint "
            << emulator->endpoint() << ", workspace URL " << emulator->workspace_url() << std::endl;

  std::signal(SIGINT, [](int) { g_stop = true; });
  std::signal(SIGTERM, [](int) { g_stop = true; });
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));

  nlohmann::json summary = nlohmann::json::object();
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
  std::cout << summary.dump(2) << std::endl;
  return 0;
}

}  // namespace arrow_zerobus::emulator
