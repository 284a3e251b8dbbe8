// Packs the encoded rows of a batch into ingest_record_batch requests of at most
// max_request_bytes. A batch encoded with framed records is sent straight from the encoder's
// arena (no copy); otherwise each record is copied once into the request body. Either way a
// body is built once and re-sent after a reconnect without copying again.
#pragma once

#include <cstdint>
#include <vector>

#include <grpcpp/support/slice.h>

#include "arrow_zerobus/status.h"
#include "common/service_limits.h"
#include "encode/encoded_batch.h"

namespace arrow_zerobus::zerobus {

/// One request's records, ready to send with any offset.
struct PreparedRequest {
  grpc::Slice body;  ///< the ProtoEncodedRecordBatch body (its `records` fields)
  int64_t record_count = 0;
  int64_t record_bytes = 0;  ///< sum of record sizes
  uint64_t tag = 0;          ///< the caller's name for this request (e.g. a row range)
};

/// A request and the rows of the batch it carries: [first_row, end_row), except failed rows.
struct PackedRequest {
  PreparedRequest request;
  int64_t first_row = 0;
  int64_t end_row = 0;
};

/// Packs rows [begin_row, end_row) of `batch` (failed rows skipped) in row order. A row whose
/// record alone does not fit a request is a ConversionError naming the row and the sizes.
Result<std::vector<PackedRequest>> PackRequests(const encode::EncodedBatch& batch,
                                                int64_t max_request_bytes, int64_t begin_row,
                                                int64_t end_row);

/// Builds a request body from records.
PreparedRequest PrepareRequest(const std::vector<std::string_view>& records, uint64_t tag = 0);

}  // namespace arrow_zerobus::zerobus
