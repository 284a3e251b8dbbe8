#include "common/file_text.h"

#include <filesystem>
#include <fstream>
#include <iterator>

namespace arrow_zerobus {

Result<std::string> ReadWholeFile(const std::string& path, const std::string& what) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status)) {
    return IoError(what + " '" + path + "' does not exist");
  }
  if (!std::filesystem::is_regular_file(status)) {
    return IoError(what + " '" + path + "' is not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return IoError("cannot read " + what + " '" + path + "'");
  return bytes;
}

}  // namespace arrow_zerobus
