// TransmissionResult helpers: row selection with Arrow's Take, error grouping and statistics.
#include "arrow_zerobus/transmission_result.h"

#include <sstream>

#include <arrow/array/builder_binary.h>
#include <arrow/array/builder_primitive.h>

#include "wrapper/failed_values.h"

namespace arrow_zerobus {
namespace {

Result<std::shared_ptr<arrow::RecordBatch>> TakeRows(const arrow::RecordBatch& batch,
                                                     const std::vector<int64_t>& rows,
                                                     int64_t total_rows, const char* which) {
  if (batch.num_rows() != total_rows) {
    return Status(StatusCode::kInvalidArgument, ErrorKind::kConfiguration,
                  std::string("cannot extract the ") + which + " rows: the result covers " +
                      std::to_string(total_rows) + " rows but the batch given has " +
                      std::to_string(batch.num_rows()) +
                      " (pass the batch that was sent, or use failed_batch())");
  }
  return internal::TakeRows(batch, rows);
}

// The three columns failed_batch() appends: row index, error type name and message.
Result<std::vector<std::shared_ptr<arrow::Array>>> ErrorColumns(
    const std::vector<RowFailure>& failures) {
  arrow::Int64Builder rows;
  arrow::StringBuilder types;
  arrow::StringBuilder messages;
  arrow::Status built = arrow::Status::OK();
  for (const RowFailure& failure : failures) {
    if (built.ok()) built = rows.Append(failure.row);
    if (built.ok()) built = types.Append(std::string(ErrorKindName(failure.error.kind())));
    if (built.ok()) built = messages.Append(failure.error.message());
  }
  std::vector<std::shared_ptr<arrow::Array>> columns(3);
  if (built.ok()) built = rows.Finish(&columns[0]);
  if (built.ok()) built = types.Finish(&columns[1]);
  if (built.ok()) built = messages.Finish(&columns[2]);
  if (!built.ok()) return InternalError("cannot build the error columns: " + built.ToString());
  return columns;
}

}  // namespace

std::vector<int64_t> TransmissionResult::get_failed_row_indices() const {
  std::vector<int64_t> rows;
  rows.reserve(failed_rows.size());
  for (const RowFailure& failure : failed_rows) rows.push_back(failure.row);
  return rows;
}

std::vector<int64_t> TransmissionResult::get_failed_row_indices_by_error_type(
    const std::string& type_name) const {
  std::vector<int64_t> rows;
  for (const RowFailure& failure : failed_rows) {
    if (ErrorKindName(failure.error.kind()) == type_name) rows.push_back(failure.row);
  }
  return rows;
}

Result<std::shared_ptr<arrow::RecordBatch>> TransmissionResult::extract_failed_batch(
    const arrow::RecordBatch& batch) const {
  return TakeRows(batch, get_failed_row_indices(), total_rows, "failed");
}

Result<std::shared_ptr<arrow::RecordBatch>> TransmissionResult::extract_successful_batch(
    const arrow::RecordBatch& batch) const {
  return TakeRows(batch, successful_rows, total_rows, "successful");
}

Result<std::shared_ptr<arrow::RecordBatch>> TransmissionResult::failed_batch() const {
  const auto failed = static_cast<int64_t>(failed_rows.size());
  if (failed_values == nullptr && failed > 0) {
    return Status(StatusCode::kFailedPrecondition, ErrorKind::kConfiguration,
                  "this result does not hold its " + std::to_string(failed) +
                      " failed rows' values (it was not made by a send): use "
                      "extract_failed_batch(batch) with the batch that was sent");
  }
  if (failed_values != nullptr && failed_values->num_rows() != failed) {
    return Status(StatusCode::kFailedPrecondition, ErrorKind::kConfiguration,
                  "failed_values holds " + std::to_string(failed_values->num_rows()) +
                      " rows but the result has " + std::to_string(failed) + " failed rows");
  }
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto error_columns, ErrorColumns(failed_rows));
  std::vector<std::shared_ptr<arrow::Field>> fields;
  std::vector<std::shared_ptr<arrow::Array>> columns;
  std::shared_ptr<const arrow::KeyValueMetadata> metadata;
  if (failed_values != nullptr) {
    fields = failed_values->schema()->fields();
    columns = failed_values->columns();
    metadata = failed_values->schema()->metadata();
  }
  fields.push_back(arrow::field("_zerobus_row", arrow::int64(), /*nullable=*/false));
  fields.push_back(arrow::field("_zerobus_error_type", arrow::utf8(), /*nullable=*/false));
  fields.push_back(arrow::field("_zerobus_error", arrow::utf8(), /*nullable=*/false));
  columns.insert(columns.end(), error_columns.begin(), error_columns.end());
  return arrow::RecordBatch::Make(arrow::schema(std::move(fields), std::move(metadata)), failed,
                                  std::move(columns));
}

std::map<std::string, std::vector<int64_t>> TransmissionResult::group_errors_by_type() const {
  std::map<std::string, std::vector<int64_t>> groups;
  for (const RowFailure& failure : failed_rows) {
    groups[std::string(ErrorKindName(failure.error.kind()))].push_back(failure.row);
  }
  return groups;
}

ErrorStatistics TransmissionResult::get_error_statistics() const {
  ErrorStatistics stats;
  stats.total_rows = total_rows;
  stats.successful_count = successful_count;
  stats.failed_count = failed_count;
  if (total_rows == 0) {
    stats.success_rate = 1.0;
  } else {
    stats.success_rate = static_cast<double>(successful_count) / static_cast<double>(total_rows);
    stats.failure_rate = static_cast<double>(failed_count) / static_cast<double>(total_rows);
  }
  for (const RowFailure& failure : failed_rows) {
    ++stats.error_type_counts[std::string(ErrorKindName(failure.error.kind()))];
  }
  return stats;
}

std::vector<std::string> TransmissionResult::get_error_messages() const {
  std::vector<std::string> messages;
  messages.reserve(failed_rows.size());
  for (const RowFailure& failure : failed_rows) {
    messages.push_back("row " + std::to_string(failure.row) + ": " + failure.error.ToString());
  }
  return messages;
}

std::string TransmissionResult::Summary() const {
  std::ostringstream out;
  out << (success ? "success" : "FAILED") << ": " << successful_count << " of " << total_rows
      << (writer_disabled ? " rows converted (writer disabled)" : " rows acknowledged") << ", "
      << failed_count << " failed; " << encoded_bytes << " bytes in " << requests_sent
      << " request(s)";
  if (requests_replayed > 0) out << " (" << requests_replayed << " replayed)";
  out << ", " << attempts << " attempt(s), " << latency_ms << " ms";
  if (!error.ok()) out << "; error: " << error.ToString();
  return out.str();
}

}  // namespace arrow_zerobus
