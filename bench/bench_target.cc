#include "bench_target.h"

namespace arrow_zerobus::bench {

WrapperConfiguration BenchTarget::ConfigFor(const std::string& table) const {
  WrapperConfiguration config(endpoint, table);
  config.with_credentials(emulator::kDefaultClientId, emulator::kDefaultClientSecret)
      .with_unity_catalog(workspace_url);
  return config;
}

Result<BenchTarget> ConnectOrStartLightEmulator(std::string endpoint, std::string workspace_url) {
  BenchTarget target;
  if (!endpoint.empty()) {
    target.endpoint = std::move(endpoint);
    target.workspace_url = std::move(workspace_url);
    return target;
  }
  emulator::EmulatorOptions options;
  options.light = true;
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(target.local, emulator::Emulator::Start(options));
  target.endpoint = target.local->endpoint();
  target.workspace_url = target.local->workspace_url();
  return target;
}

}  // namespace arrow_zerobus::bench
