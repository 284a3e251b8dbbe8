// The canonical Arrow schema of the Flight path: every row of the type table, nullability, the
// rejections (the same schemas the protobuf planner refuses) and the table column order.
#include <memory>
#include <string>
#include <vector>

#include <arrow/type.h>
#include <arrow/util/key_value_metadata.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "encode/canonical_schema.h"
#include "schema/schema_plan.h"
#include "testing/test_extension_type.h"

namespace arrow_zerobus::encode {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<arrow::Field> F(const std::string& name, std::shared_ptr<arrow::DataType> type,
                                bool nullable = true) {
  return arrow::field(name, std::move(type), nullable);
}

std::shared_ptr<arrow::DataType> CanonicalOf(const std::shared_ptr<arrow::DataType>& type) {
  auto schema = MakeCanonicalSchema(arrow::schema({F("c", type)}));
  EXPECT_TRUE(schema.ok()) << type->ToString() << ": " << schema.status();
  if (!schema.ok()) return arrow::null();
  return schema->canonical->field(0)->type();
}

struct Mapping {
  std::shared_ptr<arrow::DataType> source;
  std::shared_ptr<arrow::DataType> canonical;
};

std::vector<Mapping> ValueMappings() {
  using arrow::TimeUnit;
  const auto us_utc = arrow::timestamp(TimeUnit::MICRO, "UTC");
  const auto us_ntz = arrow::timestamp(TimeUnit::MICRO);
  return {
      {arrow::boolean(), arrow::boolean()},
      {arrow::int8(), arrow::int8()},
      {arrow::int16(), arrow::int16()},
      {arrow::int32(), arrow::int32()},
      {arrow::int64(), arrow::int64()},
      {arrow::uint8(), arrow::int32()},
      {arrow::uint16(), arrow::int32()},
      {arrow::uint32(), arrow::int64()},
      {arrow::uint64(), arrow::int64()},
      {arrow::float16(), arrow::float32()},
      {arrow::float32(), arrow::float32()},
      {arrow::float64(), arrow::float64()},
      {arrow::utf8(), arrow::large_utf8()},
      {arrow::large_utf8(), arrow::large_utf8()},
      {arrow::utf8_view(), arrow::large_utf8()},
      {arrow::binary(), arrow::large_binary()},
      {arrow::large_binary(), arrow::large_binary()},
      {arrow::binary_view(), arrow::large_binary()},
      {arrow::fixed_size_binary(16), arrow::large_binary()},
      {arrow::date32(), arrow::date32()},
      {arrow::date64(), arrow::date32()},
      {arrow::timestamp(TimeUnit::SECOND, "UTC"), us_utc},
      {arrow::timestamp(TimeUnit::MILLI, "Europe/Paris"), us_utc},
      {arrow::timestamp(TimeUnit::MICRO, "+01:00"), us_utc},
      {arrow::timestamp(TimeUnit::NANO, "UTC"), us_utc},
      {arrow::timestamp(TimeUnit::SECOND), us_ntz},
      {arrow::timestamp(TimeUnit::MILLI), us_ntz},
      {arrow::timestamp(TimeUnit::MICRO), us_ntz},
      {arrow::timestamp(TimeUnit::NANO), us_ntz},
      {arrow::time32(TimeUnit::SECOND), arrow::int64()},
      {arrow::time32(TimeUnit::MILLI), arrow::int64()},
      {arrow::time64(TimeUnit::MICRO), arrow::int64()},
      {arrow::time64(TimeUnit::NANO), arrow::int64()},
      {arrow::duration(TimeUnit::SECOND), arrow::int64()},
      {arrow::duration(TimeUnit::NANO), arrow::int64()},
      {arrow::decimal32(7, 2), arrow::large_utf8()},
      {arrow::decimal64(15, 3), arrow::large_utf8()},
      {arrow::decimal128(38, 10), arrow::large_utf8()},
      {arrow::decimal256(76, -5), arrow::large_utf8()},
      {arrow::dictionary(arrow::int8(), arrow::utf8()), arrow::large_utf8()},
      {arrow::dictionary(arrow::int32(), arrow::uint16()), arrow::int32()},
      {arrow::dictionary(arrow::int16(), arrow::binary_view()), arrow::large_binary()},
      {arrow::run_end_encoded(arrow::int32(), arrow::timestamp(TimeUnit::NANO, "UTC")), us_utc},
      {std::make_shared<testing::TestExtensionType>(arrow::uint8()), arrow::int32()},
      {std::make_shared<testing::TestExtensionType>(arrow::utf8()), arrow::large_utf8()},
  };
}

TEST(CanonicalSchemaTest, EveryValueTypeOfTheTable) {
  for (const auto& m : ValueMappings()) {
    SCOPED_TRACE(m.source->ToString());
    EXPECT_TRUE(CanonicalOf(m.source)->Equals(*m.canonical)) << CanonicalOf(m.source)->ToString();
  }
}

TEST(CanonicalSchemaTest, EveryListKindBecomesAListOfItem) {
  for (const auto& m : ValueMappings()) {
    SCOPED_TRACE(m.source->ToString());
    const std::vector<std::shared_ptr<arrow::DataType>> lists = {
        arrow::list(F("element", m.source)), arrow::large_list(m.source),
        arrow::list_view(m.source), arrow::large_list_view(m.source),
        arrow::fixed_size_list(m.source, 3)};
    const auto expected = arrow::list(F("item", m.canonical));
    for (const auto& list : lists) {
      EXPECT_TRUE(CanonicalOf(list)->Equals(*expected))
          << list->ToString() << " -> " << CanonicalOf(list)->ToString();
    }
  }
}

TEST(CanonicalSchemaTest, ListItemNullabilityIsKept) {
  EXPECT_TRUE(CanonicalOf(arrow::list(F("x", arrow::uint8(), false)))
                  ->Equals(*arrow::list(F("item", arrow::int32(), false))));
  EXPECT_TRUE(CanonicalOf(arrow::fixed_size_list(F("x", arrow::utf8(), false), 2))
                  ->Equals(*arrow::list(F("item", arrow::large_utf8(), false))));
}

TEST(CanonicalSchemaTest, StructsAreMappedMemberByMember) {
  const auto source =
      arrow::struct_({F("a", arrow::uint16(), false), F("b", arrow::list(arrow::utf8())),
                      F("c", arrow::struct_({F("d", arrow::decimal128(10, 2), false)})),
                      F("e", arrow::map(arrow::utf8(), arrow::date64()))});
  const auto expected = arrow::struct_(
      {F("a", arrow::int32(), false), F("b", arrow::list(F("item", arrow::large_utf8()))),
       F("c", arrow::struct_({F("d", arrow::large_utf8(), false)})),
       F("e", arrow::map(arrow::large_utf8(), arrow::date32()))});
  EXPECT_TRUE(CanonicalOf(source)->Equals(*expected)) << CanonicalOf(source)->ToString();
}

TEST(CanonicalSchemaTest, MapsKeepNonNullKeysAndValueNullability) {
  const auto source = std::make_shared<arrow::MapType>(F(
      "key_value",
      arrow::struct_({F("key", arrow::utf8(), false), F("value", arrow::uint64(), false)}), false));
  const auto canonical = CanonicalOf(source);
  ASSERT_EQ(canonical->id(), arrow::Type::MAP);
  const auto& map = static_cast<const arrow::MapType&>(*canonical);
  // The names of the official Rust SDK 3.1.1's Arrow schema (zerobus-rust-3.1-facts §5).
  EXPECT_EQ(map.value_field()->name(), "entries");
  EXPECT_EQ(map.key_field()->name(), "keys");
  EXPECT_EQ(map.item_field()->name(), "values");
  EXPECT_FALSE(map.key_field()->nullable());
  EXPECT_TRUE(map.key_type()->Equals(*arrow::large_utf8()));
  EXPECT_FALSE(map.item_field()->nullable());
  EXPECT_TRUE(map.item_type()->Equals(*arrow::int64()));
  // Keys of every integer type, bool and the string types are accepted.
  for (const auto& key : {arrow::int8(), arrow::uint64(), arrow::boolean(), arrow::utf8_view(),
                          arrow::large_utf8()}) {
    EXPECT_EQ(CanonicalOf(arrow::map(key, arrow::int32()))->id(), arrow::Type::MAP);
  }
  // A dictionary-encoded key is judged by its values.
  EXPECT_EQ(CanonicalOf(arrow::map(arrow::dictionary(arrow::int8(), arrow::utf8()), arrow::int32()))
                ->id(),
            arrow::Type::MAP);
}

TEST(CanonicalSchemaTest, NullabilityAndNamesAreCopiedMetadataDropped) {
  auto source = arrow::schema(
      {F("a", arrow::int32(), false)->WithMetadata(arrow::key_value_metadata({"k"}, {"v"})),
       F("b", arrow::utf8(), true)},
      arrow::key_value_metadata({"s"}, {"t"}));
  auto canonical = MakeCanonicalSchema(source);
  ASSERT_TRUE(canonical.ok()) << canonical.status();
  EXPECT_TRUE(canonical->canonical->Equals(
      *arrow::schema({F("a", arrow::int32(), false), F("b", arrow::large_utf8())}),
      /*check_metadata=*/true));
  EXPECT_EQ(canonical->source, source);
  EXPECT_EQ(canonical->source_index, (std::vector<int>{0, 1}));
}

TEST(CanonicalSchemaTest, AlreadyCanonicalSchemaIsUnchanged) {
  auto source = arrow::schema(
      {F("id", arrow::int64(), false), F("name", arrow::large_utf8()),
       F("at", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
       F("tags", arrow::list(F("item", arrow::large_utf8()))),
       F("attrs", arrow::map(arrow::large_utf8(), arrow::int64())),
       F("pos", arrow::struct_({F("x", arrow::float64(), false), F("y", arrow::float32())}))});
  auto canonical = MakeCanonicalSchema(source);
  ASSERT_TRUE(canonical.ok()) << canonical.status();
  EXPECT_TRUE(canonical->canonical->Equals(*source));
}

/// Unsupported columns: the Flight path refuses them with a ConfigurationError naming the
/// column path and the type, and the protobuf planner refuses the same schema.
struct Rejection {
  std::shared_ptr<arrow::DataType> type;
  std::string path;      ///< the column path the message names
  std::string mentions;  ///< a type text the message names
};

TEST(CanonicalSchemaTest, RejectsWhatTheProtobufPlannerRejects) {
  const auto bad_scale = arrow::decimal128(38, 101);
  const std::vector<Rejection> rejections = {
      {arrow::null(), "c", "null"},
      {arrow::sparse_union({F("a", arrow::int32())}), "c", "sparse_union"},
      {arrow::dense_union({F("a", arrow::int32())}), "c", "dense_union"},
      {arrow::month_interval(), "c", "month_interval"},
      {arrow::day_time_interval(), "c", "day_time_interval"},
      {arrow::month_day_nano_interval(), "c", "month_day_nano_interval"},
      {arrow::list(arrow::list(arrow::int32())), "c[]", "list<item: int32>"},
      {arrow::large_list(arrow::fixed_size_list(arrow::int32(), 2)), "c[]", "fixed_size_list"},
      {arrow::list(arrow::map(arrow::utf8(), arrow::int32())), "c[]", "map<string, int32>"},
      {arrow::map(arrow::utf8(), arrow::list(arrow::int32())), "c.value", "list<item: int32>"},
      {arrow::map(arrow::utf8(), arrow::map(arrow::utf8(), arrow::int32())), "c.value",
       "map<string, int32>"},
      {arrow::map(arrow::float64(), arrow::int32()), "c", "double"},
      {arrow::map(arrow::binary(), arrow::int32()), "c", "binary"},
      {arrow::map(arrow::date32(), arrow::int32()), "c", "date32"},
      {arrow::map(arrow::utf8(), arrow::null()), "c.value", "null"},
      {bad_scale, "c", bad_scale->ToString()},
      {arrow::struct_({F("inner", arrow::null())}), "c.inner", "null"},
      {arrow::list(arrow::struct_({F("u", arrow::month_interval())})), "c[].u", "month_interval"},
      {arrow::dictionary(arrow::int8(), arrow::month_interval()), "c", "month_interval"},
      {std::make_shared<testing::TestExtensionType>(arrow::null()), "c", "null"},
  };
  for (const auto& r : rejections) {
    SCOPED_TRACE(r.type->ToString());
    const auto schema = arrow::schema({F("ok", arrow::int32()), F("c", r.type)});
    auto canonical = MakeCanonicalSchema(schema);
    ASSERT_FALSE(canonical.ok());
    EXPECT_EQ(canonical.status().kind(), ErrorKind::kConfiguration);
    EXPECT_THAT(canonical.status().message(), HasSubstr("'" + r.path + "'"));
    EXPECT_THAT(canonical.status().message(), HasSubstr(r.mentions));
    EXPECT_FALSE(schema::PlanSchema(*schema).ok()) << "the protobuf planner accepts it";
  }
}

TEST(CanonicalSchemaTest, AcceptsWhatTheProtobufPlannerAccepts) {
  std::vector<std::shared_ptr<arrow::Field>> fields;
  int i = 0;
  for (const auto& m : ValueMappings()) {
    fields.push_back(F("v" + std::to_string(i), m.source));
    fields.push_back(F("l" + std::to_string(i), arrow::large_list(m.source)));
    fields.push_back(F("s" + std::to_string(i), arrow::struct_({F("x", m.source, false)})));
    ++i;
  }
  fields.push_back(F("m", arrow::map(arrow::int16(), arrow::struct_({F("x", arrow::uint64())}))));
  const auto schema = arrow::schema(fields);
  EXPECT_TRUE(schema::PlanSchema(*schema).ok());
  auto canonical = MakeCanonicalSchema(schema);
  ASSERT_TRUE(canonical.ok()) << canonical.status();
  EXPECT_EQ(canonical->canonical->num_fields(), schema->num_fields());
}

TEST(CanonicalSchemaTest, DuplicateNamesAreRejected) {
  auto top = MakeCanonicalSchema(arrow::schema({F("a", arrow::int32()), F("a", arrow::utf8())}));
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(top.status().message(), HasSubstr("'a' appears twice"));
  auto nested = MakeCanonicalSchema(
      arrow::schema({F("s", arrow::struct_({F("x", arrow::int32()), F("x", arrow::int64())}))}));
  ASSERT_FALSE(nested.ok());
  EXPECT_THAT(nested.status().message(), HasSubstr("'s.x' appears twice"));
}

// ---------------------------------------------------------------------------------------------
// Table column order

std::shared_ptr<arrow::Schema> ThreeColumns() {
  return arrow::schema(
      {F("a", arrow::uint8()), F("b", arrow::utf8(), false), F("c", arrow::date64())});
}

TEST(CanonicalSchemaTest, ColumnOrderReordersColumns) {
  CanonicalSchemaOptions options;
  options.column_order = {"c", "a", "b"};
  auto canonical = MakeCanonicalSchema(ThreeColumns(), options);
  ASSERT_TRUE(canonical.ok()) << canonical.status();
  EXPECT_TRUE(canonical->canonical->Equals(*arrow::schema(
      {F("c", arrow::date32()), F("a", arrow::int32()), F("b", arrow::large_utf8(), false)})));
  EXPECT_EQ(canonical->source_index, (std::vector<int>{2, 0, 1}));
}

TEST(CanonicalSchemaTest, ColumnOrderNamesAnUnknownColumn) {
  CanonicalSchemaOptions options;
  options.column_order = {"a", "b"};
  auto canonical = MakeCanonicalSchema(ThreeColumns(), options);
  ASSERT_FALSE(canonical.ok());
  EXPECT_EQ(canonical.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(canonical.status().message(), HasSubstr("'c' of the batch are not in the table"));
}

TEST(CanonicalSchemaTest, ColumnOrderNamesAMissingColumn) {
  CanonicalSchemaOptions options;
  options.column_order = {"a", "x", "b", "c", "y"};
  auto canonical = MakeCanonicalSchema(ThreeColumns(), options);
  ASSERT_FALSE(canonical.ok());
  EXPECT_EQ(canonical.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(canonical.status().message(), HasSubstr("'x', 'y' are missing from the batch"));

  options.allow_omitted_columns = true;
  auto omitted = MakeCanonicalSchema(ThreeColumns(), options);
  ASSERT_TRUE(omitted.ok()) << omitted.status();
  EXPECT_EQ(omitted->source_index, (std::vector<int>{0, 1, 2}));
}

TEST(CanonicalSchemaTest, ColumnOrderWithADuplicateIsRejected) {
  CanonicalSchemaOptions options;
  options.column_order = {"a", "b", "a", "c"};
  auto canonical = MakeCanonicalSchema(ThreeColumns(), options);
  ASSERT_FALSE(canonical.ok());
  EXPECT_THAT(canonical.status().message(), HasSubstr("names 'a' twice"));
}

}  // namespace
}  // namespace arrow_zerobus::encode
