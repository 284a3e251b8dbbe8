// Creating a file that must not exist yet (the only platform-specific code of the debug files).
#pragma once

#include <filesystem>
#include <memory>

#include <arrow/io/file.h>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::debug {

/// Creates `path` for writing, failing if it exists: then the error has code kAlreadyExists;
/// other failures are IoErrors naming the path and the cause.
Result<std::shared_ptr<arrow::io::FileOutputStream>> CreateExclusive(
    const std::filesystem::path& path);

}  // namespace arrow_zerobus::debug
