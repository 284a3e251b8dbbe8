// SpanContext: validity and the W3C traceparent text form.
#include <algorithm>
#include <string>

#include "arrow_zerobus/telemetry.h"
#include "telemetry/hex.h"

namespace arrow_zerobus {
namespace {

template <size_t N>
bool AllZero(const std::array<uint8_t, N>& bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
}

}  // namespace

bool SpanContext::valid() const { return !AllZero(trace_id) && !AllZero(span_id); }

std::string SpanContext::traceparent() const {
  // Flags 01: sampled. Every span the wrapper records is exported.
  return "00-" + telemetry::HexEncode(trace_id) + "-" + telemetry::HexEncode(span_id) + "-01";
}

SpanContext SpanContext::FromTraceparent(const std::string& header) {
  // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 characters.
  SpanContext context;
  std::array<uint8_t, 1> flags{};
  if (header.size() != 55 || header.compare(0, 3, "00-") != 0 || header[35] != '-' ||
      header[52] != '-') {
    return {};
  }
  if (!telemetry::HexDecode(std::string_view(header).substr(3, 32), context.trace_id) ||
      !telemetry::HexDecode(std::string_view(header).substr(36, 16), context.span_id) ||
      !telemetry::HexDecode(std::string_view(header).substr(53, 2), flags)) {
    return {};
  }
  return context.valid() ? context : SpanContext{};
}

}  // namespace arrow_zerobus
