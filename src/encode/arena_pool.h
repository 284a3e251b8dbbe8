// ArenaPool: recycles the output buffers of encoded batches. An arena of a stream's batch is
// tens of megabytes; allocating it fresh each time costs a page fault per 4 KiB (the kernel
// zeroes every page), which took a quarter of the encode time in the benchmark. Buffers from
// the pool go back to it when their last reference (e.g. the transport's) is dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <arrow/buffer.h>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::encode {

class ArenaPool : public std::enable_shared_from_this<ArenaPool> {
 public:
  /// Keeps at most `max_idle_buffers` released buffers for reuse.
  static std::shared_ptr<ArenaPool> Make(size_t max_idle_buffers = 4);

  /// A buffer of exactly `size` bytes (capacity may be larger), contents unspecified.
  Result<std::shared_ptr<arrow::Buffer>> Acquire(int64_t size);

  size_t idle_buffers() const;

 private:
  friend class PooledBuffer;
  struct Block {
    std::unique_ptr<uint8_t[]> data;
    int64_t capacity = 0;
  };
  explicit ArenaPool(size_t max_idle_buffers) : max_idle_(max_idle_buffers) {}
  void Release(Block block);

  const size_t max_idle_;
  mutable std::mutex mutex_;
  std::vector<Block> idle_;
};

}  // namespace arrow_zerobus::encode
