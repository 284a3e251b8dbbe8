// WrapperConfiguration::FromEnvironment / ApplyEnvironment: one ZEROBUS_* variable per setting
// (EnvironmentVariable() names it), applied through the settings table; ZEROBUS_* variables that
// name no setting become warnings.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "arrow_zerobus/config.h"
#include "common/endpoint.h"
#include "config/settings_table.h"

extern char** environ;  // POSIX: the process environment, "NAME=value" each

namespace arrow_zerobus {
namespace {

constexpr std::string_view kVariablePrefix = "ZEROBUS_";

std::vector<std::string> ProcessVariableNames() {
  std::vector<std::string> names;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    names.emplace_back(text.substr(0, text.find('=')));
  }
  return names;
}

bool NamesASetting(std::string_view variable) {
  for (const config::Setting& setting : config::Settings()) {
    if (WrapperConfiguration::EnvironmentVariable(setting.key) == variable) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> WrapperConfiguration::EnvironmentWarnings(
    const std::vector<std::string>& variable_names) {
  std::vector<std::string> sorted = variable_names;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::vector<std::string> warnings;
  for (const std::string& name : sorted) {
    if (!name.starts_with(kVariablePrefix) || NamesASetting(name)) continue;
    std::string warning = "environment variable " + name + " names no setting and is ignored";
    const std::string closest = config::ClosestEnvironmentVariable(name);
    warning += closest.empty() ? " (the settings' variables are in docs/api.md)"
                               : "; did you mean " + closest + "?";
    warnings.push_back(std::move(warning));
  }
  return warnings;
}

Status WrapperConfiguration::ApplyEnvironment(
    const std::function<std::string(const char*)>& lookup) {
  const EnvironmentLookup env = lookup ? lookup : ProcessEnvironment();
  // Applied to a copy so a bad variable leaves this configuration as it was.
  WrapperConfiguration updated = *this;
  std::vector<Status> errors;
  for (const config::Setting& setting : config::Settings()) {
    const std::string variable = EnvironmentVariable(setting.key);
    const std::string value = env(variable.c_str());
    if (value.empty()) continue;
    Status status = config::SetFromText(setting, value, updated);
    if (!status.ok()) errors.push_back(status.WithContext("environment variable " + variable));
  }
  ARROW_ZEROBUS_RETURN_NOT_OK(config::JoinProblems(errors));
  if (!lookup) {
    for (std::string& warning : EnvironmentWarnings(ProcessVariableNames())) {
      if (std::find(updated.warnings.begin(), updated.warnings.end(), warning) ==
          updated.warnings.end()) {
        updated.warnings.push_back(std::move(warning));
      }
    }
  }
  *this = std::move(updated);
  return Status::OK();
}

Result<WrapperConfiguration> WrapperConfiguration::FromEnvironment(
    const std::function<std::string(const char*)>& lookup) {
  WrapperConfiguration config;
  ARROW_ZEROBUS_RETURN_NOT_OK(config.ApplyEnvironment(lookup));
  return config;
}

}  // namespace arrow_zerobus
