#include "arrow_value_checks.h"

#include <algorithm>
#include <memory>

#include <arrow/array.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>

#include "column_values.h"
#include "common/text.h"

namespace arrow_zerobus::emulator {
namespace {

using Kind = UcType::Kind;

// The row of the batch each value of an array belongs to; -1 for a value under a null parent
// (a struct member of a null struct, the slots of a null list), which is not checked. Worked out
// on demand from the parents (their validity, list offsets), not stored per value: a small
// message can declare billions of rows (columns without buffers, a compressed bitmap), and
// checking it must not take memory per row.
class RowOf {
 public:
  /// The rows of the batch's columns: value i is row i.
  static RowOf Batch() { return RowOf(); }

  int64_t operator[](int64_t i) const {
    switch (kind_) {
      case Kind::kBatch:
        return i;
      case Kind::kMembers:
        return parent_array_->IsNull(i) ? -1 : (*parent_)[i];
      case Kind::kElements: {
        // The list slot whose offsets hold element i: the last one starting at or before it.
        const int64_t slot = std::upper_bound(offsets_, offsets_ + slots_ + 1, i) - offsets_ - 1;
        if (slot < 0 || slot >= slots_ || parent_array_->IsNull(slot)) return -1;
        return (*parent_)[slot];
      }
    }
    return -1;
  }

  /// The rows of the members of `parent`, a struct whose own rows are these.
  RowOf Members(const arrow::Array& parent) const {
    return RowOf(Kind::kMembers, *this, parent, nullptr, 0);
  }
  /// The rows of the values of `list` (or map), whose own rows are these. Its offsets must be
  /// valid (non-decreasing).
  template <typename ListT>
  RowOf Elements(const ListT& list) const {
    return RowOf(Kind::kElements, *this, list, list.raw_value_offsets(), list.length());
  }

 private:
  enum class Kind { kBatch, kMembers, kElements };

  RowOf() = default;
  RowOf(Kind kind, const RowOf& parent, const arrow::Array& parent_array, const int32_t* offsets,
        int64_t slots)
      : kind_(kind),
        parent_(std::make_shared<RowOf>(parent)),
        parent_array_(&parent_array),
        offsets_(offsets),
        slots_(slots) {}

  Kind kind_ = Kind::kBatch;
  std::shared_ptr<const RowOf> parent_;
  const arrow::Array* parent_array_ = nullptr;
  const int32_t* offsets_ = nullptr;  ///< kElements: the list's offsets, slots_ + 1 of them
  int64_t slots_ = 0;
};

Status Refuse(int64_t row, const std::string& path, const UcType& type, bool nullable,
              const std::string& why) {
  return Status(StatusCode::kInvalidArgument, ErrorKind::kTransmission,
                "row " + std::to_string(row) + ", column '" + path + "' (" + type.ToString() +
                    (nullable ? "" : " NOT NULL") + "): value " + why);
}

class ValueChecker {
 public:
  Status Check(const arrow::Array& array, const UcType& type, bool nullable,
               const std::string& path, const RowOf& row_of) {
    for (int64_t i = 0; !nullable && array.null_count() > 0 && i < array.length(); ++i) {
      if (row_of[i] >= 0 && array.IsNull(i))
        return Refuse(row_of[i], path, type, nullable, "is null");
    }
    switch (type.kind) {
      case Kind::kDate:
        return CheckEach<arrow::Date32Array>(array, type, nullable, path, row_of,
                                             [](int32_t days) { return CheckDateDays(days); });
      case Kind::kTimestamp:
      case Kind::kTimestampNtz:
        return CheckEach<arrow::TimestampArray>(
            array, type, nullable, path, row_of,
            [](int64_t micros) { return CheckTimestampMicros(micros); });
      case Kind::kDecimal:
        return CheckEach<arrow::LargeStringArray>(
            array, type, nullable, path, row_of, [&type](std::string_view text) {
              return CheckDecimalText(text, type.precision, type.scale);
            });
      case Kind::kVariant:
        return CheckVariant(static_cast<const arrow::StructArray&>(array), type, nullable, path,
                            row_of);
      case Kind::kStruct:
        return CheckStruct(static_cast<const arrow::StructArray&>(array), type, path, row_of);
      case Kind::kArray: {
        const auto& list = static_cast<const arrow::ListArray&>(array);
        return Check(*list.values(), type.elements[0], true, path + "[]", row_of.Elements(list));
      }
      case Kind::kMap: {
        const auto& map = static_cast<const arrow::MapArray&>(array);
        const RowOf rows = row_of.Elements(map);
        ARROW_ZEROBUS_RETURN_NOT_OK(
            Check(*map.keys(), type.elements[0], false, path + ".key", rows));
        return Check(*map.items(), type.elements[1], true, path + ".value", rows);
      }
      default:
        return Status::OK();
    }
  }

 private:
  template <typename ArrayT, typename CheckT>
  static Status CheckEach(const arrow::Array& array, const UcType& type, bool nullable,
                          const std::string& path, const RowOf& row_of, CheckT check) {
    const auto& typed = static_cast<const ArrayT&>(array);
    for (int64_t i = 0; i < typed.length(); ++i) {
      if (row_of[i] < 0 || typed.IsNull(i)) continue;
      if (ValueRefusal refusal = check(typed.GetView(i))) {
        return Refuse(row_of[i], path, type, nullable, *refusal);
      }
    }
    return Status::OK();
  }

  Status CheckStruct(const arrow::StructArray& array, const UcType& type, const std::string& path,
                     const RowOf& row_of) {
    const RowOf rows = row_of.Members(array);
    const auto& fields = array.struct_type()->fields();
    for (const auto& member : type.fields) {
      const std::string member_path = path + "." + member.name;
      int index = -1;
      for (size_t f = 0; f < fields.size(); ++f) {
        if (AsciiLower(fields[f]->name()) == AsciiLower(member.name)) index = static_cast<int>(f);
      }
      if (index < 0) continue;  // a nullable member left out (the schema check saw to that)
      ARROW_ZEROBUS_RETURN_NOT_OK(
          Check(*array.field(index), member.type, member.nullable, member_path, rows));
    }
    return Status::OK();
  }

  // A VARIANT value is a struct of two binaries: metadata, whose first byte is a header with
  // version 1 in its low 4 bits, and a non-empty value.
  Status CheckVariant(const arrow::StructArray& array, const UcType& type, bool nullable,
                      const std::string& path, const RowOf& row_of) {
    const RowOf rows = row_of.Members(array);
    const auto& metadata = static_cast<const arrow::LargeBinaryArray&>(*array.field(0));
    const auto& value = static_cast<const arrow::LargeBinaryArray&>(*array.field(1));
    for (int64_t i = 0; i < array.length(); ++i) {
      if (rows[i] < 0) continue;
      if (metadata.IsNull(i) || value.IsNull(i)) {
        return Refuse(rows[i], path, type, nullable, "has a null metadata or value");
      }
      const std::string_view header = metadata.GetView(i);
      if (header.empty() || (static_cast<unsigned char>(header[0]) & 0x0f) != 1) {
        return Refuse(rows[i], path, type, nullable,
                      "has metadata " + QuoteValue(header) + " without a version 1 variant header");
      }
      if (value.GetView(i).empty()) return Refuse(rows[i], path, type, nullable, "is empty");
    }
    return Status::OK();
  }
};

}  // namespace

Status CheckBatchValues(const arrow::RecordBatch& batch,
                        const std::vector<UcType::Field>& columns) {
  const RowOf rows = RowOf::Batch();
  ValueChecker checker;
  for (int f = 0; f < batch.num_columns(); ++f) {
    const std::string name = AsciiLower(batch.schema()->field(f)->name());
    for (const auto& column : columns) {
      if (AsciiLower(column.name) != name) continue;
      ARROW_ZEROBUS_RETURN_NOT_OK(
          checker.Check(*batch.column(f), column.type, column.nullable, column.name, rows));
    }
  }
  return Status::OK();
}

}  // namespace arrow_zerobus::emulator
