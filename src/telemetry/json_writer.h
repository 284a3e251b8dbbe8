// Appends JSON text straight to a string: the OTLP/JSON exporter writes thousands of spans a
// second, and building a document tree first costs ten times as much.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace arrow_zerobus::telemetry {

/// `text` as a JSON string literal, quotes included. Control characters are escaped and bytes
/// that are not UTF-8 become U+FFFD, so the output is always valid JSON.
void AppendJsonString(std::string& out, std::string_view text);
/// A finite double as a JSON number (NaN and infinities, which JSON lacks, as 0).
void AppendJsonNumber(std::string& out, double value);

}  // namespace arrow_zerobus::telemetry
