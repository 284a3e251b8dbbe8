// WrapperConfiguration::FromEnvironment / ApplyEnvironment: one ZEROBUS_* variable per setting
// (EnvironmentVariable() names it), applied through the settings table.
#include <string>
#include <vector>

#include "arrow_zerobus/config.h"
#include "common/endpoint.h"
#include "config/settings_table.h"

namespace arrow_zerobus {

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
  if (errors.empty()) {
    *this = std::move(updated);
    return Status::OK();
  }
  std::string message = errors[0].message();
  for (size_t i = 1; i < errors.size(); ++i) message += "; " + errors[i].message();
  return Status(errors[0].code(), errors[0].kind(), std::move(message));
}

Result<WrapperConfiguration> WrapperConfiguration::FromEnvironment(
    const std::function<std::string(const char*)>& lookup) {
  WrapperConfiguration config;
  ARROW_ZEROBUS_RETURN_NOT_OK(config.ApplyEnvironment(lookup));
  return config;
}

}  // namespace arrow_zerobus
