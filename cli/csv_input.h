// CSV and TSV input of `zerobus-arrow send` with an error per bad row instead of one for the
// file: a row with the wrong number of fields, or a value its column's type cannot hold, becomes
// a failed row naming its line, column and text, and the rest of the file is read on.
//
// Column types come from --schema (by name) or else Arrow's inference over the first block; the
// file is then parsed as text and each column converted here, so that a bad value fails its row
// only. Null markers (--csv-null, default Arrow's: "", NULL, NA, NaN, ...) are null in every
// column but strings, and in strings too with --csv-strings-null.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/io/type_fwd.h>
#include <arrow/record_batch.h>

#include "arrow_zerobus/status.h"
#include "arrow_zerobus/transmission_result.h"

namespace arrow_zerobus::cli {

struct CsvOptions {
  char delimiter = ',';
  /// Texts read as null (replacing Arrow's default list when set).
  std::optional<std::vector<std::string>> null_values;
  /// Whether string columns read the null texts as null too (else they keep the text).
  bool strings_can_be_null = false;
  /// Column types by name; columns it does not name are inferred.
  std::shared_ptr<arrow::Schema> schema;
};

/// Yields batches of at most `max_rows` rows; after each ReadNext, TakeRowErrors gives the rows
/// of that batch that failed (their values null) with the reason.
class CsvBatchReader : public arrow::RecordBatchReader {
 public:
  static Result<std::shared_ptr<CsvBatchReader>> Open(std::string name,
                                                      std::shared_ptr<arrow::io::InputStream> in,
                                                      const CsvOptions& options, int64_t max_rows);

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override;
  std::vector<RowFailure> TakeRowErrors() { return std::move(row_errors_); }

 private:
  struct Impl;
  CsvBatchReader() = default;
  Status ConvertNext();

  std::string name_;
  std::shared_ptr<arrow::Schema> schema_;
  std::shared_ptr<Impl> impl_;
  int64_t max_rows_ = 0;
  std::shared_ptr<arrow::RecordBatch> converted_;  ///< the text batch read last, converted
  std::vector<RowFailure> converted_errors_;       ///< its failed rows
  int64_t offset_ = 0;                             ///< rows of converted_ handed out
  std::vector<RowFailure> row_errors_;             ///< of the batch ReadNext returned last
};

/// The schema of --schema FILE: a Parquet or Arrow IPC file's, or a JSON object of column name
/// to type name as pyarrow prints them ("int64", "string", "decimal128(12, 2)",
/// "timestamp[us, tz=UTC]", "date32[day]", "bool", "double", ...). Errors name the file, the
/// column and the type.
Result<std::shared_ptr<arrow::Schema>> ReadSchemaFile(const std::string& path);

}  // namespace arrow_zerobus::cli
