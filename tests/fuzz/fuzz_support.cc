#include "fuzz_support.h"

#include <cstdio>
#include <cstdlib>

#include <google/protobuf/stubs/logging.h>

// libFuzzer calls this once before the first input (replay_main.cc does too). Arrow's allocations
// go through malloc, so AddressSanitizer sees overruns of Arrow buffers and libFuzzer's
// -malloc_limit_mb sees their sizes (the pyarrow wheel's jemalloc/mimalloc would hide both).
// protobuf's log lines (invalid UTF-8 in a string field, ...) would only slow the runs down.
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  setenv("ARROW_DEFAULT_MEMORY_POOL", "system", /*overwrite=*/0);
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

namespace arrow_zerobus::fuzz {

void Fail(const char* file, int line, const std::string& what) {
  std::fprintf(stderr, "\n%s:%d: %s\n", file, line, what.c_str());
  std::fflush(stderr);
  std::abort();
}

void CheckOk(const char* file, int line, const Status& status, std::string_view doing) {
  if (!status.ok()) Fail(file, line, std::string(doing) + " failed: " + status.ToString());
}

void CheckArrowOk(const char* file, int line, const arrow::Status& status, std::string_view doing) {
  if (!status.ok()) Fail(file, line, std::string(doing) + " failed: " + status.ToString());
}

void CheckRefusal(const char* file, int line, const Status& status, std::string_view doing,
                  std::initializer_list<ErrorShape> expected) {
  if (status.ok()) Fail(file, line, std::string(doing) + ": expected an error, got OK");
  bool shape_ok = false;
  std::string shapes;
  for (const ErrorShape& shape : expected) {
    shape_ok = shape_ok || (status.code() == shape.code && status.kind() == shape.kind);
    shapes += (shapes.empty() ? "" : " or ") + std::string("code ") +
              std::to_string(static_cast<int>(shape.code)) + "/kind " +
              std::to_string(static_cast<int>(shape.kind));
  }
  if (!shape_ok || status.message().empty()) {
    Fail(file, line,
         std::string(doing) + ": expected an error of " + shapes + " with a message, got code " +
             std::to_string(static_cast<int>(status.code())) + "/kind " +
             std::to_string(static_cast<int>(status.kind())) + ": " + status.ToString());
  }
}

std::vector<std::string_view> SplitParts(const uint8_t* data, size_t size, size_t max_parts) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (parts.size() + 1 < max_parts) {
    const size_t at = input.find(kPartSeparator, start);
    if (at == std::string_view::npos) break;
    parts.push_back(input.substr(start, at - start));
    start = at + kPartSeparator.size();
  }
  parts.push_back(input.substr(start));
  return parts;
}

std::string JoinParts(const std::vector<std::string>& parts) {
  std::string joined;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].find(kPartSeparator) != std::string::npos) {
      Fail(__FILE__, __LINE__, "part " + std::to_string(i) + " contains the part separator");
    }
    if (i > 0) joined += kPartSeparator;
    joined += parts[i];
  }
  return joined;
}

}  // namespace arrow_zerobus::fuzz
