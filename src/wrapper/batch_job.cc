#include "wrapper/batch_job.h"

#include <algorithm>

#include <arrow/util/byte_size.h>

#include "wrapper/failed_values.h"

namespace arrow_zerobus::internal {

size_t BatchJob::AddRequests(const std::vector<std::pair<int64_t, int64_t>>& row_ranges) {
  std::lock_guard<std::mutex> lock(mu_);
  const size_t first = requests_.size();
  for (const auto& [first_row, end_row] : row_ranges) {
    requests_.push_back(Request{first_row, end_row, false, Status::OK(), 0, 0});
    ++unresolved_;
  }
  return first;
}

bool BatchJob::ResolveRequest(size_t index, const Status& failure, int sends, int64_t record_count,
                              const std::string& stream_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Request& request = requests_[index];
  if (request.resolved) return false;
  request.resolved = true;
  request.failure = failure;
  request.sends = sends;
  request.record_count = record_count;
  if (!stream_id.empty()) stream_ids_.insert(stream_id);
  --unresolved_;
  return CompleteLocked();
}

bool BatchJob::FinishSubmitting() {
  std::lock_guard<std::mutex> lock(mu_);
  submitted_ = true;
  return CompleteLocked();
}

TransmissionResult BatchJob::BuildResult() const {
  std::lock_guard<std::mutex> lock(mu_);
  TransmissionResult result;
  const int64_t rows = total_rows();
  result.total_rows = rows;
  result.writer_disabled = writer_disabled;
  result.debug_error = debug_error;
  result.latency_ms = MillisecondsSince(state_->started);
  if (batch_ != nullptr) {
    result.batch_size_bytes = arrow::util::TotalBufferSize(*batch_);
  }
  result.stream_ids.assign(stream_ids_.begin(), stream_ids_.end());
  result.requests_sent = static_cast<int64_t>(requests_.size());
  int max_sends = 0;
  for (const Request& request : requests_) {
    max_sends = std::max(max_sends, request.sends);
    if (request.sends > 1) {
      ++result.requests_replayed;
      result.rows_replayed += request.record_count * (request.sends - 1);
    }
  }
  result.attempts = std::max(1, max_sends);
  result.successful_rows.reserve(rows);

  Status first_row_error;
  auto fail = [&](int64_t row, const Status& error) {
    result.failed_rows.push_back({row, error});
    if (first_row_error.ok()) first_row_error = error;
  };
  Status stream_failure;
  if (!encoded_ok) {
    for (int64_t row = 0; row < rows; ++row) fail(row, batch_failure);
  } else {
    result.encoded_bytes = payload_bytes;
    auto next_error = encoded.errors.begin();
    size_t request = 0;
    for (int64_t row = 0; row < rows; ++row) {
      if (encoded.failed(row)) {
        while (next_error->row != row) ++next_error;
        fail(row,
             Status(StatusCode::kInvalidArgument, ErrorKind::kConversion, next_error->message));
        continue;
      }
      while (request < requests_.size() && row >= requests_[request].end_row) ++request;
      if (request < requests_.size() && row >= requests_[request].first_row) {
        const Status& failure = requests_[request].failure;
        if (failure.ok()) {
          result.successful_rows.push_back(row);
        } else {
          fail(row, failure);
          if (stream_failure.ok()) stream_failure = failure;
        }
      } else if (!batch_failure.ok()) {
        fail(row, batch_failure);
        if (stream_failure.ok()) stream_failure = batch_failure;
      } else {
        // Converted but never sent: only with the writer disabled.
        result.successful_rows.push_back(row);
      }
    }
  }
  result.successful_count = static_cast<int64_t>(result.successful_rows.size());
  result.failed_count = static_cast<int64_t>(result.failed_rows.size());
  if (!encoded_ok) {
    result.error = batch_failure;
  } else if (!stream_failure.ok()) {
    result.error = stream_failure;
  } else if (rows > 0 && result.successful_count == 0) {
    result.error = !batch_failure.ok() ? batch_failure : first_row_error;
  }
  result.success = result.error.ok();
  if (batch_ != nullptr) result.failed_values = KeepFailedValues(result, *batch_);
  return result;
}

}  // namespace arrow_zerobus::internal
