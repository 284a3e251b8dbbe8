#include "zerobus/request_packer.h"

#include <grpc/slice.h>

#include "encode/wire_format.h"
#include "zerobus/stream_messages.h"

namespace arrow_zerobus::zerobus {
namespace {

// A body of `size` bytes in gRPC-owned memory, filled by `fill(uint8_t*)`.
template <typename Fill>
grpc::Slice MakeBody(size_t size, Fill fill) {
  grpc_slice slice = grpc_slice_malloc(size);
  fill(GRPC_SLICE_START_PTR(slice));
  return grpc::Slice(slice, grpc::Slice::STEAL_REF);
}

// A body that points into the encoder's arena: no copy; the arena lives until gRPC and every
// replay are done with the slice.
grpc::Slice ArenaBody(const std::shared_ptr<arrow::Buffer>& arena, std::string_view bytes) {
  auto* owner = new std::shared_ptr<arrow::Buffer>(arena);
  grpc_slice slice = grpc_slice_new_with_user_data(
      const_cast<char*>(bytes.data()), bytes.size(),
      [](void* user_data) { delete static_cast<std::shared_ptr<arrow::Buffer>*>(user_data); },
      owner);
  return grpc::Slice(slice, grpc::Slice::STEAL_REF);
}

// The record size of a framed entry of `entry` bytes (tag, varint length, record), without
// parsing it: the length whose varint fills the rest.
size_t FramedRecordSize(int64_t entry) {
  for (uint32_t length_bytes = 1;; ++length_bytes) {
    const auto size = static_cast<uint64_t>(entry - 1 - length_bytes);
    if (encode::VarintSize(size) == length_bytes) return size;
  }
}

}  // namespace

Result<std::vector<PackedRequest>> PackRequests(const encode::EncodedBatch& batch,
                                                int64_t max_request_bytes, int64_t begin_row,
                                                int64_t end_row) {
  const int64_t body_limit = max_request_bytes - kRequestFramingBytes;
  std::vector<PackedRequest> requests;
  int64_t row = begin_row;
  while (row < end_row) {
    // Measure the rows that fit, then copy them in one pass.
    const int64_t first = row;
    int64_t body_bytes = 0;
    int64_t records = 0;
    int64_t record_bytes = 0;
    for (; row < end_row; ++row) {
      if (batch.failed(row)) continue;
      const int64_t entry = batch.offsets[row + 1] - batch.offsets[row];
      // A framed entry is the record with its frame already: its size says the record's.
      const size_t size = batch.framed ? FramedRecordSize(entry) : static_cast<size_t>(entry);
      const auto wire = batch.framed ? entry : static_cast<int64_t>(BatchRecordWireSize(size));
      if (body_bytes + wire > body_limit) {
        if (records == 0) {
          return ConversionError("Row " + std::to_string(row) + " is a record of " +
                                 std::to_string(size) + " bytes, which does not fit in one " +
                                 "request of at most " + std::to_string(max_request_bytes) +
                                 " bytes (max_request_bytes)");
        }
        break;
      }
      body_bytes += wire;
      record_bytes += static_cast<int64_t>(size);
      ++records;
    }
    if (records == 0) continue;  // only failed rows were left
    PackedRequest packed;
    packed.first_row = first;
    packed.end_row = row;
    packed.request.record_count = records;
    packed.request.record_bytes = record_bytes;
    if (batch.framed) {
      // Failed rows take no bytes, so the run's entries are exactly the request body.
      packed.request.body = ArenaBody(batch.arena, batch.entry_bytes(first, row));
    } else {
      packed.request.body = MakeBody(static_cast<size_t>(body_bytes), [&](uint8_t* out) {
        for (int64_t r = first; r < row; ++r) {
          if (!batch.failed(r)) out = WriteBatchRecord(out, batch.record(r));
        }
      });
    }
    requests.push_back(std::move(packed));
  }
  return requests;
}

PreparedRequest PrepareRequest(const std::vector<std::string_view>& records, uint64_t tag) {
  size_t size = 0;
  int64_t record_bytes = 0;
  for (std::string_view record : records) {
    size += BatchRecordWireSize(record.size());
    record_bytes += static_cast<int64_t>(record.size());
  }
  PreparedRequest request;
  request.tag = tag;
  request.record_count = static_cast<int64_t>(records.size());
  request.record_bytes = record_bytes;
  request.body = MakeBody(size, [&](uint8_t* out) {
    for (std::string_view record : records) out = WriteBatchRecord(out, record);
  });
  return request;
}

}  // namespace arrow_zerobus::zerobus
