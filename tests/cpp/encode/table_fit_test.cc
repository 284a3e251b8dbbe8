// schema_source: table. A caller's batch fitted to the Arrow schema of a Unity Catalog table
// (PlanTableFit + FitToTable): every value lands converted to the table's column type, each value
// that does not fit fails its row with a row error naming row, column, value and the table's
// type, columns are matched by name ignoring case and put in table order, and a batch already of
// the table's types passes through without a copy.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <arrow/array.h>
#include <arrow/buffer.h>
#include <arrow/builder.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <arrow/util/decimal.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "encode/canonical_cast.h"
#include "encode/row_error.h"
#include "encode/table_fit.h"
#include "schema/uc_arrow_schema.h"
#include "schema/uc_descriptor.h"
#include "testing/arrow_builders.h"
#include "testing/canonical_batch_checks.h"

namespace arrow_zerobus::encode {
namespace {

using arrow_zerobus::testing::ArrayFromJson;
using arrow_zerobus::testing::MakeBatch;
using schema::UcColumn;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ArrayPtr = std::shared_ptr<arrow::Array>;

std::shared_ptr<arrow::Field> F(const std::string& name, std::shared_ptr<arrow::DataType> type,
                                bool nullable = true) {
  return arrow::field(name, std::move(type), nullable);
}

// ---------------------------------------------------------------------------------------------
// Tables as Unity Catalog serves them

/// The TableInfo type_json of a column: a Spark StructField whose type is `spark_type` (JSON: a
/// quoted name such as "\"byte\"" or an object for complex types).
std::string TypeJson(const std::string& name, const std::string& spark_type, bool nullable) {
  return R"({"name":")" + name + R"(","type":)" + spark_type + R"(,"nullable":)" +
         (nullable ? "true" : "false") + R"(,"metadata":{}})";
}

/// A primitive column as TableInfo lists it. `spark` is Spark's JSON name ("byte", "integer",
/// "decimal(10,2)"); type_name and type_text are what Unity Catalog puts beside it.
UcColumn Col(const std::string& name, const std::string& spark, bool nullable = true) {
  struct Names {
    const char* spark;
    const char* text;
    const char* type_name;
  };
  static const Names kNames[] = {
      {"byte", "tinyint", "BYTE"},
      {"short", "smallint", "SHORT"},
      {"integer", "int", "INT"},
      {"long", "bigint", "LONG"},
      {"float", "float", "FLOAT"},
      {"double", "double", "DOUBLE"},
      {"boolean", "boolean", "BOOLEAN"},
      {"string", "string", "STRING"},
      {"binary", "binary", "BINARY"},
      {"date", "date", "DATE"},
      {"timestamp", "timestamp", "TIMESTAMP"},
      {"timestamp_ntz", "timestamp_ntz", "TIMESTAMP_NTZ"},
      {"variant", "variant", "VARIANT"},
  };
  UcColumn column;
  column.name = name;
  column.nullable = nullable;
  column.type_json = TypeJson(name, "\"" + spark + "\"", nullable);
  if (spark.rfind("decimal", 0) == 0) {
    column.type_text = spark;  // "decimal(10,2)"
    column.type_name = "DECIMAL";
    return column;
  }
  for (const Names& n : kNames) {
    if (spark == n.spark) {
      column.type_text = n.text;
      column.type_name = n.type_name;
      return column;
    }
  }
  throw std::invalid_argument("no such Spark type in the test table: " + spark);
}

/// A complex column (ARRAY, MAP, STRUCT): its Spark type as a JSON object.
UcColumn Complex(const std::string& name, const std::string& type_name,
                 const std::string& type_text, const std::string& spark_type,
                 bool nullable = true) {
  UcColumn column;
  column.name = name;
  column.type_name = type_name;
  column.type_text = type_text;
  column.type_json = TypeJson(name, spark_type, nullable);
  column.nullable = nullable;
  return column;
}

/// The table's Arrow schema, the columns at the positions of their order here.
std::shared_ptr<arrow::Schema> Table(std::vector<UcColumn> columns) {
  for (size_t i = 0; i < columns.size(); ++i) columns[i].position = static_cast<int64_t>(i);
  auto table = schema::ArrowSchemaFromUcColumns(columns);
  if (!table.ok()) throw std::runtime_error("bad test table: " + table.status().ToString());
  return *table;
}

// ---------------------------------------------------------------------------------------------
// Fitting and checking

/// Plans `batch`'s schema against `table` and fits the batch; either failing fails the test.
CanonicalBatch FitOk(const std::shared_ptr<arrow::Schema>& table,
                     const std::shared_ptr<arrow::RecordBatch>& batch,
                     const TableFitOptions& options = {}) {
  auto fit = PlanTableFit(batch->schema(), table, options);
  EXPECT_TRUE(fit.ok()) << fit.status();
  if (!fit.ok()) return {};
  auto out = FitToTable(*fit, *batch);
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  arrow_zerobus::testing::ExpectEveryRowAccountedFor(*out, *table, batch->num_rows());
  return std::move(out).value();
}

/// The ConfigurationError of planning `source` against `table` (OK fails the test).
Status PlanError(const std::shared_ptr<arrow::Schema>& source,
                 const std::shared_ptr<arrow::Schema>& table, const TableFitOptions& options = {}) {
  auto fit = PlanTableFit(source, table, options);
  EXPECT_FALSE(fit.ok()) << "planning " << source->ToString() << " succeeded";
  if (fit.ok()) return Status::OK();
  EXPECT_EQ(fit.status().kind(), ErrorKind::kConfiguration) << fit.status();
  return fit.status();
}

/// A batch of one column named `name`.
std::shared_ptr<arrow::RecordBatch> OneColumn(const std::string& name, const ArrayPtr& values) {
  return MakeBatch({F(name, values->type())}, {values});
}

void ExpectColumn(const CanonicalBatch& out, const std::string& name, const ArrayPtr& expected) {
  ASSERT_NE(out.batch, nullptr);
  const ArrayPtr actual = out.batch->GetColumnByName(name);
  ASSERT_NE(actual, nullptr) << "no column '" << name << "' in " << out.batch->schema()->ToString();
  EXPECT_TRUE(actual->Equals(*expected)) << "column '" << name << "'\nactual " << actual->ToString()
                                         << "\nexpected " << expected->ToString();
}

/// The one row error of `row`, checked in full: its column, kind and exact message.
void ExpectRowError(const CanonicalBatch& out, int64_t row, const std::string& column,
                    RowErrorKind kind, const std::string& cause) {
  const RowError* found = nullptr;
  for (const RowError& e : out.errors) {
    if (e.row == row) found = &e;
  }
  ASSERT_NE(found, nullptr) << "row " << row << " did not fail";
  EXPECT_EQ(found->column, column);
  EXPECT_EQ(RowErrorKindName(found->kind), RowErrorKindName(kind));
  EXPECT_EQ(found->message, "row " + std::to_string(row) + ", column '" + column + "': " + cause);
}

std::vector<int64_t> FailedRows(const CanonicalBatch& out) {
  std::vector<int64_t> rows;
  for (const RowError& e : out.errors) rows.push_back(e.row);
  return rows;
}

std::shared_ptr<arrow::Buffer> Validity(const std::vector<bool>& valid) {
  arrow::BooleanBuilder b;
  for (bool v : valid) EXPECT_TRUE(b.Append(v).ok());
  return b.Finish().ValueOrDie()->data()->buffers[1];
}

int64_t NullCount(const std::vector<bool>& valid) {
  int64_t nulls = 0;
  for (bool v : valid) nulls += v ? 0 : 1;
  return nulls;
}

/// A list<values' type> of `offsets` and `values` whose null lists (`valid` false) may still
/// cover values: what Arrow allows and what nothing reads.
ArrayPtr ListWithHiddenValues(const std::vector<int32_t>& offsets, const ArrayPtr& values,
                              const std::vector<bool>& valid) {
  const int64_t n = static_cast<int64_t>(offsets.size()) - 1;
  return arrow::MakeArray(arrow::ArrayData::Make(
      arrow::list(values->type()), n,
      {Validity(valid), arrow::Buffer::FromVector(std::vector<int32_t>(offsets))}, {values->data()},
      NullCount(valid)));
}

// Instants used below, in seconds since the epoch.
constexpr int64_t k2024Jan1 = 1704067200;   // 2024-01-01T00:00:00Z, day 19723
constexpr int64_t k2024Jul1 = 1719792000;   // 2024-07-01T00:00:00Z
constexpr int64_t k2024Feb29 = 1709164800;  // 2024-02-29T00:00:00Z, day 19782
constexpr int64_t kMicros = 1000000;
constexpr int64_t kHour = 3600;

// ---------------------------------------------------------------------------------------------
// 1. Integers

TEST(TableFitTest, IntegersLandInEveryIntegerColumnAndEachOverflowFailsOnlyItsRow) {
  const auto table =
      Table({Col("t", "byte"), Col("s", "short"), Col("i", "integer"), Col("b", "long")});
  // Rows 0 and 1 hold each column's minimum and maximum; rows 2 to 6 one overflow each.
  auto batch = MakeBatch(
      {F("t", arrow::int32()), F("s", arrow::int32()), F("i", arrow::int64()),
       F("b", arrow::uint64())},
      {ArrayFromJson(arrow::int32(), "[-128, 127, 128, 0, 0, 0, -129, null]"),
       ArrayFromJson(arrow::int32(), "[-32768, 32767, 0, -32769, 0, 0, 0, null]"),
       ArrayFromJson(arrow::int64(), "[-2147483648, 2147483647, 0, 0, 2147483648, 0, 0, null]"),
       ArrayFromJson(arrow::uint64(),
                     "[0, 9223372036854775807, 1, 1, 1, 9223372036854775808, 1, null]")});
  const CanonicalBatch out = FitOk(table, batch);

  EXPECT_THAT(FailedRows(out), ElementsAre(2, 3, 4, 5, 6));
  ExpectRowError(out, 2, "t", RowErrorKind::kIntegerOverflow,
                 "int32 value 128 is out of range for TINYINT");
  ExpectRowError(out, 3, "s", RowErrorKind::kIntegerOverflow,
                 "int32 value -32769 is out of range for SMALLINT");
  ExpectRowError(out, 4, "i", RowErrorKind::kIntegerOverflow,
                 "int64 value 2147483648 is out of range for INT");
  ExpectRowError(out, 5, "b", RowErrorKind::kIntegerOverflow,
                 "uint64 value 9223372036854775808 is out of range for BIGINT");
  ExpectRowError(out, 6, "t", RowErrorKind::kIntegerOverflow,
                 "int32 value -129 is out of range for TINYINT");
  EXPECT_THAT(out.kept_rows, ElementsAre(0, 1, 7));

  ExpectColumn(out, "t", ArrayFromJson(arrow::int8(), "[-128, 127, null]"));
  ExpectColumn(out, "s", ArrayFromJson(arrow::int16(), "[-32768, 32767, null]"));
  ExpectColumn(out, "i", ArrayFromJson(arrow::int32(), "[-2147483648, 2147483647, null]"));
  ExpectColumn(out, "b", ArrayFromJson(arrow::int64(), "[0, 9223372036854775807, null]"));
}

TEST(TableFitTest, Int32ExtremesWidenIntoBigint) {
  const auto table = Table({Col("b", "long", /*nullable=*/false)});
  const CanonicalBatch out =
      FitOk(table, OneColumn("b", ArrayFromJson(arrow::int32(), "[-2147483648, 2147483647, 0]")));
  EXPECT_TRUE(out.errors.empty());
  ExpectColumn(out, "b", ArrayFromJson(arrow::int64(), "[-2147483648, 2147483647, 0]"));
}

TEST(TableFitTest, Uint64AboveInt64MaxFailsItsBigintRow) {
  const auto table = Table({Col("b", "long")});
  const CanonicalBatch out =
      FitOk(table, OneColumn("b", ArrayFromJson(arrow::uint64(),
                                                "[18446744073709551615, 9223372036854775807]")));
  EXPECT_THAT(FailedRows(out), ElementsAre(0));
  ExpectRowError(out, 0, "b", RowErrorKind::kIntegerOverflow,
                 "uint64 value 18446744073709551615 is out of range for BIGINT");
  EXPECT_THAT(out.kept_rows, ElementsAre(1));
  ExpectColumn(out, "b", ArrayFromJson(arrow::int64(), "[9223372036854775807]"));
}

// ---------------------------------------------------------------------------------------------
// 2. Floating point

TEST(TableFitTest, Int64IntoDoubleKeepsExactValuesAndFailsTheOnesItWouldRound) {
  const auto table = Table({Col("d", "double")});
  const CanonicalBatch out = FitOk(
      table, OneColumn("d", ArrayFromJson(arrow::int64(),
                                          "[9007199254740992, 9007199254740993, -9007199254740992, "
                                          "-9007199254740993, 9223372036854775807, null]")));
  EXPECT_THAT(FailedRows(out), ElementsAre(1, 3, 4));
  ExpectRowError(out, 1, "d", RowErrorKind::kPrecisionLoss,
                 "int64 value 9007199254740993 is not exactly representable as DOUBLE");
  ExpectRowError(out, 3, "d", RowErrorKind::kPrecisionLoss,
                 "int64 value -9007199254740993 is not exactly representable as DOUBLE");
  ExpectRowError(out, 4, "d", RowErrorKind::kPrecisionLoss,
                 "int64 value 9223372036854775807 is not exactly representable as DOUBLE");
  ExpectColumn(out, "d",
               ArrayFromJson(arrow::float64(), "[9007199254740992, -9007199254740992, null]"));
}

TEST(TableFitTest, Int32IntoFloatFailsAboveTwoToThe24th) {
  const auto table = Table({Col("f", "float")});
  const CanonicalBatch out =
      FitOk(table, OneColumn("f", ArrayFromJson(arrow::int32(), "[16777216, 16777217, -3]")));
  EXPECT_THAT(FailedRows(out), ElementsAre(1));
  ExpectRowError(out, 1, "f", RowErrorKind::kPrecisionLoss,
                 "int32 value 16777217 is not exactly representable as FLOAT");
  ExpectColumn(out, "f", ArrayFromJson(arrow::float32(), "[16777216, -3]"));
}

TEST(TableFitTest, Float32WidensIntoDoubleExactly) {
  const auto table = Table({Col("d", "double")});
  auto values = ArrayFromJson(arrow::float32(), "[0.1, -3.4e38, 1.5, null]");
  const CanonicalBatch out = FitOk(table, OneColumn("d", values));
  EXPECT_TRUE(out.errors.empty());
  const auto& floats = static_cast<const arrow::FloatArray&>(*values);
  const auto& doubles = static_cast<const arrow::DoubleArray&>(*out.batch->column(0));
  ASSERT_EQ(doubles.length(), 4);
  for (int64_t i = 0; i < 3; ++i) {
    EXPECT_EQ(doubles.Value(i), static_cast<double>(floats.Value(i))) << "row " << i;
  }
  EXPECT_NE(doubles.Value(0), 0.1);  // the float's value, not the decimal text's
  EXPECT_TRUE(doubles.IsNull(3));
}

TEST(TableFitTest, Float64IntoFloatIsRefusedAtPlanTimeNamingTheColumn) {
  const auto table = Table({Col("f", "float")});
  const Status error = PlanError(arrow::schema({F("f", arrow::float64())}), table);
  EXPECT_THAT(error.message(), HasSubstr("'f'"));
  EXPECT_THAT(error.message(), HasSubstr("double"));
  EXPECT_THAT(error.message(), HasSubstr("FLOAT"));
}

// ---------------------------------------------------------------------------------------------
// 3. Timestamps

TEST(TableFitTest, ZonedNanosecondsLandInTimestampAsUtcMicrosFlooredDown) {
  const auto table = Table({Col("ts", "timestamp")});
  const std::string instants =
      "[" + std::to_string(k2024Jan1 * 1000000000 + 123456789) + ", -1, -1001, 999, null]";
  const CanonicalBatch out = FitOk(
      table,
      OneColumn("ts", ArrayFromJson(arrow::timestamp(arrow::TimeUnit::NANO, "America/New_York"),
                                    instants)));
  EXPECT_TRUE(out.errors.empty());
  ExpectColumn(
      out, "ts",
      ArrayFromJson(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"),
                    "[" + std::to_string(k2024Jan1 * kMicros + 123456) + ", -1, -2, 0, null]"));
}

TEST(TableFitTest, NaiveSecondsLandInTimestampReadAsUtc) {
  const auto table = Table({Col("ts", "timestamp")});
  const CanonicalBatch out =
      FitOk(table, OneColumn("ts", ArrayFromJson(arrow::timestamp(arrow::TimeUnit::SECOND),
                                                 "[" + std::to_string(k2024Jan1) + ", -1, null]")));
  EXPECT_TRUE(out.errors.empty());
  ExpectColumn(out, "ts",
               ArrayFromJson(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"),
                             "[" + std::to_string(k2024Jan1 * kMicros) + ", -1000000, null]"));
}

TEST(TableFitTest, ZonedTimestampsLandInTimestampNtzAsTheirLocalWallClock) {
  const auto table = Table({Col("ntz", "timestamp_ntz")});
  // 2024-01-01T05:00Z is midnight in New York (EST, -5h); 2024-07-01T04:00Z too (EDT, -4h).
  const std::string instants = "[" + std::to_string((k2024Jan1 + 5 * kHour) * kMicros) + ", " +
                               std::to_string((k2024Jul1 + 4 * kHour) * kMicros + 7) + ", null]";
  const CanonicalBatch out = FitOk(
      table,
      OneColumn("ntz", ArrayFromJson(arrow::timestamp(arrow::TimeUnit::MICRO, "America/New_York"),
                                     instants)));
  EXPECT_TRUE(out.errors.empty());
  ExpectColumn(out, "ntz",
               ArrayFromJson(arrow::timestamp(arrow::TimeUnit::MICRO),
                             "[" + std::to_string(k2024Jan1 * kMicros) + ", " +
                                 std::to_string(k2024Jul1 * kMicros + 7) + ", null]"));
}

TEST(TableFitTest, SecondsThatOverflowMicrosecondsFailTheirTimestampRow) {
  const auto table = Table({Col("ts", "timestamp")});
  // INT64_MAX microseconds is 9223372036854.775807 seconds.
  const CanonicalBatch out =
      FitOk(table, OneColumn("ts", ArrayFromJson(arrow::timestamp(arrow::TimeUnit::SECOND),
                                                 "[9223372036855, -9223372036855, 0]")));
  EXPECT_THAT(FailedRows(out), ElementsAre(0, 1));
  ExpectRowError(
      out, 0, "ts", RowErrorKind::kTimestampOverflow,
      "timestamp[s] value 9223372036855 overflows a 64-bit count of microseconds (TIMESTAMP)");
  ExpectRowError(
      out, 1, "ts", RowErrorKind::kTimestampOverflow,
      "timestamp[s] value -9223372036855 overflows a 64-bit count of microseconds (TIMESTAMP)");
  EXPECT_THAT(out.kept_rows, ElementsAre(2));
  ExpectColumn(out, "ts", ArrayFromJson(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"), "[0]"));
}

// Delta's DATE and TIMESTAMP hold the years 1 to 9999: a value beyond fails its row only.
TEST(TableFitTest, DatesAndTimestampsBeyondTheYearsDeltaHoldsFailTheirRows) {
  const auto table = Table({Col("d", "date"), Col("ts", "timestamp")});
  // 9999-12-31 and 10000-01-01; 0001-01-01 and the day before.
  const CanonicalBatch out = FitOk(
      table,
      MakeBatch(
          {F("d", arrow::date32()), F("ts", arrow::timestamp(arrow::TimeUnit::SECOND))},
          {ArrayFromJson(arrow::date32(), "[2932896, 2932897, -719162, 0]"),
           ArrayFromJson(arrow::timestamp(arrow::TimeUnit::SECOND), "[0, 0, 0, -62135596801]")}));
  EXPECT_THAT(FailedRows(out), ElementsAre(1, 3));
  ExpectRowError(out, 1, "d", RowErrorKind::kTimestampOverflow,
                 "date32[day] value 2932897 is outside the range of DATE, 0001-01-01 to "
                 "9999-12-31");
  ExpectRowError(out, 3, "ts", RowErrorKind::kTimestampOverflow,
                 "timestamp[s] value -62135596801 is outside the range of TIMESTAMP, 0001-01-01 "
                 "to 9999-12-31");
  ExpectColumn(out, "d", ArrayFromJson(arrow::date32(), "[2932896, -719162]"));
}

TEST(TableFitTest, Date32LandsInTimestampAsMidnightUtc) {
  const auto table = Table({Col("ts", "timestamp"), Col("ntz", "timestamp_ntz")});
  auto days = ArrayFromJson(arrow::date32(), "[19723, -1, null]");
  const CanonicalBatch out =
      FitOk(table, MakeBatch({F("ts", arrow::date32()), F("ntz", arrow::date32())}, {days, days}));
  EXPECT_TRUE(out.errors.empty());
  const std::string micros = "[" + std::to_string(k2024Jan1 * kMicros) + ", -86400000000, null]";
  ExpectColumn(out, "ts", ArrayFromJson(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"), micros));
  ExpectColumn(out, "ntz", ArrayFromJson(arrow::timestamp(arrow::TimeUnit::MICRO), micros));
}

// ---------------------------------------------------------------------------------------------
// 4. Dates

TEST(TableFitTest, TimestampsIntoDateNeedTruncateToDate) {
  const auto table = Table({Col("d", "date")});
  for (const auto& type : {arrow::timestamp(arrow::TimeUnit::SECOND),
                           arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")}) {
    SCOPED_TRACE(type->ToString());
    const Status error = PlanError(arrow::schema({F("d", type)}), table);
    EXPECT_THAT(error.message(), HasSubstr("'d'"));
    EXPECT_THAT(error.message(), HasSubstr("DATE"));
    EXPECT_THAT(error.message(), HasSubstr("truncate_to_date"));
  }
}

TEST(TableFitTest, TruncateToDateFloorsTimestampsToTheirDay) {
  const auto table = Table({Col("b", "date"), Col("c", "date")});
  TableFitOptions options;
  options.truncate_to_date = true;
  // 1969-12-31T23:00Z, 2024-02-29T12:00Z, the epoch, null.
  const std::string seconds = "[-3600, " + std::to_string(k2024Feb29 + 12 * kHour) + ", 0, null]";
  // New York local days: 1970-01-01T03:00Z is 1969-12-31 there, 2024-01-01T03:00Z 2023-12-31.
  const std::string zoned = "[10800, " + std::to_string(k2024Jan1 + 3 * kHour) + ", " +
                            std::to_string(k2024Jan1 + 5 * kHour) + ", null]";
  const CanonicalBatch out = FitOk(
      table,
      MakeBatch(
          {F("b", arrow::timestamp(arrow::TimeUnit::SECOND)),
           F("c", arrow::timestamp(arrow::TimeUnit::SECOND, "America/New_York"))},
          {ArrayFromJson(arrow::timestamp(arrow::TimeUnit::SECOND), seconds),
           ArrayFromJson(arrow::timestamp(arrow::TimeUnit::SECOND, "America/New_York"), zoned)}),
      options);
  EXPECT_TRUE(out.errors.empty());
  ExpectColumn(out, "b", ArrayFromJson(arrow::date32(), "[-1, 19782, 0, null]"));
  ExpectColumn(out, "c", ArrayFromJson(arrow::date32(), "[-1, 19722, 19723, null]"));
}

// A date64 is a whole day (Arrow's validation refuses one with a time of day): no setting needed.
TEST(TableFitTest, Date64LandsInDateWithoutTruncateToDate) {
  const auto table = Table({Col("a", "date")});
  const TableFitOptions options;
  const CanonicalBatch whole_days = FitOk(
      table,
      OneColumn("a", ArrayFromJson(arrow::date64(),
                                   "[-86400000, " + std::to_string(k2024Feb29 * 1000) + ", null]")),
      options);
  EXPECT_TRUE(whole_days.errors.empty());
  ExpectColumn(whole_days, "a", ArrayFromJson(arrow::date32(), "[-1, 19782, null]"));

  // A date64 with a time of day is not valid Arrow data; read unvalidated, it is floored too.
  auto with_time = OneColumn(
      "a", ArrayFromJson(arrow::date64(),
                         "[-3600000, " + std::to_string((k2024Feb29 + 12 * kHour) * 1000) + "]"));
  auto fit = PlanTableFit(with_time->schema(), table, options);
  ASSERT_TRUE(fit.ok()) << fit.status();
  auto validated = FitToTable(*fit, *with_time);
  ASSERT_FALSE(validated.ok());
  EXPECT_EQ(validated.status().kind(), ErrorKind::kConversion);
  EXPECT_THAT(validated.status().message(), HasSubstr("whole number of days"));
  CastOptions unvalidated;
  unvalidated.validate = false;
  auto out = FitToTable(*fit, *with_time, unvalidated);
  ASSERT_TRUE(out.ok()) << out.status();
  arrow_zerobus::testing::ExpectEveryRowAccountedFor(*out, *table, 2);
  ExpectColumn(*out, "a", ArrayFromJson(arrow::date32(), "[-1, 19782]"));
}

TEST(TableFitTest, AZoneUnknownToArrowIsRefusedAtPlanTimeForLocalTimeColumns) {
  const auto mars = arrow::timestamp(arrow::TimeUnit::MICRO, "Mars/Olympus");
  TableFitOptions options;
  options.truncate_to_date = true;
  for (const char* column_type : {"timestamp_ntz", "date"}) {
    SCOPED_TRACE(column_type);
    const Status error =
        PlanError(arrow::schema({F("t", mars)}), Table({Col("t", column_type)}), options);
    EXPECT_EQ(error.kind(), ErrorKind::kConfiguration);
    EXPECT_THAT(error.message(), HasSubstr("'t'"));
    EXPECT_THAT(error.message(), HasSubstr("Mars/Olympus"));
  }
  // TIMESTAMP needs only the instant, which the zone does not change.
  auto fit = PlanTableFit(arrow::schema({F("t", mars)}), Table({Col("t", "timestamp")}), options);
  EXPECT_TRUE(fit.ok()) << fit.status();
}

TEST(TableFitTest, ZonedTimestampsWhoseLocalTimeLeavesSixtyFourBitsFailTheirRows) {
  const auto table =
      Table({Col("ntz", "timestamp_ntz"), Col("d", "date"), Col("tokyo", "timestamp_ntz")});
  TableFitOptions options;
  options.truncate_to_date = true;
  const auto new_york = arrow::timestamp(arrow::TimeUnit::MICRO, "America/New_York");
  const auto tokyo = arrow::timestamp(arrow::TimeUnit::MICRO, "Asia/Tokyo");
  // New York is behind UTC: the least instant has no local time there, the greatest one has;
  // Tokyo is ahead: the greatest has none.
  auto instants = ArrayFromJson(new_york, "[-9223372036854775807, 9223372036854775807, 0]");
  const CanonicalBatch out =
      FitOk(table,
            MakeBatch({F("ntz", new_york), F("d", new_york), F("tokyo", tokyo)},
                      {instants, instants,
                       ArrayFromJson(tokyo, "[0, 9223372036854775807, " +
                                                std::to_string(k2024Jan1 * kMicros) + "]")}),
            options);
  EXPECT_THAT(FailedRows(out), ElementsAre(0, 1));
  // Row 1's New York local time exists but lies beyond 9999, which fails it first.
  const std::string cause = " overflows a 64-bit count of microseconds in the local time of '";
  ExpectRowError(out, 0, "ntz", RowErrorKind::kTimestampOverflow,
                 "timestamp[us, tz=America/New_York] value -9223372036854775807" + cause +
                     "America/New_York' (TIMESTAMP_NTZ)");
  ExpectRowError(out, 1, "ntz", RowErrorKind::kTimestampOverflow,
                 "timestamp[us, tz=America/New_York] value 9223372036854775807 is outside the "
                 "range of TIMESTAMP_NTZ, 0001-01-01 to 9999-12-31");
  ExpectColumn(out, "ntz",
               ArrayFromJson(arrow::timestamp(arrow::TimeUnit::MICRO), "[-18000000000]"));
  ExpectColumn(out, "d", ArrayFromJson(arrow::date32(), "[-1]"));
  ExpectColumn(out, "tokyo",
               ArrayFromJson(arrow::timestamp(arrow::TimeUnit::MICRO),
                             "[" + std::to_string((k2024Jan1 + 9 * kHour) * kMicros) + "]"));
}

TEST(TableFitTest, ALeapDayRoundTripsAsDate32) {
  const auto table = Table({Col("d", "date")});
  auto days = ArrayFromJson(arrow::date32(), "[19782, 19783, null]");  // 2024-02-29, 03-01
  const CanonicalBatch out = FitOk(table, OneColumn("d", days));
  EXPECT_TRUE(out.errors.empty());
  EXPECT_TRUE(out.zero_copy);
  ExpectColumn(out, "d", ArrayFromJson(arrow::date32(), "[19782, 19783, null]"));
}

// ---------------------------------------------------------------------------------------------
// 5. Text parsed into typed columns

TableFitOptions ParseStrings() {
  TableFitOptions options;
  options.parse_strings = true;
  return options;
}

TEST(TableFitTest, TextParsesIntoIntAndTextThatIsNoNumberFailsItsRow) {
  const auto table = Table({Col("n", "integer")});
  const CanonicalBatch out = FitOk(
      table,
      OneColumn("n", ArrayFromJson(arrow::utf8(), R"(["42", " 7 ", "abc", null, "-2147483648"])")),
      ParseStrings());
  EXPECT_THAT(FailedRows(out), ElementsAre(2));
  ExpectRowError(out, 2, "n", RowErrorKind::kNotConvertible, "text 'abc' is not a valid INT");
  EXPECT_THAT(out.kept_rows, ElementsAre(0, 1, 3, 4));
  ExpectColumn(out, "n", ArrayFromJson(arrow::int32(), "[42, 7, null, -2147483648]"));
}

TEST(TableFitTest, TextOutOfTinyintRangeFailsWithIntegerOverflow) {
  const auto table = Table({Col("t", "byte")});
  const CanonicalBatch out =
      FitOk(table, OneColumn("t", ArrayFromJson(arrow::large_utf8(), R"(["300", "-128", "127"])")),
            ParseStrings());
  EXPECT_THAT(FailedRows(out), ElementsAre(0));
  ExpectRowError(out, 0, "t", RowErrorKind::kIntegerOverflow,
                 "text '300' is out of range for TINYINT");
  ExpectColumn(out, "t", ArrayFromJson(arrow::int8(), "[-128, 127]"));
}

TEST(TableFitTest, TextParsesIntoDateAndAnImpossibleDayFailsItsRow) {
  const auto table = Table({Col("d", "date")});
  const CanonicalBatch out = FitOk(
      table,
      OneColumn("d", ArrayFromJson(arrow::utf8(), R"(["2024-02-29", "2024-02-30", "1969-12-31"])")),
      ParseStrings());
  EXPECT_THAT(FailedRows(out), ElementsAre(1));
  ExpectRowError(out, 1, "d", RowErrorKind::kNotConvertible,
                 "text '2024-02-30' is not a valid DATE: DATE text is YYYY-MM-DD");
  ExpectColumn(out, "d", ArrayFromJson(arrow::date32(), "[19782, -1]"));
}

TEST(TableFitTest, IsoTextWithAnOffsetLandsInTimestampAsItsUtcInstant) {
  const auto table = Table({Col("ts", "timestamp")});
  const CanonicalBatch out =
      FitOk(table, OneColumn("ts", ArrayFromJson(arrow::utf8(), R"(["2024-01-01T12:00:00+02:00",
                                                       "2024-01-01T12:00:00",
                                                       "2024-01-01", "noon"])")),
            ParseStrings());
  EXPECT_THAT(FailedRows(out), ElementsAre(3));
  ExpectRowError(out, 3, "ts", RowErrorKind::kNotConvertible,
                 "text 'noon' is not a valid TIMESTAMP: ISO 8601 text is "
                 "YYYY-MM-DD[THH:MM[:SS[.ffffff]]][Z|+HH:MM]");
  ExpectColumn(out, "ts",
               ArrayFromJson(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"),
                             "[" + std::to_string((k2024Jan1 + 10 * kHour) * kMicros) + ", " +
                                 std::to_string((k2024Jan1 + 12 * kHour) * kMicros) + ", " +
                                 std::to_string(k2024Jan1 * kMicros) + "]"));
}

TEST(TableFitTest, IsoTextWithAnOffsetFailsItsTimestampNtzRow) {
  const auto table = Table({Col("ntz", "timestamp_ntz")});
  const CanonicalBatch out =
      FitOk(table, OneColumn("ntz", ArrayFromJson(arrow::utf8(), R"(["2024-01-01T12:00:00+02:00",
                                                        "2024-01-01T12:00:00",
                                                        "2024-01-01T12:00:00Z"])")),
            ParseStrings());
  EXPECT_THAT(FailedRows(out), ElementsAre(0, 2));
  ExpectRowError(out, 0, "ntz", RowErrorKind::kNotConvertible,
                 "text '2024-01-01T12:00:00+02:00' is not a valid TIMESTAMP_NTZ: it names a UTC "
                 "offset, and TIMESTAMP_NTZ holds local times without one");
  ExpectRowError(out, 2, "ntz", RowErrorKind::kNotConvertible,
                 "text '2024-01-01T12:00:00Z' is not a valid TIMESTAMP_NTZ: it names a UTC "
                 "offset, and TIMESTAMP_NTZ holds local times without one");
  ExpectColumn(out, "ntz",
               ArrayFromJson(arrow::timestamp(arrow::TimeUnit::MICRO),
                             "[" + std::to_string((k2024Jan1 + 12 * kHour) * kMicros) + "]"));
}

TEST(TableFitTest, DecimalTextLandsExactlyAndDigitsBeyondTheScaleFailTheRow) {
  const auto table = Table({Col("amount", "decimal(10,2)")});
  const CanonicalBatch out = FitOk(
      table,
      OneColumn("amount", ArrayFromJson(arrow::utf8(), R"(["12.345", "12.34", "-0.5", "12.340",
                                                           "123456789.00", "x"])")),
      ParseStrings());
  EXPECT_THAT(FailedRows(out), ElementsAre(0, 4, 5));
  ExpectRowError(out, 0, "amount", RowErrorKind::kPrecisionLoss,
                 "decimal 12.345 has digits beyond the scale 2 of DECIMAL(10,2)");
  ExpectRowError(out, 4, "amount", RowErrorKind::kDecimalOverflow,
                 "decimal 123456789.00 has more digits than the 10 of DECIMAL(10,2)");
  ExpectRowError(out, 5, "amount", RowErrorKind::kNotConvertible,
                 "text 'x' is not a valid DECIMAL(10,2)");
  ExpectColumn(out, "amount",
               ArrayFromJson(arrow::decimal128(10, 2), R"(["12.34", "-0.50", "12.34"])"));
}

TEST(TableFitTest, TextBeyondTheRangeOfFloatFailsItsRow) {
  TableFitOptions options;
  options.parse_strings = true;
  const CanonicalBatch out = FitOk(
      Table({Col("f", "float")}),
      OneColumn("f", ArrayFromJson(arrow::utf8(), R"(["1.5", "1e40", "-1e40", "inf", null])")),
      options);
  ExpectColumn(out, "f", ArrayFromJson(arrow::float32(), "[1.5, Infinity, null]"));
  ASSERT_EQ(out.errors.size(), 2u);
  ExpectRowError(out, 1, "f", RowErrorKind::kPrecisionLoss,
                 "text '1e40' is beyond the range of FLOAT");
  ExpectRowError(out, 2, "f", RowErrorKind::kPrecisionLoss,
                 "text '-1e40' is beyond the range of FLOAT");
}

TEST(TableFitTest, TextParsesIntoBoolean) {
  const auto table = Table({Col("flag", "boolean")});
  const CanonicalBatch out =
      FitOk(table,
            OneColumn("flag",
                      ArrayFromJson(arrow::utf8(), R"(["true", "0", "false", "1", "yes", null])")),
            ParseStrings());
  EXPECT_THAT(FailedRows(out), ElementsAre(4));
  ExpectRowError(out, 4, "flag", RowErrorKind::kNotConvertible,
                 "text 'yes' is not a valid BOOLEAN");
  ExpectColumn(out, "flag", ArrayFromJson(arrow::boolean(), "[true, false, false, true, null]"));
}

TEST(TableFitTest, TextIntoTypedColumnsWithoutParseStringsIsAConfigurationError) {
  const auto table = Table({Col("n", "integer")});
  const Status error = PlanError(arrow::schema({F("n", arrow::utf8())}), table);
  EXPECT_THAT(error.message(), HasSubstr("'n'"));
  EXPECT_THAT(error.message(), HasSubstr("INT"));
  EXPECT_THAT(error.message(), HasSubstr("parse_strings"));
}

// ---------------------------------------------------------------------------------------------
// 6. Decimals

TEST(TableFitTest, NarrowerDecimalsAreRescaledIntoTheColumnsScale) {
  const auto table = Table({Col("amount", "decimal(10,2)")});
  const CanonicalBatch out =
      FitOk(table, OneColumn("amount", ArrayFromJson(arrow::decimal128(5, 1),
                                                     R"(["1234.5", "-0.5", "9999.9", null])")));
  EXPECT_TRUE(out.errors.empty());
  ExpectColumn(out, "amount",
               ArrayFromJson(arrow::decimal128(10, 2), R"(["1234.50", "-0.50", "9999.90", null])"));
}

TEST(TableFitTest, DecimalDigitsBeyondTheColumnsScaleFailWithPrecisionLoss) {
  const auto table = Table({Col("amount", "decimal(10,2)")});
  const CanonicalBatch out = FitOk(
      table, OneColumn("amount",
                       ArrayFromJson(arrow::decimal128(10, 3), R"(["1.234", "1.230", "-0.001"])")));
  EXPECT_THAT(FailedRows(out), ElementsAre(0, 2));
  ExpectRowError(out, 0, "amount", RowErrorKind::kPrecisionLoss,
                 "decimal 1.234 has digits beyond the scale 2 of DECIMAL(10,2)");
  ExpectRowError(out, 2, "amount", RowErrorKind::kPrecisionLoss,
                 "decimal -0.001 has digits beyond the scale 2 of DECIMAL(10,2)");
  ExpectColumn(out, "amount", ArrayFromJson(arrow::decimal128(10, 2), R"(["1.23"])"));
}

TEST(TableFitTest, DecimalsWithMoreDigitsThanThePrecisionFailWithDecimalOverflow) {
  const auto table = Table({Col("amount", "decimal(10,2)")});
  const CanonicalBatch out = FitOk(
      table, OneColumn("amount", ArrayFromJson(arrow::decimal128(20, 0),
                                               R"(["12345678901", "12345678", "-99999999"])")));
  EXPECT_THAT(FailedRows(out), ElementsAre(0));
  ExpectRowError(out, 0, "amount", RowErrorKind::kDecimalOverflow,
                 "decimal 12345678901 has more digits than the 10 of DECIMAL(10,2)");
  ExpectColumn(out, "amount",
               ArrayFromJson(arrow::decimal128(10, 2), R"(["12345678.00", "-99999999.00"])"));
}

TEST(TableFitTest, Decimal256AndDecimal32And64LandInDecimal128) {
  const auto table = Table(
      {Col("wide", "decimal(10,2)"), Col("d32", "decimal(10,2)"), Col("d64", "decimal(10,2)")});
  const CanonicalBatch out = FitOk(
      table,
      MakeBatch({F("wide", arrow::decimal256(40, 2)), F("d32", arrow::decimal32(5, 2)),
                 F("d64", arrow::decimal64(12, 3))},
                {ArrayFromJson(arrow::decimal256(40, 2),
                               R"(["12.34", "99999999.99", "100000000.00", null])"),
                 ArrayFromJson(arrow::decimal32(5, 2), R"(["1.50", "-999.99", "0.01", null])"),
                 ArrayFromJson(arrow::decimal64(12, 3),
                               R"(["-7.250", "12345678.000", "0.000", "1.001"])")}));
  EXPECT_THAT(FailedRows(out), ElementsAre(2, 3));
  ExpectRowError(out, 2, "wide", RowErrorKind::kDecimalOverflow,
                 "decimal 100000000.00 has more digits than the 10 of DECIMAL(10,2)");
  ExpectRowError(out, 3, "d64", RowErrorKind::kPrecisionLoss,
                 "decimal 1.001 has digits beyond the scale 2 of DECIMAL(10,2)");
  ExpectColumn(out, "wide", ArrayFromJson(arrow::decimal128(10, 2), R"(["12.34", "99999999.99"])"));
  ExpectColumn(out, "d32", ArrayFromJson(arrow::decimal128(10, 2), R"(["1.50", "-999.99"])"));
  ExpectColumn(out, "d64", ArrayFromJson(arrow::decimal128(10, 2), R"(["-7.25", "12345678.00"])"));
}

TEST(TableFitTest, IntegersLandInDecimalUpToItsPrecision) {
  const auto table = Table({Col("amount", "decimal(10,2)")});
  const CanonicalBatch out = FitOk(
      table, OneColumn("amount",
                       ArrayFromJson(arrow::int64(), "[99999999, 100000000, -99999999, 0, null]")));
  EXPECT_THAT(FailedRows(out), ElementsAre(1));
  ExpectRowError(out, 1, "amount", RowErrorKind::kDecimalOverflow,
                 "decimal 100000000 has more digits than the 10 of DECIMAL(10,2)");
  ExpectColumn(
      out, "amount",
      ArrayFromJson(arrow::decimal128(10, 2), R"(["99999999.00", "-99999999.00", "0.00", null])"));
}

TEST(TableFitTest, DecimalAtTheScaleLimitLandsAndOneMoreDigitOverflows) {
  const auto table = Table({Col("p", "decimal(38,38)")});
  const std::string nines = "0.99999999999999999999999999999999999999";  // 38 nines
  const std::string tiny = "-0.00000000000000000000000000000000000001";
  const CanonicalBatch wide =
      FitOk(table, OneColumn("p", ArrayFromJson(arrow::decimal256(38, 38),
                                                "[\"" + nines + "\", \"" + tiny + "\", null]")));
  EXPECT_TRUE(wide.errors.empty());
  ExpectColumn(
      wide, "p",
      ArrayFromJson(arrow::decimal128(38, 38), "[\"" + nines + "\", \"" + tiny + "\", null]"));

  // 1 needs one digit before the point: 39 digits at scale 38.
  const CanonicalBatch one =
      FitOk(table, OneColumn("p", ArrayFromJson(arrow::decimal128(38, 37),
                                                R"(["1.0000000000000000000000000000000000000",
                                              "0.1234567890123456789012345678901234567"])")));
  EXPECT_THAT(FailedRows(one), ElementsAre(0));
  ExpectRowError(one, 0, "p", RowErrorKind::kDecimalOverflow,
                 "decimal 1.0000000000000000000000000000000000000 has more digits than the 38 of "
                 "DECIMAL(38,38)");
  ExpectColumn(
      one, "p",
      ArrayFromJson(arrow::decimal128(38, 38), R"(["0.12345678901234567890123456789012345670"])"));

  const CanonicalBatch ints = FitOk(table, OneColumn("p", ArrayFromJson(arrow::int8(), "[0, 1]")));
  EXPECT_THAT(FailedRows(ints), ElementsAre(1));
  ExpectRowError(ints, 1, "p", RowErrorKind::kDecimalOverflow,
                 "decimal 1 has more digits than the 38 of DECIMAL(38,38)");
}

/// A decimal array of `type` holding `unscaled` values.
ArrayPtr Decimal256s(const std::shared_ptr<arrow::DataType>& type,
                     const std::vector<arrow::Decimal256>& unscaled) {
  arrow::Decimal256Builder builder(type);
  for (const auto& v : unscaled) EXPECT_TRUE(builder.Append(v).ok());
  return builder.Finish().ValueOrDie();
}

TEST(TableFitTest, DecimalsTooLargeForTheColumnOverflowWhateverTheirWidth) {
  const auto table = Table({Col("amount", "decimal(38,2)")});
  const std::string nines(76, '9');
  const std::string five = "5" + std::string(75, '0');
  const CanonicalBatch out = FitOk(
      table, OneColumn("amount", ArrayFromJson(arrow::decimal256(76, 0),
                                               "[\"" + nines + "\", \"" + five + "\", \"1\"]")));
  EXPECT_THAT(FailedRows(out), ElementsAre(0, 1));
  ExpectRowError(out, 0, "amount", RowErrorKind::kDecimalOverflow,
                 "decimal " + nines + " has more digits than the 38 of DECIMAL(38,2)");
  ExpectRowError(out, 1, "amount", RowErrorKind::kDecimalOverflow,
                 "decimal " + five + " has more digits than the 38 of DECIMAL(38,2)");
  ExpectColumn(out, "amount", ArrayFromJson(arrow::decimal128(38, 2), R"(["1.00"])"));
}

TEST(TableFitTest, DecimalScalesBeyondSeventySixDigitsAreJudgedWithoutRescaling) {
  const auto table = Table({Col("amount", "decimal(38,2)")});
  // Scale -80: 1 is 1E+80; scale 80: 1 is 1E-80. Zero is zero at any scale.
  const CanonicalBatch up =
      FitOk(table, OneColumn("amount", Decimal256s(arrow::decimal256(5, -80),
                                                   {arrow::Decimal256(0), arrow::Decimal256(1)})));
  EXPECT_THAT(FailedRows(up), ElementsAre(1));
  ExpectRowError(up, 1, "amount", RowErrorKind::kDecimalOverflow,
                 "decimal 1E+80 has more digits than the 38 of DECIMAL(38,2)");
  ExpectColumn(up, "amount", ArrayFromJson(arrow::decimal128(38, 2), R"(["0.00"])"));

  const CanonicalBatch down =
      FitOk(table, OneColumn("amount", Decimal256s(arrow::decimal256(5, 80),
                                                   {arrow::Decimal256(1), arrow::Decimal256(0)})));
  EXPECT_THAT(FailedRows(down), ElementsAre(0));
  ExpectRowError(down, 0, "amount", RowErrorKind::kPrecisionLoss,
                 "decimal 1E-80 has digits beyond the scale 2 of DECIMAL(38,2)");
  ExpectColumn(down, "amount", ArrayFromJson(arrow::decimal128(38, 2), R"(["0.00"])"));
}

TEST(TableFitTest, DecimalTextWithExponentsIsJudgedByItsValue) {
  const auto table = Table({Col("amount", "decimal(10,2)")});
  const CanonicalBatch out = FitOk(
      table,
      OneColumn("amount",
                ArrayFromJson(arrow::utf8(), R"(["1.5E+3", "1e-90", "0e-200", "125E-2", "1e-3"])")),
      ParseStrings());
  EXPECT_THAT(FailedRows(out), ElementsAre(1, 4));
  ExpectRowError(out, 1, "amount", RowErrorKind::kPrecisionLoss,
                 "decimal 1E-90 has digits beyond the scale 2 of DECIMAL(10,2)");
  ExpectRowError(out, 4, "amount", RowErrorKind::kPrecisionLoss,
                 "decimal 0.001 has digits beyond the scale 2 of DECIMAL(10,2)");
  ExpectColumn(out, "amount",
               ArrayFromJson(arrow::decimal128(10, 2), R"(["1500.00", "0.00", "1.25"])"));
}

TEST(TableFitTest, DecimalColumnDeclaredOnlyByTypeTextKeepsItsPrecisionAndScale) {
  UcColumn column;
  column.name = "amount";
  column.type_name = "DECIMAL";
  column.type_text = "decimal(10,2)";
  const auto table = Table({column});
  EXPECT_TRUE(table->field(0)->type()->Equals(*arrow::decimal128(10, 2)));
  EXPECT_EQ(schema::TableTypeOf(*table->field(0)), "DECIMAL(10,2)");
  const CanonicalBatch out =
      FitOk(table, OneColumn("amount", ArrayFromJson(arrow::decimal128(4, 1), R"(["12.3"])")));
  ExpectColumn(out, "amount", ArrayFromJson(arrow::decimal128(10, 2), R"(["12.30"])"));
}

// ---------------------------------------------------------------------------------------------
// 7. VARIANT

TEST(TableFitTest, JsonTextLandsInVariantUnchangedAndTextThatIsNotJsonFailsItsRow) {
  const auto table = Table({Col("v", "variant")});
  ASSERT_TRUE(schema::IsVariantField(*table->field(0)));
  const CanonicalBatch out =
      FitOk(table, OneColumn("v", ArrayFromJson(arrow::utf8(), R"(["{\"a\": [1, 2.5, null]}", "42",
                                                            "\"text\"", "{bad", null, "null"])")));
  EXPECT_THAT(FailedRows(out), ElementsAre(3));
  ExpectRowError(out, 3, "v", RowErrorKind::kNotConvertible,
                 "text '{bad' is not JSON, which a VARIANT column holds");
  ExpectColumn(out, "v", ArrayFromJson(arrow::large_utf8(), R"(["{\"a\": [1, 2.5, null]}", "42",
                                                                "\"text\"", null, "null"])"));
}

TEST(TableFitTest, TextThatIsNotUtf8FailsItsVariantRowAndIsDroppedWhereNoRowHoldsIt) {
  const auto table = Table({Complex(
      "s", "STRUCT", "struct<v:variant>",
      R"({"type":"struct","fields":[{"name":"v","type":"variant","nullable":true,"metadata":{}}]})")});
  arrow::StringBuilder text;
  for (const std::string v : {"{}", "\xff\xfe", "[1]", "\xc3\x28"}) {
    ASSERT_TRUE(text.Append(v).ok());
  }
  // Row 1's struct is null: its bad bytes are part of no row. Row 3's are sent.
  auto structs = arrow::StructArray::Make({text.Finish().ValueOrDie()}, {F("v", arrow::utf8())},
                                          Validity({true, false, true, true}))
                     .ValueOrDie();
  const CanonicalBatch out = FitOk(table, OneColumn("s", structs));  // checks the batch is valid
  EXPECT_THAT(FailedRows(out), ElementsAre(3));
  ExpectRowError(out, 3, "s.v", RowErrorKind::kInvalidUtf8,
                 "value of 2 bytes is not valid UTF-8 (string columns must hold UTF-8; send bytes "
                 "as binary)");
  const auto& kept = static_cast<const arrow::StructArray&>(*out.batch->column(0));
  ASSERT_EQ(kept.length(), 3);
  EXPECT_TRUE(kept.IsNull(1));
  const auto& values = static_cast<const arrow::LargeStringArray&>(*kept.field(0));
  EXPECT_EQ(values.GetView(0), "{}");
  EXPECT_EQ(values.GetView(2), "[1]");
}

TEST(TableFitTest, AnIntegerColumnIntoVariantIsAConfigurationError) {
  const auto table = Table({Col("v", "variant")});
  const Status error = PlanError(arrow::schema({F("v", arrow::int32())}), table);
  EXPECT_THAT(error.message(), HasSubstr("'v'"));
  EXPECT_THAT(error.message(), HasSubstr("VARIANT"));
}

// ---------------------------------------------------------------------------------------------
// 8. Names and shape

std::shared_ptr<arrow::Schema> PeopleTable() {
  return Table(
      {Col("id", "long", /*nullable=*/false), Col("name", "string"), Col("score", "double")});
}

TEST(TableFitTest, ColumnsInAnotherOrderAndCaseLandInTableOrderAndMissingOnesAreNull) {
  const auto table = PeopleTable();
  const CanonicalBatch out =
      FitOk(table, MakeBatch({F("NAME", arrow::utf8()), F("ID", arrow::int64(), false)},
                             {ArrayFromJson(arrow::utf8(), R"(["ann", null])"),
                              ArrayFromJson(arrow::int64(), "[1, 2]")}));
  EXPECT_TRUE(out.errors.empty());
  ASSERT_EQ(out.batch->num_columns(), 3);
  EXPECT_EQ(out.batch->schema()->field(0)->name(), "id");
  ExpectColumn(out, "id", ArrayFromJson(arrow::int64(), "[1, 2]"));
  ExpectColumn(out, "name", ArrayFromJson(arrow::large_utf8(), R"(["ann", null])"));
  ExpectColumn(out, "score", ArrayFromJson(arrow::float64(), "[null, null]"));
}

TEST(TableFitTest, PlanRecordsWhichCallerColumnFillsEachTableColumn) {
  const auto table = PeopleTable();
  auto fit =
      PlanTableFit(arrow::schema({F("Name", arrow::utf8()), F("id", arrow::int64())}), table, {});
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_THAT(fit->source_index, ElementsAre(1, 0, -1));
  EXPECT_TRUE(fit->dropped.empty());
  EXPECT_EQ(fit->table, table);
}

TEST(TableFitTest, ANotNullColumnTheBatchLacksIsAConfigurationErrorNamingIt) {
  const Status error = PlanError(arrow::schema({F("name", arrow::utf8())}), PeopleTable());
  EXPECT_THAT(error.message(), HasSubstr("'id'"));
  EXPECT_THAT(error.message(), HasSubstr("NOT NULL"));
}

TEST(TableFitTest, AColumnTheTableLacksIsRefusedUnlessDropExtraColumns) {
  const auto table = PeopleTable();
  auto batch =
      MakeBatch({F("id", arrow::int64()), F("extra", arrow::int32()), F("name", arrow::utf8())},
                {ArrayFromJson(arrow::int64(), "[7]"), ArrayFromJson(arrow::int32(), "[1]"),
                 ArrayFromJson(arrow::utf8(), R"(["bo"])")});
  const Status error = PlanError(batch->schema(), table);
  EXPECT_THAT(error.message(), HasSubstr("'extra'"));
  EXPECT_THAT(error.message(), HasSubstr("drop_extra_columns"));

  TableFitOptions options;
  options.drop_extra_columns = true;
  auto fit = PlanTableFit(batch->schema(), table, options);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_THAT(fit->dropped, ElementsAre("extra"));
  const CanonicalBatch out = FitOk(table, batch, options);
  EXPECT_TRUE(out.errors.empty());
  ASSERT_EQ(out.batch->num_columns(), 3);
  ExpectColumn(out, "id", ArrayFromJson(arrow::int64(), "[7]"));
  ExpectColumn(out, "name", ArrayFromJson(arrow::large_utf8(), R"(["bo"])"));
  ExpectColumn(out, "score", ArrayFromJson(arrow::float64(), "[null]"));
}

TEST(TableFitTest, BatchColumnsThatDifferOnlyInCaseAreAConfigurationErrorNamingBoth) {
  const auto table = Table({Col("a", "integer")});
  const Status error =
      PlanError(arrow::schema({F("a", arrow::int32()), F("A", arrow::int32())}), table);
  EXPECT_THAT(error.message(), HasSubstr("'a'"));
  EXPECT_THAT(error.message(), HasSubstr("'A'"));
  EXPECT_THAT(error.message(), HasSubstr("differ only in case"));
}

TEST(TableFitTest, NullsInANotNullColumnFailTheirRows) {
  const auto table = PeopleTable();
  const CanonicalBatch out =
      FitOk(table, MakeBatch({F("id", arrow::int32()), F("name", arrow::utf8())},
                             {ArrayFromJson(arrow::int32(), "[1, null, 3]"),
                              ArrayFromJson(arrow::utf8(), R"(["a", "b", "c"])")}));
  EXPECT_THAT(FailedRows(out), ElementsAre(1));
  ExpectRowError(out, 1, "id", RowErrorKind::kNullValue, "null in a non-nullable (required) field");
  ExpectColumn(out, "id", ArrayFromJson(arrow::int64(), "[1, 3]"));
  ExpectColumn(out, "name", ArrayFromJson(arrow::large_utf8(), R"(["a", "c"])"));
}

TEST(TableFitTest, ABatchOfAnotherSchemaThanPlannedIsAConversionError) {
  const auto table = PeopleTable();
  auto fit = PlanTableFit(arrow::schema({F("id", arrow::int64())}), table, {});
  ASSERT_TRUE(fit.ok()) << fit.status();
  auto other = OneColumn("id", ArrayFromJson(arrow::int32(), "[1]"));
  auto out = FitToTable(*fit, *other);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().kind(), ErrorKind::kConversion);
}

// ---------------------------------------------------------------------------------------------
// 9. Nested values

const char kStructJson[] = R"({"type":"struct","fields":[)"
                           R"({"name":"a","type":"integer","nullable":false,"metadata":{}},)"
                           R"({"name":"b","type":"string","nullable":true,"metadata":{}},)"
                           R"({"name":"c","type":"long","nullable":true,"metadata":{}}]})";

TEST(TableFitTest, StructMembersAreMatchedByNameIgnoringCaseReorderedAndWidened) {
  const auto table =
      Table({Complex("s", "STRUCT", "struct<a:int not null,b:string,c:bigint>", kStructJson)});
  auto source =
      arrow::struct_({F("B", arrow::utf8()), F("a", arrow::int8()), F("extra", arrow::int32())});
  auto batch = OneColumn("s", ArrayFromJson(source, R"([{"B": "x", "a": 1, "extra": 5},
                                     {"B": "y", "a": null, "extra": 6},
                                     null,
                                     {"B": null, "a": -128, "extra": null}])"));
  const Status error = PlanError(batch->schema(), table);
  EXPECT_THAT(error.message(), HasSubstr("'s.extra'"));
  EXPECT_THAT(error.message(), HasSubstr("drop_extra_columns"));

  TableFitOptions options;
  options.drop_extra_columns = true;
  auto fit = PlanTableFit(batch->schema(), table, options);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_THAT(fit->dropped, ElementsAre("s.extra"));

  const CanonicalBatch out = FitOk(table, batch, options);
  EXPECT_THAT(FailedRows(out), ElementsAre(1));
  ExpectRowError(out, 1, "s.a", RowErrorKind::kNullValue,
                 "null in a non-nullable (required) field");
  EXPECT_THAT(out.kept_rows, ElementsAre(0, 2, 3));
  ExpectColumn(out, "s",
               ArrayFromJson(table->field(0)->type(),
                             R"([{"a": 1, "b": "x", "c": null},
                                           null,
                                           {"a": -128, "b": null, "c": null}])"));
}

TEST(TableFitTest, AMissingNotNullStructMemberIsAConfigurationError) {
  const auto table =
      Table({Complex("s", "STRUCT", "struct<a:int not null,b:string,c:bigint>", kStructJson)});
  const Status error =
      PlanError(arrow::schema({F("s", arrow::struct_({F("b", arrow::utf8())}))}), table);
  EXPECT_THAT(error.message(), HasSubstr("'s.a'"));
  EXPECT_THAT(error.message(), HasSubstr("NOT NULL"));
}

TEST(TableFitTest, AHiddenMemberValueUnderANullStructDoesNotFailItsRow) {
  const auto table = Table({Complex(
      "t", "STRUCT", "struct<v:tinyint>",
      R"({"type":"struct","fields":[{"name":"v","type":"byte","nullable":true,"metadata":{}}]})")});
  auto members = ArrayFromJson(arrow::int32(), "[5, 300, 7, 1000]");
  auto structs = arrow::StructArray::Make({members}, {F("v", arrow::int32())},
                                          Validity({true, false, true, true}))
                     .ValueOrDie();
  const CanonicalBatch out = FitOk(table, OneColumn("t", structs));
  // Row 1's 300 is under a null struct: nothing sends it. Row 3's 1000 is sent.
  EXPECT_THAT(FailedRows(out), ElementsAre(3));
  ExpectRowError(out, 3, "t.v", RowErrorKind::kIntegerOverflow,
                 "int32 value 1000 is out of range for TINYINT");
  ExpectColumn(out, "t", ArrayFromJson(table->field(0)->type(), R"([{"v": 5}, null, {"v": 7}])"));
}

const char kArrayOfLong[] = R"({"type":"array","elementType":"long","containsNull":true})";

TEST(TableFitTest, ListsOfNarrowerIntegersLandInArrayOfBigint) {
  const auto table = Table({Complex("xs", "ARRAY", "array<bigint>", kArrayOfLong),
                            Complex("ys", "ARRAY", "array<bigint>", kArrayOfLong)});
  const auto large = arrow::large_list(arrow::int16());
  const CanonicalBatch out =
      FitOk(table, MakeBatch({F("xs", arrow::list(arrow::int32())), F("ys", large)},
                             {ArrayFromJson(arrow::list(arrow::int32()),
                                            "[[1, 2147483647], [], null, [-2147483648, null]]"),
                              ArrayFromJson(large, "[[-32768], [32767, 0], [null], null]")}));
  EXPECT_TRUE(out.errors.empty());
  const auto target = table->field(0)->type();
  ExpectColumn(out, "xs",
               ArrayFromJson(target, "[[1, 2147483647], [], null, [-2147483648, null]]"));
  ExpectColumn(out, "ys", ArrayFromJson(target, "[[-32768], [32767, 0], [null], null]"));
}

TEST(TableFitTest, MapsOfNarrowerValuesLandInMapOfStringToInt) {
  const auto table = Table({Complex(
      "m", "MAP", "map<string,int>",
      R"({"type":"map","keyType":"string","valueType":"integer","valueContainsNull":true})")});
  const auto source = arrow::map(arrow::utf8(), arrow::int8());
  const CanonicalBatch out =
      FitOk(table, OneColumn("m", ArrayFromJson(source, R"([[["a", 1], ["b", -128]], null, [],
                                                      [["c", null]]])")));
  EXPECT_TRUE(out.errors.empty());
  ExpectColumn(out, "m",
               ArrayFromJson(table->field(0)->type(),
                             R"([[["a", 1], ["b", -128]], null, [], [["c", null]]])"));
}

TEST(TableFitTest, AnElementOverflowInsideAnArrayFailsTheRowOfItsList) {
  const auto table =
      Table({Complex("arr", "ARRAY", "array<tinyint>",
                     R"({"type":"array","elementType":"byte","containsNull":true})")});
  // Lists: [1, 2], null (covering 3 and 300, which nothing reads), [4, 300], [5].
  auto lists = ListWithHiddenValues({0, 2, 4, 6, 7},
                                    ArrayFromJson(arrow::int32(), "[1, 2, 3, 300, 4, 300, 5]"),
                                    {true, false, true, true});
  const CanonicalBatch out = FitOk(table, OneColumn("arr", lists));
  EXPECT_THAT(FailedRows(out), ElementsAre(2));
  ExpectRowError(out, 2, "arr", RowErrorKind::kIntegerOverflow,
                 "int32 value 300 is out of range for TINYINT");
  EXPECT_THAT(out.kept_rows, ElementsAre(0, 1, 3));
  ExpectColumn(out, "arr", ArrayFromJson(table->field(0)->type(), "[[1, 2], null, [5]]"));
}

TEST(TableFitTest, StructsInsideAnArrayHaveTheirMembersMatchedByName) {
  const auto table = Table({Complex(
      "items", "ARRAY", "array<struct<x:int,y:string>>",
      R"({"type":"array","elementType":{"type":"struct","fields":[)"
      R"({"name":"x","type":"integer","nullable":true,"metadata":{}},)"
      R"({"name":"y","type":"string","nullable":true,"metadata":{}}]},"containsNull":true})")});
  const auto source = arrow::list(arrow::struct_({F("Y", arrow::utf8()), F("X", arrow::int64())}));
  const CanonicalBatch out =
      FitOk(table, OneColumn("items", ArrayFromJson(source, R"([[{"Y": "a", "X": 1}, null],
                                                          [{"Y": "b", "X": 2147483648}],
                                                          null,
                                                          [{"Y": null, "X": -5}]])")));
  EXPECT_THAT(FailedRows(out), ElementsAre(1));
  ExpectRowError(out, 1, "items[].x", RowErrorKind::kIntegerOverflow,
                 "int64 value 2147483648 is out of range for INT");
  ExpectColumn(out, "items",
               ArrayFromJson(table->field(0)->type(),
                             R"([[{"x": 1, "y": "a"}, null],
                                               null,
                                               [{"x": -5, "y": null}]])"));
}

TEST(TableFitTest, ASlicedBatchIsReadFromItsOffsetAndCountsRowsFromItsFirst) {
  const auto table = Table({Col("t", "byte"), Col("n", "integer"), Col("amount", "decimal(10,2)"),
                            Col("ntz", "timestamp_ntz"), Col("v", "variant")});
  const auto new_york = arrow::timestamp(arrow::TimeUnit::MICRO, "America/New_York");
  const std::string midnight = std::to_string((k2024Jan1 + 5 * kHour) * kMicros);
  auto batch =
      MakeBatch({F("t", arrow::int32()), F("n", arrow::utf8()),
                 F("amount", arrow::decimal128(5, 1)), F("ntz", new_york), F("v", arrow::utf8())},
                {ArrayFromJson(arrow::int32(), "[1000, 1, 2, 300, 4]"),
                 ArrayFromJson(arrow::utf8(), R"(["x", "10", "20", "30", "y"])"),
                 ArrayFromJson(arrow::decimal128(5, 1), R"(["0.1", "1.5", null, "2.5", "0.2"])"),
                 ArrayFromJson(new_york, "[0, " + midnight + ", null, 0, 0]"),
                 ArrayFromJson(arrow::utf8(), R"(["{", "1", "{bad", "3", "{"])")});
  const CanonicalBatch out = FitOk(table, batch->Slice(1, 3), ParseStrings());
  // Sliced rows: 0 (all fine), 1 (bad JSON), 2 (300 overflows TINYINT first).
  EXPECT_THAT(FailedRows(out), ElementsAre(1, 2));
  ExpectRowError(out, 1, "v", RowErrorKind::kNotConvertible,
                 "text '{bad' is not JSON, which a VARIANT column holds");
  ExpectRowError(out, 2, "t", RowErrorKind::kIntegerOverflow,
                 "int32 value 300 is out of range for TINYINT");
  ExpectColumn(out, "t", ArrayFromJson(arrow::int8(), "[1]"));
  ExpectColumn(out, "n", ArrayFromJson(arrow::int32(), "[10]"));
  ExpectColumn(out, "amount", ArrayFromJson(arrow::decimal128(10, 2), R"(["1.50"])"));
  ExpectColumn(out, "ntz",
               ArrayFromJson(arrow::timestamp(arrow::TimeUnit::MICRO),
                             "[" + std::to_string(k2024Jan1 * kMicros) + "]"));
  ExpectColumn(out, "v", ArrayFromJson(arrow::large_utf8(), R"(["1"])"));
}

// ---------------------------------------------------------------------------------------------
// 10. The no-conversion fast path

TEST(TableFitTest, ABatchAlreadyOfTheTablesTypesIsReturnedWithoutACopy) {
  const auto table = Table({
      Col("id", "integer", /*nullable=*/false),
      Col("name", "string"),
      Col("ts", "timestamp"),
      Col("ntz", "timestamp_ntz"),
      Col("day", "date"),
      Col("amount", "decimal(10,2)"),
      Col("flag", "boolean"),
      Col("score", "double"),
      Col("raw", "binary"),
      Col("v", "variant"),
      Complex("tags", "ARRAY", "array<bigint>", kArrayOfLong),
  });
  std::vector<ArrayPtr> columns = {
      ArrayFromJson(arrow::int32(), "[1, 2]"),
      ArrayFromJson(arrow::large_utf8(), R"(["a", null])"),
      ArrayFromJson(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"), "[0, null]"),
      ArrayFromJson(arrow::timestamp(arrow::TimeUnit::MICRO), "[1, 2]"),
      ArrayFromJson(arrow::date32(), "[19782, null]"),
      ArrayFromJson(arrow::decimal128(10, 2), R"(["1.25", null])"),
      ArrayFromJson(arrow::boolean(), "[true, null]"),
      ArrayFromJson(arrow::float64(), "[0.5, null]"),
      ArrayFromJson(arrow::large_binary(), R"(["ab", null])"),
      ArrayFromJson(arrow::large_utf8(), R"(["{}", null])"),
      ArrayFromJson(arrow::list(arrow::int64()), "[[1], null]"),
  };
  arrow::FieldVector fields;
  for (int i = 0; i < table->num_fields(); ++i) {
    fields.push_back(F(table->field(i)->name(), columns[i]->type()));
  }
  auto batch = MakeBatch(fields, columns);
  const CanonicalBatch out = FitOk(table, batch);
  EXPECT_TRUE(out.errors.empty());
  EXPECT_TRUE(out.zero_copy);
  ASSERT_EQ(out.batch->num_columns(), batch->num_columns());
  for (int i = 0; i < batch->num_columns(); ++i) {
    EXPECT_EQ(out.batch->column(i), batch->column(i)) << "column " << table->field(i)->name();
  }
}

TEST(TableFitTest, ABatchThatNeedsAConversionIsNotZeroCopy) {
  const auto table = Table({Col("id", "integer"), Col("n", "long")});
  auto batch =
      MakeBatch({F("id", arrow::int32()), F("n", arrow::int32())},
                {ArrayFromJson(arrow::int32(), "[1]"), ArrayFromJson(arrow::int32(), "[2]")});
  const CanonicalBatch out = FitOk(table, batch);
  EXPECT_FALSE(out.zero_copy);
  EXPECT_EQ(out.batch->column(0), batch->column(0));  // the int32 column is still the caller's
}

// ---------------------------------------------------------------------------------------------
// 11. Encoded layers and the null type

TEST(TableFitTest, ADictionaryOfStringsLandsDecodedInString) {
  const auto table = Table({Col("name", "string")});
  auto dict = arrow::DictionaryArray::FromArrays(arrow::dictionary(arrow::int8(), arrow::utf8()),
                                                 ArrayFromJson(arrow::int8(), "[0, 1, 0, null]"),
                                                 ArrayFromJson(arrow::utf8(), R"(["x", "y"])"))
                  .ValueOrDie();
  const CanonicalBatch out = FitOk(table, OneColumn("name", dict));
  EXPECT_TRUE(out.errors.empty());
  ExpectColumn(out, "name", ArrayFromJson(arrow::large_utf8(), R"(["x", "y", "x", null])"));
}

TEST(TableFitTest, ANullTypedColumnFillsANullableColumnWithNulls) {
  const auto table = Table({Col("id", "integer"), Col("note", "string")});
  auto batch = MakeBatch({F("id", arrow::int32()), F("note", arrow::null())},
                         {ArrayFromJson(arrow::int32(), "[1, 2, 3]"),
                          arrow::MakeArrayOfNull(arrow::null(), 3).ValueOrDie()});
  const CanonicalBatch out = FitOk(table, batch);
  EXPECT_TRUE(out.errors.empty());
  ExpectColumn(out, "note", ArrayFromJson(arrow::large_utf8(), "[null, null, null]"));
}

TEST(TableFitTest, ANullTypedColumnForANotNullColumnIsAConfigurationError) {
  const auto table = Table({Col("id", "integer", /*nullable=*/false)});
  const Status error = PlanError(arrow::schema({F("id", arrow::null())}), table);
  EXPECT_THAT(error.message(), HasSubstr("'id'"));
  EXPECT_THAT(error.message(), HasSubstr("NOT NULL"));
}

}  // namespace
}  // namespace arrow_zerobus::encode
