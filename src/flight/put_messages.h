// The DoPut messages of the Arrow path in wire form. Each FlightData is built as a gRPC byte buffer
// whose body slices point at the Arrow IPC body buffers, so rows are not copied on their way to
// gRPC (a generated FlightData would copy them into its bytes field); and the JSON app_metadata
// Zerobus puts on FlightData ({"offset_id": N}) and on PutResult (acks, rotation).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <grpcpp/support/byte_buffer.h>

#include "arrow_zerobus/status.h"
#include "flight/ipc_payloads.h"

namespace arrow_zerobus::flight {

/// {"offset_id":N}: the app_metadata of the N-th data message of a connection.
std::string OffsetIdMetadata(int64_t offset_id);

/// A serialized FlightData{data_header, app_metadata, data_body} of `message`, without a
/// descriptor; empty fields are left out, as protobuf would. Large body buffers are referenced
/// (kept alive by the byte buffer), small ones copied next to their framing.
grpc::ByteBuffer FlightDataBuffer(const IpcMessage& message, std::string_view app_metadata);

/// What a PutResult's app_metadata says; fields the server left out are unset.
struct PutResultFields {
  std::optional<int64_t> ack_up_to_offset;
  std::optional<int64_t> ack_up_to_records;  ///< cumulative rows durable on the connection
  std::optional<std::chrono::milliseconds> close_stream_duration;
};

/// Reads a PutResult's app_metadata. InvalidArgument (naming what came) when it is not a JSON
/// object or a known field is not a non-negative integer (ack_up_to_offset may be -1).
Result<PutResultFields> ParsePutResultMetadata(std::string_view app_metadata);

/// The first PutResult of a DoPut: {"ack_up_to_offset": -1, "ack_up_to_records": 0}.
bool IsReadyPutResult(const PutResultFields& fields);

}  // namespace arrow_zerobus::flight
