#include "unity_catalog_table.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace arrow_zerobus::emulator {
namespace {

using ::testing::HasSubstr;

UcType Parsed(const std::string& text) {
  auto type = ParseUcType(text);
  EXPECT_TRUE(type.ok()) << text << ": " << type.status();
  return type.ok() ? *type : UcType{};
}

TEST(UnityCatalogTableTest, EveryPrimitiveHasItsSparkNames) {
  struct Case {
    const char* declared;
    const char* type_text;
    const char* type_json;
    const char* type_name;
  };
  const std::vector<Case> cases = {
      {"TINYINT", "tinyint", "byte", "BYTE"},
      {"SMALLINT", "smallint", "short", "SHORT"},
      {"INT", "int", "integer", "INT"},
      {"BIGINT", "bigint", "long", "LONG"},
      {"FLOAT", "float", "float", "FLOAT"},
      {"DOUBLE", "double", "double", "DOUBLE"},
      {"STRING", "string", "string", "STRING"},
      {"BOOLEAN", "boolean", "boolean", "BOOLEAN"},
      {"BINARY", "binary", "binary", "BINARY"},
      {"DATE", "date", "date", "DATE"},
      {"TIMESTAMP", "timestamp", "timestamp", "TIMESTAMP"},
      {"TIMESTAMP_NTZ", "timestamp_ntz", "timestamp_ntz", "TIMESTAMP_NTZ"},
      {"VARIANT", "variant", "variant", "VARIANT"},
      {"DECIMAL(38,18)", "decimal(38,18)", "decimal(38,18)", "DECIMAL"},
  };
  std::vector<TableColumn> columns;
  for (const Case& c : cases) {
    EXPECT_EQ(SparkTypeText(Parsed(c.declared)), c.type_text) << c.declared;
    EXPECT_EQ(SparkTypeJson(Parsed(c.declared)), nlohmann::json(c.type_json)) << c.declared;
    columns.push_back({std::string("c_") + c.type_text, c.declared, true});
  }
  auto info = UnityCatalogTableInfo("main.sales.all_types", columns);
  ASSERT_TRUE(info.ok()) << info.status();
  ASSERT_EQ((*info)["columns"].size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ((*info)["columns"][i]["type_name"], cases[i].type_name) << cases[i].declared;
  }
}

TEST(UnityCatalogTableTest, TableInfoHasTheServicesShape) {
  auto info = UnityCatalogTableInfo(
      "main.sales.orders",
      {{"id", "BIGINT", false}, {"amount", "DECIMAL(10,2)", true}, {"note", "STRING", true}});
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ((*info)["full_name"], "main.sales.orders");
  EXPECT_EQ((*info)["catalog_name"], "main");
  EXPECT_EQ((*info)["schema_name"], "sales");
  EXPECT_EQ((*info)["name"], "orders");
  EXPECT_EQ((*info)["table_type"], "MANAGED");
  EXPECT_EQ((*info)["data_source_format"], "DELTA");
  const auto& id = (*info)["columns"][0];
  EXPECT_EQ(id["name"], "id");
  EXPECT_EQ(id["type_text"], "bigint");
  EXPECT_EQ(id["type_name"], "LONG");
  EXPECT_EQ(id["position"], 0);
  EXPECT_EQ(id["nullable"], false);
  ASSERT_TRUE(id["type_json"].is_string()) << "type_json is JSON text, as the service sends it";
  EXPECT_EQ(nlohmann::json::parse(id["type_json"].get<std::string>()),
            nlohmann::json::parse(R"({"name":"id","type":"long","nullable":false,"metadata":{}})"));
  const auto& amount = (*info)["columns"][1];
  EXPECT_EQ(amount["position"], 1);
  EXPECT_EQ(amount["type_precision"], 10);
  EXPECT_EQ(amount["type_scale"], 2);
  EXPECT_EQ((*info)["columns"][2]["type_precision"], 0);
}

TEST(UnityCatalogTableTest, NestedTypesKeepMemberNullabilityInTypeJson) {
  auto info = UnityCatalogTableInfo(
      "main.sales.nested",
      {{"tags", "ARRAY<STRING>", true},
       {"attributes", "MAP<STRING, ARRAY<INT>>", true},
       {"address", "STRUCT<street: STRING NOT NULL, zip: INT, geo: STRUCT<lat: DOUBLE>>", false}});
  ASSERT_TRUE(info.ok()) << info.status();
  const auto& columns = (*info)["columns"];
  EXPECT_EQ(columns[0]["type_text"], "array<string>");
  EXPECT_EQ(columns[0]["type_name"], "ARRAY");
  EXPECT_EQ(columns[1]["type_text"], "map<string,array<int>>");
  EXPECT_EQ(columns[1]["type_name"], "MAP");
  EXPECT_EQ(columns[2]["type_text"], "struct<street:string,zip:int,geo:struct<lat:double>>");
  EXPECT_EQ(columns[2]["type_name"], "STRUCT");

  EXPECT_EQ(nlohmann::json::parse(columns[1]["type_json"].get<std::string>())["type"],
            nlohmann::json::parse(R"({"type":"map","keyType":"string",
              "valueType":{"type":"array","elementType":"integer","containsNull":true},
              "valueContainsNull":true})"));
  const auto address = nlohmann::json::parse(columns[2]["type_json"].get<std::string>());
  EXPECT_EQ(address["nullable"], false);
  const auto& members = address["type"]["fields"];
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[0], nlohmann::json::parse(
                            R"({"name":"street","type":"string","nullable":false,"metadata":{}})"));
  EXPECT_EQ(members[1]["nullable"], true);
  EXPECT_EQ(members[2]["type"]["fields"][0]["type"], "double");
}

TEST(UnityCatalogTableTest, ErrorsNameTheTableOrTheColumn) {
  auto two_parts = UnityCatalogTableInfo("sales.orders", {{"id", "BIGINT", true}});
  ASSERT_FALSE(two_parts.ok());
  EXPECT_THAT(two_parts.status().message(), HasSubstr("sales.orders"));
  auto bad_type = UnityCatalogTableInfo("main.sales.orders", {{"when", "DATETIME", true}});
  ASSERT_FALSE(bad_type.ok());
  EXPECT_THAT(bad_type.status().message(), HasSubstr("when"));
}

}  // namespace
}  // namespace arrow_zerobus::emulator
