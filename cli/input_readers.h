// Input files of `zerobus-arrow send` (Parquet, Arrow IPC, CSV/TSV, NDJSON) opened as record
// batch readers with Arrow's own readers, plus what the progress display needs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <arrow/record_batch.h>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::cli {

enum class InputFormat { kParquet, kArrow, kCsv, kTsv, kJson };

/// "parquet", "arrow", "csv", "tsv", "json".
std::string_view InputFormatName(InputFormat format);
/// The format named by --input-format (the names above; "ipc", "feather", "ndjson" and "jsonl"
/// too).
Result<InputFormat> ParseInputFormat(std::string_view name);
/// The format of `path`: `forced` when given (a .tsv file forced to csv stays tab-separated),
/// else by extension, case-insensitively. Errors name the file and the known extensions.
Result<InputFormat> DetectInputFormat(const std::filesystem::path& path,
                                      std::optional<InputFormat> forced = std::nullopt);

struct InputOptions {
  std::optional<InputFormat> format;  ///< overrides the extension
  int64_t batch_rows = 65536;         ///< batches are sliced to at most this many rows
};

/// An open input. The reader yields non-empty batches of at most InputOptions::batch_rows rows;
/// its errors name the file.
struct InputSource {
  std::filesystem::path path;
  InputFormat format = InputFormat::kParquet;
  /// For Arrow input: whether the file is in the IPC file format (else the stream format).
  bool ipc_file_format = false;
  std::shared_ptr<arrow::RecordBatchReader> reader;
  /// Rows in the file when the format records it (Parquet, Arrow IPC file format).
  std::optional<int64_t> total_rows;
  int64_t total_bytes = 0;
  /// Bytes of the file consumed so far (readers may read ahead of the batches they returned).
  std::function<int64_t()> bytes_read;
};

/// Opens `path` in its format. Errors name the file.
Result<InputSource> OpenInput(const std::filesystem::path& path, const InputOptions& options);

}  // namespace arrow_zerobus::cli
