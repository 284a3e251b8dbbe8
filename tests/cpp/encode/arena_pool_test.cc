#include "encode/arena_pool.h"

#include <gtest/gtest.h>

#include "encode/batch_encoder.h"
#include "testing/arrow_builders.h"

namespace arrow_zerobus::encode {
namespace {

TEST(ArenaPoolTest, ReleasedBuffersAreReused) {
  auto pool = ArenaPool::Make(2);
  const uint8_t* first_data = nullptr;
  {
    auto buffer = pool->Acquire(1000);
    ASSERT_TRUE(buffer.ok());
    EXPECT_EQ((*buffer)->size(), 1000);
    first_data = (*buffer)->data();
    EXPECT_EQ(pool->idle_buffers(), 0u);
  }
  EXPECT_EQ(pool->idle_buffers(), 1u);
  auto again = pool->Acquire(900);  // fits in the released block
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->data(), first_data);
  EXPECT_EQ((*again)->size(), 900);
  EXPECT_EQ(pool->idle_buffers(), 0u);
}

TEST(ArenaPoolTest, TooSmallBlocksAreNotHandedOut) {
  auto pool = ArenaPool::Make(2);
  { auto small = pool->Acquire(100); }
  auto big = pool->Acquire(100000);
  ASSERT_TRUE(big.ok());
  EXPECT_EQ((*big)->size(), 100000);
  EXPECT_EQ(pool->idle_buffers(), 1u);  // the small block still waits
}

TEST(ArenaPoolTest, KeepsAtMostTheLimitAndPrefersLargeBlocks) {
  auto pool = ArenaPool::Make(2);
  {
    auto a = pool->Acquire(10);
    auto b = pool->Acquire(20);
    auto c = pool->Acquire(30000);
  }
  EXPECT_EQ(pool->idle_buffers(), 2u);
  // The 30000-byte block survived the eviction: a large request is served without allocating.
  auto large = pool->Acquire(30000);
  ASSERT_TRUE(large.ok());
  EXPECT_EQ(pool->idle_buffers(), 1u);
}

TEST(ArenaPoolTest, BuffersOutliveTheirPool) {
  std::shared_ptr<arrow::Buffer> buffer;
  {
    auto pool = ArenaPool::Make();
    buffer = pool->Acquire(64).value();
  }
  buffer->mutable_data()[63] = 7;  // still owned memory; released without a pool to return to
  EXPECT_EQ(buffer->data()[63], 7);
}

TEST(ArenaPoolTest, EncodedBatchesDrawFromThePool) {
  auto batch = testing::MakeBatch({arrow::field("a", arrow::int64())},
                                  {testing::ArrayFromJson(arrow::int64(), "[1, 2, 300]")});
  auto plan = testing::PlanOrFail(*batch->schema());
  ASSERT_NE(plan, nullptr);
  EncodeOptions options;
  options.arena_pool = ArenaPool::Make();
  const uint8_t* first_data = nullptr;
  {
    auto encoded = EncodeBatch(*plan, *batch, options);
    ASSERT_TRUE(encoded.ok());
    first_data = encoded->arena->data();
  }
  auto encoded = EncodeBatch(*plan, *batch, options);
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(encoded->arena->data(), first_data);
  EXPECT_EQ(encoded->record(2), std::string_view("\x08\xac\x02", 3));
}

}  // namespace
}  // namespace arrow_zerobus::encode
