#include "encode/canonical_values.h"

#include <arrow/array/data.h>
#include <arrow/buffer.h>
#include <arrow/builder.h>
#include <arrow/compute/api.h>
#include <arrow/util/bitmap_ops.h>
#include <arrow/util/utf8.h>

#include "encode/array_decoding.h"
#include "encode/canonical_value_checks.h"
#include "encode/decimal_text.h"
#include "encode/int_conversion.h"

namespace arrow_zerobus::encode::internal {

using ArrayPtr = std::shared_ptr<arrow::Array>;

namespace {

using encode::RowErrorKind;
using internal::IntConversion;

/// `values` (a view array) with the views of null slots made empty. Arrow leaves a null slot's view
/// undefined, and its casts size their output by every view's length, nulls included: one null
/// claiming 1 GiB would make the cast allocate 1 GiB (found by the ipc_encode fuzz target).
Result<ArrayPtr> WithEmptyNullViews(const ArrayPtr& values, const std::string& path) {
  if (values->null_count() == 0) return values;
  const arrow::ArrayData& data = *values->data();
  const auto* views = data.GetValues<arrow::BinaryViewType::c_type>(1);
  bool clean = true;
  for (int64_t i = 0; i < data.length && clean; ++i) {
    clean = values->IsValid(i) || views[i].size() == 0;
  }
  if (clean) return values;
  auto buffer = arrow::AllocateBuffer(data.length * arrow::BinaryViewType::kSize);
  if (!buffer.ok()) return FromArrow(buffer.status(), path, "allocating views");
  auto* out = reinterpret_cast<arrow::BinaryViewType::c_type*>((*buffer)->mutable_data());
  for (int64_t i = 0; i < data.length; ++i) {
    out[i] = views[i];
    if (values->IsNull(i)) out[i] = arrow::BinaryViewType::c_type{};
  }
  auto copy = data.Copy();
  copy->buffers[1] = std::shared_ptr<arrow::Buffer>(std::move(*buffer));
  copy->offset = 0;
  if (data.offset != 0) {  // the validity bitmap keeps the offset, the new views do not
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(copy->buffers[0], ValidityFromZero(data, path));
  }
  return arrow::MakeArray(std::move(copy));
}

/// Strings to large_utf8 through the binary types, whose casts never judge UTF-8 (bad values
/// are row errors, reported by Utf8Check).
Result<ArrayPtr> StringsToLargeUtf8(const ArrayPtr& values, std::shared_ptr<arrow::DataType> bytes,
                                    const std::string& path) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(
      auto wide, CastExact(Relabel(values, std::move(bytes)), arrow::large_binary(), path));
  return Relabel(wide, arrow::large_utf8());
}

/// Integer-like values rescaled as the protobuf encoder does (floor division, the same range
/// checks); values of failed rows become 0.
template <typename SrcT, typename DstT>
Result<ArrayPtr> ScaleIntegers(const ArrayPtr& values,
                               const std::shared_ptr<arrow::DataType>& target,
                               const std::string& path) {
  const IntConversion conversion = ConversionOf(*values->type());
  const int64_t n = values->length();
  auto buffer = arrow::AllocateBuffer(n * static_cast<int64_t>(sizeof(DstT)));
  if (!buffer.ok()) return FromArrow(buffer.status(), path, "allocating converted values");
  const SrcT* in = values->data()->GetValues<SrcT>(1);
  auto* out = reinterpret_cast<DstT*>((*buffer)->mutable_data());
  const auto ignore = [](RowErrorKind, auto&&) {};
  for (int64_t j = 0; j < n; ++j) {
    out[j] = static_cast<DstT>(
        static_cast<int64_t>(encode::internal::ConvertInteger(conversion, in[j], ignore)));
  }
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto bitmap, ValidityFromZero(*values->data(), path));
  return arrow::MakeArray(arrow::ArrayData::Make(
      target, n, {std::move(bitmap), std::shared_ptr<arrow::Buffer>(std::move(*buffer))},
      values->null_count()));
}

template <typename StorageT, int kWords>
Result<ArrayPtr> DecimalsToText(const ArrayPtr& values, const std::string& path) {
  const auto& type = static_cast<const arrow::DecimalType&>(*values->type());
  const int64_t width = type.byte_width();
  const uint8_t* raw = values->data()->GetValues<uint8_t>(1, 0) + values->offset() * width;
  const int64_t n = values->length();
  arrow::LargeStringBuilder builder;
  arrow::Status st = builder.Reserve(n);
  if (st.ok()) st = builder.ReserveData(n * (type.precision() + 2));
  char text[encode::kMaxDecimalTextBytes];
  for (int64_t j = 0; j < n && st.ok(); ++j) {
    if (values->IsNull(j)) {
      st = builder.AppendNull();
      continue;
    }
    const size_t size =
        encode::FormatDecimalText<StorageT, kWords>(raw + j * width, type.scale(), text);
    st = builder.Append(text, static_cast<int64_t>(size));
  }
  std::shared_ptr<arrow::Array> out;
  if (st.ok()) st = builder.Finish(&out);
  if (!st.ok()) return FromArrow(st, path, "writing decimal text");
  return out;
}

}  // namespace

Status FromArrow(const arrow::Status& status, const std::string& path, const std::string& action) {
  return ConversionError("column '" + path + "': " + action + " failed: " + status.ToString());
}

ArrayPtr Relabel(const ArrayPtr& values, std::shared_ptr<arrow::DataType> type) {
  auto data = values->data()->Copy();
  data->type = std::move(type);
  return arrow::MakeArray(std::move(data));
}

Result<ArrayPtr> CastExact(const ArrayPtr& values, const std::shared_ptr<arrow::DataType>& target,
                           const std::string& path) {
  encode::internal::EnsureComputeInitialized();
  auto cast = arrow::compute::Cast(*values, target, arrow::compute::CastOptions::Safe());
  if (!cast.ok()) {
    return FromArrow(cast.status(), path,
                     "converting " + values->type()->ToString() + " to " + target->ToString());
  }
  return *cast;
}

Result<std::shared_ptr<arrow::Buffer>> ValidityFromZero(const arrow::ArrayData& data,
                                                        const std::string& path) {
  if (data.GetNullCount() == 0 || data.buffers[0] == nullptr) {
    return std::shared_ptr<arrow::Buffer>();
  }
  if (data.offset == 0) return data.buffers[0];
  auto copied = arrow::internal::CopyBitmap(arrow::default_memory_pool(), data.buffers[0]->data(),
                                            data.offset, data.length);
  if (!copied.ok()) return FromArrow(copied.status(), path, "copying the validity bitmap");
  return std::shared_ptr<arrow::Buffer>(std::move(*copied));
}

bool IsText(arrow::Type::type id) {
  return id == arrow::Type::STRING || id == arrow::Type::LARGE_STRING ||
         id == arrow::Type::STRING_VIEW;
}

Result<ArrayPtr> ClearHiddenInvalidText(const ArrayPtr& text, const uint8_t* present,
                                        const std::string& path) {
  const auto& strings = static_cast<const arrow::LargeStringArray&>(*text);
  const auto hidden_invalid = [&](int64_t j) {
    if (present[j] || strings.IsNull(j)) return false;
    const std::string_view v = strings.GetView(j);
    return !arrow::util::ValidateUTF8(reinterpret_cast<const uint8_t*>(v.data()),
                                      static_cast<int64_t>(v.size()));
  };
  int64_t first = 0;
  while (first < strings.length() && !hidden_invalid(first)) ++first;
  if (first == strings.length()) return text;
  arrow::LargeStringBuilder builder;
  arrow::Status st = builder.Reserve(strings.length());
  for (int64_t j = 0; j < strings.length() && st.ok(); ++j) {
    if (strings.IsNull(j)) {
      st = builder.AppendNull();
    } else {
      st =
          builder.Append(j >= first && hidden_invalid(j) ? std::string_view() : strings.GetView(j));
    }
  }
  std::shared_ptr<arrow::Array> out;
  if (st.ok()) st = builder.Finish(&out);
  if (!st.ok()) return FromArrow(st, path, "clearing values outside every row");
  return out;
}

Result<ArrayPtr> ConvertLeaf(const ArrayPtr& values, const std::shared_ptr<arrow::DataType>& target,
                             const std::string& path) {
  const arrow::DataType& type = *values->type();
  if (type.Equals(*target)) return values;
  switch (type.id()) {
    case arrow::Type::UINT64:
      return Relabel(values, target);  // values above INT64_MAX failed their rows
    case arrow::Type::TIMESTAMP:
      if (static_cast<const arrow::TimestampType&>(type).unit() == arrow::TimeUnit::MICRO) {
        return Relabel(values, target);  // instants are UTC already: only the zone label changes
      }
      return ScaleIntegers<int64_t, int64_t>(values, target, path);
    case arrow::Type::DURATION:
      if (static_cast<const arrow::DurationType&>(type).unit() == arrow::TimeUnit::MICRO) {
        return Relabel(values, target);
      }
      return ScaleIntegers<int64_t, int64_t>(values, target, path);
    case arrow::Type::TIME64:
      if (static_cast<const arrow::Time64Type&>(type).unit() == arrow::TimeUnit::MICRO) {
        return Relabel(values, target);
      }
      return ScaleIntegers<int64_t, int64_t>(values, target, path);
    case arrow::Type::TIME32:
      return ScaleIntegers<int32_t, int64_t>(values, target, path);
    case arrow::Type::DATE64:
      return ScaleIntegers<int64_t, int32_t>(values, target, path);
    case arrow::Type::STRING:
      return StringsToLargeUtf8(values, arrow::binary(), path);
    case arrow::Type::STRING_VIEW: {
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto views, WithEmptyNullViews(values, path));
      return StringsToLargeUtf8(views, arrow::binary_view(), path);
    }
    case arrow::Type::BINARY_VIEW: {
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto views, WithEmptyNullViews(values, path));
      return CastExact(views, target, path);
    }
    case arrow::Type::DECIMAL32:
      return DecimalsToText<int32_t, 1>(values, path);
    case arrow::Type::DECIMAL64:
      return DecimalsToText<int64_t, 1>(values, path);
    case arrow::Type::DECIMAL128:
      return DecimalsToText<uint64_t, 2>(values, path);
    case arrow::Type::DECIMAL256:
      return DecimalsToText<uint64_t, 4>(values, path);
    default:  // widening integers, float16, binary types: Arrow's safe cast is exact
      return CastExact(values, target, path);
  }
}

}  // namespace arrow_zerobus::encode::internal
