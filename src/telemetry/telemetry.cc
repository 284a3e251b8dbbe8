#include "telemetry/telemetry.h"

#include "auth/curl_http_transport.h"

namespace arrow_zerobus::telemetry {
namespace {

// Histogram measurements kept between two collections in pull mode.
constexpr size_t kMaxQueuedMeasurements = 65536;

}  // namespace

Telemetry::Telemetry(const TelemetrySettings& settings, std::string table)
    : settings_(settings),
      start_unix_ns_(UnixNanosNow()),
      instruments_(std::move(table), settings.pull && settings.metrics, kMaxQueuedMeasurements) {
  if (settings.traces) tracer_ = std::make_unique<Tracer>(settings.max_queued_spans, &instruments_);
}

std::unique_ptr<Telemetry> Telemetry::Create(const TelemetrySettings& settings, std::string table,
                                             auth::HttpTransport transport) {
  if (!settings.enabled) return nullptr;
  std::unique_ptr<Telemetry> telemetry(new Telemetry(settings, std::move(table)));
  if (!settings.pull && (settings.metrics || settings.traces)) {
    if (!transport) {
      auth::CurlOptions options;
      options.timeout = settings.timeout;
      options.connect_timeout = std::min(settings.timeout, options.connect_timeout);
      transport = auth::MakeCurlHttpTransport(options);
    }
    telemetry->exporter_ =
        std::make_unique<OtlpExporter>(settings, &telemetry->instruments_, telemetry->tracer(),
                                       std::move(transport), telemetry->start_unix_ns_);
    if (telemetry->tracer_ != nullptr) {
      OtlpExporter* exporter = telemetry->exporter_.get();
      telemetry->tracer_->OnBatchReady(OtlpExporter::kSpansPerRequest,
                                       [exporter] { exporter->Wake(); });
    }
  }
  return telemetry;
}

Telemetry::~Telemetry() { Shutdown(); }

Status Telemetry::Flush() { return exporter_ ? exporter_->ExportNow() : Status::OK(); }

void Telemetry::Shutdown() {
  if (exporter_) exporter_->Stop();
}

TelemetryData Telemetry::Collect() {
  TelemetryData data;
  data.start_unix_ns = start_unix_ns_;
  data.time_unix_ns = UnixNanosNow();
  if (settings_.metrics) data.metrics = instruments_.Snapshot();
  if (exporter_ == nullptr) {
    if (tracer_) data.spans = tracer_->Take();
    data.measurements = instruments_.TakeMeasurements();
  }
  data.spans_dropped = instruments_.spans_dropped();
  data.measurements_dropped = instruments_.measurements_dropped();
  return data;
}

}  // namespace arrow_zerobus::telemetry
