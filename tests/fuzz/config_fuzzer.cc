// Fuzz target: the configuration loaders (config/yaml_loader.cc, config/environment_loader.cc), as
// the command line uses them: a YAML file, then the ZEROBUS_* variables on top.
//
// Input: parts (fuzz_support.h) = [YAML text, "NAME=value" environment entries...].
// Promises: loading gives a configuration, or one ConfigurationError (an I/O error for a
// descriptor file that cannot be read) with a message; an environment that is refused leaves the
// configuration as it was; every setting's shown value reads back as the same value (so what
// ToString() and error messages show is what is in force); validate() answers OK or a
// ConfigurationError.
#include <map>
#include <string>

#include "arrow_zerobus/config.h"
#include "config/settings_table.h"
#include "fuzz_support.h"

namespace arrow_zerobus::fuzz {
namespace {

void CheckLoaded(const WrapperConfiguration& config) {
  for (const config::Setting& setting : config::Settings()) {
    // A secret shows as "***" and descriptor_proto as its size: neither reads back.
    if (setting.kind == config::SettingKind::kSecret ||
        setting.kind == config::SettingKind::kOptionalString) {
      continue;
    }
    const std::string shown = config::FormatValue(setting, config);
    WrapperConfiguration again;
    FUZZ_CHECK_OK(config::SetFromText(setting, shown, again),
                  "setting " + std::string(setting.key) + " from its shown value '" + shown + "'");
    FUZZ_CHECK(config::FormatValue(setting, again) == shown,
               std::string(setting.key) + ": '" + shown + "' reads back as '" +
                   config::FormatValue(setting, again) + "'");
  }
  const Status valid = config.validate();
  if (!valid.ok()) FUZZ_CHECK_REFUSAL(valid, "validate()", kInvalidConfiguration);
}

}  // namespace
}  // namespace arrow_zerobus::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arrow_zerobus;
  using namespace arrow_zerobus::fuzz;
  const std::vector<std::string_view> parts = SplitParts(data, size, 64);
  auto loaded = WrapperConfiguration::FromYamlString(std::string(parts[0]));
  if (!loaded.ok()) {
    FUZZ_CHECK_REFUSAL(loaded.status(), "FromYamlString", kInvalidConfiguration, kFileError);
    return 0;
  }
  CheckLoaded(*loaded);

  std::map<std::string, std::string, std::less<>> variables;
  for (size_t i = 1; i < parts.size(); ++i) {
    const size_t equals = parts[i].find('=');
    if (equals == std::string_view::npos) continue;
    variables[std::string(parts[i].substr(0, equals))] = std::string(parts[i].substr(equals + 1));
  }
  if (variables.empty()) return 0;
  const auto lookup = [&](const char* name) {
    const auto found = variables.find(std::string_view(name));
    return found == variables.end() ? std::string() : found->second;
  };
  WrapperConfiguration config = *loaded;
  const std::string before = config.ToString();
  const Status applied = config.ApplyEnvironment(lookup);
  if (!applied.ok()) {
    FUZZ_CHECK_REFUSAL(applied, "ApplyEnvironment", kInvalidConfiguration, kFileError);
    FUZZ_CHECK(applied.message().find("environment variable ZEROBUS_") != std::string::npos,
               "the error does not name the variable: " + applied.message());
    FUZZ_CHECK(config.ToString() == before, "a refused environment changed the configuration");
    return 0;
  }
  CheckLoaded(config);
  std::vector<std::string> names;
  for (const auto& [name, value] : variables) names.push_back(name);
  for (const std::string& warning : WrapperConfiguration::EnvironmentWarnings(names)) {
    FUZZ_CHECK(warning.find("ZEROBUS_") != std::string::npos, warning);
  }
  return 0;
}
