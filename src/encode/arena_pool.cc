#include "encode/arena_pool.h"

#include <algorithm>
#include <new>

namespace arrow_zerobus::encode {

/// A mutable buffer whose memory returns to its pool, if the pool still exists.
class PooledBuffer final : public arrow::MutableBuffer {
 public:
  PooledBuffer(ArenaPool::Block block, int64_t size, std::weak_ptr<ArenaPool> pool)
      : arrow::MutableBuffer(block.data.get(), size),
        block_(std::move(block)),
        pool_(std::move(pool)) {}
  ~PooledBuffer() override {
    if (auto pool = pool_.lock()) pool->Release(std::move(block_));
  }

 private:
  ArenaPool::Block block_;
  std::weak_ptr<ArenaPool> pool_;
};

std::shared_ptr<ArenaPool> ArenaPool::Make(size_t max_idle_buffers) {
  return std::shared_ptr<ArenaPool>(new ArenaPool(max_idle_buffers));
}

Result<std::shared_ptr<arrow::Buffer>> ArenaPool::Acquire(int64_t size) {
  Block block;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // The smallest idle block that fits, so big blocks stay for big batches.
    auto best = idle_.end();
    for (auto it = idle_.begin(); it != idle_.end(); ++it) {
      if (it->capacity >= size && (best == idle_.end() || it->capacity < best->capacity)) best = it;
    }
    if (best != idle_.end()) {
      block = std::move(*best);
      idle_.erase(best);
    }
  }
  if (block.data == nullptr) {
    // Room to grow a little, so a stream of batches of slightly varying size reuses blocks.
    const int64_t capacity = std::max<int64_t>(size + size / 8, 64);
    block.data.reset(new (std::nothrow) uint8_t[static_cast<size_t>(capacity)]);
    if (block.data == nullptr) {
      return Status(StatusCode::kResourceExhausted, ErrorKind::kConversion,
                    "cannot allocate " + std::to_string(capacity) + " bytes for encoded records");
    }
    block.capacity = capacity;
  }
  return std::shared_ptr<arrow::Buffer>(
      std::make_shared<PooledBuffer>(std::move(block), size, weak_from_this()));
}

void ArenaPool::Release(Block block) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (idle_.size() < max_idle_) {
    idle_.push_back(std::move(block));
    return;
  }
  // Keep the largest blocks: they serve every smaller batch too.
  auto smallest = std::min_element(idle_.begin(), idle_.end(), [](const Block& a, const Block& b) {
    return a.capacity < b.capacity;
  });
  if (smallest->capacity < block.capacity) *smallest = std::move(block);
}

size_t ArenaPool::idle_buffers() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return idle_.size();
}

}  // namespace arrow_zerobus::encode
