#include "wrapper/read_ahead.h"

#include <algorithm>

#include <arrow/util/byte_size.h>

namespace arrow_zerobus::internal {

ReadAheadLimit ReadAheadLimit::For(const WrapperConfiguration& config) {
  ReadAheadLimit limit;
  const int64_t streams = std::max(config.stream_count, 1);
  limit.max_bytes =
      std::max<int64_t>(1, std::min(config.max_inflight_bytes, kReadAheadBytesPerStream * streams));
  return limit;
}

int64_t BatchBytes(const arrow::RecordBatch& batch) {
  const auto referenced = arrow::util::ReferencedBufferSize(batch);
  return referenced.ok() ? *referenced : arrow::util::TotalBufferSize(batch);
}

}  // namespace arrow_zerobus::internal
