// The EphemeralStream request in wire form, written and read without protobuf's generated
// classes: the client builds each request from encoded records with one copy (and re-sends it
// on another connection with a new offset without copying the records again); the emulator reads
// requests as views into the received bytes instead of a string per record.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::zerobus {

/// Field numbers of zerobus_service.proto that the codec writes and reads by hand.
namespace wire {
constexpr int kRequestCreateStream = 1;
constexpr int kRequestIngestRecord = 2;
constexpr int kRequestIngestRecordBatch = 3;
constexpr int kPersistentRequestIngestRecordBatch = 4;  // PersistentStreamRequest's
constexpr int kIngestOffsetId = 1;
constexpr int kIngestProtoRecord = 2;  // IngestRecordRequest.proto_encoded_record
constexpr int kIngestJsonRecord = 3;   // IngestRecordRequest.json_record
constexpr int kBatchProto = 2;         // IngestRecordBatchRequest.proto_encoded_batch
constexpr int kBatchJson = 3;          // IngestRecordBatchRequest.json_batch
constexpr int kBatchRecords = 1;       // {Proto,Json}RecordBatch.records
}  // namespace wire

/// Bytes of one record inside a batch body: tag, length, record.
size_t BatchRecordWireSize(size_t record_bytes);

/// Writes one record of a ProtoEncodedRecordBatch body (its `records` field) at `out`, which
/// must have BatchRecordWireSize(record.size()) bytes; returns the end of what was written.
uint8_t* WriteBatchRecord(uint8_t* out, std::string_view record);

/// The bytes that go in front of a ProtoEncodedRecordBatch body of `body_size` bytes to make a
/// complete EphemeralStreamRequest{ingest_record_batch{offset_id, proto_encoded_batch}} (or the
/// request message whose ingest_record_batch is field `request_field`).
std::string IngestBatchRequestPrefix(int64_t offset_id, size_t body_size,
                                     int request_field = wire::kRequestIngestRecordBatch);

/// One EphemeralStreamRequest, read as views into the caller's bytes.
struct ParsedRequest {
  enum class Kind { kNone, kCreateStream, kIngestRecord, kIngestRecordBatch };
  enum class Payload { kNone, kProto, kJson };

  Kind kind = Kind::kNone;
  std::string_view create_stream;    ///< serialized CreateIngestStreamRequest
  std::string create_stream_merged;  ///< holds create_stream when it came in several parts
  bool has_offset = false;
  int64_t offset_id = 0;
  Payload payload = Payload::kNone;
  std::vector<std::string_view> records;
};

/// Parses `bytes` into `out` (reusing its record vector). Errors name what is malformed.
Status ParseStreamRequest(std::string_view bytes, ParsedRequest* out);

}  // namespace arrow_zerobus::zerobus
