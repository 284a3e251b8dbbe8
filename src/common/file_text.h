// Reading a whole file named by a setting or a command, with errors that say which file and why.
#pragma once

#include <string>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus {

/// The bytes of the file at `path`. IoErrors read "<what> '<path>' does not exist", "... is not
/// a regular file" or "cannot read <what> '<path>'".
Result<std::string> ReadWholeFile(const std::string& path, const std::string& what);

}  // namespace arrow_zerobus
