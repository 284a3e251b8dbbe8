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
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/util/type_fwd.h>

#include "arrow_zerobus/status.h"
#include "arrow_zerobus/transmission_result.h"
#include "csv_input.h"

namespace arrow_zerobus::cli {

enum class InputFormat { kParquet, kArrow, kCsv, kTsv, kJson };

/// Whether `path` is "-": standard input (an Arrow IPC stream, CSV, TSV or NDJSON; the format
/// must be given).
bool IsStdin(const std::filesystem::path& path);

/// The codec of a compressed input by its last extension: .gz (.gzip), .zst (.zstd), .bz2,
/// .lz4 (LZ4 frame); nothing for other files. The format is then that of the extension before.
std::optional<arrow::Compression::type> CompressionOf(const std::filesystem::path& path);

/// The input files that `args` name: a directory gives the files below it (recursively, in path
/// order) whose format its extension tells (every file with `format`), leaving out names that
/// start with '.' or '_' (_SUCCESS, .crc); a pattern with * ? or [ that is not itself a file is
/// expanded (for a shell that did not); "-" is standard input, once. Errors name the argument.
Result<std::vector<std::filesystem::path>> ExpandInputs(
    const std::vector<std::filesystem::path>& args, std::optional<InputFormat> format);

/// "parquet", "arrow", "csv", "tsv", "json".
std::string_view InputFormatName(InputFormat format);
/// The format named by --input-format (the names above; "ipc", "feather", "ndjson" and "jsonl"
/// too).
Result<InputFormat> ParseInputFormat(std::string_view name);
/// The format of `path`: `forced` when given (a .tsv file forced to csv stays tab-separated),
/// else by extension, case-insensitively, looking past a compression extension (rows.csv.gz is
/// CSV). Errors name the file and the known extensions.
Result<InputFormat> DetectInputFormat(const std::filesystem::path& path,
                                      std::optional<InputFormat> forced = std::nullopt);

struct InputOptions {
  std::optional<InputFormat> format;  ///< overrides the extension
  int64_t batch_rows = 65536;         ///< batches are sliced to at most this many rows
  /// CSV and TSV (the delimiter is set by the format); its schema also types NDJSON columns.
  CsvOptions csv;
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
  /// For inputs read row by row (CSV, TSV): the rows of the batch the reader returned last that
  /// could not be read (their values null), with the reason naming line and column. Null for
  /// other formats, whose read errors end the file.
  std::function<std::vector<RowFailure>()> take_row_errors;
};

/// Opens `path` in its format. Errors name the file.
Result<InputSource> OpenInput(const std::filesystem::path& path, const InputOptions& options);

}  // namespace arrow_zerobus::cli
