// The zerobus-emulator command line (also `zerobus-arrow emulator`): runs the local Zerobus
// service until SIGINT or SIGTERM, then prints what each table received.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "arrow_zerobus/version.h"
#include "emulator.h"
#include "emulator_cli.h"

namespace {

namespace emu = arrow_zerobus::emulator;
using arrow_zerobus::Result;
using arrow_zerobus::Status;

std::atomic<bool> g_stop{false};

constexpr char kUsage[] = R"(usage: zerobus-emulator [options]
  --host HOST              address to listen on (default 127.0.0.1)
  --port N                 gRPC port (default 0: the OS picks)
  --http-port N            OAuth endpoint port (default 0: the OS picks)
  --data-dir DIR           land decoded rows in DIR/<table>/<stream id>.jsonl (Arrow Flight
                           DoPut streams: the batches in <stream id>.arrows, an Arrow IPC stream)
  --fault-script FILE      JSON fault scripts keyed by table ("*" for all tables)
  --tables FILE            JSON {"<catalog.schema.table>": [{"name","type","nullable"}]}
  --strict-tables          only declared tables exist (others: NOT_FOUND)
  --light                  do not decode records (throughput benchmarks)
  --no-auth                accept streams without a valid bearer token
  --client-id ID --client-secret SECRET   the accepted OAuth client (default emulator-client /
                                           emulator-secret)
  --token-lifetime SECONDS lifetime of issued tokens (default 3600)
  --workspace-id ID        require this workspace in the OAuth resource
  --ready-file FILE        write {"endpoint", "workspace_url"} as JSON once serving
  --tls-cert FILE --tls-key FILE   serve gRPC over TLS with this PEM certificate (chain) and
                                   private key; the endpoint becomes https://HOST:PORT, so the
                                   certificate must name HOST (the OAuth endpoint stays HTTP)
)";

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
  emu::EmulatorOptions options;
  std::string fault_path, tables_path, ready_path, tls_cert_path, tls_key_path,
      client_id = emu::kDefaultClientId, client_secret = emu::kDefaultClientSecret;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "zerobus-emulator: " << flag << " needs a value\n" << kUsage;
        std::exit(2);
      }
      return argv[++i];
    };
    if (flag == "--host")
      options.host = value();
    else if (flag == "--port")
      options.grpc_port = std::stoi(value());
    else if (flag == "--http-port")
      options.http_port = std::stoi(value());
    else if (flag == "--data-dir")
      options.data_dir = value();
    else if (flag == "--fault-script")
      fault_path = value();
    else if (flag == "--tables")
      tables_path = value();
    else if (flag == "--strict-tables")
      options.accept_undeclared_tables = false;
    else if (flag == "--light")
      options.light = true;
    else if (flag == "--no-auth")
      options.require_auth = false;
    else if (flag == "--client-id")
      client_id = value();
    else if (flag == "--client-secret")
      client_secret = value();
    else if (flag == "--token-lifetime")
      options.token_lifetime = std::chrono::seconds(std::stol(value()));
    else if (flag == "--workspace-id")
      options.workspace_id = value();
    else if (flag == "--ready-file")
      ready_path = value();
    else if (flag == "--tls-cert")
      tls_cert_path = value();
    else if (flag == "--tls-key")
      tls_key_path = value();
    else if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << "zerobus-emulator: unknown option " << flag << "\n" << kUsage;
      return 2;
    }
  }
  options.clients = {{client_id, client_secret}};
  if (tls_cert_path.empty() != tls_key_path.empty()) {
    std::cerr << "zerobus-emulator: --tls-cert and --tls-key go together\n" << kUsage;
    return 2;
  }
  if (!tls_cert_path.empty()) {
    auto certificate = ReadFile(tls_cert_path);
    auto key = ReadFile(tls_key_path);
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
