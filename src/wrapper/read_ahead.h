// How far a send of many batches (send_table, send_reader, the Python package's sends of tables
// and readers) runs ahead of their acknowledgements: bounded by the batches' bytes, not their
// count. Small batches then keep enough in flight to cover the service's acknowledgement latency
// (150 ms at P50, up to 500 ms at P95), and large ones are neither all read into memory nor all
// prepared at once, which on a machine with few cores starves the threads that send
// (docs/benchmarks.md, "Send path").
#pragma once

#include <cstddef>
#include <cstdint>

#include <arrow/record_batch.h>

#include "arrow_zerobus/config.h"

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

/// What a batch in flight holds in memory: the bytes of the buffer ranges its arrays reference
/// (a slice counts its own rows only).
int64_t BatchBytes(const arrow::RecordBatch& batch);

}  // namespace arrow_zerobus::internal
