// How far a send of many batches (send_table, send_reader, the Python package's sends of tables
// and readers) runs ahead of their acknowledgements: bounded by the batches' bytes, not their
// count. Small batches then keep enough in flight to cover the service's acknowledgement latency
// (150 ms at P50, up to 500 ms at P95), and large ones are neither all read into memory nor all
// prepared at once, which on a machine with few cores starves the threads that send
// (docs/benchmarks.md, "Send path").
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>

#include <arrow/record_batch.h>

#include "arrow_zerobus/config.h"
#include "arrow_zerobus/wrapper.h"

namespace arrow_zerobus::internal {

/// Bytes each stream may have read ahead: a per-stream quota of 100 MB/s over the P95 latency,
/// with room to spare.
inline constexpr int64_t kReadAheadBytesPerStream = 64LL * 1024 * 1024;
/// Batches in flight at most, however small: each holds a job and a future.
inline constexpr size_t kMaxReadAheadBatches = 4096;

struct ReadAheadLimit {
  int64_t max_bytes = kReadAheadBytesPerStream;
  size_t max_batches = kMaxReadAheadBatches;

  /// kReadAheadBytesPerStream per stream (lane), never beyond the streams' own window
  /// (max_inflight_bytes), where sends would wait anyway.
  static ReadAheadLimit For(const WrapperConfiguration& config);

  /// Whether `batches` in flight holding `bytes` leave no room for another. One batch always
  /// fits, however large.
  bool Full(size_t batches, int64_t bytes) const {
    return batches > 0 && (batches >= max_batches || bytes >= max_bytes);
  }
};

/// The batches a send of many has in flight, oldest first, with the bytes they hold against a
/// ReadAheadLimit. Not thread-safe: its owner guards it.
class ReadAheadWindow {
 public:
  explicit ReadAheadWindow(ReadAheadLimit limit) : limit_(limit) {}

  /// Whether another batch must wait for the oldest to finish.
  bool Full() const { return limit_.Full(batches_.size(), bytes_); }
  bool empty() const { return batches_.empty(); }
  /// Adds a batch sent, holding `bytes` (BatchBytes).
  void Push(BatchFuture future, int64_t bytes) {
    batches_.emplace_back(std::move(future), bytes);
    bytes_ += bytes;
  }
  /// The oldest batch's future; the window must not be empty.
  const BatchFuture& oldest() const { return batches_.front().first; }
  void PopOldest() {
    bytes_ -= batches_.front().second;
    batches_.pop_front();
  }
  /// Cancels every batch in the window (BatchFuture::cancel); whether any was cancelled.
  bool CancelAll() const {
    bool any = false;
    for (const auto& batch : batches_) any = batch.first.cancel() || any;
    return any;
  }

 private:
  const ReadAheadLimit limit_;
  std::deque<std::pair<BatchFuture, int64_t>> batches_;
  int64_t bytes_ = 0;
};

/// What a batch in flight holds in memory: the bytes of the buffer ranges its arrays reference
/// (a slice counts its own rows only).
int64_t BatchBytes(const arrow::RecordBatch& batch);

}  // namespace arrow_zerobus::internal
