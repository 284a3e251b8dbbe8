// The Arrow wire format on Arrow Flight's DoPut, for the stream engine: the IPC schema as the
// opening message answered by READY, record batch messages tagged {"offset_id": N} from 0 per
// connection, and cumulative ack_up_to_records acks (one acknowledgement unit per row), with
// close_stream_duration_ms as the rotation signal.
#pragma once

#include <memory>
#include <string>

#include <arrow/record_batch.h>
#include <arrow/type.h>

#include "arrow_zerobus/status.h"
#include "flight/ipc_payloads.h"
#include "stream/stream_engine.h"
#include "stream/stream_protocol.h"

namespace arrow_zerobus::flight {

inline constexpr char kDoPutMethod[] = "/arrow.flight.protocol.FlightService/DoPut";

class FlightPutProtocol final : public stream::StreamProtocol {
 public:
  /// A stream declaring `schema` (the canonical Arrow schema; every batch must have exactly it).
  static Result<std::shared_ptr<const FlightPutProtocol>> Make(
      const std::shared_ptr<arrow::Schema>& schema, const IpcPayloadOptions& ipc = {});

  std::string_view label() const override { return "Arrow Flight stream"; }
  const char* method() const override { return kDoPutMethod; }
  grpc::ByteBuffer OpeningMessage(const std::string& /*resume_stream_id*/) const override {
    return schema_message_;
  }
  Result<stream::ServerMessage> Read(const grpc::ByteBuffer& message, bool opened) const override;
  std::string DescribeAck(int64_t position) const override;
  /// A schema refusal (SCHEMA_VALIDATION_FAILED in the status details) is a ConfigurationError
  /// no retry can fix, naming every cause and the service's error code.
  std::optional<Status> ExplainEnd(const grpc::Status& status, bool opened,
                                   const std::string& table) const override;

  /// Encodes rows of the stream's schema (at least one) into the engine's request, acknowledged
  /// row by row.
  Result<stream::StreamRequest> MakeRequest(uint64_t tag,
                                            std::shared_ptr<arrow::RecordBatch> rows) const;
  const std::shared_ptr<arrow::Schema>& schema() const { return encoder_->schema(); }

 private:
  FlightPutProtocol(std::shared_ptr<const IpcPayloadEncoder> encoder);

  std::shared_ptr<const IpcPayloadEncoder> encoder_;
  grpc::ByteBuffer schema_message_;
};

/// The rows of an unacknowledged request of this format that did not land.
std::shared_ptr<arrow::RecordBatch> UnackedRows(const stream::StreamEngine::Unacked& unacked);

}  // namespace arrow_zerobus::flight
