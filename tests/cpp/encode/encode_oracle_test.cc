// Every Arrow type of the type table, one parameterized case each, encoded and checked row by row
// against the independent protobuf oracle (tests/cpp/testing/proto_oracle.h): whole columns,
// slices, slices of slices, empty batches, and non-nullable (required) variants.
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/api.h>
#include <arrow/array/concatenate.h>
#include <arrow/extension_type.h>
#include <gtest/gtest.h>

#include "encode/batch_encoder.h"
#include "testing/arrow_builders.h"
#include "testing/proto_oracle.h"
#include "testing/test_extension_type.h"

namespace arrow_zerobus::encode {
namespace {

using arrow_zerobus::testing::ArrayFromJson;
using arrow_zerobus::testing::BatchMatchesOracle;
using arrow_zerobus::testing::EncodedBatchInvariantsHold;
using arrow_zerobus::testing::ExpectedRowErrors;
using arrow_zerobus::testing::MakeBatch;
using arrow_zerobus::testing::ParseRecord;
using arrow_zerobus::testing::PlanOrFail;
using arrow_zerobus::testing::RowMatches;
using ArrayPtr = std::shared_ptr<arrow::Array>;
using TypePtr = std::shared_ptr<arrow::DataType>;

// ---------------------------------------------------------------------------------------------
// Test data builders

/// The shared test extension type under its own name.
class LabelType : public testing::TestExtensionType {
 public:
  explicit LabelType(std::shared_ptr<arrow::DataType> storage)
      : TestExtensionType(std::move(storage), "arrow_zerobus.test.label") {}
};

ArrayPtr Extension(const TypePtr& storage_type, std::string_view storage_json) {
  auto storage = ArrayFromJson(storage_type, storage_json);
  return arrow::ExtensionType::WrapArray(std::make_shared<LabelType>(storage_type), storage);
}

ArrayPtr Dictionary(const TypePtr& index_type, std::string_view indices_json,
                    const TypePtr& value_type, std::string_view dictionary_json) {
  auto indices = ArrayFromJson(index_type, indices_json);
  auto dictionary = ArrayFromJson(value_type, dictionary_json);
  return arrow::DictionaryArray::FromArrays(arrow::dictionary(index_type, value_type), indices,
                                            dictionary)
      .ValueOrDie();
}

ArrayPtr RunEndEncoded(const TypePtr& run_end_type, std::string_view run_ends_json,
                       const TypePtr& value_type, std::string_view values_json) {
  auto run_ends = ArrayFromJson(run_end_type, run_ends_json);
  auto values = ArrayFromJson(value_type, values_json);
  // The logical length is the last run end.
  const int64_t length =
      run_ends->length() == 0
          ? 0
          : std::stoll(run_ends->GetScalar(run_ends->length() - 1).ValueOrDie()->ToString());
  return arrow::RunEndEncodedArray::Make(length, run_ends, values).ValueOrDie();
}

/// Bytes given explicitly (JSON cannot spell arbitrary bytes); nullopt is a null.
ArrayPtr BinaryLike(const TypePtr& type, const std::vector<std::optional<std::string>>& values) {
  // Build as the binary type of the same layout, then relabel (so invalid UTF-8 can be made).
  TypePtr storage_type = type;
  switch (type->id()) {
    case arrow::Type::STRING:
      storage_type = arrow::binary();
      break;
    case arrow::Type::LARGE_STRING:
      storage_type = arrow::large_binary();
      break;
    case arrow::Type::STRING_VIEW:
      storage_type = arrow::binary_view();
      break;
    default:
      break;
  }
  std::unique_ptr<arrow::ArrayBuilder> builder;
  EXPECT_TRUE(arrow::MakeBuilder(arrow::default_memory_pool(), storage_type, &builder).ok());
  for (const auto& v : values) {
    arrow::Status st;
    if (!v.has_value()) {
      st = builder->AppendNull();
    } else if (storage_type->id() == arrow::Type::BINARY) {
      st = static_cast<arrow::BinaryBuilder&>(*builder).Append(*v);
    } else if (storage_type->id() == arrow::Type::LARGE_BINARY) {
      st = static_cast<arrow::LargeBinaryBuilder&>(*builder).Append(*v);
    } else if (storage_type->id() == arrow::Type::BINARY_VIEW) {
      st = static_cast<arrow::BinaryViewBuilder&>(*builder).Append(*v);
    } else {
      st = static_cast<arrow::FixedSizeBinaryBuilder&>(*builder).Append(*v);
    }
    EXPECT_TRUE(st.ok()) << st;
  }
  auto data = builder->Finish().ValueOrDie()->data()->Copy();
  data->type = type;
  return arrow::MakeArray(data);
}

/// Decimals from their unscaled integer values ("-123400" with scale 4 is -12.3400).
ArrayPtr Decimals(const TypePtr& type, const std::vector<std::optional<std::string>>& unscaled) {
  std::unique_ptr<arrow::ArrayBuilder> builder;
  EXPECT_TRUE(arrow::MakeBuilder(arrow::default_memory_pool(), type, &builder).ok());
  for (const auto& v : unscaled) {
    arrow::Status st;
    if (!v.has_value()) {
      st = builder->AppendNull();
    } else if (type->id() == arrow::Type::DECIMAL32) {
      st = static_cast<arrow::Decimal32Builder&>(*builder).Append(
          arrow::Decimal32::FromString(*v).ValueOrDie());
    } else if (type->id() == arrow::Type::DECIMAL64) {
      st = static_cast<arrow::Decimal64Builder&>(*builder).Append(
          arrow::Decimal64::FromString(*v).ValueOrDie());
    } else if (type->id() == arrow::Type::DECIMAL128) {
      st = static_cast<arrow::Decimal128Builder&>(*builder).Append(
          arrow::Decimal128::FromString(*v).ValueOrDie());
    } else {
      st = static_cast<arrow::Decimal256Builder&>(*builder).Append(
          arrow::Decimal256::FromString(*v).ValueOrDie());
    }
    EXPECT_TRUE(st.ok()) << st;
  }
  return builder->Finish().ValueOrDie();
}

ArrayPtr HalfFloats(const std::vector<std::optional<uint16_t>>& bits) {
  arrow::HalfFloatBuilder builder;
  for (const auto& b : bits) {
    EXPECT_TRUE((b.has_value() ? builder.Append(*b) : builder.AppendNull()).ok());
  }
  return builder.Finish().ValueOrDie();
}

ArrayPtr Struct(const std::vector<std::shared_ptr<arrow::Field>>& fields,
                const std::vector<ArrayPtr>& children, std::string_view validity_json) {
  auto validity = ArrayFromJson(arrow::boolean(), validity_json);
  auto bitmap = std::static_pointer_cast<arrow::BooleanArray>(validity)->values();
  return arrow::StructArray::Make(children, fields, bitmap).ValueOrDie();
}

/// A list of `values` split by `offsets` (JSON int32; a null offset entry makes a null list).
ArrayPtr ListOf(const ArrayPtr& values, std::string_view offsets_json) {
  auto offsets = ArrayFromJson(arrow::int32(), offsets_json);
  return arrow::ListArray::FromArrays(*offsets, *values).ValueOrDie();
}

const std::string kLong = "a string well beyond twelve bytes, with unicode: \xc3\xbc \xe2\x9c\x93";
const std::string kUnicode = "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xf0\x9f\x8e\x89";

std::string Str(const std::string& s) { return "\"" + s + "\""; }

// ---------------------------------------------------------------------------------------------
// The cases

struct TypeCase {
  std::string name;
  std::function<ArrayPtr()> make;  ///< at least 7 rows; nulls where the type can hold them
  int expected_failed_rows = 0;    ///< rows the rules make fail in the whole column
  bool validate = true;            ///< EncodeOptions::validate
};

std::ostream& operator<<(std::ostream& os, const TypeCase& c) { return os << c.name; }

std::vector<TypeCase> Temporal() {
  std::vector<TypeCase> cases;
  const char* seconds =
      "[0, -1, 1700000000, null, 9223372036854, -9223372036854, 9223372036855, "
      "-9223372036855, 9223372036854775807]";
  const char* millis =
      "[0, -1, 1700000000123, null, 9223372036854775, -9223372036854775, 9223372036854776, "
      "-9223372036854776]";
  const char* micros =
      "[0, -1, -9223372036854775808, 9223372036854775807, null, 1, 1700000000123456]";
  const char* nanos =
      "[0, -1, -999, -1000, -1001, 999, 1000, 1001, -9223372036854775808, "
      "9223372036854775807, null, 1700000000123456789]";
  const struct {
    arrow::TimeUnit::type unit;
    const char* unit_name;
    const char* json;
    int failures;
  } units[] = {{arrow::TimeUnit::SECOND, "s", seconds, 3},
               {arrow::TimeUnit::MILLI, "ms", millis, 2},
               {arrow::TimeUnit::MICRO, "us", micros, 0},
               {arrow::TimeUnit::NANO, "ns", nanos, 0}};
  for (const auto& u : units) {
    for (const char* tz : {"", "UTC", "America/New_York"}) {
      const std::string tz_name =
          *tz == 0 ? "" : std::string("_tz_") + (tz[0] == 'U' ? "utc" : "ny");
      const auto type = arrow::timestamp(u.unit, tz);
      const std::string json = u.json;
      cases.push_back({std::string("timestamp_") + u.unit_name + tz_name,
                       [type, json] { return ArrayFromJson(type, json); }, u.failures});
    }
    const auto duration = arrow::duration(u.unit);
    const std::string json = u.json;
    cases.push_back({std::string("duration_") + u.unit_name,
                     [duration, json] { return ArrayFromJson(duration, json); }, u.failures});
  }
  cases.push_back({"time32_s", [] {
                     return ArrayFromJson(arrow::time32(arrow::TimeUnit::SECOND),
                                          "[0, 1, 86399, null, 43200, 59, 3600]");
                   }});
  cases.push_back({"time32_ms", [] {
                     return ArrayFromJson(arrow::time32(arrow::TimeUnit::MILLI),
                                          "[0, 86399999, null, 1, 500, 1000, 43200001]");
                   }});
  cases.push_back({"time64_us", [] {
                     return ArrayFromJson(arrow::time64(arrow::TimeUnit::MICRO),
                                          "[0, 86399999999, null, 1, 500, 1000, 43200000001]");
                   }});
  cases.push_back({"time64_ns", [] {
                     return ArrayFromJson(arrow::time64(arrow::TimeUnit::NANO),
                                          "[0, 86399999999999, null, 1, 999, 1001, 1999, 2000]");
                   }});
  cases.push_back({"date32", [] {
                     return ArrayFromJson(arrow::date32(),
                                          "[0, -1, 19000, null, -2147483648, 2147483647, 1]");
                   }});
  // Whole days (arrow's validation requires them); 2^31 days is beyond the int32 field.
  cases.push_back({"date64",
                   [] {
                     return ArrayFromJson(
                         arrow::date64(),
                         "[0, 259200000, -86400000, null, 185542587100800000, 185542587187200000, "
                         "-185542587187200000, -185542587273600000]");
                   },
                   2});
  // Not whole days: only reachable without validation; floor division towards -infinity.
  cases.push_back({"date64_partial_days_unvalidated",
                   [] {
                     return ArrayFromJson(
                         arrow::date64(),
                         "[259200005, -1, -86400001, 1, null, 86399999, -86399999, "
                         "-86400000]");
                   },
                   0, /*validate=*/false});
  return cases;
}

std::vector<TypeCase> Decimal() {
  struct D {
    const char* name;
    TypePtr type;
    std::vector<std::optional<std::string>> unscaled;
  };
  const std::string nines38(38, '9');
  const std::string nines76(76, '9');
  const std::vector<D> ds = {
      {"decimal32_s4",
       arrow::decimal32(9, 4),
       {"-123400", "0", std::nullopt, "5", "999999999", "-999999999", "10000", "-1"}},
      {"decimal32_s0",
       arrow::decimal32(9, 0),
       {"5", "-5", "0", std::nullopt, "999999999", "-1", "123"}},
      {"decimal32_neg_scale",
       arrow::decimal32(5, -2),
       {"5", "-5", std::nullopt, "99999", "-1", "1", "120"}},
      {"decimal32_neg_scale_zero",
       arrow::decimal32(5, -2),
       {"0", "1", std::nullopt, "0", "-3", "7", "8"}},
      {"decimal64_s3",
       arrow::decimal64(18, 3),
       {"999999999999999999", "-999999999999999999", std::nullopt, "1", "-1", "0", "123456"}},
      {"decimal64_s0",
       arrow::decimal64(18, 0),
       {"-999999999999999999", "0", std::nullopt, "42", "-42", "1", "100"}},
      {"decimal64_neg_scale",
       arrow::decimal64(10, -4),
       {"1", "-9999999999", std::nullopt, "25", "-7", "10", "3"}},
      {"decimal128_s10",
       arrow::decimal128(38, 10),
       {"-" + nines38, nines38, std::nullopt, "1", "-1", "0", "12345678901234567890123"}},
      {"decimal128_s0",
       arrow::decimal128(38, 0),
       {nines38, "-" + nines38, std::nullopt, "0", "-18446744073709551616", "18446744073709551615",
        "9223372036854775808"}},
      {"decimal128_neg_scale",
       arrow::decimal128(20, -5),
       {"5", "-12345678901234567890", std::nullopt, "99999999999999999999", "1", "-1", "3"}},
      {"decimal128_scale_beyond_precision",
       arrow::decimal128(5, 8),
       {"12345", "-1", std::nullopt, "99999", "-99999", "10", "7"}},
      {"decimal256_s20",
       arrow::decimal256(76, 20),
       {"-" + nines76, nines76, std::nullopt, "1", "-1", "100000000000000000000",
        "-123456789012345678901234567890"}},
      {"decimal256_s0",
       arrow::decimal256(76, 0),
       {nines76, "-" + nines76, std::nullopt, "0", "340282366920938463463374607431768211456",
        "-340282366920938463463374607431768211457", "5"}},
      {"decimal256_neg_scale",
       arrow::decimal256(60, -3),
       {"5", "-" + std::string(60, '9'), std::nullopt, "12", "-1", "1000", "9"}},
  };
  std::vector<TypeCase> cases;
  for (const auto& d : ds) {
    cases.push_back({d.name, [d] { return Decimals(d.type, d.unscaled); }});
  }
  return cases;
}

std::vector<TypeCase> Primitive() {
  std::vector<TypeCase> cases = {
      {"bool",
       [] {
         return ArrayFromJson(arrow::boolean(), "[true, false, null, true, false, null, true]");
       }},
      {"int8", [] { return ArrayFromJson(arrow::int8(), "[-128, 127, null, 0, -1, 5, null]"); }},
      {"int16",
       [] { return ArrayFromJson(arrow::int16(), "[-32768, 32767, null, 0, -1, 300, 1]"); }},
      {"int32",
       [] {
         return ArrayFromJson(arrow::int32(), "[-2147483648, 2147483647, null, 0, -1, 1, 123456]");
       }},
      {"int64",
       [] {
         return ArrayFromJson(arrow::int64(),
                              "[-9223372036854775808, 9223372036854775807, null, 0, -1, 1, 42]");
       }},
      {"uint8", [] { return ArrayFromJson(arrow::uint8(), "[0, 255, null, 1, 128, 7, 127]"); }},
      {"uint16", [] { return ArrayFromJson(arrow::uint16(), "[0, 65535, null, 1, 32768, 7, 9]"); }},
      {"uint32",
       [] { return ArrayFromJson(arrow::uint32(), "[0, 4294967295, null, 1, 2147483648, 7, 9]"); }},
      {"uint64",
       [] {
         return ArrayFromJson(arrow::uint64(),
                              "[0, 9223372036854775807, null, 1, 18446744073709551615, "
                              "9223372036854775808, 7]");
       },
       2},
      {"float16",
       [] {
         // 0, -0, 1.5, 65504, -65504, inf, -inf, quiet NaN, smallest / largest subnormal, null
         return HalfFloats({0x0000, 0x8000, 0x3e00, 0x7bff, 0xfbff, 0x7c00, 0xfc00, 0x7e00, 0x0001,
                            0x03ff, std::nullopt, 0x3555});
       }},
      {"float32",
       [] {
         return ArrayFromJson(arrow::float32(),
                              "[0, -0.0, 1.5, 3.4028234663852886e38, -1.1754943508222875e-38, "
                              "1e-45, NaN, Inf, -Inf, null, 0.1]");
       }},
      {"float64",
       [] {
         return ArrayFromJson(arrow::float64(),
                              "[0, -0.0, 5e-324, 1.7976931348623157e308, NaN, -Inf, null, -1.5, "
                              "0.1]");
       }},
  };
  for (const auto& type : {arrow::utf8(), arrow::large_utf8(), arrow::utf8_view()}) {
    cases.push_back({"text_" + type->ToString(), [type] {
                       return BinaryLike(
                           type, {"", "a", std::nullopt, kUnicode, std::string(200, 'x'),
                                  std::string("\0nul", 4), "exactly12byt", "thirteen_byte", kLong});
                     }});
    // Invalid UTF-8: a stray continuation pair, an overlong '/', a surrogate, above U+10FFFF,
    // a truncated sequence.
    cases.push_back({"invalid_utf8_" + type->ToString(),
                     [type] {
                       return BinaryLike(type, {"ok", "\xff\xfe", std::nullopt, "\xc0\xaf",
                                                "\xed\xa0\x80", "\xf4\x90\x80\x80", "fine \xc3\xa9",
                                                "cut \xe2\x9c", kLong + "\xff"});
                     },
                     6});
  }
  for (const auto& type : {arrow::binary(), arrow::large_binary(), arrow::binary_view()}) {
    cases.push_back({"bytes_" + type->ToString(), [type] {
                       return BinaryLike(type, {"", std::string("\0\xff\x80", 3), std::nullopt,
                                                std::string(300, '\xee'), "abc", "exactly12byt",
                                                "thirteen_byte"});
                     }});
  }
  cases.push_back({"fixed_size_binary", [] {
                     return BinaryLike(arrow::fixed_size_binary(4),
                                       {"abcd", std::nullopt, std::string(4, '\0'),
                                        "\xff\xff\xff\xff", "wxyz", std::nullopt, "1234"});
                   }});
  return cases;
}

std::vector<TypeCase> Encoded() {
  return {
      {"dictionary_int8_utf8",
       [] {
         return Dictionary(arrow::int8(), "[0, 1, null, 2, 3, 0, 2, 1]", arrow::utf8(),
                           "[\"a\", \"\", " + Str(kLong) + ", null]");
       }},
      {"dictionary_int32_int64",
       [] {
         return Dictionary(arrow::int32(), "[3, 2, null, 1, 0, 0, 1]", arrow::int64(),
                           "[-9223372036854775808, 9223372036854775807, 0, -1]");
       }},
      {"dictionary_uint16_timestamp_s",
       [] {
         return Dictionary(arrow::uint16(), "[0, 1, null, 2, 2, 1, 0]",
                           arrow::timestamp(arrow::TimeUnit::SECOND),
                           "[0, -1, 9223372036854775807]");
       },
       2},
      {"dictionary_int8_utf8_view",
       [] {
         return Dictionary(arrow::int8(), "[0, 1, null, 0, 1, 1, 0]", arrow::utf8_view(),
                           "[\"short\", " + Str(kLong) + "]");
       }},
      {"run_end_encoded_int32_binary_view",
       [] {
         return RunEndEncoded(arrow::int32(), "[2, 4, 7]", arrow::binary_view(),
                              "[\"abc\", null, \"thirteen_byte\"]");
       }},
      {"run_end_encoded_int32_utf8",
       [] {
         return RunEndEncoded(arrow::int32(), "[2, 3, 5, 7, 8]", arrow::utf8(),
                              "[\"x\", null, \"\", " + Str(kLong) + ", \"z\"]");
       }},
      {"run_end_encoded_int16_int64",
       [] {
         return RunEndEncoded(arrow::int16(), "[1, 4, 7]", arrow::int64(),
                              "[-9223372036854775808, null, 7]");
       }},
      {"run_end_encoded_int64_decimal",
       [] {
         return RunEndEncoded(arrow::int64(), "[3, 4, 7]", arrow::decimal128(10, 2),
                              "[\"-1.50\", null, \"12345678.90\"]");
       }},
      {"extension_int64",
       [] {
         return Extension(arrow::int64(),
                          "[1, null, -9223372036854775808, 9223372036854775807, 0, -1, 5]");
       }},
      {"extension_utf8",
       [] {
         return Extension(arrow::utf8(), "[\"a\", null, \"\", " + Str(kUnicode) + ", " +
                                             Str(kLong) + ", \"x\", \"y\"]");
       }},
  };
}

std::vector<TypeCase> Nested() {
  const auto item_struct =
      arrow::struct_({arrow::field("a", arrow::int64()), arrow::field("b", arrow::utf8())});
  const struct {
    const char* name;
    std::function<TypePtr(TypePtr)> list;
    bool fixed;
  } kinds[] = {
      {"list", [](TypePtr t) { return arrow::list(t); }, false},
      {"large_list", [](TypePtr t) { return arrow::large_list(t); }, false},
      {"list_view", [](TypePtr t) { return arrow::list_view(t); }, false},
      {"large_list_view", [](TypePtr t) { return arrow::large_list_view(t); }, false},
      {"fixed_size_list", [](TypePtr t) { return arrow::fixed_size_list(t, 3); }, true},
  };
  std::vector<TypeCase> cases;
  for (const auto& k : kinds) {
    const std::string name = k.name;
    const auto ints = k.list(arrow::int32());
    const auto texts = k.list(arrow::utf8());
    const auto structs = k.list(item_struct);
    if (!k.fixed) {
      cases.push_back({name + "_int32", [ints] {
                         return ArrayFromJson(ints,
                                              "[[1, -1, -2147483648], [], null, [0], "
                                              "[2147483647, 5], [-2], [7, 8, 9, 10]]");
                       }});
      cases.push_back({name + "_utf8", [texts] {
                         return ArrayFromJson(texts, "[[\"a\", \"\", " + Str(kUnicode) +
                                                         "], [], null, [" + Str(kLong) +
                                                         "], [\"x\"], [\"\"], [\"p\", \"q\"]]");
                       }});
      cases.push_back({name + "_struct", [structs] {
                         return ArrayFromJson(
                             structs,
                             "[[{\"a\": 1, \"b\": \"x\"}, {\"a\": null, \"b\": \"\"}], [], null, "
                             "[{\"a\": -1, \"b\": null}], [{\"a\": -9223372036854775808, \"b\": " +
                                 Str(kLong) + "}], [{\"a\": null, \"b\": null}], [{\"a\": 5}]]");
                       }});
      cases.push_back({name + "_int32_null_element",
                       [ints] {
                         return ArrayFromJson(ints,
                                              "[[1, null, 3], [2], null, [], [null], [4], [5]]");
                       },
                       2});
      cases.push_back({name + "_struct_null_element",
                       [structs] {
                         return ArrayFromJson(
                             structs,
                             "[[{\"a\": 1, \"b\": \"x\"}, null], [], null, [{\"a\": 2}], "
                             "[null], [{\"b\": \"y\"}], []]");
                       },
                       2});
    } else {
      cases.push_back({name + "_int32", [ints] {
                         return ArrayFromJson(ints,
                                              "[[1, -1, -2147483648], null, [0, 0, 0], "
                                              "[2147483647, 5, 6], [-2, -3, -4], [7, 8, 9], "
                                              "[1, 2, 3]]");
                       }});
      cases.push_back({name + "_utf8", [texts] {
                         return ArrayFromJson(
                             texts, "[[\"a\", \"\", " + Str(kUnicode) + "], null, [" + Str(kLong) +
                                        ", \"b\", \"c\"], [\"x\", \"y\", \"z\"], "
                                        "[\"\", \"\", \"\"], [\"p\", \"q\", \"r\"], "
                                        "[\"1\", \"2\", \"3\"]]");
                       }});
      cases.push_back({name + "_struct", [structs] {
                         return ArrayFromJson(
                             structs,
                             "[[{\"a\": 1, \"b\": \"x\"}, {\"a\": null, \"b\": \"\"}, {\"a\": 2}], "
                             "null, [{\"a\": -1, \"b\": null}, {\"a\": 0}, {\"b\": \"q\"}], "
                             "[{\"a\": 3}, {\"a\": 4}, {\"a\": 5}], [{}, {}, {}], "
                             "[{\"a\": 9223372036854775807, \"b\": " +
                                 Str(kLong) + "}, {\"a\": 6}, {\"a\": 7}], null]");
                       }});
      cases.push_back({name + "_int32_null_element",
                       [ints] {
                         return ArrayFromJson(ints,
                                              "[[1, null, 3], [2, 2, 2], null, [null, null, null], "
                                              "[4, 4, 4], [5, 5, 5], [6, 6, 6]]");
                       },
                       2});
    }
  }
  // A list view whose views overlap and are out of order.
  cases.push_back({"list_view_overlapping", [] {
                     auto values = ArrayFromJson(arrow::int32(), "[10, -20, 30, -40, 50, 60]");
                     auto offsets = ArrayFromJson(arrow::int32(), "[4, 0, 2, 0, 1, 5, 3]");
                     auto sizes = ArrayFromJson(arrow::int32(), "[2, 3, 0, 6, 1, 1, 2]");
                     auto validity = ArrayFromJson(arrow::boolean(),
                                                   "[true, true, true, true, false, true, true]");
                     return arrow::ListViewArray::FromArrays(
                                *offsets, *sizes, *values, arrow::default_memory_pool(),
                                std::static_pointer_cast<arrow::BooleanArray>(validity)->values())
                         .ValueOrDie();
                   }});

  const auto level3 =
      arrow::struct_({arrow::field("z", arrow::float64()), arrow::field("w", arrow::boolean()),
                      arrow::field("u", arrow::uint64())});
  const auto level2 = arrow::struct_({arrow::field("y", arrow::utf8()), arrow::field("t", level3)});
  const auto level1 =
      arrow::struct_({arrow::field("x", arrow::int32()), arrow::field("s", level2)});
  cases.push_back({"struct_of_struct_of_struct",
                   [level1] {
                     return ArrayFromJson(
                         level1,
                         "[{\"x\": 1, \"s\": {\"y\": \"a\", \"t\": {\"z\": 1.5, \"w\": true, "
                         "\"u\": 18446744073709551615}}}, null, {\"x\": null, \"s\": null}, "
                         "{\"x\": -1, \"s\": {\"y\": null, \"t\": null}}, "
                         "{\"x\": 2, \"s\": {\"y\": \"\", \"t\": {\"z\": null, \"w\": false, "
                         "\"u\": 0}}}, "
                         "{\"x\": 3, \"s\": {\"y\": " +
                             Str(kUnicode) +
                             ", \"t\": {\"z\": -0.0, \"w\": null, \"u\": 9223372036854775807}}}, "
                             "{\"x\": 4, \"s\": {\"y\": \"z\", \"t\": {\"z\": NaN, \"w\": true, "
                             "\"u\": 1}}}]");
                   },
                   1});
  const auto required_members = arrow::struct_(
      {arrow::field("a", arrow::int32(), /*nullable=*/false), arrow::field("b", arrow::utf8()),
       arrow::field("c", arrow::struct_({arrow::field("d", arrow::int64(), false)}), false)});
  cases.push_back({"struct_with_required_members",
                   [required_members] {
                     return ArrayFromJson(required_members,
                                          "[{\"a\": 1, \"b\": \"x\", \"c\": {\"d\": 1}}, null, "
                                          "{\"a\": null, \"b\": \"y\", \"c\": {\"d\": 2}}, "
                                          "{\"a\": 2, \"b\": null, \"c\": {\"d\": null}}, "
                                          "{\"a\": 3, \"b\": null, \"c\": null}, "
                                          "{\"a\": 0, \"b\": \"\", \"c\": {\"d\": 0}}, "
                                          "{\"a\": -1, \"b\": \"z\", \"c\": {\"d\": -1}}]");
                   },
                   3});
  cases.push_back({"map_utf8_int64",
                   [] {
                     return ArrayFromJson(
                         arrow::map(arrow::utf8(), arrow::int64()),
                         "[[[\"a\", 1], [\"b\", -1]], null, [], [[\"\", 0]], "
                         "[[\"k\", -9223372036854775808], [\"k\", 9223372036854775807]], "
                         "[[" +
                             Str(kUnicode) + ", 5]], [[\"x\", null]], [[" + Str(kLong) +
                             ", 3], [\"y\", 4]]]");
                   },
                   1});
  const auto value_struct =
      arrow::struct_({arrow::field("p", arrow::utf8()), arrow::field("q", arrow::int64())});
  cases.push_back({"map_int32_struct",
                   [value_struct] {
                     return ArrayFromJson(
                         arrow::map(arrow::int32(), value_struct),
                         "[[[1, {\"p\": \"a\", \"q\": 1}], [-1, {\"p\": null, \"q\": null}]], "
                         "null, [], [[2147483647, {\"p\": \"\", \"q\": -5}]], "
                         "[[-2147483648, null]], [[0, {\"q\": 7}], [5, {\"p\": " +
                             Str(kLong) + "}]], [[3, {}]]]");
                   },
                   1});
  cases.push_back({"map_uint64_utf8",
                   [] {
                     return ArrayFromJson(arrow::map(arrow::uint64(), arrow::utf8()),
                                          "[[[0, \"a\"]], [[18446744073709551615, \"b\"]], null, "
                                          "[], [[9223372036854775807, \"c\"], [1, \"\"]], "
                                          "[[2, \"d\"]], [[3, \"e\"]]]");
                   },
                   1});
  cases.push_back({"map_bool_float64", [] {
                     return ArrayFromJson(
                         arrow::map(arrow::boolean(), arrow::float64()),
                         "[[[true, 1.5], [false, -0.0]], null, [], [[true, NaN]], "
                         "[[false, 5e-324]], [[true, 1], [true, 2]], [[false, 0]]]");
                   }});
  cases.push_back({"map_large_utf8_binary", [] {
                     return ArrayFromJson(arrow::map(arrow::large_utf8(), arrow::binary()),
                                          "[[[\"a\", \"xyz\"]], null, [], [[\"\", \"\"]], "
                                          "[[\"b\", \"1\"], [\"c\", \"2\"]], [[\"d\", \"3\"]], "
                                          "[[\"e\", \"4\"]]]");
                   }});
  const auto inner = arrow::struct_(
      {arrow::field("tags", arrow::list(arrow::utf8())), arrow::field("n", arrow::int32())});
  cases.push_back({"list_struct_list",
                   [inner] {
                     return ArrayFromJson(
                         arrow::list(inner),
                         "[[{\"tags\": [\"a\", \"b\"], \"n\": 1}, {\"tags\": [], \"n\": null}], "
                         "null, [], [{\"tags\": null, \"n\": 2}], "
                         "[{\"tags\": [\"x\", null], \"n\": 3}], [null], "
                         "[{\"tags\": [" +
                             Str(kLong) + "], \"n\": -1}, {\"tags\": [\"\"], \"n\": 0}]]");
                   },
                   2});

  // Dictionary / run-end / extension / list-view values below structs, lists and maps: they are
  // decoded before encoding, also when the parent array is sliced.
  cases.push_back({"struct_of_dictionary_and_run_end", [] {
                     auto dict = Dictionary(arrow::int8(), "[0, 1, null, 2, 0, 1, 2, 0]",
                                            arrow::utf8(), "[\"a\", " + Str(kLong) + ", \"\"]");
                     auto ree = RunEndEncoded(arrow::int32(), "[3, 5, 8]", arrow::int64(),
                                              "[1, null, -9223372036854775808]");
                     auto ext = Extension(arrow::utf8(),
                                          "[\"e0\", \"e1\", null, \"e3\", \"e4\", \"e5\", \"e6\", "
                                          "\"e7\"]");
                     auto n = ArrayFromJson(arrow::int32(), "[0, 1, 2, 3, 4, 5, 6, 7]");
                     return Struct(
                         {arrow::field("d", dict->type()), arrow::field("r", ree->type()),
                          arrow::field("e", ext->type()), arrow::field("n", arrow::int32())},
                         {dict, ree, ext, n}, "[true, true, true, false, true, true, true, true]");
                   }});
  cases.push_back(
      {"struct_of_list_view", [] {
         auto views = ArrayFromJson(arrow::list_view(arrow::int32()),
                                    "[[1], [2, 3], null, [], [4, 5, 6], [7], [8], [9]]");
         auto n = ArrayFromJson(arrow::utf8(),
                                "[\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\"]");
         return Struct({arrow::field("v", views->type()), arrow::field("n", arrow::utf8())},
                       {views, n}, "[true, false, true, true, true, true, true, true]");
       }});
  cases.push_back({"list_of_dictionary", [] {
                     auto dict = Dictionary(arrow::int8(), "[0, 1, 2, 0, 1, 2, 0, 2, 1]",
                                            arrow::utf8(), "[\"a\", " + Str(kUnicode) + ", \"\"]");
                     return ListOf(dict, "[0, 2, 2, null, 4, 5, 7, 8, 9]");
                   }});
  cases.push_back({"list_of_struct_of_dictionary", [] {
                     auto dict = Dictionary(arrow::int16(), "[0, 1, 1, 0, null, 1]", arrow::int64(),
                                            "[-9223372036854775808, 42]");
                     auto s = Struct({arrow::field("d", dict->type())}, {dict},
                                     "[true, true, true, true, true, true]");
                     return ListOf(s, "[0, 1, 3, null, 3, 4, 5, 6, 6]");
                   }});
  cases.push_back({"map_utf8_dictionary", [] {
                     auto keys = ArrayFromJson(arrow::utf8(),
                                               "[\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\"]");
                     auto items = Dictionary(arrow::int8(), "[0, 1, 0, 1, 1, 0, 1]", arrow::int64(),
                                             "[-1, 9223372036854775807]");
                     auto offsets = ArrayFromJson(arrow::int32(), "[0, 2, 2, null, 3, 5, 6, 7]");
                     return arrow::MapArray::FromArrays(offsets, keys, items).ValueOrDie();
                   }});
  cases.push_back({"extension_list_of_struct", [] {
                     const auto s = arrow::struct_({arrow::field("k", arrow::int8())});
                     return Extension(arrow::list(s),
                                      "[[{\"k\": 1}], null, [], [{\"k\": -128}, {\"k\": 127}], "
                                      "[{\"k\": null}], [{}], [{\"k\": 0}]]");
                   }});
  return cases;
}

std::vector<TypeCase> AllCases() {
  std::vector<TypeCase> all;
  for (auto group : {Primitive(), Temporal(), Decimal(), Encoded(), Nested()}) {
    for (auto& c : group) all.push_back(std::move(c));
  }
  return all;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// True where the value, once dictionary / run-end / extension layers are resolved, is null.
bool LogicallyNull(const arrow::Array& array, int64_t i) {
  auto s = array.GetScalar(i).ValueOrDie();
  while (s->is_valid) {
    if (s->type->id() == arrow::Type::DICTIONARY) {
      s = static_cast<const arrow::DictionaryScalar&>(*s).GetEncodedValue().ValueOrDie();
    } else if (s->type->id() == arrow::Type::RUN_END_ENCODED) {
      s = static_cast<const arrow::RunEndEncodedScalar&>(*s).value;
    } else if (s->type->id() == arrow::Type::EXTENSION) {
      s = static_cast<const arrow::ExtensionScalar&>(*s).value;
    } else {
      break;
    }
  }
  return !s->is_valid;
}

/// The rows of `array` that are not (logically) null, in order.
ArrayPtr WithoutNulls(const ArrayPtr& array) {
  std::vector<ArrayPtr> pieces;
  for (int64_t i = 0; i < array->length(); ++i) {
    if (!LogicallyNull(*array, i)) pieces.push_back(array->Slice(i, 1));
  }
  if (pieces.empty()) return array->Slice(0, 0);
  auto joined = arrow::Concatenate(pieces);
  EXPECT_TRUE(joined.ok()) << joined.status();
  return joined.ok() ? *joined : array->Slice(0, 0);
}

/// {id: int64 not null (the row number), v: the case's column}.
std::shared_ptr<arrow::RecordBatch> BatchOf(const ArrayPtr& column, bool nullable) {
  std::vector<int64_t> ids(column->length());
  for (int64_t i = 0; i < column->length(); ++i) ids[i] = i;
  arrow::Int64Builder id_builder;
  EXPECT_TRUE(id_builder.AppendValues(ids).ok());
  return MakeBatch(
      {arrow::field("id", arrow::int64(), false), arrow::field("v", column->type(), nullable)},
      {id_builder.Finish().ValueOrDie(), column});
}

struct EncodeResult {
  std::shared_ptr<const schema::SchemaPlan> plan;
  EncodedBatch batch;
};

std::optional<EncodeResult> EncodeOrFail(const arrow::RecordBatch& batch, bool validate) {
  auto plan = PlanOrFail(*batch.schema());
  if (plan == nullptr) return std::nullopt;
  EncodeOptions options;
  options.validate = validate;
  auto encoded = EncodeBatch(*plan, batch, options);
  if (!encoded.ok()) {
    ADD_FAILURE() << "EncodeBatch failed for " << batch.schema()->ToString() << ": "
                  << encoded.status();
    return std::nullopt;
  }
  return EncodeResult{plan, std::move(*encoded)};
}

// ---------------------------------------------------------------------------------------------
// Parameterized over every type

class EncodeOracleTest : public ::testing::TestWithParam<TypeCase> {
 protected:
  void SetUp() override {
    column_ = GetParam().make();
    ASSERT_NE(column_, nullptr);
    ASSERT_GE(column_->length(), 7) << "each case needs at least 7 rows";
    if (GetParam().validate && !HasInvalidUtf8()) {
      const arrow::Status valid = column_->ValidateFull();
      ASSERT_TRUE(valid.ok()) << valid;
    }
  }

  bool HasInvalidUtf8() const { return GetParam().name.find("invalid_utf8") != std::string::npos; }

  /// Encodes and checks `batch` against the oracle; returns the failed-row count (-1 on error).
  int64_t CheckBatch(const arrow::RecordBatch& batch) {
    SCOPED_TRACE("batch of " + std::to_string(batch.num_rows()) + " rows, " +
                 batch.schema()->ToString());
    auto encoded = EncodeOrFail(batch, GetParam().validate);
    if (!encoded.has_value()) return -1;
    EXPECT_TRUE(BatchMatchesOracle(*encoded->plan, batch, encoded->batch));
    return encoded->batch.failed_count();
  }

  ArrayPtr column_;
};

TEST_P(EncodeOracleTest, WholeColumnMatchesOracle) {
  auto batch = BatchOf(column_, /*nullable=*/true);
  const int64_t failed = CheckBatch(*batch);
  EXPECT_EQ(failed, GetParam().expected_failed_rows)
      << "the case's data was chosen so this many rows break a rule";
  EXPECT_LT(failed, batch->num_rows()) << "some rows must encode for the case to test anything";
}

TEST_P(EncodeOracleTest, SlicesMatchOracle) {
  auto batch = BatchOf(column_, /*nullable=*/true);
  const int64_t n = batch->num_rows();
  auto slice = batch->Slice(1, n - 2);
  CheckBatch(*slice);
  auto slice_of_slice = slice->Slice(1, slice->num_rows() - 2);
  CheckBatch(*slice_of_slice);
  CheckBatch(*batch->Slice(3));      // offset that is not a byte boundary of the bitmaps
  CheckBatch(*batch->Slice(n - 1));  // the last row alone
  // The column sliced on its own, not through the batch.
  CheckBatch(*BatchOf(column_->Slice(2, n - 3), true));
}

bool ContainsRunEndEncoding(const arrow::DataType& type) {
  if (type.id() == arrow::Type::RUN_END_ENCODED) return true;
  for (const auto& field : type.fields()) {
    if (ContainsRunEndEncoding(*field->type())) return true;
  }
  return false;
}

TEST_P(EncodeOracleTest, EmptyBatchHasNoRecords) {
  auto batch = BatchOf(column_, /*nullable=*/true);
  std::vector<std::shared_ptr<arrow::RecordBatch>> empties = {batch->Slice(0, 0),
                                                              batch->Slice(batch->num_rows())};
  // Arrow 26's MakeArrayOfNull gives run-end encoded children a validity bitmap, which its own
  // ValidateFull then rejects (and so do we, as malformed input); the slices cover those types.
  if (!ContainsRunEndEncoding(*column_->type())) {
    empties.push_back(BatchOf(arrow::MakeArrayOfNull(column_->type(), 0).ValueOrDie(), true));
  }
  for (const auto& empty : empties) {
    auto encoded = EncodeOrFail(*empty, GetParam().validate);
    ASSERT_TRUE(encoded.has_value());
    EXPECT_TRUE(EncodedBatchInvariantsHold(encoded->batch, 0));
    EXPECT_EQ(encoded->batch.encoded_bytes(), 0);
    EXPECT_TRUE(encoded->batch.errors.empty());
  }
}

TEST_P(EncodeOracleTest, NonNullableColumnWithoutNullsIsRequired) {
  auto column = WithoutNulls(column_);
  ASSERT_GT(column->length(), 0);
  auto batch = BatchOf(column, /*nullable=*/false);
  auto plan = PlanOrFail(*batch->schema());
  ASSERT_NE(plan, nullptr);
  const auto* fd = plan->message->FindFieldByName("v");
  ASSERT_NE(fd, nullptr);
  if (!fd->is_repeated()) {
    EXPECT_TRUE(fd->is_required()) << fd->DebugString();
  }
  EXPECT_TRUE(plan->message->FindFieldByName("id")->is_required());
  CheckBatch(*batch);
  CheckBatch(*batch->Slice(1));
}

TEST_P(EncodeOracleTest, NullInNonNullableColumnIsRowError) {
  int64_t nulls = 0;
  for (int64_t i = 0; i < column_->length(); ++i) nulls += LogicallyNull(*column_, i) ? 1 : 0;
  if (nulls == 0) GTEST_SKIP() << "the type's column has no nulls";
  auto batch = BatchOf(column_, /*nullable=*/false);
  const int64_t failed = CheckBatch(*batch);
  EXPECT_GE(failed, nulls) << "every null row of a non-nullable column must fail";
}

TEST_P(EncodeOracleTest, EachRowAloneEncodesAsInItsBatch) {
  auto batch = BatchOf(column_, /*nullable=*/true);
  auto whole = EncodeOrFail(*batch, GetParam().validate);
  ASSERT_TRUE(whole.has_value());
  for (int64_t row = 0; row < batch->num_rows(); ++row) {
    auto alone = EncodeOrFail(*batch->Slice(row, 1), GetParam().validate);
    ASSERT_TRUE(alone.has_value());
    EXPECT_EQ(alone->batch.failed(0), whole->batch.failed(row)) << "row " << row;
    EXPECT_EQ(alone->batch.record(0), whole->batch.record(row)) << "row " << row;
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, EncodeOracleTest, ::testing::ValuesIn(AllCases()),
                         [](const ::testing::TestParamInfo<TypeCase>& info) {
                           std::string name;
                           for (char c : info.param.name) {
                             name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           }
                           return name;
                         });

// ---------------------------------------------------------------------------------------------
// Every type side by side in one record

TEST(EncodeOracleWideTest, AllTypesInOneBatch) {
  std::vector<std::shared_ptr<arrow::Field>> fields;
  std::vector<ArrayPtr> columns;
  int index = 0;
  for (const auto& c : AllCases()) {
    if (!c.validate) continue;
    auto column = c.make()->Slice(0, 7);
    fields.push_back(arrow::field(
        "c" + std::to_string(index++) + "_" + std::to_string(c.name.size()), column->type()));
    columns.push_back(column);
  }
  auto batch = MakeBatch(fields, columns);
  ASSERT_EQ(batch->num_columns(), static_cast<int>(fields.size()));
  auto encoded = EncodeOrFail(*batch, true);
  ASSERT_TRUE(encoded.has_value());
  EXPECT_TRUE(BatchMatchesOracle(*encoded->plan, *batch, encoded->batch));
  EXPECT_TRUE(BatchMatchesOracle(*encoded->plan, *batch->Slice(2, 4),
                                 EncodeOrFail(*batch->Slice(2, 4), true)->batch));
}

// ---------------------------------------------------------------------------------------------
// Rules that need more than one encoding to check

TEST(EncodeRecordLimitTest, RecordsOverTheLimitAreRowErrorsAndOthersUnchanged) {
  auto batch = MakeBatch(
      {arrow::field("s", arrow::utf8()), arrow::field("n", arrow::int64())},
      {BinaryLike(arrow::utf8(), {std::string(10, 'a'), std::string(100, 'b'), std::nullopt,
                                  std::string(1000, 'c'), std::string(101, 'd')}),
       ArrayFromJson(arrow::int64(), "[1, 2, 3, 4, 5]")});
  auto full = EncodeOrFail(*batch, true);
  ASSERT_TRUE(full.has_value());
  ASSERT_EQ(full->batch.failed_count(), 0);
  // protobuf's own size of each record decides which rows exceed a limit of row 1's size.
  std::vector<size_t> sizes;
  for (int64_t row = 0; row < batch->num_rows(); ++row) {
    auto message = ParseRecord(*full->plan, full->batch.record(row));
    ASSERT_NE(message, nullptr);
    sizes.push_back(message->ByteSizeLong());
    EXPECT_EQ(sizes.back(), full->batch.record(row).size()) << "row " << row;
  }
  EncodeOptions options;
  options.max_record_bytes = static_cast<int64_t>(sizes[1]);
  auto limited = EncodeBatch(*full->plan, *batch, options);
  ASSERT_TRUE(limited.ok()) << limited.status();
  EXPECT_TRUE(EncodedBatchInvariantsHold(*limited, batch->num_rows()));
  for (int64_t row = 0; row < batch->num_rows(); ++row) {
    const bool too_large = sizes[row] > sizes[1];
    ASSERT_EQ(limited->failed(row), too_large) << "row " << row << " of " << sizes[row] << " bytes";
    if (!too_large) {
      EXPECT_EQ(limited->record(row), full->batch.record(row)) << "row " << row;
    }
  }
  ASSERT_EQ(limited->failed_count(), 2);
  for (const auto& e : limited->errors) {
    EXPECT_EQ(e.kind, RowErrorKind::kRecordTooLarge) << e.message;
    EXPECT_TRUE(e.column.empty()) << e.column;
  }
}

// Column names of only underscores (valid: ASCII letters, digits, '_', not starting with a
// digit) for struct, list-of-struct and map columns, whose nested message names derive from them.
TEST(EncodeColumnNameTest, UnderscoreNamesForNestedColumnsPlanAndEncode) {
  const auto s = arrow::struct_({arrow::field("x", arrow::int32())});
  for (const std::string name : {"_", "__", "_1", "a_"}) {
    SCOPED_TRACE("column name '" + name + "'");
    auto batch = MakeBatch(
        {arrow::field(name, s), arrow::field("l" + name, arrow::list(s)),
         arrow::field("m" + name, arrow::map(arrow::utf8(), arrow::int32()))},
        {ArrayFromJson(s, "[{\"x\": 1}, null]"),
         ArrayFromJson(arrow::list(s), "[[{\"x\": 2}], []]"),
         ArrayFromJson(arrow::map(arrow::utf8(), arrow::int32()), "[[[\"k\", 3]], null]")});
    auto encoded = EncodeOrFail(*batch, true);
    if (!encoded.has_value()) continue;
    EXPECT_TRUE(BatchMatchesOracle(*encoded->plan, *batch, encoded->batch));
  }
}

// UTF-8 checks must not depend on what else ran in the process before: in a freshly started
// process (gtest's "threadsafe" death-test style re-executes the binary) the first batch with
// invalid UTF-8 already gets its row error.
/// 0 when a batch with one invalid UTF-8 string gets exactly that row error, else non-zero.
int EncodeInvalidUtf8() {
  arrow::BinaryBuilder builder;
  if (!builder.Append("ok").ok() || !builder.Append("\xff\xfe").ok()) return 2;
  auto data = builder.Finish().ValueOrDie()->data()->Copy();
  data->type = arrow::utf8();
  auto batch = MakeBatch({arrow::field("s", arrow::utf8())}, {arrow::MakeArray(data)});
  auto plan = schema::PlanSchema(*batch->schema());
  if (!plan.ok()) return 3;
  auto encoded = EncodeBatch(**plan, *batch);
  if (!encoded.ok()) return 4;
  const bool right = !encoded->failed(0) && encoded->failed(1) &&
                     encoded->errors[0].kind == RowErrorKind::kInvalidUtf8;
  return right ? 0 : 1;
}

TEST(EncodeUtf8Test, InvalidUtf8IsARowErrorInAFreshProcess) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(std::exit(EncodeInvalidUtf8()), ::testing::ExitedWithCode(0), "")
      << "exit code 1: the invalid string was encoded (arrow::util::ValidateUTF8 is used before "
         "arrow::util::InitializeUTF8() ran in the process)";
}

// ---------------------------------------------------------------------------------------------
// The oracle itself notices wrong records (so the tests above can fail)

class OracleSelfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto s =
        arrow::struct_({arrow::field("x", arrow::int32()),
                        arrow::field("t", arrow::struct_({arrow::field("y", arrow::utf8())}))});
    batch_ = MakeBatch(
        {arrow::field("i", arrow::int64()), arrow::field("f", arrow::float32()),
         arrow::field("s", arrow::utf8()), arrow::field("n", s),
         arrow::field("l", arrow::list(arrow::int32())),
         arrow::field("m", arrow::map(arrow::utf8(), arrow::int64())),
         arrow::field("ts", arrow::timestamp(arrow::TimeUnit::NANO)),
         arrow::field("d", arrow::decimal128(10, 3)), arrow::field("o", arrow::int32())},
        {ArrayFromJson(arrow::int64(), "[5]"), ArrayFromJson(arrow::float32(), "[NaN]"),
         ArrayFromJson(arrow::utf8(), "[\"abc\"]"),
         ArrayFromJson(s, "[{\"x\": 1, \"t\": {\"y\": \"deep\"}}]"),
         ArrayFromJson(arrow::list(arrow::int32()), "[[1, 2, 3]]"),
         ArrayFromJson(arrow::map(arrow::utf8(), arrow::int64()), "[[[\"a\", 1], [\"b\", 2]]]"),
         ArrayFromJson(arrow::timestamp(arrow::TimeUnit::NANO), "[-1]"),
         ArrayFromJson(arrow::decimal128(10, 3), "[\"-1.500\"]"),
         ArrayFromJson(arrow::int32(), "[null]")});
    auto encoded = EncodeOrFail(*batch_, true);
    ASSERT_TRUE(encoded.has_value());
    plan_ = encoded->plan;
    ASSERT_FALSE(encoded->batch.failed(0));
    message_ = ParseRecord(*plan_, encoded->batch.record(0));
    ASSERT_NE(message_, nullptr);
    ASSERT_TRUE(RowMatches(*plan_, *batch_, 0, *message_));
  }

  const google::protobuf::FieldDescriptor* Field(const std::string& name) {
    return message_->GetDescriptor()->FindFieldByName(name);
  }
  const google::protobuf::Reflection* Refl() { return message_->GetReflection(); }

  std::shared_ptr<arrow::RecordBatch> batch_;
  std::shared_ptr<const schema::SchemaPlan> plan_;
  std::unique_ptr<google::protobuf::Message> message_;
};

TEST_F(OracleSelfTest, NoticesWrongInteger) {
  Refl()->SetInt64(message_.get(), Field("i"), 6);
  EXPECT_FALSE(RowMatches(*plan_, *batch_, 0, *message_));
}

TEST_F(OracleSelfTest, NoticesOtherNanBits) {
  uint32_t bits = 0x7fc00001;
  float other_nan;
  std::memcpy(&other_nan, &bits, 4);
  Refl()->SetFloat(message_.get(), Field("f"), other_nan);
  EXPECT_FALSE(RowMatches(*plan_, *batch_, 0, *message_));
}

TEST_F(OracleSelfTest, NoticesMissingField) {
  Refl()->ClearField(message_.get(), Field("s"));
  EXPECT_FALSE(RowMatches(*plan_, *batch_, 0, *message_));
}

TEST_F(OracleSelfTest, NoticesValueForNull) {
  Refl()->SetInt32(message_.get(), Field("o"), 0);
  EXPECT_FALSE(RowMatches(*plan_, *batch_, 0, *message_));
}

TEST_F(OracleSelfTest, NoticesWrongNestedValue) {
  auto* n = Refl()->MutableMessage(message_.get(), Field("n"));
  auto* t = n->GetReflection()->MutableMessage(n, n->GetDescriptor()->FindFieldByName("t"));
  t->GetReflection()->SetString(t, t->GetDescriptor()->FindFieldByName("y"), "deeP");
  EXPECT_FALSE(RowMatches(*plan_, *batch_, 0, *message_));
}

TEST_F(OracleSelfTest, NoticesWrongListElementAndLength) {
  Refl()->SetRepeatedInt32(message_.get(), Field("l"), 1, 20);
  EXPECT_FALSE(RowMatches(*plan_, *batch_, 0, *message_));
  Refl()->SetRepeatedInt32(message_.get(), Field("l"), 1, 2);
  ASSERT_TRUE(RowMatches(*plan_, *batch_, 0, *message_));
  Refl()->AddInt32(message_.get(), Field("l"), 4);
  EXPECT_FALSE(RowMatches(*plan_, *batch_, 0, *message_));
}

TEST_F(OracleSelfTest, NoticesWrongMapEntry) {
  auto* entry = Refl()->MutableRepeatedMessage(message_.get(), Field("m"), 0);
  const auto* value = entry->GetDescriptor()->map_value();
  entry->GetReflection()->SetInt64(entry, value,
                                   entry->GetReflection()->GetInt64(*entry, value) + 10);
  EXPECT_FALSE(RowMatches(*plan_, *batch_, 0, *message_));
}

TEST_F(OracleSelfTest, NoticesUnconvertedTimestampAndDecimal) {
  // -1 ns is -1 us (floor), never 0; the decimal keeps its scale's digits.
  EXPECT_EQ(Refl()->GetInt64(*message_, Field("ts")), -1);
  EXPECT_EQ(Refl()->GetString(*message_, Field("d")), "-1.500");
  Refl()->SetInt64(message_.get(), Field("ts"), 0);
  EXPECT_FALSE(RowMatches(*plan_, *batch_, 0, *message_));
  Refl()->SetInt64(message_.get(), Field("ts"), -1);
  Refl()->SetString(message_.get(), Field("d"), "-1.5");
  EXPECT_FALSE(RowMatches(*plan_, *batch_, 0, *message_));
}

TEST_F(OracleSelfTest, NoticesUnknownFields) {
  message_->GetReflection()->MutableUnknownFields(message_.get())->AddVarint(999, 1);
  EXPECT_FALSE(RowMatches(*plan_, *batch_, 0, *message_));
}

TEST(OracleRulesTest, ExpectedErrorsFollowTheTypeTable) {
  auto batch = MakeBatch(
      {arrow::field("u", arrow::uint64()), arrow::field("r", arrow::int32(), false),
       arrow::field("l", arrow::list(arrow::int32())),
       arrow::field("t", arrow::timestamp(arrow::TimeUnit::SECOND))},
      {ArrayFromJson(arrow::uint64(), "[18446744073709551615, 1, 1, 1]"),
       ArrayFromJson(arrow::int32(), "[1, null, 1, 1]"),
       ArrayFromJson(arrow::list(arrow::int32()), "[[], [], [1, null], []]"),
       ArrayFromJson(arrow::timestamp(arrow::TimeUnit::SECOND), "[0, 0, 0, 9223372036854775807]")});
  const std::pair<RowErrorKind, std::string> expected[] = {{RowErrorKind::kIntegerOverflow, "u"},
                                                           {RowErrorKind::kNullValue, "r"},
                                                           {RowErrorKind::kNullElement, "l[]"},
                                                           {RowErrorKind::kTimestampOverflow, "t"}};
  for (int64_t row = 0; row < 4; ++row) {
    auto errors = ExpectedRowErrors(*batch, row);
    ASSERT_EQ(errors.size(), 1u) << "row " << row;
    EXPECT_EQ(errors[0].kind, expected[row].first) << "row " << row;
    EXPECT_EQ(errors[0].column, expected[row].second) << "row " << row;
  }
}

}  // namespace
}  // namespace arrow_zerobus::encode
