// PendingSend: one send in progress from Python, of a single record batch (a BatchFuture of the
// C++ wrapper) or of a stream of batches (read and sent on a thread of its own, with the rows
// numbered across the batches as ZerobusWrapper::send_reader does).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include <arrow/record_batch.h>

#include "arrow_zerobus/wrapper.h"

namespace arrow_zerobus::python {

/// The C++ wrapper of one Python ZerobusWrapper, shared with the threads of its stream sends.
class WrapperHandle {
 public:
  explicit WrapperHandle(std::unique_ptr<ZerobusWrapper> wrapper) : wrapper_(std::move(wrapper)) {}

  ZerobusWrapper& wrapper() { return *wrapper_; }

  /// Stream sends in progress, so that flush() and shutdown() can wait for them.
  void StreamStarted();
  void StreamFinished();
  /// True once no stream send is in progress; false after `timeout`.
  bool WaitForStreams(std::chrono::milliseconds timeout);

  /// Set by shutdown() from Python: later sends are refused before reaching C++.
  std::atomic<bool> shut_down{false};

 private:
  std::unique_ptr<ZerobusWrapper> wrapper_;
  std::mutex mu_;
  std::condition_variable streams_done_;
  int active_streams_ = 0;
};

class StreamSend;

class PendingSend {
 public:
  /// A single batch: `on_done` (if any) runs once on a wrapper thread when the result is known.
  /// `trace_parent` (when valid) is the caller's span, parent of the batch's spans.
  static PendingSend SendBatch(const std::shared_ptr<WrapperHandle>& handle,
                               std::shared_ptr<arrow::RecordBatch> batch,
                               std::function<void()> on_done, const SpanContext& trace_parent);
  /// Every batch of `reader`, read and submitted on a thread of its own.
  static PendingSend SendStream(const std::shared_ptr<WrapperHandle>& handle,
                                std::shared_ptr<arrow::RecordBatchReader> reader,
                                int64_t expected_rows, std::function<void()> on_done,
                                const SpanContext& trace_parent);

  bool ready() const;
  bool wait_for(std::chrono::milliseconds timeout) const;
  /// The result; only once ready() (it blocks otherwise).
  const TransmissionResult& result() const;
  /// Gives up what has not been handed to the stream yet (see BatchFuture::cancel); for a
  /// stream, also stops reading it. False when the result is already known or nothing could
  /// be cancelled any more.
  bool cancel() const;

 private:
  BatchFuture future_;
  std::shared_ptr<StreamSend> stream_;
};

}  // namespace arrow_zerobus::python
