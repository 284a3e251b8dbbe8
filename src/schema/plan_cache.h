// Plans each distinct schema once: a stream of batches with the same schema reuses one plan.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>

#include "common/lru_cache.h"
#include "schema/schema_plan.h"

namespace arrow_zerobus::schema {

/// Thread-safe cache of plans keyed by SchemaCacheKey, least recently used evicted first.
class SchemaPlanCache {
 public:
  explicit SchemaPlanCache(PlanOptions options, size_t capacity = 16);

  /// The plan for `schema`, planning it on first sight. Failed plans are not cached.
  Result<std::shared_ptr<const SchemaPlan>> GetOrPlan(const arrow::Schema& schema);

  /// How many times a schema was actually planned (cache misses that succeeded or failed).
  int64_t plans_made() const { return plans_made_.load(); }
  size_t size() const;

 private:
  const PlanOptions options_;
  LruCache<SchemaPlan> plans_;
  std::atomic<int64_t> plans_made_{0};
};

}  // namespace arrow_zerobus::schema
