// What a finished batch tells the telemetry: its metrics and its span tree (send_batch with
// plan, encode, debug_write, transmit and ack_wait children).
#pragma once

#include <cstdint>

#include "arrow_zerobus/transmission_result.h"
#include "telemetry/telemetry.h"
#include "wrapper/batch_job.h"

namespace arrow_zerobus::internal {

/// Stamps the job's start and its trace context (a child of `parent` when valid).
void BeginBatchTelemetry(BatchJob& job, const SpanContext& parent);

/// Records the metrics and spans of `job`, settled at `finished_unix_ns` with `result`.
void RecordBatchTelemetry(telemetry::Telemetry& telemetry, const BatchJob& job,
                          const TransmissionResult& result, int64_t finished_unix_ns);

}  // namespace arrow_zerobus::internal
