// The type table: Arrow type -> proto type, compatibility with supplied descriptors, resolution of
// encoded types and the decoding predicate.
#include "schema/type_table.h"
#include "testing/test_extension_type.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <arrow/extension_type.h>
#include <arrow/type.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace arrow_zerobus::schema {
namespace {

using FDP = google::protobuf::FieldDescriptorProto;
using ::testing::HasSubstr;

using TinyExtensionType = testing::TestExtensionType;

std::shared_ptr<arrow::DataType> Tiny(std::shared_ptr<arrow::DataType> storage) {
  return std::make_shared<TinyExtensionType>(std::move(storage));
}

/// One representative type for every Arrow type id.
std::shared_ptr<arrow::DataType> SampleType(arrow::Type::type id) {
  using arrow::Type;
  switch (id) {
    case Type::NA:
      return arrow::null();
    case Type::BOOL:
      return arrow::boolean();
    case Type::UINT8:
      return arrow::uint8();
    case Type::INT8:
      return arrow::int8();
    case Type::UINT16:
      return arrow::uint16();
    case Type::INT16:
      return arrow::int16();
    case Type::UINT32:
      return arrow::uint32();
    case Type::INT32:
      return arrow::int32();
    case Type::UINT64:
      return arrow::uint64();
    case Type::INT64:
      return arrow::int64();
    case Type::HALF_FLOAT:
      return arrow::float16();
    case Type::FLOAT:
      return arrow::float32();
    case Type::DOUBLE:
      return arrow::float64();
    case Type::STRING:
      return arrow::utf8();
    case Type::BINARY:
      return arrow::binary();
    case Type::FIXED_SIZE_BINARY:
      return arrow::fixed_size_binary(7);
    case Type::DATE32:
      return arrow::date32();
    case Type::DATE64:
      return arrow::date64();
    case Type::TIMESTAMP:
      return arrow::timestamp(arrow::TimeUnit::MILLI, "Europe/Paris");
    case Type::TIME32:
      return arrow::time32(arrow::TimeUnit::SECOND);
    case Type::TIME64:
      return arrow::time64(arrow::TimeUnit::NANO);
    case Type::INTERVAL_MONTHS:
      return arrow::month_interval();
    case Type::INTERVAL_DAY_TIME:
      return arrow::day_time_interval();
    case Type::DECIMAL128:
      return arrow::decimal128(20, 4);
    case Type::DECIMAL256:
      return arrow::decimal256(60, 10);
    case Type::LIST:
      return arrow::list(arrow::int32());
    case Type::STRUCT:
      return arrow::struct_({arrow::field("x", arrow::int32())});
    case Type::SPARSE_UNION:
      return arrow::sparse_union(
          {arrow::field("i", arrow::int32()), arrow::field("s", arrow::utf8())});
    case Type::DENSE_UNION:
      return arrow::dense_union(
          {arrow::field("i", arrow::int32()), arrow::field("s", arrow::utf8())});
    case Type::DICTIONARY:
      return arrow::dictionary(arrow::int16(), arrow::utf8());
    case Type::MAP:
      return arrow::map(arrow::utf8(), arrow::int64());
    case Type::EXTENSION:
      return Tiny(arrow::int64());
    case Type::FIXED_SIZE_LIST:
      return arrow::fixed_size_list(arrow::float32(), 3);
    case Type::DURATION:
      return arrow::duration(arrow::TimeUnit::MICRO);
    case Type::LARGE_STRING:
      return arrow::large_utf8();
    case Type::LARGE_BINARY:
      return arrow::large_binary();
    case Type::LARGE_LIST:
      return arrow::large_list(arrow::int32());
    case Type::INTERVAL_MONTH_DAY_NANO:
      return arrow::month_day_nano_interval();
    case Type::RUN_END_ENCODED:
      return arrow::run_end_encoded(arrow::int32(), arrow::float64());
    case Type::STRING_VIEW:
      return arrow::utf8_view();
    case Type::BINARY_VIEW:
      return arrow::binary_view();
    case Type::LIST_VIEW:
      return arrow::list_view(arrow::int32());
    case Type::LARGE_LIST_VIEW:
      return arrow::large_list_view(arrow::int32());
    case Type::DECIMAL32:
      return arrow::decimal32(7, 2);
    case Type::DECIMAL64:
      return arrow::decimal64(15, -3);
    default:
      return nullptr;
  }
}

struct Expected {
  bool supported;
  ProtoType proto = FDP::TYPE_INT64;
  ValueConversion conversion = ValueConversion::kNone;
};

/// The design's type table, written out independently of the implementation.
std::map<arrow::Type::type, Expected> DesignTable() {
  using arrow::Type;
  const Expected reject{false};
  auto ok = [](ProtoType p, ValueConversion c = ValueConversion::kNone) {
    return Expected{true, p, c};
  };
  return {
      {Type::NA, reject},
      {Type::BOOL, ok(FDP::TYPE_BOOL)},
      {Type::INT8, ok(FDP::TYPE_INT32)},
      {Type::INT16, ok(FDP::TYPE_INT32)},
      {Type::INT32, ok(FDP::TYPE_INT32)},
      {Type::UINT8, ok(FDP::TYPE_INT32)},
      {Type::UINT16, ok(FDP::TYPE_INT32)},
      {Type::INT64, ok(FDP::TYPE_INT64)},
      {Type::UINT32, ok(FDP::TYPE_INT64)},
      {Type::UINT64, ok(FDP::TYPE_INT64)},
      {Type::HALF_FLOAT, ok(FDP::TYPE_FLOAT)},
      {Type::FLOAT, ok(FDP::TYPE_FLOAT)},
      {Type::DOUBLE, ok(FDP::TYPE_DOUBLE)},
      {Type::STRING, ok(FDP::TYPE_STRING, ValueConversion::kUtf8)},
      {Type::LARGE_STRING, ok(FDP::TYPE_STRING, ValueConversion::kUtf8)},
      {Type::STRING_VIEW, ok(FDP::TYPE_STRING, ValueConversion::kUtf8)},
      {Type::BINARY, ok(FDP::TYPE_BYTES)},
      {Type::LARGE_BINARY, ok(FDP::TYPE_BYTES)},
      {Type::BINARY_VIEW, ok(FDP::TYPE_BYTES)},
      {Type::FIXED_SIZE_BINARY, ok(FDP::TYPE_BYTES)},
      {Type::DATE32, ok(FDP::TYPE_INT32)},
      {Type::DATE64, ok(FDP::TYPE_INT32, ValueConversion::kDaysFromMillis)},
      {Type::TIMESTAMP, ok(FDP::TYPE_INT64, ValueConversion::kMicrosFromUnit)},
      {Type::TIME32, ok(FDP::TYPE_INT64, ValueConversion::kMicrosFromUnit)},
      {Type::TIME64, ok(FDP::TYPE_INT64, ValueConversion::kMicrosFromUnit)},
      {Type::DURATION, ok(FDP::TYPE_INT64, ValueConversion::kMicrosFromUnit)},
      {Type::DECIMAL32, ok(FDP::TYPE_STRING, ValueConversion::kDecimalText)},
      {Type::DECIMAL64, ok(FDP::TYPE_STRING, ValueConversion::kDecimalText)},
      {Type::DECIMAL128, ok(FDP::TYPE_STRING, ValueConversion::kDecimalText)},
      {Type::DECIMAL256, ok(FDP::TYPE_STRING, ValueConversion::kDecimalText)},
      {Type::STRUCT, ok(FDP::TYPE_MESSAGE, ValueConversion::kNestedMessage)},
      {Type::SPARSE_UNION, reject},
      {Type::DENSE_UNION, reject},
      {Type::INTERVAL_MONTHS, reject},
      {Type::INTERVAL_DAY_TIME, reject},
      {Type::INTERVAL_MONTH_DAY_NANO, reject},
      // As a value type (inside a list or map) every list-like or map type is rejected; the
      // planner handles them as columns itself.
      {Type::LIST, reject},
      {Type::LARGE_LIST, reject},
      {Type::FIXED_SIZE_LIST, reject},
      {Type::LIST_VIEW, reject},
      {Type::LARGE_LIST_VIEW, reject},
      {Type::MAP, reject},
      // Encoded types map as their value / storage type (checked after ResolveEncodedType).
      {Type::DICTIONARY, ok(FDP::TYPE_STRING, ValueConversion::kUtf8)},
      {Type::RUN_END_ENCODED, ok(FDP::TYPE_DOUBLE)},
      {Type::EXTENSION, ok(FDP::TYPE_INT64)},
  };
}

TEST(TypeTableTest, EveryArrowTypeIdHasASampleAndAnExpectation) {
  const auto table = DesignTable();
  for (int id = 0; id < arrow::Type::MAX_ID; ++id) {
    const auto type_id = static_cast<arrow::Type::type>(id);
    EXPECT_NE(SampleType(type_id), nullptr) << "no sample for Arrow type id " << id;
    EXPECT_EQ(table.count(type_id), 1u) << "no expectation for Arrow type id " << id;
  }
}

TEST(TypeTableTest, MapValueTypeFollowsTheDesignTable) {
  for (const auto& [id, expected] : DesignTable()) {
    const auto sample = SampleType(id);
    ASSERT_NE(sample, nullptr);
    const auto resolved = ResolveEncodedType(sample);
    const std::string path = "col_" + std::to_string(static_cast<int>(id));
    const auto mapping = MapValueType(*resolved, path);
    SCOPED_TRACE(sample->ToString());
    if (expected.supported) {
      ASSERT_TRUE(mapping.ok()) << mapping.status();
      EXPECT_EQ(mapping->default_proto_type, expected.proto)
          << ProtoTypeName(mapping->default_proto_type);
      EXPECT_EQ(mapping->conversion, expected.conversion);
    } else {
      ASSERT_FALSE(mapping.ok());
      EXPECT_EQ(mapping.status().kind(), ErrorKind::kConfiguration);
      EXPECT_EQ(mapping.status().code(), StatusCode::kInvalidArgument);
      EXPECT_THAT(mapping.status().message(), HasSubstr("'" + path + "'"));
      EXPECT_THAT(mapping.status().message(), HasSubstr(resolved->ToString()));
    }
  }
}

TEST(TypeTableTest, EveryTimeUnitMapsToMicroseconds) {
  for (auto unit : {arrow::TimeUnit::SECOND, arrow::TimeUnit::MILLI, arrow::TimeUnit::MICRO,
                    arrow::TimeUnit::NANO}) {
    for (const auto& type :
         {arrow::timestamp(unit), arrow::timestamp(unit, "UTC"), arrow::duration(unit)}) {
      auto mapping = MapValueType(*type, "t");
      ASSERT_TRUE(mapping.ok()) << type->ToString();
      EXPECT_EQ(mapping->default_proto_type, FDP::TYPE_INT64);
      EXPECT_EQ(mapping->conversion, ValueConversion::kMicrosFromUnit);
    }
  }
}

TEST(TypeTableTest, RejectedTypesNameColumnAndType) {
  const std::vector<std::shared_ptr<arrow::DataType>> rejected = {
      arrow::null(),
      arrow::sparse_union({arrow::field("a", arrow::int8())}),
      arrow::dense_union({arrow::field("a", arrow::int8())}),
      arrow::month_interval(),
      arrow::day_time_interval(),
      arrow::month_day_nano_interval(),
      arrow::list(arrow::int32()),  // what a list-in-list asks for: the inner list as a value
      arrow::large_list(arrow::utf8()),
      arrow::map(arrow::utf8(), arrow::utf8()),
  };
  for (const auto& type : rejected) {
    const auto mapping = MapValueType(*type, "outer.inner[]");
    ASSERT_FALSE(mapping.ok()) << type->ToString();
    EXPECT_EQ(mapping.status().kind(), ErrorKind::kConfiguration);
    EXPECT_THAT(mapping.status().message(), HasSubstr("outer.inner[]"));
    EXPECT_THAT(mapping.status().message(), HasSubstr(type->ToString()));
  }
}

TEST(TypeTableTest, DecimalScaleLimit) {
  for (const auto& type :
       {arrow::decimal128(38, 101), arrow::decimal256(76, 101), arrow::decimal128(38, -101),
        arrow::decimal32(9, 101), arrow::decimal64(18, -500)}) {
    const auto mapping = MapValueType(*type, "price");
    ASSERT_FALSE(mapping.ok()) << type->ToString();
    EXPECT_EQ(mapping.status().kind(), ErrorKind::kConfiguration);
    EXPECT_THAT(mapping.status().message(), HasSubstr("'price'"));
    EXPECT_THAT(mapping.status().message(), HasSubstr(type->ToString()));
  }
  for (const auto& type : {arrow::decimal128(38, 100), arrow::decimal256(76, -100),
                           arrow::decimal128(10, 0), arrow::decimal64(18, 18)}) {
    const auto mapping = MapValueType(*type, "price");
    ASSERT_TRUE(mapping.ok()) << type->ToString() << ": " << mapping.status();
    EXPECT_EQ(mapping->default_proto_type, FDP::TYPE_STRING);
    EXPECT_EQ(mapping->conversion, ValueConversion::kDecimalText);
  }
}

// ---------------------------------------------------------------------------------------------
// IsCompatibleProtoType

const std::vector<ProtoType>& AllProtoTypes() {
  static const std::vector<ProtoType> all = {
      FDP::TYPE_DOUBLE,   FDP::TYPE_FLOAT,   FDP::TYPE_INT64,  FDP::TYPE_UINT64, FDP::TYPE_INT32,
      FDP::TYPE_FIXED64,  FDP::TYPE_FIXED32, FDP::TYPE_BOOL,   FDP::TYPE_STRING, FDP::TYPE_GROUP,
      FDP::TYPE_MESSAGE,  FDP::TYPE_BYTES,   FDP::TYPE_UINT32, FDP::TYPE_ENUM,   FDP::TYPE_SFIXED32,
      FDP::TYPE_SFIXED64, FDP::TYPE_SINT32,  FDP::TYPE_SINT64};
  return all;
}

const std::set<ProtoType> kIntegers = {
    FDP::TYPE_INT32,  FDP::TYPE_INT64,   FDP::TYPE_UINT32,  FDP::TYPE_UINT64,   FDP::TYPE_SINT32,
    FDP::TYPE_SINT64, FDP::TYPE_FIXED32, FDP::TYPE_FIXED64, FDP::TYPE_SFIXED32, FDP::TYPE_SFIXED64};

std::set<ProtoType> CompatibleTargets(arrow::Type::type id) {
  using arrow::Type;
  switch (id) {
    case Type::BOOL:
      return {FDP::TYPE_BOOL};
    case Type::INT8:
    case Type::INT16:
    case Type::INT32:
    case Type::INT64:
    case Type::UINT8:
    case Type::UINT16:
    case Type::UINT32:
    case Type::UINT64:
    case Type::DATE32:
    case Type::DATE64:
    case Type::TIMESTAMP:
    case Type::TIME32:
    case Type::TIME64:
    case Type::DURATION:
      return kIntegers;
    case Type::HALF_FLOAT:
    case Type::FLOAT:
      return {FDP::TYPE_FLOAT, FDP::TYPE_DOUBLE};
    case Type::DOUBLE:
      return {FDP::TYPE_DOUBLE};
    case Type::STRING:
    case Type::LARGE_STRING:
    case Type::STRING_VIEW:
    case Type::BINARY:
    case Type::LARGE_BINARY:
    case Type::BINARY_VIEW:
    case Type::FIXED_SIZE_BINARY:
      return {FDP::TYPE_STRING, FDP::TYPE_BYTES};
    case Type::DECIMAL32:
    case Type::DECIMAL64:
    case Type::DECIMAL128:
    case Type::DECIMAL256:
      return {FDP::TYPE_STRING};
    case Type::STRUCT:
      return {FDP::TYPE_MESSAGE};
    default:
      return {};
  }
}

TEST(TypeTableTest, CompatibilityMatrix) {
  for (int id = 0; id < arrow::Type::MAX_ID; ++id) {
    const auto type_id = static_cast<arrow::Type::type>(id);
    const auto sample = SampleType(type_id);
    ASSERT_NE(sample, nullptr);
    const auto expected = CompatibleTargets(type_id);
    for (ProtoType proto : AllProtoTypes()) {
      EXPECT_EQ(IsCompatibleProtoType(*sample, proto), expected.count(proto) == 1)
          << sample->ToString() << " -> " << ProtoTypeName(proto);
    }
  }
}

TEST(TypeTableTest, EveryDefaultTargetIsCompatible) {
  // A generated descriptor must always be acceptable as a supplied one.
  for (const auto& [id, expected] : DesignTable()) {
    if (!expected.supported) continue;
    const auto resolved = ResolveEncodedType(SampleType(id));
    auto mapping = MapValueType(*resolved, "c");
    ASSERT_TRUE(mapping.ok());
    EXPECT_TRUE(IsCompatibleProtoType(*resolved, mapping->default_proto_type))
        << resolved->ToString();
  }
}

TEST(TypeTableTest, ResolvedEncodedTypesUseTheirValueTypesCompatibility) {
  const auto dict = ResolveEncodedType(arrow::dictionary(arrow::int8(), arrow::utf8()));
  EXPECT_TRUE(IsCompatibleProtoType(*dict, FDP::TYPE_STRING));
  EXPECT_FALSE(IsCompatibleProtoType(*dict, FDP::TYPE_INT64));
  const auto ree = ResolveEncodedType(arrow::run_end_encoded(arrow::int16(), arrow::int64()));
  EXPECT_TRUE(IsCompatibleProtoType(*ree, FDP::TYPE_SINT64));
  EXPECT_FALSE(IsCompatibleProtoType(*ree, FDP::TYPE_STRING));
}

// ---------------------------------------------------------------------------------------------
// ResolveEncodedType / NeedsDecoding

TEST(TypeTableTest, ResolveEncodedType) {
  EXPECT_TRUE(
      ResolveEncodedType(arrow::dictionary(arrow::int32(), arrow::utf8()))->Equals(*arrow::utf8()));
  EXPECT_TRUE(ResolveEncodedType(arrow::dictionary(arrow::uint8(), arrow::large_binary(), true))
                  ->Equals(*arrow::large_binary()));
  EXPECT_TRUE(ResolveEncodedType(arrow::run_end_encoded(arrow::int64(), arrow::float32()))
                  ->Equals(*arrow::float32()));
  EXPECT_TRUE(ResolveEncodedType(Tiny(arrow::int16()))->Equals(*arrow::int16()));
  // Recursive through every layer.
  EXPECT_TRUE(ResolveEncodedType(Tiny(arrow::dictionary(arrow::int8(), arrow::utf8())))
                  ->Equals(*arrow::utf8()));
  EXPECT_TRUE(ResolveEncodedType(
                  arrow::run_end_encoded(arrow::int32(),
                                         arrow::dictionary(arrow::int8(), Tiny(arrow::date32()))))
                  ->Equals(*arrow::date32()));
  const auto struct_type = arrow::struct_({arrow::field("a", arrow::int8())});
  EXPECT_TRUE(ResolveEncodedType(Tiny(struct_type))->Equals(*struct_type));
}

TEST(TypeTableTest, ResolveEncodedTypeLeavesOtherTypesAlone) {
  for (const auto& type :
       {arrow::int32(), arrow::utf8(), arrow::list(arrow::dictionary(arrow::int8(), arrow::utf8())),
        arrow::struct_({arrow::field("d", arrow::dictionary(arrow::int8(), arrow::utf8()))}),
        arrow::list_view(arrow::int32()), arrow::map(arrow::utf8(), Tiny(arrow::int8()))}) {
    EXPECT_EQ(ResolveEncodedType(type), type) << type->ToString();
  }
}

TEST(TypeTableTest, NeedsDecoding) {
  const auto dict = arrow::dictionary(arrow::int8(), arrow::utf8());
  struct Case {
    std::shared_ptr<arrow::DataType> type;
    bool needs;
  };
  const std::vector<Case> cases = {
      {arrow::int32(), false},
      {arrow::utf8(), false},
      {arrow::list(arrow::int32()), false},
      {arrow::large_list(arrow::utf8()), false},
      {arrow::fixed_size_list(arrow::int8(), 2), false},
      {arrow::struct_({arrow::field("a", arrow::int32()), arrow::field("b", arrow::utf8())}),
       false},
      {arrow::map(arrow::utf8(), arrow::list(arrow::int32())), false},
      {dict, true},
      {arrow::run_end_encoded(arrow::int32(), arrow::utf8()), true},
      {Tiny(arrow::int64()), true},
      {arrow::list_view(arrow::int32()), true},
      {arrow::large_list_view(arrow::int32()), true},
      {arrow::list(dict), true},
      {arrow::struct_({arrow::field("a", arrow::int32()),
                       arrow::field("b", arrow::list_view(arrow::int32()))}),
       true},
      {arrow::struct_(
           {arrow::field("s", arrow::struct_({arrow::field("e", Tiny(arrow::utf8()))}))}),
       true},
      {arrow::map(arrow::utf8(), dict), true},
      {arrow::map(dict, arrow::int32()), true},
      {arrow::fixed_size_list(arrow::run_end_encoded(arrow::int16(), arrow::int8()), 2), true},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(NeedsDecoding(*c.type), c.needs) << c.type->ToString();
  }
}

TEST(TypeTableTest, ProtoTypeNames) {
  EXPECT_EQ(ProtoTypeName(FDP::TYPE_INT32), "int32");
  EXPECT_EQ(ProtoTypeName(FDP::TYPE_INT64), "int64");
  EXPECT_EQ(ProtoTypeName(FDP::TYPE_UINT32), "uint32");
  EXPECT_EQ(ProtoTypeName(FDP::TYPE_UINT64), "uint64");
  EXPECT_EQ(ProtoTypeName(FDP::TYPE_SINT32), "sint32");
  EXPECT_EQ(ProtoTypeName(FDP::TYPE_SINT64), "sint64");
  EXPECT_EQ(ProtoTypeName(FDP::TYPE_FIXED32), "fixed32");
  EXPECT_EQ(ProtoTypeName(FDP::TYPE_FIXED64), "fixed64");
  EXPECT_EQ(ProtoTypeName(FDP::TYPE_SFIXED32), "sfixed32");
  EXPECT_EQ(ProtoTypeName(FDP::TYPE_SFIXED64), "sfixed64");
  EXPECT_EQ(ProtoTypeName(FDP::TYPE_BOOL), "bool");
  EXPECT_EQ(ProtoTypeName(FDP::TYPE_FLOAT), "float");
  EXPECT_EQ(ProtoTypeName(FDP::TYPE_DOUBLE), "double");
  EXPECT_EQ(ProtoTypeName(FDP::TYPE_STRING), "string");
  EXPECT_EQ(ProtoTypeName(FDP::TYPE_BYTES), "bytes");
  EXPECT_EQ(ProtoTypeName(FDP::TYPE_MESSAGE), "message");
  EXPECT_EQ(ProtoTypeName(FDP::TYPE_ENUM), "enum");
  EXPECT_EQ(ProtoTypeName(FDP::TYPE_GROUP), "group");
}

TEST(TypeTableTest, PackableProtoTypes) {
  for (ProtoType proto : AllProtoTypes()) {
    const bool packable = proto != FDP::TYPE_STRING && proto != FDP::TYPE_BYTES &&
                          proto != FDP::TYPE_MESSAGE && proto != FDP::TYPE_GROUP;
    EXPECT_EQ(IsPackableProtoType(proto), packable) << ProtoTypeName(proto);
  }
}

}  // namespace
}  // namespace arrow_zerobus::schema
