#include "wrapper/result_merge.h"

#include <algorithm>
#include <numeric>

namespace arrow_zerobus::internal {

void ResultMerger::Add(const TransmissionResult& batch) {
  const int64_t base = merged_.total_rows;
  std::vector<int64_t>& landed = merged_.successful_rows;
  const size_t old_size = landed.size();
  const size_t needed = old_size + batch.successful_rows.size();
  // Resized once (growing geometrically) and written through a plain pointer (see
  // BatchJob::BuildResult); a batch whose rows all landed is a run of indices, written without
  // reading its list.
  landed.resize(needed);
  int64_t* out = landed.data() + old_size;
  if (static_cast<int64_t>(batch.successful_rows.size()) == batch.total_rows) {
    std::iota(out, landed.data() + needed, base);
  } else {
    std::transform(batch.successful_rows.begin(), batch.successful_rows.end(), out,
                   [base](int64_t row) { return base + row; });
  }
  for (const RowFailure& failure : batch.failed_rows) {
    merged_.failed_rows.push_back({base + failure.row, failure.error});
  }
  merged_.total_rows += batch.total_rows;
  merged_.successful_count += batch.successful_count;
  merged_.failed_count += batch.failed_count;
  merged_.batch_size_bytes += batch.batch_size_bytes;
  merged_.encoded_bytes += batch.encoded_bytes;
  merged_.requests_sent += batch.requests_sent;
  merged_.requests_replayed += batch.requests_replayed;
  merged_.rows_replayed += batch.rows_replayed;
  merged_.attempts = std::max(merged_.attempts, batch.attempts);
  merged_.writer_disabled = batch.writer_disabled;
  if (merged_.debug_error.ok()) merged_.debug_error = batch.debug_error;
  stream_ids_.insert(batch.stream_ids.begin(), batch.stream_ids.end());
  if (first_error_.ok() && !batch.error.ok()) first_error_ = batch.error;
  failed_values_.Add(batch.failed_values);
}

void ResultMerger::ExpectRows(int64_t rows) {
  merged_.successful_rows.reserve(static_cast<size_t>(std::max<int64_t>(rows, 0)));
}

void ResultMerger::FailRead(const arrow::Status& read) {
  read_error_ = Status(StatusCode::kInvalidArgument, ErrorKind::kConversion,
                       "reading the next batch failed after " + std::to_string(rows()) +
                           " rows: " + read.ToString());
}

void ResultMerger::Refuse(Status error, const std::shared_ptr<arrow::Schema>& schema) {
  read_error_ = std::move(error);
  if (schema == nullptr) return;
  failed_values_.Add(arrow::RecordBatch::MakeEmpty(NullableSchema(*schema)).ValueOr(nullptr));
}

TransmissionResult ResultMerger::Finish(double latency_ms) {
  TransmissionResult result = std::move(merged_);
  result.stream_ids.assign(stream_ids_.begin(), stream_ids_.end());
  result.latency_ms = latency_ms;
  result.attempts = std::max(result.attempts, 1);
  result.error = !read_error_.ok() ? read_error_ : first_error_;
  // A batch whose rows all failed conversion has an error while others may have succeeded; the
  // whole is a success when some row landed and nothing failed beyond conversion.
  if (read_error_.ok() && !first_error_.ok() && result.successful_count > 0 &&
      first_error_.kind() == ErrorKind::kConversion) {
    bool only_conversion = std::all_of(
        result.failed_rows.begin(), result.failed_rows.end(),
        [](const RowFailure& failure) { return failure.error.kind() == ErrorKind::kConversion; });
    if (only_conversion) result.error = Status::OK();
  }
  result.success = result.error.ok();
  result.failed_values = failed_values_.Finish();
  return result;
}

}  // namespace arrow_zerobus::internal
