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
  /// Each record is preceded by its frame: the tag and length of field 1 of type bytes (see
  /// EncodeOptions::frame_records), so the bytes of any run of rows form the body of a
  /// `repeated bytes records = 1` message. The ranges above then include the frames.
  bool framed = false;
  /// 1 where the row failed; its error is in `errors`.
  std::vector<uint8_t> row_failed;
  /// One error per failed row (the first found, in column order), sorted by row.
  std::vector<RowError> errors;

  bool failed(int64_t row) const { return row_failed[row] != 0; }
  int64_t failed_count() const { return static_cast<int64_t>(errors.size()); }
  int64_t successful_count() const { return num_rows - failed_count(); }
  int64_t encoded_bytes() const { return offsets.empty() ? 0 : offsets.back(); }
  /// The record of `row`, without its frame.
  std::string_view record(int64_t row) const {
    const std::string_view entry = entry_bytes(row, row + 1);
    if (!framed || entry.empty()) return entry;
    size_t length_bytes = 1;
    while (static_cast<uint8_t>(entry[length_bytes]) & 0x80) ++length_bytes;
    return entry.substr(1 + length_bytes);
  }
  /// The arena bytes of rows [first_row, end_row): records, with their frames when framed.
  std::string_view entry_bytes(int64_t first_row, int64_t end_row) const {
    return {reinterpret_cast<const char*>(arena->data()) + offsets[first_row],
            static_cast<size_t>(offsets[end_row] - offsets[first_row])};
  }
};

}  // namespace arrow_zerobus::encode
