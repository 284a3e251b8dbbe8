// Reading debug files back: the protobuf records of a .pbs file decoded with the descriptor saved
// beside it (as JSON lines or as an Arrow table), and .arrows files.
#pragma once

#include <filesystem>
#include <memory>
#include <ostream>
#include <string>

#include <arrow/table.h>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::debug {

/// The descriptor file of a .pbs file: ../descriptors/<stem>.desc.
std::filesystem::path DescriptorPathFor(const std::filesystem::path& records_file);

/// Writes each record of a .pbs file as one JSON object per line (proto field names; 64-bit
/// integers as numbers). Errors name the file and the record's position.
Status WriteRecordsAsJson(const std::filesystem::path& records_file, std::ostream& out);

/// The records of a .pbs file as an Arrow table whose columns follow the proto fields (int32 ->
/// int32, int64 -> int64, string -> utf8, bytes -> binary, repeated -> list, message -> struct,
/// map -> map; absent optional fields are null).
Result<std::shared_ptr<arrow::Table>> ReadRecordsAsArrow(const std::filesystem::path& records_file);

/// Every batch of an .arrows file (complete or still being written).
Result<std::shared_ptr<arrow::Table>> ReadArrowDebugFile(const std::filesystem::path& arrows_file);

}  // namespace arrow_zerobus::debug
