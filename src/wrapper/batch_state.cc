#include "wrapper/batch_state.h"

#include "wrapper/failed_values.h"

namespace arrow_zerobus::internal {

double MillisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

bool BatchState::Complete(TransmissionResult outcome) {
  CompletionCallback callback;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (result.has_value()) return false;
    result = std::move(outcome);
    callback = std::move(on_complete);
    done.notify_all();
  }
  if (callback) {
    // The result never changes once set, so the callback reads it without the lock.
    dispatcher->Post(
        [callback = std::move(callback), self = shared_from_this()] { callback(*self->result); });
  }
  return true;
}

bool BatchState::BeginSending() {
  std::lock_guard<std::mutex> lock(mu);
  if (cancelled || result.has_value()) return false;
  sending = true;
  return true;
}

bool BatchState::Cancel() {
  {
    std::lock_guard<std::mutex> lock(mu);
    if (sending || cancelled || result.has_value()) return false;
    cancelled = true;
  }
  TransmissionResult outcome;
  outcome.total_rows = total_rows;
  outcome.failed_count = total_rows;
  outcome.error = Status(StatusCode::kCancelled, ErrorKind::kTransmission,
                         "the send was cancelled before any of its rows was sent", true);
  outcome.failed_rows.reserve(total_rows);
  for (int64_t row = 0; row < total_rows; ++row)
    outcome.failed_rows.push_back({row, outcome.error});
  outcome.latency_ms = MillisecondsSince(started);
  if (const std::shared_ptr<arrow::RecordBatch> sent = batch.lock()) {
    outcome.failed_values = KeepFailedValues(outcome, *sent);
  }
  return Complete(std::move(outcome));
}

}  // namespace arrow_zerobus::internal
