// Protobuf wire-format primitives: varints, zigzag, tags, fixed-width little-endian values.
#pragma once

#include <cstdint>
#include <cstring>

namespace arrow_zerobus::encode {

enum class WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

/// Bytes of the varint encoding of `v` (1..10), without a loop.
inline uint32_t VarintSize(uint64_t v) {
  // floor(log2(v|1)) * 9 + 73 over 64 gives ceil((bits) / 7) for 1..64 significant bits.
  const uint32_t log2 = 63u ^ static_cast<uint32_t>(__builtin_clzll(v | 1));
  return (log2 * 9 + 73) / 64;
}

inline uint8_t* WriteVarint(uint64_t v, uint8_t* p) {
  while (v >= 0x80) {
    *p++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<uint8_t>(v);
  return p;
}

inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

inline uint8_t* WriteFixed32(uint32_t v, uint8_t* p) {
  std::memcpy(p, &v, 4);  // protobuf is little-endian, as is every platform we build for
  return p + 4;
}

inline uint8_t* WriteFixed64(uint64_t v, uint8_t* p) {
  std::memcpy(p, &v, 8);
  return p + 8;
}

/// A field key (number and wire type), pre-encoded once per field.
class Tag {
 public:
  Tag() = default;
  Tag(int32_t number, WireType type) {
    uint8_t* end = WriteVarint((static_cast<uint64_t>(number) << 3) | static_cast<uint32_t>(type),
                               bytes_);
    size_ = static_cast<uint32_t>(end - bytes_);
  }
  uint32_t size() const { return size_; }
  uint8_t* Write(uint8_t* p) const {
    if (size_ == 1) {
      *p = bytes_[0];
      return p + 1;
    }
    std::memcpy(p, bytes_, size_);
    return p + size_;
  }

 private:
  uint8_t bytes_[8] = {};
  uint32_t size_ = 0;
};

}  // namespace arrow_zerobus::encode
