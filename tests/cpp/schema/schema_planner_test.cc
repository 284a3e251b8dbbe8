// PlanSchema generating a descriptor: numbering, names, labels, nesting, maps, rejected types and
// column names, limits, encoded types and a descriptor round trip.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <arrow/extension_type.h>
#include <arrow/type.h>
#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>

#include "schema/schema_plan.h"
#include "testing/arrow_builders.h"
#include "testing/test_extension_type.h"

namespace arrow_zerobus::schema {
namespace {

using arrow_zerobus::testing::PlanOrFail;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using FDP = google::protobuf::FieldDescriptorProto;
using ::testing::HasSubstr;

using TinyExtensionType = testing::TestExtensionType;

std::shared_ptr<arrow::Schema> Schema(std::vector<std::shared_ptr<arrow::Field>> fields) {
  return arrow::schema(std::move(fields));
}

Status PlanError(const arrow::Schema& schema, const PlanOptions& options = {}) {
  auto plan = PlanSchema(schema, options);
  if (plan.ok()) return Status::OK();
  return plan.status();
}

/// Expects planning to fail with a ConfigurationError whose message contains every part.
void ExpectConfigError(const arrow::Schema& schema, const std::vector<std::string>& parts,
                       const PlanOptions& options = {}) {
  SCOPED_TRACE(schema.ToString());
  const Status st = PlanError(schema, options);
  ASSERT_FALSE(st.ok()) << "planning unexpectedly succeeded";
  EXPECT_EQ(st.kind(), ErrorKind::kConfiguration) << st;
  for (const auto& part : parts) EXPECT_THAT(st.message(), HasSubstr(part));
}

// ---------------------------------------------------------------------------------------------
// Numbering

TEST(SchemaPlannerTest, TopLevelFieldsNumberedInSchemaOrder) {
  auto schema = Schema({arrow::field("z", arrow::int64()), arrow::field("a", arrow::utf8()),
                        arrow::field("m", arrow::float64()), arrow::field("b", arrow::boolean())});
  auto plan = PlanOrFail(*schema);
  ASSERT_NE(plan, nullptr);
  ASSERT_EQ(plan->fields.size(), 4u);
  ASSERT_EQ(plan->descriptor.field_size(), 4);
  const char* names[] = {"z", "a", "m", "b"};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(plan->fields[i].name, names[i]);
    EXPECT_EQ(plan->fields[i].path, names[i]);
    EXPECT_EQ(plan->fields[i].number, i + 1);
    EXPECT_EQ(plan->descriptor.field(i).name(), names[i]);
    EXPECT_EQ(plan->descriptor.field(i).number(), i + 1);
    const FieldDescriptor* fd = plan->message->FindFieldByName(names[i]);
    ASSERT_NE(fd, nullptr);
    EXPECT_EQ(fd->number(), i + 1);
  }
  EXPECT_EQ(plan->descriptor.name(), "ArrowRecord");
  EXPECT_EQ(plan->message->full_name(), "ArrowRecord");
  EXPECT_EQ(plan->file.message_type(0).name(), "ArrowRecord");
  EXPECT_EQ(plan->file.syntax(), "proto2");
  EXPECT_TRUE(plan->schema->Equals(*schema));
  EXPECT_FALSE(plan->fingerprint.empty());
  EXPECT_THAT(plan->DescribeMessage(), HasSubstr("message ArrowRecord"));
  EXPECT_THAT(plan->DescribeMessage(), HasSubstr("optional int64 z = 1"));
}

TEST(SchemaPlannerTest, MessageNameOption) {
  PlanOptions options;
  options.message_name = "table_Orders";
  auto plan = PlanOrFail(*Schema({arrow::field("id", arrow::int64())}), options);
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan->descriptor.name(), "table_Orders");
  EXPECT_EQ(plan->message->full_name(), "table_Orders");
}

TEST(SchemaPlannerTest, FieldNumbersSkipTheReservedRange) {
  constexpr int kColumns = 19005;
  std::vector<std::shared_ptr<arrow::Field>> fields;
  fields.reserve(kColumns);
  for (int i = 0; i < kColumns; ++i) {
    fields.push_back(arrow::field("c" + std::to_string(i), arrow::int32()));
  }
  PlanOptions options;
  options.max_top_level_fields = 20000;
  auto plan = PlanOrFail(*Schema(fields), options);
  ASSERT_NE(plan, nullptr);
  ASSERT_EQ(plan->fields.size(), static_cast<size_t>(kColumns));
  EXPECT_EQ(plan->fields[0].number, 1);
  EXPECT_EQ(plan->fields[18997].number, 18998);
  EXPECT_EQ(plan->fields[18998].number, 18999);
  EXPECT_EQ(plan->fields[18999].number, 20000);
  EXPECT_EQ(plan->fields[19000].number, 20001);
  EXPECT_EQ(plan->fields[19004].number, 20005);
  EXPECT_EQ(plan->descriptor.field(18999).number(), 20000);
  for (int number = 19000; number <= 19999; ++number) {
    ASSERT_EQ(plan->message->FindFieldByNumber(number), nullptr) << number;
  }
  ASSERT_NE(plan->message->FindFieldByNumber(20000), nullptr);
  EXPECT_EQ(plan->message->FindFieldByNumber(20000)->name(), "c18999");
  EXPECT_EQ(plan->message->FindFieldByNumber(18999)->name(), "c18998");
}

TEST(SchemaPlannerTest, TooManyColumnsRejectedByDefault) {
  std::vector<std::shared_ptr<arrow::Field>> fields;
  for (int i = 0; i < 2000; ++i)
    fields.push_back(arrow::field("c" + std::to_string(i), arrow::int8()));
  auto plan = PlanOrFail(*Schema(fields));
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan->fields.back().number, 2000);

  fields.push_back(arrow::field("c2000", arrow::int8()));
  ExpectConfigError(*Schema(fields), {"2001", "2000"});
}

TEST(SchemaPlannerTest, FieldLimitAppliesToNestedStructs) {
  PlanOptions options;
  options.max_top_level_fields = 2;
  auto schema = Schema({arrow::field(
      "s", arrow::struct_({arrow::field("a", arrow::int8()), arrow::field("b", arrow::int8()),
                           arrow::field("c", arrow::int8())}))});
  ExpectConfigError(*schema, {"'s'", "3", "2"}, options);
}

TEST(SchemaPlannerTest, InvalidPlanOptionsRejected) {
  auto schema = Schema({arrow::field("a", arrow::int8())});
  PlanOptions options;
  options.max_top_level_fields = 0;
  ExpectConfigError(*schema, {"max_top_level_fields"}, options);
  options = PlanOptions{};
  options.max_nesting_depth = -1;
  ExpectConfigError(*schema, {"max_nesting_depth"}, options);
}

// ---------------------------------------------------------------------------------------------
// Nested messages

TEST(SchemaPlannerTest, NestedStructsNumberedFromOneWithQualifiedNames) {
  auto deeper =
      arrow::struct_({arrow::field("x", arrow::int32()), arrow::field("y", arrow::utf8())});
  auto nested = arrow::struct_({arrow::field("p", arrow::float64()), arrow::field("deeper", deeper),
                                arrow::field("q", arrow::int64())});
  PlanOptions options;
  options.message_name = "Msg";
  auto plan = PlanOrFail(
      *Schema({arrow::field("first", arrow::int8()), arrow::field("nested", nested)}), options);
  ASSERT_NE(plan, nullptr);

  const FieldPlan& nested_plan = plan->fields[1];
  EXPECT_EQ(nested_plan.number, 2);
  EXPECT_EQ(nested_plan.proto_type, FDP::TYPE_MESSAGE);
  EXPECT_EQ(nested_plan.conversion, ValueConversion::kNestedMessage);
  ASSERT_EQ(nested_plan.children.size(), 3u);
  EXPECT_EQ(nested_plan.children[0].number, 1);
  EXPECT_EQ(nested_plan.children[1].number, 2);
  EXPECT_EQ(nested_plan.children[2].number, 3);
  EXPECT_EQ(nested_plan.children[1].path, "nested.deeper");
  ASSERT_EQ(nested_plan.children[1].children.size(), 2u);
  EXPECT_EQ(nested_plan.children[1].children[0].number, 1);
  EXPECT_EQ(nested_plan.children[1].children[1].number, 2);
  EXPECT_EQ(nested_plan.children[1].children[1].path, "nested.deeper.y");

  // Descriptor proto: fully qualified type names, nested types inside their parent.
  const auto& root = plan->descriptor;
  EXPECT_EQ(root.field(1).type_name(), ".Msg.Nested");
  ASSERT_EQ(root.nested_type_size(), 1);
  const auto& nested_proto = root.nested_type(0);
  EXPECT_EQ(nested_proto.name(), "Nested");
  EXPECT_EQ(nested_proto.field(1).type_name(), ".Msg.Nested.Deeper");
  ASSERT_EQ(nested_proto.nested_type_size(), 1);
  EXPECT_EQ(nested_proto.nested_type(0).name(), "Deeper");

  // Resolvable in the plan's pool.
  const Descriptor* deeper_desc = plan->pool->FindMessageTypeByName("Msg.Nested.Deeper");
  ASSERT_NE(deeper_desc, nullptr);
  EXPECT_EQ(deeper_desc->field_count(), 2);
  EXPECT_EQ(deeper_desc->FindFieldByName("x")->number(), 1);
  EXPECT_EQ(deeper_desc->FindFieldByName("y")->number(), 2);
  const FieldDescriptor* nested_fd = plan->message->FindFieldByName("nested");
  ASSERT_NE(nested_fd, nullptr);
  EXPECT_EQ(nested_fd->message_type()->full_name(), "Msg.Nested");
  EXPECT_EQ(nested_fd->message_type()->FindFieldByName("deeper")->message_type(), deeper_desc);
}

TEST(SchemaPlannerTest, NestedTypeNamesArePascalCase) {
  auto inner = arrow::struct_({arrow::field("v", arrow::int32())});
  auto plan =
      PlanOrFail(*Schema({arrow::field("home_address", inner), arrow::field("_private_part", inner),
                          arrow::field("a__b", inner)}));
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan->message->FindFieldByName("home_address")->message_type()->name(), "HomeAddress");
  EXPECT_EQ(plan->message->FindFieldByName("_private_part")->message_type()->name(), "PrivatePart");
  EXPECT_EQ(plan->message->FindFieldByName("a__b")->message_type()->name(), "AB");
}

TEST(SchemaPlannerTest, StructColumnsWhosePascalCaseIsNotAnIdentifier) {
  // "_" and "_1" are valid column names, but their PascalCase ("" and "1") is not a valid
  // message name; the nested type still needs a legal, unique name.
  auto inner = arrow::struct_({arrow::field("v", arrow::int32())});
  auto plan = PlanOrFail(
      *Schema({arrow::field("_", inner), arrow::field("_1", inner), arrow::field("__2x", inner)}));
  ASSERT_NE(plan, nullptr);
  std::set<std::string> names;
  for (const char* column : {"_", "_1", "__2x"}) {
    const FieldDescriptor* fd = plan->message->FindFieldByName(column);
    ASSERT_NE(fd, nullptr) << column;
    ASSERT_EQ(fd->type(), FieldDescriptor::TYPE_MESSAGE) << column;
    names.insert(fd->message_type()->name());
  }
  EXPECT_EQ(names.size(), 3u);
}

TEST(SchemaPlannerTest, NestedTypeNameCollisionsStillBuild) {
  auto address = arrow::struct_({arrow::field("street", arrow::utf8())});
  auto plan = PlanOrFail(
      *Schema({arrow::field("address", address), arrow::field("Address", arrow::int32())}));
  ASSERT_NE(plan, nullptr);
  const FieldDescriptor* struct_fd = plan->message->FindFieldByName("address");
  const FieldDescriptor* int_fd = plan->message->FindFieldByName("Address");
  ASSERT_NE(struct_fd, nullptr);
  ASSERT_NE(int_fd, nullptr);
  EXPECT_EQ(int_fd->type(), FieldDescriptor::TYPE_INT32);
  ASSERT_EQ(struct_fd->type(), FieldDescriptor::TYPE_MESSAGE);
  EXPECT_NE(struct_fd->message_type()->name(), "Address");
  EXPECT_THAT(struct_fd->message_type()->name(), ::testing::StartsWith("Address"));
  EXPECT_NE(struct_fd->message_type()->FindFieldByName("street"), nullptr);

  // Two struct columns whose PascalCase names agree.
  auto plan2 = PlanOrFail(*Schema(
      {arrow::field("a_b", address), arrow::field("aB", address), arrow::field("AB", address)}));
  ASSERT_NE(plan2, nullptr);
  const Descriptor* t1 = plan2->message->FindFieldByName("a_b")->message_type();
  const Descriptor* t2 = plan2->message->FindFieldByName("aB")->message_type();
  const Descriptor* t3 = plan2->message->FindFieldByName("AB")->message_type();
  EXPECT_NE(t1, t2);
  EXPECT_NE(t2, t3);
  EXPECT_NE(t1, t3);
}

/// `levels` nested structs: c: struct<c: struct<... struct<v: int32>>>.
std::shared_ptr<arrow::Schema> NestedStructs(int levels) {
  std::shared_ptr<arrow::DataType> type = arrow::struct_({arrow::field("v", arrow::int32())});
  for (int i = 1; i < levels; ++i) type = arrow::struct_({arrow::field("c", type)});
  return Schema({arrow::field("c", type)});
}

std::string NestedPath(int levels) {
  std::string path = "c";
  for (int i = 1; i < levels; ++i) path += ".c";
  return path;
}

TEST(SchemaPlannerTest, NestingDepthAtTheDefaultLimitPlans) {
  // Whatever the default limit is, a schema exactly at it must plan (and its descriptor build).
  const int limit = PlanOptions{}.max_nesting_depth;
  ASSERT_GE(limit, 1);
  const Status st = PlanError(*NestedStructs(limit));
  EXPECT_TRUE(st.ok()) << "limit " << limit << ": " << st;
  // With a map at the deepest level too.
  std::shared_ptr<arrow::DataType> type = arrow::map(arrow::utf8(), arrow::int32());
  for (int i = 1; i < limit; ++i) type = arrow::struct_({arrow::field("c", type)});
  const Status with_map = PlanError(*Schema({arrow::field("c", type)}));
  EXPECT_TRUE(with_map.ok()) << with_map;
}

TEST(SchemaPlannerTest, NestingDepthBeyondTheDefaultLimitNamesThePath) {
  const int limit = PlanOptions{}.max_nesting_depth;
  ExpectConfigError(*NestedStructs(limit + 1), {"'" + NestedPath(limit + 1) + "'",
                                                std::to_string(limit + 1), std::to_string(limit)});
}

TEST(SchemaPlannerTest, DeepNestingErrorsNameTheColumn) {
  // A caller may raise the limit past what protobuf can build: the schema is then either
  // planned or refused with an error that names the column (or the option), never with
  // protobuf's internal "does not build" text alone.
  PlanOptions options;
  options.max_nesting_depth = 100;
  for (int levels : {31, 40, 64, 100}) {
    const Status st = PlanError(*NestedStructs(levels), options);
    if (st.ok()) continue;
    EXPECT_EQ(st.kind(), ErrorKind::kConfiguration);
    const bool names_column = st.message().find("column 'c") != std::string::npos;
    const bool names_option = st.message().find("max_nesting_depth") != std::string::npos;
    EXPECT_TRUE(names_column || names_option) << levels << " levels: " << st;
  }
}

TEST(SchemaPlannerTest, NestingDepthOption) {
  PlanOptions options;
  options.max_nesting_depth = 3;
  EXPECT_TRUE(PlanError(*NestedStructs(3), options).ok());
  ExpectConfigError(*NestedStructs(4), {"'c.c.c.c'", "4", "3"}, options);
  options.max_nesting_depth = 30;
  EXPECT_TRUE(PlanError(*NestedStructs(30), options).ok());
  ExpectConfigError(*NestedStructs(31), {"'" + NestedPath(31) + "'"}, options);
}

TEST(SchemaPlannerTest, MapEntryCountsAsANestingLevel) {
  PlanOptions options;
  options.max_nesting_depth = 1;
  EXPECT_TRUE(
      PlanError(*Schema({arrow::field("m", arrow::map(arrow::utf8(), arrow::int32()))}), options)
          .ok());
  options.max_nesting_depth = 0;
  ExpectConfigError(*Schema({arrow::field("m", arrow::map(arrow::utf8(), arrow::int32()))}),
                    {"'m'"}, options);
}

// ---------------------------------------------------------------------------------------------
// Maps

TEST(SchemaPlannerTest, MapEntryMessage) {
  auto plan =
      PlanOrFail(*Schema({arrow::field("id", arrow::int64()),
                          arrow::field("my_tags", arrow::map(arrow::utf8(), arrow::int64()))}));
  ASSERT_NE(plan, nullptr);
  const FieldDescriptor* fd = plan->message->FindFieldByName("my_tags");
  ASSERT_NE(fd, nullptr);
  EXPECT_TRUE(fd->is_map());
  EXPECT_EQ(fd->number(), 2);
  EXPECT_EQ(fd->label(), FieldDescriptor::LABEL_REPEATED);
  const Descriptor* entry = fd->message_type();
  EXPECT_EQ(entry->name(), "MyTagsEntry");
  EXPECT_EQ(entry->full_name(), "ArrowRecord.MyTagsEntry");
  EXPECT_TRUE(entry->options().map_entry());
  ASSERT_EQ(entry->field_count(), 2);
  EXPECT_EQ(entry->map_key()->name(), "key");
  EXPECT_EQ(entry->map_key()->number(), 1);
  EXPECT_EQ(entry->map_key()->type(), FieldDescriptor::TYPE_STRING);
  EXPECT_EQ(entry->map_value()->name(), "value");
  EXPECT_EQ(entry->map_value()->number(), 2);
  EXPECT_EQ(entry->map_value()->type(), FieldDescriptor::TYPE_INT64);

  const FieldPlan& map_plan = plan->fields[1];
  EXPECT_EQ(map_plan.shape, FieldShape::kMap);
  ASSERT_EQ(map_plan.children.size(), 2u);
  EXPECT_EQ(map_plan.children[0].path, "my_tags.key");
  EXPECT_EQ(map_plan.children[0].number, 1);
  EXPECT_EQ(map_plan.children[1].path, "my_tags.value");
  EXPECT_EQ(map_plan.children[1].number, 2);

  // The entry message in the descriptor proto.
  ASSERT_EQ(plan->descriptor.nested_type_size(), 1);
  EXPECT_EQ(plan->descriptor.nested_type(0).name(), "MyTagsEntry");
  EXPECT_TRUE(plan->descriptor.nested_type(0).options().map_entry());
  EXPECT_EQ(plan->descriptor.field(1).type_name(), ".ArrowRecord.MyTagsEntry");
}

TEST(SchemaPlannerTest, MapKeyTypes) {
  for (const auto& key :
       {arrow::int8(), arrow::int16(), arrow::int32(), arrow::int64(), arrow::uint8(),
        arrow::uint16(), arrow::uint32(), arrow::uint64(), arrow::boolean(), arrow::utf8(),
        arrow::large_utf8(), arrow::utf8_view(), arrow::dictionary(arrow::int8(), arrow::utf8())}) {
    auto plan = PlanError(*Schema({arrow::field("m", arrow::map(key, arrow::utf8()))}));
    EXPECT_TRUE(plan.ok()) << key->ToString() << ": " << plan;
  }
  for (const auto& key : {arrow::float32(), arrow::float64(), arrow::binary(),
                          arrow::large_binary(), arrow::fixed_size_binary(4), arrow::date32(),
                          arrow::timestamp(arrow::TimeUnit::MICRO), arrow::decimal128(10, 2),
                          std::static_pointer_cast<arrow::DataType>(
                              arrow::struct_({arrow::field("a", arrow::int8())}))}) {
    ExpectConfigError(*Schema({arrow::field("m", arrow::map(key, arrow::utf8()))}),
                      {"'m'", key->ToString()});
  }
}

TEST(SchemaPlannerTest, MapValueRules) {
  // A list or map directly as a map value cannot be a protobuf field.
  ExpectConfigError(
      *Schema({arrow::field("attrs", arrow::map(arrow::utf8(), arrow::list(arrow::int32())))}),
      {"attrs.value", "list<item: int32>"});
  ExpectConfigError(
      *Schema({arrow::field("attrs",
                            arrow::map(arrow::utf8(), arrow::map(arrow::utf8(), arrow::utf8())))}),
      {"attrs.value", "map<string, string>"});
}

TEST(SchemaPlannerTest, MapWithStructValuePlansAndBuilds) {
  // map<string, struct<...>> is a legal protobuf map (map<string, Message>); the value's message
  // type must live outside the entry, which protobuf requires to have no nested types.
  auto value =
      arrow::struct_({arrow::field("qty", arrow::int32()), arrow::field("sku", arrow::utf8())});
  auto schema = Schema({arrow::field("lines", arrow::map(arrow::utf8(), value))});
  auto plan = PlanSchema(*schema);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const FieldDescriptor* fd = (*plan)->message->FindFieldByName("lines");
  ASSERT_NE(fd, nullptr);
  EXPECT_TRUE(fd->is_map());
  const FieldDescriptor* value_fd = fd->message_type()->map_value();
  ASSERT_EQ(value_fd->type(), FieldDescriptor::TYPE_MESSAGE);
  EXPECT_NE(value_fd->message_type()->FindFieldByName("sku"), nullptr);
  const FieldPlan& value_plan = (*plan)->fields[0].children[1];
  ASSERT_EQ(value_plan.children.size(), 2u);
  EXPECT_EQ(value_plan.children[1].path, "lines.value.sku");
}

TEST(SchemaPlannerTest, MapEntryNameTakenByALaterColumnIsRejected) {
  // A column literally named like the entry message protobuf requires clashes with it.
  ExpectConfigError(*Schema({arrow::field("tags", arrow::map(arrow::utf8(), arrow::utf8())),
                             arrow::field("TagsEntry", arrow::int32())}),
                    {"'tags'", "TagsEntry"});
}

TEST(SchemaPlannerTest, StructBeforeMapDoesNotStealTheEntryName) {
  // Map first: the struct's type gets another name.
  auto s = arrow::struct_({arrow::field("v", arrow::int32())});
  auto map = arrow::map(arrow::utf8(), arrow::utf8());
  EXPECT_TRUE(PlanError(*Schema({arrow::field("tags", map), arrow::field("tags_entry", s)})).ok());
  // Struct first: the struct's nested type may be named anything, so this schema is as
  // plannable as the one above; the entry name must stay available to the map.
  const Status st = PlanError(*Schema({arrow::field("tags_entry", s), arrow::field("tags", map)}));
  EXPECT_TRUE(st.ok()) << st;
}

// ---------------------------------------------------------------------------------------------
// Repeated fields and labels

TEST(SchemaPlannerTest, RepeatedNumbersPackedOthersNot) {
  auto elem_struct = arrow::struct_({arrow::field("sku", arrow::utf8())});
  auto plan = PlanOrFail(*Schema({
      arrow::field("ints", arrow::list(arrow::int32())),
      arrow::field("bools", arrow::large_list(arrow::boolean())),
      arrow::field("doubles", arrow::fixed_size_list(arrow::float64(), 3)),
      arrow::field("stamps", arrow::list(arrow::timestamp(arrow::TimeUnit::NANO))),
      arrow::field("strings", arrow::list(arrow::utf8())),
      arrow::field("blobs", arrow::list(arrow::binary())),
      arrow::field("decimals", arrow::list(arrow::decimal128(10, 2))),
      arrow::field("items", arrow::list(elem_struct)),
  }));
  ASSERT_NE(plan, nullptr);
  const struct {
    const char* name;
    bool packed;
    FieldDescriptor::Type type;
  } expected[] = {
      {"ints", true, FieldDescriptor::TYPE_INT32},
      {"bools", true, FieldDescriptor::TYPE_BOOL},
      {"doubles", true, FieldDescriptor::TYPE_DOUBLE},
      {"stamps", true, FieldDescriptor::TYPE_INT64},
      {"strings", false, FieldDescriptor::TYPE_STRING},
      {"blobs", false, FieldDescriptor::TYPE_BYTES},
      {"decimals", false, FieldDescriptor::TYPE_STRING},
      {"items", false, FieldDescriptor::TYPE_MESSAGE},
  };
  for (size_t i = 0; i < std::size(expected); ++i) {
    SCOPED_TRACE(expected[i].name);
    const FieldDescriptor* fd = plan->message->FindFieldByName(expected[i].name);
    ASSERT_NE(fd, nullptr);
    EXPECT_TRUE(fd->is_repeated());
    EXPECT_FALSE(fd->is_map());
    EXPECT_EQ(fd->type(), expected[i].type);
    EXPECT_EQ(fd->is_packed(), expected[i].packed);
    EXPECT_EQ(plan->fields[i].shape, FieldShape::kRepeated);
    EXPECT_EQ(plan->fields[i].packed, expected[i].packed);
    EXPECT_FALSE(plan->fields[i].required);
  }
  // Members of a list<struct> have "items[]." paths.
  ASSERT_EQ(plan->fields[7].children.size(), 1u);
  EXPECT_EQ(plan->fields[7].children[0].path, "items[].sku");
  EXPECT_EQ(plan->message->FindFieldByName("items")->message_type()->full_name(),
            "ArrowRecord.Items");
}

TEST(SchemaPlannerTest, LabelsFollowNullability) {
  auto inner = arrow::struct_({arrow::field("opt", arrow::int32(), /*nullable=*/true),
                               arrow::field("req", arrow::utf8(), /*nullable=*/false)});
  auto plan = PlanOrFail(*Schema({
      arrow::field("a", arrow::int64(), true),
      arrow::field("b", arrow::int64(), false),
      arrow::field("s", inner, false),
      arrow::field("l", arrow::list(arrow::int32()), false),
      arrow::field("m", arrow::map(arrow::utf8(), arrow::utf8()), false),
  }));
  ASSERT_NE(plan, nullptr);
  const Descriptor* msg = plan->message;
  EXPECT_EQ(msg->FindFieldByName("a")->label(), FieldDescriptor::LABEL_OPTIONAL);
  EXPECT_EQ(msg->FindFieldByName("b")->label(), FieldDescriptor::LABEL_REQUIRED);
  EXPECT_EQ(msg->FindFieldByName("s")->label(), FieldDescriptor::LABEL_REQUIRED);
  EXPECT_EQ(msg->FindFieldByName("l")->label(), FieldDescriptor::LABEL_REPEATED);
  EXPECT_EQ(msg->FindFieldByName("m")->label(), FieldDescriptor::LABEL_REPEATED);
  const Descriptor* s = msg->FindFieldByName("s")->message_type();
  EXPECT_EQ(s->FindFieldByName("opt")->label(), FieldDescriptor::LABEL_OPTIONAL);
  EXPECT_EQ(s->FindFieldByName("req")->label(), FieldDescriptor::LABEL_REQUIRED);
  EXPECT_FALSE(plan->fields[0].required);
  EXPECT_TRUE(plan->fields[1].required);
  EXPECT_TRUE(plan->fields[2].required);
  EXPECT_FALSE(plan->fields[2].children[0].required);
  EXPECT_TRUE(plan->fields[2].children[1].required);
}

// ---------------------------------------------------------------------------------------------
// Rejected types

TEST(SchemaPlannerTest, RejectedTopLevelTypesNameColumnAndType) {
  const std::vector<std::shared_ptr<arrow::DataType>> rejected = {
      arrow::null(),
      arrow::sparse_union({arrow::field("i", arrow::int32())}),
      arrow::dense_union({arrow::field("i", arrow::int32())}),
      arrow::month_interval(),
      arrow::day_time_interval(),
      arrow::month_day_nano_interval(),
      arrow::decimal128(38, 101),
  };
  for (const auto& type : rejected) {
    ExpectConfigError(*Schema({arrow::field("ok", arrow::int32()), arrow::field("bad_col", type)}),
                      {"'bad_col'", type->ToString()});
  }
}

TEST(SchemaPlannerTest, RejectedNestedTypesNameTheirPath) {
  auto outer = arrow::struct_(
      {arrow::field("fine", arrow::int8()), arrow::field("inner", arrow::month_interval())});
  ExpectConfigError(*Schema({arrow::field("outer", outer)}),
                    {"'outer.inner'", arrow::month_interval()->ToString()});

  auto deep =
      arrow::struct_({arrow::field("b", arrow::struct_({arrow::field("c", arrow::null())}))});
  ExpectConfigError(*Schema({arrow::field("a", deep)}), {"'a.b.c'", "null"});

  auto union_type = arrow::dense_union({arrow::field("i", arrow::int32())});
  ExpectConfigError(*Schema({arrow::field("items", arrow::list(union_type))}),
                    {"'items[]'", union_type->ToString()});

  auto elem = arrow::struct_({arrow::field("when", arrow::day_time_interval())});
  ExpectConfigError(*Schema({arrow::field("items", arrow::list(elem))}),
                    {"'items[].when'", arrow::day_time_interval()->ToString()});

  ExpectConfigError(*Schema({arrow::field("m", arrow::map(arrow::utf8(), arrow::null()))}),
                    {"'m.value'", "null"});
}

TEST(SchemaPlannerTest, ListInListAndListOfMapRejected) {
  auto ll = arrow::list(arrow::list(arrow::int32()));
  ExpectConfigError(*Schema({arrow::field("ll", ll)}), {"'ll[]'", "list<item: int32>"});
  auto lfl = arrow::large_list(arrow::fixed_size_list(arrow::int32(), 2));
  ExpectConfigError(*Schema({arrow::field("lfl", lfl)}), {"'lfl[]'", "fixed_size_list"});
  auto lm = arrow::list(arrow::map(arrow::utf8(), arrow::int32()));
  ExpectConfigError(*Schema({arrow::field("lm", lm)}), {"'lm[]'", "map<string, int32>"});
  // Wrapped in a struct, both are fine.
  auto wrapped =
      arrow::list(arrow::struct_({arrow::field("inner", arrow::list(arrow::int32())),
                                  arrow::field("m", arrow::map(arrow::utf8(), arrow::int32()))}));
  EXPECT_TRUE(PlanError(*Schema({arrow::field("w", wrapped)})).ok());
}

// ---------------------------------------------------------------------------------------------
// Column names

TEST(SchemaPlannerTest, ColumnNameRules) {
  const std::vector<std::string> bad = {"",    "1abc",  "9",   "na\xC3\xAFve", "caf\xC3\xA9", "a-b",
                                        "a b", " lead", "a.b", "a$",           "tab\t"};
  for (const auto& name : bad) {
    ExpectConfigError(
        *Schema({arrow::field("good", arrow::int8()), arrow::field(name, arrow::int8())}),
        {"'" + name + "'"});
  }
  for (const std::string name : {"_", "_1", "a1", "A_b_C", "snake_case_9", "x"}) {
    EXPECT_TRUE(PlanError(*Schema({arrow::field(name, arrow::int8())})).ok()) << name;
  }
}

TEST(SchemaPlannerTest, NestedMemberNamesChecked) {
  auto s = arrow::struct_({arrow::field("bad-name", arrow::int8())});
  ExpectConfigError(*Schema({arrow::field("s", s)}), {"'s.bad-name'"});
  auto elem = arrow::struct_({arrow::field("2x", arrow::int8())});
  ExpectConfigError(*Schema({arrow::field("items", arrow::list(elem))}), {"'items[].2x'"});
}

TEST(SchemaPlannerTest, DuplicateNamesRejected) {
  ExpectConfigError(*Schema({arrow::field("a", arrow::int8()), arrow::field("b", arrow::int8()),
                             arrow::field("a", arrow::utf8())}),
                    {"'a'", "twice"});
  auto s = arrow::struct_({arrow::field("x", arrow::int8()), arrow::field("x", arrow::int16())});
  ExpectConfigError(*Schema({arrow::field("s", s)}), {"'s.x'"});
}

TEST(SchemaPlannerTest, InvalidMessageNameRejected) {
  auto schema = Schema({arrow::field("a", arrow::int8())});
  for (const std::string name : {"", "1Record", "my-record", "my record", "pkg.Record"}) {
    PlanOptions options;
    options.message_name = name;
    const Status st = PlanError(*schema, options);
    ASSERT_FALSE(st.ok()) << name;
    EXPECT_EQ(st.kind(), ErrorKind::kConfiguration);
    EXPECT_THAT(st.message(), HasSubstr("message name")) << st;
  }
}

// ---------------------------------------------------------------------------------------------
// Encoded types

TEST(SchemaPlannerTest, EncodedTypesPlanToTheirValueTypes) {
  auto ext = std::make_shared<TinyExtensionType>(arrow::float64());
  auto plan = PlanOrFail(*Schema({
      arrow::field("dict", arrow::dictionary(arrow::int8(), arrow::utf8())),
      arrow::field("ree", arrow::run_end_encoded(arrow::int32(), arrow::int64())),
      arrow::field("ext", ext),
      arrow::field("lv", arrow::list_view(arrow::int32())),
      arrow::field("llv", arrow::large_list_view(arrow::utf8())),
      arrow::field("ldict", arrow::list(arrow::dictionary(arrow::int32(), arrow::large_utf8()))),
      arrow::field("ext_struct", std::make_shared<TinyExtensionType>(arrow::struct_({arrow::field(
                                     "z", arrow::dictionary(arrow::int8(), arrow::binary()))}))),
  }));
  ASSERT_NE(plan, nullptr);
  EXPECT_TRUE(plan->needs_decoding);
  const Descriptor* msg = plan->message;

  EXPECT_EQ(msg->FindFieldByName("dict")->type(), FieldDescriptor::TYPE_STRING);
  EXPECT_TRUE(plan->fields[0].value_type->Equals(*arrow::utf8()));
  EXPECT_EQ(plan->fields[0].conversion, ValueConversion::kUtf8);

  EXPECT_EQ(msg->FindFieldByName("ree")->type(), FieldDescriptor::TYPE_INT64);
  EXPECT_TRUE(plan->fields[1].value_type->Equals(*arrow::int64()));

  EXPECT_EQ(msg->FindFieldByName("ext")->type(), FieldDescriptor::TYPE_DOUBLE);
  EXPECT_TRUE(plan->fields[2].value_type->Equals(*arrow::float64()));

  EXPECT_EQ(msg->FindFieldByName("lv")->type(), FieldDescriptor::TYPE_INT32);
  EXPECT_TRUE(msg->FindFieldByName("lv")->is_repeated());
  EXPECT_TRUE(msg->FindFieldByName("lv")->is_packed());
  EXPECT_EQ(plan->fields[3].shape, FieldShape::kRepeated);

  EXPECT_EQ(msg->FindFieldByName("llv")->type(), FieldDescriptor::TYPE_STRING);
  EXPECT_TRUE(msg->FindFieldByName("llv")->is_repeated());

  EXPECT_EQ(msg->FindFieldByName("ldict")->type(), FieldDescriptor::TYPE_STRING);
  EXPECT_TRUE(plan->fields[5].value_type->Equals(*arrow::large_utf8()));

  const FieldDescriptor* ext_struct = msg->FindFieldByName("ext_struct");
  ASSERT_EQ(ext_struct->type(), FieldDescriptor::TYPE_MESSAGE);
  EXPECT_EQ(ext_struct->message_type()->FindFieldByName("z")->type(), FieldDescriptor::TYPE_BYTES);
}

TEST(SchemaPlannerTest, NeedsDecodingFlag) {
  auto plain = PlanOrFail(
      *Schema({arrow::field("a", arrow::int32()), arrow::field("l", arrow::list(arrow::utf8())),
               arrow::field("m", arrow::map(arrow::utf8(), arrow::int8()))}));
  ASSERT_NE(plain, nullptr);
  EXPECT_FALSE(plain->needs_decoding);

  const std::vector<std::shared_ptr<arrow::DataType>> encoded = {
      arrow::dictionary(arrow::int8(), arrow::utf8()),
      arrow::run_end_encoded(arrow::int16(), arrow::utf8()),
      std::make_shared<TinyExtensionType>(arrow::int32()),
      arrow::list_view(arrow::int8()),
      arrow::struct_({arrow::field("d", arrow::dictionary(arrow::int8(), arrow::utf8()))}),
      arrow::map(arrow::utf8(), arrow::dictionary(arrow::int8(), arrow::utf8())),
  };
  for (const auto& type : encoded) {
    auto plan = PlanOrFail(*Schema({arrow::field("a", arrow::int32()), arrow::field("e", type)}));
    ASSERT_NE(plan, nullptr);
    EXPECT_TRUE(plan->needs_decoding) << type->ToString();
  }
}

TEST(SchemaPlannerTest, DefaultTypesOfEveryScalar) {
  auto plan = PlanOrFail(*Schema({
      arrow::field("b", arrow::boolean()),
      arrow::field("i8", arrow::int8()),
      arrow::field("u16", arrow::uint16()),
      arrow::field("u32", arrow::uint32()),
      arrow::field("u64", arrow::uint64()),
      arrow::field("f16", arrow::float16()),
      arrow::field("f32", arrow::float32()),
      arrow::field("f64", arrow::float64()),
      arrow::field("s", arrow::utf8_view()),
      arrow::field("bin", arrow::fixed_size_binary(3)),
      arrow::field("d32", arrow::date32()),
      arrow::field("d64", arrow::date64()),
      arrow::field("ts", arrow::timestamp(arrow::TimeUnit::SECOND, "UTC")),
      arrow::field("t32", arrow::time32(arrow::TimeUnit::MILLI)),
      arrow::field("dur", arrow::duration(arrow::TimeUnit::NANO)),
      arrow::field("dec", arrow::decimal256(40, 5)),
  }));
  ASSERT_NE(plan, nullptr);
  const FieldDescriptor::Type expected[] = {
      FieldDescriptor::TYPE_BOOL,   FieldDescriptor::TYPE_INT32,  FieldDescriptor::TYPE_INT32,
      FieldDescriptor::TYPE_INT64,  FieldDescriptor::TYPE_INT64,  FieldDescriptor::TYPE_FLOAT,
      FieldDescriptor::TYPE_FLOAT,  FieldDescriptor::TYPE_DOUBLE, FieldDescriptor::TYPE_STRING,
      FieldDescriptor::TYPE_BYTES,  FieldDescriptor::TYPE_INT32,  FieldDescriptor::TYPE_INT32,
      FieldDescriptor::TYPE_INT64,  FieldDescriptor::TYPE_INT64,  FieldDescriptor::TYPE_INT64,
      FieldDescriptor::TYPE_STRING,
  };
  ASSERT_EQ(plan->message->field_count(), static_cast<int>(std::size(expected)));
  for (int i = 0; i < plan->message->field_count(); ++i) {
    EXPECT_EQ(plan->message->field(i)->type(), expected[i]) << plan->message->field(i)->name();
    EXPECT_EQ(static_cast<int>(plan->fields[i].proto_type), static_cast<int>(expected[i]));
  }
}

// ---------------------------------------------------------------------------------------------
// Round trip

TEST(SchemaPlannerTest, DescriptorRoundTripsThroughBytes) {
  auto inner = arrow::struct_(
      {arrow::field("street", arrow::utf8()), arrow::field("zip", arrow::int32(), false)});
  auto schema = Schema({
      arrow::field("id", arrow::int64(), false),
      arrow::field("name", arrow::utf8()),
      arrow::field("address", inner),
      arrow::field("tags", arrow::list(arrow::utf8())),
      arrow::field("scores", arrow::list(arrow::float32())),
      arrow::field("attrs", arrow::map(arrow::utf8(), arrow::int64())),
      arrow::field("items", arrow::list(arrow::struct_({arrow::field("sku", arrow::utf8())}))),
  });
  PlanOptions options;
  options.message_name = "table_Orders";
  auto plan = PlanOrFail(*schema, options);
  ASSERT_NE(plan, nullptr);

  const std::string bytes = plan->descriptor.SerializeAsString();
  ASSERT_FALSE(bytes.empty());
  google::protobuf::DescriptorProto parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));

  google::protobuf::FileDescriptorProto file;
  file.set_name("roundtrip.proto");
  file.set_syntax("proto2");
  *file.add_message_type() = parsed;
  google::protobuf::DescriptorPool pool;
  const google::protobuf::FileDescriptor* built = pool.BuildFile(file);
  ASSERT_NE(built, nullptr);
  const Descriptor* message = pool.FindMessageTypeByName("table_Orders");
  ASSERT_NE(message, nullptr);
  EXPECT_EQ(message->DebugString(), plan->message->DebugString());
  EXPECT_TRUE(message->FindFieldByName("attrs")->is_map());
  EXPECT_TRUE(message->FindFieldByName("scores")->is_packed());
  EXPECT_EQ(message->FindFieldByName("id")->label(), FieldDescriptor::LABEL_REQUIRED);
}

}  // namespace
}  // namespace arrow_zerobus::schema
