// TransmissionResult helpers: row selection with Arrow's Take, error grouping and statistics.
#include "arrow_zerobus/transmission_result.h"

#include <sstream>

#include <arrow/array/builder_primitive.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/cast.h>
#include <arrow/datum.h>

#include "wrapper/plain_types.h"

namespace arrow_zerobus {
namespace {

Result<std::shared_ptr<arrow::RecordBatch>> TakeRows(const arrow::RecordBatch& batch,
                                                     const std::vector<int64_t>& rows,
                                                     int64_t total_rows, const char* which) {
  if (batch.num_rows() != total_rows) {
    return Status(StatusCode::kInvalidArgument, ErrorKind::kConfiguration,
                  std::string("cannot extract the ") + which + " rows: the result covers " +
                      std::to_string(total_rows) + " rows but the batch given has " +
                      std::to_string(batch.num_rows()) + " (pass the batch that was sent)");
  }
  arrow::Int64Builder indices;
  auto appended = indices.AppendValues(rows);
  std::shared_ptr<arrow::Array> index_array;
  if (appended.ok()) appended = indices.Finish(&index_array);
  if (!appended.ok()) return InternalError("cannot build row indices: " + appended.ToString());
  std::vector<std::shared_ptr<arrow::Field>> fields = batch.schema()->fields();
  std::vector<std::shared_ptr<arrow::Array>> columns;
  columns.reserve(batch.num_columns());
  for (int i = 0; i < batch.num_columns(); ++i) {
    std::shared_ptr<arrow::Array> column = batch.column(i);
    auto plain = internal::NonViewType(column->type());
    if (!plain->Equals(*column->type())) {
      // No Take kernel for view types: take from the plain form, which the result keeps.
      auto cast = arrow::compute::Cast(*column, plain);
      if (!cast.ok()) {
        return InternalError("cannot cast column '" + fields[i]->name() + "' (" +
                             column->type()->ToString() +
                             ") for Take: " + cast.status().ToString());
      }
      column = std::move(cast).ValueOrDie();
      fields[i] = fields[i]->WithType(plain);
    }
    auto taken = arrow::compute::Take(*column, *index_array);
    if (!taken.ok()) {
      return InternalError(std::string("Arrow Take of the ") + which + " rows failed in column '" +
                           fields[i]->name() + "': " + taken.status().ToString());
    }
    columns.push_back(std::move(taken).ValueOrDie());
  }
  return arrow::RecordBatch::Make(arrow::schema(fields, batch.schema()->metadata()),
                                  static_cast<int64_t>(rows.size()), std::move(columns));
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
