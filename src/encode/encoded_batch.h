// EncodedBatch: the protobuf records of one RecordBatch in a single arena, plus row errors.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include <arrow/buffer.h>

#include "encode/row_error.h"

namespace arrow_zerobus::encode {

struct EncodedBatch {
  int64_t num_rows = 0;
  /// Every successfully encoded record, back to back in row order.
  std::shared_ptr<arrow::Buffer> arena;
  /// num_rows + 1 entries: row i is arena bytes [offsets[i], offsets[i + 1]). Failed rows have an
  /// empty range (as may a valid record whose fields are all absent: check failed()).
  std::vector<int64_t> offsets;
  /// 1 where the row failed; its error is in `errors`.
  std::vector<uint8_t> row_failed;
  /// One error per failed row (the first found, in column order), sorted by row.
  std::vector<RowError> errors;

  bool failed(int64_t row) const { return row_failed[row] != 0; }
  int64_t failed_count() const { return static_cast<int64_t>(errors.size()); }
  int64_t successful_count() const { return num_rows - failed_count(); }
  int64_t encoded_bytes() const { return offsets.empty() ? 0 : offsets.back(); }
  std::string_view record(int64_t row) const {
    return {reinterpret_cast<const char*>(arena->data()) + offsets[row],
            static_cast<size_t>(offsets[row + 1] - offsets[row])};
  }
};

}  // namespace arrow_zerobus::encode
