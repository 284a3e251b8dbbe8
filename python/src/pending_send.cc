#include "pending_send.h"

#include <string>
#include <thread>

#include "wrapper/batch_state.h"
#include "wrapper/read_ahead.h"
#include "wrapper/result_merge.h"

namespace arrow_zerobus::python {

// --- WrapperHandle ----------------------------------------------------------------------------

void WrapperHandle::StreamStarted() {
  std::lock_guard<std::mutex> lock(mu_);
  ++active_streams_;
}

void WrapperHandle::StreamFinished() {
  std::lock_guard<std::mutex> lock(mu_);
  --active_streams_;
  streams_done_.notify_all();
}

bool WrapperHandle::WaitForStreams(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return streams_done_.wait_for(lock, timeout, [&] { return active_streams_ == 0; });
}

// --- StreamSend -------------------------------------------------------------------------------

// Reads batches and submits each, as far ahead of their results as internal::ReadAheadLimit
// allows, so a long stream is not read into memory ahead of the Zerobus stream.
class StreamSend : public std::enable_shared_from_this<StreamSend> {
 public:
  StreamSend(std::shared_ptr<WrapperHandle> handle,
             std::shared_ptr<arrow::RecordBatchReader> reader, int64_t expected_rows,
             std::function<void()> on_done, const SpanContext& trace_parent)
      : handle_(std::move(handle)),
        reader_(std::move(reader)),
        expected_rows_(expected_rows),
        on_done_(std::move(on_done)),
        trace_parent_(trace_parent),
        in_flight_(internal::ReadAheadLimit::For(handle_->wrapper().configuration())) {}

  void Start() {
    handle_->StreamStarted();
    std::thread([self = shared_from_this()] { self->Run(); }).detach();
  }

  bool ready() const {
    std::lock_guard<std::mutex> lock(mu_);
    return result_.has_value();
  }
  bool wait_for(std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(mu_);
    return done_.wait_for(lock, timeout, [&] { return result_.has_value(); });
  }
  const TransmissionResult& result() const {
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [&] { return result_.has_value(); });
    return *result_;
  }
  bool cancel() {
    std::lock_guard<std::mutex> lock(mu_);
    if (result_.has_value()) return false;
    cancelled_ = true;
    const bool any = in_flight_.CancelAll();
    return any || !reading_done_;
  }

 private:
  void Run() {
    const auto started = std::chrono::steady_clock::now();
    internal::ResultMerger merged;
    merged.ExpectRows(expected_rows_);
    while (true) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (cancelled_) break;
      }
      std::shared_ptr<arrow::RecordBatch> batch;
      arrow::Status read = reader_->ReadNext(&batch);
      if (!read.ok()) {
        Drain(merged, /*room_only=*/false);
        merged.FailRead(read);
        break;
      }
      if (batch == nullptr) break;
      const int64_t bytes = internal::BatchBytes(*batch);
      BatchFuture future =
          handle_->wrapper().send_batch_async(std::move(batch), nullptr, trace_parent_);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (cancelled_) future.cancel();
        in_flight_.Push(std::move(future), bytes);
      }
      Drain(merged, /*room_only=*/true);
    }
    Drain(merged, /*room_only=*/false);
    // The reader goes first: a Python producer's release takes the GIL, which a caller that
    // waits for the result does not hold.
    reader_.reset();
    TransmissionResult result = merged.Finish(internal::MillisecondsSince(started));
    std::function<void()> on_done;
    {
      std::lock_guard<std::mutex> lock(mu_);
      reading_done_ = true;
      result_ = std::move(result);
      on_done = std::move(on_done_);
      done_.notify_all();
    }
    if (on_done) on_done();
    on_done = nullptr;
    std::shared_ptr<WrapperHandle> handle = std::move(handle_);
    handle->StreamFinished();
  }

  // Adds the results of the oldest batches: every one, or (`room_only`) until the read-ahead
  // limit has room for another.
  void Drain(internal::ResultMerger& merged, bool room_only) {
    while (true) {
      BatchFuture oldest;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (in_flight_.empty()) return;
        if (room_only && !in_flight_.Full()) return;
        oldest = in_flight_.oldest();
      }
      merged.Add(oldest.get());
      std::lock_guard<std::mutex> lock(mu_);
      in_flight_.PopOldest();
    }
  }

  std::shared_ptr<WrapperHandle> handle_;
  std::shared_ptr<arrow::RecordBatchReader> reader_;
  const int64_t expected_rows_;  ///< 0: unknown
  std::function<void()> on_done_;
  const SpanContext trace_parent_;

  mutable std::mutex mu_;
  mutable std::condition_variable done_;
  internal::ReadAheadWindow in_flight_;
  bool cancelled_ = false;
  bool reading_done_ = false;
  std::optional<TransmissionResult> result_;
};

// --- PendingSend ------------------------------------------------------------------------------

PendingSend PendingSend::SendBatch(const std::shared_ptr<WrapperHandle>& handle,
                                   std::shared_ptr<arrow::RecordBatch> batch,
                                   std::function<void()> on_done, const SpanContext& trace_parent) {
  PendingSend pending;
  CompletionCallback callback;
  if (on_done) {
    callback = [on_done = std::move(on_done)](const TransmissionResult&) { on_done(); };
  }
  pending.future_ =
      handle->wrapper().send_batch_async(std::move(batch), std::move(callback), trace_parent);
  return pending;
}

PendingSend PendingSend::SendStream(const std::shared_ptr<WrapperHandle>& handle,
                                    std::shared_ptr<arrow::RecordBatchReader> reader,
                                    int64_t expected_rows, std::function<void()> on_done,
                                    const SpanContext& trace_parent) {
  PendingSend pending;
  pending.stream_ = std::make_shared<StreamSend>(handle, std::move(reader), expected_rows,
                                                 std::move(on_done), trace_parent);
  pending.stream_->Start();
  return pending;
}

bool PendingSend::ready() const { return stream_ ? stream_->ready() : future_.ready(); }

bool PendingSend::wait_for(std::chrono::milliseconds timeout) const {
  return stream_ ? stream_->wait_for(timeout) : future_.wait_for(timeout);
}

const TransmissionResult& PendingSend::result() const {
  return stream_ ? stream_->result() : future_.get();
}

bool PendingSend::cancel() const { return stream_ ? stream_->cancel() : future_.cancel(); }

}  // namespace arrow_zerobus::python
