// Codecs: read one Arrow value at an index and write it in protobuf wire format (no tag).
// See field_encoder.h for the interface the field templates expect.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <arrow/array.h>
#include <arrow/util/float16.h>
#include <arrow/util/utf8.h>

#include "encode/decimal_text.h"
#include "encode/field_encoder.h"
#include "encode/int_conversion.h"
#include "encode/wire_format.h"
#include "schema/type_table.h"

namespace arrow_zerobus::encode::internal {

class BoolCodec : public Validity {
 public:
  static constexpr WireType kWireType = WireType::kVarint;
  static constexpr bool kNested = false;
  explicit BoolCodec(const arrow::ArrayData& data)
      : Validity(data), values_(data.GetValues<uint8_t>(1, 0)) {}
  template <typename Fail>
  uint64_t Size(int64_t, Fail&&) const {
    return 1;
  }
  ARROW_ZEROBUS_ALWAYS_INLINE uint8_t* Write(int64_t j, uint8_t* p) const {
    *p = (values_[(offset() + j) >> 3] >> ((offset() + j) & 7)) & 1;
    return p + 1;
  }

 private:
  const uint8_t* values_;
};

enum class IntEncoding : uint8_t { kVarint, kZigZag, kFixed32, kFixed64 };

template <typename SrcT, IntEncoding kEncoding>
class IntCodec : public Validity {
 public:
  static constexpr WireType kWireType = kEncoding == IntEncoding::kFixed32   ? WireType::kFixed32
                                        : kEncoding == IntEncoding::kFixed64 ? WireType::kFixed64
                                                                             : WireType::kVarint;
  static constexpr bool kNested = false;

  IntCodec(const arrow::ArrayData& data, std::shared_ptr<const IntConversion> conversion)
      : Validity(data), values_(data.GetValues<SrcT>(1)), conversion_(std::move(conversion)) {
    const bool scaled = conversion_->scaled();
    const __int128 lo = std::numeric_limits<SrcT>::min();
    const __int128 hi = std::numeric_limits<SrcT>::max();
    check_range_ = scaled || lo < conversion_->min || hi > conversion_->max;
  }

  template <typename Fail>
  ARROW_ZEROBUS_ALWAYS_INLINE uint64_t Size(int64_t j, Fail&& fail) const {
    const uint64_t v = Value(j, fail);
    switch (kEncoding) {
      case IntEncoding::kVarint:
        return VarintSize(v);
      case IntEncoding::kZigZag:
        return VarintSize(ZigZag(static_cast<int64_t>(v)));
      case IntEncoding::kFixed32:
        return 4;
      case IntEncoding::kFixed64:
        return 8;
    }
    return 0;
  }

  ARROW_ZEROBUS_ALWAYS_INLINE uint8_t* Write(int64_t j, uint8_t* p) const {
    const uint64_t v = Value(j, [](RowErrorKind, auto&&) {});
    switch (kEncoding) {
      case IntEncoding::kVarint:
        return WriteVarint(v, p);
      case IntEncoding::kZigZag:
        return WriteVarint(ZigZag(static_cast<int64_t>(v)), p);
      case IntEncoding::kFixed32:
        return WriteFixed32(static_cast<uint32_t>(v), p);
      case IntEncoding::kFixed64:
        return WriteFixed64(v, p);
    }
    return p;
  }

 private:
  /// The value as 64 bits (two's complement); 0 after reporting a failure.
  template <typename Fail>
  ARROW_ZEROBUS_ALWAYS_INLINE uint64_t Value(int64_t j, Fail&& fail) const {
    const SrcT raw = values_[j];
    if (!check_range_) {
      if constexpr (std::is_signed_v<SrcT>) {
        return static_cast<uint64_t>(static_cast<int64_t>(raw));
      } else {
        return static_cast<uint64_t>(raw);
      }
    }
    return ConvertInteger(*conversion_, raw, fail);
  }

  const SrcT* values_;
  std::shared_ptr<const IntConversion> conversion_;
  bool check_range_ = false;
};

/// float16 / float32 / float64 values into a float or double field.
template <typename SrcT, typename DstT>
class FloatCodec : public Validity {
 public:
  static constexpr WireType kWireType = sizeof(DstT) == 4 ? WireType::kFixed32 : WireType::kFixed64;
  static constexpr bool kNested = false;
  explicit FloatCodec(const arrow::ArrayData& data)
      : Validity(data), values_(data.GetValues<SrcT>(1)) {}
  template <typename Fail>
  uint64_t Size(int64_t, Fail&&) const {
    return sizeof(DstT);
  }
  ARROW_ZEROBUS_ALWAYS_INLINE uint8_t* Write(int64_t j, uint8_t* p) const {
    DstT v;
    if constexpr (std::is_same_v<SrcT, uint16_t>) {
      v = static_cast<DstT>(arrow::util::Float16::FromBits(values_[j]).ToFloat());
    } else {
      v = static_cast<DstT>(values_[j]);
    }
    std::memcpy(p, &v, sizeof(DstT));
    return p + sizeof(DstT);
  }

 private:
  const SrcT* values_;
};

/// Reads the bytes of one value of a binary-like layout.
/// True when every byte in [data, data + n) is ASCII, so every value in it is valid UTF-8.
inline bool AllAscii(const uint8_t* data, int64_t n) {
  uint64_t any_high = 0;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, data + i, 8);
    any_high |= word;
  }
  for (; i < n; ++i) any_high |= data[i];
  return (any_high & 0x8080808080808080ull) == 0;
}

struct Offsets32Layout {
  explicit Offsets32Layout(const arrow::Array& array)
      : offsets(array.data()->GetValues<int32_t>(1)),
        data(array.data()->GetValues<uint8_t>(2, 0)) {}
  bool AllAscii(int64_t length) const {
    return length == 0 || internal::AllAscii(data + offsets[0], offsets[length] - offsets[0]);
  }
  std::string_view Get(int64_t j) const {
    return {reinterpret_cast<const char*>(data) + offsets[j],
            static_cast<size_t>(offsets[j + 1] - offsets[j])};
  }
  const int32_t* offsets;
  const uint8_t* data;
};

struct Offsets64Layout {
  explicit Offsets64Layout(const arrow::Array& array)
      : offsets(array.data()->GetValues<int64_t>(1)),
        data(array.data()->GetValues<uint8_t>(2, 0)) {}
  bool AllAscii(int64_t length) const {
    return length == 0 || internal::AllAscii(data + offsets[0], offsets[length] - offsets[0]);
  }
  std::string_view Get(int64_t j) const {
    return {reinterpret_cast<const char*>(data) + offsets[j],
            static_cast<size_t>(offsets[j + 1] - offsets[j])};
  }
  const int64_t* offsets;
  const uint8_t* data;
};

struct ViewLayout {
  explicit ViewLayout(const arrow::Array& array)
      : view(std::static_pointer_cast<arrow::BinaryViewArray>(arrow::MakeArray(array.data()))) {}
  std::string_view Get(int64_t j) const { return view->GetView(j); }
  bool AllAscii(int64_t) const { return false; }  // values are scattered; checked one by one
  std::shared_ptr<arrow::BinaryViewArray> view;
};

struct FixedLayout {
  explicit FixedLayout(const arrow::Array& array)
      : width(static_cast<const arrow::FixedSizeBinaryType&>(*array.type()).byte_width()),
        data(array.data()->GetValues<uint8_t>(1, array.offset() * width)) {}
  bool AllAscii(int64_t length) const {
    return length == 0 || internal::AllAscii(data, length * width);
  }
  std::string_view Get(int64_t j) const {
    return {reinterpret_cast<const char*>(data) + j * width, static_cast<size_t>(width)};
  }
  int64_t width;
  const uint8_t* data;
};

/// Strings and bytes: length-delimited, with a UTF-8 check for string fields.
template <typename Layout, bool kCheckUtf8>
class BinaryCodec : public Validity {
 public:
  static constexpr WireType kWireType = WireType::kLengthDelimited;
  static constexpr bool kNested = false;
  explicit BinaryCodec(const arrow::Array& array) : Validity(*array.data()), layout_(array) {
    if constexpr (kCheckUtf8) all_ascii_ = layout_.AllAscii(array.length());
  }

  template <typename Fail>
  ARROW_ZEROBUS_ALWAYS_INLINE uint64_t Size(int64_t j, Fail&& fail) const {
    const std::string_view v = layout_.Get(j);
    if constexpr (kCheckUtf8) {
      if (!all_ascii_ && !arrow::util::ValidateUTF8(reinterpret_cast<const uint8_t*>(v.data()),
                                                    static_cast<int64_t>(v.size()))) {
        fail(RowErrorKind::kInvalidUtf8, [&] { return InvalidUtf8Cause(v.size()); });
      }
    }
    return VarintSize(v.size()) + v.size();
  }

  ARROW_ZEROBUS_ALWAYS_INLINE uint8_t* Write(int64_t j, uint8_t* p) const {
    const std::string_view v = layout_.Get(j);
    p = WriteVarint(v.size(), p);
    CopySmall(p, v.data(), v.size());
    return p + v.size();
  }

 private:
  Layout layout_;
  bool all_ascii_ = false;
};

/// Exact decimal text ("-12.3400") of a decimal with kWords 64-bit words (little-endian two's
/// complement); decimal32 is read as one sign-extended word.
template <typename StorageT, int kWords>
class DecimalCodec : public Validity {
 public:
  static constexpr WireType kWireType = WireType::kLengthDelimited;
  static constexpr bool kNested = false;
  static constexpr int kMaxText = kMaxDecimalTextBytes;

  DecimalCodec(const arrow::Array& array, int32_t scale)
      : Validity(*array.data()),
        values_(array.data()->GetValues<uint8_t>(1, array.offset() * sizeof(StorageT) * kWords)),
        scale_(scale) {}

  template <typename Fail>
  uint64_t Size(int64_t j, Fail&&) const {
    char text[kMaxText];
    const size_t n = Format(j, text);
    return VarintSize(n) + n;
  }
  ARROW_ZEROBUS_ALWAYS_INLINE uint8_t* Write(int64_t j, uint8_t* p) const {
    char text[kMaxText];
    const size_t n = Format(j, text);
    p = WriteVarint(n, p);
    std::memcpy(p, text, n);
    return p + n;
  }

 private:
  size_t Format(int64_t j, char* out) const {
    return FormatDecimalText<StorageT, kWords>(values_ + j * sizeof(StorageT) * kWords, scale_,
                                               out);
  }

  const uint8_t* values_;
  int32_t scale_;
};

/// A struct value (or map entry) as a nested message, encoded by its own MessageNode.
class MessageCodec : public Validity {
 public:
  static constexpr WireType kWireType = WireType::kLengthDelimited;
  static constexpr bool kNested = true;

  MessageCodec(const arrow::ArrayData& data, std::unique_ptr<MessageNode> node)
      : Validity(data), node_(std::move(node)) {}

  MessageNode& node() { return *node_; }

  void PrepareNested() { node_->Prepare(/*nested=*/true); }
  uint8_t* nested_present() { return node_->mutable_present(); }
  void MeasureNested(int64_t begin, int64_t end, RowErrorCollector* errors) {
    node_->Measure(begin, end, node_->sizes().data(), errors);
  }

  template <typename Fail>
  uint64_t Size(int64_t j, Fail&&) const {
    const uint64_t n = node_->sizes()[j];
    return VarintSize(n) + n;
  }

  ARROW_ZEROBUS_ALWAYS_INLINE uint8_t* Write(int64_t j, uint8_t* p) const {
    const uint64_t n = node_->sizes()[j];
    p = WriteVarint(n, p);
    node_->cursors()[j] = p;
    return p + n;
  }

  void WriteNested(int64_t begin, int64_t end) {
    node_->Write(begin, end, node_->cursors().data());
  }

 private:
  std::unique_ptr<MessageNode> node_;
};

}  // namespace arrow_zerobus::encode::internal
