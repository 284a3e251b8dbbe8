#include "schema/plan_cache.h"

namespace arrow_zerobus::schema {

SchemaPlanCache::SchemaPlanCache(PlanOptions options, size_t capacity)
    : options_(std::move(options)), plans_(capacity) {}

Result<std::shared_ptr<const SchemaPlan>> SchemaPlanCache::GetOrPlan(const arrow::Schema& schema) {
  return plans_.GetOrMake(SchemaCacheKey(schema),
                          [&]() -> Result<std::shared_ptr<const SchemaPlan>> {
                            plans_made_.fetch_add(1);
                            return PlanSchema(schema, options_);
                          });
}

size_t SchemaPlanCache::size() const { return plans_.size(); }

}  // namespace arrow_zerobus::schema
