// Per-value checks of the Flight cast: values that the canonical type cannot represent (an
// integer out of range, a time that overflows in microseconds, invalid UTF-8), reported through
// the protobuf encoder's own conversion and wording so both wire formats fail the same rows.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

#include <arrow/array.h>
#include <arrow/util/utf8.h>

#include "encode/codecs.h"
#include "encode/int_conversion.h"
#include "encode/row_error_collector.h"
#include "schema/type_table.h"

namespace arrow_zerobus::encode::internal {

/// A check is called as check(j, fail) for each non-null value j that is part of a row;
/// `fail(kind, describe)` reports the value. needed() is false when no value can fail.
struct NoCheck {
  bool needed() const { return false; }
  template <typename Fail>
  void operator()(int64_t, Fail&&) const {}
};

/// Conversion of integer-like values exactly as the protobuf encoder converts them for the
/// field the type table gives them, so range errors and unit scaling agree.
inline internal::IntConversion ConversionOf(const arrow::DataType& type) {
  auto mapping = schema::MapValueType(type, "");
  return internal::IntConversionFor(type, mapping.ok()
                                              ? mapping->default_proto_type
                                              : google::protobuf::FieldDescriptorProto::TYPE_INT64);
}

template <typename SrcT>
class IntCheck {
 public:
  explicit IntCheck(const arrow::ArrayData& data)
      : values_(data.GetValues<SrcT>(1)), conversion_(ConversionOf(*data.type)) {
    const __int128 lo = std::numeric_limits<SrcT>::min();
    const __int128 hi = std::numeric_limits<SrcT>::max();
    needed_ = conversion_.scaled() || lo < conversion_.min || hi > conversion_.max;
  }
  bool needed() const { return needed_; }
  template <typename Fail>
  void operator()(int64_t j, Fail&& fail) const {
    encode::internal::ConvertInteger(conversion_, values_[j], fail);
  }

 private:
  const SrcT* values_;
  internal::IntConversion conversion_;
  bool needed_ = false;
};

template <typename Layout>
class Utf8Check {
 public:
  explicit Utf8Check(const arrow::Array& array)
      : layout_(array), needed_(!layout_.AllAscii(array.length())) {}
  bool needed() const { return needed_; }
  template <typename Fail>
  void operator()(int64_t j, Fail&& fail) const {
    const std::string_view v = layout_.Get(j);
    if (!arrow::util::ValidateUTF8(reinterpret_cast<const uint8_t*>(v.data()),
                                   static_cast<int64_t>(v.size()))) {
      fail(encode::RowErrorKind::kInvalidUtf8, [&] { return encode::InvalidUtf8Cause(v.size()); });
    }
  }

 private:
  Layout layout_;
  bool needed_;
};

/// Calls visit(check) with the check that values of `values`' type need.
template <typename Visit>
void WithCheck(const arrow::Array& values, Visit&& visit) {
  const arrow::ArrayData& data = *values.data();
  switch (values.type_id()) {
    case arrow::Type::UINT64:
      return visit(IntCheck<uint64_t>(data));
    case arrow::Type::TIME32:
      return visit(IntCheck<int32_t>(data));
    case arrow::Type::DATE64:
    case arrow::Type::TIMESTAMP:
    case arrow::Type::TIME64:
    case arrow::Type::DURATION:
      return visit(IntCheck<int64_t>(data));
    case arrow::Type::STRING:
      return visit(Utf8Check<encode::internal::Offsets32Layout>(values));
    case arrow::Type::LARGE_STRING:
      return visit(Utf8Check<encode::internal::Offsets64Layout>(values));
    case arrow::Type::STRING_VIEW:
      return visit(Utf8Check<encode::internal::ViewLayout>(values));
    default:
      return visit(NoCheck{});
  }
}

}  // namespace arrow_zerobus::encode::internal
