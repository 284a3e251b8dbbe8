// CreateExclusive on POSIX: open(O_CREAT | O_EXCL), then an Arrow stream that owns the descriptor.
#include "debug/exclusive_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace arrow_zerobus::debug {

Result<std::shared_ptr<arrow::io::FileOutputStream>> CreateExclusive(
    const std::filesystem::path& path) {
  int fd = -1;
  do {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    const int error = errno;
    std::string message =
        "cannot create " + path.string() + ": " + std::system_category().message(error);
    if (error == EEXIST) {
      return Status(StatusCode::kAlreadyExists, ErrorKind::kIo, std::move(message));
    }
    return IoError(std::move(message));
  }
  auto stream = arrow::io::FileOutputStream::Open(fd);
  if (!stream.ok()) {
    ::close(fd);
    return IoError("cannot open " + path.string() + ": " + stream.status().ToString());
  }
  return std::move(stream).ValueUnsafe();
}

}  // namespace arrow_zerobus::debug
