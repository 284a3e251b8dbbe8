#include "table_schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/arrow_builders.h"

namespace arrow_zerobus::emulator {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(ParseUcTypeTest, SimpleTypesAndAliases) {
  const std::pair<const char*, const char*> cases[] = {
      {"BIGINT", "BIGINT"},
      {"long", "BIGINT"},
      {"Integer", "INT"},
      {"byte", "TINYINT"},
      {"SHORT", "SMALLINT"},
      {"varchar(20)", "STRING"},
      {"decimal(12, 3)", "DECIMAL(12,3)"},
      {"DECIMAL", "DECIMAL(10,0)"},
      {"timestamp_ntz", "TIMESTAMP_NTZ"},
      {"variant", "VARIANT"},
  };
  for (const auto& [text, canonical] : cases) {
    auto type = ParseUcType(text);
    ASSERT_TRUE(type.ok()) << text << ": " << type.status();
    EXPECT_EQ(type->ToString(), canonical) << text;
  }
}

TEST(ParseUcTypeTest, NestedTypes) {
  auto type = ParseUcType(
      "array<struct<id: bigint not null, `home address`: struct<zip: string>, tags: "
      "map<string, array<int>>>>");
  ASSERT_TRUE(type.ok()) << type.status();
  EXPECT_EQ(type->ToString(),
            "ARRAY<STRUCT<id: BIGINT NOT NULL, home address: STRUCT<zip: STRING>, tags: "
            "MAP<STRING, ARRAY<INT>>>>");
  EXPECT_FALSE(type->elements[0].fields[0].nullable);
  EXPECT_TRUE(type->elements[0].fields[1].nullable);
}

TEST(ParseUcTypeTest, ErrorsNameTheTextAndPosition) {
  for (const char* bad : {"ARRAY<INT", "FOO", "STRUCT<>", "DECIMAL(x)", "MAP<STRING>", "INT INT",
                          "STRUCT<a INT>", ""}) {
    auto type = ParseUcType(bad);
    ASSERT_FALSE(type.ok()) << bad;
    EXPECT_EQ(type.status().kind(), ErrorKind::kConfiguration);
    EXPECT_THAT(type.status().message(),
                AllOf(HasSubstr("type '" + std::string(bad) + "'"), HasSubstr("position")));
  }
}

/// The descriptor our planner generates for `fields`.
std::shared_ptr<const schema::SchemaPlan> Plan(
    const std::vector<std::shared_ptr<arrow::Field>>& fields) {
  return testing::PlanOrFail(*arrow::schema(fields));
}

const std::vector<TableColumn> kOrders = {
    {"order_id", "BIGINT", false},
    {"customer", "STRING", true},
    {"amount", "DECIMAL(10,2)", true},
    {"created_at", "TIMESTAMP", false},
    {"ship_date", "DATE", true},
    {"tags", "ARRAY<STRING>", true},
    {"attributes", "MAP<STRING, BIGINT>", true},
    {"address", "STRUCT<city: STRING, zip: STRING NOT NULL>", true},
};

std::vector<std::shared_ptr<arrow::Field>> OrdersFields() {
  return {arrow::field("order_id", arrow::int64(), false),
          arrow::field("customer", arrow::utf8()),
          arrow::field("amount", arrow::decimal128(10, 2)),
          arrow::field("created_at", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"), false),
          arrow::field("ship_date", arrow::date32()),
          arrow::field("tags", arrow::list(arrow::utf8())),
          arrow::field("attributes", arrow::map(arrow::utf8(), arrow::int64())),
          arrow::field("address", arrow::struct_({arrow::field("city", arrow::utf8()),
                                                  arrow::field("zip", arrow::utf8(), false)}))};
}

TEST(CheckDescriptorFitsTableTest, GeneratedDescriptorFitsItsTable) {
  auto plan = Plan(OrdersFields());
  ASSERT_NE(plan, nullptr);
  EXPECT_TRUE(CheckDescriptorFitsTable(*plan->message, kOrders).ok());
}

TEST(CheckDescriptorFitsTableTest, NullableColumnsMayBeLeftOut) {
  auto plan = Plan({arrow::field("order_id", arrow::int64(), false),
                    arrow::field("created_at", arrow::timestamp(arrow::TimeUnit::MICRO), false)});
  ASSERT_NE(plan, nullptr);
  EXPECT_TRUE(CheckDescriptorFitsTable(*plan->message, kOrders).ok());
}

TEST(CheckDescriptorFitsTableTest, ColumnNamesMatchWithoutCase) {
  auto plan = Plan({arrow::field("ORDER_ID", arrow::int64(), false),
                    arrow::field("Created_At", arrow::timestamp(arrow::TimeUnit::MICRO), false)});
  ASSERT_NE(plan, nullptr);
  EXPECT_TRUE(CheckDescriptorFitsTable(*plan->message, kOrders).ok());
}

TEST(CheckDescriptorFitsTableTest, MissingNotNullColumnIsRefused) {
  auto plan = Plan({arrow::field("order_id", arrow::int64(), false)});
  ASSERT_NE(plan, nullptr);
  const Status st = CheckDescriptorFitsTable(*plan->message, kOrders);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), AllOf(HasSubstr("MISSING_REQUIRED_COLUMN"), HasSubstr("'created_at'"),
                                  HasSubstr("8001")));
}

TEST(CheckDescriptorFitsTableTest, UnknownFieldIsRefused) {
  auto fields = OrdersFields();
  fields.push_back(arrow::field("coupon", arrow::utf8()));
  auto plan = Plan(fields);
  ASSERT_NE(plan, nullptr);
  const Status st = CheckDescriptorFitsTable(*plan->message, kOrders);
  EXPECT_THAT(st.message(), AllOf(HasSubstr("FIELD_NOT_IN_TABLE"), HasSubstr("'coupon'")));
}

TEST(CheckDescriptorFitsTableTest, IncompatibleTypesAreRefusedWithTheColumnType) {
  const std::pair<std::shared_ptr<arrow::Field>, const char*> cases[] = {
      {arrow::field("order_id", arrow::utf8(), false), "BIGINT"},
      {arrow::field("customer", arrow::int64()), "STRING"},
      {arrow::field("tags", arrow::utf8()), "ARRAY<STRING>"},
      {arrow::field("tags", arrow::list(arrow::int32())), "STRING"},  // the element
      {arrow::field("attributes", arrow::list(arrow::utf8())), "MAP<STRING, BIGINT>"},
      {arrow::field("attributes", arrow::map(arrow::utf8(), arrow::utf8())),
       "BIGINT"},  // the value
      {arrow::field("ship_date", arrow::int64()), "DATE"},
      {arrow::field("address", arrow::utf8()), "STRUCT<city: STRING, zip: STRING NOT NULL>"},
  };
  for (const auto& [field, column_type] : cases) {
    auto fields = OrdersFields();
    for (auto& f : fields) {
      if (f->name() == field->name()) f = field;
    }
    auto plan = Plan(fields);
    ASSERT_NE(plan, nullptr);
    const Status st = CheckDescriptorFitsTable(*plan->message, kOrders);
    EXPECT_THAT(st.message(), AllOf(HasSubstr("TYPE_INCOMPATIBLE"), HasSubstr("'" + field->name()),
                                    HasSubstr(column_type)))
        << field->ToString();
  }
}

TEST(CheckDescriptorFitsTableTest, StructMembersFollowTheSameRules) {
  auto fields = OrdersFields();
  fields.back() = arrow::field("address", arrow::struct_({arrow::field("city", arrow::utf8()),
                                                          arrow::field("country", arrow::utf8())}));
  auto plan = Plan(fields);
  ASSERT_NE(plan, nullptr);
  const Status st = CheckDescriptorFitsTable(*plan->message, kOrders);
  EXPECT_THAT(st.message(),
              AllOf(HasSubstr("'address.country'"), HasSubstr("FIELD_NOT_IN_TABLE"),
                    HasSubstr("'address.zip'"), HasSubstr("MISSING_REQUIRED_COLUMN")));
}

TEST(CheckDescriptorFitsTableTest, ArraysOfStructsAndMapValuesAreChecked) {
  const std::vector<TableColumn> table = {
      {"items", "ARRAY<STRUCT<sku: STRING NOT NULL, qty: INT>>", true},
      {"scores", "MAP<STRING, STRUCT<value: DOUBLE>>", true},
  };
  auto item =
      arrow::struct_({arrow::field("sku", arrow::utf8()), arrow::field("qty", arrow::int16())});
  auto score = arrow::struct_({arrow::field("value", arrow::float64())});
  auto good = Plan({arrow::field("items", arrow::list(item)),
                    arrow::field("scores", arrow::map(arrow::utf8(), score))});
  ASSERT_NE(good, nullptr);
  EXPECT_TRUE(CheckDescriptorFitsTable(*good->message, table).ok());

  auto bad_item = arrow::struct_({arrow::field("qty", arrow::int16())});
  auto bad_score = arrow::struct_({arrow::field("value", arrow::utf8())});
  auto bad = Plan({arrow::field("items", arrow::list(bad_item)),
                   arrow::field("scores", arrow::map(arrow::utf8(), bad_score))});
  ASSERT_NE(bad, nullptr);
  const Status st = CheckDescriptorFitsTable(*bad->message, table);
  EXPECT_THAT(st.message(),
              AllOf(HasSubstr("'items[].sku'"), HasSubstr("MISSING_REQUIRED_COLUMN"),
                    HasSubstr("'scores.value.value'"), HasSubstr("TYPE_INCOMPATIBLE")));
}

TEST(CheckDescriptorFitsTableTest, EveryCauseIsListed) {
  auto plan =
      Plan({arrow::field("customer", arrow::int64()), arrow::field("extra", arrow::utf8())});
  ASSERT_NE(plan, nullptr);
  const Status st = CheckDescriptorFitsTable(*plan->message, kOrders);
  EXPECT_THAT(st.message(),
              HasSubstr("causes: TYPE_INCOMPATIBLE,FIELD_NOT_IN_TABLE,MISSING_REQUIRED_COLUMN"));
}

TEST(CheckDescriptorFitsTableTest, BadColumnTypeTextIsAConfigurationError) {
  auto plan = Plan({arrow::field("a", arrow::int64())});
  ASSERT_NE(plan, nullptr);
  const Status st = CheckDescriptorFitsTable(*plan->message, {{"a", "BIGINTEGER", true}});
  EXPECT_EQ(st.kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(st.message(), HasSubstr("BIGINTEGER"));
}

}  // namespace
}  // namespace arrow_zerobus::emulator
