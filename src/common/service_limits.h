// Limits of the Zerobus service that several modules must agree on: the configuration checks,
// the Protobuf request packer and the stream defaults.
#pragma once

#include <cstdint>

namespace arrow_zerobus {

/// The service refuses requests (messages) over 10 MiB.
constexpr int64_t kServiceMaxRequestBytes = 10 * 1024 * 1024;

/// The bytes the EphemeralStream framing around a request body adds at most
/// (EphemeralStreamRequest, IngestRecordBatchRequest with offset_id, ProtoEncodedRecordBatch tag
/// and length).
constexpr int64_t kRequestFramingBytes = 32;

}  // namespace arrow_zerobus
