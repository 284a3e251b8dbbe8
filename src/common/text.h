// Small text helpers shared across the library, the emulator and the command line.
#pragma once

#include <string>
#include <string_view>

namespace arrow_zerobus {

/// ASCII letters lowered (uppercased); other bytes unchanged.
std::string AsciiLower(std::string_view text);
std::string AsciiUpper(std::string_view text);
/// `text` without leading and trailing whitespace.
std::string_view TrimWhitespace(std::string_view text);
/// Whether `text` is valid UTF-8 (what JSON, protobuf strings and Python text require).
bool IsValidUtf8(std::string_view text);
/// `path` (starting with '/') appended to the URL `base`, whatever trailing slashes it has.
std::string UrlWithPath(std::string_view base, std::string_view path);
/// Standard base64 (RFC 4648, with padding).
std::string Base64Encode(std::string_view bytes);

}  // namespace arrow_zerobus
