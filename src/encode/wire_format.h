// Protobuf wire-format primitives: varints, zigzag, tags, fixed-width little-endian values.
#pragma once

#include <cstdint>
#include <cstring>

// The write loops call these once per value; they must inline whatever their size.
#define ARROW_ZEROBUS_ALWAYS_INLINE inline __attribute__((always_inline))

namespace arrow_zerobus::encode {

enum class WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

/// Bytes of the varint encoding of `v` (1..10), without a loop.
ARROW_ZEROBUS_ALWAYS_INLINE uint32_t VarintSize(uint64_t v) {
  // floor(log2(v|1)) * 9 + 73 over 64 gives ceil((bits) / 7) for 1..64 significant bits.
  const uint32_t log2 = 63u ^ static_cast<uint32_t>(__builtin_clzll(v | 1));
  return (log2 * 9 + 73) / 64;
}

/// Copies exactly `n` bytes from `src` to `dst` with at most two (overlapping) stores for
/// n <= 16: short strings and varints are most of what records hold, and a call to memcpy for
/// each costs more than the copy. Never writes outside [dst, dst + n).
ARROW_ZEROBUS_ALWAYS_INLINE void CopySmall(uint8_t* dst, const void* src_ptr, size_t n) {
  const auto* src = static_cast<const uint8_t*>(src_ptr);
  if (n >= 8) {
    if (n > 16) {
      std::memcpy(dst, src, n);
      return;
    }
    uint64_t head, tail;
    std::memcpy(&head, src, 8);
    std::memcpy(&tail, src + n - 8, 8);
    std::memcpy(dst, &head, 8);
    std::memcpy(dst + n - 8, &tail, 8);
  } else if (n >= 4) {
    uint32_t head, tail;
    std::memcpy(&head, src, 4);
    std::memcpy(&tail, src + n - 4, 4);
    std::memcpy(dst, &head, 4);
    std::memcpy(dst + n - 4, &tail, 4);
  } else if (n > 0) {
    dst[0] = src[0];
    dst[n / 2] = src[n / 2];
    dst[n - 1] = src[n - 1];
  }
}

ARROW_ZEROBUS_ALWAYS_INLINE uint8_t* WriteVarint(uint64_t v, uint8_t* p) {
  if (v < 0x80) {
    *p = static_cast<uint8_t>(v);
    return p + 1;
  }
  // The first 8 bytes (56 value bits) spread into one word without a data-dependent loop, by
  // halving: 28-bit halves into 32-bit lanes, 14-bit quarters into 16-bit lanes, then 7-bit
  // groups into bytes (12 operations instead of 32 for a group-by-group spread).
  const uint32_t n = VarintSize(v);
  uint64_t word = (v & 0xFFFFFFFull) | ((v & 0xFFFFFFF0000000ull) << 4);
  word = (word & 0x00003FFF00003FFFull) | ((word & 0x0FFFC0000FFFC000ull) << 2);
  word = (word & 0x007F007F007F007Full) | ((word & 0x3F803F803F803F80ull) << 1);
  if (n <= 8) {
    word |= 0x8080808080808080ull & ((uint64_t{1} << (8 * (n - 1))) - 1);
    uint8_t bytes[8];
    std::memcpy(bytes, &word, 8);
    CopySmall(p, bytes, n);
    return p + n;
  }
  word |= 0x8080808080808080ull;
  std::memcpy(p, &word, 8);
  p += 8;
  v >>= 56;
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
    uint8_t* end =
        WriteVarint((static_cast<uint64_t>(number) << 3) | static_cast<uint32_t>(type), bytes_);
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
