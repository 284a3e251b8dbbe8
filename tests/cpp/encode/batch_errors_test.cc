// Whole-batch errors: a batch that does not match its plan or holds malformed arrays gives one
// ConversionError naming the column, and never crashes.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <arrow/array.h>
#include <arrow/buffer.h>
#include <arrow/builder.h>
#include <arrow/type.h>
#include <arrow/util/key_value_metadata.h>
#include <gmock/gmock.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>
#include <gtest/gtest.h>

#include "encode/batch_encoder.h"
#include "schema/schema_plan.h"
#include "testing/arrow_builders.h"

namespace arrow_zerobus::encode {
namespace {

using arrow_zerobus::testing::ArrayFromJson;
using arrow_zerobus::testing::MakeBatch;
using arrow_zerobus::testing::PlanOrFail;
using ::testing::HasSubstr;

std::shared_ptr<arrow::Field> F(const std::string& name, std::shared_ptr<arrow::DataType> type,
                                bool nullable = true) {
  return arrow::field(name, std::move(type), nullable);
}

template <typename T>
std::shared_ptr<arrow::Buffer> BufferOf(const std::vector<T>& values) {
  auto buffer = arrow::AllocateBuffer(static_cast<int64_t>(values.size() * sizeof(T))).ValueOrDie();
  if (!values.empty())
    std::memcpy(buffer->mutable_data(), values.data(), values.size() * sizeof(T));
  return std::shared_ptr<arrow::Buffer>(std::move(buffer));
}

std::shared_ptr<arrow::Buffer> BufferOf(const std::string& bytes) {
  return BufferOf(std::vector<char>(bytes.begin(), bytes.end()));
}

/// Encodes `batch` with `plan` and expects one ConversionError whose message names every part.
void ExpectBatchError(const schema::SchemaPlan& plan, const arrow::RecordBatch& batch,
                      const std::vector<std::string>& parts, const EncodeOptions& options = {}) {
  auto encoded = EncodeBatch(plan, batch, options);
  ASSERT_FALSE(encoded.ok()) << "encoding unexpectedly succeeded";
  EXPECT_EQ(encoded.status().kind(), ErrorKind::kConversion) << encoded.status();
  EXPECT_EQ(encoded.status().code(), StatusCode::kInvalidArgument) << encoded.status();
  for (const auto& part : parts) EXPECT_THAT(encoded.status().message(), HasSubstr(part));
}

/// A batch with one good int32 column "id" and `column` as "bad" (length taken from `column`).
std::shared_ptr<arrow::RecordBatch> WithBadColumn(const std::shared_ptr<arrow::Array>& column) {
  arrow::Int32Builder ids;
  for (int64_t i = 0; i < column->length(); ++i)
    EXPECT_TRUE(ids.Append(static_cast<int32_t>(i)).ok());
  return MakeBatch({F("id", arrow::int32()), F("bad", column->type())},
                   {ids.Finish().ValueOrDie(), column});
}

// ---------------------------------------------------------------------------------------------
// The batch's schema differs from the plan's

class SchemaMismatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    plan_ = PlanOrFail(*arrow::schema({F("a", arrow::int64()), F("b", arrow::utf8(), false)}));
    ASSERT_NE(plan_, nullptr);
  }
  std::shared_ptr<const schema::SchemaPlan> plan_;
};

TEST_F(SchemaMismatchTest, MatchingBatchEncodes) {
  auto batch =
      MakeBatch({F("a", arrow::int64()), F("b", arrow::utf8(), false)},
                {ArrayFromJson(arrow::int64(), "[1]"), ArrayFromJson(arrow::utf8(), R"(["x"])")});
  auto encoded = EncodeBatch(*plan_, *batch);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  EXPECT_EQ(encoded->num_rows, 1);
}

TEST_F(SchemaMismatchTest, DifferentName) {
  auto batch =
      MakeBatch({F("a", arrow::int64()), F("c", arrow::utf8(), false)},
                {ArrayFromJson(arrow::int64(), "[1]"), ArrayFromJson(arrow::utf8(), R"(["x"])")});
  ExpectBatchError(*plan_, *batch, {"'c'", "'b'"});
}

TEST_F(SchemaMismatchTest, DifferentType) {
  auto batch =
      MakeBatch({F("a", arrow::int32()), F("b", arrow::utf8(), false)},
                {ArrayFromJson(arrow::int32(), "[1]"), ArrayFromJson(arrow::utf8(), R"(["x"])")});
  ExpectBatchError(*plan_, *batch, {"'a'", "int32", "int64"});
}

TEST_F(SchemaMismatchTest, DifferentNullability) {
  auto batch =
      MakeBatch({F("a", arrow::int64()), F("b", arrow::utf8(), true)},
                {ArrayFromJson(arrow::int64(), "[1]"), ArrayFromJson(arrow::utf8(), R"(["x"])")});
  ExpectBatchError(*plan_, *batch, {"'b'", "not null"});
}

TEST_F(SchemaMismatchTest, DifferentNestedMember) {
  auto plan = PlanOrFail(*arrow::schema({F("s", arrow::struct_({F("x", arrow::int32())}))}));
  ASSERT_NE(plan, nullptr);
  auto other = arrow::struct_({F("y", arrow::int32())});
  auto batch = MakeBatch({F("s", other)}, {ArrayFromJson(other, R"([{"y": 1}])")});
  ExpectBatchError(*plan, *batch, {"'s'"});
}

TEST_F(SchemaMismatchTest, ExtraColumnIsNamed) {
  auto batch =
      MakeBatch({F("a", arrow::int64()), F("b", arrow::utf8(), false), F("extra", arrow::int8())},
                {ArrayFromJson(arrow::int64(), "[1]"), ArrayFromJson(arrow::utf8(), R"(["x"])"),
                 ArrayFromJson(arrow::int8(), "[1]")});
  ExpectBatchError(*plan_, *batch, {"3", "2", "extra"});
}

TEST_F(SchemaMismatchTest, MissingColumnIsNamed) {
  auto batch = MakeBatch({F("a", arrow::int64())}, {ArrayFromJson(arrow::int64(), "[1]")});
  ExpectBatchError(*plan_, *batch, {"1", "2", "'b'"});
}

TEST_F(SchemaMismatchTest, MetadataDifferenceIsNotAnError) {
  auto batch =
      MakeBatch({F("a", arrow::int64()), F("b", arrow::utf8(), false)},
                {ArrayFromJson(arrow::int64(), "[1]"), ArrayFromJson(arrow::utf8(), R"(["x"])")});
  auto with_meta = batch->ReplaceSchemaMetadata(arrow::key_value_metadata({"k"}, {"v"}));
  auto encoded = EncodeBatch(*plan_, *with_meta);
  EXPECT_TRUE(encoded.ok()) << encoded.status();
}

TEST(BatchErrorsTest, ColumnArrayTypeDiffersFromItsField) {
  // RecordBatch::Make does not check that arrays match the schema: the encoder must.
  auto schema = arrow::schema({F("id", arrow::int64()), F("x", arrow::int64())});
  auto plan = PlanOrFail(*schema);
  ASSERT_NE(plan, nullptr);
  auto batch = arrow::RecordBatch::Make(
      schema, 2,
      {ArrayFromJson(arrow::int64(), "[1, 2]"), ArrayFromJson(arrow::int32(), "[1, 2]")});
  ExpectBatchError(*plan, *batch, {"'x'", "int32"});
}

TEST(BatchErrorsTest, ColumnShorterThanTheBatch) {
  auto schema = arrow::schema({F("id", arrow::int64()), F("name", arrow::utf8())});
  auto plan = PlanOrFail(*schema);
  ASSERT_NE(plan, nullptr);
  auto batch = arrow::RecordBatch::Make(schema, 5,
                                        {ArrayFromJson(arrow::int64(), "[1, 2, 3, 4, 5]"),
                                         ArrayFromJson(arrow::utf8(), R"(["a", "b", "c"])")});
  ExpectBatchError(*plan, *batch, {"'name'", "3", "5"});
}

TEST(BatchErrorsTest, ColumnLongerThanTheBatch) {
  auto schema = arrow::schema({F("id", arrow::int64())});
  auto plan = PlanOrFail(*schema);
  ASSERT_NE(plan, nullptr);
  auto batch = arrow::RecordBatch::Make(schema, 2, {ArrayFromJson(arrow::int64(), "[1, 2, 3]")});
  ExpectBatchError(*plan, *batch, {"'id'", "3", "2"});
}

// ---------------------------------------------------------------------------------------------
// Arrays that fail validation

std::shared_ptr<arrow::Array> StringArrayWith(const std::vector<int32_t>& offsets,
                                              const std::string& data) {
  const int64_t length = static_cast<int64_t>(offsets.size()) - 1;
  return arrow::MakeArray(arrow::ArrayData::Make(arrow::utf8(), length,
                                                 {nullptr, BufferOf(offsets), BufferOf(data)}, 0));
}

TEST(BatchErrorsTest, StringOffsetsDecreasing) {
  auto column = StringArrayWith({0, 4, 2, 6}, "abcdef");
  auto batch = WithBadColumn(column);
  auto plan = PlanOrFail(*batch->schema());
  ASSERT_NE(plan, nullptr);
  ExpectBatchError(*plan, *batch, {"'bad'"});
}

TEST(BatchErrorsTest, StringOffsetsBeyondData) {
  auto column = StringArrayWith({0, 2, 4, 1000}, "abcdef");
  auto batch = WithBadColumn(column);
  auto plan = PlanOrFail(*batch->schema());
  ASSERT_NE(plan, nullptr);
  ExpectBatchError(*plan, *batch, {"'bad'"});
}

TEST(BatchErrorsTest, StringOffsetsNegative) {
  auto column = StringArrayWith({-8, 2, 4}, "abcdef");
  auto batch = WithBadColumn(column);
  auto plan = PlanOrFail(*batch->schema());
  ASSERT_NE(plan, nullptr);
  ExpectBatchError(*plan, *batch, {"'bad'"});
}

TEST(BatchErrorsTest, OffsetsBufferTooShort) {
  // Three values need four offsets; only two are there.
  auto column = arrow::MakeArray(arrow::ArrayData::Make(
      arrow::utf8(), 3,
      {nullptr, BufferOf(std::vector<int32_t>{0, 1}), BufferOf(std::string("abc"))}, 0));
  auto batch = WithBadColumn(column);
  auto plan = PlanOrFail(*batch->schema());
  ASSERT_NE(plan, nullptr);
  ExpectBatchError(*plan, *batch, {"'bad'"});
}

TEST(BatchErrorsTest, CorruptStringInsideStruct) {
  auto inner = StringArrayWith({0, 3, 1}, "abc");
  auto s = arrow::StructArray::Make({inner}, std::vector<std::string>{"name"}).ValueOrDie();
  auto batch = WithBadColumn(s);
  auto plan = PlanOrFail(*batch->schema());
  ASSERT_NE(plan, nullptr);
  ExpectBatchError(*plan, *batch, {"'bad'"});
}

TEST(BatchErrorsTest, DictionaryIndexOutOfRange) {
  auto type = arrow::dictionary(arrow::int8(), arrow::utf8());
  auto dict =
      std::make_shared<arrow::DictionaryArray>(type, ArrayFromJson(arrow::int8(), "[0, 1, 5]"),
                                               ArrayFromJson(arrow::utf8(), R"(["a", "b"])"));
  auto batch = WithBadColumn(dict);
  auto plan = PlanOrFail(*batch->schema());
  ASSERT_NE(plan, nullptr);
  ExpectBatchError(*plan, *batch, {"'bad'"});
}

TEST(BatchErrorsTest, DictionaryNegativeIndex) {
  auto type = arrow::dictionary(arrow::int16(), arrow::int64());
  auto dict = std::make_shared<arrow::DictionaryArray>(
      type, ArrayFromJson(arrow::int16(), "[0, -1]"), ArrayFromJson(arrow::int64(), "[10, 20]"));
  auto batch = WithBadColumn(dict);
  auto plan = PlanOrFail(*batch->schema());
  ASSERT_NE(plan, nullptr);
  ExpectBatchError(*plan, *batch, {"'bad'"});
}

TEST(BatchErrorsTest, ListOffsetsOutOfRange) {
  auto values = ArrayFromJson(arrow::int32(), "[1, 2, 3]");
  auto data = arrow::ArrayData::Make(arrow::list(arrow::int32()), 2,
                                     {nullptr, BufferOf(std::vector<int32_t>{0, 2, 10})}, 0);
  data->child_data = {values->data()};
  auto batch = WithBadColumn(arrow::MakeArray(data));
  auto plan = PlanOrFail(*batch->schema());
  ASSERT_NE(plan, nullptr);
  ExpectBatchError(*plan, *batch, {"'bad'"});
}

TEST(BatchErrorsTest, MapOffsetsDecreasing) {
  auto entries =
      ArrayFromJson(arrow::struct_({F("key", arrow::utf8(), false), F("value", arrow::int32())}),
                    R"([{"key": "a", "value": 1}, {"key": "b", "value": 2}])");
  auto type = arrow::map(arrow::utf8(), arrow::int32());
  auto data =
      arrow::ArrayData::Make(type, 2, {nullptr, BufferOf(std::vector<int32_t>{0, 2, 1})}, 0);
  data->child_data = {entries->data()};
  auto batch = WithBadColumn(arrow::MakeArray(data));
  auto plan = PlanOrFail(*batch->schema());
  ASSERT_NE(plan, nullptr);
  ExpectBatchError(*plan, *batch, {"'bad'"});
}

TEST(BatchErrorsTest, RunEndEncodedWithBadRunEnds) {
  auto type = arrow::run_end_encoded(arrow::int32(), arrow::utf8());
  const std::vector<std::string> run_ends_cases = {
      "[2, 1, 4]",  // decreasing
      "[0, 2, 4]",  // not positive
      "[1, 2, 3]",  // does not cover the array's length of 4
  };
  for (const auto& run_ends : run_ends_cases) {
    SCOPED_TRACE(run_ends);
    auto data = arrow::ArrayData::Make(type, 4, {nullptr}, 0);
    data->child_data = {ArrayFromJson(arrow::int32(), run_ends)->data(),
                        ArrayFromJson(arrow::utf8(), R"(["a", "b", "c"])")->data()};
    auto batch = WithBadColumn(arrow::MakeArray(data));
    auto plan = PlanOrFail(*batch->schema());
    ASSERT_NE(plan, nullptr);
    ExpectBatchError(*plan, *batch, {"'bad'"});
  }
}

TEST(BatchErrorsTest, ValidRunEndEncodedColumnEncodes) {
  auto type = arrow::run_end_encoded(arrow::int32(), arrow::utf8());
  auto data = arrow::ArrayData::Make(type, 4, {nullptr}, 0);
  data->child_data = {ArrayFromJson(arrow::int32(), "[1, 3, 4]")->data(),
                      ArrayFromJson(arrow::utf8(), R"(["a", "b", null])")->data()};
  auto batch = WithBadColumn(arrow::MakeArray(data));
  auto plan = PlanOrFail(*batch->schema());
  ASSERT_NE(plan, nullptr);
  auto encoded = EncodeBatch(*plan, *batch);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  EXPECT_EQ(encoded->failed_count(), 0);
  // "b" repeated for rows 1 and 2: identical records.
  EXPECT_EQ(encoded->record(1).substr(2), encoded->record(2).substr(2));
}

// ---------------------------------------------------------------------------------------------
// Invalid UTF-8 is a row error, not a batch error

std::shared_ptr<arrow::Array> StringsWithInvalidRow1() {
  arrow::StringBuilder b;
  EXPECT_TRUE(b.Append("fine").ok());
  EXPECT_TRUE(b.Append(std::string("\xe2\x28\xa1")).ok());
  EXPECT_TRUE(b.Append("also fine").ok());
  return b.Finish().ValueOrDie();
}

TEST(BatchErrorsTest, InvalidUtf8IsNotABatchError) {
  auto batch = WithBadColumn(StringsWithInvalidRow1());
  auto plan = PlanOrFail(*batch->schema());
  ASSERT_NE(plan, nullptr);
  auto encoded = EncodeBatch(*plan, *batch);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  EXPECT_EQ(encoded->num_rows, 3);
  EXPECT_FALSE(encoded->failed(0));
  EXPECT_FALSE(encoded->failed(2));
}

TEST(BatchErrorsTest, InvalidUtf8IsStillARowError) {
  auto batch = WithBadColumn(StringsWithInvalidRow1());
  auto plan = PlanOrFail(*batch->schema());
  ASSERT_NE(plan, nullptr);
  auto encoded = EncodeBatch(*plan, *batch);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  ASSERT_EQ(encoded->failed_count(), 1);
  EXPECT_EQ(encoded->errors[0].row, 1);
  EXPECT_EQ(encoded->errors[0].column, "bad");
  EXPECT_EQ(encoded->errors[0].kind, RowErrorKind::kInvalidUtf8);
}

TEST(BatchErrorsTest, InvalidUtf8InDictionaryValuesIsNotABatchError) {
  auto type = arrow::dictionary(arrow::int8(), arrow::utf8());
  auto dict = std::make_shared<arrow::DictionaryArray>(
      type, ArrayFromJson(arrow::int8(), "[0, 1, 0]"), StringsWithInvalidRow1()->Slice(0, 2));
  auto batch = WithBadColumn(dict);
  auto plan = PlanOrFail(*batch->schema());
  ASSERT_NE(plan, nullptr);
  auto encoded = EncodeBatch(*plan, *batch);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  EXPECT_EQ(encoded->num_rows, 3);
  EXPECT_FALSE(encoded->failed(0));
  EXPECT_FALSE(encoded->failed(2));
}

// ---------------------------------------------------------------------------------------------
// Valid but unusual layouts

TEST(BatchErrorsTest, ValidateFalseEncodesValidDataIdentically) {
  auto elem = arrow::struct_({F("sku", arrow::utf8()), F("qty", arrow::int32())});
  auto schema = arrow::schema({F("id", arrow::int64(), false),
                               F("tags", arrow::list(arrow::utf8())), F("items", arrow::list(elem)),
                               F("attrs", arrow::map(arrow::utf8(), arrow::float64())),
                               F("d", arrow::dictionary(arrow::int8(), arrow::utf8()))});
  auto plan = PlanOrFail(*schema);
  ASSERT_NE(plan, nullptr);
  auto dict = std::make_shared<arrow::DictionaryArray>(
      schema->field(4)->type(), ArrayFromJson(arrow::int8(), "[1, null, 0]"),
      ArrayFromJson(arrow::utf8(), R"(["x", "y"])"));
  auto batch = MakeBatch(
      schema->fields(),
      {ArrayFromJson(arrow::int64(), "[1, 2, 3]"),
       ArrayFromJson(arrow::list(arrow::utf8()), R"([["a"], [], null])"),
       ArrayFromJson(arrow::list(elem),
                     R"([[{"sku": "s", "qty": 1}], null, [{"sku": null, "qty": 2}]])"),
       ArrayFromJson(arrow::map(arrow::utf8(), arrow::float64()), R"([[["k", 1.5]], null, []])"),
       dict});
  EncodeOptions checked;
  EncodeOptions unchecked;
  unchecked.validate = false;
  auto a = EncodeBatch(*plan, *batch, checked);
  auto b = EncodeBatch(*plan, *batch, unchecked);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_EQ(a->num_rows, 3);
  EXPECT_EQ(a->failed_count(), 0);
  EXPECT_EQ(b->failed_count(), 0);
  EXPECT_EQ(a->offsets, b->offsets);
  for (int64_t row = 0; row < 3; ++row) EXPECT_EQ(a->record(row), b->record(row)) << row;
  EXPECT_GT(a->encoded_bytes(), 0);
}

TEST(BatchErrorsTest, EmptyBatchEncodes) {
  auto schema = arrow::schema(
      {F("id", arrow::int64()), F("s", arrow::utf8()), F("l", arrow::list(arrow::int32()))});
  auto plan = PlanOrFail(*schema);
  ASSERT_NE(plan, nullptr);
  auto batch = MakeBatch(schema->fields(),
                         {ArrayFromJson(arrow::int64(), "[]"), ArrayFromJson(arrow::utf8(), "[]"),
                          ArrayFromJson(arrow::list(arrow::int32()), "[]")});
  auto encoded = EncodeBatch(*plan, *batch);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  EXPECT_EQ(encoded->num_rows, 0);
  EXPECT_EQ(encoded->failed_count(), 0);
  EXPECT_EQ(encoded->encoded_bytes(), 0);
}

/// Encodes in a child process and exits 0 if the encoder returned at all (OK or an error).
void EncodeInChild(const schema::SchemaPlan& plan, const arrow::RecordBatch& batch) {
  auto encoded = EncodeBatch(plan, batch);
  std::exit(encoded.ok() && encoded->num_rows == batch.num_rows() ? 0 : 1);
}

TEST(BatchErrorsDeathTest, ZeroLengthStringWithoutOffsetsBufferDoesNotCrash) {
  // Arrow accepts a length-0 binary-like array without an offsets buffer (ValidateFull passes);
  // such arrays come from other producers through the C Data Interface.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const arrow::BufferVector buffers = {nullptr, nullptr, arrow::AllocateBuffer(0).ValueOrDie()};
  // Validated as binary: validating a utf8 array would initialise Arrow's UTF-8 tables for the
  // rest of this process, which the encoder must not rely on.
  ASSERT_TRUE(arrow::MakeArray(arrow::ArrayData::Make(arrow::binary(), 0, buffers, 0))
                  ->ValidateFull()
                  .ok());
  auto column = arrow::MakeArray(arrow::ArrayData::Make(arrow::utf8(), 0, buffers, 0));
  auto schema = arrow::schema({F("s", arrow::utf8())});
  auto plan = PlanOrFail(*schema);
  ASSERT_NE(plan, nullptr);
  auto batch = arrow::RecordBatch::Make(schema, 0, {column});
  EXPECT_EXIT(EncodeInChild(*plan, *batch), ::testing::ExitedWithCode(0), "");
}

TEST(BatchErrorsDeathTest, ZeroLengthListWithoutOffsetsBufferDoesNotCrash) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto data = arrow::ArrayData::Make(arrow::list(arrow::int32()), 0, {nullptr, nullptr}, 0);
  data->child_data = {ArrayFromJson(arrow::int32(), "[]")->data()};
  auto column = arrow::MakeArray(data);
  ASSERT_TRUE(column->ValidateFull().ok());
  auto schema = arrow::schema({F("l", arrow::list(arrow::int32()))});
  auto plan = PlanOrFail(*schema);
  ASSERT_NE(plan, nullptr);
  auto batch = arrow::RecordBatch::Make(schema, 0, {column});
  EXPECT_EXIT(EncodeInChild(*plan, *batch), ::testing::ExitedWithCode(0), "");
}

/// In a child process: encodes slices of `batch` and exits 0 if every sliced record equals the
/// unsliced record of the same row, 1 (with a message) otherwise.
void CompareSlicesInChild(const schema::SchemaPlan& plan, const arrow::RecordBatch& batch) {
  auto whole = EncodeBatch(plan, batch);
  if (!whole.ok()) {
    std::fprintf(stderr, "whole batch: %s\n", whole.status().ToString().c_str());
    std::exit(1);
  }
  int mismatches = 0;
  for (int64_t offset = 1; offset < batch.num_rows(); ++offset) {
    for (int64_t length : {int64_t{1}, batch.num_rows() - offset}) {
      auto sliced = EncodeBatch(plan, *batch.Slice(offset, length));
      if (!sliced.ok()) {
        std::fprintf(stderr, "slice(%ld, %ld): %s\n", static_cast<long>(offset),
                     static_cast<long>(length), sliced.status().ToString().c_str());
        ++mismatches;
        continue;
      }
      for (int64_t row = 0; row < length; ++row) {
        if (sliced->num_rows != length || sliced->record(row) != whole->record(offset + row)) {
          std::fprintf(stderr, "slice(%ld, %ld) row %ld differs\n", static_cast<long>(offset),
                       static_cast<long>(length), static_cast<long>(row));
          ++mismatches;
        }
      }
    }
  }
  std::exit(mismatches == 0 ? 0 : 1);
}

TEST(BatchErrorsDeathTest, SlicedStructWithDictionaryMember) {
  // Decoding a dictionary inside a struct must apply the struct's slice offset exactly once.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto dict_type = arrow::dictionary(arrow::int8(), arrow::utf8());
  auto type = arrow::struct_({F("d", dict_type), F("i", arrow::int32())});
  auto dict = std::make_shared<arrow::DictionaryArray>(
      dict_type, ArrayFromJson(arrow::int8(), "[0, 1, 2, 0, 1]"),
      ArrayFromJson(arrow::utf8(), R"(["a", "b", "c"])"));
  auto s = arrow::StructArray::Make({dict, ArrayFromJson(arrow::int32(), "[10, 11, 12, 13, 14]")},
                                    type->fields())
               .ValueOrDie();
  auto schema = arrow::schema({F("s", type)});
  auto plan = PlanOrFail(*schema);
  ASSERT_NE(plan, nullptr);
  auto batch = arrow::RecordBatch::Make(schema, 5, {s});
  EXPECT_EXIT(CompareSlicesInChild(*plan, *batch), ::testing::ExitedWithCode(0), "");
}

TEST(BatchErrorsTest, SlicedColumnsOfEveryShapeMatchTheUnslicedRecords) {
  auto elem = arrow::struct_({F("sku", arrow::utf8())});
  auto schema = arrow::schema(
      {F("i", arrow::int32()), F("b", arrow::boolean()), F("s", arrow::utf8()),
       F("fsb", arrow::fixed_size_binary(2)), F("dec", arrow::decimal128(6, 2)),
       F("l", arrow::list(arrow::int64())), F("fl", arrow::fixed_size_list(arrow::int16(), 2)),
       F("items", arrow::list(elem)), F("m", arrow::map(arrow::utf8(), arrow::int32())),
       F("st", arrow::struct_({F("x", arrow::int8()), F("y", arrow::utf8())}))});
  auto plan = PlanOrFail(*schema);
  ASSERT_NE(plan, nullptr);
  auto batch = MakeBatch(
      schema->fields(),
      {ArrayFromJson(arrow::int32(), "[1, null, 3, 4, 5]"),
       ArrayFromJson(arrow::boolean(), "[true, false, null, true, false]"),
       ArrayFromJson(arrow::utf8(), R"(["a", "bb", null, "dddd", ""])"),
       ArrayFromJson(arrow::fixed_size_binary(2), R"(["aa", "bb", "cc", null, "ee"])"),
       ArrayFromJson(arrow::decimal128(6, 2), R"(["1.00", "-2.50", null, "3.14", "0.01"])"),
       ArrayFromJson(arrow::list(arrow::int64()), "[[1], [2, 3], null, [], [4, 5, 6]]"),
       ArrayFromJson(arrow::fixed_size_list(arrow::int16(), 2),
                     "[[1, 2], [3, 4], null, [5, 6], [7, 8]]"),
       ArrayFromJson(
           arrow::list(elem),
           R"([[{"sku": "a"}], [], [{"sku": "b"}, {"sku": "c"}], null, [{"sku": null}]])"),
       ArrayFromJson(arrow::map(arrow::utf8(), arrow::int32()),
                     R"([[["a", 1]], null, [["b", 2], ["c", 3]], [], [["d", 4]]])"),
       ArrayFromJson(
           schema->field(9)->type(),
           R"([{"x": 1, "y": "p"}, null, {"x": null, "y": "q"}, {"x": 4, "y": null}, {"x": 5, "y": "r"}])")});
  auto whole = EncodeBatch(*plan, *batch);
  ASSERT_TRUE(whole.ok()) << whole.status();
  ASSERT_EQ(whole->failed_count(), 0);
  for (int64_t offset = 1; offset < 5; ++offset) {
    auto sliced = EncodeBatch(*plan, *batch->Slice(offset));
    ASSERT_TRUE(sliced.ok()) << sliced.status();
    ASSERT_EQ(sliced->num_rows, 5 - offset);
    for (int64_t row = 0; row < sliced->num_rows; ++row) {
      EXPECT_EQ(sliced->record(row), whole->record(offset + row))
          << "slice at " << offset << ", row " << row;
    }
  }
}

}  // namespace
}  // namespace arrow_zerobus::encode
