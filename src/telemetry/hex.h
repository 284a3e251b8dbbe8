// Lower-case hex, as OTLP/JSON writes trace and span ids and W3C traceparent carries them.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace arrow_zerobus::telemetry {

template <size_t N>
std::string HexEncode(const std::array<uint8_t, N>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text(2 * N, '0');
  for (size_t i = 0; i < N; ++i) {
    text[2 * i] = kDigits[bytes[i] >> 4];
    text[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return text;
}

/// Lower-case hex of exactly 2 * N digits into `bytes`; false for anything else.
template <size_t N>
bool HexDecode(std::string_view text, std::array<uint8_t, N>& bytes) {
  if (text.size() != 2 * N) return false;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < N; ++i) {
    const int high = digit(text[2 * i]);
    const int low = digit(text[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    bytes[i] = static_cast<uint8_t>(high << 4 | low);
  }
  return true;
}

}  // namespace arrow_zerobus::telemetry
