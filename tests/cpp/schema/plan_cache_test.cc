// SchemaPlanCache: reuse per schema, metadata ignored, LRU eviction, failures not cached,
// concurrent use.
#include "schema/plan_cache.h"
#include "testing/test_extension_type.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <arrow/extension_type.h>
#include <arrow/type.h>
#include <arrow/util/key_value_metadata.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace arrow_zerobus::schema {
namespace {

using ::testing::HasSubstr;

using TinyExtensionType = testing::TestExtensionType;

std::shared_ptr<arrow::Schema> SchemaOf(const std::string& column,
                                        std::shared_ptr<arrow::DataType> type = arrow::int64()) {
  return arrow::schema({arrow::field("id", arrow::int64()), arrow::field(column, std::move(type))});
}

std::shared_ptr<const SchemaPlan> GetOk(SchemaPlanCache* cache, const arrow::Schema& schema) {
  auto plan = cache->GetOrPlan(schema);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return plan.ok() ? *plan : nullptr;
}

TEST(PlanCacheTest, SameSchemaPlannedOnce) {
  SchemaPlanCache cache(PlanOptions{});
  auto first = GetOk(&cache, *SchemaOf("a"));
  // An equal schema built separately hits the cache too.
  auto second = GetOk(&cache, *SchemaOf("a"));
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first.get(), second.get());
  EXPECT_EQ(cache.plans_made(), 1);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(PlanCacheTest, DifferentSchemasPlannedSeparately) {
  SchemaPlanCache cache(PlanOptions{});
  auto a = GetOk(&cache, *SchemaOf("a"));
  auto b = GetOk(&cache, *SchemaOf("b"));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a.get(), b.get());
  EXPECT_EQ(cache.plans_made(), 2);
  EXPECT_EQ(b->message->FindFieldByName("b")->number(), 2);

  // Type and nullability differences are different schemas too.
  auto typed = GetOk(&cache, *SchemaOf("a", arrow::int32()));
  EXPECT_NE(typed.get(), a.get());
  auto not_null = GetOk(&cache, *arrow::schema({arrow::field("id", arrow::int64()),
                                                arrow::field("a", arrow::int64(), false)}));
  EXPECT_NE(not_null.get(), a.get());
  EXPECT_EQ(cache.plans_made(), 4);
  EXPECT_EQ(cache.size(), 4u);
}

TEST(PlanCacheTest, MetadataOnlyDifferenceReusesThePlan) {
  SchemaPlanCache cache(PlanOptions{});
  auto plain = GetOk(&cache, *SchemaOf("a"));
  auto schema_meta = SchemaOf("a")->WithMetadata(arrow::key_value_metadata({"origin"}, {"test"}));
  auto with_schema_meta = GetOk(&cache, *schema_meta);
  auto field_meta = arrow::schema(
      {arrow::field("id", arrow::int64())->WithMetadata(arrow::key_value_metadata({"k"}, {"v"})),
       arrow::field("a", arrow::int64())});
  auto with_field_meta = GetOk(&cache, *field_meta);
  EXPECT_EQ(plain.get(), with_schema_meta.get());
  EXPECT_EQ(plain.get(), with_field_meta.get());
  EXPECT_EQ(cache.plans_made(), 1);
}

TEST(PlanCacheTest, LeastRecentlyUsedEvictedAtCapacity) {
  SchemaPlanCache cache(PlanOptions{}, /*capacity=*/2);
  auto a = GetOk(&cache, *SchemaOf("a"));
  auto b = GetOk(&cache, *SchemaOf("b"));
  EXPECT_EQ(cache.size(), 2u);
  // Touch a: b becomes the least recently used.
  EXPECT_EQ(GetOk(&cache, *SchemaOf("a")).get(), a.get());
  auto c = GetOk(&cache, *SchemaOf("c"));
  EXPECT_EQ(cache.plans_made(), 3);
  EXPECT_EQ(cache.size(), 2u);

  // a and c are still cached.
  EXPECT_EQ(GetOk(&cache, *SchemaOf("a")).get(), a.get());
  EXPECT_EQ(GetOk(&cache, *SchemaOf("c")).get(), c.get());
  EXPECT_EQ(cache.plans_made(), 3);

  // b was evicted: planned again, a new plan object (the old one stays valid for its holders).
  auto b2 = GetOk(&cache, *SchemaOf("b"));
  EXPECT_EQ(cache.plans_made(), 4);
  EXPECT_NE(b2.get(), b.get());
  EXPECT_EQ(b->message->FindFieldByName("b")->number(), 2);
  EXPECT_EQ(cache.size(), 2u);
  // Re-planning b evicted a (the least recently used after the lookups of a then c).
  GetOk(&cache, *SchemaOf("c"));
  EXPECT_EQ(cache.plans_made(), 4);
  GetOk(&cache, *SchemaOf("a"));
  EXPECT_EQ(cache.plans_made(), 5);
}

TEST(PlanCacheTest, ZeroCapacityStillCachesOne) {
  SchemaPlanCache cache(PlanOptions{}, /*capacity=*/0);
  auto a = GetOk(&cache, *SchemaOf("a"));
  EXPECT_EQ(GetOk(&cache, *SchemaOf("a")).get(), a.get());
  EXPECT_EQ(cache.plans_made(), 1);
  GetOk(&cache, *SchemaOf("b"));
  EXPECT_EQ(cache.size(), 1u);
}

TEST(PlanCacheTest, FailedPlansAreNotCached) {
  SchemaPlanCache cache(PlanOptions{});
  auto bad = arrow::schema({arrow::field("ok", arrow::int8()), arrow::field("bad", arrow::null())});
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto plan = cache.GetOrPlan(*bad);
    ASSERT_FALSE(plan.ok());
    EXPECT_EQ(plan.status().kind(), ErrorKind::kConfiguration);
    EXPECT_THAT(plan.status().message(), HasSubstr("'bad'"));
    EXPECT_EQ(cache.plans_made(), attempt);
    EXPECT_EQ(cache.size(), 0u);
  }
  // A good schema afterwards is unaffected.
  EXPECT_NE(GetOk(&cache, *SchemaOf("a")), nullptr);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(PlanCacheTest, OptionsApplyToEveryPlan) {
  PlanOptions options;
  options.message_name = "table_Events";
  SchemaPlanCache cache(options);
  auto plan = GetOk(&cache, *SchemaOf("a"));
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan->message->full_name(), "table_Events");
}

TEST(PlanCacheTest, ExtensionColumnsReusePlansOnlyForEqualTypes) {
  SchemaPlanCache cache(PlanOptions{});
  auto ints =
      arrow::schema({arrow::field("x", std::make_shared<TinyExtensionType>(arrow::int32()))});
  auto ints_again =
      arrow::schema({arrow::field("x", std::make_shared<TinyExtensionType>(arrow::int32()))});
  auto strings =
      arrow::schema({arrow::field("x", std::make_shared<TinyExtensionType>(arrow::utf8()))});
  auto p1 = GetOk(&cache, *ints);
  auto p2 = GetOk(&cache, *ints_again);
  ASSERT_NE(p1, nullptr);
  EXPECT_EQ(p1.get(), p2.get());
  EXPECT_EQ(cache.plans_made(), 1);

  // Same extension name, different storage: a different schema that needs its own plan.
  EXPECT_NE(SchemaCacheKey(*ints), SchemaCacheKey(*strings));
  auto p3 = GetOk(&cache, *strings);
  ASSERT_NE(p3, nullptr);
  EXPECT_NE(p3.get(), p1.get());
  EXPECT_EQ(cache.plans_made(), 2);
  EXPECT_TRUE(p3->schema->Equals(*strings));
  EXPECT_EQ(p3->message->FindFieldByName("x")->type(),
            google::protobuf::FieldDescriptor::TYPE_STRING);
}

TEST(PlanCacheTest, ConcurrentGetOrPlanIsConsistent) {
  SchemaPlanCache cache(PlanOptions{});
  const std::vector<std::shared_ptr<arrow::Schema>> schemas = {
      SchemaOf("a"), SchemaOf("b", arrow::utf8()),
      arrow::schema({arrow::field("s", arrow::struct_({arrow::field("x", arrow::int32())})),
                     arrow::field("l", arrow::list(arrow::float64()))})};
  constexpr int kThreads = 8;
  constexpr int kIterations = 200;
  std::vector<std::vector<std::vector<const SchemaPlan*>>> seen(
      kThreads, std::vector<std::vector<const SchemaPlan*>>(schemas.size()));
  std::atomic<int> failures{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < kIterations; ++i) {
        const size_t s = static_cast<size_t>(i + t) % schemas.size();
        // A fresh, equal schema object each time, as batches from a reader would carry.
        auto copy = arrow::schema(schemas[s]->fields());
        auto plan = cache.GetOrPlan(*copy);
        if (!plan.ok() || !(*plan)->schema->Equals(*schemas[s])) {
          failures.fetch_add(1);
          continue;
        }
        seen[t][s].push_back(plan->get());
      }
    });
  }
  go.store(true);
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(failures.load(), 0);
  // Each schema got exactly one plan object everywhere: a racing loser returns the winner's plan.
  for (size_t s = 0; s < schemas.size(); ++s) {
    const SchemaPlan* expected = seen[0][s].empty() ? nullptr : seen[0][s][0];
    ASSERT_NE(expected, nullptr);
    for (int t = 0; t < kThreads; ++t) {
      for (const SchemaPlan* p : seen[t][s]) ASSERT_EQ(p, expected) << "schema " << s;
    }
    EXPECT_EQ(GetOk(&cache, *schemas[s]).get(), expected);
  }
  EXPECT_EQ(cache.size(), schemas.size());
  EXPECT_GE(cache.plans_made(), static_cast<int64_t>(schemas.size()));
  EXPECT_LE(cache.plans_made(), static_cast<int64_t>(schemas.size()) * kThreads);
}

}  // namespace
}  // namespace arrow_zerobus::schema
