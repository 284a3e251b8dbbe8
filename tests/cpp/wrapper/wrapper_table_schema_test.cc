// schema_source table, in both wire formats: the schema sent comes from the table's columns in
// Unity Catalog (the emulator's), and each batch is fitted to it, so a batch whose columns differ
// from the table in order, case, types and by a missing nullable column still lands; a value that
// does not fit fails its row naming row, column, value and the table's type; what cannot fit at
// all is refused naming the column.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include <arrow/array/builder_binary.h>
#include <arrow/array/builder_decimal.h>
#include <arrow/array/builder_nested.h>
#include <arrow/array/builder_primitive.h>
#include <arrow/record_batch.h>
#include <arrow/table.h>
#include <arrow/util/decimal.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "arrow_zerobus/wrapper.h"
#include "debug/debug_reader.h"
#include "schema/schema_plan.h"
#include "schema/uc_arrow_schema.h"
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

class WrapperTableSchemaTest : public WireFormatTest {
 protected:
  WrapperConfiguration TableSchemaConfig(const emulator::Emulator& emu,
                                         const std::string& table) const {
    WrapperConfiguration config = Config(emu, table);
    config.schema_source = "table";
    return config;
  }
};

// ---- a batch unlike the table in types, order, case and a missing column ----

constexpr char kFitTable[] = "main.sales.fitted";

const std::vector<emulator::TableColumn> kFitColumns = {
    {"id", "BIGINT", false},        {"qty", "SMALLINT", true}, {"price", "DECIMAL(10,2)", true},
    {"sold_at", "TIMESTAMP", true}, {"day", "DATE", true},     {"ratio", "DOUBLE", true},
    {"comment", "STRING", true},
};

/// In another order and case: DAY (text, parsed), price decimal(5,1), Qty int64 (row 2 too big
/// for SMALLINT), sold_at timestamp[ns, Europe/Paris], id int32, ratio float32; no comment.
std::shared_ptr<arrow::RecordBatch> UnlikeBatch() {
  arrow::StringBuilder days;
  arrow::Decimal128Builder prices(arrow::decimal128(5, 1));
  arrow::Int64Builder quantities;
  arrow::TimestampBuilder sold(arrow::timestamp(arrow::TimeUnit::NANO, "Europe/Paris"),
                               arrow::default_memory_pool());
  arrow::Int32Builder ids;
  arrow::FloatBuilder ratios;
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(days.Append("2024-02-2" + std::to_string(6 + i)).ok());  // 26..29: a leap day
    EXPECT_TRUE(prices.Append(arrow::Decimal128(1234 + i)).ok());        // 123.4 + i/10
    EXPECT_TRUE(quantities.Append(i == 2 ? 40000 : i).ok());
    EXPECT_TRUE(sold.Append(1'700'000'000'123'456'789LL + i).ok());
    EXPECT_TRUE(ids.Append(i).ok());
    EXPECT_TRUE(ratios.Append(0.5f * static_cast<float>(i)).ok());
  }
  auto schema = arrow::schema(
      {arrow::field("DAY", arrow::utf8()), arrow::field("price", arrow::decimal128(5, 1)),
       arrow::field("Qty", arrow::int64()), arrow::field("sold_at", sold.type()),
       arrow::field("Id", arrow::int32(), /*nullable=*/false),
       arrow::field("ratio", arrow::float32())});
  return arrow::RecordBatch::Make(schema, 4,
                                  {*days.Finish(), *prices.Finish(), *quantities.Finish(),
                                   *sold.Finish(), *ids.Finish(), *ratios.Finish()});
}

/// One landed row, whichever format carried it.
struct FittedRow {
  int64_t id = 0;
  int32_t qty = 0;
  std::string price;  ///< as the wire carries DECIMAL: text
  int64_t sold_at = 0;
  int32_t day = 0;
  double ratio = 0;
  bool has_comment = false;
};

std::vector<FittedRow> LandedFittedRows(emulator::Emulator& emu, bool arrow_format) {
  std::vector<FittedRow> rows;
  if (arrow_format) {
    for (const auto& batch : emu.state().LandedBatches(kFitTable)) {
      auto column = [&](const char* name) { return batch->GetColumnByName(name); };
      for (int64_t i = 0; i < batch->num_rows(); ++i) {
        FittedRow row;
        row.id = static_cast<const arrow::Int64Array&>(*column("id")).Value(i);
        row.qty = static_cast<const arrow::Int16Array&>(*column("qty")).Value(i);
        row.price =
            std::string(static_cast<const arrow::LargeStringArray&>(*column("price")).GetView(i));
        row.sold_at = static_cast<const arrow::TimestampArray&>(*column("sold_at")).Value(i);
        row.day = static_cast<const arrow::Date32Array&>(*column("day")).Value(i);
        row.ratio = static_cast<const arrow::DoubleArray&>(*column("ratio")).Value(i);
        row.has_comment = column("comment")->IsValid(i);
        rows.push_back(row);
      }
    }
    return rows;
  }
  auto columns =
      schema::ParseUcTableColumns(emulator::UnityCatalogTableInfo(kFitTable, kFitColumns)->dump());
  EXPECT_TRUE(columns.ok()) << columns.status();
  auto table = schema::ArrowSchemaFromUcColumns(*columns);
  auto descriptor = schema::DescriptorFromUcColumns(*columns, "Fitted");
  EXPECT_TRUE(table.ok() && descriptor.ok());
  schema::PlanOptions options;
  options.descriptor = *descriptor;
  auto plan = schema::PlanSchema(**table, options);
  EXPECT_TRUE(plan.ok()) << plan.status();
  RecordParser parser(**plan);
  for (const std::string& bytes : emu.LandedRecords(kFitTable)) {
    auto record = parser.Parse(bytes);
    if (record == nullptr) continue;
    const auto* type = record->GetDescriptor();
    const auto* reflection = record->GetReflection();
    auto field = [&](const char* name) { return type->FindFieldByName(name); };
    FittedRow row;
    row.id = reflection->GetInt64(*record, field("id"));
    row.qty = reflection->GetInt32(*record, field("qty"));
    row.price = reflection->GetString(*record, field("price"));
    row.sold_at = reflection->GetInt64(*record, field("sold_at"));
    row.day = reflection->GetInt32(*record, field("day"));
    row.ratio = reflection->GetDouble(*record, field("ratio"));
    row.has_comment = reflection->HasField(*record, field("comment"));
    rows.push_back(row);
  }
  return rows;
}

TEST_P(WrapperTableSchemaTest, ABatchUnlikeTheTableLandsFittedAndWhatDoesNotFitFailsItsRow) {
  auto emu = StartEmulator();
  emu->DeclareTable(kFitTable, kFitColumns);
  WrapperConfiguration config = TableSchemaConfig(*emu, kFitTable);
  config.parse_strings = true;
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  TransmissionResult result = (*wrapper)->send_batch(UnlikeBatch());
  ExpectEveryRowOnce(result);
  ASSERT_TRUE((*wrapper)->flush().ok());
  EXPECT_EQ(result.successful_count, 3) << result.Summary();
  ASSERT_EQ(result.failed_rows.size(), 1u) << result.Summary();
  EXPECT_EQ(result.failed_rows[0].row, 2);
  EXPECT_THAT(
      result.failed_rows[0].error.message(),
      AllOf(HasSubstr("row 2"), HasSubstr("qty"), HasSubstr("40000"), HasSubstr("SMALLINT")));
  ASSERT_TRUE((*wrapper)->shutdown().ok());

  const std::vector<FittedRow> rows = LandedFittedRows(*emu, arrow());
  ASSERT_EQ(rows.size(), 3u);
  const int kept[] = {0, 1, 3};
  for (size_t k = 0; k < rows.size(); ++k) {
    const int i = kept[k];
    SCOPED_TRACE("row " + std::to_string(i));
    EXPECT_EQ(rows[k].id, i);
    EXPECT_EQ(rows[k].qty, i);
    EXPECT_EQ(rows[k].price, "123." + std::to_string(4 + i) + "0");
    EXPECT_EQ(rows[k].sold_at, 1'700'000'000'123'456LL);  // ns floor-divided, the zone's instant
    EXPECT_EQ(rows[k].day, 19779 + i);                    // 2024-02-26 + i; 19782 is 2024-02-29
    EXPECT_EQ(rows[k].ratio, 0.5 * i);
    EXPECT_FALSE(rows[k].has_comment);
  }
}

TEST_P(WrapperTableSchemaTest, WithoutParseStringsTextForADateColumnIsRefusedNamingTheSetting) {
  auto emu = StartEmulator();
  emu->DeclareTable(kFitTable, kFitColumns);
  auto wrapper = ZerobusWrapper::Create(TableSchemaConfig(*emu, kFitTable));
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  TransmissionResult result = (*wrapper)->send_batch(UnlikeBatch());
  EXPECT_EQ(result.failed_count, 4);
  EXPECT_EQ(result.error.kind(), ErrorKind::kConfiguration) << result.error;
  EXPECT_THAT(result.error.message(),
              AllOf(HasSubstr("DAY"), HasSubstr("DATE"), HasSubstr("parse_strings")));
  EXPECT_TRUE(emu->LandedRecords(kFitTable).empty());
}

TEST_P(WrapperTableSchemaTest, ABatchThatDiffersFromTheTableLandsInItsColumns) {
  auto emu = StartEmulator();
  emu->DeclareTable(kTable, kOrders);
  auto wrapper = ZerobusWrapper::Create(TableSchemaConfig(*emu, kTable));
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  TransmissionResult result = (*wrapper)->send_batch(OrdersBatch(50));
  ExpectEveryRowOnce(result);
  EXPECT_TRUE(result.all_rows_landed()) << result.Summary();
  ASSERT_TRUE((*wrapper)->shutdown().ok());
  if (arrow()) {
    int64_t landed = 0;
    for (const auto& batch : emu->state().LandedBatches(kTable)) landed += batch->num_rows();
    EXPECT_EQ(landed, 50);
    return;
  }

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
TEST_P(WrapperTableSchemaTest, TheSameBatchWithTheArrowSchemaIsRefusedByTheTable) {
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

TEST_P(WrapperTableSchemaTest, AnUndeclaredTableFailsCreateNamingItAndTheStatus) {
  auto emu = StartEmulator();
  auto wrapper = ZerobusWrapper::Create(TableSchemaConfig(*emu, "main.sales.nowhere"));
  ASSERT_FALSE(wrapper.ok());
  EXPECT_EQ(wrapper.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(wrapper.status().message(),
              AllOf(HasSubstr("main.sales.nowhere"), HasSubstr("HTTP 404"),
                    HasSubstr("schema_source table")));
}

TEST_P(WrapperTableSchemaTest, AColumnTheTableLacksIsAConfigurationErrorNamingIt) {
  auto emu = StartEmulator();
  emu->DeclareTable(kTable, {{"id", "BIGINT", false}});
  auto wrapper = ZerobusWrapper::Create(TableSchemaConfig(*emu, kTable));
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  TransmissionResult result = (*wrapper)->send_batch(OrdersBatch(3));
  EXPECT_EQ(result.failed_count, 3);
  EXPECT_EQ(result.error.kind(), ErrorKind::kConfiguration) << result.error;
  EXPECT_THAT(result.error.message(),
              AllOf(HasSubstr("customer"), HasSubstr("drop_extra_columns")));
}

TEST_P(WrapperTableSchemaTest, DropExtraColumnsDropsWhatTheTableLacks) {
  auto emu = StartEmulator();
  emu->DeclareTable(kTable, {{"id", "BIGINT", false}});
  WrapperConfiguration config = TableSchemaConfig(*emu, kTable);
  config.drop_extra_columns = true;
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  TransmissionResult result = (*wrapper)->send_batch(OrdersBatch(3));
  EXPECT_TRUE(result.all_rows_landed()) << result.Summary();
}

TEST_P(WrapperTableSchemaTest, ANotNullColumnTheBatchLacksIsAConfigurationErrorNamingIt) {
  auto emu = StartEmulator();
  emu->DeclareTable(kTable, {{"id", "BIGINT", false}, {"region", "STRING", false}});
  WrapperConfiguration config = TableSchemaConfig(*emu, kTable);
  config.drop_extra_columns = true;
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  TransmissionResult result = (*wrapper)->send_batch(OrdersBatch(3));
  EXPECT_EQ(result.failed_count, 3);
  EXPECT_THAT(result.error.message(), AllOf(HasSubstr("region"), HasSubstr("NOT NULL")));
}

// Writer-disabled mode makes no network call: the table's description comes from a file (named
// in the configuration's text form, as YAML and the environment give it), and the batch is
// fitted to it all the same.
TEST_P(WrapperTableSchemaTest, WriterDisabledFitsToTheTableDescribedInTableSchema) {
  const auto file = std::filesystem::temp_directory_path() /
                    ("table-schema-" + std::to_string(::getpid()) + ".json");
  std::ofstream(file) << emulator::UnityCatalogTableInfo(kFitTable, kFitColumns)->dump();
  const auto debug_dir = std::filesystem::temp_directory_path() /
                         ("table-schema-debug-" + std::to_string(::getpid()) + "-" + GetParam());
  std::filesystem::remove_all(debug_dir);
  WrapperConfiguration config;
  config.table_name = kFitTable;
  config.wire_format = arrow() ? WireFormat::kArrow : WireFormat::kProtobuf;
  config.zerobus_writer_disabled = true;
  config.debug_protobuf_enabled = true;
  config.debug_output_dir = debug_dir;
  config.schema_source = "table";
  ASSERT_TRUE(config.Set("table_schema", file.string()).ok());
  EXPECT_THAT(*config.table_schema, HasSubstr("\"columns\""));
  config.parse_strings = true;
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  TransmissionResult result = (*wrapper)->send_batch(UnlikeBatch());
  ExpectEveryRowOnce(result);
  EXPECT_EQ(result.successful_count, 3) << result.Summary();
  ASSERT_EQ(result.failed_rows.size(), 1u);
  EXPECT_THAT(result.failed_rows[0].error.message(), HasSubstr("SMALLINT"));
  ASSERT_TRUE((*wrapper)->shutdown().ok());
  std::filesystem::remove(file);

  // The Protobuf debug file holds the fitted rows under the table's descriptor.
  int64_t debug_rows = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(debug_dir)) {
    if (entry.path().parent_path().filename() != "proto" ||
        !std::filesystem::exists(debug::DescriptorPathFor(entry.path())) ||
        entry.path() == debug::DescriptorPathFor(entry.path())) {
      continue;
    }
    auto records = debug::ReadRecordsAsArrow(entry.path());
    ASSERT_TRUE(records.ok()) << records.status();
    debug_rows += (*records)->num_rows();
    EXPECT_NE((*records)->schema()->GetFieldByName("price"), nullptr);
    EXPECT_NE((*records)->schema()->GetFieldByName("comment"), nullptr);
  }
  EXPECT_EQ(debug_rows, 3);
  std::filesystem::remove_all(debug_dir);

  const Status missing = config.Set("table_schema", (file.parent_path() / "no-such.json").string());
  EXPECT_THAT(missing.message(), AllOf(HasSubstr("table_schema"), HasSubstr("no-such.json"),
                                       HasSubstr("does not exist")));
  config.table_schema = "{\"name\": \"fitted\"}";
  auto without_columns = ZerobusWrapper::Create(config);
  ASSERT_FALSE(without_columns.ok());
  EXPECT_THAT(without_columns.status().message(),
              AllOf(HasSubstr("table_schema"), HasSubstr("no columns list")));
}

TEST_P(WrapperTableSchemaTest, SettingsThatCannotGoWithItAreRefused) {
  auto emu = StartEmulator();
  struct Case {
    void (*change)(WrapperConfiguration&);
    const char* says;
  };
  for (const Case& c : std::vector<Case>{
           {[](WrapperConfiguration& cfg) { cfg.schema_source = "tabel"; },
            "schema_source 'tabel' must be arrow or table"},
           {[](WrapperConfiguration& cfg) { cfg.zerobus_writer_disabled = true; },
            "needs table_schema"},
           {[](WrapperConfiguration& cfg) {
              cfg.schema_source = "arrow";
              cfg.parse_strings = true;
            },
            "parse_strings applies to schema_source table only"},
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

INSTANTIATE_WIRE_FORMATS(WrapperTableSchemaTest);

}  // namespace
}  // namespace arrow_zerobus::testing
