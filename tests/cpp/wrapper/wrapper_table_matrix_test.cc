// schema_source table, the matrix: for every Unity Catalog column type and every Arrow type that
// converts to it (src/encode/table_values.h), a batch of edge values (range limits, one overflow,
// nulls, zones, the leap day 2024-02-29, decimals at the scale limit) is sent to a table declared
// on the emulator, in both wire formats, and what landed is compared with values computed here,
// independently of the library's conversion code. Every value that cannot convert must fail its
// row (naming the row, the column, the value and the table's type) and every other row must land
// exactly once; the emulator checks what lands against the declared column types itself.
//
// Layout: each TEST_P covers one family of column types. A family is a list of TableCases (one
// declared table `id BIGINT NOT NULL, v <type>` each, one wrapper each, all on one emulator);
// a TableCase is a list of Cases (one batch each: a column `v` of one Arrow type) whose rows say
// what lands (rendered as text, see Render*) or which words the row's error must hold.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>
#include <gtest/gtest.h>

#include "arrow_zerobus/wrapper.h"
#include "schema/uc_descriptor.h"
#include "testing/arrow_builders.h"
#include "testing/emulator_fixture.h"
#include "testing/test_extension_type.h"
#include "testing/wrapper_fixture.h"
#include "unity_catalog_table.h"

namespace arrow_zerobus::testing {
namespace {

using ::testing::HasSubstr;
using ArrayPtr = std::shared_ptr<arrow::Array>;
using Type = arrow::Type;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

/// How a null (or an absent protobuf field) is rendered.
constexpr char kNull[] = "<null>";

// ---------------------------------------------------------------------------------------------
// Values computed here: calendar arithmetic, numbers as text

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t Days(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

constexpr int64_t kMicrosPerDay = 86'400'000'000LL;
const int64_t kLeapDay = Days(2024, 2, 29);  // 19782

/// Microseconds since the epoch of a wall-clock time (UTC, or no zone at all).
int64_t Micros(int64_t y, int64_t mo, int64_t d, int64_t h = 0, int64_t mi = 0, int64_t s = 0,
               int64_t us = 0) {
  return Days(y, mo, d) * kMicrosPerDay + ((h * 60 + mi) * 60 + s) * 1'000'000 + us;
}
int64_t Seconds(int64_t y, int64_t mo, int64_t d, int64_t h = 0, int64_t mi = 0, int64_t s = 0) {
  return Micros(y, mo, d, h, mi, s) / 1'000'000;
}

std::string Int128Text(__int128 v) {
  if (v == 0) return "0";
  const bool negative = v < 0;
  unsigned __int128 magnitude = negative ? -static_cast<unsigned __int128>(v) : v;
  std::string digits;
  for (; magnitude > 0; magnitude /= 10) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
  }
  return negative ? "-" + digits : digits;
}
std::string I(int64_t v) { return std::to_string(v); }

/// The shortest text that reads back as the same float (double).
template <typename T>
std::string FloatText(T v) {
  if (std::isnan(v)) return "nan";
  char text[64];
  auto [end, ec] = std::to_chars(text, text + sizeof(text), v);
  EXPECT_EQ(ec, std::errc());
  return std::string(text, end);
}
std::string F32(float v) { return FloatText(v); }
std::string F64(double v) { return FloatText(v); }

std::string Hex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out = "0x";
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string Repeat(char c, int n) { return std::string(static_cast<size_t>(n), c); }

// ---------------------------------------------------------------------------------------------
// Arrow input

ArrayPtr Json(const std::shared_ptr<arrow::DataType>& type, std::string_view json) {
  return ArrayFromJson(type, json);
}

/// An array built by appending `values` (nullopt: null) to a BuilderT made from `args`.
template <typename BuilderT, typename T, typename... Args>
ArrayPtr Build(const std::vector<std::optional<T>>& values, Args&&... args) {
  BuilderT builder(std::forward<Args>(args)...);
  for (const auto& v : values) {
    EXPECT_TRUE((v ? builder.Append(*v) : builder.AppendNull()).ok());
  }
  std::shared_ptr<arrow::Array> out;
  EXPECT_TRUE(builder.Finish(&out).ok());
  return out;
}

ArrayPtr Dictionary(const std::shared_ptr<arrow::DataType>& index_type,
                    const std::shared_ptr<arrow::DataType>& value_type, std::string_view indices,
                    std::string_view dictionary) {
  auto array =
      arrow::DictionaryArray::FromArrays(arrow::dictionary(index_type, value_type),
                                         Json(index_type, indices), Json(value_type, dictionary));
  EXPECT_TRUE(array.ok()) << array.status();
  return *array;
}

ArrayPtr RunEndEncoded(int64_t length, std::string_view run_ends,
                       const std::shared_ptr<arrow::DataType>& value_type,
                       std::string_view values) {
  auto array = arrow::RunEndEncodedArray::Make(length, Json(arrow::int32(), run_ends),
                                               Json(value_type, values));
  EXPECT_TRUE(array.ok()) << array.status();
  return *array;
}

/// Rows [offset, offset + length) of `array`: a view with an offset into the same buffers.
ArrayPtr Sliced(const ArrayPtr& array, int64_t offset, int64_t length) {
  return array->Slice(offset, length);
}

std::shared_ptr<arrow::DataType> Ts(arrow::TimeUnit::type unit, const std::string& zone = "") {
  return arrow::timestamp(unit, zone);
}
constexpr auto kS = arrow::TimeUnit::SECOND;
constexpr auto kMs = arrow::TimeUnit::MILLI;
constexpr auto kUs = arrow::TimeUnit::MICRO;
constexpr auto kNs = arrow::TimeUnit::NANO;

// ---------------------------------------------------------------------------------------------
// Expectations

/// What becomes of one row in one wire format.
struct Outcome {
  bool lands = false;
  std::string value;              ///< landed, rendered
  std::vector<std::string> says;  ///< the row error's message holds each of these
};

struct Expect {
  Outcome protobuf;
  Outcome arrow;
};

Expect Lands(const std::string& value) { return {{true, value, {}}, {true, value, {}}}; }
Expect Null() { return Lands(kNull); }
Expect Fails(std::vector<std::string> says) { return {{false, "", says}, {false, "", says}}; }
/// Null list elements and map values: protobuf cannot carry them, the Arrow format can.
Expect ProtobufFailsArrowLands(std::vector<std::string> says, const std::string& arrow_value) {
  return {{false, "", std::move(says)}, {true, arrow_value, {}}};
}
/// A null list or map: an empty repeated field in protobuf, a null in Arrow.
Expect NullCollection(const std::string& protobuf_value) {
  return {{true, protobuf_value, {}}, {true, kNull, {}}};
}

/// One batch: the column `column` holding `values`, and what each row must become.
struct Case {
  std::string label;
  ArrayPtr values;
  std::vector<Expect> rows;
  std::string column = "v";
};

/// One declared table `id BIGINT NOT NULL, v <type>`, and the batches sent to it.
struct TableCase {
  std::string type;
  /// Arrow format: the landed column's Arrow type (ToString): the canonical type of the table.
  std::string landed_type;
  std::vector<Case> cases;
  bool nullable = true;  ///< whether v is nullable
};

// ---------------------------------------------------------------------------------------------
// Landed values rendered as text, the same way in both formats: numbers in decimal (floats as
// the shortest text that reads back), DATE as days, TIMESTAMP as microseconds, STRING, DECIMAL
// and VARIANT as their text, BINARY as 0x<hex>, lists [a, b], maps {k: v} sorted by key, structs
// {member: value} in the table's order, nulls and absent fields <null>.

std::string Joined(const std::vector<std::string>& parts, const char* open, const char* close) {
  std::string out = open;
  for (size_t i = 0; i < parts.size(); ++i) out += (i > 0 ? ", " : "") + parts[i];
  return out + close;
}

std::string RenderArrow(const arrow::Array& array, int64_t i) {
  if (array.IsNull(i)) return kNull;
  switch (array.type_id()) {
    case Type::BOOL:
      return static_cast<const arrow::BooleanArray&>(array).Value(i) ? "true" : "false";
    case Type::INT8:
      return I(static_cast<const arrow::Int8Array&>(array).Value(i));
    case Type::INT16:
      return I(static_cast<const arrow::Int16Array&>(array).Value(i));
    case Type::INT32:
      return I(static_cast<const arrow::Int32Array&>(array).Value(i));
    case Type::INT64:
      return I(static_cast<const arrow::Int64Array&>(array).Value(i));
    case Type::DATE32:
      return I(static_cast<const arrow::Date32Array&>(array).Value(i));
    case Type::TIMESTAMP:
      return I(static_cast<const arrow::TimestampArray&>(array).Value(i));
    case Type::FLOAT:
      return F32(static_cast<const arrow::FloatArray&>(array).Value(i));
    case Type::DOUBLE:
      return F64(static_cast<const arrow::DoubleArray&>(array).Value(i));
    case Type::STRING:
      return std::string(static_cast<const arrow::StringArray&>(array).GetView(i));
    case Type::LARGE_STRING:
      return std::string(static_cast<const arrow::LargeStringArray&>(array).GetView(i));
    case Type::BINARY:
      return Hex(static_cast<const arrow::BinaryArray&>(array).GetView(i));
    case Type::LARGE_BINARY:
      return Hex(static_cast<const arrow::LargeBinaryArray&>(array).GetView(i));
    case Type::LIST: {
      const auto& list = static_cast<const arrow::ListArray&>(array);
      std::vector<std::string> elements;
      for (int64_t k = list.value_offset(i); k < list.value_offset(i + 1); ++k) {
        elements.push_back(RenderArrow(*list.values(), k));
      }
      return Joined(elements, "[", "]");
    }
    case Type::MAP: {
      const auto& map = static_cast<const arrow::MapArray&>(array);
      std::vector<std::string> entries;
      for (int64_t k = map.value_offset(i); k < map.value_offset(i + 1); ++k) {
        entries.push_back(RenderArrow(*map.keys(), k) + ": " + RenderArrow(*map.items(), k));
      }
      std::sort(entries.begin(), entries.end());
      return Joined(entries, "{", "}");
    }
    case Type::STRUCT: {
      const auto& structs = static_cast<const arrow::StructArray&>(array);
      std::vector<std::string> members;
      for (int k = 0; k < structs.num_fields(); ++k) {
        members.push_back(array.type()->field(k)->name() + ": " +
                          RenderArrow(*structs.field(k), i));
      }
      return Joined(members, "{", "}");
    }
    default:
      ADD_FAILURE() << "landed an Arrow type the table cannot have: " << array.type()->ToString();
      return "?";
  }
}

std::string RenderProtoField(const Message& message, const FieldDescriptor* field);

std::string RenderProtoMessage(const Message& message) {
  std::vector<std::string> members;
  const auto* type = message.GetDescriptor();
  for (int k = 0; k < type->field_count(); ++k) {
    members.push_back(std::string(type->field(k)->name()) + ": " +
                      RenderProtoField(message, type->field(k)));
  }
  return Joined(members, "{", "}");
}

/// The value of a singular field (index < 0) or element `index` of a repeated one.
std::string RenderProtoValue(const Message& message, const FieldDescriptor* field, int index) {
  const auto* r = message.GetReflection();
  const bool repeated = index >= 0;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return I(repeated ? r->GetRepeatedInt32(message, field, index) : r->GetInt32(message, field));
    case FieldDescriptor::CPPTYPE_INT64:
      return I(repeated ? r->GetRepeatedInt64(message, field, index) : r->GetInt64(message, field));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return F32(repeated ? r->GetRepeatedFloat(message, field, index)
                          : r->GetFloat(message, field));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return F64(repeated ? r->GetRepeatedDouble(message, field, index)
                          : r->GetDouble(message, field));
    case FieldDescriptor::CPPTYPE_BOOL:
      return (repeated ? r->GetRepeatedBool(message, field, index) : r->GetBool(message, field))
                 ? "true"
                 : "false";
    case FieldDescriptor::CPPTYPE_STRING: {
      const std::string text =
          repeated ? r->GetRepeatedString(message, field, index) : r->GetString(message, field);
      return field->type() == FieldDescriptor::TYPE_BYTES ? Hex(text) : text;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return RenderProtoMessage(repeated ? r->GetRepeatedMessage(message, field, index)
                                         : r->GetMessage(message, field));
    default:
      ADD_FAILURE() << "field " << field->full_name() << " has a type no column has";
      return "?";
  }
}

std::string RenderProtoField(const Message& message, const FieldDescriptor* field) {
  const auto* r = message.GetReflection();
  if (field->is_map()) {
    std::vector<std::string> entries;
    for (int k = 0; k < r->FieldSize(message, field); ++k) {
      const Message& entry = r->GetRepeatedMessage(message, field, k);
      const auto* type = entry.GetDescriptor();
      entries.push_back(RenderProtoValue(entry, type->map_key(), -1) + ": " +
                        RenderProtoValue(entry, type->map_value(), -1));
    }
    std::sort(entries.begin(), entries.end());
    return Joined(entries, "{", "}");
  }
  if (field->is_repeated()) {
    std::vector<std::string> elements;
    for (int k = 0; k < r->FieldSize(message, field); ++k) {
      elements.push_back(RenderProtoValue(message, field, k));
    }
    return Joined(elements, "[", "]");
  }
  if (!r->HasField(message, field)) return kNull;
  return RenderProtoValue(message, field, -1);
}

// ---------------------------------------------------------------------------------------------
// The fixture

class WrapperTableMatrixTest : public WireFormatTest {
 protected:
  void SetUp() override { emu_ = StartEmulator(); }

  /// A new table name on this test's emulator.
  std::string NewTable() { return "main.matrix.t" + std::to_string(tables_++); }

  WrapperConfiguration MatrixConfig(const std::string& table, bool parse_strings = true,
                                    bool truncate_to_date = true) const {
    WrapperConfiguration config = Config(*emu_, table);
    config.schema_source = "table";
    config.parse_strings = parse_strings;
    config.truncate_to_date = truncate_to_date;
    return config;
  }

  static std::vector<emulator::TableColumn> Columns(const std::string& type, bool nullable = true) {
    return {{"id", "BIGINT", false}, {"v", type, nullable}};
  }

  static int64_t Id(size_t c, size_t r) { return static_cast<int64_t>(c * 1000 + r); }

  /// Declares the table, sends every case, checks the results and then what landed.
  void Run(const TableCase& table) {
    const std::string name = NewTable();
    SCOPED_TRACE("table " + name + " (v " + table.type + ")");
    emu_->DeclareTable(name, Columns(table.type, table.nullable));
    auto wrapper = ZerobusWrapper::Create(MatrixConfig(name));
    ASSERT_TRUE(wrapper.ok()) << wrapper.status();

    std::map<int64_t, std::string> expected;  // id -> landed value
    std::map<int64_t, std::string> labels;    // id -> "case, row"
    for (size_t c = 0; c < table.cases.size(); ++c) {
      const Case& k = table.cases[c];
      SCOPED_TRACE(k.label);
      ASSERT_EQ(k.values->length(), static_cast<int64_t>(k.rows.size()));
      std::vector<std::optional<int64_t>> ids;
      for (size_t r = 0; r < k.rows.size(); ++r) ids.push_back(Id(c, r));
      auto batch = MakeBatch({arrow::field("id", arrow::int64(), /*nullable=*/false),
                              arrow::field(k.column, k.values->type())},
                             {Build<arrow::Int64Builder, int64_t>(ids), k.values});
      TransmissionResult result = (*wrapper)->send_batch(batch);
      ExpectEveryRowOnce(result);
      std::map<int64_t, const RowFailure*> failures;
      for (const RowFailure& failure : result.failed_rows) failures[failure.row] = &failure;
      for (size_t r = 0; r < k.rows.size(); ++r) {
        const Outcome& want = arrow() ? k.rows[r].arrow : k.rows[r].protobuf;
        const auto failed = failures.find(static_cast<int64_t>(r));
        labels[Id(c, r)] = k.label + ", row " + I(r);
        if (want.lands) {
          expected[Id(c, r)] = want.value;
          EXPECT_TRUE(failed == failures.end()) << "row " << r << " should land as " << want.value
                                                << " but failed: " << failed->second->error;
          continue;
        }
        if (failed == failures.end()) {
          ADD_FAILURE() << "row " << r << " should fail saying " << Joined(want.says, "", "")
                        << " but did not";
          continue;
        }
        const Status& error = failed->second->error;
        EXPECT_EQ(error.kind(), ErrorKind::kConversion) << "row " << r << ": " << error;
        EXPECT_THAT(error.message(), HasSubstr("row " + I(r) + ", ")) << "row " << r;
        EXPECT_THAT(error.message(), HasSubstr("column '" + k.column)) << "row " << r;
        for (const std::string& part : want.says) {
          EXPECT_THAT(error.message(), HasSubstr(part)) << "row " << r;
        }
      }
    }
    EXPECT_TRUE((*wrapper)->shutdown().ok());

    std::map<int64_t, std::vector<std::string>> landed = Landed(name, table);
    for (const auto& [id, value] : expected) {
      SCOPED_TRACE(labels[id]);
      const auto found = landed.find(id);
      if (found == landed.end()) {
        ADD_FAILURE() << "never landed; expected " << value;
        continue;
      }
      EXPECT_EQ(found->second, std::vector<std::string>{value});
    }
    for (const auto& [id, values] : landed) {
      EXPECT_TRUE(expected.count(id) > 0)
          << labels[id] << " landed (" << Joined(values, "", "") << ") though it failed";
    }
  }

  /// The values of column v landed in `table`, per id.
  std::map<int64_t, std::vector<std::string>> Landed(const std::string& name,
                                                     const TableCase& table) {
    std::map<int64_t, std::vector<std::string>> landed;
    if (arrow()) {
      for (const auto& batch : emu_->state().LandedBatches(name)) {
        const auto& ids = static_cast<const arrow::Int64Array&>(*batch->GetColumnByName("id"));
        const auto values = batch->GetColumnByName("v");
        EXPECT_EQ(values->type()->ToString(), table.landed_type);
        for (int64_t i = 0; i < batch->num_rows(); ++i) {
          landed[ids.Value(i)].push_back(RenderArrow(*values, i));
        }
      }
      return landed;
    }
    // Records read with the table's own descriptor, in a pool of the test's.
    auto info = emulator::UnityCatalogTableInfo(name, Columns(table.type, table.nullable));
    EXPECT_TRUE(info.ok()) << info.status();
    auto columns = schema::ParseUcTableColumns(info->dump());
    EXPECT_TRUE(columns.ok()) << columns.status();
    auto descriptor = schema::DescriptorFromUcColumns(*columns, "MatrixRow");
    EXPECT_TRUE(descriptor.ok()) << descriptor.status();
    google::protobuf::FileDescriptorProto file;
    file.set_name("matrix_row.proto");
    file.set_syntax("proto2");
    *file.add_message_type() = *descriptor;
    google::protobuf::DescriptorPool pool;
    const auto* built = pool.BuildFile(file);
    EXPECT_NE(built, nullptr);
    if (built == nullptr) return landed;
    const auto* type = built->message_type(0);
    google::protobuf::DynamicMessageFactory factory(&pool);
    for (const std::string& bytes : emu_->LandedRecords(name)) {
      std::unique_ptr<Message> record(factory.GetPrototype(type)->New());
      EXPECT_TRUE(record->ParseFromString(bytes));
      const int64_t id = record->GetReflection()->GetInt64(*record, type->FindFieldByName("id"));
      landed[id].push_back(RenderProtoField(*record, type->FindFieldByName("v")));
    }
    return landed;
  }

  std::unique_ptr<emulator::Emulator> emu_;
  int tables_ = 0;
};

// ---------------------------------------------------------------------------------------------
// TINYINT, SMALLINT, INT, BIGINT

struct IntegerRange {
  std::shared_ptr<arrow::DataType> type;
  __int128 min;
  __int128 max;
};

const std::vector<IntegerRange>& ArrowIntegers() {
  static const std::vector<IntegerRange> kTypes = {
      {arrow::int8(), INT8_MIN, INT8_MAX},    {arrow::int16(), INT16_MIN, INT16_MAX},
      {arrow::int32(), INT32_MIN, INT32_MAX}, {arrow::int64(), INT64_MIN, INT64_MAX},
      {arrow::uint8(), 0, UINT8_MAX},         {arrow::uint16(), 0, UINT16_MAX},
      {arrow::uint32(), 0, UINT32_MAX},       {arrow::uint64(), 0, UINT64_MAX},
  };
  return kTypes;
}

/// What an integer becomes in a column of range [lo, hi] called `type`.
Expect IntegerInto(__int128 v, __int128 lo, __int128 hi, const std::string& type) {
  if (v < lo || v > hi) return Fails({"value " + Int128Text(v), "out of range for " + type});
  return Lands(Int128Text(v));
}

TEST_P(WrapperTableMatrixTest, IntegerColumnsTakeEveryIntegerWidthAndFailWhatIsOutOfRange) {
  struct Column {
    const char* type;
    const char* landed;
    __int128 lo, hi;
  };
  for (const Column& column : std::vector<Column>{
           {"TINYINT", "int8", INT8_MIN, INT8_MAX},
           {"SMALLINT", "int16", INT16_MIN, INT16_MAX},
           {"INT", "int32", INT32_MIN, INT32_MAX},
           {"BIGINT", "int64", INT64_MIN, INT64_MAX},
       }) {
    TableCase table{column.type, column.landed, {}};
    auto into = [&](__int128 v) { return IntegerInto(v, column.lo, column.hi, column.type); };
    for (const IntegerRange& from : ArrowIntegers()) {
      // The Arrow type's limits, the column's limits and one beyond each (where the Arrow type
      // holds them), zero and a null.
      std::vector<__int128> values = {from.min, from.max, 0};
      for (__int128 v : {column.lo - 1, column.lo, column.hi, column.hi + 1}) {
        if (v >= from.min && v <= from.max) values.push_back(v);
      }
      std::sort(values.begin(), values.end());
      values.erase(std::unique(values.begin(), values.end()), values.end());
      Case c{from.type->ToString(), nullptr, {}};
      std::vector<std::string> texts;
      for (__int128 v : values) {
        texts.push_back(Int128Text(v));
        c.rows.push_back(into(v));
      }
      texts.push_back("null");
      c.rows.push_back(Null());
      c.values = Json(from.type, Joined(texts, "[", "]"));
      table.cases.push_back(std::move(c));
    }
    // Dictionary-encoded, run-end encoded and extension values convert as their values; the null
    // type fills the column with nulls; the batch's column named in another case.
    table.cases.push_back(
        {"dictionary<int16, int64>",
         Dictionary(arrow::int16(), arrow::int64(), "[0, 1, 2, 3, null, 1]",
                    "[100, 40000, 3000000000, -7]"),
         {into(100), into(40000), into(3000000000LL), into(-7), Null(), into(40000)}});
    table.cases.push_back({"run_end_encoded<int32, int64>",
                           RunEndEncoded(5, "[2, 4, 5]", arrow::int64(), "[5, 300, null]"),
                           {into(5), into(5), into(300), into(300), Null()}});
    table.cases.push_back(
        {"extension<uint16>",
         arrow::ExtensionType::WrapArray(std::make_shared<TestExtensionType>(arrow::uint16()),
                                         Json(arrow::uint16(), "[65535, 1, null]")),
         {into(65535), into(1), Null()}});
    table.cases.push_back({"null type", std::make_shared<arrow::NullArray>(2), {Null(), Null()}});
    table.cases.push_back(
        {"int8 named V", Json(arrow::int8(), "[-128, 127]"), {into(-128), into(127)}, "V"});
    // Slices: values read at an offset into buffers that hold more rows.
    table.cases.push_back(
        {"int64 sliced",
         Sliced(Json(arrow::int64(), "[1, 2, 40000, null, -7, 3000000000]"), 2, 4),
         {into(40000), Null(), into(-7), into(3000000000LL)}});
    // Only the dictionary entries rows point at are values of the batch.
    table.cases.push_back(
        {"dictionary<int8, int64> with an entry no row uses",
         Dictionary(arrow::int8(), arrow::int64(), "[0, 0, null]", "[5, 3000000000]"),
         {into(5), into(5), Null()}});
    table.cases.push_back(
        {"dictionary<int8, int64> sliced",
         Sliced(Dictionary(arrow::int8(), arrow::int64(), "[0, 1, 0, 1]", "[9, 300]"), 1, 3),
         {into(300), into(9), into(300)}});
    table.cases.push_back({"utf8 sliced (parse_strings)",
                           Sliced(Json(arrow::utf8(), R"(["x", "12", null])"), 1, 2),
                           {Lands("12"), Null()}});
    // Text with parse_strings: surrounding blanks are trimmed; what is not an integer fails.
    const std::string hi = Int128Text(column.hi);
    const std::string above = Int128Text(column.hi + 1);
    table.cases.push_back(
        {"utf8 (parse_strings)",
         Json(arrow::utf8(), R"([")" + hi + R"(", " -7 ", ")" + above + R"(", "1.5", "", null])"),
         {Lands(hi), Lands("-7"),
          column.hi == INT64_MAX
              ? Fails({"'" + above + "'", "not a valid BIGINT"})
              : Fails({"'" + above + "'", "out of range for " + std::string(column.type)}),
          Fails({"'1.5'", std::string("not a valid ") + column.type}),
          Fails({"''", std::string("not a valid ") + column.type}), Null()}});
    table.cases.push_back(
        {"large_utf8 (parse_strings)", Json(arrow::large_utf8(), R"(["0"])"), {Lands("0")}});
    table.cases.push_back(
        {"utf8_view (parse_strings)", Json(arrow::utf8_view(), R"(["-1"])"), {Lands("-1")}});
    Run(table);
  }
}

// ---------------------------------------------------------------------------------------------
// FLOAT, DOUBLE

TEST_P(WrapperTableMatrixTest, FloatAndDoubleColumnsTakeIntegersExactlyAndNarrowerFloats) {
  const float kFloatMax = std::numeric_limits<float>::max();
  const double kDoubleMax = std::numeric_limits<double>::max();
  Run({"FLOAT",
       "float",
       {
           {"int8",
            Json(arrow::int8(), "[-128, 127, null]"),
            {Lands("-128"), Lands("127"), Null()}},
           // 2^24 is the last integer a float holds with all its neighbours.
           {"int32",
            Json(arrow::int32(), "[16777216, 16777217, -16777217, 0]"),
            {Lands("16777216"), Fails({"16777217", "not exactly representable as FLOAT"}),
             Fails({"-16777217", "not exactly representable as FLOAT"}), Lands("0")}},
           {"int64",
            Json(arrow::int64(), "[9223372036854775807, -9223372036854775808]"),
            {Fails({"9223372036854775807", "FLOAT"}), Lands(F32(-9223372036854775808.0f))}},
           {"uint64",
            Json(arrow::uint64(), "[18446744073709551615, 4294967296]"),
            {Fails({"18446744073709551615", "FLOAT"}), Lands(F32(4294967296.0f))}},
           {"uint16", Json(arrow::uint16(), "[65535]"), {Lands("65535")}},
           {"int64 sliced",
            Sliced(Json(arrow::int64(), "[16777217, 3, 16777217]"), 1, 2),
            {Lands("3"), Fails({"16777217", "not exactly representable as FLOAT"})}},
           {"float16 sliced",
            Sliced(Build<arrow::HalfFloatBuilder, uint16_t>({0x7C00, 0x3C00, std::nullopt}), 1, 2),
            {Lands("1"), Null()}},
           // float16 as its bits: 65504 (max), -65504, 0.5, inf, 2^-24 (least subnormal).
           {"float16",
            Build<arrow::HalfFloatBuilder, uint16_t>(
                {0x7BFF, 0xFBFF, 0x3800, 0x7C00, 0x0001, std::nullopt}),
            {Lands("65504"), Lands("-65504"), Lands("0.5"), Lands("inf"),
             Lands(F32(std::ldexp(1.0f, -24))), Null()}},
           {"float32",
            Build<arrow::FloatBuilder, float>({kFloatMax, -kFloatMax,
                                               std::numeric_limits<float>::denorm_min(),
                                               std::nanf(""), -0.0f, std::nullopt}),
            {Lands(F32(kFloatMax)), Lands(F32(-kFloatMax)),
             Lands(F32(std::numeric_limits<float>::denorm_min())), Lands("nan"), Lands("-0"),
             Null()}},
           {"utf8 (parse_strings)",
            Json(arrow::utf8(), R"(["1.5", " -3.25e2 ", "1e39", "abc", null])"),
            {Lands("1.5"), Lands("-325"), Fails({"'1e39'", "beyond the range of FLOAT"}),
             Fails({"'abc'", "not a valid FLOAT"}), Null()}},
       }});
  Run({"DOUBLE",
       "double",
       {
           // 2^53 is the last integer a double holds with all its neighbours.
           {"int64",
            Json(arrow::int64(),
                 "[9007199254740992, 9007199254740993, 9223372036854775807, "
                 "-9223372036854775808, null]"),
            {Lands("9007199254740992"),
             Fails({"9007199254740993", "not exactly representable as DOUBLE"}),
             Fails({"9223372036854775807", "DOUBLE"}), Lands(F64(-9223372036854775808.0)), Null()}},
           {"uint64",
            Json(arrow::uint64(), "[18446744073709551615, 0]"),
            {Fails({"18446744073709551615", "DOUBLE"}), Lands("0")}},
           {"int32",
            Json(arrow::int32(), "[-2147483648, 2147483647]"),
            {Lands("-2147483648"), Lands("2147483647")}},
           {"uint32", Json(arrow::uint32(), "[4294967295]"), {Lands("4294967295")}},
           // float16 0.333251953125 and -inf.
           {"float16",
            Build<arrow::HalfFloatBuilder, uint16_t>({0x3555, 0xFC00}),
            {Lands(F64(0.333251953125)), Lands("-inf")}},
           {"float32",
            Build<arrow::FloatBuilder, float>({0.1f, kFloatMax}),
            {Lands(F64(static_cast<double>(0.1f))), Lands(F64(static_cast<double>(kFloatMax)))}},
           {"float64",
            Build<arrow::DoubleBuilder, double>(
                {kDoubleMax, -std::numeric_limits<double>::min(),
                 std::numeric_limits<double>::denorm_min(), std::nan(""), -0.0,
                 std::numeric_limits<double>::infinity(), std::nullopt}),
            {Lands(F64(kDoubleMax)), Lands(F64(-std::numeric_limits<double>::min())),
             Lands(F64(std::numeric_limits<double>::denorm_min())), Lands("nan"), Lands("-0"),
             Lands("inf"), Null()}},
           {"utf8 (parse_strings)",
            Json(arrow::utf8(), R"(["2.5", " 1e308 ", "x"])"),
            {Lands("2.5"), Lands(F64(1e308)), Fails({"'x'", "not a valid DOUBLE"})}},
       }});
}

// ---------------------------------------------------------------------------------------------
// BOOLEAN

TEST_P(WrapperTableMatrixTest, BooleanColumnsTakeBooleansAndParsedText) {
  Run({"BOOLEAN",
       "bool",
       {
           {"bool",
            Json(arrow::boolean(), "[true, false, null]"),
            {Lands("true"), Lands("false"), Null()}},
           {"utf8 (parse_strings)",
            Json(arrow::utf8(), R"(["true", "false", "1", "0", " true ", "yes", "", null])"),
            {Lands("true"), Lands("false"), Lands("true"), Lands("false"), Lands("true"),
             Fails({"'yes'", "not a valid BOOLEAN"}), Fails({"''", "not a valid BOOLEAN"}),
             Null()}},
           {"large_utf8 (parse_strings)",
            Json(arrow::large_utf8(), R"(["false"])"),
            {Lands("false")}},
           // Bits at an offset that is not a whole byte.
           {"bool sliced at bit 9",
            Sliced(Json(arrow::boolean(),
                        "[true, true, true, true, true, true, true, true, true, false, null, "
                        "true]"),
                   9, 3),
            {Lands("false"), Null(), Lands("true")}},
           {"dictionary<int8, utf8> (parse_strings)",
            Dictionary(arrow::int8(), arrow::utf8(), "[0, 1, 2, null]", R"(["true", "0", "no"])"),
            {Lands("true"), Lands("false"), Fails({"'no'", "BOOLEAN"}), Null()}},
       }});
}

// ---------------------------------------------------------------------------------------------
// STRING, BINARY

TEST_P(WrapperTableMatrixTest, StringAndBinaryColumnsTakeTextAndBytesOfEveryLayout) {
  Run({"STRING",
       "large_string",
       {
           {"utf8",
            Json(arrow::utf8(), R"(["", "héllo", "日本語", "a\"b\\c", null])"),
            {Lands(""), Lands("héllo"), Lands("日本語"), Lands("a\"b\\c"), Null()}},
           {"large_utf8", Json(arrow::large_utf8(), R"(["x", null])"), {Lands("x"), Null()}},
           {"utf8_view",
            Json(arrow::utf8_view(), R"(["short", "a string longer than twelve bytes", null])"),
            {Lands("short"), Lands("a string longer than twelve bytes"), Null()}},
           {"dictionary<int32, utf8>",
            Dictionary(arrow::int32(), arrow::utf8(), "[1, 0, null, 1]", R"(["red", "green"])"),
            {Lands("green"), Lands("red"), Null(), Lands("green")}},
           {"utf8 with bytes that are not UTF-8",
            Build<arrow::StringBuilder, std::string>({"ok", std::string("\xff\xfe", 2)}),
            {Lands("ok"), Fails({"2 bytes", "not valid UTF-8"})}},
           {"utf8 named V", Json(arrow::utf8(), R"(["upper"])"), {Lands("upper")}, "V"},
           {"utf8_view with bytes that are not UTF-8",
            Build<arrow::StringViewBuilder, std::string>({std::string("\xc3", 1), "fine"}),
            {Fails({"1 bytes", "not valid UTF-8"}), Lands("fine")}},
           {"utf8 sliced",
            Sliced(Json(arrow::utf8(), R"(["a", "bc", null, "def"])"), 1, 3),
            {Lands("bc"), Null(), Lands("def")}},
           {"utf8_view sliced",
            Sliced(Json(arrow::utf8_view(), R"(["a", "a string longer than twelve bytes"])"), 1, 1),
            {Lands("a string longer than twelve bytes")}},
           {"run_end_encoded<int32, utf8>",
            RunEndEncoded(3, "[1, 3]", arrow::utf8(), R"(["one", "two"])"),
            {Lands("one"), Lands("two"), Lands("two")}},
           {"dictionary<int8, utf8> with a null in the dictionary",
            Dictionary(arrow::int8(), arrow::utf8(), "[0, 1]", R"(["a", null])"),
            {Lands("a"), Null()}},
       }});
  const std::string bytes("\x00\xff\x10", 3);
  Run({"BINARY",
       "large_binary",
       {
           {"binary",
            Build<arrow::BinaryBuilder, std::string>({bytes, "", std::nullopt}),
            {Lands("0x00ff10"), Lands("0x"), Null()}},
           {"large_binary",
            Build<arrow::LargeBinaryBuilder, std::string>({"abc"}),
            {Lands("0x616263")}},
           {"binary_view",
            Build<arrow::BinaryViewBuilder, std::string>({bytes, std::string(20, '\x01')}),
            {Lands("0x00ff10"), Lands(Hex(std::string(20, '\x01')))}},
           {"fixed_size_binary(3)",
            Build<arrow::FixedSizeBinaryBuilder, std::string>({bytes, std::nullopt},
                                                              arrow::fixed_size_binary(3)),
            {Lands("0x00ff10"), Null()}},
           {"utf8", Json(arrow::utf8(), R"(["héllo", null])"), {Lands("0x68c3a96c6c6f"), Null()}},
           {"large_utf8", Json(arrow::large_utf8(), R"(["A"])"), {Lands("0x41")}},
           {"utf8_view", Json(arrow::utf8_view(), R"(["AB"])"), {Lands("0x4142")}},
           // Bytes need not be UTF-8 to fill a BINARY column, whichever Arrow type held them.
           {"utf8 with bytes that are not UTF-8",
            Build<arrow::StringBuilder, std::string>({std::string("\xff", 1)}),
            {Lands("0xff")}},
           {"fixed_size_binary(3) sliced",
            Sliced(Build<arrow::FixedSizeBinaryBuilder, std::string>(
                       {std::string("abc"), std::nullopt, std::string("xyz")},
                       arrow::fixed_size_binary(3)),
                   1, 2),
            {Null(), Lands("0x78797a")}},
           {"binary sliced",
            Sliced(Build<arrow::BinaryBuilder, std::string>({"a", "bc"}), 1, 1),
            {Lands("0x6263")}},
       }});
}

// ---------------------------------------------------------------------------------------------
// DATE

TEST_P(WrapperTableMatrixTest, DateColumnsTakeDaysTimestampsAtTheirLocalDayAndParsedText) {
  const int64_t first = Days(1, 1, 1);      // -719162, the first day Delta holds
  const int64_t last = Days(9999, 12, 31);  // 2932896, the last
  const int64_t ms_per_day = 86'400'000;
  Run({"DATE",
       "date32[day]",
       {
           {"date32",
            Json(arrow::date32(),
                 "[0, -1, " + I(kLeapDay) + ", " + I(first) + ", " + I(last) + ", null]"),
            {Lands("0"), Lands("-1"), Lands(I(kLeapDay)), Lands(I(first)), Lands(I(last)), Null()}},
           {"date64",
            Json(arrow::date64(),
                 "[" + I(kLeapDay * ms_per_day) + ", " + I(-ms_per_day) + ", null]"),
            {Lands(I(kLeapDay)), Lands("-1"), Null()}},
           // truncate_to_date: the day of a timestamp without a zone (UTC), floored.
           {"timestamp[s] (truncate_to_date)",
            Json(Ts(kS), "[" + I(Seconds(2024, 2, 29, 23, 59, 59)) + ", -1]"),
            {Lands(I(kLeapDay)), Lands("-1")}},
           // A zoned timestamp's local day: 2024-03-01T03:00Z is 22:00 on the leap day in New
           // York (EST, UTC-5); 2024-07-01T03:00Z is 23:00 on June 30 (EDT, UTC-4).
           {"timestamp[ms, America/New_York] (truncate_to_date)",
            Json(Ts(kMs, "America/New_York"), "[" + I(Seconds(2024, 3, 1, 3) * 1000) + ", " +
                                                  I(Seconds(2024, 7, 1, 3) * 1000) + ", null]"),
            {Lands(I(kLeapDay)), Lands(I(Days(2024, 6, 30))), Null()}},
           {"timestamp[ns, UTC] (truncate_to_date)",
            Json(Ts(kNs, "UTC"), "[" + I(Micros(2024, 2, 29) * 1000) + ", -1]"),
            {Lands(I(kLeapDay)), Lands("-1")}},
           // 2024-02-29T20:00Z is 01:30 on March 1 at +05:30.
           {"timestamp[us, +05:30] (truncate_to_date)",
            Json(Ts(kUs, "+05:30"), "[" + I(Micros(2024, 2, 29, 20)) + "]"),
            {Lands(I(kLeapDay + 1))}},
           // Before the epoch: 1970-01-01T04:00Z is 23:00 on 1969-12-31 in New York.
           {"timestamp[ms, America/New_York] sliced (truncate_to_date)",
            Sliced(Json(Ts(kMs, "America/New_York"), "[0, " + I(Seconds(1970, 1, 1, 4) * 1000) +
                                                         ", null, " +
                                                         I(Seconds(2024, 3, 1, 3) * 1000) + "]"),
                   1, 3),
            {Lands("-1"), Null(), Lands(I(kLeapDay))}},
           {"date64 sliced",
            Sliced(Json(arrow::date64(), "[0, " + I(kLeapDay * ms_per_day) + "]"), 1, 1),
            {Lands(I(kLeapDay))}},
           {"utf8 (parse_strings)",
            Json(arrow::utf8(),
                 R"(["2024-02-29", " 0001-01-01 ", "2023-02-29", "29/02/2024", null])"),
            {Lands(I(kLeapDay)), Lands(I(first)), Fails({"'2023-02-29'", "not a valid DATE"}),
             Fails({"'29/02/2024'", "not a valid DATE"}), Null()}},
       }});
}

// ---------------------------------------------------------------------------------------------
// TIMESTAMP, TIMESTAMP_NTZ

TEST_P(WrapperTableMatrixTest, TimestampColumnsTakeEveryUnitAndZoneAsMicroseconds) {
  const int64_t leap = Micros(2024, 2, 29);
  const int64_t moment = Micros(2024, 2, 29, 12, 34, 56, 123456);
  Run({"TIMESTAMP",
       "timestamp[us, tz=UTC]",
       {
           {"timestamp[s]",
            Json(Ts(kS), "[0, " + I(leap / 1'000'000) + ", -1, 9223372036855, null]"),
            {Lands("0"), Lands(I(leap)), Lands("-1000000"),
             Fails({"timestamp[s] value 9223372036855", "overflows"}), Null()}},
           {"timestamp[ms]",
            Json(Ts(kMs), "[" + I(moment / 1000) + "]"),
            {Lands(I(moment / 1000 * 1000))}},
           // The first and the last microsecond Delta holds.
           {"timestamp[us]",
            Json(Ts(kUs), "[" + I(moment) + ", " + I(Micros(1, 1, 1)) + ", " +
                              I(Micros(10000, 1, 1) - 1) + "]"),
            {Lands(I(moment)), Lands(I(Micros(1, 1, 1))), Lands(I(Micros(10000, 1, 1) - 1))}},
           // Nanoseconds floor to the microsecond: -1 ns is in the microsecond before the epoch.
           {"timestamp[ns]",
            Json(Ts(kNs), "[" + I(moment * 1000 + 789) + ", -1, -1500]"),
            {Lands(I(moment)), Lands("-1"), Lands("-2")}},
           {"timestamp[ns] sliced",
            Sliced(Json(Ts(kNs), "[1, " + I(moment * 1000) + ", null]"), 1, 2),
            {Lands(I(moment)), Null()}},
           // A zone does not change the instant.
           {"timestamp[us, America/New_York]",
            Json(Ts(kUs, "America/New_York"), "[" + I(moment) + ", null]"),
            {Lands(I(moment)), Null()}},
           {"timestamp[ms, +05:30]",
            Json(Ts(kMs, "+05:30"), "[" + I(leap / 1000) + "]"),
            {Lands(I(leap))}},
           {"timestamp[ns, UTC]",
            Json(Ts(kNs, "UTC"), "[" + I(leap * 1000) + "]"),
            {Lands(I(leap))}},
           {"date32",
            Json(arrow::date32(), "[" + I(kLeapDay) + ", -1]"),
            {Lands(I(leap)), Lands(I(-kMicrosPerDay))}},
           {"date64", Json(arrow::date64(), "[" + I(leap / 1000) + "]"), {Lands(I(leap))}},
           {"utf8 (parse_strings)",
            Json(arrow::utf8(), R"(["2024-02-29T12:34:56.123456Z", "2024-02-29 12:34:56", )"
                                R"("2024-02-29T12:34:56+01:00", "2024-02-29", "noon", null])"),
            {Lands(I(moment)), Lands(I(moment - 123456)),
             Lands(I(moment - 123456 - 3'600'000'000LL)), Lands(I(leap)),
             Fails({"'noon'", "not a valid TIMESTAMP"}), Null()}},
       }});
  // TIMESTAMP_NTZ holds the wall clock: a zoned timestamp's local time in its zone.
  const int64_t noon = Micros(2024, 2, 29, 12);
  Run({"TIMESTAMP_NTZ",
       "timestamp[us]",
       {
           {"timestamp[us]",
            Json(Ts(kUs), "[" + I(moment) + ", null]"),
            {Lands(I(moment)), Null()}},
           // 17:00Z is noon in New York in February (EST), 16:00Z in July (EDT). On 2024-11-03
           // 05:30Z and 06:30Z are both 01:30 local: the hour EDT ends, then the hour EST starts.
           {"timestamp[us, America/New_York]",
            Json(Ts(kUs, "America/New_York"),
                 "[" + I(Micros(2024, 2, 29, 17)) + ", " + I(Micros(2024, 7, 1, 16)) + ", " +
                     I(Micros(2024, 11, 3, 5, 30)) + ", " + I(Micros(2024, 11, 3, 6, 30)) + "]"),
            {Lands(I(noon)), Lands(I(Micros(2024, 7, 1, 12))), Lands(I(Micros(2024, 11, 3, 1, 30))),
             Lands(I(Micros(2024, 11, 3, 1, 30)))}},
           {"timestamp[us, America/New_York] sliced",
            Sliced(
                Json(Ts(kUs, "America/New_York"), "[0, null, " + I(Micros(2024, 2, 29, 17)) + "]"),
                1, 2),
            {Null(), Lands(I(noon))}},
           {"timestamp[s, UTC]",
            Json(Ts(kS, "UTC"), "[" + I(noon / 1'000'000) + "]"),
            {Lands(I(noon))}},
           {"date64", Json(arrow::date64(), "[" + I(leap / 1000) + "]"), {Lands(I(leap))}},
           {"timestamp[ns, +05:30]",
            Json(Ts(kNs, "+05:30"), "[" + I(Micros(2024, 2, 29, 20) * 1000) + "]"),
            {Lands(I(Micros(2024, 3, 1, 1, 30)))}},
           {"date32", Json(arrow::date32(), "[" + I(kLeapDay) + "]"), {Lands(I(leap))}},
           {"utf8 (parse_strings)",
            Json(arrow::utf8(), R"(["2024-02-29T12:00:00", "2024-02-29T12:00:00Z", null])"),
            {Lands(I(noon)), Fails({"'2024-02-29T12:00:00Z'", "TIMESTAMP_NTZ", "UTC offset"}),
             Null()}},
       }});
}

// ---------------------------------------------------------------------------------------------
// DECIMAL(p,s): lands as its exact text at the column's scale, in both formats

TEST_P(WrapperTableMatrixTest, DecimalColumnsTakeDecimalsAndIntegersRescaledExactly) {
  const std::string k10_2 = "DECIMAL(10,2)";
  Run({k10_2,
       "large_string",
       {
           {"decimal128(5,1)",
            Json(arrow::decimal128(5, 1), R"(["1234.5", "-0.1", "0.0", null])"),
            {Lands("1234.50"), Lands("-0.10"), Lands("0.00"), Null()}},
           {"decimal32(9,2)",
            Json(arrow::decimal32(9, 2), R"(["1234567.89", "-9999999.99"])"),
            {Lands("1234567.89"), Lands("-9999999.99")}},
           {"decimal128(5,1) sliced",
            Sliced(Json(arrow::decimal128(5, 1), R"(["1.0", "2.5", null, "-3.5"])"), 1, 3),
            {Lands("2.50"), Null(), Lands("-3.50")}},
           {"decimal32(9,3) sliced",
            Sliced(Json(arrow::decimal32(9, 3), R"(["0.001", "7.250", "0.005"])"), 1, 2),
            {Lands("7.25"), Fails({"0.005", "beyond the scale 2"})}},
           {"decimal256(40,2) sliced",
            Sliced(Json(arrow::decimal256(40, 2), R"(["1.00", "-12345678.90"])"), 1, 1),
            {Lands("-12345678.90")}},
           {"decimal64(18,4)",
            Json(arrow::decimal64(18, 4),
                 R"(["12345678.1234", "99999999.9900", "100000000.0000", "-0.0100"])"),
            {Fails({"12345678.1234", "beyond the scale 2 of DECIMAL(10,2)"}), Lands("99999999.99"),
             Fails({"100000000.0000", "more digits than the 10 of DECIMAL(10,2)"}),
             Lands("-0.01")}},
           {"decimal256(40,2)",
            Json(arrow::decimal256(40, 2), R"(["99999999.99", "-100000000.00"])"),
            {Lands("99999999.99"), Fails({"-100000000.00", k10_2})}},
           // Scale -2: the unscaled 123 is 12300.
           {"decimal128(3,-2)",
            Build<arrow::Decimal128Builder, arrow::Decimal128>({arrow::Decimal128(123)},
                                                               arrow::decimal128(3, -2)),
            {Lands("12300.00")}},
           {"int64",
            Json(arrow::int64(), "[99999999, 100000000, -5]"),
            {Lands("99999999.00"), Fails({"100000000", k10_2}), Lands("-5.00")}},
           {"uint8", Json(arrow::uint8(), "[255]"), {Lands("255.00")}},
           {"utf8 (parse_strings)",
            Json(arrow::utf8(), R"(["1.5", " -0.01 ", "1.234", "abc", "1E2", null])"),
            {Lands("1.50"), Lands("-0.01"), Fails({"1.234", "beyond the scale 2", k10_2}),
             Fails({"'abc'", "not a valid " + k10_2}), Lands("100.00"), Null()}},
           {"dictionary<int8, decimal128(4,2)>",
            Dictionary(arrow::int8(), arrow::decimal128(4, 2), "[0, 1, null]",
                       R"(["1.25", "-2.50"])"),
            {Lands("1.25"), Lands("-2.50"), Null()}},
       }});
  // At the scale limit: every digit after the point.
  const std::string k38_38 = "DECIMAL(38,38)";
  const std::string nines = "0." + Repeat('9', 38);
  const std::string tiny = "-0." + Repeat('0', 37) + "1";
  Run({k38_38,
       "large_string",
       {
           {"decimal128(38,38)",
            Json(arrow::decimal128(38, 38), "[\"" + nines + "\", \"" + tiny + "\", null]"),
            {Lands(nines), Lands(tiny), Null()}},
           {"decimal128(5,2)",
            Json(arrow::decimal128(5, 2), R"(["0.50", "1.00", "0.00", "-0.99"])"),
            {Lands("0.5" + Repeat('0', 37)), Fails({"1.00", k38_38}), Lands("0." + Repeat('0', 38)),
             Lands("-0.99" + Repeat('0', 36))}},
           // 76 digits of scale, down to 38: exact, or digits beyond the scale.
           {"decimal256(76,76)",
            Json(arrow::decimal256(76, 76),
                 "[\"0.5" + Repeat('0', 75) + "\", \"0." + Repeat('0', 75) + "1\"]"),
            {Lands("0.5" + Repeat('0', 37)), Fails({"beyond the scale 38 of " + k38_38})}},
           {"int8",
            Json(arrow::int8(), "[0, 1, -1]"),
            {Lands("0." + Repeat('0', 38)), Fails({"1", k38_38}), Fails({"-1", k38_38})}},
           {"utf8 (parse_strings)",
            Json(arrow::utf8(), R"(["0.12345678901234567890123456789012345678", "1"])"),
            {Lands("0.12345678901234567890123456789012345678"),
             Fails({"decimal 1 has more digits than the 38 of " + k38_38})}},
       }});
  const std::string k38_0 = "DECIMAL(38,0)";
  const std::string max38 = Repeat('9', 38);
  Run({k38_0,
       "large_string",
       {
           {"decimal128(38,0)",
            Json(arrow::decimal128(38, 0), "[\"" + max38 + "\", \"-" + max38 + "\"]"),
            {Lands(max38), Lands("-" + max38)}},
           {"decimal256(39,0)",
            Json(arrow::decimal256(39, 0), "[\"1" + Repeat('0', 38) + "\", \"-1\"]"),
            {Fails({"1" + Repeat('0', 38), "more digits than the 38 of " + k38_0}), Lands("-1")}},
           {"int64",
            Json(arrow::int64(), "[-9223372036854775808]"),
            {Lands("-9223372036854775808")}},
           {"uint64",
            Json(arrow::uint64(), "[18446744073709551615]"),
            {Lands("18446744073709551615")}},
           // 76 digits of scale down to 0: a rescale by more digits than Arrow's tables hold.
           {"decimal256(76,76)",
            Json(arrow::decimal256(76, 76),
                 "[\"0." + Repeat('0', 75) + "1\", \"0." + Repeat('0', 76) + "\"]"),
            {Fails({"beyond the scale 0 of " + k38_0}), Lands("0")}},
           {"decimal128(10,2)",
            Json(arrow::decimal128(10, 2), R"(["12.50", "12.00", "-0.00"])"),
            {Fails({"12.50", "beyond the scale 0 of " + k38_0}), Lands("12"), Lands("0")}},
           {"utf8 (parse_strings)",
            Json(arrow::utf8(), R"(["123456789012345678901234567890", "1.5"])"),
            {Lands("123456789012345678901234567890"),
             Fails({"decimal 1.5 has digits beyond the scale 0 of " + k38_0})}},
       }});
}

// ---------------------------------------------------------------------------------------------
// VARIANT: JSON text, Protobuf format only

TEST_P(WrapperTableMatrixTest, VariantColumnsTakeJsonTextInProtobufAndAreRefusedInArrow) {
  if (arrow()) {
    const std::string name = NewTable();
    emu_->DeclareTable(name, Columns("VARIANT"));
    auto wrapper = ZerobusWrapper::Create(MatrixConfig(name));
    ASSERT_FALSE(wrapper.ok());
    EXPECT_EQ(wrapper.status().kind(), ErrorKind::kConfiguration);
    EXPECT_THAT(wrapper.status().message(), HasSubstr("column 'v' is VARIANT"));
    EXPECT_THAT(wrapper.status().message(), HasSubstr("wire_format protobuf"));
    return;
  }
  Run({"STRUCT<j: VARIANT>",
       "",
       {
           {"struct<J: utf8>",
            Json(arrow::struct_({arrow::field("J", arrow::utf8())}),
                 R"([{"J": "{\"a\": [1]}"}, {"J": "nope"}, {"J": null}])"),
            {Lands(R"({j: {"a": [1]}})"), Fails({"column 'v.j'", "'nope'", "not JSON"}),
             Lands("{j: <null>}")}},
       }});
  Run({"ARRAY<VARIANT>",
       "",
       {
           {"list<large_utf8>",
            Json(arrow::list(arrow::large_utf8()), R"([["1", "{}"], ["{"]])"),
            {Lands("[1, {}]"), Fails({"'{'", "not JSON"})}},
       }});
  Run({"VARIANT",
       "",
       {
           {"utf8",
            Json(arrow::utf8(),
                 R"(["{\"a\": 1}", "[1, 2]", "\"s\"", "42", "null", "{a:1}", "", null])"),
            {Lands(R"({"a": 1})"), Lands("[1, 2]"), Lands(R"("s")"), Lands("42"), Lands("null"),
             Fails({"'{a:1}'", "not JSON", "VARIANT"}), Fails({"''", "not JSON"}), Null()}},
           {"large_utf8", Json(arrow::large_utf8(), R"(["true"])"), {Lands("true")}},
           {"utf8 with bytes that are not UTF-8",
            Build<arrow::StringBuilder, std::string>({std::string("\"\xff\"", 3), "{}"}),
            {Fails({"not valid UTF-8"}), Lands("{}")}},
           {"utf8 sliced",
            Sliced(Json(arrow::utf8(), R"(["x", "[]", null])"), 1, 2),
            {Lands("[]"), Null()}},
           {"utf8_view",
            Json(arrow::utf8_view(), R"(["{\"k\": [true, null]}"])"),
            {Lands(R"({"k": [true, null]})")}},
           {"dictionary<int8, utf8>",
            Dictionary(arrow::int8(), arrow::utf8(), "[0, 1, 0]", R"(["1.5", "nope"])"),
            {Lands("1.5"), Fails({"'nope'", "not JSON"}), Lands("1.5")}},
       }});
}

// ---------------------------------------------------------------------------------------------
// ARRAY, MAP, STRUCT: elements, keys, values and members convert as their own columns would

TEST_P(WrapperTableMatrixTest, ArrayColumnsTakeListsOfEveryLayoutWhoseElementsConvert) {
  Run({"ARRAY<INT>",
       "list<item: int32>",
       {
           {"list<int64>",
            Json(arrow::list(arrow::int64()),
                 "[[1, 2], [], null, [2147483648, 1], [-2147483648], [1, null]]"),
            {Lands("[1, 2]"), Lands("[]"), NullCollection("[]"),
             Fails({"2147483648", "out of range for INT"}), Lands("[-2147483648]"),
             ProtobufFailsArrowLands({"null list element at position 1"},
                                     "[1, " + std::string(kNull) + "]")}},
           {"large_list<int8>",
            Json(arrow::large_list(arrow::int8()), "[[-128, 127], null]"),
            {Lands("[-128, 127]"), NullCollection("[]")}},
           {"fixed_size_list<int16, 2>",
            Json(arrow::fixed_size_list(arrow::int16(), 2), "[[1, 2], [-32768, 32767], null]"),
            {Lands("[1, 2]"), Lands("[-32768, 32767]"), NullCollection("[]")}},
           // A list view's rows may point anywhere into its values, in any order.
           {"list_view<int64>",
            [] {
              auto view = arrow::ListViewArray::FromArrays(
                  *Json(arrow::int32(), "[2, 0, 3, 0]"), *Json(arrow::int32(), "[1, 2, 1, 0]"),
                  *Json(arrow::int64(), "[1, 2, 3, 4000000000]"));
              EXPECT_TRUE(view.ok()) << view.status();
              return std::static_pointer_cast<arrow::Array>(*view);
            }(),
            {Lands("[3]"), Lands("[1, 2]"), Fails({"4000000000", "out of range for INT"}),
             Lands("[]")}},
           {"large_list_view<int8>",
            Json(arrow::large_list_view(arrow::int8()), "[[7, 8], null]"),
            {Lands("[7, 8]"), NullCollection("[]")}},
           {"list<int64> sliced",
            Sliced(Json(arrow::list(arrow::int64()), "[[1], [2, 3], null, [4294967296], [5]]"), 1,
                   4),
            {Lands("[2, 3]"), NullCollection("[]"), Fails({"4294967296", "out of range for INT"}),
             Lands("[5]")}},
           {"fixed_size_list<int8, 2> sliced",
            Sliced(Json(arrow::fixed_size_list(arrow::int8(), 2), "[[1, 2], [3, 4], [5, 6]]"), 1,
                   2),
            {Lands("[3, 4]"), Lands("[5, 6]")}},
           {"list<utf8> (parse_strings)",
            Json(arrow::list(arrow::utf8()), R"([["1", " 2 "], ["x"]])"),
            {Lands("[1, 2]"), Fails({"'x'", "not a valid INT"})}},
           {"list<uint32>",
            Json(arrow::list(arrow::uint32()), "[[4294967295], [2147483647]]"),
            {Fails({"4294967295", "out of range for INT"}), Lands("[2147483647]")}},
       }});
  Run({"ARRAY<STRING>",
       "list<item: large_string>",
       {
           {"large_list<large_utf8>",
            Json(arrow::large_list(arrow::large_utf8()), R"([["a", "b"], []])"),
            {Lands("[a, b]"), Lands("[]")}},
           {"list<utf8_view>",
            Json(arrow::list(arrow::utf8_view()), R"([["日本"]])"),
            {Lands("[日本]")}},
       }});
  Run({"ARRAY<DECIMAL(5,2)>",
       "list<item: large_string>",
       {
           {"list<decimal128(5,1)>",
            Json(arrow::list(arrow::decimal128(5, 1)), R"([["1.5", "-999.9"], ["-1000.0"]])"),
            {Lands("[1.50, -999.90]"), Fails({"-1000.0", "DECIMAL(5,2)"})}},
       }});
  Run({"ARRAY<TIMESTAMP>",
       "list<item: timestamp[us, tz=UTC]>",
       {
           {"list<timestamp[ms, America/New_York]>",
            Json(arrow::list(Ts(kMs, "America/New_York")),
                 "[[" + I(Micros(2024, 2, 29) / 1000) + "]]"),
            {Lands("[" + I(Micros(2024, 2, 29)) + "]")}},
       }});
  // Members matched by name ignoring case and put in the table's order.
  Run({"ARRAY<STRUCT<a: INT, b: STRING>>",
       "list<item: struct<a: int32, b: large_string>>",
       {
           {"list<struct<B: utf8, A: int64>>",
            Json(arrow::list(arrow::struct_(
                     {arrow::field("B", arrow::utf8()), arrow::field("A", arrow::int64())})),
                 R"([[{"B": "x", "A": 1}, {"B": null, "A": 2}], [{"B": "y", "A": 4294967296}]])"),
            {Lands("[{a: 1, b: x}, {a: 2, b: <null>}]"), Fails({"4294967296", "INT"})}},
       }});
}

TEST_P(WrapperTableMatrixTest, MapColumnsTakeMapsWhoseKeysAndValuesConvert) {
  Run({"MAP<STRING, INT>",
       "map<large_string, int32>",
       {
           {"map<utf8, int64>",
            Json(
                arrow::map(arrow::utf8(), arrow::int64()),
                R"([[["a", 1], ["b", -2147483648]], [], null, [["x", 3000000000]], [["n", null]]])"),
            {Lands("{a: 1, b: -2147483648}"), Lands("{}"), NullCollection("{}"),
             Fails({"3000000000", "out of range for INT"}),
             ProtobufFailsArrowLands({"null map key or value"}, "{n: <null>}")}},
           {"map<large_utf8, int8>",
            Json(arrow::map(arrow::large_utf8(), arrow::int8()), R"([[["k", -128]]])"),
            {Lands("{k: -128}")}},
           {"map<utf8, uint64> sliced",
            Sliced(Json(arrow::map(arrow::utf8(), arrow::uint64()),
                        R"([[["a", 1]], [["b", 2], ["c", 3]], [["d", 18446744073709551615]]])"),
                   1, 2),
            {Lands("{b: 2, c: 3}"), Fails({"18446744073709551615", "out of range for INT"})}},
       }});
  Run({"MAP<INT, DECIMAL(10,2)>",
       "map<int32, large_string>",
       {
           {"map<int16, decimal128(5,1)>",
            Json(arrow::map(arrow::int16(), arrow::decimal128(5, 1)),
                 R"([[[1, "1234.5"], [-2, "-0.1"]]])"),
            {Lands("{-2: -0.10, 1: 1234.50}")}},
           {"map<int64, decimal128(5,1)>",
            Json(arrow::map(arrow::int64(), arrow::decimal128(5, 1)),
                 R"([[[3000000000, "1.0"]], [[7, "2.0"]]])"),
            {Fails({"3000000000", "INT"}), Lands("{7: 2.00}")}},
       }});
  Run({"MAP<STRING, STRUCT<x: BIGINT, y: DATE>>",
       "map<large_string, struct<x: int64, y: date32[day]>>",
       {
           {"map<utf8, struct<Y: date32, X: uint32>>",
            Json(arrow::map(arrow::utf8(), arrow::struct_({arrow::field("Y", arrow::date32()),
                                                           arrow::field("X", arrow::uint32())})),
                 R"([[["k", {"Y": )" + I(kLeapDay) + R"(, "X": 4294967295}]]])"),
            {Lands("{k: {x: 4294967295, y: " + I(kLeapDay) + "}}")}},
       }});
}

TEST_P(WrapperTableMatrixTest, StructColumnsTakeStructsWithMembersInAnyOrderAndCase) {
  const std::string abc = "STRUCT<a: INT, b: STRING, c: DATE>";
  Run({abc,
       "struct<a: int32, b: large_string, c: date32[day]>",
       {
           {"struct<C: date32, A: int64, b: large_utf8>",
            Json(arrow::struct_({arrow::field("C", arrow::date32()),
                                 arrow::field("A", arrow::int64()),
                                 arrow::field("b", arrow::large_utf8())}),
                 R"([{"C": )" + I(kLeapDay) +
                     R"(, "A": 1, "b": "x"},)"
                     R"( {"C": null, "A": null, "b": null}, null,)"
                     R"( {"C": 0, "A": 2147483648, "b": "y"}])"),
            {Lands("{a: 1, b: x, c: " + I(kLeapDay) + "}"),
             Lands("{a: <null>, b: <null>, c: <null>}"), Null(),
             Fails({"column 'v.a'", "2147483648", "out of range for INT"})}},
           {"struct<b: utf8, A: int16> sliced",
            Sliced(Json(arrow::struct_(
                            {arrow::field("b", arrow::utf8()), arrow::field("A", arrow::int16())}),
                        R"([{"b": "p", "A": 1}, {"b": "q", "A": 2}, null, {"b": null, "A": 3}])"),
                   1, 3),
            {Lands("{a: 2, b: q, c: <null>}"), Null(), Lands("{a: 3, b: <null>, c: <null>}")}},
           // A member of the null type is null.
           {"struct<a: null, B: utf8>",
            Json(arrow::struct_(
                     {arrow::field("a", arrow::null()), arrow::field("B", arrow::utf8())}),
                 R"([{"a": null, "B": "k"}])"),
            {Lands("{a: <null>, b: k, c: <null>}")}},
           // Members the batch lacks are null.
           {"struct<a: int8>",
            Json(arrow::struct_({arrow::field("a", arrow::int8())}), R"([{"a": 5}, null])"),
            {Lands("{a: 5, b: <null>, c: <null>}"), Null()}},
           // Text parsed, a timestamp truncated to its day.
           {"struct<A: utf8, c: timestamp[s]> (parse_strings, truncate_to_date)",
            Json(arrow::struct_({arrow::field("A", arrow::utf8()), arrow::field("c", Ts(kS))}),
                 R"([{"A": "42", "c": )" + I(Seconds(2024, 2, 29, 23, 59, 59)) + R"(}])"),
            {Lands("{a: 42, b: <null>, c: " + I(kLeapDay) + "}")}},
       }});
  Run({"STRUCT<a: INT NOT NULL, b: STRING>",
       "struct<a: int32 not null, b: large_string>",
       {
           // A null struct holds no member: its NOT NULL member's null does not count.
           {"struct<b: utf8, a: int32>",
            Json(arrow::struct_(
                     {arrow::field("b", arrow::utf8()), arrow::field("a", arrow::int32())}),
                 R"([{"b": "x", "a": 1}, {"b": "y", "a": null}, null])"),
            {Lands("{a: 1, b: x}"), Fails({"column 'v.a'", "null"}), Null()}},
       }});
  Run({"STRUCT<inner: STRUCT<x: BIGINT>, tags: ARRAY<STRING>, m: MAP<STRING, DOUBLE>>",
       "struct<inner: struct<x: int64>, tags: list<item: large_string>, m: map<large_string, "
       "double>>",
       {
           {"struct<tags: list<utf8>, INNER: struct<X: uint64>, m: map<utf8, float32>>",
            Json(arrow::struct_(
                     {arrow::field("tags", arrow::list(arrow::utf8())),
                      arrow::field("INNER", arrow::struct_({arrow::field("X", arrow::uint64())})),
                      arrow::field("m", arrow::map(arrow::utf8(), arrow::float32()))}),
                 R"([{"tags": ["a"], "INNER": {"X": 5}, "m": [["p", 0.5]]},)"
                 R"( {"tags": [], "INNER": {"X": 18446744073709551615}, "m": []}])"),
            {Lands("{inner: {x: 5}, tags: [a], m: {p: 0.5}}"),
             Fails({"column 'v.inner.x'", "18446744073709551615", "BIGINT"})}},
       }});
}

// A VARIANT inside a STRUCT, ARRAY or MAP column is refused at Create in the Arrow format too, as
// the top-level one is: the library does not write variant-encoded values at any depth.
TEST_P(WrapperTableMatrixTest, NestedVariantColumnsAreRefusedAtCreateInArrow) {
  if (!arrow()) GTEST_SKIP() << "Protobuf: nested VARIANT lands as JSON text (the VARIANT test)";
  struct Nested {
    const char* type;
    ArrayPtr values;
  };
  for (const Nested& nested : std::vector<Nested>{
           {"STRUCT<j: VARIANT>",
            Json(arrow::struct_({arrow::field("j", arrow::utf8())}), R"([{"j": "1"}])")},
           {"ARRAY<VARIANT>", Json(arrow::list(arrow::utf8()), R"([["1"]])")},
           {"MAP<STRING, VARIANT>",
            Json(arrow::map(arrow::utf8(), arrow::utf8()), R"([[["k", "1"]]])")},
       }) {
    SCOPED_TRACE(nested.type);
    const std::string name = NewTable();
    emu_->DeclareTable(name, Columns(nested.type));
    auto wrapper = ZerobusWrapper::Create(MatrixConfig(name));
    if (wrapper.ok()) {
      // Say what becomes of a batch instead.
      TransmissionResult result = (*wrapper)->send_batch(MakeBatch(
          {arrow::field("id", arrow::int64(), false), arrow::field("v", nested.values->type())},
          {Json(arrow::int64(), "[1]"), nested.values}));
      ADD_FAILURE() << "Create accepted a table whose column v is " << nested.type
                    << "; a batch then: " << result.Summary() << "; "
                    << (result.failed_rows.empty() ? result.error : result.failed_rows[0].error);
      continue;
    }
    EXPECT_EQ(wrapper.status().kind(), ErrorKind::kConfiguration);
    EXPECT_THAT(wrapper.status().message(), HasSubstr("column 'v"));
    EXPECT_THAT(wrapper.status().message(), HasSubstr("VARIANT"));
  }
}

// ---------------------------------------------------------------------------------------------
// Edges the families above leave out, each a failure of its own when it fails

// A NOT NULL column: a null fails its row, whichever Arrow type held it; the others land.
TEST_P(WrapperTableMatrixTest, NullsInANotNullColumnFailTheirRowOnly) {
  Run({"BIGINT",
       "int64",
       {
           {"int32",
            Json(arrow::int32(), "[1, null, 3]"),
            {Lands("1"), Fails({"null in a non-nullable"}), Lands("3")}},
           {"utf8 (parse_strings)",
            Json(arrow::utf8(), R"(["7", null])"),
            {Lands("7"), Fails({"null in a non-nullable"})}},
           {"dictionary<int8, uint64>",
            Dictionary(arrow::int8(), arrow::uint64(), "[null, 0]", "[5]"),
            {Fails({"null in a non-nullable"}), Lands("5")}},
       },
       /*nullable=*/false});
  Run({"STRUCT<a: INT>",
       "struct<a: int32>",
       {
           {"struct<A: int64>",
            Json(arrow::struct_({arrow::field("A", arrow::int64())}), R"([{"A": 1}, null])"),
            {Lands("{a: 1}"), Fails({"null in a non-nullable"})}},
       },
       /*nullable=*/false});
}

// A batch in which no row fits: every row must fail, whatever the fitted batch then holds.
TEST_P(WrapperTableMatrixTest, ABatchWhoseEveryRowFailsToFitFailsEveryRow) {
  Run({"TINYINT",
       "int8",
       {
           {"int16, every row out of range",
            Json(arrow::int16(), "[300, -300]"),
            {Fails({"int16 value 300", "out of range for TINYINT"}),
             Fails({"int16 value -300", "out of range for TINYINT"})}},
           {"utf8, one row that does not parse",
            Json(arrow::utf8(), R"(["x"])"),
            {Fails({"'x'", "not a valid TINYINT"})}},
           {"int16, in range", Json(arrow::int16(), "[-5]"), {Lands("-5")}},
       }});
  Run({"ARRAY<INT>",
       "list<item: int32>",
       {
           {"list<uint32>, one row out of range",
            Json(arrow::list(arrow::uint32()), "[[4294967295]]"),
            {Fails({"4294967295", "out of range for INT"})}},
       }});
}

// Timestamps that overflow 64 bits of microseconds fail their row naming the table's type, as
// every other value that does not fit does.
TEST_P(WrapperTableMatrixTest, TimestampOverflowsNameTheTableType) {
  Run({"TIMESTAMP",
       "timestamp[us, tz=UTC]",
       {
           {"timestamp[s]",
            Json(Ts(kS), "[9223372036855, 0]"),
            {Fails({"9223372036855", "TIMESTAMP"}), Lands("0")}},
           {"date32",
            Json(arrow::date32(), "[2147483647, 0]"),
            {Fails({"2147483647", "TIMESTAMP"}), Lands("0")}},
       }});
  // The local time of an instant near the least int64 is before it: beyond 64 bits.
  Run({"TIMESTAMP_NTZ",
       "timestamp[us]",
       {
           {"timestamp[us, America/New_York]",
            Json(Ts(kUs, "America/New_York"), "[-9223372036854775807, 0]"),
            {Fails({"-9223372036854775807", "TIMESTAMP_NTZ"}), Lands(I(-5 * 3'600'000'000LL))}},
       }});
  Run({"DATE",
       "date32[day]",
       {
           {"timestamp[s] (truncate_to_date)",
            Json(Ts(kS), "[9223372036855, 0]"),
            {Fails({"9223372036855", "DATE"}), Lands("0")}},
       }});
}

// Delta holds dates and timestamps of the years 1 to 9999: a value beyond fails its own row, and
// the other rows of its batch land.
TEST_P(WrapperTableMatrixTest, DatesAndTimestampsBeyondDeltasRangeFailTheirRowOnly) {
  const int64_t first = Micros(1, 1, 1);
  const int64_t beyond = Micros(10000, 1, 1);
  Run({"DATE",
       "date32[day]",
       {
           {"date32",
            Json(arrow::date32(), "[" + I(Days(10000, 1, 1)) + ", " + I(Days(0, 12, 31)) + ", 0]"),
            {Fails({I(Days(10000, 1, 1)), "DATE"}), Fails({I(Days(0, 12, 31)), "DATE"}),
             Lands("0")}},
       }});
  for (const char* type : {"TIMESTAMP", "TIMESTAMP_NTZ"}) {
    Run({type,
         type == std::string("TIMESTAMP") ? "timestamp[us, tz=UTC]" : "timestamp[us]",
         {
             {"timestamp[us]",
              Json(Ts(kUs), "[" + I(beyond) + ", " + I(first - 1) + ", 0]"),
              {Fails({I(beyond), type}), Fails({I(first - 1), type}), Lands("0")}},
         }});
  }
}

// ---------------------------------------------------------------------------------------------
// What does not convert at all: the first batch of that schema is refused, naming the column,
// both types and the setting that would allow it; nothing lands.

TEST_P(WrapperTableMatrixTest, TypesThatDoNotConvertAreRefusedNamingColumnTypesAndSetting) {
  struct Refusal {
    std::string type;
    std::shared_ptr<arrow::DataType> arrow_type;
    std::vector<std::string> says;
    bool parse_strings = true;
    bool truncate_to_date = true;
  };
  const std::vector<Refusal> refusals = {
      {"BOOLEAN", arrow::int8(), {"int8", "BOOLEAN"}},
      {"INT", arrow::boolean(), {"bool", "INT"}},
      {"FLOAT", arrow::float64(), {"double", "FLOAT", "cast the column to float32"}},
      {"STRING", arrow::binary(), {"binary", "STRING", "decode the bytes to text"}},
      {"BINARY", arrow::int32(), {"int32", "BINARY"}},
      {"DECIMAL(10,2)", arrow::float64(), {"double", "DECIMAL(10,2)", "not exact decimals"}},
      {"DATE", arrow::int32(), {"int32", "DATE"}},
      {"DATE", Ts(kUs), {"timestamp[us]", "DATE", "truncate_to_date"}, true, false},
      {"TIMESTAMP", arrow::int64(), {"int64", "TIMESTAMP"}},
      {"TIMESTAMP_NTZ", Ts(kUs, "Mars/Olympus"), {"Mars/Olympus", "TIMESTAMP_NTZ"}},
      {"INT", arrow::utf8(), {"string", "INT", "parse_strings"}, false},
      {"ARRAY<INT>", arrow::int32(), {"int32", "ARRAY<INT>"}},
      {"MAP<STRING, INT>", arrow::list(arrow::int32()), {"list<item: int32>", "MAP<STRING,INT>"}},
      {"STRUCT<a: INT>",
       arrow::struct_({arrow::field("a", arrow::int32()), arrow::field("z", arrow::int32())}),
       {"v.z", "drop_extra_columns"}},
      {"STRUCT<a: INT NOT NULL, b: STRING>",
       arrow::struct_({arrow::field("b", arrow::utf8())}),
       {"v.a", "NOT NULL"}},
  };
  for (const Refusal& refusal : refusals) {
    SCOPED_TRACE(refusal.arrow_type->ToString() + " -> " + refusal.type);
    const std::string name = NewTable();
    emu_->DeclareTable(name, Columns(refusal.type));
    auto wrapper =
        ZerobusWrapper::Create(MatrixConfig(name, refusal.parse_strings, refusal.truncate_to_date));
    ASSERT_TRUE(wrapper.ok()) << wrapper.status();
    auto values = arrow::MakeArrayOfNull(refusal.arrow_type, 2);
    ASSERT_TRUE(values.ok());
    TransmissionResult result = (*wrapper)->send_batch(MakeBatch(
        {arrow::field("id", arrow::int64(), false), arrow::field("v", refusal.arrow_type)},
        {Json(arrow::int64(), "[1, 2]"), *values}));
    ExpectEveryRowOnce(result);
    EXPECT_EQ(result.failed_count, 2);
    EXPECT_EQ(result.error.kind(), ErrorKind::kConfiguration) << result.error;
    EXPECT_THAT(result.error.message(), HasSubstr("'v"));
    for (const std::string& part : refusal.says) {
      EXPECT_THAT(result.error.message(), HasSubstr(part));
    }
    ASSERT_TRUE((*wrapper)->shutdown().ok());
    EXPECT_TRUE(emu_->LandedRecords(name).empty());
    EXPECT_TRUE(emu_->state().LandedBatches(name).empty());
  }
}

INSTANTIATE_WIRE_FORMATS(WrapperTableMatrixTest);

}  // namespace
}  // namespace arrow_zerobus::testing
