// What the fuzz targets share: the check that turns a broken promise into a crash libFuzzer
// reports, and the split of one input into parts for targets that read several byte strings (a
// descriptor and its records, the messages of one stream).
//
// Each target is one file defining LLVMFuzzerTestOneInput. It is linked two ways: with libFuzzer
// (clang, ARROW_ZEROBUS_FUZZ=ON, scripts/fuzz.sh), and in the normal build with replay_main.cc,
// which runs it over its seed corpus and past crashes as a ctest test.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/status.h>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::fuzz {

/// Prints `what` (the broken promise, with the values involved) and aborts, so that libFuzzer
/// (or the replay test) reports the input as a crash.
[[noreturn]] void Fail(const char* file, int line, const std::string& what);

/// Fails with the Status' own text when `status` is not OK.
void CheckOk(const char* file, int line, const Status& status, std::string_view doing);

/// Fails with the Status' own text when an Arrow status is not OK.
void CheckArrowOk(const char* file, int line, const arrow::Status& status, std::string_view doing);

/// The code and kind an error may have.
struct ErrorShape {
  StatusCode code;
  ErrorKind kind;
};

/// An error returned for bad input must name its cause: not OK, with a message, and with one of
/// the `expected` codes and kinds (a parser that answers bad bytes with INTERNAL has a bug).
void CheckRefusal(const char* file, int line, const Status& status, std::string_view doing,
                  std::initializer_list<ErrorShape> expected);

/// The error of bad input handed to the library or the emulator: INVALID_ARGUMENT.
inline constexpr ErrorShape kInvalidConfiguration{StatusCode::kInvalidArgument,
                                                  ErrorKind::kConfiguration};
inline constexpr ErrorShape kInvalidData{StatusCode::kInvalidArgument, ErrorKind::kConversion};
inline constexpr ErrorShape kInvalidRequest{StatusCode::kInvalidArgument, ErrorKind::kTransmission};
/// A local file that cannot be used (debug files, configuration files).
inline constexpr ErrorShape kFileError{StatusCode::kUnavailable, ErrorKind::kIo};

#define FUZZ_CHECK(condition, what)                                                        \
  do {                                                                                     \
    if (!(condition)) {                                                                    \
      ::arrow_zerobus::fuzz::Fail(__FILE__, __LINE__,                                      \
                                  std::string("check failed: " #condition ": ") + (what)); \
    }                                                                                      \
  } while (false)
#define FUZZ_CHECK_OK(status, doing) \
  ::arrow_zerobus::fuzz::CheckOk(__FILE__, __LINE__, (status), (doing))
#define FUZZ_CHECK_ARROW_OK(status, doing) \
  ::arrow_zerobus::fuzz::CheckArrowOk(__FILE__, __LINE__, (status), (doing))
/// FUZZ_CHECK_REFUSAL(status, "reading x", kInvalidData, kFileError)
#define FUZZ_CHECK_REFUSAL(status, doing, ...) \
  ::arrow_zerobus::fuzz::CheckRefusal(__FILE__, __LINE__, (status), (doing), {__VA_ARGS__})

/// Joins the parts of a multi-part input. A part never contains it (the seed generator checks).
inline constexpr std::string_view kPartSeparator = "\n--8<--\n";

/// The parts of `data`, split at each kPartSeparator; at most `max_parts` (the last one keeps
/// any further separators).
std::vector<std::string_view> SplitParts(const uint8_t* data, size_t size, size_t max_parts);

/// `parts` joined with kPartSeparator; fails if a part contains the separator.
std::string JoinParts(const std::vector<std::string>& parts);

}  // namespace arrow_zerobus::fuzz
