// Randomized property test of the encoder against the independent protobuf oracle: random schemas
// (nesting depth <= 3, every supported type, random nullability and names) and random data
// (random nulls, extremes, sliced parents and children). For every row: it failed with an error
// the rules justify, or it parses and matches the oracle. Plus the batch invariants.
//
// The seed is printed with every failure; set ARROW_ZEROBUS_TEST_SEED to replay one.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <arrow/api.h>
#include <arrow/extension_type.h>
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include "encode/batch_encoder.h"
#include "testing/proto_oracle.h"
#include "testing/test_extension_type.h"

namespace arrow_zerobus::encode {
namespace {

using arrow_zerobus::testing::BatchMatchesOracle;
using arrow_zerobus::testing::EncodedBatchInvariantsHold;
using ArrayPtr = std::shared_ptr<arrow::Array>;
using FieldPtr = std::shared_ptr<arrow::Field>;
using TypePtr = std::shared_ptr<arrow::DataType>;

constexpr uint64_t kDefaultSeed = 0x5eed2026;
constexpr int kMaxDepth = 3;

uint64_t BaseSeed() {
  if (const char* env = std::getenv("ARROW_ZEROBUS_TEST_SEED"); env != nullptr && *env != 0) {
    return std::strtoull(env, nullptr, 0);
  }
  return kDefaultSeed;
}

/// The shared test extension type under its own name.
class TagType : public testing::TestExtensionType {
 public:
  explicit TagType(std::shared_ptr<arrow::DataType> storage)
      : TestExtensionType(std::move(storage), "arrow_zerobus.test.tag") {}
};

template <typename T>
T Check(arrow::Result<T> result) {
  if (!result.ok()) {
    ADD_FAILURE() << "building test data failed: " << result.status();
    std::abort();
  }
  return std::move(result).ValueOrDie();
}

void Check(const arrow::Status& status) {
  if (!status.ok()) {
    ADD_FAILURE() << "building test data failed: " << status;
    std::abort();
  }
}

/// Which composite types a family of schemas may use.
struct Family {
  const char* name;
  bool structs;
  bool lists;
  bool maps;
  int schemas;
};

/// Null rules for one array: where nulls may go.
struct NullSpec {
  double probability = 0;  ///< chance of a null at a position where one is allowed
  /// When set, nulls go only where mask[i] != 0 (below a null parent, where the rules ignore
  /// them), whatever `probability` says elsewhere.
  const std::vector<uint8_t>* only_where = nullptr;
};

class Generator {
 public:
  Generator(uint64_t seed, const Family& family) : rng_(seed), family_(family) {}

  // ------------------------------------------------------------------------------------------
  // Schemas

  std::shared_ptr<arrow::Schema> Schema() {
    dirty_ = Chance(0.35);  // some schemas also get rule-breaking data
    std::set<std::string> used;
    std::vector<FieldPtr> fields;
    const int n = Uniform(1, 6);
    for (int i = 0; i < n; ++i) fields.push_back(Field(Name(&used), 0));
    return arrow::schema(fields);
  }

  bool dirty() const { return dirty_; }

 private:
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  int64_t Uniform64(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Uniform(0, static_cast<int>(items.size()) - 1)];
  }

  /// A column name valid under Zerobus' rules, unique in `used`.
  std::string Name(std::set<std::string>* used) {
    static const std::string kFirst = "abcdefghijklmnopqrstuvwxyz_";
    static const std::string kRest = "abcdefghijklmnopqrstuvwxyz0123456789_";
    static const std::string kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    while (true) {
      std::string name;
      if (Chance(0.03)) {
        name = Pick(std::vector<std::string>{"_", "_1", "__", "_9x", "a_"});
      } else {
        name += kFirst[Uniform(0, static_cast<int>(kFirst.size()) - 2)];  // a letter first
        const int len = Uniform(0, 10);
        for (int i = 0; i < len; ++i) {
          name += Chance(0.1) ? kUpper[Uniform(0, 25)] : kRest[Uniform(0, kRest.size() - 1)];
        }
      }
      if (used->insert(name).second) return name;
    }
  }

  FieldPtr Field(const std::string& name, int depth) {
    return arrow::field(name, Type(depth), /*nullable=*/Chance(0.7));
  }

  TypePtr Type(int depth) {
    const bool deeper = depth < kMaxDepth;
    const int roll = Uniform(0, 99);
    if (roll < 12 && family_.structs && deeper) return StructType(depth);
    if (roll < 27 && family_.lists) return ListType(depth);
    if (roll < 37 && family_.maps && deeper) return MapType(depth);
    if (roll < 47) return Wrapped(depth);
    return LeafType();
  }

  TypePtr StructType(int depth) {
    std::set<std::string> used;
    std::vector<FieldPtr> members;
    const int n = Uniform(1, 4);
    for (int i = 0; i < n; ++i) members.push_back(Field(Name(&used), depth + 1));
    return arrow::struct_(members);
  }

  /// A list element or map value: a leaf, a (wrapped) leaf or a struct; never a list or map.
  TypePtr ElementType(int depth) {
    if (family_.structs && depth < kMaxDepth && Chance(0.3)) return StructType(depth);
    if (Chance(0.15)) return Wrapped(kMaxDepth);
    return LeafType();
  }

  TypePtr ListType(int depth) {
    const auto element = arrow::field("item", ElementType(depth), Chance(0.8));
    switch (Uniform(0, 4)) {
      case 0:
        return arrow::list(element);
      case 1:
        return arrow::large_list(element);
      case 2:
        return arrow::fixed_size_list(element, Uniform(1, 3));
      case 3:
        return arrow::list_view(element);
      default:
        return arrow::large_list_view(element);
    }
  }

  TypePtr MapType(int depth) {
    const TypePtr key =
        Pick(std::vector<TypePtr>{arrow::int8(), arrow::int16(), arrow::int32(), arrow::int64(),
                                  arrow::uint8(), arrow::uint16(), arrow::uint32(), arrow::uint64(),
                                  arrow::boolean(), arrow::utf8(), arrow::large_utf8()});
    return std::make_shared<arrow::MapType>(arrow::field("key", key, false),
                                            arrow::field("value", ElementType(depth), Chance(0.8)));
  }

  /// Dictionary, run-end encoded or extension around a leaf (an extension also around a
  /// struct or list when the family has them).
  TypePtr Wrapped(int depth) {
    switch (Uniform(0, 2)) {
      case 0: {
        const TypePtr index = Pick(std::vector<TypePtr>{
            arrow::int8(), arrow::int16(), arrow::int32(), arrow::int64(), arrow::uint8(),
            arrow::uint16(), arrow::uint32(), arrow::uint64()});
        return arrow::dictionary(index, LeafType());
      }
      case 1: {
        const TypePtr run_end =
            Pick(std::vector<TypePtr>{arrow::int16(), arrow::int32(), arrow::int64()});
        return arrow::run_end_encoded(run_end, LeafType());
      }
      default: {
        TypePtr storage = LeafType();
        if (depth < kMaxDepth && family_.structs && Chance(0.25)) storage = StructType(depth);
        if (depth < kMaxDepth && family_.lists && Chance(0.25)) storage = ListType(depth);
        return std::make_shared<TagType>(storage);
      }
    }
  }

  TypePtr LeafType() {
    const arrow::TimeUnit::type units[] = {arrow::TimeUnit::SECOND, arrow::TimeUnit::MILLI,
                                           arrow::TimeUnit::MICRO, arrow::TimeUnit::NANO};
    switch (Uniform(0, 30)) {
      case 0:
        return arrow::boolean();
      case 1:
        return arrow::int8();
      case 2:
        return arrow::int16();
      case 3:
        return arrow::int32();
      case 4:
        return arrow::int64();
      case 5:
        return arrow::uint8();
      case 6:
        return arrow::uint16();
      case 7:
        return arrow::uint32();
      case 8:
        return arrow::uint64();
      case 9:
        return arrow::float16();
      case 10:
        return arrow::float32();
      case 11:
        return arrow::float64();
      case 12:
        return arrow::utf8();
      case 13:
        return arrow::large_utf8();
      case 14:
        return arrow::utf8_view();
      case 15:
        return arrow::binary();
      case 16:
        return arrow::large_binary();
      case 17:
        return arrow::binary_view();
      case 18:
        return arrow::fixed_size_binary(Uniform(1, 20));
      case 19:
        return arrow::date32();
      case 20:
        return arrow::date64();
      case 21:
        return arrow::timestamp(units[Uniform(0, 3)],
                                Pick(std::vector<std::string>{"", "UTC", "+05:30"}));
      case 22:
        return arrow::time32(Chance(0.5) ? arrow::TimeUnit::SECOND : arrow::TimeUnit::MILLI);
      case 23:
        return arrow::time64(Chance(0.5) ? arrow::TimeUnit::MICRO : arrow::TimeUnit::NANO);
      case 24:
        return arrow::duration(units[Uniform(0, 3)]);
      case 25: {
        const int p = Uniform(1, 9);
        return arrow::decimal32(p, Uniform(-3, p + 2));
      }
      case 26: {
        const int p = Uniform(1, 18);
        return arrow::decimal64(p, Uniform(-3, p + 2));
      }
      case 27:
      case 28: {
        const int p = Uniform(1, 38);
        return arrow::decimal128(p, Uniform(-5, p + 3));
      }
      case 29: {
        const int p = Uniform(1, 76);
        return arrow::decimal256(p, Uniform(-5, p + 3));
      }
      default:
        return arrow::utf8();
    }
  }

 public:
  // ------------------------------------------------------------------------------------------
  // Data

  /// A random batch of `rows` rows for `schema`, built longer and sliced at a random offset.
  std::shared_ptr<arrow::RecordBatch> Batch(const std::shared_ptr<arrow::Schema>& schema,
                                            int64_t rows) {
    const int64_t before = Chance(0.5) ? Uniform(1, 11) : 0;
    const int64_t after = Chance(0.5) ? Uniform(1, 5) : 0;
    const int64_t total = before + rows + after;
    std::vector<ArrayPtr> columns;
    for (const auto& field : schema->fields()) {
      columns.push_back(Array(field->type(), total, TopSpec(*field)));
    }
    auto batch = arrow::RecordBatch::Make(schema, total, columns);
    return batch->Slice(before, rows);
  }

 private:
  NullSpec TopSpec(const arrow::Field& field) {
    NullSpec spec;
    if (field.nullable()) {
      spec.probability = Pick(std::vector<double>{0.0, 0.1, 0.3});
    } else {
      spec.probability = dirty_ ? 0.05 : 0.0;
    }
    return spec;
  }

  /// Spec of a child (struct member, list element, map value) below parents valid where
  /// `parent_valid` is 1: nulls where the child's nullability allows them, and (in clean data)
  /// nulls of non-nullable children only below null parents.
  NullSpec ChildSpec(bool nullable, bool is_element, const std::vector<uint8_t>* parent_null) {
    NullSpec spec;
    if (is_element) {
      // protobuf cannot hold null list elements or map values: only dirty data has them.
      spec.probability = dirty_ ? 0.04 : 0.0;
      return spec;
    }
    if (nullable) {
      spec.probability = Pick(std::vector<double>{0.0, 0.1, 0.3});
    } else if (dirty_) {
      spec.probability = 0.04;
    } else {
      spec.probability = 0.3;
      spec.only_where = parent_null;
    }
    return spec;
  }

  std::vector<uint8_t> Validity(int64_t n, const NullSpec& spec) {
    std::vector<uint8_t> valid(n, 1);
    for (int64_t i = 0; i < n; ++i) {
      const bool allowed = spec.only_where == nullptr || (*spec.only_where)[i] != 0;
      if (allowed && spec.probability > 0 && Chance(spec.probability)) valid[i] = 0;
    }
    return valid;
  }

  static std::shared_ptr<arrow::Buffer> Bitmap(const std::vector<uint8_t>& valid) {
    arrow::BooleanBuilder builder;
    for (uint8_t v : valid) Check(builder.Append(v != 0));
    auto array = Check(builder.Finish());
    return std::static_pointer_cast<arrow::BooleanArray>(array)->values();
  }

  static std::vector<uint8_t> Invert(const std::vector<uint8_t>& valid) {
    std::vector<uint8_t> out(valid.size());
    for (size_t i = 0; i < valid.size(); ++i) out[i] = valid[i] ? 0 : 1;
    return out;
  }

  /// `n` values of `type`; sometimes built longer and sliced, so children carry offsets too.
  ArrayPtr Array(const TypePtr& type, int64_t n, const NullSpec& spec) {
    if (spec.only_where == nullptr && Chance(0.2)) {
      const int64_t skip = Uniform(1, 9);
      return Unsliced(type, n + skip, spec)->Slice(skip, n);
    }
    return Unsliced(type, n, spec);
  }

  ArrayPtr Unsliced(const TypePtr& type, int64_t n, const NullSpec& spec) {
    switch (type->id()) {
      case arrow::Type::STRUCT:
        return Struct(type, n, spec);
      case arrow::Type::LIST:
      case arrow::Type::LARGE_LIST:
      case arrow::Type::MAP:
        return OffsetList(type, n, spec);
      case arrow::Type::FIXED_SIZE_LIST:
        return FixedList(type, n, spec);
      case arrow::Type::LIST_VIEW:
      case arrow::Type::LARGE_LIST_VIEW:
        return ListView(type, n, spec);
      case arrow::Type::DICTIONARY:
        return Dictionary(type, n, spec);
      case arrow::Type::RUN_END_ENCODED:
        return RunEnd(type, n, spec);
      case arrow::Type::EXTENSION: {
        const auto& ext = static_cast<const arrow::ExtensionType&>(*type);
        return arrow::ExtensionType::WrapArray(type, Array(ext.storage_type(), n, spec));
      }
      default:
        return Leaf(type, n, spec);
    }
  }

  ArrayPtr Struct(const TypePtr& type, int64_t n, const NullSpec& spec) {
    const auto valid = Validity(n, spec);
    const auto parent_null = Invert(valid);
    std::vector<ArrayPtr> children;
    for (const auto& member : type->fields()) {
      children.push_back(
          Array(member->type(), n, ChildSpec(member->nullable(), false, &parent_null)));
    }
    return Check(arrow::StructArray::Make(children, type->fields(), Bitmap(valid)));
  }

  /// Element counts per row: null rows are usually empty, sometimes not (the rules ignore
  /// whatever a null list covers).
  std::vector<int64_t> Lengths(const std::vector<uint8_t>& valid) {
    std::vector<int64_t> lengths(valid.size());
    for (size_t i = 0; i < valid.size(); ++i) {
      lengths[i] = valid[i] || Chance(0.2) ? Uniform(0, 4) : 0;
    }
    return lengths;
  }

  /// A mask over elements: 1 for elements of null rows.
  static std::vector<uint8_t> ElementsOfNullRows(const std::vector<uint8_t>& valid,
                                                 const std::vector<int64_t>& lengths) {
    std::vector<uint8_t> mask;
    for (size_t i = 0; i < valid.size(); ++i) mask.insert(mask.end(), lengths[i], valid[i] ? 0 : 1);
    return mask;
  }

  ArrayPtr ElementValues(const arrow::Field& element, int64_t count,
                         const std::vector<uint8_t>& under_null) {
    NullSpec spec = ChildSpec(element.nullable(), true, nullptr);
    if (spec.probability == 0 && Chance(0.5)) {
      spec.probability = 0.3;  // nulls below null lists are fine in clean data too
      spec.only_where = &under_null;
    }
    return Array(element.type(), count, spec);
  }

  ArrayPtr OffsetList(const TypePtr& type, int64_t n, const NullSpec& spec) {
    const auto valid = Validity(n, spec);
    const auto lengths = Lengths(valid);
    const auto under_null = ElementsOfNullRows(valid, lengths);
    const int64_t count = static_cast<int64_t>(under_null.size());
    // Values sometimes start past 0 (a list over a longer child).
    const int64_t lead = Chance(0.3) ? Uniform(1, 5) : 0;
    std::vector<int64_t> offsets{lead};
    for (int64_t len : lengths) offsets.push_back(offsets.back() + len);
    std::vector<uint8_t> padded(lead, 0);
    padded.insert(padded.end(), under_null.begin(), under_null.end());
    padded.resize(lead + count + 2, 0);
    if (type->id() == arrow::Type::MAP) {
      const auto& map = static_cast<const arrow::MapType&>(*type);
      auto keys = Keys(map.key_type(), lengths, lead, lead + count + 2);
      NullSpec value_spec = ChildSpec(map.item_field()->nullable(), true, nullptr);
      if (value_spec.probability == 0 && Chance(0.5)) {
        value_spec.probability = 0.3;
        value_spec.only_where = &padded;
      }
      auto items = Array(map.item_type(), lead + count + 2, value_spec);
      arrow::Int32Builder ob;
      for (int64_t o : offsets) Check(ob.Append(static_cast<int32_t>(o)));
      return Check(arrow::MapArray::FromArrays(type, Check(ob.Finish()), keys, items,
                                               arrow::default_memory_pool(), Bitmap(valid)));
    }
    NullSpec value_spec = ChildSpec(type->field(0)->nullable(), true, nullptr);
    if (value_spec.probability == 0 && Chance(0.5)) {
      value_spec.probability = 0.3;
      value_spec.only_where = &padded;
    }
    auto values = Array(type->field(0)->type(), lead + count + 2, value_spec);
    if (type->id() == arrow::Type::LIST) {
      arrow::Int32Builder ob;
      for (int64_t o : offsets) Check(ob.Append(static_cast<int32_t>(o)));
      return Check(arrow::ListArray::FromArrays(type, *Check(ob.Finish()), *values,
                                                arrow::default_memory_pool(), Bitmap(valid)));
    }
    arrow::Int64Builder ob;
    for (int64_t o : offsets) Check(ob.Append(o));
    return Check(arrow::LargeListArray::FromArrays(type, *Check(ob.Finish()), *values,
                                                   arrow::default_memory_pool(), Bitmap(valid)));
  }

  /// Map keys: never null, mostly distinct within one map.
  ArrayPtr Keys(const TypePtr& key_type, const std::vector<int64_t>& lengths, int64_t lead,
                int64_t total) {
    std::vector<ArrayPtr> pieces;
    if (lead > 0) pieces.push_back(Leaf(key_type, lead, NullSpec{}));
    for (int64_t len : lengths) {
      ArrayPtr keys;
      for (int attempt = 0; attempt < 8; ++attempt) {
        keys = Leaf(key_type, len, NullSpec{});
        std::set<std::string> seen;
        for (int64_t i = 0; i < len; ++i) seen.insert(keys->GetScalar(i).ValueOrDie()->ToString());
        if (static_cast<int64_t>(seen.size()) == len || Chance(0.1)) break;
      }
      pieces.push_back(keys);
    }
    int64_t have = lead;
    for (int64_t len : lengths) have += len;
    pieces.push_back(Leaf(key_type, total - have, NullSpec{}));
    return Check(arrow::Concatenate(pieces));
  }

  ArrayPtr FixedList(const TypePtr& type, int64_t n, const NullSpec& spec) {
    const auto& fixed = static_cast<const arrow::FixedSizeListType&>(*type);
    const auto valid = Validity(n, spec);
    std::vector<int64_t> lengths(n, fixed.list_size());
    const auto under_null = ElementsOfNullRows(valid, lengths);
    auto values = ElementValues(*fixed.value_field(), n * fixed.list_size(), under_null);
    return Check(arrow::FixedSizeListArray::FromArrays(values, type, Bitmap(valid)));
  }

  /// List views over a shared pool of values, in any order and overlapping.
  ArrayPtr ListView(const TypePtr& type, int64_t n, const NullSpec& spec) {
    const auto valid = Validity(n, spec);
    const int64_t pool = Uniform(0, 12);
    std::vector<int64_t> offsets(n), sizes(n);
    for (int64_t i = 0; i < n; ++i) {
      sizes[i] =
          pool == 0 || (!valid[i] && Chance(0.7)) ? 0 : Uniform(0, std::min<int64_t>(4, pool));
      offsets[i] = sizes[i] == 0 && Chance(0.5) ? 0 : Uniform64(0, pool - sizes[i]);
    }
    const auto& element = *type->field(0);
    auto values = Array(element.type(), pool, ChildSpec(element.nullable(), true, nullptr));
    if (type->id() == arrow::Type::LIST_VIEW) {
      arrow::Int32Builder ob, sb;
      for (int64_t i = 0; i < n; ++i) {
        Check(ob.Append(static_cast<int32_t>(offsets[i])));
        Check(sb.Append(static_cast<int32_t>(sizes[i])));
      }
      return Check(arrow::ListViewArray::FromArrays(type, *Check(ob.Finish()), *Check(sb.Finish()),
                                                    *values, arrow::default_memory_pool(),
                                                    Bitmap(valid)));
    }
    arrow::Int64Builder ob, sb;
    for (int64_t i = 0; i < n; ++i) {
      Check(ob.Append(offsets[i]));
      Check(sb.Append(sizes[i]));
    }
    return Check(arrow::LargeListViewArray::FromArrays(
        type, *Check(ob.Finish()), *Check(sb.Finish()), *values, arrow::default_memory_pool(),
        Bitmap(valid)));
  }

  ArrayPtr Dictionary(const TypePtr& type, int64_t n, const NullSpec& spec) {
    const auto& dict_type = static_cast<const arrow::DictionaryType&>(*type);
    const int64_t size = Uniform(1, 6);
    // Null dictionary values are logical nulls: only where the spec allows nulls anywhere.
    NullSpec value_spec;
    value_spec.probability = spec.only_where == nullptr ? spec.probability : 0;
    auto dictionary = Leaf(dict_type.value_type(), size, value_spec);
    const auto valid = Validity(n, spec);
    std::unique_ptr<arrow::ArrayBuilder> builder;
    Check(arrow::MakeBuilder(arrow::default_memory_pool(), dict_type.index_type(), &builder));
    for (int64_t i = 0; i < n; ++i) {
      if (!valid[i]) {
        Check(builder->AppendNull());
        continue;
      }
      const int64_t index = Uniform64(0, size - 1);
      auto scalar = Check(arrow::MakeScalar(dict_type.index_type(), index));
      Check(builder->AppendScalar(*scalar));
    }
    return Check(arrow::DictionaryArray::FromArrays(type, Check(builder->Finish()), dictionary));
  }

  ArrayPtr RunEnd(const TypePtr& type, int64_t n, const NullSpec& spec) {
    const auto& ree = static_cast<const arrow::RunEndEncodedType&>(*type);
    std::vector<int64_t> ends;
    for (int64_t end = 0; end < n;) {
      end = std::min<int64_t>(n, end + Uniform(1, 4));
      ends.push_back(end);
    }
    NullSpec value_spec;
    value_spec.probability = spec.only_where == nullptr ? spec.probability : 0;
    auto values = Array(ree.value_type(), static_cast<int64_t>(ends.size()), value_spec);
    std::unique_ptr<arrow::ArrayBuilder> builder;
    Check(arrow::MakeBuilder(arrow::default_memory_pool(), ree.run_end_type(), &builder));
    for (int64_t end : ends) {
      Check(builder->AppendScalar(*Check(arrow::MakeScalar(ree.run_end_type(), end))));
    }
    return Check(arrow::RunEndEncodedArray::Make(n, Check(builder->Finish()), values));
  }

  // Leaf values ------------------------------------------------------------------------------

  template <typename T>
  T Integer() {
    using L = std::numeric_limits<T>;
    switch (Uniform(0, 9)) {
      case 0:
        return L::min();
      case 1:
        return L::max();
      case 2:
        return 0;
      case 3:
        return static_cast<T>(-1);
      case 4:
        return static_cast<T>(Uniform(-300, 300));
      default: {
        uint64_t bits = rng_();
        T v;
        std::memcpy(&v, &bits, sizeof(T));
        return v;
      }
    }
  }

  /// int64 counts of a temporal unit: mostly modest, sometimes extreme (overflowing s / ms).
  int64_t TemporalCount() {
    switch (Uniform(0, 9)) {
      case 0:
        return std::numeric_limits<int64_t>::min();
      case 1:
        return std::numeric_limits<int64_t>::max();
      case 2:
        return Uniform64(-9300000000000, 9300000000000);
      case 3:
        return Uniform64(-9300000000000000, 9300000000000000);
      case 4:
        return Uniform(-2000, 2000);
      default:
        return Uniform64(-2000000000000000000, 2000000000000000000) / Uniform(1, 1000000);
    }
  }

  std::string Text() {
    static const std::vector<std::string> kPieces = {
        "a", "Z", "0", " ", "\xc3\xa9", "\xe2\x9c\x93", "\xf0\x9f\x8e\x89", "\xe4\xb8\xad", "_"};
    if (dirty_ && Chance(0.04)) {
      return Pick(std::vector<std::string>{"\xff", "a\xc0\xaf", "\xed\xa0\x80", "\xe2\x9c",
                                           "\xf4\x90\x80\x80", std::string("\x80", 1)});
    }
    std::string s;
    const int len = Chance(0.2) ? 0 : Uniform(1, Chance(0.3) ? 20 : 5);
    for (int i = 0; i < len; ++i) s += Pick(kPieces);
    return s;
  }

  std::string Bytes(int len) {
    std::string s(len, '\0');
    for (auto& c : s) c = static_cast<char>(Uniform(0, 255));
    return s;
  }

  std::string DecimalDigits(int precision) {
    if (Chance(0.1)) return "0";
    const int digits = Chance(0.2) ? precision : Uniform(1, precision);
    std::string s = Chance(0.5) ? "-" : "";
    for (int i = 0; i < digits; ++i) s += static_cast<char>('0' + Uniform(i == 0 ? 1 : 0, 9));
    return s;
  }

  uint16_t HalfBits() {
    static const std::vector<uint16_t> kSpecial = {0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00,
                                                   0xfe00, 0x0001, 0x03ff, 0x7bff, 0x3c00};
    if (Chance(0.3)) return Pick(kSpecial);
    uint16_t bits = static_cast<uint16_t>(rng_());
    if ((bits & 0x7c00) == 0x7c00 && (bits & 0x3ff) != 0) bits |= 0x200;  // quiet NaNs only
    return bits;
  }

  ArrayPtr Leaf(const TypePtr& type, int64_t n, const NullSpec& spec) {
    const auto valid = Validity(n, spec);
    std::unique_ptr<arrow::ArrayBuilder> builder;
    Check(arrow::MakeBuilder(arrow::default_memory_pool(), type, &builder));
    for (int64_t i = 0; i < n; ++i) {
      if (!valid[i]) {
        Check(builder->AppendNull());
        continue;
      }
      AppendValue(type, builder.get());
    }
    return Check(builder->Finish());
  }

  void AppendValue(const TypePtr& type, arrow::ArrayBuilder* b) {
    using namespace arrow;  // NOLINT: builder class names
    switch (type->id()) {
      case Type::BOOL:
        Check(static_cast<BooleanBuilder*>(b)->Append(Chance(0.5)));
        return;
      case Type::INT8:
        Check(static_cast<Int8Builder*>(b)->Append(Integer<int8_t>()));
        return;
      case Type::INT16:
        Check(static_cast<Int16Builder*>(b)->Append(Integer<int16_t>()));
        return;
      case Type::INT32:
        Check(static_cast<Int32Builder*>(b)->Append(Integer<int32_t>()));
        return;
      case Type::INT64:
        Check(static_cast<Int64Builder*>(b)->Append(Integer<int64_t>()));
        return;
      case Type::UINT8:
        Check(static_cast<UInt8Builder*>(b)->Append(Integer<uint8_t>()));
        return;
      case Type::UINT16:
        Check(static_cast<UInt16Builder*>(b)->Append(Integer<uint16_t>()));
        return;
      case Type::UINT32:
        Check(static_cast<UInt32Builder*>(b)->Append(Integer<uint32_t>()));
        return;
      case Type::UINT64: {
        uint64_t v = Integer<uint64_t>();
        if (!dirty_ && v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) v >>= 1;
        Check(static_cast<UInt64Builder*>(b)->Append(v));
        return;
      }
      case Type::HALF_FLOAT:
        Check(static_cast<HalfFloatBuilder*>(b)->Append(HalfBits()));
        return;
      case Type::FLOAT: {
        float f;
        if (Chance(0.3)) {
          const uint32_t bits = static_cast<uint32_t>(rng_());
          std::memcpy(&f, &bits, 4);
        } else {
          f = static_cast<float>(std::uniform_real_distribution<double>(-1e6, 1e6)(rng_));
        }
        Check(static_cast<FloatBuilder*>(b)->Append(f));
        return;
      }
      case Type::DOUBLE: {
        double d;
        if (Chance(0.3)) {
          const uint64_t bits = rng_();
          std::memcpy(&d, &bits, 8);
        } else {
          d = std::uniform_real_distribution<double>(-1e12, 1e12)(rng_);
        }
        Check(static_cast<DoubleBuilder*>(b)->Append(d));
        return;
      }
      case Type::STRING:
        Check(static_cast<StringBuilder*>(b)->Append(Text()));
        return;
      case Type::LARGE_STRING:
        Check(static_cast<LargeStringBuilder*>(b)->Append(Text()));
        return;
      case Type::STRING_VIEW:
        Check(static_cast<StringViewBuilder*>(b)->Append(Text()));
        return;
      case Type::BINARY:
        Check(static_cast<BinaryBuilder*>(b)->Append(Bytes(Uniform(0, 30))));
        return;
      case Type::LARGE_BINARY:
        Check(static_cast<LargeBinaryBuilder*>(b)->Append(Bytes(Uniform(0, 30))));
        return;
      case Type::BINARY_VIEW:
        Check(static_cast<BinaryViewBuilder*>(b)->Append(Bytes(Uniform(0, 30))));
        return;
      case Type::FIXED_SIZE_BINARY: {
        const int width = static_cast<const FixedSizeBinaryType&>(*type).byte_width();
        Check(static_cast<FixedSizeBinaryBuilder*>(b)->Append(Bytes(width)));
        return;
      }
      case Type::DATE32:
        Check(static_cast<Date32Builder*>(b)->Append(Integer<int32_t>()));
        return;
      case Type::DATE64: {
        // Whole days (arrow's validation requires them); beyond int32 days only when dirty.
        const int64_t limit = dirty_ ? 100000000000 : std::numeric_limits<int32_t>::max();
        int64_t days = Chance(0.2) ? (Chance(0.5) ? limit : -limit - 1) : Uniform64(-limit, limit);
        if (!dirty_ && days < std::numeric_limits<int32_t>::min())
          days = std::numeric_limits<int32_t>::min();
        Check(static_cast<Date64Builder*>(b)->Append(days * 86400000));
        return;
      }
      case Type::TIMESTAMP:
        Check(static_cast<TimestampBuilder*>(b)->Append(TemporalCount()));
        return;
      case Type::DURATION:
        Check(static_cast<DurationBuilder*>(b)->Append(TemporalCount()));
        return;
      case Type::TIME32: {
        const bool seconds = static_cast<const Time32Type&>(*type).unit() == TimeUnit::SECOND;
        const int32_t limit = seconds ? 86400 : 86400000;
        Check(static_cast<Time32Builder*>(b)->Append(Chance(0.2) ? limit - 1
                                                                 : Uniform(0, limit - 1)));
        return;
      }
      case Type::TIME64: {
        const bool micros = static_cast<const Time64Type&>(*type).unit() == TimeUnit::MICRO;
        const int64_t limit = micros ? 86400000000LL : 86400000000000LL;
        Check(static_cast<Time64Builder*>(b)->Append(Chance(0.2) ? limit - 1
                                                                 : Uniform64(0, limit - 1)));
        return;
      }
      case Type::DECIMAL32: {
        const int p = static_cast<const DecimalType&>(*type).precision();
        Check(static_cast<Decimal32Builder*>(b)->Append(
            Check(Decimal32::FromString(DecimalDigits(p)))));
        return;
      }
      case Type::DECIMAL64: {
        const int p = static_cast<const DecimalType&>(*type).precision();
        Check(static_cast<Decimal64Builder*>(b)->Append(
            Check(Decimal64::FromString(DecimalDigits(p)))));
        return;
      }
      case Type::DECIMAL128: {
        const int p = static_cast<const DecimalType&>(*type).precision();
        Check(static_cast<Decimal128Builder*>(b)->Append(
            Check(Decimal128::FromString(DecimalDigits(p)))));
        return;
      }
      case Type::DECIMAL256: {
        const int p = static_cast<const DecimalType&>(*type).precision();
        Check(static_cast<Decimal256Builder*>(b)->Append(
            Check(Decimal256::FromString(DecimalDigits(p)))));
        return;
      }
      default:
        ADD_FAILURE() << "no leaf generator for " << type->ToString();
        std::abort();
    }
  }

  std::mt19937_64 rng_;
  Family family_;
  bool dirty_ = false;
};

// ---------------------------------------------------------------------------------------------

class EncodePropertyTest : public ::testing::TestWithParam<Family> {};

TEST_P(EncodePropertyTest, EveryRowEncodesAsTheOracleSaysOrFailsForAReason) {
  const Family& family = GetParam();
  const uint64_t seed = BaseSeed() ^ std::hash<std::string>{}(family.name);
  SCOPED_TRACE("seed " + std::to_string(BaseSeed()) + " (ARROW_ZEROBUS_TEST_SEED), family " +
               family.name + ", generator seed " + std::to_string(seed));
  Generator gen(seed, family);
  std::mt19937_64 rows_rng(seed + 1);
  int failing_schemas = 0;
  int64_t rows_checked = 0;
  int64_t rows_failed = 0;
  for (int s = 0; s < family.schemas && failing_schemas < 8; ++s) {
    const auto schema = gen.Schema();
    const int64_t rows = std::uniform_int_distribution<int64_t>(0, 40)(rows_rng);
    const auto batch = gen.Batch(schema, rows);
    SCOPED_TRACE("schema #" + std::to_string(s) + (gen.dirty() ? " (dirty data)" : "") + ": " +
                 schema->ToString() + "\n" + std::to_string(rows) + " rows, offset " +
                 std::to_string(batch->column(0)->offset()));
    const int failures_before =
        ::testing::UnitTest::GetInstance()->current_test_info()->result()->total_part_count();

    auto planned = schema::PlanSchema(*schema);
    if (!planned.ok()) {
      ADD_FAILURE() << "a schema of supported types and valid names must plan: "
                    << planned.status();
      ++failing_schemas;
      continue;
    }
    const schema::SchemaPlan& plan = **planned;
    ASSERT_NE(plan.pool, nullptr);
    ASSERT_NE(plan.message, nullptr);
    {
      google::protobuf::DescriptorPool fresh;
      const auto* file = fresh.BuildFile(plan.file);
      ASSERT_NE(file, nullptr) << "descriptor does not build in a fresh pool:\n"
                               << plan.file.DebugString();
      EXPECT_NE(fresh.FindMessageTypeByName(plan.message->full_name()), nullptr);
    }

    auto encoded = EncodeBatch(plan, *batch);
    if (!encoded.ok()) {
      ADD_FAILURE() << "valid Arrow data must encode (row errors at most): " << encoded.status();
      ++failing_schemas;
      continue;
    }
    EXPECT_TRUE(EncodedBatchInvariantsHold(*encoded, batch->num_rows()));
    EXPECT_TRUE(BatchMatchesOracle(plan, *batch, *encoded));
    rows_checked += batch->num_rows();
    rows_failed += encoded->failed_count();

    // The same batch again gives the same bytes; a row alone gives the same record.
    auto again = EncodeBatch(plan, *batch);
    if (again.ok()) {
      EXPECT_EQ(again->offsets, encoded->offsets);
      EXPECT_TRUE(again->arena->Equals(*encoded->arena)) << "encoding is not deterministic";
    } else {
      ADD_FAILURE() << "encoding the same batch again failed: " << again.status();
    }
    for (int k = 0; k < 3 && batch->num_rows() > 0; ++k) {
      const int64_t row =
          std::uniform_int_distribution<int64_t>(0, batch->num_rows() - 1)(rows_rng);
      auto alone = EncodeBatch(plan, *batch->Slice(row, 1));
      if (!alone.ok()) {
        ADD_FAILURE() << "row " << row << " alone does not encode: " << alone.status();
        continue;
      }
      EXPECT_EQ(alone->failed(0), encoded->failed(row)) << "row " << row;
      if (!encoded->failed(row) && !alone->failed(0)) {
        EXPECT_EQ(alone->record(0), encoded->record(row))
            << "row " << row << " encodes differently alone than in its batch";
      }
    }
    if (::testing::UnitTest::GetInstance()->current_test_info()->result()->total_part_count() !=
        failures_before) {
      ++failing_schemas;
    }
  }
  EXPECT_LT(failing_schemas, 8) << "stopped after 8 failing schemas";
  // The data must exercise both paths.
  EXPECT_GT(rows_checked, 0);
  EXPECT_LT(rows_failed, rows_checked) << "almost every row failed; the data tests too little";
  std::cout << "[ property ] family " << family.name << ": " << family.schemas << " schemas, "
            << rows_checked << " rows, " << rows_failed << " failed by rule\n";
}

INSTANTIATE_TEST_SUITE_P(Families, EncodePropertyTest,
                         ::testing::Values(Family{"flat", false, false, false, 40},
                                           Family{"structs", true, false, false, 40},
                                           Family{"lists", true, true, false, 40},
                                           Family{"maps", true, false, true, 40},
                                           Family{"everything", true, true, true, 40}),
                         [](const ::testing::TestParamInfo<Family>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace arrow_zerobus::encode
