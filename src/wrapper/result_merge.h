// ResultMerger: one TransmissionResult for several batches sent one after another (send_table,
// send_reader), with row indices continuing across the batches.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "arrow_zerobus/transmission_result.h"
#include "wrapper/failed_values.h"

namespace arrow_zerobus::internal {

class ResultMerger {
 public:
  /// Appends the rows of the next batch.
  void Add(const TransmissionResult& batch);
  /// Sizes the result for `rows` rows in all (when the input tells), so that appending the
  /// batches' rows never reallocates.
  void ExpectRows(int64_t rows);
  /// Reading the input's next batch failed: that becomes the result's error, naming the rows
  /// read before it.
  void FailRead(const arrow::Status& read);
  /// The input was refused before any row was read (its schema cannot be sent): `error`
  /// becomes the result's error, and the failed values have `schema`'s columns and no rows.
  void Refuse(Status error, const std::shared_ptr<arrow::Schema>& schema);
  int64_t rows() const { return merged_.total_rows; }
  TransmissionResult Finish(double latency_ms);

 private:
  TransmissionResult merged_;
  std::set<std::string> stream_ids_;
  Status first_error_;
  Status read_error_;
  FailedValuesMerger failed_values_;
};

}  // namespace arrow_zerobus::internal
