#include "wrapper/batch_job.h"

#include <algorithm>
#include <numeric>

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

std::pair<int64_t, int64_t> BatchJob::RequestRows(size_t index) const {
  std::lock_guard<std::mutex> lock(mu_);
  return {requests_[index].first_row, requests_[index].end_row};
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
    // Rows go by runs that share one outcome: a request's rows between conversion errors, so
    // that a batch without failures costs one append per request, not a branch per row.
    auto next_error = encoded.errors.begin();
    // One resize and a fill through a plain pointer: push_back per row reloads the vector's end
    // after every store and costs several times more.
    auto append_landed = [&](int64_t first, int64_t end) {
      const size_t old_size = result.successful_rows.size();
      result.successful_rows.resize(old_size + static_cast<size_t>(end - first));
      std::iota(result.successful_rows.data() + old_size,
                result.successful_rows.data() + result.successful_rows.size(), first);
    };
    size_t request = 0;
    for (int64_t row = 0; row < rows;) {
      // Errors are sorted by row, one per row; one left behind would stop a run short of `row`.
      while (next_error != encoded.errors.end() && next_error->row < row) ++next_error;
      if (next_error != encoded.errors.end() && next_error->row == row) {
        fail(row,
             Status(StatusCode::kInvalidArgument, ErrorKind::kConversion, next_error->message));
        ++next_error;
        ++row;
        continue;
      }
      while (request < requests_.size() && row >= requests_[request].end_row) ++request;
      const bool in_request = request < requests_.size() && row >= requests_[request].first_row;
      // The run ends at the next conversion error and at the next request boundary.
      int64_t end = next_error != encoded.errors.end() ? next_error->row : rows;
      if (request < requests_.size()) {
        end = std::min(end, in_request ? requests_[request].end_row : requests_[request].first_row);
      }
      const Status& failure = in_request ? requests_[request].failure : batch_failure;
      if (failure.ok()) {
        // Acknowledged, or (outside every request) converted but never sent: only with the
        // writer disabled.
        append_landed(row, end);
      } else {
        for (int64_t failed = row; failed < end; ++failed) fail(failed, failure);
        if (stream_failure.ok()) stream_failure = failure;
      }
      row = end;
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
