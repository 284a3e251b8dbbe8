// _core.Emulator: the local Zerobus emulator (emulator/emulator.h) started in this process, for
// tests and for trying the package without a workspace.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "binding.h"
#include "emulator.h"
#include "emulator_state.h"

namespace arrow_zerobus::python {
namespace {

namespace emu = arrow_zerobus::emulator;

using Columns = std::vector<std::tuple<std::string, std::string, bool>>;

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

class PyEmulator {
 public:
  PyEmulator(bool light, bool require_auth, bool keep_records, std::optional<std::string> data_dir,
             std::optional<std::string> host, bool require_zerobuswrite) {
    emu::EmulatorOptions options;
    options.light = light;
    options.require_auth = require_auth;
    options.require_zerobuswrite = require_zerobuswrite;
    options.keep_records = keep_records;
    if (data_dir.has_value()) options.data_dir = *data_dir;
    if (host.has_value()) options.host = *host;
    std::optional<Result<std::unique_ptr<emu::Emulator>>> started;
    {
      nb::gil_scoped_release release;
      started.emplace(emu::Emulator::Start(options));
    }
    if (!started->ok()) ThrowStatus(started->status());
    emulator_ = std::move(*started).value();
  }

  ~PyEmulator() { Stop(); }

  void Stop() {
    nb::gil_scoped_release release;
    emulator_.reset();
  }

  emu::Emulator& Get() const {
    if (emulator_ == nullptr) {
      PyErr_SetString(PyExc_RuntimeError, "the emulator is stopped");
      throw nb::python_error();
    }
    return *emulator_;
  }

  bool running() const { return emulator_ != nullptr; }

  void SetFaultScript(const std::string& table, const std::string& json) {
    // The C++ parser reads {"<table>": <script>}; the script of one table is given here.
    auto scripts = emu::ParseFaultScripts("{" + JsonString(table) + ": " + json + "}");
    if (!scripts.ok()) ThrowStatus(scripts.status());
    for (auto& [name, script] : *scripts) Get().SetFaultScript(name, std::move(script));
  }

  void ClearFaultScript(const std::string& table) { Get().SetFaultScript(table, {}); }

  void DeclareTable(const std::string& table, const Columns& columns) {
    // Checked as a --tables file is (the table name, each type, duplicate columns): declared as
    // given, an unknown type or a table name without three parts was accepted without a word.
    std::string json = "{" + JsonString(table) + ": [";
    for (size_t i = 0; i < columns.size(); ++i) {
      const auto& [name, type, nullable] = columns[i];
      json += std::string(i > 0 ? ", " : "") + "{\"name\": " + JsonString(name) +
              ", \"type\": " + JsonString(type) +
              ", \"nullable\": " + (nullable ? "true" : "false") + "}";
    }
    json += "]}";
    auto declared = emu::ParseTableDeclarations(json, "declare_table()");
    if (!declared.ok()) ThrowStatus(declared.status());
    for (auto& [name, parsed] : *declared) Get().DeclareTable(name, std::move(parsed));
  }

  nb::dict Counters(const std::string& table) const {
    const emu::TableCounters counters = Get().Counters(table);
    nb::dict out;
    out["streams_created"] = counters.streams_created;
    out["streams_refused"] = counters.streams_refused;
    out["requests"] = counters.requests;
    out["records"] = counters.records;
    out["bytes"] = counters.bytes;
    out["acks"] = counters.acks;
    out["connections_killed"] = counters.connections_killed;
    out["close_signals"] = counters.close_signals;
    return out;
  }

  nb::list LandedRecords(const std::string& table) const {
    std::vector<std::string> records = Get().LandedRecords(table);
    nb::list out;
    for (const std::string& record : records) out.append(nb::bytes(record.data(), record.size()));
    return out;
  }

 private:
  std::unique_ptr<emu::Emulator> emulator_;
};

}  // namespace

void BindEmulator(nb::module_& m) {
  m.attr("EMULATOR_CLIENT_ID") = emu::kDefaultClientId;
  m.attr("EMULATOR_CLIENT_SECRET") = emu::kDefaultClientSecret;
  nb::class_<PyEmulator>(m, "Emulator", "The local Zerobus emulator, running in this process.")
      .def(nb::init<bool, bool, bool, std::optional<std::string>, std::optional<std::string>,
                    bool>(),
           nb::arg("light") = false, nb::arg("require_auth") = true, nb::arg("keep_records") = true,
           nb::arg("data_dir").none() = nb::none(), nb::arg("host").none() = nb::none(),
           nb::arg("require_zerobuswrite") = false)
      .def("stop", &PyEmulator::Stop, "Stops both servers (open streams end CANCELLED).")
      .def_prop_ro("running", &PyEmulator::running)
      .def_prop_ro("endpoint", [](const PyEmulator& self) { return self.Get().endpoint(); })
      .def_prop_ro("workspace_url",
                   [](const PyEmulator& self) { return self.Get().workspace_url(); })
      .def_prop_ro("grpc_port", [](const PyEmulator& self) { return self.Get().grpc_port(); })
      .def_prop_ro("http_port", [](const PyEmulator& self) { return self.Get().http_port(); })
      .def("set_fault_script", &PyEmulator::SetFaultScript, nb::arg("table"), nb::arg("json"))
      .def("clear_fault_script", &PyEmulator::ClearFaultScript, nb::arg("table"))
      .def("declare_table", &PyEmulator::DeclareTable, nb::arg("table"), nb::arg("columns"))
      .def("counters", &PyEmulator::Counters, nb::arg("table"))
      .def("landed_records", &PyEmulator::LandedRecords, nb::arg("table"))
      .def(
          "tables", [](const PyEmulator& self) { return self.Get().Tables(); },
          "Tables that saw at least one create_stream.")
      .def(
          "issue_token",
          [](const PyEmulator& self, const std::string& table) {
            return self.Get().IssueToken(table);
          },
          nb::arg("table"));
}

}  // namespace arrow_zerobus::python
