// BatchState: what a BatchFuture and the wrapper share about one send: the result once known,
// the caller's completion callback, and whether the send may still be cancelled.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include <arrow/record_batch.h>

#include "arrow_zerobus/transmission_result.h"
#include "arrow_zerobus/wrapper.h"
#include "wrapper/callback_dispatcher.h"

namespace arrow_zerobus::internal {

struct BatchState : std::enable_shared_from_this<BatchState> {
  BatchState(int64_t rows, CompletionCallback callback,
             std::shared_ptr<CallbackDispatcher> callback_dispatcher)
      : total_rows(rows),
        on_complete(std::move(callback)),
        dispatcher(std::move(callback_dispatcher)) {}

  /// Sets the result and hands the callback to the dispatcher; false (and nothing done) when
  /// the result was already set.
  bool Complete(TransmissionResult result);
  /// Called by the wrapper when it is about to hand rows to the stream: false if the send was
  /// cancelled (or completed) before, true otherwise (cancel() is refused from then on).
  bool BeginSending();
  /// Completes the send with every row failed as cancelled, if it has not begun sending.
  bool Cancel();
  bool was_cancelled() const {
    std::lock_guard<std::mutex> lock(mu);
    return cancelled;
  }

  const int64_t total_rows;
  /// The batch sent, while the wrapper holds it: Cancel() keeps its rows as the failed values.
  std::weak_ptr<arrow::RecordBatch> batch;
  const std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  mutable std::mutex mu;
  mutable std::condition_variable done;
  std::optional<TransmissionResult> result;
  bool sending = false;
  bool cancelled = false;
  CompletionCallback on_complete;
  std::shared_ptr<CallbackDispatcher> dispatcher;
};

/// Milliseconds since `start`.
double MillisecondsSince(std::chrono::steady_clock::time_point start);

}  // namespace arrow_zerobus::internal
