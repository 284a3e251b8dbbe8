#include "wrapper/batch_telemetry.h"

#include <string>

namespace arrow_zerobus::internal {
namespace {

SpanData Child(const BatchJob& job, const char* name, int64_t start, int64_t end) {
  SpanData span;
  span.name = name;
  span.context = telemetry::Tracer::NewContext(job.trace);
  span.parent_span_id = job.trace.span_id;
  span.start_unix_ns = start;
  span.end_unix_ns = end;
  return span;
}

void MarkFailed(SpanData& span, const Status& status) {
  if (status.ok()) return;
  span.status = SpanData::Status::kError;
  span.status_message = status.ToString();
  span.attributes.emplace_back("error.type", std::string(ErrorKindName(status.kind())));
}

std::string Joined(const std::vector<std::string>& parts) {
  std::string text;
  for (const std::string& part : parts) text += (text.empty() ? "" : ",") + part;
  return text;
}

}  // namespace

void BeginBatchTelemetry(BatchJob& job, const SpanContext& parent) {
  job.times.submitted = telemetry::UnixNanosNow();
  job.trace = telemetry::Tracer::NewContext(parent);
  if (parent.valid()) job.trace_parent = parent.span_id;
}

void RecordBatchTelemetry(telemetry::Telemetry& telemetry, const BatchJob& job,
                          const TransmissionResult& result, int64_t finished_unix_ns) {
  const BatchJob::Timeline& t = job.times;
  telemetry.instruments().BatchFinished(result, (finished_unix_ns - t.submitted) / 1e9);
  telemetry::Tracer* tracer = telemetry.tracer();
  if (tracer == nullptr) return;

  SpanData root;
  root.name = "zerobus.send_batch";
  root.kind = SpanData::Kind::kProducer;
  root.context = job.trace;
  root.parent_span_id = job.trace_parent;
  root.start_unix_ns = t.submitted;
  root.end_unix_ns = finished_unix_ns;
  root.attributes = {
      {"messaging.system", std::string(telemetry::kMessagingSystem)},
      {"messaging.destination.name", telemetry.instruments().table()},
      {"messaging.operation.name", std::string("send_batch")},
      {"messaging.batch.message_count", result.total_rows},
      {"zerobus.rows.succeeded", result.successful_count},
      {"zerobus.rows.failed", result.failed_count},
      {"zerobus.batch.bytes", result.batch_size_bytes},
      {"zerobus.encoded.bytes", result.encoded_bytes},
      {"zerobus.requests", result.requests_sent},
      {"zerobus.requests.replayed", result.requests_replayed},
      {"zerobus.attempts", static_cast<int64_t>(result.attempts)},
      {"zerobus.writer_disabled", result.writer_disabled},
  };
  if (!result.stream_ids.empty()) {
    root.attributes.emplace_back("zerobus.stream_id", Joined(result.stream_ids));
  }
  if (!result.success) MarkFailed(root, result.error);
  tracer->Record(std::move(root));

  if (t.prepare_start != 0 && t.planned != 0) {
    SpanData plan = Child(job, "zerobus.plan", t.prepare_start, t.planned);
    plan.attributes.emplace_back("zerobus.columns",
                                 static_cast<int64_t>(job.batch()->num_columns()));
    if (job.plan == nullptr) MarkFailed(plan, job.batch_failure);
    tracer->Record(std::move(plan));
  }
  if (t.encoded != 0) {
    SpanData encode = Child(job, "zerobus.encode", t.planned, t.encoded);
    encode.attributes.emplace_back("zerobus.rows", job.batch()->num_rows());
    if (job.encoded_ok) {
      encode.attributes.emplace_back("zerobus.rows.failed", job.encoded.failed_count());
      encode.attributes.emplace_back("zerobus.encoded.bytes", job.payload_bytes);
    } else {
      MarkFailed(encode, job.batch_failure);
    }
    tracer->Record(std::move(encode));
  }
  if (t.debug_start != 0) {
    SpanData debug = Child(job, "zerobus.debug_write", t.debug_start, t.debug_end);
    MarkFailed(debug, job.debug_error);
    tracer->Record(std::move(debug));
  }
  if (t.transmit_start != 0) {
    SpanData transmit = Child(job, "zerobus.transmit", t.transmit_start, t.transmit_end);
    transmit.kind = SpanData::Kind::kClient;
    transmit.attributes.emplace_back("zerobus.requests", result.requests_sent);
    tracer->Record(std::move(transmit));
    SpanData ack_wait = Child(job, "zerobus.ack_wait", t.transmit_end, finished_unix_ns);
    ack_wait.attributes.emplace_back("zerobus.attempts", static_cast<int64_t>(result.attempts));
    if (!result.success) MarkFailed(ack_wait, result.error);
    tracer->Record(std::move(ack_wait));
  }
}

}  // namespace arrow_zerobus::internal
