// How an integer-like Arrow value (integers, dates, times, timestamps, durations) becomes a
// 64-bit number of its target: unit scaling to microseconds or days, and the range check that
// turns a value that does not fit into a row error. Shared by the protobuf encoder and the Arrow
// Flight cast, so both convert and report a value identically.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include <arrow/type.h>

#include "encode/row_error.h"
#include "schema/type_table.h"

namespace arrow_zerobus::encode::internal {

struct IntConversion {
  int64_t multiply = 1;  ///< unit scaling up (seconds -> microseconds)
  int64_t divide = 1;    ///< unit scaling down, floor division (nanoseconds -> microseconds)
  __int128 min = std::numeric_limits<int64_t>::min();  ///< range of the target
  __int128 max = std::numeric_limits<int64_t>::max();
  bool temporal = false;    ///< failures are kTimestampOverflow rather than kIntegerOverflow
  std::string source_name;  ///< Arrow type, for messages
  std::string target_name;  ///< proto type, for messages

  bool scaled() const { return multiply != 1 || divide != 1; }
};

/// The conversion of values of Arrow type `source` into a field of proto type `target`.
IntConversion IntConversionFor(const arrow::DataType& source, schema::ProtoType target);

/// `raw` converted per `c` as 64 bits (two's complement). A value that does not fit is reported
/// through `fail(kind, describe)` and gives 0.
template <typename SrcT, typename Fail>
uint64_t ConvertInteger(const IntConversion& c, SrcT raw, Fail&& fail) {
  const bool scaled = c.scaled();
  __int128 v = raw;
  if (scaled && c.multiply == 1 && std::is_signed_v<SrcT>) {
    // Only dividing (nanoseconds to microseconds): 64-bit arithmetic cannot overflow, and is
    // many times faster than a 128-bit division.
    const int64_t wide = raw;
    int64_t q = wide / c.divide;
    if ((wide % c.divide != 0) && (wide < 0)) --q;  // floor, so -1 ns is -1 us, not 0
    v = q;
  } else if (scaled) {
    v *= c.multiply;
    if (c.divide != 1) {
      __int128 q = v / c.divide;
      if ((v % c.divide != 0) && (v < 0)) --q;  // floor, so -1 ns is -1 us, not 0
      v = q;
    }
    if (v < std::numeric_limits<int64_t>::min() || v > std::numeric_limits<int64_t>::max()) {
      fail(RowErrorKind::kTimestampOverflow, [&] {
        return c.source_name + " value " + std::to_string(raw) +
               " overflows a 64-bit count of microseconds";
      });
      return 0;
    }
  }
  if (v < c.min || v > c.max) {
    fail(c.temporal ? RowErrorKind::kTimestampOverflow : RowErrorKind::kIntegerOverflow, [&] {
      return c.source_name + " value " + std::to_string(raw) + (scaled ? " (converted)" : "") +
             " is out of range for the " + c.target_name + " field";
    });
    return 0;
  }
  return static_cast<uint64_t>(static_cast<unsigned __int128>(v));
}

}  // namespace arrow_zerobus::encode::internal
