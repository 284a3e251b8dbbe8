// CastToCanonical: values of every type land as the canonical type's values, rows that cannot be
// represented fail with exactly the protobuf encoder's errors (row, column, kind, message), the
// good rows are kept in order, and an already-canonical batch is passed through without a copy.
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <arrow/util/decimal.h>
#include <gmock/gmock.h>
#include <google/protobuf/message.h>
#include <gtest/gtest.h>

#include "encode/batch_encoder.h"
#include "encode/canonical_cast.h"
#include "encode/canonical_schema.h"
#include "testing/arrow_builders.h"
#include "testing/canonical_batch_checks.h"
#include "testing/proto_oracle.h"
#include "testing/test_extension_type.h"

namespace arrow_zerobus::encode {
namespace {

using arrow_zerobus::testing::ArrayFromJson;
using arrow_zerobus::testing::MakeBatch;
using arrow_zerobus::testing::PlanOrFail;
using encode::RowError;
using encode::RowErrorKind;
using ::testing::HasSubstr;

std::shared_ptr<arrow::Field> F(const std::string& name, std::shared_ptr<arrow::DataType> type,
                                bool nullable = true) {
  return arrow::field(name, std::move(type), nullable);
}

const std::string kBadUtf8 = "\xc3\x28";                  // truncated two-byte sequence
const std::string kBadLongUtf8 = "abcdefghijklmnop\xff";  // beyond a view's inline 12 bytes

template <typename Builder>
std::shared_ptr<arrow::Array> Strings(const std::vector<std::optional<std::string>>& values) {
  Builder b;
  for (const auto& v : values) {
    EXPECT_TRUE((v.has_value() ? b.Append(*v) : b.AppendNull()).ok());
  }
  return b.Finish().ValueOrDie();
}

std::shared_ptr<arrow::Buffer> Validity(const std::vector<bool>& valid) {
  arrow::BooleanBuilder b;
  for (bool v : valid) EXPECT_TRUE(b.Append(v).ok());
  return b.Finish().ValueOrDie()->data()->buffers[1];
}

std::shared_ptr<arrow::Array> StructOf(const std::vector<std::shared_ptr<arrow::Array>>& children,
                                       const std::vector<std::shared_ptr<arrow::Field>>& fields,
                                       const std::vector<bool>& valid = {}) {
  return arrow::StructArray::Make(children, fields, valid.empty() ? nullptr : Validity(valid))
      .ValueOrDie();
}

/// A list array from JSON offsets (a null offset makes that list null) and values.
std::shared_ptr<arrow::Array> ListOf(std::string_view offsets_json,
                                     const std::shared_ptr<arrow::Array>& values,
                                     std::shared_ptr<arrow::Field> item = nullptr) {
  auto offsets = ArrayFromJson(arrow::int32(), offsets_json);
  auto list = arrow::ListArray::FromArrays(*offsets, *values).ValueOrDie();
  if (item == nullptr) return list;
  // Same buffers under a list type whose item has the given name and nullability.
  auto data = list->data()->Copy();
  data->type = arrow::list(std::move(item));
  return arrow::MakeArray(data);
}

std::shared_ptr<arrow::Array> MapOf(std::string_view offsets_json,
                                    const std::shared_ptr<arrow::Array>& keys,
                                    const std::shared_ptr<arrow::Array>& items,
                                    bool value_nullable = true) {
  auto offsets = ArrayFromJson(arrow::int32(), offsets_json);
  auto map = arrow::MapArray::FromArrays(offsets, keys, items).ValueOrDie();
  if (value_nullable) return map;
  auto data = map->data()->Copy();
  data->type = arrow::map(keys->type(), F("value", items->type(), false));
  data->child_data[0] = data->child_data[0]->Copy();
  data->child_data[0]->type = data->type->field(0)->type();
  return arrow::MakeArray(data);
}

CanonicalBatch CastOk(const std::shared_ptr<arrow::RecordBatch>& batch,
                      const CanonicalSchemaOptions& options = {}) {
  auto schema = MakeCanonicalSchema(batch->schema(), options);
  EXPECT_TRUE(schema.ok()) << schema.status();
  if (!schema.ok()) return {};
  auto out = CastToCanonical(*schema, *batch);
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  arrow_zerobus::testing::ExpectEveryRowAccountedFor(*out, *schema->canonical, batch->num_rows());
  return std::move(out).value();
}

/// Casts `batch` and encodes it to protobuf; both must report the same rows with the same
/// errors. Returns the cast.
CanonicalBatch ExpectSameErrorsAsEncoder(const std::shared_ptr<arrow::RecordBatch>& batch) {
  CanonicalBatch cast = CastOk(batch);
  auto plan = PlanOrFail(*batch->schema());
  if (plan == nullptr) return cast;
  auto encoded = encode::EncodeBatch(*plan, *batch);
  EXPECT_TRUE(encoded.ok()) << encoded.status();
  if (!encoded.ok()) return cast;
  EXPECT_EQ(cast.row_failed, encoded->row_failed);
  EXPECT_EQ(cast.errors.size(), encoded->errors.size());
  for (size_t i = 0; i < std::min(cast.errors.size(), encoded->errors.size()); ++i) {
    const RowError& a = cast.errors[i];
    const RowError& b = encoded->errors[i];
    SCOPED_TRACE(b.message);
    EXPECT_EQ(a.row, b.row);
    EXPECT_EQ(a.column, b.column);
    EXPECT_EQ(a.kind, b.kind) << RowErrorKindName(a.kind) << " vs " << RowErrorKindName(b.kind);
    EXPECT_EQ(a.message, b.message);
  }
  return cast;
}

std::vector<int64_t> FailedRows(const CanonicalBatch& out) {
  std::vector<int64_t> rows;
  for (const auto& e : out.errors) rows.push_back(e.row);
  return rows;
}

void ExpectColumn(const CanonicalBatch& out, int column,
                  const std::shared_ptr<arrow::Array>& expected) {
  ASSERT_NE(out.batch, nullptr);
  const auto& actual = out.batch->column(column);
  EXPECT_TRUE(actual->Equals(*expected))
      << "actual " << actual->ToString() << "\nexpected " << expected->ToString();
}

// ---------------------------------------------------------------------------------------------
// Values of every type

struct ValueCase {
  std::shared_ptr<arrow::DataType> source;
  std::string source_json;
  std::string canonical_json;
};

TEST(CanonicalCastTest, ValuesOfEveryTypeLandAsCanonicalValues) {
  using arrow::TimeUnit;
  const std::vector<ValueCase> cases = {
      {arrow::boolean(), "[true, false, null]", "[true, false, null]"},
      {arrow::int8(), "[-128, 127, null]", "[-128, 127, null]"},
      {arrow::int16(), "[-32768, 32767]", "[-32768, 32767]"},
      {arrow::int32(), "[-2147483648, null]", "[-2147483648, null]"},
      {arrow::int64(), "[-9223372036854775808]", "[-9223372036854775808]"},
      {arrow::uint8(), "[0, 255, null]", "[0, 255, null]"},
      {arrow::uint16(), "[65535, 0]", "[65535, 0]"},
      {arrow::uint32(), "[4294967295, null]", "[4294967295, null]"},
      {arrow::uint64(), "[0, 9223372036854775807, null]", "[0, 9223372036854775807, null]"},
      {arrow::float16(), "[1.5, -2, null]", "[1.5, -2, null]"},
      {arrow::float32(), "[0.25, null]", "[0.25, null]"},
      {arrow::float64(), "[1e300, -0.5]", "[1e300, -0.5]"},
      {arrow::utf8(), R"(["a", "\u00e9t\u00e9", null, ""])", R"(["a", "\u00e9t\u00e9", null, ""])"},
      {arrow::large_utf8(), R"(["x", null])", R"(["x", null])"},
      {arrow::utf8_view(), R"(["short", "a string longer than twelve bytes", null])",
       R"(["short", "a string longer than twelve bytes", null])"},
      {arrow::binary(), R"(["ab", null, ""])", R"(["ab", null, ""])"},
      {arrow::large_binary(), R"(["ab"])", R"(["ab"])"},
      {arrow::binary_view(), R"(["cd", "more than twelve bytes here", null])",
       R"(["cd", "more than twelve bytes here", null])"},
      {arrow::fixed_size_binary(2), R"(["ab", null, "cd"])", R"(["ab", null, "cd"])"},
      {arrow::date32(), "[1, -1, null]", "[1, -1, null]"},
      {arrow::date64(), "[86400000, -86400000, 0, null]", "[1, -1, 0, null]"},
      {arrow::timestamp(TimeUnit::SECOND, "UTC"), "[1, -1, null]", "[1000000, -1000000, null]"},
      {arrow::timestamp(TimeUnit::MILLI), "[1, -1]", "[1000, -1000]"},
      {arrow::timestamp(TimeUnit::MICRO, "Asia/Tokyo"), "[5, null]", "[5, null]"},
      {arrow::timestamp(TimeUnit::MICRO), "[-5]", "[-5]"},
      // Nanoseconds floor-divide, as on the protobuf path: -1 ns is -1 us.
      {arrow::timestamp(TimeUnit::NANO, "UTC"), "[1999, -1, -1000, -1001, 9223372036854775807]",
       "[1, -1, -1, -2, 9223372036854775]"},
      {arrow::time32(TimeUnit::SECOND), "[1, 86399, null]", "[1000000, 86399000000, null]"},
      {arrow::time32(TimeUnit::MILLI), "[1500]", "[1500000]"},
      {arrow::time64(TimeUnit::MICRO), "[7]", "[7]"},
      {arrow::time64(TimeUnit::NANO), "[1999, null]", "[1, null]"},
      {arrow::duration(TimeUnit::SECOND), "[-2]", "[-2000000]"},
      {arrow::duration(TimeUnit::MILLI), "[3]", "[3000]"},
      {arrow::duration(TimeUnit::MICRO), "[4]", "[4]"},
      {arrow::duration(TimeUnit::NANO), "[-1, 1000]", "[-1, 1]"},
      {arrow::decimal32(5, 2), R"(["1.50", "-0.05", null])", R"(["1.50", "-0.05", null])"},
      {arrow::decimal64(12, 0), R"(["123", "-9"])", R"(["123", "-9"])"},
      {arrow::decimal128(10, 4), R"(["-12.3400", "0.0001", "0.0000", null])",
       R"(["-12.3400", "0.0001", "0.0000", null])"},
      {arrow::decimal256(40, 2), R"(["-1234567890123456789012345678901234567.89"])",
       R"(["-1234567890123456789012345678901234567.89"])"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.source->ToString());
    auto batch = MakeBatch({F("v", c.source)}, {ArrayFromJson(c.source, c.source_json)});
    CanonicalBatch out = CastOk(batch);
    EXPECT_EQ(out.failed_count(), 0);
    const auto canonical = out.batch->schema()->field(0)->type();
    ExpectColumn(out, 0, ArrayFromJson(canonical, c.canonical_json));
  }
}

TEST(CanonicalCastTest, DecimalTextIsTheProtobufPathsText) {
  arrow::Decimal128Builder negative_scale(arrow::decimal128(5, -2));
  ASSERT_TRUE(negative_scale.Append(arrow::Decimal128(12)).ok());
  ASSERT_TRUE(negative_scale.Append(arrow::Decimal128(0)).ok());
  ASSERT_TRUE(negative_scale.Append(arrow::Decimal128(-7)).ok());
  auto batch = MakeBatch(
      {F("d", arrow::decimal128(5, -2)), F("e", arrow::decimal256(76, 30))},
      {negative_scale.Finish().ValueOrDie(), ArrayFromJson(arrow::decimal256(76, 30),
                                                           R"(["0.000000000000000000000000000001",
                         "-1.000000000000000000000000000000",
                         "123456.500000000000000000000000000000"])")});
  CanonicalBatch out = CastOk(batch);
  ExpectColumn(out, 0, ArrayFromJson(arrow::large_utf8(), R"(["1200", "0", "-700"])"));

  auto plan = PlanOrFail(*batch->schema());
  ASSERT_NE(plan, nullptr);
  auto encoded = encode::EncodeBatch(*plan, *batch);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  testing::RecordParser parser(*plan);
  for (int64_t row = 0; row < batch->num_rows(); ++row) {
    auto record = parser.Parse(encoded->record(row));
    ASSERT_NE(record, nullptr);
    const auto* reflection = record->GetReflection();
    for (int c = 0; c < 2; ++c) {
      const auto* field = record->GetDescriptor()->field(c);
      const auto& text = static_cast<const arrow::LargeStringArray&>(*out.batch->column(c));
      EXPECT_EQ(text.GetString(row), reflection->GetString(*record, field)) << "row " << row;
    }
  }
}

TEST(CanonicalCastTest, EncodedLayersAreDecoded) {
  auto dict = arrow::DictionaryArray::FromArrays(arrow::dictionary(arrow::int8(), arrow::utf8()),
                                                 ArrayFromJson(arrow::int8(), "[1, 0, null, 1]"),
                                                 ArrayFromJson(arrow::utf8(), R"(["zero", "one"])"))
                  .ValueOrDie();
  auto ree = arrow::RunEndEncodedArray::Make(4, ArrayFromJson(arrow::int32(), "[2, 4]"),
                                             ArrayFromJson(arrow::uint16(), "[7, 65535]"))
                 .ValueOrDie();
  auto ext = arrow::ExtensionType::WrapArray(
      std::make_shared<testing::TestExtensionType>(arrow::date64()),
      ArrayFromJson(arrow::date64(), "[0, 86400000, null, 172800000]"));
  auto batch =
      MakeBatch({F("d", dict->type()), F("r", ree->type()), F("e", ext->type())}, {dict, ree, ext});
  CanonicalBatch out = CastOk(batch);
  ExpectColumn(out, 0, ArrayFromJson(arrow::large_utf8(), R"(["one", "zero", null, "one"])"));
  ExpectColumn(out, 1, ArrayFromJson(arrow::int32(), "[7, 7, 65535, 65535]"));
  ExpectColumn(out, 2, ArrayFromJson(arrow::date32(), "[0, 1, null, 2]"));
}

TEST(CanonicalCastTest, NestedValuesAreConvertedAtEveryLevel) {
  const auto point = arrow::struct_({F("x", arrow::uint8(), false), F("at", arrow::date64())});
  const auto list_view = arrow::list_view(arrow::utf8());
  auto batch = MakeBatch(
      {F("l", arrow::list(F("element", arrow::uint8()))), F("ll", arrow::large_list(arrow::utf8())),
       F("fl", arrow::fixed_size_list(arrow::int16(), 2)), F("lv", list_view),
       F("m", arrow::map(arrow::utf8(), arrow::uint64())), F("s", point),
       F("ls", arrow::list(point))},
      {ArrayFromJson(arrow::list(F("element", arrow::uint8())), "[[1, 2], null, []]"),
       ArrayFromJson(arrow::large_list(arrow::utf8()), R"([["a"], [], ["b", null]])"),
       ArrayFromJson(arrow::fixed_size_list(arrow::int16(), 2), "[[1, 2], null, [3, 4]]"),
       ArrayFromJson(list_view, R"([["p", "q"], null, ["r"]])"),
       ArrayFromJson(arrow::map(arrow::utf8(), arrow::uint64()),
                     R"([[["a", 1], ["b", 2]], null, []])"),
       ArrayFromJson(point, R"([{"x": 1, "at": 86400000}, null, {"x": 255, "at": null}])"),
       ArrayFromJson(arrow::list(point), R"([[{"x": 3, "at": 0}], [null], null])")});
  CanonicalBatch out = CastOk(batch);
  EXPECT_EQ(out.failed_count(), 0);
  const auto& s = *out.batch->schema();
  ExpectColumn(out, 0, ArrayFromJson(s.field(0)->type(), "[[1, 2], null, []]"));
  ExpectColumn(out, 1, ArrayFromJson(s.field(1)->type(), R"([["a"], [], ["b", null]])"));
  ExpectColumn(out, 2, ArrayFromJson(s.field(2)->type(), "[[1, 2], null, [3, 4]]"));
  ExpectColumn(out, 3, ArrayFromJson(s.field(3)->type(), R"([["p", "q"], null, ["r"]])"));
  ExpectColumn(out, 4, ArrayFromJson(s.field(4)->type(), R"([[["a", 1], ["b", 2]], null, []])"));
  ExpectColumn(
      out, 5,
      ArrayFromJson(s.field(5)->type(), R"([{"x": 1, "at": 1}, null, {"x": 255, "at": null}])"));
  ExpectColumn(out, 6, ArrayFromJson(s.field(6)->type(), R"([[{"x": 3, "at": 0}], [null], null])"));
}

TEST(CanonicalCastTest, SlicedInputsAreReadFromTheirOffsets) {
  const auto point = arrow::struct_({F("x", arrow::uint8()), F("name", arrow::utf8())});
  auto full =
      MakeBatch({F("s", arrow::utf8()), F("l", arrow::large_list(arrow::uint16())), F("p", point),
                 F("m", arrow::map(arrow::utf8(), arrow::int32())),
                 F("ts", arrow::timestamp(arrow::TimeUnit::SECOND))},
                {ArrayFromJson(arrow::utf8(), R"(["a", "b", null, "d", "e"])"),
                 ArrayFromJson(arrow::large_list(arrow::uint16()), "[[1], [2, 3], null, [], [4]]"),
                 ArrayFromJson(point, R"([{"x": 1, "name": "p"}, null, {"x": 3, "name": "r"},
                                {"x": 4, "name": null}, {"x": 5, "name": "t"}])"),
                 ArrayFromJson(arrow::map(arrow::utf8(), arrow::int32()),
                               R"([[["k", 1]], [["l", 2], ["m", 3]], [], null, [["n", 4]]])"),
                 ArrayFromJson(arrow::timestamp(arrow::TimeUnit::SECOND), "[1, 2, 3, 4, 5]")});
  CanonicalBatch out = CastOk(full->Slice(1, 3));
  const auto& s = *out.batch->schema();
  ExpectColumn(out, 0, ArrayFromJson(s.field(0)->type(), R"(["b", null, "d"])"));
  ExpectColumn(out, 1, ArrayFromJson(s.field(1)->type(), "[[2, 3], null, []]"));
  ExpectColumn(out, 2,
               ArrayFromJson(s.field(2)->type(),
                             R"([null, {"x": 3, "name": "r"}, {"x": 4, "name": null}])"));
  ExpectColumn(out, 3, ArrayFromJson(s.field(3)->type(), R"([[["l", 2], ["m", 3]], [], null])"));
  ExpectColumn(out, 4, ArrayFromJson(s.field(4)->type(), "[2000000, 3000000, 4000000]"));
}

// Arrow leaves the view of a null slot undefined; its cast sized the output by every view, nulls
// included (the ipc_encode fuzz target found a null claiming 1 GiB). Sliced too, at an offset.
TEST(CanonicalCastTest, AViewNullClaimingAGibibyteCostsNothing) {
  for (const auto& type : {arrow::utf8_view(), arrow::binary_view()}) {
    SCOPED_TRACE(type->ToString());
    auto array = ArrayFromJson(type, R"(["zero", "a", null, "b"])");
    auto data = array->data()->Copy();
    auto views = arrow::AllocateBuffer(data->buffers[1]->size());
    ASSERT_TRUE(views.ok());
    std::memcpy((*views)->mutable_data(), data->buffers[1]->data(), data->buffers[1]->size());
    auto* view = reinterpret_cast<arrow::BinaryViewType::c_type*>((*views)->mutable_data());
    view[2].inlined.size = 1 << 30;  // the null slot's length, which Arrow does not validate
    data->buffers[1] = std::shared_ptr<arrow::Buffer>(std::move(*views));
    auto sliced = arrow::MakeArray(data)->Slice(1);
    ASSERT_TRUE(sliced->ValidateFull().ok());

    const int64_t peak_before = arrow::default_memory_pool()->max_memory();
    CanonicalBatch out = CastOk(MakeBatch({F("v", type)}, {sliced}));
    const auto& target = out.batch->schema()->field(0)->type();
    ExpectColumn(out, 0, ArrayFromJson(target, R"(["a", null, "b"])"));
    EXPECT_LT(arrow::default_memory_pool()->max_memory(),
              std::max<int64_t>(peak_before, 1) + (64 << 20))
        << "the null's claimed length was allocated";
  }
}

// ---------------------------------------------------------------------------------------------
// Row errors: the same as the protobuf encoder's

TEST(CanonicalCastTest, Uint64AboveInt64MaxFailsItsRow) {
  auto batch = MakeBatch(
      {F("id", arrow::int32()), F("u", arrow::uint64())},
      {ArrayFromJson(arrow::int32(), "[0, 1, 2, 3]"),
       ArrayFromJson(arrow::uint64(),
                     "[9223372036854775807, 9223372036854775808, null, 18446744073709551615]")});
  CanonicalBatch out = ExpectSameErrorsAsEncoder(batch);
  EXPECT_EQ(FailedRows(out), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(out.errors[0].kind, RowErrorKind::kIntegerOverflow);
  EXPECT_THAT(out.errors[0].message, HasSubstr("9223372036854775808"));
  ExpectColumn(out, 1, ArrayFromJson(arrow::int64(), "[9223372036854775807, null]"));
  EXPECT_EQ(out.kept_rows, (std::vector<int64_t>{0, 2}));
}

TEST(CanonicalCastTest, TemporalOverflowsFailTheirRows) {
  using arrow::TimeUnit;
  constexpr int64_t kMsPerDay = 86400000;
  const std::string date64_json = "[" + std::to_string(int64_t{2147483647} * kMsPerDay) + ", " +
                                  std::to_string(int64_t{2147483648} * kMsPerDay) + ", " +
                                  std::to_string(int64_t{-2147483648} * kMsPerDay) + ", " +
                                  std::to_string(int64_t{-2147483649} * kMsPerDay) + ", 0]";
  auto batch = MakeBatch(
      {F("s", arrow::timestamp(TimeUnit::SECOND, "UTC")),
       F("ms", arrow::timestamp(TimeUnit::MILLI)), F("ns", arrow::timestamp(TimeUnit::NANO)),
       F("d", arrow::duration(TimeUnit::SECOND)), F("day", arrow::date64())},
      {ArrayFromJson(arrow::timestamp(TimeUnit::SECOND, "UTC"),
                     "[0, 9223372036854775807, 9223372036854, 0, 0]"),
       ArrayFromJson(arrow::timestamp(TimeUnit::MILLI),
                     "[9223372036854775, 0, 0, -9223372036854776, 0]"),
       ArrayFromJson(arrow::timestamp(TimeUnit::NANO),
                     "[9223372036854775807, -9223372036854775808, 0, 0, 0]"),
       ArrayFromJson(arrow::duration(TimeUnit::SECOND), "[0, 0, 0, 0, -9223372036855]"),
       ArrayFromJson(arrow::date64(), date64_json)});
  CanonicalBatch out = ExpectSameErrorsAsEncoder(batch);
  EXPECT_EQ(FailedRows(out), (std::vector<int64_t>{1, 3, 4}));
  for (const auto& e : out.errors) EXPECT_EQ(e.kind, RowErrorKind::kTimestampOverflow);
  EXPECT_EQ(out.errors[0].column, "s");   // row 1: s before day
  EXPECT_EQ(out.errors[1].column, "ms");  // row 3: ms before day
  EXPECT_EQ(out.errors[2].column, "d");
}

TEST(CanonicalCastTest, InvalidUtf8FailsItsRowInEveryStringLayout) {
  using arrow::StringBuilder;
  auto dict =
      arrow::DictionaryArray::FromArrays(arrow::dictionary(arrow::int8(), arrow::utf8()),
                                         ArrayFromJson(arrow::int8(), "[0, 1, 0, 1]"),
                                         Strings<StringBuilder>({"fine", kBadUtf8, kBadLongUtf8}))
          .ValueOrDie();
  auto batch =
      MakeBatch({F("a", arrow::utf8()), F("b", arrow::large_utf8()), F("c", arrow::utf8_view()),
                 F("d", dict->type()), F("bin", arrow::binary())},
                {Strings<StringBuilder>({"ok", kBadUtf8, std::nullopt, "\xc3\xa9"}),
                 Strings<arrow::LargeStringBuilder>({"ok", "ok", "ok", kBadUtf8}),
                 Strings<arrow::StringViewBuilder>({"ok", "ok", kBadLongUtf8, "ok"}), dict,
                 Strings<arrow::BinaryBuilder>({kBadUtf8, kBadUtf8, kBadUtf8, kBadUtf8})});
  CanonicalBatch out = ExpectSameErrorsAsEncoder(batch);
  EXPECT_EQ(FailedRows(out), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(out.errors[0].column, "a");
  EXPECT_EQ(out.errors[1].column, "c");
  EXPECT_EQ(out.errors[2].column, "b");
  for (const auto& e : out.errors) EXPECT_EQ(e.kind, RowErrorKind::kInvalidUtf8);
  // Bytes are never judged as text.
  ExpectColumn(out, 4, Strings<arrow::LargeBinaryBuilder>({kBadUtf8}));
}

TEST(CanonicalCastTest, InvalidUtf8InsideNestedValues) {
  auto list = ListOf("[0, 2, 3, 3, 3]", Strings<arrow::StringBuilder>({"x", kBadUtf8, "y"}));
  auto map = MapOf("[0, 1, 2, 3, 3]", Strings<arrow::StringBuilder>({"k", kBadUtf8, "k"}),
                   Strings<arrow::StringBuilder>({"v", "v", kBadLongUtf8}));
  auto member = StructOf({Strings<arrow::StringBuilder>({"ok", "ok", "ok", kBadUtf8})},
                         {F("name", arrow::utf8())}, {true, true, true, false});
  auto batch = MakeBatch({F("l", list->type()), F("m", map->type()), F("s", member->type())},
                         {list, map, member});
  CanonicalBatch out = ExpectSameErrorsAsEncoder(batch);
  // Row 3's struct is null, so its bad member is not part of the row.
  EXPECT_EQ(FailedRows(out), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(out.errors[0].column, "l");
  EXPECT_EQ(out.errors[1].column, "m.key");
  EXPECT_EQ(out.errors[2].column, "m.value");
}

TEST(CanonicalCastTest, BadTextOutsideEveryRowIsDroppedNotReported) {
  // Under a null list, map or struct, values belong to no row: neither path reports them, and
  // the Flight batch must still be valid Arrow data (ExpectEveryRowAccountedFor validates UTF-8).
  auto hidden_list = arrow::MakeArray(arrow::ArrayData::Make(
      arrow::list(arrow::large_utf8()), 3,
      {Validity({false, true, true}), arrow::Buffer::FromVector(std::vector<int32_t>{0, 1, 2, 2})},
      {Strings<arrow::LargeStringBuilder>({kBadUtf8, "ok"})->data()}, 1));
  auto hidden_map = arrow::MakeArray(arrow::ArrayData::Make(
      arrow::map(arrow::utf8(), arrow::utf8()), 3,
      {Validity({true, false, true}), arrow::Buffer::FromVector(std::vector<int32_t>{0, 1, 2, 2})},
      {MapOf("[0, 2]", Strings<arrow::StringBuilder>({"k", kBadUtf8}),
             Strings<arrow::StringBuilder>({"v", kBadLongUtf8}))
           ->data()
           ->child_data[0]},
      1));
  auto hidden_member = StructOf({Strings<arrow::LargeStringBuilder>({"a", "b", kBadUtf8})},
                                {F("name", arrow::large_utf8())}, {true, true, false});
  auto batch = MakeBatch(
      {F("l", hidden_list->type()), F("m", hidden_map->type()), F("s", hidden_member->type())},
      {hidden_list, hidden_map, hidden_member});
  CanonicalBatch out = ExpectSameErrorsAsEncoder(batch);
  EXPECT_EQ(out.failed_count(), 0);
  ExpectColumn(out, 0, ArrayFromJson(arrow::list(arrow::large_utf8()), R"([null, ["ok"], []])"));
  ExpectColumn(out, 1,
               ArrayFromJson(arrow::map(arrow::large_utf8(), arrow::large_utf8()),
                             R"([[["k", "v"]], null, []])"));
  ExpectColumn(out, 2,
               ArrayFromJson(arrow::struct_({F("name", arrow::large_utf8())}),
                             R"([{"name": "a"}, {"name": "b"}, null])"));
}

TEST(CanonicalCastTest, NullsInNonNullableColumnsFailTheirRows) {
  const auto inner = arrow::struct_({F("a", arrow::int32(), false)});
  auto batch = MakeBatch(
      {F("n", arrow::int64(), false), F("s", inner, false), F("o", inner),
       F("l", arrow::list(arrow::int32()), false),
       F("m", arrow::map(arrow::utf8(), arrow::int32()), false)},
      {ArrayFromJson(arrow::int64(), "[1, null, 3, 4, 5, 6]"),
       ArrayFromJson(inner, R"([{"a": 1}, {"a": 2}, null, {"a": 4}, {"a": 5}, {"a": 6}])"),
       ArrayFromJson(inner, R"([{"a": 1}, {"a": 2}, {"a": 3}, {"a": null}, null, {"a": 6}])"),
       ArrayFromJson(arrow::list(arrow::int32()), "[[1], [], [], [], [], null]"),
       ArrayFromJson(arrow::map(arrow::utf8(), arrow::int32()), R"([null, [], [], [], [], []])")});
  CanonicalBatch out = ExpectSameErrorsAsEncoder(batch);
  EXPECT_EQ(FailedRows(out), (std::vector<int64_t>{0, 1, 2, 3, 5}));
  for (const auto& e : out.errors) EXPECT_EQ(e.kind, RowErrorKind::kNullValue);
  EXPECT_EQ(out.errors[0].column, "m");
  EXPECT_EQ(out.errors[1].column, "n");
  EXPECT_EQ(out.errors[2].column, "s");
  EXPECT_EQ(out.errors[3].column, "o.a");
  EXPECT_EQ(out.errors[4].column, "l");
  // Row 4: a null struct whose non-nullable member is null underneath is fine.
  EXPECT_EQ(out.kept_rows, (std::vector<int64_t>{4}));
}

TEST(CanonicalCastTest, NullsInNonNullableNestedPositions) {
  const auto element = arrow::struct_({F("sku", arrow::utf8(), false)});
  auto items =
      ArrayFromJson(arrow::list(element),
                    R"([[{"sku": "a"}, {"sku": null}], [{"sku": "b"}], [{"sku": "c"}], null])");
  auto required_items = ListOf("[0, 2, 3, 3, 4]", ArrayFromJson(arrow::int32(), "[1, null, 2, 3]"),
                               F("item", arrow::int32(), false));
  auto required_values =
      MapOf("[0, 1, 2, 3, 4]", ArrayFromJson(arrow::utf8(), R"(["a", "b", "c", "d"])"),
            ArrayFromJson(arrow::int32(), "[1, 2, null, 4]"),
            /*value_nullable=*/false);
  auto batch = MakeBatch(
      {F("items", items->type()), F("r", required_items->type()), F("mv", required_values->type())},
      {items, required_items, required_values});
  CanonicalBatch out = ExpectSameErrorsAsEncoder(batch);
  EXPECT_EQ(FailedRows(out), (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(out.errors[0].column, "items[].sku");
  EXPECT_EQ(out.errors[0].kind, RowErrorKind::kNullValue);
  EXPECT_EQ(out.errors[1].column, "mv.value");
  EXPECT_EQ(out.errors[1].kind, RowErrorKind::kNullElement);
}

TEST(CanonicalCastTest, NullElementOfANonNullableItemFailsItsRow) {
  auto required_items = ListOf("[0, 2, 3]", ArrayFromJson(arrow::int32(), "[1, null, 2]"),
                               F("item", arrow::int32(), false));
  auto batch = MakeBatch({F("r", required_items->type())}, {required_items});
  CanonicalBatch out = ExpectSameErrorsAsEncoder(batch);
  ASSERT_EQ(FailedRows(out), (std::vector<int64_t>{0}));
  EXPECT_EQ(out.errors[0].kind, RowErrorKind::kNullElement);
  EXPECT_THAT(out.errors[0].message, HasSubstr("position 1"));
}

TEST(CanonicalCastTest, ArrowHoldsNullElementsTheProtobufPathCannot) {
  // Nullable list items and map values may be null on the Flight path (the protobuf encoder
  // fails these rows: repeated fields and maps cannot hold null).
  auto list = ArrayFromJson(arrow::list(arrow::int32()), "[[1, null], [null], []]");
  auto map = ArrayFromJson(arrow::map(arrow::utf8(), arrow::int32()),
                           R"([[["a", null]], [], [["b", 2]]])");
  auto batch = MakeBatch({F("l", list->type()), F("m", map->type())}, {list, map});
  CanonicalBatch out = CastOk(batch);
  EXPECT_EQ(out.failed_count(), 0);
  ExpectColumn(out, 0, ArrayFromJson(arrow::list(arrow::int32()), "[[1, null], [null], []]"));
  ExpectColumn(out, 1,
               ArrayFromJson(arrow::map(arrow::large_utf8(), arrow::int32()),
                             R"([[["a", null]], [], [["b", 2]]])"));
}

TEST(CanonicalCastTest, FirstErrorOfARowIsTheEncodersFirst) {
  // Several problems in one row: the earlier column wins; inside a list, element order; inside
  // a list of structs, members before null elements; inside a map, keys before values.
  auto a = ArrayFromJson(arrow::uint64(), "[18446744073709551615, 0, 0, 0, 0]");
  auto b = Strings<arrow::StringBuilder>({kBadUtf8, kBadUtf8, "ok", "ok", "ok"});
  auto items =
      ListOf("[0, 0, 0, 2, 4, 4]",
             Strings<arrow::StringBuilder>({std::nullopt, kBadUtf8, kBadUtf8, std::nullopt}),
             F("item", arrow::utf8(), false));
  const auto element = arrow::struct_({F("x", arrow::utf8())});
  auto structs = ListOf("[0, 0, 0, 0, 0, 2]",
                        StructOf({Strings<arrow::StringBuilder>({"ok", kBadUtf8})},
                                 {F("x", arrow::utf8())}, {false, true}),
                        F("item", element, false));
  auto map = MapOf("[0, 0, 0, 0, 0, 2]", Strings<arrow::StringBuilder>({"k", kBadUtf8}),
                   Strings<arrow::StringBuilder>({kBadUtf8, "v"}));
  auto batch = MakeBatch({F("a", a->type()), F("b", b->type()), F("items", items->type()),
                          F("structs", structs->type()), F("m", map->type())},
                         {a, b, items, structs, map});
  CanonicalBatch out = ExpectSameErrorsAsEncoder(batch);
  ASSERT_EQ(FailedRows(out), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(out.errors[0].column, "a");
  EXPECT_EQ(out.errors[1].column, "b");
  EXPECT_EQ(out.errors[2].kind, RowErrorKind::kNullElement);  // [null, bad]
  EXPECT_EQ(out.errors[3].kind, RowErrorKind::kInvalidUtf8);  // [bad, null]
  EXPECT_EQ(out.errors[4].column, "structs[].x");             // [null, {x: bad}]
}

TEST(CanonicalCastTest, FirstErrorInsideListsOfStructsAndMaps) {
  const auto element = arrow::struct_({F("x", arrow::utf8())});
  auto structs = ListOf("[0, 2]",
                        StructOf({Strings<arrow::StringBuilder>({"ok", kBadUtf8})},
                                 {F("x", arrow::utf8())}, {false, true}),
                        F("item", element, false));
  auto map = MapOf("[0, 2]", Strings<arrow::StringBuilder>({"k", kBadUtf8}),
                   Strings<arrow::StringBuilder>({kBadUtf8, "v"}));
  auto s_batch = MakeBatch({F("structs", structs->type())}, {structs});
  CanonicalBatch s_out = ExpectSameErrorsAsEncoder(s_batch);
  ASSERT_EQ(s_out.errors.size(), 1u);
  EXPECT_EQ(s_out.errors[0].column, "structs[].x");
  auto m_batch = MakeBatch({F("m", map->type())}, {map});
  CanonicalBatch m_out = ExpectSameErrorsAsEncoder(m_batch);
  ASSERT_EQ(m_out.errors.size(), 1u);
  EXPECT_EQ(m_out.errors[0].column, "m.key");
}

TEST(CanonicalCastTest, ErrorsDeepInsideNestingNameTheirRow) {
  // list<struct<tags: list<utf8>, n: uint64>>: elements map back to their batch rows.
  const auto element =
      arrow::struct_({F("tags", arrow::list(arrow::utf8())), F("n", arrow::uint64())});
  auto tags = ListOf("[0, 1, 1, 3, 4]", Strings<arrow::StringBuilder>({"a", "b", kBadUtf8, "c"}));
  auto elements =
      StructOf({tags, ArrayFromJson(arrow::uint64(), "[1, 18446744073709551615, 2, 3]")},
               {F("tags", arrow::list(arrow::utf8())), F("n", arrow::uint64())});
  auto list = ListOf("[0, 1, 1, 2, 4, 4]", elements);
  auto batch = MakeBatch({F("id", arrow::int8()), F("l", arrow::list(element))},
                         {ArrayFromJson(arrow::int8(), "[0, 1, 2, 3, 4]"), list});
  CanonicalBatch out = ExpectSameErrorsAsEncoder(batch);
  EXPECT_EQ(FailedRows(out), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(out.errors[0].column, "l[].n");
  EXPECT_EQ(out.errors[1].column, "l[].tags");
  ExpectColumn(out, 0, ArrayFromJson(arrow::int8(), "[0, 1, 4]"));
}

TEST(CanonicalCastTest, ErrorsOfASlicedBatchCountFromItsFirstRow) {
  auto full = MakeBatch(
      {F("u", arrow::uint64()), F("s", arrow::utf8())},
      {ArrayFromJson(arrow::uint64(), "[18446744073709551615, 0, 18446744073709551615, 0, 0]"),
       Strings<arrow::StringBuilder>({"a", "b", "c", kBadUtf8, "e"})});
  CanonicalBatch out = ExpectSameErrorsAsEncoder(full->Slice(1, 4));
  EXPECT_EQ(FailedRows(out), (std::vector<int64_t>{1, 2}));
}

TEST(CanonicalCastTest, RandomBatchesFailTheSameRowsAsTheEncoder) {
  // Lists of structs with random nulls and bad values, larger than the encoder's blocks.
  std::mt19937 rng(7);
  const int64_t n = 5000;
  arrow::Int32Builder offsets;
  arrow::UInt64Builder numbers;
  arrow::StringBuilder names;
  std::vector<bool> element_valid;
  int32_t total = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (rng() % 17 == 0) {
      ASSERT_TRUE(offsets.AppendNull().ok());
      continue;
    }
    ASSERT_TRUE(offsets.Append(total).ok());
    const int count = static_cast<int>(rng() % 4);
    for (int k = 0; k < count; ++k) {
      const uint32_t r = rng() % 100;
      ASSERT_TRUE((r < 3   ? numbers.Append(UINT64_MAX)
                   : r < 6 ? numbers.AppendNull()
                           : numbers.Append(r))
                      .ok());
      ASSERT_TRUE((r % 11 == 0 ? names.Append(kBadUtf8) : names.Append("n")).ok());
      element_valid.push_back(rng() % 13 != 0);
      ++total;
    }
  }
  ASSERT_TRUE(offsets.Append(total).ok());
  const std::vector<std::shared_ptr<arrow::Field>> members = {F("u", arrow::uint64(), false),
                                                              F("name", arrow::utf8())};
  auto elements = StructOf({numbers.Finish().ValueOrDie(), names.Finish().ValueOrDie()}, members,
                           element_valid);
  auto list = arrow::ListArray::FromArrays(*offsets.Finish().ValueOrDie(), *elements).ValueOrDie();
  auto data = list->data()->Copy();
  data->type = arrow::list(F("item", arrow::struct_(members), false));
  auto required = arrow::MakeArray(data);
  auto batch = MakeBatch({F("l", required->type(), false)}, {required});
  CanonicalBatch out = ExpectSameErrorsAsEncoder(batch);
  EXPECT_GT(out.failed_count(), 100);
  EXPECT_GT(out.successful_count(), 100);
}

// ---------------------------------------------------------------------------------------------
// Zero copy, ordering, batch errors

TEST(CanonicalCastTest, AlreadyCanonicalBatchIsPassedThroughWithoutACopy) {
  const auto pos = arrow::struct_({F("x", arrow::float64(), false), F("y", arrow::int32())});
  auto batch = MakeBatch(
      {F("id", arrow::int64(), false), F("name", arrow::large_utf8()),
       F("at", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
       F("tags", arrow::list(arrow::large_utf8())),
       F("attrs", arrow::map(arrow::large_utf8(), arrow::int64())), F("pos", pos),
       F("day", arrow::date32())},
      {ArrayFromJson(arrow::int64(), "[1, 2, 3]"),
       ArrayFromJson(arrow::large_utf8(), R"(["a", "\u00e9", null])"),
       ArrayFromJson(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"), "[1, null, 3]"),
       ArrayFromJson(arrow::list(arrow::large_utf8()), R"([["x"], null, []])"),
       ArrayFromJson(arrow::map(arrow::large_utf8(), arrow::int64()), R"([[["k", 1]], [], null])"),
       ArrayFromJson(pos, R"([{"x": 1, "y": null}, null, {"x": 2, "y": 3}])"),
       ArrayFromJson(arrow::date32(), "[1, 2, null]")});
  CanonicalBatch out = CastOk(batch);
  EXPECT_TRUE(out.zero_copy);
  EXPECT_EQ(out.failed_count(), 0);
  for (int c = 0; c < batch->num_columns(); ++c) {
    EXPECT_EQ(out.batch->column(c), batch->column(c)) << "column " << c << " was copied";
  }
}

TEST(CanonicalCastTest, ConvertedOrFilteredBatchesAreNotZeroCopy) {
  auto converted = MakeBatch({F("u", arrow::uint8())}, {ArrayFromJson(arrow::uint8(), "[1]")});
  EXPECT_FALSE(CastOk(converted).zero_copy);
  auto filtered =
      MakeBatch({F("n", arrow::int64(), false)}, {ArrayFromJson(arrow::int64(), "[1, null]")});
  CanonicalBatch out = CastOk(filtered);
  EXPECT_FALSE(out.zero_copy);
  ExpectColumn(out, 0, ArrayFromJson(arrow::int64(), "[1]"));
}

TEST(CanonicalCastTest, ColumnOrderPutsColumnsInTableOrderAndErrorsStayInBatchOrder) {
  auto batch = MakeBatch({F("a", arrow::uint64()), F("b", arrow::utf8())},
                         {ArrayFromJson(arrow::uint64(), "[18446744073709551615, 1, 2]"),
                          Strings<arrow::StringBuilder>({kBadUtf8, kBadUtf8, "z"})});
  CanonicalSchemaOptions options;
  options.column_order = {"b", "a"};
  CanonicalBatch out = CastOk(batch, options);
  ASSERT_EQ(FailedRows(out), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(out.errors[0].column, "a");  // the protobuf encoder's first error of row 0
  ExpectColumn(out, 0, ArrayFromJson(arrow::large_utf8(), R"(["z"])"));
  ExpectColumn(out, 1, ArrayFromJson(arrow::int64(), "[2]"));
}

TEST(CanonicalCastTest, EmptyBatchGivesAnEmptyCanonicalBatch) {
  auto batch = MakeBatch({F("u", arrow::uint16())}, {ArrayFromJson(arrow::uint16(), "[]")});
  CanonicalBatch out = CastOk(batch);
  EXPECT_EQ(out.batch->num_rows(), 0);
  EXPECT_EQ(out.failed_count(), 0);
}

TEST(CanonicalCastTest, EveryRowFailingGivesAnEmptyBatch) {
  auto batch = MakeBatch({F("u", arrow::uint64())},
                         {ArrayFromJson(arrow::uint64(), "[18446744073709551615]")});
  CanonicalBatch out = CastOk(batch);
  EXPECT_EQ(out.batch->num_rows(), 0);
  EXPECT_EQ(out.failed_count(), 1);
}

TEST(CanonicalCastTest, BatchOfAnotherSchemaIsRefused) {
  auto schema = MakeCanonicalSchema(arrow::schema({F("a", arrow::int32())}));
  ASSERT_TRUE(schema.ok());
  auto other = MakeBatch({F("a", arrow::int64())}, {ArrayFromJson(arrow::int64(), "[1]")});
  auto out = CastToCanonical(*schema, *other);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().kind(), ErrorKind::kConversion);
  EXPECT_THAT(out.status().message(), HasSubstr("'a' int64"));
}

TEST(CanonicalCastTest, MalformedArraysAreABatchError) {
  // A list whose last offset points past its values.
  auto offsets = arrow::Buffer::FromVector(std::vector<int32_t>{0, 1, 9});
  auto values = ArrayFromJson(arrow::int32(), "[1, 2]");
  auto bad = arrow::MakeArray(arrow::ArrayData::Make(arrow::list(arrow::int32()), 2,
                                                     {nullptr, offsets}, {values->data()}, 0));
  auto batch = MakeBatch({F("l", bad->type())}, {bad});
  auto schema = MakeCanonicalSchema(batch->schema());
  ASSERT_TRUE(schema.ok());
  auto out = CastToCanonical(*schema, *batch);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().kind(), ErrorKind::kConversion);
  EXPECT_THAT(out.status().message(), HasSubstr("column 'l'"));
}

}  // namespace
}  // namespace arrow_zerobus::encode
