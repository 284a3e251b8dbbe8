// Where a wrapper benchmark sends: the emulator given by --endpoint / --workspace-url, or an
// in-process light emulator started for the run.
#pragma once

#include <memory>
#include <string>

#include "arrow_zerobus/config.h"
#include "arrow_zerobus/status.h"
#include "emulator.h"

namespace arrow_zerobus::bench {

struct BenchTarget {
  std::unique_ptr<emulator::Emulator> local;  ///< set when started here
  std::string endpoint;
  std::string workspace_url;

  /// A configuration for `table` on the target with the emulator's credentials.
  WrapperConfiguration ConfigFor(const std::string& table) const;
};

/// The target at `endpoint` (with its `workspace_url`), or a new light emulator when empty.
Result<BenchTarget> ConnectOrStartLightEmulator(std::string endpoint, std::string workspace_url);

}  // namespace arrow_zerobus::bench
