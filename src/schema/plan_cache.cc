#include "schema/plan_cache.h"

namespace arrow_zerobus::schema {

SchemaPlanCache::SchemaPlanCache(PlanOptions options, size_t capacity)
    : options_(std::move(options)), capacity_(capacity == 0 ? 1 : capacity) {}

Result<std::shared_ptr<const SchemaPlan>> SchemaPlanCache::GetOrPlan(const arrow::Schema& schema) {
  const std::string key = SchemaCacheKey(schema);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = index_.find(key);
    if (it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->second;
    }
  }
  // Planned outside the lock: two threads racing on a new schema both plan it, and one wins.
  plans_made_.fetch_add(1);
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::shared_ptr<const SchemaPlan> plan,
                                 PlanSchema(schema, options_));
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = index_.find(key);
  if (it != index_.end()) return it->second->second;
  lru_.emplace_front(key, plan);
  index_[key] = lru_.begin();
  if (lru_.size() > capacity_) {
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
  return plan;
}

size_t SchemaPlanCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return lru_.size();
}

}  // namespace arrow_zerobus::schema
