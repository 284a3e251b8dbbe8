// What the observability_* settings and the standard OTEL_* environment variables mean together:
// the settings win, the variables fill in what is unset, then the defaults. Here, above the
// telemetry module, because it reads the public configuration.
#pragma once

#include "arrow_zerobus/config.h"
#include "arrow_zerobus/status.h"
#include "common/endpoint.h"
#include "telemetry/telemetry_settings.h"

namespace arrow_zerobus::internal {

/// The effective telemetry settings of `config`, with OTEL_* variables read through `env`.
/// Errors name the variable or setting.
Result<telemetry::TelemetrySettings> ResolveTelemetrySettings(const WrapperConfiguration& config,
                                                              const EnvironmentLookup& env);

}  // namespace arrow_zerobus::internal
