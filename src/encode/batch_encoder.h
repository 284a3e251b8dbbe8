// EncodeBatch: Arrow RecordBatch -> protobuf records, per the batch's SchemaPlan.
#pragma once

#include <cstdint>

#include <arrow/record_batch.h>

#include "arrow_zerobus/status.h"
#include "encode/arena_pool.h"
#include "encode/encoded_batch.h"
#include "schema/schema_plan.h"

namespace arrow_zerobus::encode {

/// Zerobus' largest record: 4 MiB less 19 bytes of framing.
constexpr int64_t kDefaultMaxRecordBytes = 4194285;

struct EncodeOptions {
  /// Records larger than this are row errors (kRecordTooLarge).
  int64_t max_record_bytes = kDefaultMaxRecordBytes;
  /// Run arrow's full validation (offsets, indices, run ends; not UTF-8) before reading buffers.
  /// Only turn off for data this process produced itself.
  bool validate = true;
  /// Precede every record with the tag and length of field 1 (bytes), so that the transport can
  /// send any run of rows as a ProtoEncodedRecordBatch body straight from the arena.
  bool frame_records = false;
  /// Where the output arena comes from; reuse one pool for a stream of batches. Without a pool
  /// each batch allocates a fresh arena.
  std::shared_ptr<ArenaPool> arena_pool;
};

/// Encodes every row of `batch`. Rows that cannot be encoded are reported in the result and
/// written to no buffer; the others are encoded regardless. A batch whose schema differs from
/// `plan.schema` or whose arrays are malformed gives one ConversionError naming the column.
Result<EncodedBatch> EncodeBatch(const schema::SchemaPlan& plan, const arrow::RecordBatch& batch,
                                 const EncodeOptions& options = {});

}  // namespace arrow_zerobus::encode
