// One test per encoder defect of the original wrapper (shared/reference/original-wrapper.md,
// section 2.2 and weaknesses W4 / W5): each shows that the defect is gone.
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <arrow/api.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>

#include "encode/batch_encoder.h"
#include "testing/arrow_builders.h"
#include "testing/proto_oracle.h"

namespace arrow_zerobus::encode {
namespace {

using arrow_zerobus::testing::ArrayFromJson;
using arrow_zerobus::testing::BatchMatchesOracle;
using arrow_zerobus::testing::MakeBatch;
using arrow_zerobus::testing::PlanOrFail;
using arrow_zerobus::testing::RecordParser;
using google::protobuf::FieldDescriptor;
using google::protobuf::FieldDescriptorProto;
using google::protobuf::Message;
using TypePtr = std::shared_ptr<arrow::DataType>;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

/// A batch of one column `v`, planned and encoded.
struct OneColumn {
  std::shared_ptr<arrow::RecordBatch> batch;
  std::shared_ptr<const schema::SchemaPlan> plan;
  EncodedBatch encoded;
  std::unique_ptr<RecordParser> parser;

  const FieldDescriptor* field() const { return plan->message->FindFieldByName("v"); }
  /// The record of `row` parsed (it must not have failed).
  std::unique_ptr<Message> Row(int64_t row) const {
    EXPECT_FALSE(encoded.failed(row)) << "row " << row;
    if (encoded.failed(row)) return nullptr;
    return parser->Parse(encoded.record(row));
  }
};

OneColumn Encode(const std::shared_ptr<arrow::Array>& column, bool nullable = true,
                 const EncodeOptions& options = {}) {
  OneColumn out;
  out.batch = MakeBatch({arrow::field("v", column->type(), nullable)}, {column});
  out.plan = PlanOrFail(*out.batch->schema());
  if (out.plan == nullptr) return out;
  auto encoded = EncodeBatch(*out.plan, *out.batch, options);
  EXPECT_TRUE(encoded.ok()) << encoded.status();
  if (encoded.ok()) out.encoded = std::move(*encoded);
  out.parser = std::make_unique<RecordParser>(*out.plan);
  return out;
}

/// Every row encodes, the field has `proto_type`, and row i holds expected[i].
void ExpectIntegersOnEveryRow(const TypePtr& type, const std::string& json,
                              FieldDescriptor::Type proto_type,
                              const std::vector<int64_t>& expected) {
  SCOPED_TRACE(type->ToString() + " " + json);
  auto c = Encode(ArrayFromJson(type, json));
  ASSERT_NE(c.plan, nullptr);
  ASSERT_EQ(c.field()->type(), proto_type) << c.plan->DescribeMessage();
  ASSERT_EQ(c.encoded.num_rows, static_cast<int64_t>(expected.size()));
  EXPECT_EQ(c.encoded.failed_count(), 0) << "the original failed every row of " << type->ToString();
  for (size_t i = 0; i < expected.size(); ++i) {
    auto m = c.Row(i);
    ASSERT_NE(m, nullptr);
    const auto* r = m->GetReflection();
    ASSERT_TRUE(r->HasField(*m, c.field()));
    const int64_t got = proto_type == FieldDescriptor::TYPE_INT32 ? r->GetInt32(*m, c.field())
                                                                  : r->GetInt64(*m, c.field());
    EXPECT_EQ(got, expected[i]) << "row " << i;
  }
  EXPECT_TRUE(BatchMatchesOracle(*c.plan, *c.batch, c.encoded));
}

// ---------------------------------------------------------------------------------------------
// W4 / 2.2: types whose rows all failed in the original although their descriptor was generated

TEST(OriginalDefectW4, Int8EncodesOnEveryRow) {
  ExpectIntegersOnEveryRow(arrow::int8(), "[-128, 127, 0, -1]", FieldDescriptor::TYPE_INT32,
                           {-128, 127, 0, -1});
}

TEST(OriginalDefectW4, Int16EncodesOnEveryRow) {
  ExpectIntegersOnEveryRow(arrow::int16(), "[-32768, 32767, 0, -1]", FieldDescriptor::TYPE_INT32,
                           {-32768, 32767, 0, -1});
}

TEST(OriginalDefectW4, UInt8EncodesOnEveryRow) {
  ExpectIntegersOnEveryRow(arrow::uint8(), "[0, 255, 128]", FieldDescriptor::TYPE_INT32,
                           {0, 255, 128});
}

TEST(OriginalDefectW4, UInt16EncodesOnEveryRow) {
  ExpectIntegersOnEveryRow(arrow::uint16(), "[0, 65535, 32768]", FieldDescriptor::TYPE_INT32,
                           {0, 65535, 32768});
}

TEST(OriginalDefectW4, UInt32EncodesOnEveryRowWithoutWrapping) {
  // uint32 goes to int64, so values above INT32_MAX stay positive.
  ExpectIntegersOnEveryRow(arrow::uint32(), "[0, 4294967295, 2147483648]",
                           FieldDescriptor::TYPE_INT64, {0, 4294967295LL, 2147483648LL});
}

TEST(OriginalDefectW4, UInt64EncodesOnEveryRowInRange) {
  ExpectIntegersOnEveryRow(arrow::uint64(), "[0, 9223372036854775807, 5]",
                           FieldDescriptor::TYPE_INT64, {0, kInt64Max, 5});
}

TEST(OriginalDefectW4, UInt64AboveInt64MaxIsARowErrorNotAWrappedValue) {
  auto c = Encode(ArrayFromJson(arrow::uint64(), "[1, 9223372036854775808, 18446744073709551615]"));
  ASSERT_NE(c.plan, nullptr);
  EXPECT_FALSE(c.encoded.failed(0));
  ASSERT_EQ(c.encoded.failed_count(), 2);
  for (int k = 0; k < 2; ++k) {
    EXPECT_EQ(c.encoded.errors[k].row, k + 1);
    EXPECT_EQ(c.encoded.errors[k].kind, RowErrorKind::kIntegerOverflow);
    EXPECT_EQ(c.encoded.errors[k].column, "v");
  }
}

TEST(OriginalDefectW4, LargeUtf8EncodesOnEveryRow) {
  auto c = Encode(ArrayFromJson(arrow::large_utf8(), "[\"\", \"a\", \"\\u00fc\\u2713\"]"));
  ASSERT_NE(c.plan, nullptr);
  EXPECT_EQ(c.field()->type(), FieldDescriptor::TYPE_STRING);
  EXPECT_EQ(c.encoded.failed_count(), 0);
  const std::string expected[] = {"", "a", "\xc3\xbc\xe2\x9c\x93"};
  for (int i = 0; i < 3; ++i) {
    auto m = c.Row(i);
    ASSERT_NE(m, nullptr);
    EXPECT_TRUE(m->GetReflection()->HasField(*m, c.field()));
    EXPECT_EQ(m->GetReflection()->GetString(*m, c.field()), expected[i]);
  }
}

TEST(OriginalDefectW4, LargeBinaryEncodesOnEveryRow) {
  arrow::LargeBinaryBuilder builder;
  ASSERT_TRUE(builder.Append(std::string("\0\xff", 2)).ok());
  ASSERT_TRUE(builder.Append("").ok());
  auto c = Encode(builder.Finish().ValueOrDie());
  ASSERT_NE(c.plan, nullptr);
  EXPECT_EQ(c.field()->type(), FieldDescriptor::TYPE_BYTES);
  EXPECT_EQ(c.encoded.failed_count(), 0);
  auto m0 = c.Row(0);
  ASSERT_NE(m0, nullptr);
  EXPECT_EQ(m0->GetReflection()->GetString(*m0, c.field()), std::string("\0\xff", 2));
  auto m1 = c.Row(1);
  ASSERT_NE(m1, nullptr);
  EXPECT_TRUE(m1->GetReflection()->HasField(*m1, c.field()));
}

TEST(OriginalDefectW4, LargeListEncodesOnEveryRow) {
  auto c =
      Encode(ArrayFromJson(arrow::large_list(arrow::int32()), "[[1, -1, 2147483647], [], [0]]"));
  ASSERT_NE(c.plan, nullptr);
  ASSERT_TRUE(c.field()->is_repeated());
  EXPECT_TRUE(c.field()->is_packed());
  EXPECT_EQ(c.encoded.failed_count(), 0);
  const std::vector<std::vector<int32_t>> expected = {{1, -1, 2147483647}, {}, {0}};
  for (int i = 0; i < 3; ++i) {
    auto m = c.Row(i);
    ASSERT_NE(m, nullptr);
    const auto* r = m->GetReflection();
    ASSERT_EQ(r->FieldSize(*m, c.field()), static_cast<int>(expected[i].size())) << "row " << i;
    for (size_t j = 0; j < expected[i].size(); ++j) {
      EXPECT_EQ(r->GetRepeatedInt32(*m, c.field(), j), expected[i][j]);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// W4 / 2.2: types the original rejected outright

TEST(OriginalDefectW4, DecimalIsAcceptedAsExactText) {
  auto column = arrow::Decimal128Builder(arrow::decimal128(10, 4));
  ASSERT_TRUE(column.Append(arrow::Decimal128(-123400)).ok());
  ASSERT_TRUE(column.Append(arrow::Decimal128(5)).ok());
  auto c = Encode(column.Finish().ValueOrDie());
  ASSERT_NE(c.plan, nullptr);
  EXPECT_EQ(c.field()->type(), FieldDescriptor::TYPE_STRING);
  auto m0 = c.Row(0);
  auto m1 = c.Row(1);
  ASSERT_NE(m0, nullptr);
  ASSERT_NE(m1, nullptr);
  EXPECT_EQ(m0->GetReflection()->GetString(*m0, c.field()), "-12.3400");
  EXPECT_EQ(m1->GetReflection()->GetString(*m1, c.field()), "0.0005");

  arrow::Decimal256Builder wide(arrow::decimal256(40, -2));
  ASSERT_TRUE(wide.Append(arrow::Decimal256(5)).ok());
  auto w = Encode(wide.Finish().ValueOrDie());
  ASSERT_NE(w.plan, nullptr);
  auto wm = w.Row(0);
  ASSERT_NE(wm, nullptr);
  EXPECT_EQ(wm->GetReflection()->GetString(*wm, w.field()), "500");
}

TEST(OriginalDefectW4, TimeAndDurationAreAcceptedAsMicroseconds) {
  ExpectIntegersOnEveryRow(arrow::time32(arrow::TimeUnit::MILLI), "[1000, 0, 86399999]",
                           FieldDescriptor::TYPE_INT64, {1000000, 0, 86399999000LL});
  ExpectIntegersOnEveryRow(arrow::time64(arrow::TimeUnit::NANO), "[1500, 999, 86399999999999]",
                           FieldDescriptor::TYPE_INT64, {1, 0, 86399999999LL});
  ExpectIntegersOnEveryRow(arrow::duration(arrow::TimeUnit::SECOND), "[2, -1, 0]",
                           FieldDescriptor::TYPE_INT64, {2000000, -1000000, 0});
}

TEST(OriginalDefectW4, MapIsAcceptedAsProtoMap) {
  auto c = Encode(
      ArrayFromJson(arrow::map(arrow::utf8(), arrow::int64()), "[[[\"a\", 1], [\"b\", -2]], []]"));
  ASSERT_NE(c.plan, nullptr);
  ASSERT_TRUE(c.field()->is_map()) << c.plan->DescribeMessage();
  EXPECT_EQ(c.field()->message_type()->map_key()->type(), FieldDescriptor::TYPE_STRING);
  EXPECT_EQ(c.field()->message_type()->map_value()->type(), FieldDescriptor::TYPE_INT64);
  auto m = c.Row(0);
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->GetReflection()->FieldSize(*m, c.field()), 2);
  std::map<std::string, int64_t> entries;
  for (int i = 0; i < 2; ++i) {
    const Message& e = m->GetReflection()->GetRepeatedMessage(*m, c.field(), i);
    entries[e.GetReflection()->GetString(e, e.GetDescriptor()->map_key())] =
        e.GetReflection()->GetInt64(e, e.GetDescriptor()->map_value());
  }
  EXPECT_EQ(entries, (std::map<std::string, int64_t>{{"a", 1}, {"b", -2}}));
  EXPECT_TRUE(BatchMatchesOracle(*c.plan, *c.batch, c.encoded));
}

TEST(OriginalDefectW4, DictionaryIsAcceptedAsItsValues) {
  auto dictionary =
      arrow::DictionaryArray::FromArrays(arrow::dictionary(arrow::int8(), arrow::utf8()),
                                         ArrayFromJson(arrow::int8(), "[1, 0, 1]"),
                                         ArrayFromJson(arrow::utf8(), "[\"x\", \"yy\"]"))
          .ValueOrDie();
  auto c = Encode(dictionary);
  ASSERT_NE(c.plan, nullptr);
  EXPECT_EQ(c.field()->type(), FieldDescriptor::TYPE_STRING);
  const char* expected[] = {"yy", "x", "yy"};
  for (int i = 0; i < 3; ++i) {
    auto m = c.Row(i);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->GetReflection()->GetString(*m, c.field()), expected[i]);
  }
}

TEST(OriginalDefectW4, FixedSizeBinaryIsAcceptedAsBytes) {
  auto c = Encode(ArrayFromJson(arrow::fixed_size_binary(3), "[\"abc\", \"xyz\"]"));
  ASSERT_NE(c.plan, nullptr);
  EXPECT_EQ(c.field()->type(), FieldDescriptor::TYPE_BYTES);
  auto m = c.Row(1);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->GetReflection()->GetString(*m, c.field()), "xyz");
}

TEST(OriginalDefectW4, FixedSizeListIsAcceptedAsRepeated) {
  auto c = Encode(ArrayFromJson(arrow::fixed_size_list(arrow::int64(), 2), "[[1, -1], [0, 9]]"));
  ASSERT_NE(c.plan, nullptr);
  ASSERT_TRUE(c.field()->is_repeated());
  auto m = c.Row(0);
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->GetReflection()->FieldSize(*m, c.field()), 2);
  EXPECT_EQ(m->GetReflection()->GetRepeatedInt64(*m, c.field(), 0), 1);
  EXPECT_EQ(m->GetReflection()->GetRepeatedInt64(*m, c.field(), 1), -1);
}

TEST(OriginalDefectW4, Float16IsAcceptedAsFloat) {
  arrow::HalfFloatBuilder builder;
  ASSERT_TRUE(builder.Append(0x3e00).ok());  // 1.5
  ASSERT_TRUE(builder.Append(0xc000).ok());  // -2
  auto c = Encode(builder.Finish().ValueOrDie());
  ASSERT_NE(c.plan, nullptr);
  EXPECT_EQ(c.field()->type(), FieldDescriptor::TYPE_FLOAT);
  auto m0 = c.Row(0);
  auto m1 = c.Row(1);
  ASSERT_NE(m0, nullptr);
  ASSERT_NE(m1, nullptr);
  EXPECT_EQ(m0->GetReflection()->GetFloat(*m0, c.field()), 1.5f);
  EXPECT_EQ(m1->GetReflection()->GetFloat(*m1, c.field()), -2.0f);
}

// ---------------------------------------------------------------------------------------------
// W4: Date64 was sent as raw milliseconds; timestamp scaling could overflow silently

TEST(OriginalDefectW4, Date64IsSentAsDays) {
  // Whole days, as arrow's validation requires.
  ExpectIntegersOnEveryRow(arrow::date64(), "[259200000, -86400000, 0, 1641600000000]",
                           FieldDescriptor::TYPE_INT32, {3, -1, 0, 19000});
}

TEST(OriginalDefectW4, Date64PartialDaysAreFloorDividedToDays) {
  // Only reachable without validation (arrow requires whole days): floor, not truncation.
  EncodeOptions options;
  options.validate = false;
  auto c = Encode(ArrayFromJson(arrow::date64(), "[259200005, -1, -86400001, 86399999, -86400000]"),
                  true, options);
  ASSERT_NE(c.plan, nullptr);
  const int32_t expected[] = {3, -1, -2, 0, -1};
  for (int i = 0; i < 5; ++i) {
    auto m = c.Row(i);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->GetReflection()->GetInt32(*m, c.field()), expected[i]) << "row " << i;
  }
}

TEST(OriginalDefectW4, TimestampOverflowIsARowErrorNotAWrappedValue) {
  auto c = Encode(ArrayFromJson(arrow::timestamp(arrow::TimeUnit::SECOND, "UTC"),
                                "[9223372036854775807, 1, -9223372036854775808, 9223372036854]"));
  ASSERT_NE(c.plan, nullptr);
  ASSERT_EQ(c.encoded.failed_count(), 2);
  EXPECT_EQ(c.encoded.errors[0].row, 0);
  EXPECT_EQ(c.encoded.errors[1].row, 2);
  for (const auto& e : c.encoded.errors) {
    EXPECT_EQ(e.kind, RowErrorKind::kTimestampOverflow) << e.message;
    EXPECT_EQ(e.column, "v");
    EXPECT_NE(e.message.find("row " + std::to_string(e.row)), std::string::npos) << e.message;
  }
  auto m1 = c.Row(1);
  auto m3 = c.Row(3);
  ASSERT_NE(m1, nullptr);
  ASSERT_NE(m3, nullptr);
  EXPECT_EQ(m1->GetReflection()->GetInt64(*m1, c.field()), 1000000);
  EXPECT_EQ(m3->GetReflection()->GetInt64(*m3, c.field()), 9223372036854000000LL);

  auto ms = Encode(ArrayFromJson(arrow::timestamp(arrow::TimeUnit::MILLI),
                                 "[9223372036854776, 9223372036854775]"));
  ASSERT_NE(ms.plan, nullptr);
  EXPECT_TRUE(ms.encoded.failed(0));
  EXPECT_FALSE(ms.encoded.failed(1));
}

TEST(OriginalDefectW4, NanosecondTimestampsFloorToMicroseconds) {
  // The original truncated towards zero: -1 ns became 0 us, i.e. a later instant.
  ExpectIntegersOnEveryRow(arrow::timestamp(arrow::TimeUnit::NANO), "[-1, -1000, -1001, 1999]",
                           FieldDescriptor::TYPE_INT64, {-1, -1, -2, 1});
}

// ---------------------------------------------------------------------------------------------
// W5: names not fully qualified below depth 1

/// Every message-typed field of `proto` (nested in `scope`) names a type that resolves.
void ExpectTypeNamesResolve(const google::protobuf::DescriptorProto& proto,
                            const google::protobuf::Descriptor& built,
                            const google::protobuf::DescriptorPool& pool, int* checked) {
  for (const auto& f : proto.field()) {
    if (f.type() != FieldDescriptorProto::TYPE_MESSAGE) continue;
    ++*checked;
    ASSERT_FALSE(f.type_name().empty()) << f.name();
    EXPECT_EQ(f.type_name()[0], '.')
        << "type_name of '" << f.name() << "' is not fully qualified: " << f.type_name();
    const auto* resolved = pool.FindMessageTypeByName(f.type_name().substr(1));
    ASSERT_NE(resolved, nullptr) << f.type_name() << " does not resolve";
    const auto* fd = built.FindFieldByName(f.name());
    ASSERT_NE(fd, nullptr);
    EXPECT_EQ(fd->message_type(), resolved) << f.name();
  }
  for (const auto& nested : proto.nested_type()) {
    const auto* nested_built = built.FindNestedTypeByName(nested.name());
    ASSERT_NE(nested_built, nullptr) << nested.name();
    ExpectTypeNamesResolve(nested, *nested_built, pool, checked);
  }
}

TEST(OriginalDefectW5, NestedTypeNamesAreFullyQualifiedAtEveryDepth) {
  const auto level3 = arrow::struct_({arrow::field("d", arrow::int32())});
  const auto level2 = arrow::struct_({arrow::field("c", level3)});
  const auto level1 = arrow::struct_({arrow::field("b", level2)});
  const auto item = arrow::struct_({arrow::field(
      "e",
      arrow::struct_({arrow::field("f", arrow::struct_({arrow::field("g", arrow::utf8())}))}))});
  auto batch =
      MakeBatch({arrow::field("a", level1), arrow::field("items", arrow::list(item)),
                 arrow::field("m", arrow::map(arrow::utf8(), arrow::int32()))},
                {ArrayFromJson(level1, "[{\"b\": {\"c\": {\"d\": 42}}}]"),
                 ArrayFromJson(arrow::list(item), "[[{\"e\": {\"f\": {\"g\": \"deep\"}}}]]"),
                 ArrayFromJson(arrow::map(arrow::utf8(), arrow::int32()), "[[[\"k\", 7]]]")});
  auto plan = PlanOrFail(*batch->schema());
  ASSERT_NE(plan, nullptr);

  int checked = 0;
  ExpectTypeNamesResolve(plan->descriptor, *plan->message, *plan->pool, &checked);
  EXPECT_GE(checked, 7) << plan->DescribeMessage();

  // A strict, fresh pool builds the file too.
  google::protobuf::DescriptorPool fresh;
  ASSERT_NE(fresh.BuildFile(plan->file), nullptr);

  // The depth-3 messages are found from the record message.
  const auto* a = plan->message->FindFieldByName("a");
  ASSERT_NE(a, nullptr);
  const auto* b = a->message_type()->FindFieldByName("b");
  ASSERT_NE(b, nullptr);
  const auto* c = b->message_type()->FindFieldByName("c");
  ASSERT_NE(c, nullptr);
  ASSERT_NE(c->message_type(), nullptr);
  EXPECT_NE(plan->pool->FindMessageTypeByName(c->message_type()->full_name()), nullptr);

  // And a record uses them.
  auto encoded = EncodeBatch(*plan, *batch);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  ASSERT_FALSE(encoded->failed(0));
  RecordParser parser(*plan);
  auto m = parser.Parse(encoded->record(0));
  ASSERT_NE(m, nullptr);
  const Message& ma = m->GetReflection()->GetMessage(*m, a);
  const Message& mb = ma.GetReflection()->GetMessage(ma, b);
  const Message& mc = mb.GetReflection()->GetMessage(mb, c);
  EXPECT_EQ(mc.GetReflection()->GetInt32(mc, mc.GetDescriptor()->FindFieldByName("d")), 42);
  EXPECT_TRUE(BatchMatchesOracle(*plan, *batch, *encoded));
}

// ---------------------------------------------------------------------------------------------
// W5 / 2.3: nulls were omitted like defaults, null list elements vanished

TEST(OriginalDefectW5, NullIsAbsentAndZeroIsPresent) {
  auto batch = MakeBatch(
      {arrow::field("i", arrow::int64()), arrow::field("s", arrow::utf8()),
       arrow::field("b", arrow::boolean()), arrow::field("d", arrow::float64())},
      {ArrayFromJson(arrow::int64(), "[null, 0]"), ArrayFromJson(arrow::utf8(), "[null, \"\"]"),
       ArrayFromJson(arrow::boolean(), "[null, false]"),
       ArrayFromJson(arrow::float64(), "[null, 0.0]")});
  auto plan = PlanOrFail(*batch->schema());
  ASSERT_NE(plan, nullptr);
  auto encoded = EncodeBatch(*plan, *batch);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  ASSERT_EQ(encoded->failed_count(), 0);
  EXPECT_EQ(encoded->record(0).size(), 0u) << "all-null row: no field at all";
  // Row 1: every field present with its default value.
  const std::string expected("\x08\x00\x12\x00\x18\x00\x21\x00\x00\x00\x00\x00\x00\x00\x00", 15);
  EXPECT_EQ(encoded->record(1), expected);
  RecordParser parser(*plan);
  auto m0 = parser.Parse(encoded->record(0));
  auto m1 = parser.Parse(encoded->record(1));
  ASSERT_NE(m0, nullptr);
  ASSERT_NE(m1, nullptr);
  for (const char* name : {"i", "s", "b", "d"}) {
    const auto* fd = plan->message->FindFieldByName(name);
    EXPECT_FALSE(m0->GetReflection()->HasField(*m0, fd)) << name << " null must be absent";
    EXPECT_TRUE(m1->GetReflection()->HasField(*m1, fd)) << name << " default must be present";
  }
}

TEST(OriginalDefectW5, NullListElementIsARowErrorNotDropped) {
  const auto item = arrow::struct_({arrow::field("x", arrow::int32())});
  auto batch = MakeBatch(
      {arrow::field("ints", arrow::list(arrow::int32())),
       arrow::field("texts", arrow::list(arrow::utf8())), arrow::field("items", arrow::list(item))},
      {ArrayFromJson(arrow::list(arrow::int32()), "[[1, null, 3], [4], [5], [6]]"),
       ArrayFromJson(arrow::list(arrow::utf8()), "[[\"a\"], [\"b\", null], [\"c\"], [\"d\"]]"),
       ArrayFromJson(arrow::list(item), "[[{\"x\": 1}], [{\"x\": 2}], [null, {\"x\": 3}], [{}]]")});
  auto plan = PlanOrFail(*batch->schema());
  ASSERT_NE(plan, nullptr);
  auto encoded = EncodeBatch(*plan, *batch);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  ASSERT_EQ(encoded->failed_count(), 3);
  const char* columns[] = {"ints", "texts", "items"};
  for (int row = 0; row < 3; ++row) {
    const RowError& e = encoded->errors[row];
    EXPECT_EQ(e.row, row);
    EXPECT_EQ(e.kind, RowErrorKind::kNullElement) << e.message;
    EXPECT_EQ(e.column.rfind(columns[row], 0), 0u) << e.column;
  }
  EXPECT_FALSE(encoded->failed(3));
  EXPECT_TRUE(BatchMatchesOracle(*plan, *batch, *encoded));
}

// ---------------------------------------------------------------------------------------------
// W5 / 2.2: wire types (the original wrote strings into SINT fields; FIXED / UINT32 unsupported)

TEST(OriginalDefectW5, NegativeInt32IsATenByteVarintLikeProtobufWritesIt) {
  auto c = Encode(ArrayFromJson(arrow::int32(), "[-1, -2147483648]"));
  ASSERT_NE(c.plan, nullptr);
  for (int row = 0; row < 2; ++row) {
    auto reference = c.parser->New();
    reference->GetReflection()->SetInt32(reference.get(), c.field(), row == 0 ? -1 : INT32_MIN);
    EXPECT_EQ(c.encoded.record(row), reference->SerializeAsString()) << "row " << row;
    EXPECT_EQ(c.encoded.record(row).size(), 11u) << "tag + 10-byte varint";
  }
}

TEST(OriginalDefectW5, SuppliedDescriptorWireTypesMatchProtobuf) {
  google::protobuf::DescriptorProto proto;
  proto.set_name("Typed");
  const std::pair<const char*, FieldDescriptorProto::Type> fields[] = {
      {"s32", FieldDescriptorProto::TYPE_SINT32},    {"s64", FieldDescriptorProto::TYPE_SINT64},
      {"f32", FieldDescriptorProto::TYPE_FIXED32},   {"sf64", FieldDescriptorProto::TYPE_SFIXED64},
      {"u32", FieldDescriptorProto::TYPE_UINT32},    {"f64", FieldDescriptorProto::TYPE_FIXED64},
      {"sf32", FieldDescriptorProto::TYPE_SFIXED32}, {"dbl", FieldDescriptorProto::TYPE_DOUBLE}};
  int number = 1;
  for (const auto& [name, type] : fields) {
    auto* f = proto.add_field();
    f->set_name(name);
    f->set_number(number++);
    f->set_type(type);
    f->set_label(FieldDescriptorProto::LABEL_OPTIONAL);
  }
  auto batch = MakeBatch(
      {arrow::field("s32", arrow::int32()), arrow::field("s64", arrow::int64()),
       arrow::field("f32", arrow::uint32()), arrow::field("sf64", arrow::int64()),
       arrow::field("u32", arrow::uint16()), arrow::field("f64", arrow::uint64()),
       arrow::field("sf32", arrow::int8()), arrow::field("dbl", arrow::float32())},
      {ArrayFromJson(arrow::int32(), "[-1, -2147483648, 2147483647, 0]"),
       ArrayFromJson(arrow::int64(), "[-1, -9223372036854775808, 9223372036854775807, 1]"),
       ArrayFromJson(arrow::uint32(), "[0, 4294967295, 1, 2]"),
       ArrayFromJson(arrow::int64(), "[-1, -9223372036854775808, 9223372036854775807, 3]"),
       ArrayFromJson(arrow::uint16(), "[0, 65535, 1, 4]"),
       ArrayFromJson(arrow::uint64(), "[0, 18446744073709551615, 1, 5]"),
       ArrayFromJson(arrow::int8(), "[-1, -128, 127, 6]"),
       ArrayFromJson(arrow::float32(), "[1.5, -0.0, 3.4028234663852886e38, 7]")});
  schema::PlanOptions options;
  options.descriptor = proto;
  auto plan = PlanOrFail(*batch->schema(), options);
  ASSERT_NE(plan, nullptr);
  auto encoded = EncodeBatch(*plan, *batch);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  ASSERT_EQ(encoded->failed_count(), 0);
  RecordParser parser(*plan);
  for (int64_t row = 0; row < batch->num_rows(); ++row) {
    // Protobuf's own serialization of the same values.
    auto reference = parser.New();
    const auto* r = reference->GetReflection();
    const auto* d = reference->GetDescriptor();
    auto value = [&](int col) { return batch->column(col)->GetScalar(row).ValueOrDie(); };
    r->SetInt32(reference.get(), d->FindFieldByName("s32"),
                std::static_pointer_cast<arrow::Int32Scalar>(value(0))->value);
    r->SetInt64(reference.get(), d->FindFieldByName("s64"),
                std::static_pointer_cast<arrow::Int64Scalar>(value(1))->value);
    r->SetUInt32(reference.get(), d->FindFieldByName("f32"),
                 std::static_pointer_cast<arrow::UInt32Scalar>(value(2))->value);
    r->SetInt64(reference.get(), d->FindFieldByName("sf64"),
                std::static_pointer_cast<arrow::Int64Scalar>(value(3))->value);
    r->SetUInt32(reference.get(), d->FindFieldByName("u32"),
                 std::static_pointer_cast<arrow::UInt16Scalar>(value(4))->value);
    r->SetUInt64(reference.get(), d->FindFieldByName("f64"),
                 std::static_pointer_cast<arrow::UInt64Scalar>(value(5))->value);
    r->SetInt32(reference.get(), d->FindFieldByName("sf32"),
                std::static_pointer_cast<arrow::Int8Scalar>(value(6))->value);
    r->SetDouble(reference.get(), d->FindFieldByName("dbl"),
                 std::static_pointer_cast<arrow::FloatScalar>(value(7))->value);
    EXPECT_EQ(encoded->record(row), reference->SerializeAsString()) << "row " << row;
  }
}

TEST(OriginalDefectW5, StringColumnIsRefusedForSintField) {
  // The original wrote a StringArray into SINT32 / SINT64 fields with the length-delimited wire
  // type; such a pairing must be refused when the schema is planned.
  for (const auto type : {FieldDescriptorProto::TYPE_SINT32, FieldDescriptorProto::TYPE_SINT64}) {
    google::protobuf::DescriptorProto proto;
    proto.set_name("Rec");
    auto* f = proto.add_field();
    f->set_name("code");
    f->set_number(1);
    f->set_type(type);
    f->set_label(FieldDescriptorProto::LABEL_OPTIONAL);
    schema::PlanOptions options;
    options.descriptor = proto;
    auto plan = schema::PlanSchema(*arrow::schema({arrow::field("code", arrow::utf8())}), options);
    ASSERT_FALSE(plan.ok());
    EXPECT_EQ(plan.status().kind(), ErrorKind::kConfiguration);
    EXPECT_NE(plan.status().message().find("code"), std::string::npos) << plan.status();
  }
}

}  // namespace
}  // namespace arrow_zerobus::encode
