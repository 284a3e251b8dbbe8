// Exact decimal text ("-12.3400", "1200", "0.005") of one Arrow decimal value: the form a
// DECIMAL column takes on both wire formats (proto string field, Arrow large_utf8).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "schema/type_table.h"

namespace arrow_zerobus::encode {

/// Longest text: 77 digits, sign, point, "0." and up to kMaxDecimalScale leading zeros.
constexpr int kMaxDecimalTextBytes = 80 + schema::kMaxDecimalScale + 4;

/// Writes the text of the decimal at `value` (kWords 64-bit words, little-endian two's
/// complement; decimal32 / decimal64 are one StorageT read sign-extended) with `scale` to `out`
/// (kMaxDecimalTextBytes long) and returns its length. No exponent: a negative scale appends
/// zeros.
template <typename StorageT, int kWords>
size_t FormatDecimalText(const uint8_t* value, int32_t scale, char* out) {
  uint64_t words[4] = {0, 0, 0, 0};
  bool negative;
  if constexpr (sizeof(StorageT) < 8) {
    StorageT v;
    std::memcpy(&v, value, sizeof v);
    words[0] = static_cast<uint64_t>(static_cast<int64_t>(v));
    negative = v < 0;
  } else {
    std::memcpy(words, value, 8 * kWords);
    negative = (words[kWords - 1] >> 63) != 0;
  }
  constexpr int n_words = sizeof(StorageT) < 8 ? 1 : kWords;
  if (negative) {  // two's complement negation over n_words
    uint64_t carry = 1;
    for (int w = 0; w < n_words; ++w) {
      words[w] = ~words[w] + carry;
      carry = (carry && words[w] == 0) ? 1 : 0;
    }
  }
  // Digits, least significant first, by repeated division by 10^19.
  char digits[80];
  int count = 0;
  constexpr uint64_t kChunk = 10000000000000000000ull;
  int top = n_words;
  while (top > 0 && words[top - 1] == 0) --top;
  while (top > 0) {
    unsigned __int128 rem = 0;
    for (int w = top - 1; w >= 0; --w) {
      const unsigned __int128 cur = (rem << 64) | words[w];
      words[w] = static_cast<uint64_t>(cur / kChunk);
      rem = cur % kChunk;
    }
    while (top > 0 && words[top - 1] == 0) --top;
    uint64_t chunk = static_cast<uint64_t>(rem);
    for (int d = 0; d < 19 && (chunk != 0 || top > 0); ++d) {
      digits[count++] = static_cast<char>('0' + chunk % 10);
      chunk /= 10;
    }
  }
  if (count == 0) digits[count++] = '0';

  char* p = out;
  if (negative) *p++ = '-';
  const bool zero = count == 1 && digits[0] == '0';
  if (scale <= 0) {
    for (int d = count - 1; d >= 0; --d) *p++ = digits[d];
    for (int z = 0; z < -scale && !zero; ++z) *p++ = '0';
  } else if (count <= scale) {
    *p++ = '0';
    *p++ = '.';
    for (int z = 0; z < scale - count; ++z) *p++ = '0';
    for (int d = count - 1; d >= 0; --d) *p++ = digits[d];
  } else {
    for (int d = count - 1; d >= scale; --d) *p++ = digits[d];
    *p++ = '.';
    for (int d = scale - 1; d >= 0; --d) *p++ = digits[d];
  }
  return static_cast<size_t>(p - out);
}

}  // namespace arrow_zerobus::encode
