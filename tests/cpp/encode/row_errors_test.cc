// Row errors: every RowErrorKind, with the right row, column path and message, and the rows
// around a failed row still encoded.
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/type.h>
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
using google::protobuf::Message;
using ::testing::HasSubstr;

/// Encodes `batch` with a plan generated from its schema; fails the test on a batch error.
struct Encoded {
  std::shared_ptr<const schema::SchemaPlan> plan;
  EncodedBatch batch;
};

Encoded EncodeOk(const std::shared_ptr<arrow::RecordBatch>& batch,
                 const EncodeOptions& options = {}) {
  Encoded out;
  out.plan = PlanOrFail(*batch->schema());
  if (out.plan == nullptr) return out;
  auto encoded = EncodeBatch(*out.plan, *batch, options);
  EXPECT_TRUE(encoded.ok()) << encoded.status();
  if (encoded.ok()) out.batch = std::move(*encoded);
  return out;
}

/// Checks the invariants every encoded batch must satisfy and that every successful record
/// parses with the plan's descriptor.
void CheckInvariants(const Encoded& e, int64_t num_rows) {
  const EncodedBatch& b = e.batch;
  ASSERT_EQ(b.num_rows, num_rows);
  ASSERT_EQ(b.offsets.size(), static_cast<size_t>(num_rows + 1));
  ASSERT_EQ(b.row_failed.size(), static_cast<size_t>(num_rows));
  EXPECT_EQ(b.successful_count() + b.failed_count(), num_rows);
  // Errors sorted by row, exactly one per failed row.
  std::map<int64_t, int> per_row;
  for (size_t i = 0; i < b.errors.size(); ++i) {
    if (i > 0) {
      EXPECT_LT(b.errors[i - 1].row, b.errors[i].row) << "errors not sorted/unique";
    }
    ++per_row[b.errors[i].row];
  }
  google::protobuf::DynamicMessageFactory factory(e.plan->pool.get());
  const Message* prototype = factory.GetPrototype(e.plan->message);
  int64_t failed = 0;
  for (int64_t row = 0; row < num_rows; ++row) {
    if (b.failed(row)) {
      ++failed;
      EXPECT_EQ(per_row[row], 1) << "row " << row;
      EXPECT_EQ(b.offsets[row], b.offsets[row + 1]) << "failed row " << row << " has bytes";
      EXPECT_TRUE(b.record(row).empty());
    } else {
      EXPECT_EQ(per_row.count(row), 0u) << "row " << row << " has an error but did not fail";
      std::unique_ptr<Message> msg(prototype->New());
      const std::string_view bytes = b.record(row);
      EXPECT_TRUE(msg->ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
          << "row " << row << " does not parse";
    }
  }
  EXPECT_EQ(failed, b.failed_count());
}

/// Expects exactly the given failed rows, each with the given column and kind, and a message
/// naming the row and the column.
void ExpectErrors(const Encoded& e, const std::vector<int64_t>& rows, const std::string& column,
                  RowErrorKind kind) {
  const EncodedBatch& b = e.batch;
  ASSERT_EQ(b.errors.size(), rows.size()) << "column " << column;
  for (size_t i = 0; i < rows.size(); ++i) {
    const RowError& err = b.errors[i];
    SCOPED_TRACE(err.message);
    EXPECT_EQ(err.row, rows[i]);
    EXPECT_TRUE(b.failed(rows[i]));
    EXPECT_EQ(err.column, column);
    EXPECT_EQ(err.kind, kind) << RowErrorKindName(err.kind) << " vs " << RowErrorKindName(kind);
    EXPECT_THAT(err.message, HasSubstr("row " + std::to_string(rows[i])));
    if (!column.empty()) {
      EXPECT_THAT(err.message, HasSubstr(column));
    }
  }
}

std::shared_ptr<arrow::Field> F(const std::string& name, std::shared_ptr<arrow::DataType> type,
                                bool nullable = true) {
  return arrow::field(name, std::move(type), nullable);
}

std::shared_ptr<arrow::Array> Ints(int64_t n) {
  arrow::Int32Builder b;
  for (int64_t i = 0; i < n; ++i) EXPECT_TRUE(b.Append(static_cast<int32_t>(i)).ok());
  return b.Finish().ValueOrDie();
}

const std::string kBadUtf8 = "\xc3\x28";                  // truncated two-byte sequence
const std::string kBadLongUtf8 = "abcdefghijklmnop\xff";  // beyond a view's inline 12 bytes

// ---------------------------------------------------------------------------------------------
// Numbers and time

TEST(RowErrorsTest, Uint64AboveInt64Max) {
  auto batch = MakeBatch(
      {F("id", arrow::int32()), F("u", arrow::uint64())},
      {Ints(4),
       ArrayFromJson(arrow::uint64(),
                     "[9223372036854775807, 9223372036854775808, null, 18446744073709551615]")});
  auto e = EncodeOk(batch);
  CheckInvariants(e, 4);
  ExpectErrors(e, {1, 3}, "u", RowErrorKind::kIntegerOverflow);
}

TEST(RowErrorsTest, TimestampSecondsAtInt64Max) {
  auto type = arrow::timestamp(arrow::TimeUnit::SECOND, "UTC");
  auto batch =
      MakeBatch({F("ts", type)},
                {ArrayFromJson(type, "[0, 9223372036854775807, 9223372036854, -9223372036855]")});
  auto e = EncodeOk(batch);
  CheckInvariants(e, 4);
  ExpectErrors(e, {1, 3}, "ts", RowErrorKind::kTimestampOverflow);
}

TEST(RowErrorsTest, TimestampMillisOverflow) {
  auto type = arrow::timestamp(arrow::TimeUnit::MILLI);
  // INT64_MAX / 1000 = 9223372036854775 (fits); one more overflows.
  auto batch =
      MakeBatch({F("ts", type)},
                {ArrayFromJson(type, "[9223372036854775, 9223372036854776, -9223372036854776]")});
  auto e = EncodeOk(batch);
  CheckInvariants(e, 3);
  ExpectErrors(e, {1, 2}, "ts", RowErrorKind::kTimestampOverflow);
}

TEST(RowErrorsTest, NanosecondTimestampsNeverOverflow) {
  auto type = arrow::timestamp(arrow::TimeUnit::NANO);
  auto batch = MakeBatch({F("ts", type)},
                         {ArrayFromJson(type, "[9223372036854775807, -9223372036854775808]")});
  auto e = EncodeOk(batch);
  CheckInvariants(e, 2);
  EXPECT_EQ(e.batch.failed_count(), 0);
}

TEST(RowErrorsTest, DurationSecondsOverflow) {
  auto type = arrow::duration(arrow::TimeUnit::SECOND);
  auto batch = MakeBatch(
      {F("d", type)}, {ArrayFromJson(type, "[9223372036854, 9223372036855, 1, -9223372036855]")});
  auto e = EncodeOk(batch);
  CheckInvariants(e, 4);
  ExpectErrors(e, {1, 3}, "d", RowErrorKind::kTimestampOverflow);
}

TEST(RowErrorsTest, Date64OutOfInt32DaysRange) {
  // Day 2147483647 is the last that fits an int32 field; day 2^31 does not. (Arrow's validation
  // requires date64 values to be whole days.)
  constexpr int64_t kMsPerDay = 86400000;
  const int64_t last_ok = int64_t{2147483647} * kMsPerDay;
  const int64_t first_bad = int64_t{2147483648} * kMsPerDay;
  const int64_t lowest_ok = int64_t{-2147483648} * kMsPerDay;
  const int64_t below = lowest_ok - kMsPerDay;
  const int64_t far = std::numeric_limits<int64_t>::max() / kMsPerDay * kMsPerDay;
  auto batch =
      MakeBatch({F("d", arrow::date64())},
                {ArrayFromJson(arrow::date64(),
                               "[" + std::to_string(last_ok) + ", " + std::to_string(first_bad) +
                                   ", " + std::to_string(lowest_ok) + ", " + std::to_string(below) +
                                   ", " + std::to_string(far) + "]")});
  auto e = EncodeOk(batch);
  CheckInvariants(e, 5);
  ExpectErrors(e, {1, 3, 4}, "d", RowErrorKind::kTimestampOverflow);
}

// ---------------------------------------------------------------------------------------------
// UTF-8

template <typename Builder>
std::shared_ptr<arrow::Array> Strings(const std::vector<std::optional<std::string>>& values) {
  Builder b;
  for (const auto& v : values) {
    if (v.has_value()) {
      EXPECT_TRUE(b.Append(*v).ok());
    } else {
      EXPECT_TRUE(b.AppendNull().ok());
    }
  }
  return b.Finish().ValueOrDie();
}

TEST(RowErrorsTest, InvalidUtf8InEveryStringType) {
  const std::vector<std::optional<std::string>> values = {"ok", kBadUtf8, std::nullopt,
                                                          "caf\xc3\xa9", kBadLongUtf8};
  const std::vector<std::pair<std::string, std::shared_ptr<arrow::Array>>> columns = {
      {"s", Strings<arrow::StringBuilder>(values)},
      {"ls", Strings<arrow::LargeStringBuilder>(values)},
      {"sv", Strings<arrow::StringViewBuilder>(values)},
  };
  for (const auto& [name, array] : columns) {
    SCOPED_TRACE(array->type()->ToString());
    auto batch = MakeBatch({F("id", arrow::int32()), F(name, array->type())}, {Ints(5), array});
    auto e = EncodeOk(batch);
    CheckInvariants(e, 5);
    ExpectErrors(e, {1, 4}, name, RowErrorKind::kInvalidUtf8);
  }
}

TEST(RowErrorsTest, InvalidUtf8InNestedStructString) {
  auto inner = Strings<arrow::StringBuilder>({"a", "b", kBadUtf8, "d"});
  auto s = arrow::StructArray::Make({inner, Ints(4)}, std::vector<std::string>{"inner", "n"})
               .ValueOrDie();
  auto batch = MakeBatch({F("id", arrow::int32()), F("s", s->type())}, {Ints(4), s});
  auto e = EncodeOk(batch);
  CheckInvariants(e, 4);
  ExpectErrors(e, {2}, "s.inner", RowErrorKind::kInvalidUtf8);
}

TEST(RowErrorsTest, InvalidUtf8InListElement) {
  auto values = Strings<arrow::StringBuilder>({"a", "b", "c", kBadUtf8, "e", "f"});
  auto offsets = ArrayFromJson(arrow::int32(), "[0, 2, 3, 5, 6]");
  auto tags = arrow::ListArray::FromArrays(*offsets, *values).ValueOrDie();
  auto batch = MakeBatch({F("tags", tags->type())}, {tags});
  auto e = EncodeOk(batch);
  CheckInvariants(e, 4);
  ExpectErrors(e, {2}, "tags", RowErrorKind::kInvalidUtf8);
}

TEST(RowErrorsTest, InvalidUtf8InMapKey) {
  auto keys = Strings<arrow::StringBuilder>({"k", kBadUtf8, "k"});
  auto items = Ints(3);
  auto offsets = ArrayFromJson(arrow::int32(), "[0, 1, 2, 3]");
  auto map = arrow::MapArray::FromArrays(offsets, keys, items).ValueOrDie();
  auto batch = MakeBatch({F("attrs", map->type())}, {map});
  auto e = EncodeOk(batch);
  CheckInvariants(e, 3);
  ExpectErrors(e, {1}, "attrs.key", RowErrorKind::kInvalidUtf8);
}

// ---------------------------------------------------------------------------------------------
// Nulls

TEST(RowErrorsTest, NullInNonNullableTopLevelColumn) {
  auto batch = MakeBatch({F("id", arrow::int64(), false), F("name", arrow::utf8(), false)},
                         {ArrayFromJson(arrow::int64(), "[1, null, 3, 4]"),
                          ArrayFromJson(arrow::utf8(), R"(["a", "b", "c", null])")});
  auto e = EncodeOk(batch);
  CheckInvariants(e, 4);
  ASSERT_EQ(e.batch.errors.size(), 2u);
  EXPECT_EQ(e.batch.errors[0].row, 1);
  EXPECT_EQ(e.batch.errors[0].column, "id");
  EXPECT_EQ(e.batch.errors[0].kind, RowErrorKind::kNullValue);
  EXPECT_THAT(e.batch.errors[0].message, HasSubstr("row 1"));
  EXPECT_THAT(e.batch.errors[0].message, HasSubstr("id"));
  EXPECT_EQ(e.batch.errors[1].row, 3);
  EXPECT_EQ(e.batch.errors[1].column, "name");
  EXPECT_EQ(e.batch.errors[1].kind, RowErrorKind::kNullValue);
}

TEST(RowErrorsTest, NullListInNonNullableListColumn) {
  // A null is not an empty list: a non-nullable column holding a null must fail that row.
  auto type = arrow::list(arrow::int32());
  auto batch = MakeBatch({F("id", arrow::int32()), F("ints", type, false)},
                         {Ints(3), ArrayFromJson(type, "[[1], null, []]")});
  auto e = EncodeOk(batch);
  CheckInvariants(e, 3);
  ExpectErrors(e, {1}, "ints", RowErrorKind::kNullValue);
}

TEST(RowErrorsTest, NullInNonNullableStructMemberOnlyWhenParentPresent) {
  auto type = arrow::struct_({F("inner", arrow::int32(), false), F("opt", arrow::utf8())});
  // Row 1: member null in a present struct -> error. Row 2: the struct itself is null and so is
  // its member slot -> not an error, the field is simply absent.
  auto validity = ArrayFromJson(type, R"([{"inner": 1, "opt": "x"}, {"inner": 2, "opt": "y"},
                                          null, {"inner": 4, "opt": null}])");
  auto inner = ArrayFromJson(arrow::int32(), "[1, null, null, 4]");
  auto opt = ArrayFromJson(arrow::utf8(), R"(["x", "y", null, null])");
  auto s = arrow::StructArray::Make({inner, opt}, type->fields(), validity->null_bitmap(),
                                    validity->null_count())
               .ValueOrDie();
  auto batch = MakeBatch({F("id", arrow::int32()), F("s", type)}, {Ints(4), s});
  ASSERT_TRUE(batch->column(1)->IsNull(2));
  auto e = EncodeOk(batch);
  CheckInvariants(e, 4);
  ExpectErrors(e, {1}, "s.inner", RowErrorKind::kNullValue);
}

TEST(RowErrorsTest, NullStructInsideNullStructIsNotAnError) {
  auto inner = arrow::struct_({F("v", arrow::int32(), false)});
  auto outer = arrow::struct_({F("inner", inner, false)});
  auto batch = MakeBatch({F("o", outer)},
                         {ArrayFromJson(outer, R"([null, {"inner": {"v": 1}}, {"inner": null},
                                                    {"inner": {"v": null}}])")});
  auto e = EncodeOk(batch);
  CheckInvariants(e, 4);
  ASSERT_EQ(e.batch.errors.size(), 2u);
  EXPECT_EQ(e.batch.errors[0].row, 2);
  EXPECT_EQ(e.batch.errors[0].column, "o.inner");
  EXPECT_EQ(e.batch.errors[0].kind, RowErrorKind::kNullValue);
  EXPECT_EQ(e.batch.errors[1].row, 3);
  EXPECT_EQ(e.batch.errors[1].column, "o.inner.v");
}

TEST(RowErrorsTest, NullListElementPacked) {
  auto type = arrow::list(arrow::int32());
  auto batch = MakeBatch({F("id", arrow::int32()), F("ints", type)},
                         {Ints(4), ArrayFromJson(type, "[[1, 2], [1, null, 3], null, [null]]")});
  auto e = EncodeOk(batch);
  ASSERT_TRUE(e.plan->fields[1].packed);
  CheckInvariants(e, 4);
  ExpectErrors(e, {1, 3}, "ints", RowErrorKind::kNullElement);
}

TEST(RowErrorsTest, NullListElementUnpacked) {
  auto type = arrow::large_list(arrow::utf8());
  auto batch = MakeBatch({F("tags", type)},
                         {ArrayFromJson(type, R"([["a"], ["b", null], [], [null, "c"], null])")});
  auto e = EncodeOk(batch);
  ASSERT_FALSE(e.plan->fields[0].packed);
  CheckInvariants(e, 5);
  ExpectErrors(e, {1, 3}, "tags", RowErrorKind::kNullElement);
}

TEST(RowErrorsTest, NullListOfStructElement) {
  auto elem = arrow::struct_({F("sku", arrow::utf8())});
  auto type = arrow::list(elem);
  auto batch = MakeBatch({F("items", type)},
                         {ArrayFromJson(type, R"([[{"sku": "a"}], [{"sku": "b"}, null]])")});
  auto e = EncodeOk(batch);
  CheckInvariants(e, 2);
  ExpectErrors(e, {1}, "items", RowErrorKind::kNullElement);
}

TEST(RowErrorsTest, NullMapValue) {
  auto type = arrow::map(arrow::utf8(), arrow::int32());
  auto batch = MakeBatch({F("id", arrow::int32()), F("attrs", type)},
                         {Ints(3), ArrayFromJson(type, R"([[["a", 1]], [["b", 2], ["c", null]],
                                                         [["d", 4]]])")});
  auto e = EncodeOk(batch);
  CheckInvariants(e, 3);
  ExpectErrors(e, {1}, "attrs.value", RowErrorKind::kNullElement);
}

// ---------------------------------------------------------------------------------------------
// Record size

TEST(RowErrorsTest, RecordTooLarge) {
  auto batch =
      MakeBatch({F("s", arrow::utf8())},
                {ArrayFromJson(arrow::utf8(),
                               R"(["short", "this one is far too long", "", null, "12345678"])")});
  EncodeOptions options;
  options.max_record_bytes = 10;
  auto e = EncodeOk(batch, options);
  CheckInvariants(e, 5);
  // "short": 1 + 1 + 5 = 7 bytes; "12345678": 1 + 1 + 8 = 10 bytes (at the limit, allowed).
  ExpectErrors(e, {1}, "", RowErrorKind::kRecordTooLarge);
  EXPECT_THAT(e.batch.errors[0].message, HasSubstr("10"));
  EXPECT_EQ(e.batch.record(4).size(), 10u);
}

TEST(RowErrorsTest, DefaultRecordLimit) {
  EXPECT_EQ(kDefaultMaxRecordBytes, 4194285);
  const std::string big(static_cast<size_t>(kDefaultMaxRecordBytes), 'x');
  arrow::BinaryBuilder b;
  ASSERT_TRUE(b.Append("small").ok());
  ASSERT_TRUE(b.Append(big).ok());
  auto batch = MakeBatch({F("blob", arrow::binary())}, {b.Finish().ValueOrDie()});
  auto e = EncodeOk(batch);
  CheckInvariants(e, 2);
  ExpectErrors(e, {1}, "", RowErrorKind::kRecordTooLarge);
}

// ---------------------------------------------------------------------------------------------
// Many errors in one batch

TEST(RowErrorsTest, FailedRowsDoNotStopTheOthers) {
  // Column order: a (required int64), u (uint64), s (struct with required member),
  // ts (timestamp[s]), t (utf8).
  auto s_type = arrow::struct_({F("inner", arrow::int32(), false)});
  auto ts_type = arrow::timestamp(arrow::TimeUnit::SECOND);
  auto batch = MakeBatch(
      {F("a", arrow::int64(), false), F("u", arrow::uint64()), F("s", s_type), F("ts", ts_type),
       F("t", arrow::utf8())},
      {ArrayFromJson(arrow::int64(), "[0, 1, null, 3, 4, null, 6, 7]"),
       ArrayFromJson(arrow::uint64(),
                     "[0, 18446744073709551615, 18446744073709551615, 3, 4, 5, 6, 7]"),
       ArrayFromJson(s_type, R"([{"inner": 0}, {"inner": 1}, {"inner": null}, {"inner": 3},
                                {"inner": null}, {"inner": null}, {"inner": 6}, null])"),
       ArrayFromJson(ts_type, "[0, 1, 2, 9223372036854775807, 4, 9223372036854775807, 6, null]"),
       ArrayFromJson(arrow::utf8(), R"(["t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7"])")});
  auto e = EncodeOk(batch);
  CheckInvariants(e, 8);
  const EncodedBatch& b = e.batch;
  ASSERT_EQ(b.failed_count(), 5);
  EXPECT_EQ(b.successful_count(), 3);
  struct Want {
    int64_t row;
    std::string column;
    RowErrorKind kind;
  };
  // The first error of each row in column order wins.
  const Want want[] = {
      {1, "u", RowErrorKind::kIntegerOverflow},    {2, "a", RowErrorKind::kNullValue},
      {3, "ts", RowErrorKind::kTimestampOverflow}, {4, "s.inner", RowErrorKind::kNullValue},
      {5, "a", RowErrorKind::kNullValue},
  };
  for (size_t i = 0; i < std::size(want); ++i) {
    EXPECT_EQ(b.errors[i].row, want[i].row);
    EXPECT_EQ(b.errors[i].column, want[i].column) << "row " << want[i].row;
    EXPECT_EQ(b.errors[i].kind, want[i].kind) << "row " << want[i].row;
  }
  for (int64_t row : {0, 6, 7}) EXPECT_FALSE(b.failed(row));
  // The good rows hold exactly their own values.
  google::protobuf::DynamicMessageFactory factory(e.plan->pool.get());
  for (int64_t row : {0, 6, 7}) {
    std::unique_ptr<Message> msg(factory.GetPrototype(e.plan->message)->New());
    ASSERT_TRUE(msg->ParseFromString(std::string(b.record(row))));
    const auto* d = msg->GetDescriptor();
    const auto* r = msg->GetReflection();
    EXPECT_EQ(r->GetInt64(*msg, d->FindFieldByName("a")), row);
    EXPECT_EQ(r->GetInt64(*msg, d->FindFieldByName("u")), row);
    EXPECT_EQ(r->GetString(*msg, d->FindFieldByName("t")), "t" + std::to_string(row));
    EXPECT_EQ(r->HasField(*msg, d->FindFieldByName("ts")), row != 7);
    EXPECT_EQ(r->HasField(*msg, d->FindFieldByName("s")), row != 7);
  }
}

TEST(RowErrorsTest, ErrorInListOfStructReportsTheRowNotTheElement) {
  auto elem = arrow::struct_({F("sku", arrow::utf8(), false), F("qty", arrow::int32())});
  auto type = arrow::list(elem);
  // Two or three elements per row: row 5's bad element is element 11 of the values array.
  auto items = ArrayFromJson(type, R"([
      [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2}],
      [{"sku": "c", "qty": 1}, {"sku": "d", "qty": 2}, {"sku": "e", "qty": 3}],
      [{"sku": "f", "qty": 1}, {"sku": "g", "qty": 2}],
      [],
      [{"sku": "h", "qty": 1}, {"sku": "i", "qty": 2}],
      [{"sku": "j", "qty": 1}, {"sku": null, "qty": 2}],
      [{"sku": "k", "qty": 1}]
  ])");
  auto batch = MakeBatch({F("id", arrow::int32()), F("items", type)}, {Ints(7), items});
  auto e = EncodeOk(batch);
  CheckInvariants(e, 7);
  ExpectErrors(e, {5}, "items[].sku", RowErrorKind::kNullValue);
}

TEST(RowErrorsTest, ErrorInListInsideStructInsideList) {
  auto elem = arrow::struct_({F("vals", arrow::list(arrow::int32()))});
  auto type = arrow::list(elem);
  auto items = ArrayFromJson(type, R"([
      [{"vals": [1, 2]}, {"vals": []}],
      [{"vals": [3]}],
      [{"vals": [4, 5]}, {"vals": [6]}],
      [{"vals": [7]}, {"vals": [8, null]}],
      [{"vals": null}]
  ])");
  auto batch = MakeBatch({F("items", type)}, {items});
  auto e = EncodeOk(batch);
  CheckInvariants(e, 5);
  ExpectErrors(e, {3}, "items[].vals", RowErrorKind::kNullElement);
}

TEST(RowErrorsTest, TimestampErrorInMapValueReportsTheRow) {
  auto ts = arrow::timestamp(arrow::TimeUnit::SECOND);
  auto type = arrow::map(arrow::int32(), ts);
  auto batch = MakeBatch({F("m", type)}, {ArrayFromJson(type, R"([[[1, 1], [2, 2]], [], [[3, 3]],
                                                   [[4, 4], [5, 9223372036854775807]]])")});
  auto e = EncodeOk(batch);
  CheckInvariants(e, 4);
  ExpectErrors(e, {3}, "m.value", RowErrorKind::kTimestampOverflow);
}

TEST(RowErrorsTest, SlicedBatchReportsRowsRelativeToTheSlice) {
  auto batch = MakeBatch(
      {F("a", arrow::int64(), false), F("l", arrow::list(arrow::int32()))},
      {ArrayFromJson(arrow::int64(), "[0, null, 2, 3, null, 5, 6]"),
       ArrayFromJson(arrow::list(arrow::int32()), "[[0], [1], [null], [3], [4], [5, null], [6]]")});
  auto sliced = batch->Slice(2, 4);  // original rows 2..5
  auto e = EncodeOk(sliced);
  CheckInvariants(e, 4);
  const EncodedBatch& b = e.batch;
  ASSERT_EQ(b.errors.size(), 3u);
  EXPECT_EQ(b.errors[0].row, 0);
  EXPECT_EQ(b.errors[0].column, "l");
  EXPECT_EQ(b.errors[0].kind, RowErrorKind::kNullElement);
  EXPECT_EQ(b.errors[1].row, 2);
  EXPECT_EQ(b.errors[1].column, "a");
  EXPECT_EQ(b.errors[2].row, 3);
  EXPECT_EQ(b.errors[2].column, "l");
  EXPECT_THAT(b.errors[2].message, HasSubstr("row 3"));
}

TEST(RowErrorsTest, RowErrorKindNames) {
  EXPECT_EQ(RowErrorKindName(RowErrorKind::kIntegerOverflow), "IntegerOverflow");
  EXPECT_EQ(RowErrorKindName(RowErrorKind::kTimestampOverflow), "TimestampOverflow");
  EXPECT_EQ(RowErrorKindName(RowErrorKind::kInvalidUtf8), "InvalidUtf8");
  EXPECT_EQ(RowErrorKindName(RowErrorKind::kNullValue), "NullValue");
  EXPECT_EQ(RowErrorKindName(RowErrorKind::kNullElement), "NullElement");
  EXPECT_EQ(RowErrorKindName(RowErrorKind::kRecordTooLarge), "RecordTooLarge");
}

}  // namespace
}  // namespace arrow_zerobus::encode
