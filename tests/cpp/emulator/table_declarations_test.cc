// ParseTableDeclarations (the --tables file): every column lands with its name, type and
// nullability, and every mistake is refused, never thrown, with the file, the table, the column
// and the key it concerns.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "emulator_state.h"

namespace arrow_zerobus::emulator {
namespace {

using ::testing::HasSubstr;

constexpr char kTwoTables[] = R"json({
  "main.default.people": [
    {"name": "id", "type": "BIGINT", "nullable": false},
    {"name": "tags", "type": "ARRAY<STRUCT<a: INT NOT NULL>>"},
    {"name": "note", "type": "string", "nullable": true}
  ],
  "main.other.t": [{"name": "x", "type": "DECIMAL(10,2)"}]
})json";

TEST(TableDeclarationsTest, ColumnsLandInOrder) {
  auto tables = ParseTableDeclarations(kTwoTables, "tables.json");
  ASSERT_TRUE(tables.ok()) << tables.status();
  ASSERT_EQ(tables->size(), 2u);
  const std::vector<TableColumn>& people = tables->at("main.default.people");
  ASSERT_EQ(people.size(), 3u);
  EXPECT_EQ(people[0].name, "id");
  EXPECT_EQ(people[0].type_text, "BIGINT");
  EXPECT_FALSE(people[0].nullable);
  EXPECT_EQ(people[1].type_text, "ARRAY<STRUCT<a: INT NOT NULL>>");
  EXPECT_TRUE(people[1].nullable);  // the default
  EXPECT_EQ(people[2].name, "note");
  EXPECT_TRUE(people[2].nullable);
  EXPECT_EQ(tables->at("main.other.t").at(0).type_text, "DECIMAL(10,2)");
}

TEST(TableDeclarationsTest, AnEmptyObjectDeclaresNothing) {
  auto tables = ParseTableDeclarations("{}", "tables.json");
  ASSERT_TRUE(tables.ok()) << tables.status();
  EXPECT_TRUE(tables->empty());
}

struct BadTables {
  const char* json;
  std::string expected;  ///< the whole message after "tables.json: "
};

TEST(TableDeclarationsTest, MistakesNameTheFileTableColumnAndKey) {
  const BadTables cases[] = {
      {R"({"main.default.t": [{"name": "id", "type": "BIGINT"}, {"name": "name",
           "type": "STRING", "nullable": "no"}]})",
       R"(table "main.default.t", column 2 ("name"): "nullable" must be true or false, not "no")"},
      {R"({"main.default.t": [{"name": "id", "type": 5}]})",
       R"(table "main.default.t", column 1 ("id"): "type" must be a string such as "BIGINT", not 5)"},
      {R"({"main.default.t": [{"name": "id"}]})",
       R"(table "main.default.t", column 1 ("id"): "type" is missing (a string such as "BIGINT"))"},
      {R"({"main.default.t": [{"type": "INT"}]})",
       R"(table "main.default.t", column 1: "name" is missing (a non-empty string))"},
      {R"({"main.default.t": [{"name": "", "type": "INT"}]})",
       R"(table "main.default.t", column 1: "name" must be a non-empty string, not "")"},
      {R"({"main.default.t": [{"name": ["id"], "type": "INT"}]})",
       R"(table "main.default.t", column 1: "name" must be a non-empty string, not ["id"])"},
      {R"({"main.default.t": [{"name": "id", "type": "INT", "nulable": false}]})",
       R"(table "main.default.t", column 1 ("id"): unknown key "nulable" (known: name, type, nullable))"},
      {R"({"main.default.t": [{"name": "id", "type": "INT"}, {"name": "ID", "type": "INT"}]})",
       R"(table "main.default.t", column 2 ("ID"): duplicate of column 1 ("id") (column names are case-insensitive))"},
      {R"({"main.default.t": [{"name": "id", "type": "INT"}, "name"]})",
       R"(table "main.default.t", column 2: must be an object {"name", "type", "nullable"}, not "name")"},
      {R"({"main.default.t": {"name": "id", "type": "INT"}})",
       R"(table "main.default.t": the columns must be a non-empty array of {"name", "type", "nullable"}, not {"name":"id","type":"INT"})"},
      {R"({"main.default.t": []})",
       R"(table "main.default.t": the columns must be a non-empty array of {"name", "type", "nullable"}, not [])"},
      {R"({"t": [{"name": "id", "type": "INT"}]})",
       "table \"t\": table name 't' must have exactly 3 parts: catalog.schema.table"},
      {R"({"": [{"name": "id", "type": "INT"}]})",
       "table \"\": table name '' must have exactly 3 parts: catalog.schema.table"},
      {R"({"main.default.": [{"name": "id", "type": "INT"}]})",
       "table \"main.default.\": table name 'main.default.' has an empty table name"},
      {R"([{"name": "id", "type": "INT"}])",
       R"(must be a JSON object keyed by table name (catalog.schema.table), not [{"name":"id","type":"INT"}])"},
      {"{\"main.default.t\": [\n  {\"name\": \"id\", \"type\": \"INT\"},\n]}",
       "not valid JSON: parse error at line 3, column 1: syntax error while parsing value - "
       "unexpected ']'; expected '[', '{', or a literal"},
      {"",
       "not valid JSON: parse error at line 1, column 1: syntax error while parsing value - "
       "unexpected end of input; expected '[', '{', or a literal"},
  };
  for (const BadTables& bad : cases) {
    SCOPED_TRACE(bad.json);
    Result<TableDeclarations> tables = ConfigurationError("not parsed");
    ASSERT_NO_THROW(tables = ParseTableDeclarations(bad.json, "tables.json"));
    ASSERT_FALSE(tables.ok());
    EXPECT_EQ(tables.status().kind(), ErrorKind::kConfiguration);
    EXPECT_EQ(tables.status().message(), "tables.json: " + bad.expected);
  }
}

TEST(TableDeclarationsTest, AnUnknownTypeIsRefusedWithTheParseError) {
  for (const char* type : {"BIGGINT", "DECIMAL(10", "ARRAY<INT", "MAP<STRING>", ""}) {
    SCOPED_TRACE(type);
    const std::string json =
        std::string(R"({"main.default.t": [{"name": "x", "type": ")") + type + R"("}]})";
    auto tables = ParseTableDeclarations(json, "tables.json");
    ASSERT_FALSE(tables.ok());
    const auto parse_error = ParseUcType(type);
    ASSERT_FALSE(parse_error.ok());
    EXPECT_EQ(tables.status().message(), R"(tables.json: table "main.default.t", column 1 ("x"): )"
                                         R"("type": )" +
                                             parse_error.status().message());
  }
}

TEST(TableDeclarationsTest, BytesThatAreNotUtf8AreRefusedNotThrown) {
  // A byte that is not UTF-8 inside a string: the document is refused as JSON, nothing throws.
  const std::string json = R"({"main.default.t": [{"name": "id", "type": "INT", "nullable": )"
                           "\"\xff\"}]}";
  Result<TableDeclarations> tables = ConfigurationError("not parsed");
  ASSERT_NO_THROW(tables = ParseTableDeclarations(json, "tables.json"));
  ASSERT_FALSE(tables.ok());
  EXPECT_THAT(tables.status().message(), HasSubstr("tables.json: not valid JSON"));
}

TEST(TableDeclarationsTest, LongValuesAreShortenedInTheMessage) {
  const std::string long_name(200, 'n');
  auto tables = ParseTableDeclarations(
      R"({"main.default.t": [{"name": "id", "type": "INT", "nullable": ")" + long_name + R"("}]})",
      "tables.json");
  ASSERT_FALSE(tables.ok());
  EXPECT_THAT(tables.status().message(), HasSubstr("not \"nnnn"));
  EXPECT_THAT(tables.status().message(), HasSubstr("..."));
  EXPECT_LT(tables.status().message().size(), 200u);
}

}  // namespace
}  // namespace arrow_zerobus::emulator
