// OtlpExporter: a thread that posts the metrics (cumulative) and the queued spans as OTLP/JSON
// to the collector every interval, and once more when asked (flush) or stopped (shutdown). A
// collector that is down or slow costs only this thread: the data of a failed export is
// dropped and counted, and nothing on the send path ever waits for it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "arrow_zerobus/status.h"
#include "auth/token_provider.h"
#include "telemetry/instruments.h"
#include "telemetry/telemetry_settings.h"
#include "telemetry/tracer.h"

namespace arrow_zerobus::telemetry {

class OtlpExporter {
 public:
  /// `tracer` may be null (traces off). `transport` posts one request (tests may replace it).
  OtlpExporter(TelemetrySettings settings, Instruments* instruments, Tracer* tracer,
               auth::HttpTransport transport, int64_t start_unix_ns);
  ~OtlpExporter();

  /// Exports now, from the calling thread; the first error (also counted).
  Status ExportNow();
  /// Exports what is left and stops the thread. Idempotent.
  void Stop();
  /// Asks the thread to export now rather than at the end of the interval; returns at once.
  /// Ignored until the next interval after a failed export: a collector that is down costs
  /// one attempt per interval, and spans beyond the queue are dropped cheaply meanwhile.
  void Wake();
  /// Spans per trace export request; the tracer wakes the exporter when this many are queued.
  static constexpr size_t kSpansPerRequest = 512;

  int64_t exports_succeeded() const;
  /// The latest failed export's error (OK if none failed).
  Status last_error() const;

 private:
  void Loop();
  Status Post(const std::string& url, std::string body);

  const TelemetrySettings settings_;
  Instruments* const instruments_;
  Tracer* const tracer_;
  const auth::HttpTransport transport_;
  const int64_t start_unix_ns_;

  std::mutex export_mu_;  ///< one export at a time: the thread's, a flush's or the last one
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool woken_ = false;
  bool backing_off_ = false;  ///< the last export failed: wait for the interval
  bool stopped_ = false;
  bool reported_ = false;  ///< the first failure went to stderr
  int64_t exports_succeeded_ = 0;
  Status last_error_;
  std::thread thread_;
};

}  // namespace arrow_zerobus::telemetry
