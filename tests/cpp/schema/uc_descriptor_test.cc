#include "schema/uc_descriptor.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include "table_schema.h"
#include "unity_catalog_table.h"

namespace arrow_zerobus::schema {
namespace {

using google::protobuf::FieldDescriptor;
using ::testing::HasSubstr;

/// The columns of the TableInfo the emulator serves for `declared` (as Unity Catalog does).
std::vector<UcColumn> ServedColumns(const std::vector<emulator::TableColumn>& declared) {
  auto info = emulator::UnityCatalogTableInfo("main.sales.orders", declared);
  EXPECT_TRUE(info.ok()) << info.status();
  auto columns = ParseUcTableColumns(info.ok() ? info->dump() : "{}");
  EXPECT_TRUE(columns.ok()) << columns.status();
  return columns.ok() ? *columns : std::vector<UcColumn>{};
}

/// `message` built in a pool of its own (what the service and the emulator do with it).
struct Built {
  google::protobuf::DescriptorPool pool;
  const google::protobuf::Descriptor* message = nullptr;
};
std::unique_ptr<Built> Build(const google::protobuf::DescriptorProto& message) {
  auto built = std::make_unique<Built>();
  google::protobuf::FileDescriptorProto file;
  file.set_name("orders.proto");
  file.set_syntax("proto2");
  *file.add_message_type() = message;
  const auto* descriptor = built->pool.BuildFile(file);
  EXPECT_NE(descriptor, nullptr) << message.DebugString();
  built->message = descriptor ? descriptor->message_type(0) : nullptr;
  return built;
}

const std::vector<emulator::TableColumn> kEveryType = {
    {"id", "BIGINT", false},
    {"qty", "INT", true},
    {"small", "SMALLINT", true},
    {"tiny", "TINYINT", true},
    {"name", "STRING", true},
    {"active", "BOOLEAN", true},
    {"price", "DOUBLE", true},
    {"ratio", "FLOAT", true},
    {"blob", "BINARY", true},
    {"day", "DATE", true},
    {"at", "TIMESTAMP", true},
    {"local_at", "TIMESTAMP_NTZ", true},
    {"amount", "DECIMAL(38,18)", true},
    {"payload", "VARIANT", true},
    {"tags", "ARRAY<STRING>", true},
    {"lines", "ARRAY<STRUCT<sku: STRING NOT NULL, units: INT>>", true},
    {"counts", "MAP<STRING, BIGINT>", true},
    {"places", "MAP<INT, STRUCT<city: STRING>>", true},
    {"home_address", "STRUCT<street: STRING NOT NULL, geo: STRUCT<lat: DOUBLE>>", false},
};

TEST(UcDescriptorTest, EveryColumnTypeAsTheGeneratorsMapIt) {
  auto descriptor = DescriptorFromUcColumns(ServedColumns(kEveryType), "Orders");
  ASSERT_TRUE(descriptor.ok()) << descriptor.status();
  auto built = Build(*descriptor);
  ASSERT_NE(built->message, nullptr);
  const auto* m = built->message;
  struct Expect {
    const char* name;
    FieldDescriptor::Type type;
    FieldDescriptor::Label label;
  };
  const std::vector<Expect> expected = {
      {"id", FieldDescriptor::TYPE_INT64, FieldDescriptor::LABEL_REQUIRED},
      {"qty", FieldDescriptor::TYPE_INT32, FieldDescriptor::LABEL_OPTIONAL},
      {"small", FieldDescriptor::TYPE_INT32, FieldDescriptor::LABEL_OPTIONAL},
      {"tiny", FieldDescriptor::TYPE_INT32, FieldDescriptor::LABEL_OPTIONAL},
      {"name", FieldDescriptor::TYPE_STRING, FieldDescriptor::LABEL_OPTIONAL},
      {"active", FieldDescriptor::TYPE_BOOL, FieldDescriptor::LABEL_OPTIONAL},
      {"price", FieldDescriptor::TYPE_DOUBLE, FieldDescriptor::LABEL_OPTIONAL},
      {"ratio", FieldDescriptor::TYPE_FLOAT, FieldDescriptor::LABEL_OPTIONAL},
      {"blob", FieldDescriptor::TYPE_BYTES, FieldDescriptor::LABEL_OPTIONAL},
      {"day", FieldDescriptor::TYPE_INT32, FieldDescriptor::LABEL_OPTIONAL},
      {"at", FieldDescriptor::TYPE_INT64, FieldDescriptor::LABEL_OPTIONAL},
      {"local_at", FieldDescriptor::TYPE_INT64, FieldDescriptor::LABEL_OPTIONAL},
      {"amount", FieldDescriptor::TYPE_STRING, FieldDescriptor::LABEL_OPTIONAL},
      {"payload", FieldDescriptor::TYPE_STRING, FieldDescriptor::LABEL_OPTIONAL},
      {"tags", FieldDescriptor::TYPE_STRING, FieldDescriptor::LABEL_REPEATED},
      {"lines", FieldDescriptor::TYPE_MESSAGE, FieldDescriptor::LABEL_REPEATED},
      {"counts", FieldDescriptor::TYPE_MESSAGE, FieldDescriptor::LABEL_REPEATED},
      {"places", FieldDescriptor::TYPE_MESSAGE, FieldDescriptor::LABEL_REPEATED},
      {"home_address", FieldDescriptor::TYPE_MESSAGE, FieldDescriptor::LABEL_REQUIRED},
  };
  ASSERT_EQ(m->field_count(), static_cast<int>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    const FieldDescriptor* field = m->field(static_cast<int>(i));
    EXPECT_EQ(field->name(), expected[i].name);
    EXPECT_EQ(field->number(), static_cast<int>(i + 1)) << field->name();
    EXPECT_EQ(field->type(), expected[i].type) << field->name();
    EXPECT_EQ(field->label(), expected[i].label) << field->name();
  }
  EXPECT_EQ(m->FindFieldByName("lines")->message_type()->name(), "LinesElement");
  EXPECT_TRUE(m->FindFieldByName("lines")->message_type()->FindFieldByName("sku")->is_required());
  EXPECT_TRUE(m->FindFieldByName("counts")->is_map());
  EXPECT_EQ(m->FindFieldByName("counts")->message_type()->name(), "CountsEntry");
  const auto* places = m->FindFieldByName("places")->message_type();
  ASSERT_TRUE(m->FindFieldByName("places")->is_map());
  EXPECT_EQ(places->FindFieldByName("value")->message_type()->name(), "PlacesValue");
  const auto* address = m->FindFieldByName("home_address")->message_type();
  EXPECT_EQ(address->name(), "HomeAddress");
  EXPECT_TRUE(address->FindFieldByName("street")->is_required());
  EXPECT_EQ(address->FindFieldByName("geo")->message_type()->name(), "Geo");
}

TEST(UcDescriptorTest, TheEmulatorsCreateTimeCheckAcceptsTheDescriptor) {
  auto descriptor = DescriptorFromUcColumns(ServedColumns(kEveryType), "Orders");
  ASSERT_TRUE(descriptor.ok()) << descriptor.status();
  auto built = Build(*descriptor);
  ASSERT_NE(built->message, nullptr);
  const Status fits = emulator::CheckDescriptorFitsTable(*built->message, kEveryType);
  EXPECT_TRUE(fits.ok()) << fits;
}

TEST(UcDescriptorTest, ColumnsGoInPositionOrderNumberedFromTheirPosition) {
  std::vector<UcColumn> columns = {
      {"c", "LONG", "bigint", "", 4, true},
      {"a", "INT", "int", "", 0, false},
      {"hidden", "INT", "int", "", -1, true},
      {"b", "STRING", "string", "", 1, true},
  };
  auto descriptor = DescriptorFromUcColumns(columns, "T");
  ASSERT_TRUE(descriptor.ok()) << descriptor.status();
  ASSERT_EQ(descriptor->field_size(), 3);
  EXPECT_EQ(descriptor->field(0).name(), "a");
  EXPECT_EQ(descriptor->field(0).number(), 1);
  EXPECT_EQ(descriptor->field(1).name(), "b");
  EXPECT_EQ(descriptor->field(2).name(), "c");
  EXPECT_EQ(descriptor->field(2).number(), 5) << "gaps are kept";
  auto far = DescriptorFromUcColumns({{"z", "INT", "int", "", 18999, true}}, "T");
  ASSERT_TRUE(far.ok());
  EXPECT_EQ(far->field(0).number(), 20000) << "past protobuf's reserved 19000-19999";
}

TEST(UcDescriptorTest, ErrorsNameTheColumnAndTheCause) {
  struct Case {
    std::vector<UcColumn> columns;
    std::vector<std::string> message;
  };
  const std::vector<Case> cases = {
      {{{"span", "INTERVAL", "interval day", "", 0, true}},
       {"unsupported Databricks type 'INTERVAL'", "span"}},
      {{{"tags", "ARRAY", "array<string>", "", 0, true}},
       {"missing type_json for complex column 'tags'"}},
      {{{"tags", "ARRAY", "array<string>", "{not json", 0, true}},
       {"failed to parse type_json for column 'tags'"}},
      {{{"bad-name", "INT", "int", "", 0, true}}, {"invalid field name 'bad-name'"}},
      {{{"1st", "INT", "int", "", 0, true}}, {"invalid field name '1st'", "digit"}},
  };
  for (const Case& c : cases) {
    auto descriptor = DescriptorFromUcColumns(c.columns, "T");
    ASSERT_FALSE(descriptor.ok()) << c.columns[0].name;
    EXPECT_EQ(descriptor.status().kind(), ErrorKind::kConfiguration);
    for (const std::string& part : c.message) {
      EXPECT_THAT(descriptor.status().message(), HasSubstr(part));
    }
  }
  for (const auto& [declared, cause] : std::vector<std::pair<const char*, const char*>>{
           {"ARRAY<ARRAY<INT>>", "ARRAY of ARRAY"},
           {"ARRAY<MAP<STRING, INT>>", "ARRAY of MAP"},
           {"MAP<DOUBLE, INT>", "key is not an integer, boolean or string"},
           {"MAP<STRING, ARRAY<INT>>", "value is an ARRAY"},
       }) {
    auto descriptor = DescriptorFromUcColumns(ServedColumns({{"c", declared, true}}), "T");
    ASSERT_FALSE(descriptor.ok()) << declared;
    EXPECT_THAT(descriptor.status().message(), HasSubstr(cause)) << declared;
    EXPECT_THAT(descriptor.status().message(), HasSubstr("'c'")) << declared;
  }
}

TEST(UcDescriptorTest, TableInfoThatIsNotOneIsAnError) {
  EXPECT_FALSE(ParseUcTableColumns("[]").ok());
  EXPECT_THAT(ParseUcTableColumns("{}").status().message(), HasSubstr("no columns"));
  EXPECT_THAT(ParseUcTableColumns(R"({"columns":[{"name":"a"}]})").status().message(),
              HasSubstr("'a' has no type"));
}

}  // namespace
}  // namespace arrow_zerobus::schema
