// Arrow tables as JSON lines, one object per row keyed by column name, for `debug read`.
#pragma once

#include <ostream>

#include <arrow/table.h>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::cli {

/// Writes each row of `table` as one JSON object: nulls as null, integers and floats as numbers,
/// strings as strings, binary as base64, lists as arrays, structs as objects, maps with string
/// keys as objects (other maps as arrays of {"key", "value"}); dictionary, run-end encoded,
/// extension and union values as the value they stand for; other types (decimals, dates, times,
/// timestamps, durations, intervals) as their Arrow text.
Status WriteTableAsJsonLines(const arrow::Table& table, std::ostream& out);

}  // namespace arrow_zerobus::cli
