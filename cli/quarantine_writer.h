// The --quarantine file of `zerobus-arrow send`: the rows that failed, with their input row
// number, error type and message, as Arrow IPC or Parquet.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include <arrow/record_batch.h>

#include "arrow_zerobus/status.h"
#include "arrow_zerobus/transmission_result.h"

namespace arrow_zerobus::cli {

class QuarantineSink;  // one open output file (quarantine_writer.cc)

enum class QuarantineFormat { kArrowStream, kArrowFile, kParquet, kCsv };

/// By extension: .arrows (IPC stream), .arrow or .feather (IPC file), .parquet or .pq, .csv.
Result<QuarantineFormat> QuarantineFormatOf(const std::filesystem::path& path);

/// Refuses, before anything is read or sent, a --quarantine path that cannot become the file:
/// a directory, one in a directory that does not exist, or one of the `inputs` (which the
/// quarantine file would overwrite). Errors name the path.
Status CheckQuarantinePath(const std::filesystem::path& path,
                           const std::vector<std::filesystem::path>& inputs);

class QuarantineWriter {
 public:
  explicit QuarantineWriter(std::filesystem::path path);
  ~QuarantineWriter();
  QuarantineWriter(const QuarantineWriter&) = delete;
  QuarantineWriter& operator=(const QuarantineWriter&) = delete;

  /// Appends the failed rows of `result` (the outcome of sending `batch`), whose row 0 is row
  /// `first_row` of the whole input. Failed rows of another schema than the previous ones go to
  /// a new file: OUT-2.ext, OUT-3.ext, ...
  Status Append(const arrow::RecordBatch& batch, const TransmissionResult& result,
                int64_t first_row);
  /// Finishes the file. When no row failed it still writes one, with no rows and the columns
  /// of `schema` (skipped when null), so the file always describes this run.
  Status Close(const std::shared_ptr<arrow::Schema>& schema);

  int64_t rows_written() const { return rows_written_; }
  const std::vector<std::filesystem::path>& files() const { return files_; }

  /// Whether rows of `input` can be written in the file's format (CSV holds flat columns only);
  /// the error names the column. Checked before the send, not at the first failed row.
  Status CheckInputSchema(const arrow::Schema& input) const;

  /// The input schema, every field nullable (a row may be quarantined for its null), with
  /// _zerobus_row, _zerobus_error_type and _zerobus_error appended.
  static std::shared_ptr<arrow::Schema> QuarantineSchema(const arrow::Schema& input);

 private:
  Status Open(const std::shared_ptr<arrow::Schema>& schema);

  std::filesystem::path path_;
  std::unique_ptr<QuarantineSink> sink_;
  std::shared_ptr<arrow::Schema> schema_;
  std::vector<std::filesystem::path> files_;
  int64_t rows_written_ = 0;
  bool closed_ = false;
};

}  // namespace arrow_zerobus::cli
