// Telemetry: what one wrapper records and where it goes. The wrapper and its stream hold a
// pointer that is null when observability is off, so the disabled cost is one branch per batch
// or request. Instruments aggregate in-process; the Tracer queues finished spans; an
// OtlpExporter ships both, or in pull mode Collect() hands them out.
#pragma once

#include <memory>

#include "arrow_zerobus/status.h"
#include "arrow_zerobus/telemetry.h"
#include "auth/token_provider.h"
#include "telemetry/instruments.h"
#include "telemetry/otlp_exporter.h"
#include "telemetry/telemetry_settings.h"
#include "telemetry/tracer.h"

namespace arrow_zerobus::telemetry {

class Telemetry {
 public:
  /// Null when `settings.enabled` is false. `transport` defaults to libcurl with the settings'
  /// timeout.
  static std::unique_ptr<Telemetry> Create(const TelemetrySettings& settings, std::string table,
                                           auth::HttpTransport transport = nullptr);
  ~Telemetry();

  Instruments& instruments() { return instruments_; }
  /// Null when traces are off.
  Tracer* tracer() { return tracer_.get(); }

  /// Exports now (OTLP mode); the export's error, which callers report but never fail on.
  Status Flush();
  /// Final export; stops the exporter thread. Idempotent.
  void Shutdown();
  /// Metrics now, plus the spans and measurements queued since the last call (pull mode;
  /// in OTLP mode the exporter owns the spans and only metrics are returned).
  TelemetryData Collect();
  /// Null in pull mode.
  const OtlpExporter* exporter() const { return exporter_.get(); }

 private:
  Telemetry(const TelemetrySettings& settings, std::string table);

  const TelemetrySettings settings_;
  const int64_t start_unix_ns_;
  Instruments instruments_;
  std::unique_ptr<Tracer> tracer_;
  std::unique_ptr<OtlpExporter> exporter_;
};

}  // namespace arrow_zerobus::telemetry
