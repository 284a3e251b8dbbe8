#include "telemetry/otlp_exporter.h"

#include <iostream>

#include "auth/curl_http_transport.h"
#include "telemetry/otlp_json.h"

namespace arrow_zerobus::telemetry {
OtlpExporter::OtlpExporter(TelemetrySettings settings, Instruments* instruments, Tracer* tracer,
                           auth::HttpTransport transport, int64_t start_unix_ns)
    : settings_(std::move(settings)),
      instruments_(instruments),
      tracer_(tracer),
      transport_(std::move(transport)),
      start_unix_ns_(start_unix_ns) {
  thread_ = std::thread([this] { Loop(); });
}

OtlpExporter::~OtlpExporter() { Stop(); }

void OtlpExporter::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    const bool woken =
        wake_.wait_for(lock, settings_.interval, [&] { return stopping_ || woken_; });
    if (stopping_) break;
    woken_ = false;
    if (!woken) backing_off_ = false;  // a full interval passed: try the collector again
    lock.unlock();
    (void)ExportNow();
    lock.lock();
  }
}

void OtlpExporter::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (backing_off_) return;
    woken_ = true;
  }
  wake_.notify_all();
}

void OtlpExporter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  (void)ExportNow();
}

Status OtlpExporter::ExportNow() {
  std::lock_guard<std::mutex> exporting(export_mu_);
  Status first;
  if (settings_.metrics) {
    Status posted = Post(settings_.metrics_url,
                         EncodeMetricsRequest(instruments_->Snapshot(), settings_.identity,
                                              start_unix_ns_, UnixNanosNow()));
    if (first.ok()) first = posted;
  }
  while (tracer_ != nullptr) {
    std::vector<SpanData> spans = tracer_->Take(kSpansPerRequest);
    if (spans.empty()) break;
    Status posted = Post(settings_.traces_url, EncodeTraceRequest(spans, settings_.identity));
    if (!posted.ok()) {
      instruments_->SpansDropped(static_cast<int64_t>(spans.size()));
      if (first.ok()) first = posted;
      break;  // the collector is failing: what is still queued waits for the next export
    }
  }
  return first;
}

Status OtlpExporter::Post(const std::string& url, std::string body) {
  auth::HttpRequest request;
  request.url = url;
  request.headers = settings_.headers;
  request.headers.emplace_back("Content-Type", "application/json");
  request.body = std::move(body);
  auto response = transport_(request);
  Status status;
  if (!response.ok()) {
    status = Status(
        response.status().code(), ErrorKind::kConnection,
        "OTLP export to " + auth::RedactUrl(url) + " failed: " + response.status().message());
  } else if (response->status < 200 || response->status > 299) {
    status = Status(StatusCode::kUnavailable, ErrorKind::kConnection,
                    "OTLP export to " + auth::RedactUrl(url) + " was answered HTTP " +
                        std::to_string(response->status));
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (status.ok()) {
    ++exports_succeeded_;
    return status;
  }
  instruments_->ExportFailed();
  last_error_ = status;
  backing_off_ = true;
  if (!reported_) {
    reported_ = true;
    std::cerr << "arrow-zerobus: telemetry export failed (reported once; data of failed exports "
                 "is dropped and counted in zerobus.telemetry.exports.failed): "
              << status.message() << "\n";
  }
  return status;
}

int64_t OtlpExporter::exports_succeeded() const {
  std::lock_guard<std::mutex> lock(mu_);
  return exports_succeeded_;
}

Status OtlpExporter::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

}  // namespace arrow_zerobus::telemetry
