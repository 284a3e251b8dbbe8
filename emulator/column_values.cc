#include "column_values.h"

#include <arrow/util/utf8.h>
#include <nlohmann/json.hpp>

namespace arrow_zerobus::emulator {
namespace {

using Kind = UcType::Kind;

constexpr int64_t kMinDateDays = -719162;                    // 0001-01-01
constexpr int64_t kMaxDateDays = 2932896;                    // 9999-12-31
constexpr int64_t kMinTimestampMicros = -62135596800000000;  // 0001-01-01T00:00:00
constexpr int64_t kMaxTimestampMicros = 253402300799999999;  // 9999-12-31T23:59:59.999999

ValueRefusal OutsideRange(int64_t value, std::string_view what, int64_t low, int64_t high) {
  if (value >= low && value <= high) return std::nullopt;
  return std::to_string(value) + " is outside " + std::string(what) + " range " +
         std::to_string(low) + ".." + std::to_string(high);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

ValueRefusal CheckIntegerRange(Kind kind, int64_t value) {
  switch (kind) {
    case Kind::kByte:
      return OutsideRange(value, "TINYINT's", -128, 127);
    case Kind::kShort:
      return OutsideRange(value, "SMALLINT's", -32768, 32767);
    case Kind::kInt:
      return OutsideRange(value, "INT's", INT32_MIN, INT32_MAX);
    default:
      return std::nullopt;
  }
}

ValueRefusal CheckDateDays(int64_t days) {
  return OutsideRange(days, "DATE's (days since 1970-01-01, 0001-01-01..9999-12-31)", kMinDateDays,
                      kMaxDateDays);
}

ValueRefusal CheckTimestampMicros(int64_t micros) {
  return OutsideRange(micros, "TIMESTAMP's (microseconds since 1970-01-01, 0001-01-01..9999-12-31)",
                      kMinTimestampMicros, kMaxTimestampMicros);
}

ValueRefusal CheckDecimalText(std::string_view text, int precision, int scale) {
  const std::string type =
      "DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
  size_t pos = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? 1 : 0;
  const size_t integer_start = pos;
  while (pos < text.size() && IsDigit(text[pos])) ++pos;
  const size_t integer_end = pos;
  size_t fraction_start = pos;
  size_t fraction_end = pos;
  if (pos < text.size() && text[pos] == '.') {
    fraction_start = ++pos;
    while (pos < text.size() && IsDigit(text[pos])) ++pos;
    fraction_end = pos;
  }
  if (integer_end == integer_start || pos != text.size() ||
      (fraction_start != integer_end && fraction_end == fraction_start)) {
    return QuoteValue(text) + " is not decimal text (sign, digits, optional point and digits)";
  }
  size_t first_significant = integer_start;
  while (first_significant < integer_end && text[first_significant] == '0') ++first_significant;
  const int integer_digits = static_cast<int>(integer_end - first_significant);
  if (integer_digits > precision - scale) {
    return QuoteValue(text) + " has " + std::to_string(integer_digits) +
           " digits before the point; " + type + " holds " + std::to_string(precision - scale);
  }
  for (size_t i = fraction_start + static_cast<size_t>(std::max(scale, 0)); i < fraction_end; ++i) {
    if (text[i] != '0') {
      return QuoteValue(text) + " has more than " + std::to_string(scale) +
             " digits after the point; " + type + " would round it";
    }
  }
  return std::nullopt;
}

ValueRefusal CheckJsonText(std::string_view text) {
  if (nlohmann::json::accept(text)) return std::nullopt;
  return QuoteValue(text) + " is not JSON text";
}

ValueRefusal CheckUtf8(std::string_view text) {
  // arrow::util::ValidateUTF8 accepts everything until its tables are built.
  static const bool tables_ready = (arrow::util::InitializeUTF8(), true);
  (void)tables_ready;
  if (arrow::util::ValidateUTF8(reinterpret_cast<const uint8_t*>(text.data()),
                                static_cast<int64_t>(text.size()))) {
    return std::nullopt;
  }
  return QuoteValue(text) + " is not valid UTF-8";
}

std::string QuoteValue(std::string_view value) {
  constexpr size_t kShown = 40;
  std::string out = "'";
  for (size_t i = 0; i < value.size() && i < kShown; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c < 0x20 || c == 0x7f || c >= 0x80) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (value.size() > kShown) out += "...";
  return out + "'";
}

}  // namespace arrow_zerobus::emulator
