#include "encode/canonical_column.h"

#include <algorithm>
#include <limits>
#include <vector>

#include <arrow/array/data.h>
#include <arrow/buffer.h>
#include <arrow/util/utf8.h>

#include "encode/canonical_value_checks.h"
#include "encode/canonical_values.h"

namespace arrow_zerobus::encode::internal {
namespace {

using ArrayPtr = std::shared_ptr<arrow::Array>;
using encode::RowErrorKind;
using encode::internal::RowErrorCollector;
using encode::internal::Validity;

/// The index space of one array's elements and how they relate to the batch rows.
struct Scope {
  int64_t length = 0;
  /// No parent: element j is batch row j. Otherwise element j belongs to element i of `parent`
  /// where parent_offsets[i] <= j < parent_offsets[i + 1], or to element j without offsets.
  const Scope* parent = nullptr;
  const int64_t* parent_offsets = nullptr;
  /// 1 where the element is part of its row's value (no parent of it is null); null: all are.
  const uint8_t* present = nullptr;

  bool Present(int64_t j) const { return present == nullptr || present[j] != 0; }

  int64_t RowOf(int64_t j) const {
    if (parent == nullptr) return j;
    int64_t index = j;
    if (parent_offsets != nullptr) {
      const int64_t* end = parent_offsets + parent->length + 1;
      index = (std::upper_bound(parent_offsets, end, j) - parent_offsets) - 1;
    }
    return parent->RowOf(index);
  }
};

/// What a null at one position is: fine, or a row error of `kind` with `cause`.
struct NullRule {
  bool error = false;
  RowErrorKind kind = RowErrorKind::kNullValue;
  std::string (*cause)() = encode::NullRequiredCause;
};

NullRule RequiredUnless(bool nullable) {
  return NullRule{!nullable, RowErrorKind::kNullValue, encode::NullRequiredCause};
}

/// A list-like or map array taken apart: its rows' elements and their ranges.
struct ListParts {
  std::vector<int64_t> offsets;              ///< length + 1, rebased so that offsets[0] == 0
  ArrayPtr values;                           ///< the elements of the array's rows, sliced
  std::shared_ptr<arrow::Buffer> offsets32;  ///< the source's offsets, when usable as they are
};

Result<ListParts> SplitList(const arrow::Array& list, const std::string& path) {
  ListParts parts;
  const int64_t n = list.length();
  parts.offsets.assign(n + 1, 0);
  if (n == 0) {  // an empty array may come without an offsets buffer
    parts.values = arrow::MakeArray(list.data()->child_data[0])->Slice(0, 0);
    return parts;
  }
  int64_t base = 0;
  int64_t end = 0;
  switch (list.type_id()) {
    case arrow::Type::LIST:
    case arrow::Type::MAP: {  // MapArray is a ListArray of entries
      const auto& l = static_cast<const arrow::ListArray&>(list);
      const int32_t* raw = l.raw_value_offsets();
      base = raw[0];
      end = raw[n];
      for (int64_t i = 0; i <= n; ++i) parts.offsets[i] = raw[i] - base;
      if (base == 0) {
        parts.offsets32 = arrow::SliceBuffer(l.data()->buffers[1], l.offset() * 4, (n + 1) * 4);
      }
      parts.values = l.values();
      break;
    }
    case arrow::Type::LARGE_LIST: {
      const auto& l = static_cast<const arrow::LargeListArray&>(list);
      const int64_t* raw = l.raw_value_offsets();
      base = raw[0];
      end = raw[n];
      for (int64_t i = 0; i <= n; ++i) parts.offsets[i] = raw[i] - base;
      parts.values = l.values();
      break;
    }
    case arrow::Type::FIXED_SIZE_LIST: {
      const auto& l = static_cast<const arrow::FixedSizeListArray&>(list);
      const int64_t size = l.value_length();
      base = l.offset() * size;
      end = base + n * size;
      for (int64_t i = 0; i <= n; ++i) parts.offsets[i] = i * size;
      parts.values = l.values();
      break;
    }
    default:
      return InternalError("column '" + path + "': " + list.type()->ToString() +
                           " is not a decoded list type");
  }
  parts.values = parts.values->Slice(base, end - base);
  return parts;
}

/// The canonical (int32) offsets of `parts`.
Result<std::shared_ptr<arrow::Buffer>> Offsets32(const ListParts& parts, const std::string& path) {
  if (parts.offsets32 != nullptr) return parts.offsets32;
  if (parts.offsets.back() > std::numeric_limits<int32_t>::max()) {
    return ConversionError("column '" + path + "' holds " + std::to_string(parts.offsets.back()) +
                           " list elements, more than one Arrow list array can; send smaller "
                           "batches");
  }
  std::vector<int32_t> narrow(parts.offsets.begin(), parts.offsets.end());
  return arrow::Buffer::FromVector(std::move(narrow));
}

/// Checks that the decoded `array` has the shape `target` expects, so the casts below are safe.
Status CheckShape(const arrow::Array& array, const arrow::DataType& target,
                  const std::string& path) {
  const arrow::Type::type id = array.type_id();
  bool ok = true;
  switch (target.id()) {
    case arrow::Type::LIST:
      ok = id == arrow::Type::LIST || id == arrow::Type::LARGE_LIST ||
           id == arrow::Type::FIXED_SIZE_LIST;
      break;
    case arrow::Type::MAP:
      ok = id == arrow::Type::MAP;
      break;
    case arrow::Type::STRUCT:
      ok = id == arrow::Type::STRUCT && array.type()->num_fields() == target.num_fields();
      break;
    default:
      ok = array.type()->num_fields() == 0;
      break;
  }
  if (ok) return Status::OK();
  return InternalError("column '" + path + "' holds " + array.type()->ToString() +
                       " after decoding, but its canonical type is " + target.ToString());
}

/// Walks one column in the order the protobuf encoder measures it (struct members before the
/// struct's own checks, list elements in position order), so that a row with several problems
/// reports the same first one.
class Converter {
 public:
  Converter(RowErrorCollector* errors, const LeafRules* rules) : errors_(errors), rules_(rules) {}

  /// A value with at most one per element: a column, a struct member, a map key or value.
  /// `nulls` says what a null of it is (lists and maps use their own rule).
  Result<ArrayPtr> Singular(const ArrayPtr& array, const arrow::Field& target,
                            const std::string& path, const Scope& scope, const NullRule& nulls) {
    ARROW_ZEROBUS_RETURN_NOT_OK(CheckShape(*array, *target.type(), path));
    switch (target.type()->id()) {
      case arrow::Type::LIST:
        return List(array, target, path, scope);
      case arrow::Type::MAP:
        return Map(array, target, path, scope);
      case arrow::Type::STRUCT: {
        ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto out, Struct(array, target.type(), path, scope));
        CheckValues(NoCheck{}, *array->data(), path, scope, nulls);
        return out;
      }
      default: {
        if (rules_ != nullptr && rules_->Handles(array->type(), target)) {
          CheckValues(NoCheck{}, *array->data(), path, scope, nulls);
          return ByRules(array, target, path, scope);
        }
        bool checked = false;
        WithCheck(*array, [&](const auto& check) {
          CheckValues(check, *array->data(), path, scope, nulls);
          checked = check.needed();
        });
        ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto out, ConvertLeaf(array, target.type(), path));
        if (checked && IsText(array->type_id()) && scope.present != nullptr) {
          return ClearHiddenInvalidText(out, scope.present, path);
        }
        return out;
      }
    }
  }

 private:
  /// `values` converted by the rules; the failures of present elements become row errors.
  Result<ArrayPtr> ByRules(const ArrayPtr& values, const arrow::Field& target,
                           const std::string& path, const Scope& scope) {
    std::vector<LeafFailure> failures;
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto out, rules_->Convert(values, target, path, &failures));
    for (const LeafFailure& failure : failures) {
      if (!scope.Present(failure.index)) continue;
      errors_->Add(scope.RowOf(failure.index), path, failure.kind, [&] { return failure.cause; });
    }
    return out;
  }

  template <typename Check>
  void CheckValues(const Check& check, const arrow::ArrayData& data, const std::string& path,
                   const Scope& scope, const NullRule& nulls) {
    const Validity validity(data);
    if (!check.needed() && !(nulls.error && validity.MayHaveNulls())) return;
    for (int64_t j = 0; j < data.length; ++j) {
      if (!scope.Present(j)) continue;
      if (validity.IsNull(j)) {
        if (nulls.error) errors_->Add(scope.RowOf(j), path, nulls.kind, nulls.cause);
        continue;
      }
      check(j, [&](RowErrorKind kind, auto&& describe) {
        errors_->Add(scope.RowOf(j), path, kind, describe);
      });
    }
  }

  /// Per row of a list (or map): a null list where `list_required`, then per element a null
  /// where `item_required`, else check(element).
  template <typename Check>
  void CheckListRows(const Check& check, const arrow::ArrayData& lists,
                     const arrow::ArrayData& elements, const int64_t* off, bool list_required,
                     bool item_required, const std::string& path, const Scope& scope) {
    const Validity list_validity(lists);
    const Validity element_validity(elements);
    if (!check.needed() && !(list_required && list_validity.MayHaveNulls()) &&
        !(item_required && element_validity.MayHaveNulls())) {
      return;
    }
    for (int64_t i = 0; i < lists.length; ++i) {
      if (!scope.Present(i)) continue;
      const int64_t row = scope.RowOf(i);
      if (list_validity.IsNull(i)) {
        if (list_required) {
          errors_->Add(row, path, RowErrorKind::kNullValue, encode::NullListCause);
        }
        continue;
      }
      for (int64_t j = off[i]; j < off[i + 1]; ++j) {
        if (element_validity.IsNull(j)) {
          if (item_required) {
            errors_->Add(row, path, RowErrorKind::kNullElement,
                         [&] { return encode::NullListElementCause(j - off[i]); });
          }
          continue;
        }
        check(j,
              [&](RowErrorKind kind, auto&& describe) { errors_->Add(row, path, kind, describe); });
      }
    }
  }

  /// 1 for each element of a present, non-null list that is itself not null; empty when every
  /// element is present.
  static std::vector<uint8_t> ElementMask(const arrow::ArrayData& lists,
                                          const arrow::ArrayData& elements, const int64_t* off,
                                          const Scope& scope) {
    const Validity list_validity(lists);
    const Validity element_validity(elements);
    std::vector<uint8_t> mask;
    if (scope.present == nullptr && !list_validity.MayHaveNulls() &&
        !element_validity.MayHaveNulls()) {
      return mask;
    }
    mask.assign(elements.length, 0);
    for (int64_t i = 0; i < lists.length; ++i) {
      if (!scope.Present(i) || list_validity.IsNull(i)) continue;
      for (int64_t j = off[i]; j < off[i + 1]; ++j) mask[j] = !element_validity.IsNull(j);
    }
    return mask;
  }

  /// A struct's members (its own nulls are checked by the caller).
  Result<ArrayPtr> Struct(const ArrayPtr& array, const std::shared_ptr<arrow::DataType>& target,
                          const std::string& path, const Scope& scope) {
    const auto& structs = static_cast<const arrow::StructArray&>(*array);
    const Validity validity(*array->data());
    std::vector<uint8_t> mask;
    Scope members = scope;
    if (validity.MayHaveNulls()) {
      mask.resize(array->length());
      for (int64_t j = 0; j < array->length(); ++j) {
        mask[j] = scope.Present(j) && !validity.IsNull(j);
      }
      members.present = mask.data();
    }
    bool unchanged = array->type()->Equals(*target);
    std::vector<std::shared_ptr<arrow::ArrayData>> children;
    for (int k = 0; k < target->num_fields(); ++k) {
      const arrow::Field& field = *target->field(k);
      const ArrayPtr member = structs.field(k);
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto converted,
                                     Singular(member, field, path + "." + field.name(), members,
                                              RequiredUnless(field.nullable())));
      unchanged = unchanged && converted == member;
      children.push_back(converted->data());
    }
    if (unchanged) return array;
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto bitmap, ValidityFromZero(*array->data(), path));
    return arrow::MakeArray(arrow::ArrayData::Make(target, array->length(), {std::move(bitmap)},
                                                   std::move(children), array->null_count()));
  }

  Result<ArrayPtr> List(const ArrayPtr& array, const arrow::Field& target, const std::string& path,
                        const Scope& scope) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(ListParts parts, SplitList(*array, path));
    const arrow::Field& item = *target.type()->field(0);
    const arrow::ArrayData& lists = *array->data();
    const arrow::ArrayData& elements = *parts.values->data();
    const int64_t* off = parts.offsets.data();
    ArrayPtr values;
    if (item.type()->id() == arrow::Type::STRUCT) {
      // Members of the elements first, then nulls of lists and elements, as the encoder does.
      const std::vector<uint8_t> mask = ElementMask(lists, elements, off, scope);
      const Scope element_scope{parts.values->length(), &scope, off,
                                mask.empty() ? nullptr : mask.data()};
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(values,
                                     Struct(parts.values, item.type(), path + "[]", element_scope));
      CheckListRows(NoCheck{}, lists, elements, off, !target.nullable(), !item.nullable(), path,
                    scope);
    } else if (rules_ != nullptr && rules_->Handles(parts.values->type(), item)) {
      CheckListRows(NoCheck{}, lists, elements, off, !target.nullable(), !item.nullable(), path,
                    scope);
      const std::vector<uint8_t> mask = ElementMask(lists, elements, off, scope);
      const Scope element_scope{parts.values->length(), &scope, off,
                                mask.empty() ? nullptr : mask.data()};
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(values, ByRules(parts.values, item, path, element_scope));
    } else {
      bool checked = false;
      WithCheck(*parts.values, [&](const auto& check) {
        CheckListRows(check, lists, elements, off, !target.nullable(), !item.nullable(), path,
                      scope);
        checked = check.needed();
      });
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(values, ConvertLeaf(parts.values, item.type(), path));
      if (checked && IsText(parts.values->type_id())) {
        const std::vector<uint8_t> mask = ElementMask(lists, elements, off, scope);
        if (!mask.empty()) {
          ARROW_ZEROBUS_ASSIGN_OR_RETURN(values, ClearHiddenInvalidText(values, mask.data(), path));
        }
      }
    }
    if (values == parts.values && array->type()->Equals(*target.type())) return array;
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto offsets, Offsets32(parts, path));
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto bitmap, ValidityFromZero(lists, path));
    return arrow::MakeArray(arrow::ArrayData::Make(target.type(), array->length(),
                                                   {std::move(bitmap), std::move(offsets)},
                                                   {values->data()}, array->null_count()));
  }

  Result<ArrayPtr> Map(const ArrayPtr& array, const arrow::Field& target, const std::string& path,
                       const Scope& scope) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(ListParts parts, SplitList(*array, path));
    const auto& map_type = static_cast<const arrow::MapType&>(*target.type());
    const auto& entries = static_cast<const arrow::StructArray&>(*parts.values);
    const arrow::ArrayData& maps = *array->data();
    const int64_t* off = parts.offsets.data();
    const std::vector<uint8_t> mask = ElementMask(maps, *entries.data(), off, scope);
    const Scope entry_scope{entries.length(), &scope, off, mask.empty() ? nullptr : mask.data()};
    // Keys of all entries, then values, then the map's own nulls, as the encoder does. Paths name
    // them as the protobuf map entry does ("attrs.key"), whatever the Arrow fields are called.
    const arrow::Field& key_field = *map_type.key_field();
    const arrow::Field& value_field = *map_type.item_field();
    const ArrayPtr key_source = entries.field(0);
    const ArrayPtr value_source = entries.field(1);
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(
        auto keys, Singular(key_source, key_field, path + ".key", entry_scope,
                            NullRule{!key_field.nullable(), RowErrorKind::kNullElement,
                                     encode::NullMapEntryCause}));
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(
        auto items, Singular(value_source, value_field, path + ".value", entry_scope,
                             NullRule{!value_field.nullable(), RowErrorKind::kNullElement,
                                      encode::NullMapEntryCause}));
    CheckListRows(NoCheck{}, maps, *entries.data(), off, !target.nullable(), true, path, scope);
    if (keys == key_source && items == value_source && array->type()->Equals(*target.type())) {
      return array;
    }
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto entry_bitmap, ValidityFromZero(*entries.data(), path));
    auto entry_data =
        arrow::ArrayData::Make(map_type.value_type(), entries.length(), {std::move(entry_bitmap)},
                               {keys->data(), items->data()}, entries.null_count());
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto offsets, Offsets32(parts, path));
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto bitmap, ValidityFromZero(maps, path));
    return arrow::MakeArray(arrow::ArrayData::Make(target.type(), array->length(),
                                                   {std::move(bitmap), std::move(offsets)},
                                                   {std::move(entry_data)}, array->null_count()));
  }

  RowErrorCollector* errors_;
  const LeafRules* rules_;
};

}  // namespace

Result<std::shared_ptr<arrow::Array>> ConvertColumn(const std::shared_ptr<arrow::Array>& column,
                                                    const arrow::Field& target,
                                                    RowErrorCollector* errors,
                                                    const LeafRules* rules) {
  // arrow::util::ValidateUTF8 accepts everything until its tables are built.
  static const bool utf8_tables_ready = (arrow::util::InitializeUTF8(), true);
  (void)utf8_tables_ready;
  Converter converter(errors, rules);
  const Scope rows{column->length()};
  return converter.Singular(column, target, target.name(), rows, RequiredUnless(target.nullable()));
}

}  // namespace arrow_zerobus::encode::internal
