#include "telemetry/instruments.h"

namespace arrow_zerobus::telemetry {
namespace {

constexpr char kOperationDuration[] = "messaging.client.operation.duration";
constexpr char kSentMessages[] = "messaging.client.sent.messages";
constexpr char kAckDuration[] = "zerobus.client.ack.duration";

using Labels = std::vector<std::pair<std::string, std::string>>;

MetricData Sum(const char* name, const char* unit, const char* description, int64_t value,
               const Labels& attributes, MetricData::Kind kind = MetricData::Kind::kCounter) {
  MetricData metric;
  metric.name = name;
  metric.unit = unit;
  metric.description = description;
  metric.kind = kind;
  MetricPoint point;
  point.attributes = attributes;
  point.value = value;
  metric.points.push_back(std::move(point));
  return metric;
}

Labels With(Labels labels, const char* key, std::string value) {
  labels.emplace_back(key, std::move(value));
  return labels;
}

}  // namespace

Instruments::Instruments(std::string table, bool keep_measurements, size_t max_measurements)
    : table_(std::move(table)),
      keep_measurements_(keep_measurements),
      max_measurements_(max_measurements),
      ack_durations_(DurationBoundsSeconds()) {
  batch_durations_.reserve(kKinds);
  for (size_t i = 0; i < kKinds; ++i)
    batch_durations_.push_back(std::make_unique<AtomicHistogram>(DurationBoundsSeconds()));
}

void Instruments::BatchFinished(const TransmissionResult& result, double duration_seconds) {
  batches_.fetch_add(1, std::memory_order_relaxed);
  encoded_bytes_.fetch_add(result.encoded_bytes, std::memory_order_relaxed);
  rows_[0].fetch_add(result.successful_count, std::memory_order_relaxed);
  // Only failed rows are walked: a batch that fully landed costs one add.
  for (const RowFailure& failure : result.failed_rows) {
    rows_[static_cast<size_t>(failure.error.kind())].fetch_add(1, std::memory_order_relaxed);
  }
  ErrorKind outcome = ErrorKind::kNone;
  if (!result.success) {
    outcome = result.error.ok() ? ErrorKind::kInternal : result.error.kind();
  }
  batch_durations_[static_cast<size_t>(outcome)]->Record(duration_seconds);
  if (keep_measurements_) {
    Labels attributes = With(BaseAttributes(), "messaging.operation.name", "send_batch");
    if (outcome != ErrorKind::kNone) {
      attributes.emplace_back("error.type", std::string(ErrorKindName(outcome)));
    }
    Measure(kOperationDuration, duration_seconds, std::move(attributes));
  }
}

void Instruments::RequestQueued(int64_t bytes) {
  inflight_requests_.fetch_add(1, std::memory_order_relaxed);
  inflight_bytes_.fetch_add(bytes, std::memory_order_relaxed);
}

void Instruments::RequestWritten(bool replay) {
  requests_.fetch_add(1, std::memory_order_relaxed);
  if (replay) requests_replayed_.fetch_add(1, std::memory_order_relaxed);
}

void Instruments::RequestResolved(int64_t bytes, const double* ack_seconds) {
  inflight_requests_.fetch_sub(1, std::memory_order_relaxed);
  inflight_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
  if (ack_seconds == nullptr) return;
  ack_durations_.Record(*ack_seconds);
  if (keep_measurements_) Measure(kAckDuration, *ack_seconds, BaseAttributes());
}

void Instruments::Measure(const char* metric, double value, Labels attributes) {
  std::lock_guard<std::mutex> lock(measurements_mu_);
  if (measurements_.size() >= max_measurements_) {
    measurements_dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  Measurement measurement;
  measurement.metric = metric;
  measurement.value = value;
  measurement.attributes = std::move(attributes);
  measurements_.push_back(std::move(measurement));
}

std::vector<Measurement> Instruments::TakeMeasurements() {
  std::lock_guard<std::mutex> lock(measurements_mu_);
  std::vector<Measurement> taken;
  taken.swap(measurements_);
  return taken;
}

Labels Instruments::BaseAttributes() const {
  return {{"messaging.system", kMessagingSystem}, {"messaging.destination.name", table_}};
}

std::vector<MetricData> Instruments::Snapshot() const {
  const Labels base = BaseAttributes();
  std::vector<MetricData> metrics;

  MetricData durations;
  durations.name = kOperationDuration;
  durations.unit = "s";
  durations.description = "Duration of send_batch, from the call until every row is settled";
  durations.kind = MetricData::Kind::kHistogram;
  durations.bounds = DurationBoundsSeconds();
  MetricData rows = Sum(kSentMessages, "{message}",
                        "Rows sent: landed (no error.type) or failed (error.type is the cause)",
                        rows_[0].load(), base);
  const Labels operation = With(base, "messaging.operation.name", "send_batch");
  for (size_t kind = 0; kind < kKinds; ++kind) {
    const std::string error_type(ErrorKindName(static_cast<ErrorKind>(kind)));
    MetricPoint point = batch_durations_[kind]->Snapshot();
    if (point.count > 0 || kind == 0) {
      point.attributes = kind == 0 ? operation : With(operation, "error.type", error_type);
      durations.points.push_back(std::move(point));
    }
    const int64_t failed = rows_[kind].load(std::memory_order_relaxed);
    if (kind > 0 && failed > 0) {
      MetricPoint row_point;
      row_point.attributes = With(base, "error.type", error_type);
      row_point.value = failed;
      rows.points.push_back(std::move(row_point));
    }
  }
  metrics.push_back(std::move(durations));
  metrics.push_back(std::move(rows));

  metrics.push_back(Sum("zerobus.client.batches", "{batch}", "Batches settled (send_batch calls)",
                        batches_.load(), base));
  metrics.push_back(Sum("zerobus.client.sent.bytes", "By",
                        "Encoded bytes of the rows sent (Protobuf records)", encoded_bytes_.load(),
                        base));
  metrics.push_back(Sum("zerobus.client.requests", "{request}",
                        "Ingest requests written to the stream, replays included", requests_.load(),
                        base));
  metrics.push_back(Sum("zerobus.client.requests.replayed", "{request}",
                        "Requests written again after a reconnect", requests_replayed_.load(),
                        base));
  metrics.push_back(Sum("zerobus.client.reconnects", "{reconnect}",
                        "Stream reconnections after a failure or a close signal",
                        reconnects_.load(), base));
  metrics.push_back(Sum("zerobus.client.connect.retries", "{retry}",
                        "Connection attempts that failed and were retried", connect_retries_.load(),
                        base));
  metrics.push_back(Sum("zerobus.client.token.refreshes", "{token}",
                        "OAuth tokens this wrapper's streams started using (the first included)",
                        token_fetches_.load(), base));
  metrics.push_back(Sum("zerobus.client.inflight.requests", "{request}",
                        "Requests sent and not yet acknowledged or failed",
                        inflight_requests_.load(), base, MetricData::Kind::kUpDownCounter));
  metrics.push_back(Sum("zerobus.client.inflight.bytes", "By",
                        "Record bytes sent and not yet acknowledged or failed",
                        inflight_bytes_.load(), base, MetricData::Kind::kUpDownCounter));

  MetricData acks;
  acks.name = kAckDuration;
  acks.unit = "s";
  acks.description = "Time from a request's first write to its acknowledgement";
  acks.kind = MetricData::Kind::kHistogram;
  acks.bounds = DurationBoundsSeconds();
  MetricPoint ack_point = ack_durations_.Snapshot();
  ack_point.attributes = base;
  acks.points.push_back(std::move(ack_point));
  metrics.push_back(std::move(acks));

  metrics.push_back(Sum("zerobus.telemetry.spans.dropped", "{span}",
                        "Spans dropped because the export queue was full", spans_dropped_.load(),
                        base));
  metrics.push_back(Sum("zerobus.telemetry.exports.failed", "{export}",
                        "OTLP exports that failed (their data was dropped)", exports_failed_.load(),
                        base));
  return metrics;
}

}  // namespace arrow_zerobus::telemetry
