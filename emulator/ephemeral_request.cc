#include "ephemeral_request.h"

#include <string>

namespace arrow_zerobus::emulator {
namespace {

namespace zb = ::databricks::zerobus;

Status Malformed(const std::string& what, const char* message = "EphemeralStreamRequest") {
  return Status(StatusCode::kInvalidArgument, ErrorKind::kTransmission,
                "Malformed " + std::string(message) + ": " + what);
}

void Reset(EphemeralRequest* out) {
  out->kind = EphemeralRequest::Kind::kNone;
  out->create.Clear();
  out->resume.Clear();
  out->has_offset = false;
  out->offset_id = 0;
  out->payload = EphemeralRequest::Payload::kNone;
  out->records.clear();
}

template <typename RepeatedT>
void ViewRecords(const RepeatedT& records, EphemeralRequest* out) {
  out->records.reserve(static_cast<size_t>(records.size()));
  for (const std::string& record : records) out->records.emplace_back(record);
}

void ReadIngestRecord(const zb::IngestRecordRequest& ingest, EphemeralRequest* out) {
  out->kind = EphemeralRequest::Kind::kIngestRecord;
  out->has_offset = ingest.has_offset_id();
  out->offset_id = ingest.offset_id();
  if (ingest.has_proto_encoded_record()) {
    out->payload = EphemeralRequest::Payload::kProto;
    out->records.emplace_back(ingest.proto_encoded_record());
  } else if (ingest.has_json_record()) {
    out->payload = EphemeralRequest::Payload::kJson;
    out->records.emplace_back(ingest.json_record());
  }
}

void ReadIngestBatch(const zb::IngestRecordBatchRequest& ingest, EphemeralRequest* out) {
  out->kind = EphemeralRequest::Kind::kIngestRecordBatch;
  out->has_offset = ingest.has_offset_id();
  out->offset_id = ingest.offset_id();
  if (ingest.has_proto_encoded_batch()) {
    out->payload = EphemeralRequest::Payload::kProto;
    ViewRecords(ingest.proto_encoded_batch().records(), out);
  } else if (ingest.has_json_batch()) {
    out->payload = EphemeralRequest::Payload::kJson;
    ViewRecords(ingest.json_batch().records(), out);
  }
}

// ReadFast maps the codec's enums onto ours by value.
static_assert(static_cast<int>(zerobus::ParsedRequest::Kind::kIngestRecordBatch) ==
              static_cast<int>(EphemeralRequest::Kind::kIngestRecordBatch));
static_assert(static_cast<int>(zerobus::ParsedRequest::Payload::kJson) ==
              static_cast<int>(EphemeralRequest::Payload::kJson));

}  // namespace

Status EphemeralRequestReader::Read(std::string_view bytes, EphemeralRequest* out) {
  Reset(out);
  if (persistent_) return ReadPersistent(bytes, out);
  return fast_ ? ReadFast(bytes, out) : ReadGenerated(bytes, out);
}

Status EphemeralRequestReader::ReadGenerated(std::string_view bytes, EphemeralRequest* out) {
  if (!generated_.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Malformed("the bytes do not parse as databricks.zerobus.EphemeralStreamRequest");
  }
  using Request = zb::EphemeralStreamRequest;
  switch (generated_.payload_case()) {
    case Request::kCreateStream:
      out->kind = EphemeralRequest::Kind::kCreateStream;
      out->create = generated_.create_stream();
      break;
    case Request::kIngestRecord:
      ReadIngestRecord(generated_.ingest_record(), out);
      break;
    case Request::kIngestRecordBatch:
      ReadIngestBatch(generated_.ingest_record_batch(), out);
      break;
    case Request::PAYLOAD_NOT_SET:
      break;
  }
  return Status::OK();
}

Status EphemeralRequestReader::ReadPersistent(std::string_view bytes, EphemeralRequest* out) {
  if (!persistent_request_.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Malformed("the bytes do not parse as databricks.zerobus.PersistentStreamRequest",
                     "PersistentStreamRequest");
  }
  using Request = zb::PersistentStreamRequest;
  switch (persistent_request_.payload_case()) {
    case Request::kCreateStream:
      out->kind = EphemeralRequest::Kind::kCreateStream;
      out->create = persistent_request_.create_stream().create_stream();
      break;
    case Request::kResumeStream:
      out->kind = EphemeralRequest::Kind::kResumeStream;
      out->resume = persistent_request_.resume_stream();
      break;
    case Request::kIngestRecord:
      ReadIngestRecord(persistent_request_.ingest_record(), out);
      break;
    case Request::kIngestRecordBatch:
      ReadIngestBatch(persistent_request_.ingest_record_batch(), out);
      break;
    case Request::PAYLOAD_NOT_SET:
      break;
  }
  return Status::OK();
}

Status EphemeralRequestReader::ReadFast(std::string_view bytes, EphemeralRequest* out) {
  ARROW_ZEROBUS_RETURN_NOT_OK(zerobus::ParseStreamRequest(bytes, &parsed_));
  using Parsed = zerobus::ParsedRequest;
  out->kind = static_cast<EphemeralRequest::Kind>(parsed_.kind);
  if (parsed_.kind == Parsed::Kind::kCreateStream &&
      !out->create.ParseFromArray(parsed_.create_stream.data(),
                                  static_cast<int>(parsed_.create_stream.size()))) {
    return Malformed("create_stream does not parse");
  }
  out->has_offset = parsed_.has_offset;
  out->offset_id = parsed_.offset_id;
  out->payload = static_cast<EphemeralRequest::Payload>(parsed_.payload);
  out->records.swap(parsed_.records);
  return Status::OK();
}

}  // namespace arrow_zerobus::emulator
