// Plans each distinct schema once: a stream of batches with the same schema reuses one plan.
#pragma once

#include <atomic>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "schema/schema_plan.h"

namespace arrow_zerobus::schema {

/// Thread-safe cache of plans keyed by schema fingerprint, least recently used evicted first.
class SchemaPlanCache {
 public:
  explicit SchemaPlanCache(PlanOptions options, size_t capacity = 16);

  /// The plan for `schema`, planning it on first sight. Failed plans are not cached.
  Result<std::shared_ptr<const SchemaPlan>> GetOrPlan(const arrow::Schema& schema);

  /// How many times a schema was actually planned (cache misses that succeeded or failed).
  int64_t plans_made() const { return plans_made_.load(); }
  size_t size() const;

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const SchemaPlan>>;

  const PlanOptions options_;
  const size_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  std::atomic<int64_t> plans_made_{0};
};

}  // namespace arrow_zerobus::schema
