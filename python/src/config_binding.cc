// _core.Configuration: the C++ WrapperConfiguration, set key by key as text (the same parser as
// YAML and the environment) and read back typed. Secrets never reach Python.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/string_view.h>
#include <nanobind/stl/vector.h>

#include <string>
#include <type_traits>
#include <variant>

#include "arrow_zerobus/config.h"
#include "binding.h"
#include "config/settings_table.h"

namespace arrow_zerobus::python {
namespace {

const config::Setting& SettingOrRaise(const std::string& key) {
  const config::Setting* setting = config::FindSetting(key);
  if (setting == nullptr) ThrowStatus(config::UnknownSettingError(key));
  return *setting;
}

const char* KindName(config::SettingKind kind) {
  switch (kind) {
    case config::SettingKind::kString:
      return "str";
    case config::SettingKind::kSecret:
      return "secret";
    case config::SettingKind::kPath:
      return "path";
    case config::SettingKind::kBool:
      return "bool";
    case config::SettingKind::kInt:
      return "int";
    case config::SettingKind::kOptionalInt:
      return "optional_int";
    case config::SettingKind::kOptionalString:
      return "bytes";
    case config::SettingKind::kWireFormat:
      return "str";
  }
  return "str";
}

// The value of `key` as Python sees it: str, bool, int, None for unset; a secret is "***" when
// set (None when not); descriptor_proto is the descriptor's bytes; wire_format its name.
nb::object Get(const WrapperConfiguration& config, const std::string& key) {
  const config::Setting& setting = SettingOrRaise(key);
  return std::visit(
      [&](auto field) -> nb::object {
        using Value = std::remove_cvref_t<decltype(config.*field)>;
        const Value& value = config.*field;
        if constexpr (std::is_same_v<Value, std::string>) {
          return nb::cast(value);
        } else if constexpr (std::is_same_v<Value, SecretString>) {
          return value.empty() ? nb::none() : nb::cast("***");
        } else if constexpr (std::is_same_v<Value, std::filesystem::path>) {
          return value.empty() ? nb::none() : nb::cast(value.string());
        } else if constexpr (std::is_same_v<Value, bool>) {
          return nb::cast(value);
        } else if constexpr (std::is_same_v<Value, std::optional<int64_t>>) {
          return value.has_value() ? nb::cast(*value) : nb::none();
        } else if constexpr (std::is_same_v<Value, std::optional<std::string>>) {
          return value.has_value() ? nb::object(nb::bytes(value->data(), value->size()))
                                   : nb::none();
        } else if constexpr (std::is_same_v<Value, WireFormat>) {
          return nb::cast(std::string(WireFormatName(value)));
        } else {
          return nb::cast(static_cast<int64_t>(value));
        }
      },
      setting.field);
}

void Set(WrapperConfiguration& config, const std::string& key, const std::string& value) {
  Status status = config.Set(key, value);
  if (!status.ok()) ThrowStatus(status);
}

// The settings whose value is content given as bytes (from text, a path): descriptor_proto (a
// serialized DescriptorProto) and table_schema (Unity Catalog JSON).
void SetBytes(WrapperConfiguration& config, const std::string& key,
              std::optional<nb::bytes> value) {
  std::optional<std::string> content;
  if (value.has_value()) content.emplace(value->c_str(), value->size());
  if (key == "descriptor_proto") {
    config.descriptor_proto = std::move(content);
  } else if (key == "table_schema") {
    config.table_schema = std::move(content);
  } else {
    throw nb::value_error(("set_bytes: " + key + " is not a setting given as bytes").c_str());
  }
}

WrapperConfiguration Unwrap(Result<WrapperConfiguration> loaded) {
  if (!loaded.ok()) ThrowStatus(loaded.status());
  return std::move(loaded).value();
}

}  // namespace

void BindConfig(nb::module_& m) {
  nb::class_<WrapperConfiguration>(m, "Configuration",
                                   "The C++ WrapperConfiguration (see arrow_zerobus/config.h).")
      .def(nb::init<>())
      .def("copy", [](const WrapperConfiguration& self) { return WrapperConfiguration(self); })
      .def("set", &Set, nb::arg("key"), nb::arg("value"),
           "Sets one setting from text, as YAML and the environment do.")
      .def("set_bytes", &SetBytes, nb::arg("key"), nb::arg("value").none(),
           "Sets (or with None clears) descriptor_proto or table_schema to the given content.")
      .def("get", &Get, nb::arg("key"), "The value of one setting (secrets as '***').")
      .def("problems", &WrapperConfiguration::problems, "Every validation problem.")
      .def(
          "validate",
          [](const WrapperConfiguration& self) {
            Status status = self.validate();
            if (!status.ok()) ThrowStatus(status);
          },
          "Raises ConfigurationError listing every problem.")
      .def(
          "warnings", [](const WrapperConfiguration& self) { return self.warnings; },
          "What loading noticed but did not refuse (unknown ZEROBUS_* variables).")
      .def("to_string", &WrapperConfiguration::ToString,
           "'key: value' lines of every setting, secrets as '***'.")
      .def(
          "apply_environment",
          [](WrapperConfiguration& self) {
            Status status = self.ApplyEnvironment();
            if (!status.ok()) ThrowStatus(status);
          },
          "Applies the ZEROBUS_* environment variables that are set.")
      .def_static(
          "from_yaml_file",
          [](const std::string& path) { return Unwrap(WrapperConfiguration::FromYamlFile(path)); },
          nb::arg("path"))
      .def_static(
          "from_yaml_string",
          [](const std::string& text) {
            return Unwrap(WrapperConfiguration::FromYamlString(text));
          },
          nb::arg("text"))
      .def_static("from_environment",
                  []() { return Unwrap(WrapperConfiguration::FromEnvironment()); })
      .def_static("keys", &WrapperConfiguration::SettingKeys, "Every setting key, in order.")
      .def_static(
          "kinds",
          []() {
            nb::dict kinds;
            for (const config::Setting& setting : config::Settings()) {
              kinds[nb::str(setting.key.data(), setting.key.size())] = KindName(setting.kind);
            }
            return kinds;
          },
          "key -> kind (str, secret, path, bool, int, optional_int, bytes).")
      .def_static("environment_variable", &WrapperConfiguration::EnvironmentVariable,
                  nb::arg("key"));
}

}  // namespace arrow_zerobus::python
