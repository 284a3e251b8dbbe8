// schema_source table: the record descriptor comes from the table's columns in Unity Catalog (the
// emulator's), so a batch whose columns differ from the table in order, in integer width and by
// a missing nullable column still lands; what does not fit is refused naming the column.
#include <memory>
#include <vector>

#include <arrow/array/builder_binary.h>
#include <arrow/array/builder_nested.h>
#include <arrow/array/builder_primitive.h>
#include <arrow/record_batch.h>
#include <arrow/table.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "arrow_zerobus/wrapper.h"
#include "schema/schema_plan.h"
#include "schema/uc_descriptor.h"
#include "testing/emulator_fixture.h"
#include "testing/proto_oracle.h"
#include "testing/wrapper_fixture.h"
#include "unity_catalog_table.h"

namespace arrow_zerobus::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kTable[] = "main.sales.orders";

const std::vector<emulator::TableColumn> kOrders = {
    {"id", "BIGINT", false},
    {"customer", "STRING", true},
    {"tags", "ARRAY<STRING>", true},
    {"note", "STRING", true},
};

/// customer, then id as int32 (the table says BIGINT), then tags; no note.
std::shared_ptr<arrow::RecordBatch> OrdersBatch(int32_t count) {
  arrow::StringBuilder customers;
  arrow::Int32Builder ids;
  arrow::ListBuilder tags(arrow::default_memory_pool(), std::make_shared<arrow::StringBuilder>());
  auto* tag_values = static_cast<arrow::StringBuilder*>(tags.value_builder());
  for (int32_t i = 0; i < count; ++i) {
    EXPECT_TRUE(customers.Append("customer-" + std::to_string(i)).ok());
    EXPECT_TRUE(ids.Append(i).ok());
    EXPECT_TRUE(tags.Append().ok());
    EXPECT_TRUE(tag_values->Append("t" + std::to_string(i % 3)).ok());
  }
  auto schema = arrow::schema({arrow::field("customer", arrow::utf8()),
                               arrow::field("id", arrow::int32(), /*nullable=*/false),
                               arrow::field("tags", arrow::list(arrow::utf8()))});
  return arrow::RecordBatch::Make(schema, count,
                                  {*customers.Finish(), *ids.Finish(), *tags.Finish()});
}

WrapperConfiguration TableSchemaConfig(const emulator::Emulator& emu, const std::string& table) {
  WrapperConfiguration config = WrapperConfigFor(emu, table);
  config.wire_format = WireFormat::kProtobuf;
  config.schema_source = "table";
  return config;
}

TEST(WrapperTableSchemaTest, ABatchThatDiffersFromTheTableLandsInItsColumns) {
  auto emu = StartEmulator();
  emu->DeclareTable(kTable, kOrders);
  auto wrapper = ZerobusWrapper::Create(TableSchemaConfig(*emu, kTable));
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  TransmissionResult result = (*wrapper)->send_batch(OrdersBatch(50));
  ExpectEveryRowOnce(result);
  EXPECT_TRUE(result.all_rows_landed()) << result.Summary();
  ASSERT_TRUE((*wrapper)->shutdown().ok());

  // Read back with the table's descriptor: ids as BIGINT, the batch's values, note never set.
  auto columns =
      schema::ParseUcTableColumns(emulator::UnityCatalogTableInfo(kTable, kOrders)->dump());
  ASSERT_TRUE(columns.ok()) << columns.status();
  schema::PlanOptions options;
  auto descriptor = schema::DescriptorFromUcColumns(*columns, "Orders");
  ASSERT_TRUE(descriptor.ok()) << descriptor.status();
  options.descriptor = *descriptor;
  auto plan = schema::PlanSchema(*OrdersBatch(1)->schema(), options);
  ASSERT_TRUE(plan.ok()) << plan.status();
  RecordParser parser(**plan);
  const std::vector<std::string> records = emu->LandedRecords(kTable);
  ASSERT_EQ(records.size(), 50u);
  for (size_t i = 0; i < records.size(); ++i) {
    auto record = parser.Parse(records[i]);
    ASSERT_NE(record, nullptr);
    const auto* type = record->GetDescriptor();
    const auto* reflection = record->GetReflection();
    const auto* id = type->FindFieldByName("id");
    ASSERT_EQ(id->type(), google::protobuf::FieldDescriptor::TYPE_INT64);
    EXPECT_EQ(reflection->GetInt64(*record, id), static_cast<int64_t>(i));
    EXPECT_EQ(reflection->GetString(*record, type->FindFieldByName("customer")),
              "customer-" + std::to_string(i));
    EXPECT_EQ(reflection->FieldSize(*record, type->FindFieldByName("tags")), 1);
    EXPECT_FALSE(reflection->HasField(*record, type->FindFieldByName("note")));
  }
}

// Without it, the descriptor generated from the batch says int32 for the BIGINT column, and the
// service refuses the stream: the reason schema_source table exists.
TEST(WrapperTableSchemaTest, TheSameBatchWithTheArrowSchemaIsRefusedByTheTable) {
  auto emu = StartEmulator();
  emu->DeclareTable(kTable, kOrders);
  WrapperConfiguration config = TableSchemaConfig(*emu, kTable);
  config.schema_source = "arrow";
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  TransmissionResult result = (*wrapper)->send_batch(OrdersBatch(5));
  EXPECT_EQ(result.failed_count, 5) << result.Summary();
  EXPECT_THAT(result.error.message(), HasSubstr("id"));
}

TEST(WrapperTableSchemaTest, AnUndeclaredTableFailsCreateNamingItAndTheStatus) {
  auto emu = StartEmulator();
  auto wrapper = ZerobusWrapper::Create(TableSchemaConfig(*emu, "main.sales.nowhere"));
  ASSERT_FALSE(wrapper.ok());
  EXPECT_EQ(wrapper.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(wrapper.status().message(),
              AllOf(HasSubstr("main.sales.nowhere"), HasSubstr("HTTP 404"),
                    HasSubstr("schema_source table")));
}

TEST(WrapperTableSchemaTest, AColumnTheTableLacksIsAConfigurationErrorNamingIt) {
  auto emu = StartEmulator();
  emu->DeclareTable(kTable, {{"id", "BIGINT", false}});
  auto wrapper = ZerobusWrapper::Create(TableSchemaConfig(*emu, kTable));
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  TransmissionResult result = (*wrapper)->send_batch(OrdersBatch(3));
  EXPECT_EQ(result.failed_count, 3);
  EXPECT_EQ(result.error.kind(), ErrorKind::kConfiguration) << result.error;
  EXPECT_THAT(result.error.message(), HasSubstr("customer"));
}

TEST(WrapperTableSchemaTest, SettingsThatCannotGoWithItAreRefused) {
  auto emu = StartEmulator();
  struct Case {
    void (*change)(WrapperConfiguration&);
    const char* says;
  };
  for (const Case& c : std::vector<Case>{
           {[](WrapperConfiguration& cfg) { cfg.schema_source = "tabel"; },
            "schema_source 'tabel' must be arrow or table"},
           {[](WrapperConfiguration& cfg) { cfg.wire_format = WireFormat::kArrow; },
            "wire_format arrow"},
           {[](WrapperConfiguration& cfg) { cfg.descriptor_proto = std::string("\x0a\x01T", 3); },
            "descriptor_proto is set"},
       }) {
    WrapperConfiguration config = TableSchemaConfig(*emu, kTable);
    c.change(config);
    auto wrapper = ZerobusWrapper::Create(config);
    ASSERT_FALSE(wrapper.ok()) << c.says;
    EXPECT_THAT(wrapper.status().message(), HasSubstr(c.says));
  }
}

}  // namespace
}  // namespace arrow_zerobus::testing
