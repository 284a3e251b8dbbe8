// Fuzz target: reading debug files back (debug/debug_reader.h): a .pbs file of length-delimited
// records with the .desc FileDescriptorSet saved beside it, and an .arrows IPC stream, as
// `zerobus-arrow read-debug` reads files a person hands it.
//
// Input: parts (fuzz_support.h) = [.desc bytes, .pbs bytes, .arrows bytes]; each written to a
// scratch directory of this process.
// Promises: each reader gives its records (JSON lines, one per record, or an Arrow table that
// passes full validation, one row per record) or an I/O error naming the file, never a crash.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "debug/debug_reader.h"
#include "fuzz_support.h"

namespace arrow_zerobus::fuzz {
namespace {

namespace fs = std::filesystem;

// <tmp>/arrow_zerobus_fuzz_debug_<pid>/{proto,descriptors}, made once per process.
const fs::path& ScratchDir() {
  static const fs::path dir = [] {
    const fs::path root =
        fs::temp_directory_path() / ("arrow_zerobus_fuzz_debug_" + std::to_string(getpid()));
    fs::create_directories(root / "proto");
    fs::create_directories(root / "descriptors");
    return root;
  }();
  return dir;
}

void WriteFile(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  FUZZ_CHECK(out.good(), "cannot write " + path.string());
}

// Errors name the file they are about (the .pbs, or the .desc beside it).
void CheckRefusalNamesFile(const Status& status, const char* doing) {
  FUZZ_CHECK_REFUSAL(status, doing, kFileError);
  FUZZ_CHECK(status.message().find("records.pbs") != std::string::npos ||
                 status.message().find("records.desc") != std::string::npos ||
                 status.message().find("records.arrows") != std::string::npos,
             std::string(doing) + ": the error does not name the file: " + status.message());
}

void CheckRecordFiles(std::string_view desc, std::string_view pbs) {
  const fs::path records = ScratchDir() / "proto" / "records.pbs";
  WriteFile(debug::DescriptorPathFor(records), desc);
  WriteFile(records, pbs);

  std::ostringstream json;
  const Status written = debug::WriteRecordsAsJson(records, json);
  if (!written.ok()) CheckRefusalNamesFile(written, "WriteRecordsAsJson");

  auto table = debug::ReadRecordsAsArrow(records);
  if (!table.ok()) {
    CheckRefusalNamesFile(table.status(), "ReadRecordsAsArrow");
    return;
  }
  FUZZ_CHECK_ARROW_OK((*table)->ValidateFull(), "validating the records' table");
  if (written.ok()) {
    int64_t lines = 0;
    for (char c : json.str()) lines += c == '\n';
    FUZZ_CHECK(lines == (*table)->num_rows(), std::to_string(lines) + " JSON lines but " +
                                                  std::to_string((*table)->num_rows()) +
                                                  " Arrow rows");
  }
  // Each record takes at least one byte (its length).
  FUZZ_CHECK((*table)->num_rows() <= static_cast<int64_t>(pbs.size()),
             std::to_string((*table)->num_rows()) + " records from " + std::to_string(pbs.size()) +
                 " bytes");
}

void CheckArrowsFile(std::string_view arrows) {
  const fs::path path = ScratchDir() / "records.arrows";
  WriteFile(path, arrows);
  auto table = debug::ReadArrowDebugFile(path);
  if (!table.ok()) {
    CheckRefusalNamesFile(table.status(), "ReadArrowDebugFile");
    return;
  }
  FUZZ_CHECK_ARROW_OK((*table)->Validate(), "validating the .arrows table");
}

}  // namespace
}  // namespace arrow_zerobus::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arrow_zerobus::fuzz;
  const std::vector<std::string_view> parts = SplitParts(data, size, 3);
  CheckRecordFiles(parts[0], parts.size() > 1 ? parts[1] : "");
  if (parts.size() > 2) CheckArrowsFile(parts[2]);
  return 0;
}
