#include "telemetry/telemetry_settings.h"

#include "common/text.h"

namespace arrow_zerobus::telemetry {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(c | 0x20);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/// %XX escapes decoded (the W3C baggage value encoding OTEL_* lists use); false when malformed.
bool PercentDecode(std::string_view text, std::string& out) {
  out.clear();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return false;
    const int high = HexDigit(text[i + 1]);
    const int low = HexDigit(text[i + 2]);
    if (high < 0 || low < 0) return false;
    out += static_cast<char>(high << 4 | low);
    i += 2;
  }
  return true;
}

}  // namespace

Result<HeaderList> ParseHeaderList(std::string_view text) {
  HeaderList headers;
  size_t position = 0;
  int entry = 0;
  while (position <= text.size()) {
    const size_t comma = std::min(text.find(',', position), text.size());
    const std::string_view item = TrimWhitespace(text.substr(position, comma - position));
    position = comma + 1;
    ++entry;
    if (item.empty()) continue;
    const size_t equals = item.find('=');
    if (equals == std::string_view::npos) {
      return ConfigurationError("entry " + std::to_string(entry) +
                                " has no '=' (expected key=value,key2=value2)");
    }
    std::string key, value;
    if (!PercentDecode(TrimWhitespace(item.substr(0, equals)), key) ||
        !PercentDecode(TrimWhitespace(item.substr(equals + 1)), value)) {
      return ConfigurationError("entry " + std::to_string(entry) + " has a malformed %-escape");
    }
    if (key.empty()) {
      return ConfigurationError("entry " + std::to_string(entry) + " has an empty key");
    }
    if (key.find_first_of("\r\n") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      return ConfigurationError("entry " + std::to_string(entry) + " contains a line break");
    }
    headers.emplace_back(std::move(key), std::move(value));
  }
  return headers;
}

}  // namespace arrow_zerobus::telemetry
