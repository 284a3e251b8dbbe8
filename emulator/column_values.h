// Checks of one value against its Unity Catalog column type, shared by both wire formats: what a
// Delta column can hold, whichever wire type carried the value. Each check returns why the value
// does not fit (a phrase naming the value and the limit), or nothing when it fits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "table_schema.h"

namespace arrow_zerobus::emulator {

using ValueRefusal = std::optional<std::string>;

/// TINYINT, SMALLINT and INT values travel in int32 fields (Protobuf): their column's range.
ValueRefusal CheckIntegerRange(UcType::Kind kind, int64_t value);

/// DATE: days since 1970-01-01 within 0001-01-01..9999-12-31, the range Delta dates have.
ValueRefusal CheckDateDays(int64_t days);

/// TIMESTAMP and TIMESTAMP_NTZ: microseconds since the epoch within 0001-01-01T00:00:00 ..
/// 9999-12-31T23:59:59.999999.
ValueRefusal CheckTimestampMicros(int64_t micros);

/// DECIMAL(p,s) as exact text: an optional sign, digits, optionally a point and digits; no
/// exponent. The value must be exactly representable: at most p-s integer digits (leading zeros
/// aside) and no non-zero digit beyond the scale (nothing is rounded).
ValueRefusal CheckDecimalText(std::string_view text, int precision, int scale);

/// VARIANT as text (Protobuf): one JSON value.
ValueRefusal CheckJsonText(std::string_view text);

/// STRING: valid UTF-8 (proto2 does not check it when parsing).
ValueRefusal CheckUtf8(std::string_view text);

/// How a value is quoted in a refusal: at most 40 bytes of it, control bytes escaped.
std::string QuoteValue(std::string_view value);

}  // namespace arrow_zerobus::emulator
