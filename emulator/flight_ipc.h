// One Arrow Flight FlightData as the emulator receives it (raw gRPC bytes) opened as an Arrow IPC
// message, its schema or record batch, and the JSON app_metadata Zerobus puts on FlightData
// ({"offset_id": N}) and PutResult ({"ack_up_to_offset", "ack_up_to_records"}).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <arrow/ipc/message.h>
#include <arrow/type_fwd.h>
#include <grpcpp/support/byte_buffer.h>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::emulator {

struct FlightMessage {
  std::unique_ptr<arrow::ipc::Message> ipc;  ///< null when the FlightData has no data_header
  std::string app_metadata;
  int64_t body_bytes = 0;  ///< size of data_body, as received (compressed when compressed)
};

/// Parses the FlightData in `buffer` and opens its IPC message (data_header is the flatbuffer
/// Message, data_body its body). INVALID_ARGUMENT when either does not parse.
Result<FlightMessage> ReadFlightData(grpc::ByteBuffer* buffer);

/// "an IPC schema message", "an IPC record batch message", ...; "no IPC message" without one.
std::string DescribeMessage(const FlightMessage& message);

Result<std::shared_ptr<arrow::Schema>> ReadSchemaMessage(const arrow::ipc::Message& message);

/// The path of the first dictionary-encoded field of `schema`, nested ones included.
std::optional<std::string> FindDictionaryField(const arrow::Schema& schema);

/// Decodes a record batch message of `schema` (decompressing LZ4_FRAME or ZSTD bodies).
Result<std::shared_ptr<arrow::RecordBatch>> ReadBatchMessage(
    const arrow::ipc::Message& message, const std::shared_ptr<arrow::Schema>& schema);

/// The N of a data message's app_metadata {"offset_id": N}; INVALID_ARGUMENT naming what came.
Result<int64_t> ParseOffsetId(std::string_view app_metadata);

/// A serialized PutResult whose app_metadata is {"ack_up_to_offset": offset, "ack_up_to_records":
/// records}, plus "close_stream_duration_ms" when given.
grpc::ByteBuffer PutResultMessage(int64_t offset, int64_t records,
                                  std::optional<int64_t> close_stream_duration_ms = std::nullopt);

}  // namespace arrow_zerobus::emulator
