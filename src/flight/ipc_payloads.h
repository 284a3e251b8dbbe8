// The Arrow IPC messages of a Flight DoPut stream, made with Arrow C++ IPC: for each message the
// bytes of FlightData.data_header (the flatbuffer Message, without the IPC stream's continuation
// marker and length) and of FlightData.data_body (the body buffers, each padded with zeros to a
// multiple of 8 bytes, as the IPC format lays them out). Dictionaries are hydrated, so a stream
// has one schema message and then record batch messages only. A batch whose body would exceed
// the message limit is split into slices of rows, each its own message, each knowing its row
// range, so that acknowledgements counted in rows map back to rows of the batch.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/buffer.h>
#include <arrow/ipc/options.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::flight {

enum class IpcCompression : uint8_t { kNone, kLz4Frame, kZstd };

/// The body limit of one message: Arrow Flight's default split size (the official SDK's encoder
/// uses it too). It keeps a whole FlightData under gRPC's default 4 MiB receive limit.
constexpr int64_t kDefaultMaxMessageBodyBytes = 2 * 1024 * 1024;

struct IpcPayloadOptions {
  /// Compression of the body buffers (Arrow IPC buffer compression; the service accepts both).
  IpcCompression compression = IpcCompression::kNone;
  /// The codec's level; unset: Arrow C++'s default for the codec. Checked against the codec's
  /// range.
  std::optional<int> compression_level;
  /// Record batch messages whose body would be larger are split into slices of rows. A single
  /// row larger than this is still sent, alone.
  int64_t max_body_bytes = kDefaultMaxMessageBodyBytes;
};

/// One FlightData message's Arrow IPC part.
struct IpcMessage {
  /// The flatbuffer Message (schema or record batch metadata).
  std::shared_ptr<arrow::Buffer> data_header;
  /// The body: each buffer followed by zeros up to a multiple of 8 bytes. Null buffers are empty.
  std::vector<std::shared_ptr<arrow::Buffer>> body_buffers;
  int64_t body_length = 0;  ///< bytes of the padded body
  int64_t first_row = 0;    ///< the message holds rows [first_row, first_row + num_rows)
  int64_t num_rows = 0;     ///< of the batch given to EncodeBatch (0 for the schema)

  /// Appends the padded body to `out` (one copy, e.g. straight into a protobuf bytes field).
  void AppendBody(std::string* out) const;
  /// The padded body as one buffer (a copy, unless the body is a single aligned buffer).
  Result<std::shared_ptr<arrow::Buffer>> Body() const;
  /// Bytes of the Arrow IPC part of the message on the wire: header plus body.
  int64_t wire_bytes() const;
};

/// Sum of body_length: the body bytes the messages put on the wire.
int64_t BodyBytes(const std::vector<IpcMessage>& messages);

/// Makes the messages of one stream. Const methods may be called from several threads.
class IpcPayloadEncoder {
 public:
  /// An encoder for batches of `schema`. Fails for an unavailable codec or a bad limit.
  static Result<IpcPayloadEncoder> Make(const std::shared_ptr<arrow::Schema>& schema,
                                        const IpcPayloadOptions& options = {});

  /// The schema the stream declares: `schema` with dictionary types replaced by their values'.
  const std::shared_ptr<arrow::Schema>& schema() const { return hydrated_; }
  /// The first FlightData of the stream: the schema message (no body).
  const IpcMessage& schema_message() const { return schema_message_; }

  /// The record batch messages of `batch`, whose schema must equal the one given to Make
  /// (metadata aside), in row order; none for a batch without rows.
  Result<std::vector<IpcMessage>> EncodeBatch(const arrow::RecordBatch& batch) const;

 private:
  IpcPayloadEncoder() = default;

  /// Appends the messages of rows [first, first + count) of `batch`, split as needed.
  Status EncodeRows(const arrow::RecordBatch& batch, int64_t first, int64_t count,
                    std::vector<IpcMessage>* out) const;

  std::shared_ptr<arrow::Schema> declared_;
  std::shared_ptr<arrow::Schema> hydrated_;
  IpcMessage schema_message_;
  arrow::ipc::IpcWriteOptions plain_options_;  ///< no compression: sizes for splitting
  arrow::ipc::IpcWriteOptions write_options_;
  int64_t max_body_bytes_ = kDefaultMaxMessageBodyBytes;
};

}  // namespace arrow_zerobus::flight
