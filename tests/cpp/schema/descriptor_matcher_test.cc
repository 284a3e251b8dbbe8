// PlanSchema with a caller-supplied DescriptorProto: name matching, packages, required fields,
// type compatibility, range-checked integer targets, text checks, nesting, packing.
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <arrow/builder.h>
#include <arrow/scalar.h>
#include <arrow/type.h>
#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/unknown_field_set.h>
#include <gtest/gtest.h>

#include "encode/batch_encoder.h"
#include "schema/schema_plan.h"
#include "testing/arrow_builders.h"

namespace arrow_zerobus::schema {
namespace {

using arrow_zerobus::testing::ArrayFromJson;
using arrow_zerobus::testing::MakeBatch;
using encode::EncodeBatch;
using encode::EncodedBatch;
using encode::RowErrorKind;
using google::protobuf::DescriptorProto;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;
using ::testing::HasSubstr;

DescriptorProto ParseDescriptor(const std::string& text) {
  DescriptorProto proto;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &proto)) << text;
  return proto;
}

PlanOptions WithDescriptor(const std::string& text) {
  PlanOptions options;
  options.descriptor = ParseDescriptor(text);
  return options;
}

std::shared_ptr<arrow::Schema> Schema(std::vector<std::shared_ptr<arrow::Field>> fields) {
  return arrow::schema(std::move(fields));
}

std::shared_ptr<const SchemaPlan> PlanOrFail(const arrow::Schema& schema,
                                             const PlanOptions& options) {
  return arrow_zerobus::testing::PlanOrFail(schema, options);
}

Status PlanError(const arrow::Schema& schema, const PlanOptions& options) {
  auto plan = PlanSchema(schema, options);
  return plan.ok() ? Status::OK() : plan.status();
}

void ExpectConfigError(const arrow::Schema& schema, const PlanOptions& options,
                       const std::vector<std::string>& parts) {
  SCOPED_TRACE(schema.ToString());
  const Status st = PlanError(schema, options);
  ASSERT_FALSE(st.ok()) << "planning unexpectedly succeeded";
  EXPECT_EQ(st.kind(), ErrorKind::kConfiguration) << st;
  for (const auto& part : parts) EXPECT_THAT(st.message(), HasSubstr(part));
}

/// Parses records with the plan's own descriptor pool.
class Decoder {
 public:
  explicit Decoder(const SchemaPlan& plan) : factory_(plan.pool.get()), plan_(plan) {}
  std::unique_ptr<Message> Parse(std::string_view bytes) {
    std::unique_ptr<Message> msg(factory_.GetPrototype(plan_.message)->New());
    EXPECT_TRUE(msg->ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        << "record does not parse";
    return msg;
  }

 private:
  google::protobuf::DynamicMessageFactory factory_;
  const SchemaPlan& plan_;
};

/// The raw (number, wire type) of every field of a record, in wire order.
std::vector<std::pair<int, UnknownField::Type>> Tags(std::string_view bytes) {
  UnknownFieldSet set;
  EXPECT_TRUE(set.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
  std::vector<std::pair<int, UnknownField::Type>> out;
  for (int i = 0; i < set.field_count(); ++i) {
    out.emplace_back(set.field(i).number(), set.field(i).type());
  }
  return out;
}

EncodedBatch EncodeOk(const SchemaPlan& plan, const arrow::RecordBatch& batch) {
  auto encoded = EncodeBatch(plan, batch);
  EXPECT_TRUE(encoded.ok()) << encoded.status();
  if (!encoded.ok()) return EncodedBatch{};
  return std::move(*encoded);
}

// ---------------------------------------------------------------------------------------------
// Matching by name

constexpr const char* kOrders = R"pb(
  name: "Rec"
  field { name: "id" number: 3 label: LABEL_REQUIRED type: TYPE_INT64 }
  field { name: "name" number: 7 label: LABEL_OPTIONAL type: TYPE_STRING }
  field { name: "score" number: 12 label: LABEL_OPTIONAL type: TYPE_DOUBLE }
)pb";

TEST(DescriptorMatcherTest, ColumnsMatchedByNameWithDescriptorNumbers) {
  auto schema =
      Schema({arrow::field("name", arrow::utf8()), arrow::field("score", arrow::float64()),
              arrow::field("id", arrow::int64(), false)});
  auto plan = PlanOrFail(*schema, WithDescriptor(kOrders));
  ASSERT_NE(plan, nullptr);
  ASSERT_EQ(plan->fields.size(), 3u);
  EXPECT_EQ(plan->fields[0].number, 7);
  EXPECT_EQ(plan->fields[1].number, 12);
  EXPECT_EQ(plan->fields[2].number, 3);
  EXPECT_TRUE(plan->fields[2].required);
  EXPECT_EQ(plan->message->full_name(), "Rec");
  // The supplied descriptor is what is sent.
  EXPECT_EQ(plan->descriptor.SerializeAsString(), ParseDescriptor(kOrders).SerializeAsString());

  auto batch = MakeBatch(
      {schema->field(0), schema->field(1), schema->field(2)},
      {ArrayFromJson(arrow::utf8(), R"(["a", null])"), ArrayFromJson(arrow::float64(), "[1.5, 2]"),
       ArrayFromJson(arrow::int64(), "[10, -20]")});
  EncodedBatch encoded = EncodeOk(*plan, *batch);
  ASSERT_EQ(encoded.num_rows, 2);
  ASSERT_EQ(encoded.failed_count(), 0);

  using T = UnknownField::Type;
  EXPECT_EQ(Tags(encoded.record(0)),
            (std::vector<std::pair<int, T>>{{7, UnknownField::TYPE_LENGTH_DELIMITED},
                                            {12, UnknownField::TYPE_FIXED64},
                                            {3, UnknownField::TYPE_VARINT}}));
  EXPECT_EQ(Tags(encoded.record(1)),
            (std::vector<std::pair<int, T>>{{12, UnknownField::TYPE_FIXED64},
                                            {3, UnknownField::TYPE_VARINT}}));

  Decoder decoder(*plan);
  auto row0 = decoder.Parse(encoded.record(0));
  const auto* refl = row0->GetReflection();
  const auto* desc = row0->GetDescriptor();
  EXPECT_EQ(refl->GetString(*row0, desc->FindFieldByName("name")), "a");
  EXPECT_EQ(refl->GetDouble(*row0, desc->FindFieldByName("score")), 1.5);
  EXPECT_EQ(refl->GetInt64(*row0, desc->FindFieldByName("id")), 10);
  auto row1 = decoder.Parse(encoded.record(1));
  EXPECT_FALSE(refl->HasField(*row1, desc->FindFieldByName("name")));
  EXPECT_EQ(refl->GetInt64(*row1, desc->FindFieldByName("id")), -20);
}

TEST(DescriptorMatcherTest, OptionalDescriptorFieldsMayBeMissing) {
  auto schema = Schema({arrow::field("id", arrow::int64(), false)});
  auto plan = PlanOrFail(*schema, WithDescriptor(kOrders));
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan->fields.size(), 1u);
}

TEST(DescriptorMatcherTest, PackagedTypeNamesAccepted) {
  const char* text = R"pb(
    name: "table_Orders"
    field { name: "id" number: 1 label: LABEL_OPTIONAL type: TYPE_INT64 }
    field {
      name: "address"
      number: 2
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".orders.table_Orders.Address"
    }
    nested_type {
      name: "Address"
      field { name: "street" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
      field { name: "zip" number: 2 label: LABEL_OPTIONAL type: TYPE_INT32 }
    }
  )pb";
  auto address =
      arrow::struct_({arrow::field("zip", arrow::int32()), arrow::field("street", arrow::utf8())});
  auto schema = Schema({arrow::field("id", arrow::int64()), arrow::field("address", address)});
  auto plan = PlanOrFail(*schema, WithDescriptor(text));
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan->file.package(), "orders");
  EXPECT_EQ(plan->message->full_name(), "orders.table_Orders");
  ASSERT_NE(plan->pool->FindMessageTypeByName("orders.table_Orders.Address"), nullptr);
  ASSERT_EQ(plan->fields[1].children.size(), 2u);
  EXPECT_EQ(plan->fields[1].children[0].number, 2);
  EXPECT_EQ(plan->fields[1].children[1].number, 1);

  auto batch = MakeBatch({schema->field(0), schema->field(1)},
                         {ArrayFromJson(arrow::int64(), "[5]"),
                          ArrayFromJson(address, R"([{"zip": 1234, "street": "Main"}])")});
  EncodedBatch encoded = EncodeOk(*plan, *batch);
  ASSERT_EQ(encoded.failed_count(), 0);
  Decoder decoder(*plan);
  auto row = decoder.Parse(encoded.record(0));
  const FieldDescriptor* address_fd = row->GetDescriptor()->FindFieldByName("address");
  const Message& addr = row->GetReflection()->GetMessage(*row, address_fd);
  EXPECT_EQ(addr.GetReflection()->GetString(addr, addr.GetDescriptor()->FindFieldByName("street")),
            "Main");
  EXPECT_EQ(addr.GetReflection()->GetInt32(addr, addr.GetDescriptor()->FindFieldByName("zip")),
            1234);
}

TEST(DescriptorMatcherTest, MissingColumnForRequiredFieldNamesTheField) {
  auto schema = Schema({arrow::field("name", arrow::utf8())});
  ExpectConfigError(*schema, WithDescriptor(kOrders), {"'id'", "required"});
}

TEST(DescriptorMatcherTest, ColumnAbsentFromDescriptorNamesColumnAndMessage) {
  auto schema = Schema(
      {arrow::field("id", arrow::int64(), false), arrow::field("extra_col", arrow::int64())});
  ExpectConfigError(*schema, WithDescriptor(kOrders), {"'extra_col'", "'Rec'"});
}

TEST(DescriptorMatcherTest, DuplicateColumnNamesRejected) {
  // Two columns for one field would write the field twice in every record.
  auto schema = Schema(
      {arrow::field("id", arrow::int64(), false), arrow::field("id", arrow::int64(), false)});
  ExpectConfigError(*schema, WithDescriptor(kOrders), {"'id'"});
}

// ---------------------------------------------------------------------------------------------
// Incompatible types

constexpr const char* kShapes = R"pb(
  name: "Shapes"
  field { name: "count" number: 1 label: LABEL_OPTIONAL type: TYPE_INT64 }
  field { name: "label" number: 2 label: LABEL_OPTIONAL type: TYPE_STRING }
  field { name: "nums" number: 3 label: LABEL_REPEATED type: TYPE_INT32 }
  field {
    name: "attrs"
    number: 4
    label: LABEL_REPEATED
    type: TYPE_MESSAGE
    type_name: ".Shapes.AttrsEntry"
  }
  field {
    name: "items"
    number: 5
    label: LABEL_REPEATED
    type: TYPE_MESSAGE
    type_name: ".Shapes.Item"
  }
  field {
    name: "item"
    number: 6
    label: LABEL_OPTIONAL
    type: TYPE_MESSAGE
    type_name: ".Shapes.Item"
  }
  nested_type {
    name: "AttrsEntry"
    field { name: "key" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
    field { name: "value" number: 2 label: LABEL_OPTIONAL type: TYPE_INT64 }
    options { map_entry: true }
  }
  nested_type {
    name: "Item"
    field { name: "key" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
    field { name: "value" number: 2 label: LABEL_OPTIONAL type: TYPE_INT64 }
  }
)pb";

TEST(DescriptorMatcherTest, IncompatibleTypesNameColumnTypeAndField) {
  const auto map_type = arrow::map(arrow::utf8(), arrow::int64());
  const auto item_type =
      arrow::struct_({arrow::field("key", arrow::utf8()), arrow::field("value", arrow::int64())});
  struct Case {
    std::string column;
    std::shared_ptr<arrow::DataType> type;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"count", arrow::utf8(), "Shapes.count"},               // utf8 vs int64
      {"count", arrow::float64(), "Shapes.count"},            // double vs int64
      {"count", arrow::boolean(), "Shapes.count"},            // bool vs int64
      {"label", arrow::int64(), "Shapes.label"},              // int64 vs string
      {"label", arrow::list(arrow::utf8()), "Shapes.label"},  // list vs singular
      {"nums", arrow::int32(), "Shapes.nums"},                // singular vs repeated
      {"nums", arrow::list(arrow::utf8()), "Shapes.nums"},    // wrong element type
      {"items", map_type, "Shapes.items"},                    // map vs non-map repeated
      {"attrs", arrow::list(item_type), "Shapes.attrs"},      // list vs map
      {"attrs", item_type, "Shapes.attrs"},                   // struct vs map
      {"item", map_type, "Shapes.item"},                      // map vs singular message
      {"count", item_type, "Shapes.count"},                   // struct vs int64
      {"item", arrow::int64(), "Shapes.item"},                // int64 vs message
      {"attrs", arrow::map(arrow::utf8(), arrow::utf8()), "Shapes.AttrsEntry.value"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.column + " as " + c.type->ToString());
    ExpectConfigError(*Schema({arrow::field(c.column, c.type)}), WithDescriptor(kShapes),
                      {"'" + c.column, c.field});
  }
  // The Arrow type is named (for the mismatching value).
  ExpectConfigError(*Schema({arrow::field("count", arrow::utf8())}), WithDescriptor(kShapes),
                    {"'count'", "string", "Shapes.count", "int64"});
  ExpectConfigError(*Schema({arrow::field("label", arrow::list(arrow::utf8()))}),
                    WithDescriptor(kShapes), {"'label'", "list<item: string>", "Shapes.label"});
  ExpectConfigError(*Schema({arrow::field("nums", arrow::int32())}), WithDescriptor(kShapes),
                    {"'nums'", "int32", "Shapes.nums", "repeated"});
  ExpectConfigError(*Schema({arrow::field("items", map_type)}), WithDescriptor(kShapes),
                    {"'items'", map_type->ToString(), "Shapes.items"});
}

TEST(DescriptorMatcherTest, CompatibleShapesMatch) {
  const auto item_type =
      arrow::struct_({arrow::field("key", arrow::utf8()), arrow::field("value", arrow::int64())});
  auto schema =
      Schema({arrow::field("count", arrow::int32()), arrow::field("label", arrow::large_binary()),
              arrow::field("nums", arrow::large_list(arrow::int16())),
              arrow::field("attrs", arrow::map(arrow::utf8(), arrow::int64())),
              arrow::field("items", arrow::list(item_type)), arrow::field("item", item_type)});
  auto plan = PlanOrFail(*schema, WithDescriptor(kShapes));
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan->fields[2].shape, FieldShape::kRepeated);
  EXPECT_EQ(plan->fields[3].shape, FieldShape::kMap);
  EXPECT_EQ(plan->fields[3].children[1].path, "attrs.value");
  EXPECT_EQ(plan->fields[4].children[0].path, "items[].key");

  auto batch = MakeBatch(
      {schema->field(0), schema->field(1), schema->field(2), schema->field(3), schema->field(4),
       schema->field(5)},
      {ArrayFromJson(arrow::int32(), "[-7]"), ArrayFromJson(arrow::large_binary(), R"(["xy"])"),
       ArrayFromJson(arrow::large_list(arrow::int16()), "[[1, -2, 3]]"),
       ArrayFromJson(arrow::map(arrow::utf8(), arrow::int64()), R"([[["k", 9]]])"),
       ArrayFromJson(arrow::list(item_type), R"([[{"key": "a", "value": 1}]])"),
       ArrayFromJson(item_type, R"([{"key": "b", "value": 2}])")});
  EncodedBatch encoded = EncodeOk(*plan, *batch);
  ASSERT_EQ(encoded.failed_count(), 0);
  Decoder decoder(*plan);
  auto row = decoder.Parse(encoded.record(0));
  const auto* d = row->GetDescriptor();
  const auto* r = row->GetReflection();
  EXPECT_EQ(r->GetInt64(*row, d->FindFieldByName("count")), -7);
  EXPECT_EQ(r->GetString(*row, d->FindFieldByName("label")), "xy");
  ASSERT_EQ(r->FieldSize(*row, d->FindFieldByName("nums")), 3);
  EXPECT_EQ(r->GetRepeatedInt32(*row, d->FindFieldByName("nums"), 1), -2);
  EXPECT_EQ(r->FieldSize(*row, d->FindFieldByName("attrs")), 1);
  EXPECT_EQ(r->FieldSize(*row, d->FindFieldByName("items")), 1);
  EXPECT_TRUE(r->HasField(*row, d->FindFieldByName("item")));
}

// ---------------------------------------------------------------------------------------------
// Wider integer targets: per-row range checks

struct RangeCase {
  const char* proto_type;  // as in a DescriptorProto's text format
  std::vector<int64_t> ok;
  std::vector<int64_t> overflow;
};

class IntegerTargetTest : public ::testing::TestWithParam<RangeCase> {};

int64_t ReadBack(const Message& msg, const FieldDescriptor* fd) {
  const auto* r = msg.GetReflection();
  switch (fd->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return r->GetInt32(msg, fd);
    case FieldDescriptor::CPPTYPE_UINT32:
      return r->GetUInt32(msg, fd);
    case FieldDescriptor::CPPTYPE_INT64:
      return r->GetInt64(msg, fd);
    case FieldDescriptor::CPPTYPE_UINT64:
      return static_cast<int64_t>(r->GetUInt64(msg, fd));
    default:
      ADD_FAILURE() << "not an integer field";
      return 0;
  }
}

TEST_P(IntegerTargetTest, RangeCheckedPerRow) {
  const RangeCase& c = GetParam();
  const std::string text =
      std::string(R"pb(name: "R"
                       field { name: "pad" number: 1 label: LABEL_OPTIONAL type: TYPE_BOOL }
                       field { name: "v" number: 2 label: LABEL_OPTIONAL type:)pb") +
      c.proto_type + " }";
  auto schema = Schema({arrow::field("pad", arrow::boolean()), arrow::field("v", arrow::int64())});
  auto plan = PlanOrFail(*schema, WithDescriptor(text));
  ASSERT_NE(plan, nullptr);

  // Rows alternate: ok values, then overflowing ones, then a null.
  arrow::Int64Builder builder;
  std::vector<bool> should_fail;
  for (int64_t v : c.ok) {
    ASSERT_TRUE(builder.Append(v).ok());
    should_fail.push_back(false);
  }
  for (int64_t v : c.overflow) {
    ASSERT_TRUE(builder.Append(v).ok());
    should_fail.push_back(true);
  }
  ASSERT_TRUE(builder.AppendNull().ok());
  should_fail.push_back(false);
  std::shared_ptr<arrow::Array> values;
  ASSERT_TRUE(builder.Finish(&values).ok());
  auto pad = arrow::MakeArrayFromScalar(arrow::BooleanScalar(true), values->length()).ValueOrDie();
  auto batch = MakeBatch({schema->field(0), schema->field(1)}, {pad, values});

  EncodedBatch encoded = EncodeOk(*plan, *batch);
  ASSERT_EQ(encoded.num_rows, values->length());
  EXPECT_EQ(encoded.failed_count(), static_cast<int64_t>(c.overflow.size()));
  size_t next_error = 0;
  Decoder decoder(*plan);
  const FieldDescriptor* fd = plan->message->FindFieldByName("v");
  for (int64_t row = 0; row < values->length(); ++row) {
    SCOPED_TRACE("row " + std::to_string(row));
    if (should_fail[row]) {
      ASSERT_TRUE(encoded.failed(row));
      ASSERT_LT(next_error, encoded.errors.size());
      const auto& err = encoded.errors[next_error++];
      EXPECT_EQ(err.row, row);
      EXPECT_EQ(err.column, "v");
      EXPECT_EQ(err.kind, RowErrorKind::kIntegerOverflow);
      EXPECT_THAT(err.message, HasSubstr("row " + std::to_string(row)));
      EXPECT_THAT(err.message, HasSubstr("'v'"));
      EXPECT_TRUE(encoded.record(row).empty());
      continue;
    }
    ASSERT_FALSE(encoded.failed(row));
    auto msg = decoder.Parse(encoded.record(row));
    if (values->IsNull(row)) {
      EXPECT_FALSE(msg->GetReflection()->HasField(*msg, fd));
      continue;
    }
    const int64_t expected = std::static_pointer_cast<arrow::Int64Array>(values)->Value(row);
    ASSERT_TRUE(msg->GetReflection()->HasField(*msg, fd));
    EXPECT_EQ(ReadBack(*msg, fd), expected);
  }
}

constexpr int64_t kI32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kI32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kU32Max = std::numeric_limits<uint32_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();

INSTANTIATE_TEST_SUITE_P(
    Targets, IntegerTargetTest,
    ::testing::Values(
        RangeCase{"TYPE_INT32",
                  {0, 1, -5, kI32Max, kI32Min},
                  {kI32Max + 1, kI32Min - 1, kI64Max, kI64Min}},
        RangeCase{"TYPE_UINT32", {0, 7, kI32Max, kU32Max}, {-1, kU32Max + 1, kI64Min}},
        RangeCase{"TYPE_SINT32", {0, -1, 1, -64, kI32Min, kI32Max}, {kI32Max + 1, kI32Min - 1}},
        RangeCase{"TYPE_FIXED32", {0, 1, kU32Max}, {-1, kU32Max + 1}},
        RangeCase{"TYPE_SFIXED32", {kI32Min, -1, kI32Max}, {kI32Min - 1, kI32Max + 1}},
        RangeCase{"TYPE_SFIXED64", {kI64Min, -1, 0, kI64Max}, {}},
        RangeCase{"TYPE_SINT64", {kI64Min, -1, 0, kI64Max}, {}},
        RangeCase{"TYPE_INT64", {kI64Min, -1, 0, kI64Max}, {}},
        RangeCase{"TYPE_UINT64", {0, 1, kI64Max}, {-1, kI64Min}},
        RangeCase{"TYPE_FIXED64", {0, kI64Max}, {-1}}),
    [](const ::testing::TestParamInfo<RangeCase>& info) {
      return std::string(info.param.proto_type).substr(5);
    });

TEST(DescriptorMatcherTest, Uint64ColumnIntoUint64FieldKeepsLargeValues) {
  for (const char* type : {"TYPE_UINT64", "TYPE_FIXED64"}) {
    SCOPED_TRACE(type);
    auto schema = Schema({arrow::field("v", arrow::uint64())});
    auto plan = PlanOrFail(*schema, WithDescriptor(std::string(R"pb(name: "R"
                                                                    field { name: "v" number: 1
                                                                            label: LABEL_OPTIONAL
                                                                            type:)pb") +
                                                   type + " }"));
    ASSERT_NE(plan, nullptr);
    auto batch = MakeBatch(
        {schema->field(0)},
        {ArrayFromJson(arrow::uint64(), "[18446744073709551615, 9223372036854775808, 0]")});
    EncodedBatch encoded = EncodeOk(*plan, *batch);
    ASSERT_EQ(encoded.failed_count(), 0);
    Decoder decoder(*plan);
    const FieldDescriptor* fd = plan->message->FindFieldByName("v");
    auto row0 = decoder.Parse(encoded.record(0));
    EXPECT_EQ(row0->GetReflection()->GetUInt64(*row0, fd), UINT64_MAX);
    auto row1 = decoder.Parse(encoded.record(1));
    EXPECT_EQ(row1->GetReflection()->GetUInt64(*row1, fd), uint64_t{1} << 63);
  }
}

TEST(DescriptorMatcherTest, NarrowColumnIntoNarrowFieldNeedsNoCheck) {
  // uint8 into uint32 and int16 into sint32: every value fits.
  auto schema = Schema({arrow::field("a", arrow::uint8()), arrow::field("b", arrow::int16())});
  auto plan = PlanOrFail(*schema, WithDescriptor(R"pb(
    name: "R"
    field { name: "a" number: 1 label: LABEL_OPTIONAL type: TYPE_UINT32 }
    field { name: "b" number: 2 label: LABEL_OPTIONAL type: TYPE_SINT32 }
  )pb"));
  ASSERT_NE(plan, nullptr);
  auto batch = MakeBatch({schema->field(0), schema->field(1)},
                         {ArrayFromJson(arrow::uint8(), "[255, 0]"),
                          ArrayFromJson(arrow::int16(), "[-32768, 32767]")});
  EncodedBatch encoded = EncodeOk(*plan, *batch);
  ASSERT_EQ(encoded.failed_count(), 0);
  Decoder decoder(*plan);
  auto row0 = decoder.Parse(encoded.record(0));
  const auto* d = row0->GetDescriptor();
  EXPECT_EQ(row0->GetReflection()->GetUInt32(*row0, d->FindFieldByName("a")), 255u);
  EXPECT_EQ(row0->GetReflection()->GetInt32(*row0, d->FindFieldByName("b")), -32768);
}

TEST(DescriptorMatcherTest, TimestampIntoInt32FieldIsRangeChecked) {
  auto schema = Schema({arrow::field("t", arrow::timestamp(arrow::TimeUnit::MICRO))});
  auto plan = PlanOrFail(*schema, WithDescriptor(R"pb(
    name: "R"
    field { name: "t" number: 1 label: LABEL_OPTIONAL type: TYPE_INT32 }
  )pb"));
  ASSERT_NE(plan, nullptr);
  auto batch =
      MakeBatch({schema->field(0)},
                {ArrayFromJson(arrow::timestamp(arrow::TimeUnit::MICRO), "[5, 3000000000]")});
  EncodedBatch encoded = EncodeOk(*plan, *batch);
  ASSERT_EQ(encoded.failed_count(), 1);
  EXPECT_EQ(encoded.errors[0].row, 1);
  EXPECT_EQ(encoded.errors[0].column, "t");
  EXPECT_EQ(encoded.errors[0].kind, RowErrorKind::kTimestampOverflow);
}

// ---------------------------------------------------------------------------------------------
// Text checks follow the declared field

TEST(DescriptorMatcherTest, BinaryIntoStringFieldIsUtf8Checked) {
  auto schema =
      Schema({arrow::field("s", arrow::binary()), arrow::field("fs", arrow::fixed_size_binary(2)),
              arrow::field("bv", arrow::binary_view())});
  auto plan = PlanOrFail(*schema, WithDescriptor(R"pb(
    name: "R"
    field { name: "s" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
    field { name: "fs" number: 2 label: LABEL_OPTIONAL type: TYPE_STRING }
    field { name: "bv" number: 3 label: LABEL_OPTIONAL type: TYPE_STRING }
  )pb"));
  ASSERT_NE(plan, nullptr);
  for (const auto& f : plan->fields) EXPECT_EQ(f.conversion, ValueConversion::kUtf8) << f.path;

  arrow::BinaryBuilder s;
  ASSERT_TRUE(s.Append("ok").ok());
  ASSERT_TRUE(s.Append(std::string("\xff\xfe")).ok());
  ASSERT_TRUE(s.Append("ok").ok());
  ASSERT_TRUE(s.Append("ok").ok());
  arrow::FixedSizeBinaryBuilder fs(arrow::fixed_size_binary(2));
  ASSERT_TRUE(fs.Append("ab").ok());
  ASSERT_TRUE(fs.Append("ab").ok());
  ASSERT_TRUE(fs.Append(std::string("\xc3\x28")).ok());
  ASSERT_TRUE(fs.Append("ab").ok());
  arrow::BinaryViewBuilder bv;
  ASSERT_TRUE(bv.Append("fine").ok());
  ASSERT_TRUE(bv.Append("fine").ok());
  ASSERT_TRUE(bv.Append("fine").ok());
  ASSERT_TRUE(bv.Append(std::string("a longer value beyond twelve bytes \x80")).ok());
  auto batch =
      MakeBatch({schema->field(0), schema->field(1), schema->field(2)},
                {s.Finish().ValueOrDie(), fs.Finish().ValueOrDie(), bv.Finish().ValueOrDie()});
  EncodedBatch encoded = EncodeOk(*plan, *batch);
  ASSERT_EQ(encoded.failed_count(), 3);
  EXPECT_FALSE(encoded.failed(0));
  const char* columns[] = {"s", "fs", "bv"};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(encoded.errors[i].row, i + 1);
    EXPECT_EQ(encoded.errors[i].column, columns[i]);
    EXPECT_EQ(encoded.errors[i].kind, RowErrorKind::kInvalidUtf8);
  }
}

TEST(DescriptorMatcherTest, StringIntoBytesFieldIsNotUtf8Checked) {
  auto schema = Schema({arrow::field("s", arrow::utf8()), arrow::field("ls", arrow::large_utf8())});
  auto plan = PlanOrFail(*schema, WithDescriptor(R"pb(
    name: "R"
    field { name: "s" number: 1 label: LABEL_OPTIONAL type: TYPE_BYTES }
    field { name: "ls" number: 2 label: LABEL_OPTIONAL type: TYPE_BYTES }
  )pb"));
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan->fields[0].conversion, ValueConversion::kNone);
  EXPECT_EQ(plan->fields[1].conversion, ValueConversion::kNone);
  const std::string bad("\xff\x00\xfe", 3);
  arrow::StringBuilder s;
  ASSERT_TRUE(s.Append(bad).ok());
  arrow::LargeStringBuilder ls;
  ASSERT_TRUE(ls.Append(bad).ok());
  auto batch = MakeBatch({schema->field(0), schema->field(1)},
                         {s.Finish().ValueOrDie(), ls.Finish().ValueOrDie()});
  EncodedBatch encoded = EncodeOk(*plan, *batch);
  ASSERT_EQ(encoded.failed_count(), 0);
  Decoder decoder(*plan);
  auto row = decoder.Parse(encoded.record(0));
  EXPECT_EQ(row->GetReflection()->GetString(*row, row->GetDescriptor()->FindFieldByName("s")), bad);
  EXPECT_EQ(row->GetReflection()->GetString(*row, row->GetDescriptor()->FindFieldByName("ls")),
            bad);
}

// ---------------------------------------------------------------------------------------------
// Nested messages, packing, bad descriptors

constexpr const char* kNested = R"pb(
  name: "Rec"
  field { name: "a" number: 4 label: LABEL_OPTIONAL type: TYPE_MESSAGE type_name: ".Rec.A" }
  nested_type {
    name: "A"
    field { name: "b" number: 9 label: LABEL_REQUIRED type: TYPE_INT32 }
    field { name: "c" number: 5 label: LABEL_OPTIONAL type: TYPE_STRING }
    field { name: "d" number: 6 label: LABEL_OPTIONAL type: TYPE_MESSAGE type_name: ".Rec.A.D" }
    nested_type {
      name: "D"
      field { name: "e" number: 2 label: LABEL_OPTIONAL type: TYPE_SINT64 }
    }
  }
)pb";

TEST(DescriptorMatcherTest, StructMatchedRecursively) {
  auto d = arrow::struct_({arrow::field("e", arrow::int64())});
  auto a = arrow::struct_({arrow::field("c", arrow::utf8()),
                           arrow::field("b", arrow::int32(), false), arrow::field("d", d)});
  auto schema = Schema({arrow::field("a", a)});
  auto plan = PlanOrFail(*schema, WithDescriptor(kNested));
  ASSERT_NE(plan, nullptr);
  const FieldPlan& ap = plan->fields[0];
  EXPECT_EQ(ap.number, 4);
  ASSERT_EQ(ap.children.size(), 3u);
  EXPECT_EQ(ap.children[0].number, 5);
  EXPECT_EQ(ap.children[1].number, 9);
  EXPECT_TRUE(ap.children[1].required);
  EXPECT_EQ(ap.children[2].children[0].path, "a.d.e");
  EXPECT_EQ(ap.children[2].children[0].proto_type,
            google::protobuf::FieldDescriptorProto::TYPE_SINT64);

  auto batch =
      MakeBatch({schema->field(0)}, {ArrayFromJson(a, R"([{"c": "x", "b": 3, "d": {"e": -2}}])")});
  EncodedBatch encoded = EncodeOk(*plan, *batch);
  ASSERT_EQ(encoded.failed_count(), 0);
  // The nested message's tags are the descriptor's numbers, in column order.
  UnknownFieldSet outer;
  ASSERT_TRUE(
      outer.ParseFromArray(encoded.record(0).data(), static_cast<int>(encoded.record(0).size())));
  ASSERT_EQ(outer.field_count(), 1);
  EXPECT_EQ(outer.field(0).number(), 4);
  const std::string& inner_bytes = outer.field(0).length_delimited();
  const auto inner_tags = Tags(inner_bytes);
  ASSERT_EQ(inner_tags.size(), 3u);
  EXPECT_EQ(inner_tags[0].first, 5);
  EXPECT_EQ(inner_tags[1].first, 9);
  EXPECT_EQ(inner_tags[2].first, 6);

  Decoder decoder(*plan);
  auto row = decoder.Parse(encoded.record(0));
  const Message& am = row->GetReflection()->GetMessage(*row, plan->message->FindFieldByName("a"));
  const Message& dm = am.GetReflection()->GetMessage(am, am.GetDescriptor()->FindFieldByName("d"));
  EXPECT_EQ(dm.GetReflection()->GetInt64(dm, dm.GetDescriptor()->FindFieldByName("e")), -2);
}

TEST(DescriptorMatcherTest, MissingRequiredNestedFieldNamesPath) {
  auto a = arrow::struct_({arrow::field("c", arrow::utf8())});
  ExpectConfigError(*Schema({arrow::field("a", a)}), WithDescriptor(kNested),
                    {"'a.b'", "required"});
  // A nested column absent from the nested message names its path and the message.
  auto extra =
      arrow::struct_({arrow::field("b", arrow::int32()), arrow::field("zz", arrow::int8())});
  ExpectConfigError(*Schema({arrow::field("a", extra)}), WithDescriptor(kNested),
                    {"'a.zz'", "Rec.A"});
}

TEST(DescriptorMatcherTest, PackedOptionHonoured) {
  const char* text = R"pb(
    name: "R"
    field {
      name: "packed"
      number: 1
      label: LABEL_REPEATED
      type: TYPE_INT32
      options { packed: true }
    }
    field { name: "plain" number: 2 label: LABEL_REPEATED type: TYPE_INT32 }
    field {
      name: "dbl"
      number: 3
      label: LABEL_REPEATED
      type: TYPE_DOUBLE
      options { packed: false }
    }
  )pb";
  auto schema = Schema({arrow::field("packed", arrow::list(arrow::int32())),
                        arrow::field("plain", arrow::list(arrow::int32())),
                        arrow::field("dbl", arrow::list(arrow::float64()))});
  auto plan = PlanOrFail(*schema, WithDescriptor(text));
  ASSERT_NE(plan, nullptr);
  EXPECT_TRUE(plan->fields[0].packed);
  EXPECT_FALSE(plan->fields[1].packed);
  EXPECT_FALSE(plan->fields[2].packed);

  auto batch = MakeBatch({schema->field(0), schema->field(1), schema->field(2)},
                         {ArrayFromJson(arrow::list(arrow::int32()), "[[1, 2, 3]]"),
                          ArrayFromJson(arrow::list(arrow::int32()), "[[4, 5, 6]]"),
                          ArrayFromJson(arrow::list(arrow::float64()), "[[0.5, 1.5]]")});
  EncodedBatch encoded = EncodeOk(*plan, *batch);
  ASSERT_EQ(encoded.failed_count(), 0);
  using T = UnknownField::Type;
  EXPECT_EQ(Tags(encoded.record(0)),
            (std::vector<std::pair<int, T>>{{1, UnknownField::TYPE_LENGTH_DELIMITED},
                                            {2, UnknownField::TYPE_VARINT},
                                            {2, UnknownField::TYPE_VARINT},
                                            {2, UnknownField::TYPE_VARINT},
                                            {3, UnknownField::TYPE_FIXED64},
                                            {3, UnknownField::TYPE_FIXED64}}));
  Decoder decoder(*plan);
  auto row = decoder.Parse(encoded.record(0));
  const auto* r = row->GetReflection();
  const auto* d = row->GetDescriptor();
  ASSERT_EQ(r->FieldSize(*row, d->FindFieldByName("packed")), 3);
  EXPECT_EQ(r->GetRepeatedInt32(*row, d->FindFieldByName("packed"), 2), 3);
  ASSERT_EQ(r->FieldSize(*row, d->FindFieldByName("plain")), 3);
  EXPECT_EQ(r->GetRepeatedInt32(*row, d->FindFieldByName("plain"), 0), 4);
  ASSERT_EQ(r->FieldSize(*row, d->FindFieldByName("dbl")), 2);
  EXPECT_EQ(r->GetRepeatedDouble(*row, d->FindFieldByName("dbl"), 1), 1.5);
}

TEST(DescriptorMatcherTest, InvalidDescriptorRejected) {
  auto schema = Schema({arrow::field("a", arrow::int32())});
  ExpectConfigError(*schema, WithDescriptor(R"pb(
    name: "R"
    field {
      name: "a"
      number: 1
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".Nowhere.Thing"
    }
  )pb"),
                    {"descriptor"});
  ExpectConfigError(*schema, WithDescriptor(R"pb(
    name: "R"
    field { name: "a" number: 1 label: LABEL_OPTIONAL type: TYPE_INT32 }
    field { name: "b" number: 1 label: LABEL_OPTIONAL type: TYPE_INT32 }
  )pb"),
                    {"descriptor"});
  ExpectConfigError(*schema, WithDescriptor(R"pb(
    field { name: "a" number: 1 label: LABEL_OPTIONAL type: TYPE_INT32 }
  )pb"),
                    {"descriptor", "name"});
}

TEST(DescriptorMatcherTest, FieldLimitAppliesToSuppliedDescriptors) {
  PlanOptions options = WithDescriptor(kOrders);
  options.max_top_level_fields = 2;
  auto schema =
      Schema({arrow::field("id", arrow::int64(), false), arrow::field("name", arrow::utf8()),
              arrow::field("score", arrow::float64())});
  ExpectConfigError(*schema, options, {"3", "2"});
}

}  // namespace
}  // namespace arrow_zerobus::schema
