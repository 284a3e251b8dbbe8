#include "flight/flight_put_protocol.h"

#include <algorithm>

#include "flight/put_messages.h"
#include "flight/put_status.h"
#include "flight_messages.pb.h"

namespace arrow_zerobus::flight {
namespace {

/// One request's rows and their IPC messages, as last encoded.
class ArrowRowsBody final : public stream::RequestBody {
 public:
  ArrowRowsBody(std::shared_ptr<const IpcPayloadEncoder> encoder,
                std::shared_ptr<arrow::RecordBatch> rows, std::vector<IpcMessage> messages)
      : encoder_(std::move(encoder)), rows_(std::move(rows)), messages_(std::move(messages)) {}

  Status Write(int64_t first_unit, int64_t* next_message_id,
               std::vector<grpc::ByteBuffer>* out) override {
    ARROW_ZEROBUS_RETURN_NOT_OK(TrimDurable(first_unit));
    for (const IpcMessage& message : messages_) {
      out->push_back(FlightDataBuffer(message, OffsetIdMetadata((*next_message_id)++)));
    }
    return Status::OK();
  }

  const std::shared_ptr<arrow::RecordBatch>& rows() const { return rows_; }

 private:
  /// Drops the messages of rows acknowledged on earlier connections, re-encoding a message that
  /// is only partly acknowledged.
  Status TrimDurable(int64_t durable_rows) {
    const auto first_unacked = std::find_if(messages_.begin(), messages_.end(), [&](const auto& m) {
      return m.first_row + m.num_rows > durable_rows;
    });
    messages_.erase(messages_.begin(), first_unacked);
    if (messages_.empty() || messages_.front().first_row >= durable_rows) return Status::OK();
    // The acknowledged rows end inside a message: encode the rest anew (rare: servers acknowledge
    // whole messages), numbering its rows as rows of the whole request.
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::vector<IpcMessage> rest,
                                   encoder_->EncodeBatch(*rows_->Slice(durable_rows)));
    for (IpcMessage& message : rest) message.first_row += durable_rows;
    messages_ = std::move(rest);
    return Status::OK();
  }

  std::shared_ptr<const IpcPayloadEncoder> encoder_;
  std::shared_ptr<arrow::RecordBatch> rows_;
  std::vector<IpcMessage> messages_;
};

int64_t WireBytes(const std::vector<IpcMessage>& messages) {
  int64_t total = 0;
  for (const IpcMessage& message : messages) total += message.wire_bytes();
  return total;
}

Status Unexpected(std::string what) {
  return Status(StatusCode::kInternal, ErrorKind::kTransmission, std::move(what),
                /*retryable=*/true);
}

}  // namespace

FlightPutProtocol::FlightPutProtocol(std::shared_ptr<const IpcPayloadEncoder> encoder)
    : encoder_(std::move(encoder)),
      schema_message_(FlightDataBuffer(encoder_->schema_message(), "")) {}

Result<std::shared_ptr<const FlightPutProtocol>> FlightPutProtocol::Make(
    const std::shared_ptr<arrow::Schema>& schema, const IpcPayloadOptions& ipc) {
  if (schema == nullptr || schema->num_fields() == 0) {
    return ConfigurationError("An Arrow Flight stream needs the Arrow schema of its rows");
  }
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(IpcPayloadEncoder encoder, IpcPayloadEncoder::Make(schema, ipc));
  return std::shared_ptr<const FlightPutProtocol>(
      new FlightPutProtocol(std::make_shared<const IpcPayloadEncoder>(std::move(encoder))));
}

Result<stream::ServerMessage> FlightPutProtocol::Read(const grpc::ByteBuffer& message,
                                                      bool opened) const {
  ::arrow::flight::protocol::PutResult result;
  grpc::Slice slice;
  if (!message.DumpToSingleSlice(&slice).ok() ||
      !result.ParseFromArray(slice.begin(), static_cast<int>(slice.size()))) {
    return Unexpected("a PutResult that does not parse");
  }
  Result<PutResultFields> fields = ParsePutResultMetadata(result.app_metadata());
  stream::ServerMessage read;
  if (!opened) {
    if (!fields.ok() || !IsReadyPutResult(*fields)) {
      return Unexpected("the server answered the schema with PutResult app_metadata '" +
                        result.app_metadata() +
                        "' instead of {\"ack_up_to_offset\":-1,\"ack_up_to_records\":0}");
    }
    read.opens = true;
    return read;
  }
  // Unreadable metadata after READY is ignored, as the SDKs do: the next ack repeats the count.
  if (!fields.ok()) return read;
  read.ack_position = fields->ack_up_to_records;
  read.close_after = fields->close_stream_duration;
  return read;
}

std::string FlightPutProtocol::DescribeAck(int64_t position) const {
  return "ack_up_to_records=" + std::to_string(position);
}

std::optional<Status> FlightPutProtocol::ExplainEnd(const grpc::Status& status, bool /*opened*/,
                                                    const std::string& table) const {
  return ExplainSchemaRefusal(status, table);
}

Result<stream::StreamRequest> FlightPutProtocol::MakeRequest(
    uint64_t tag, std::shared_ptr<arrow::RecordBatch> rows) const {
  if (rows == nullptr || rows->num_rows() == 0) {
    return Status(StatusCode::kInvalidArgument, ErrorKind::kTransmission,
                  "A request of an Arrow Flight stream needs at least one row");
  }
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::vector<IpcMessage> messages, encoder_->EncodeBatch(*rows));
  stream::StreamRequest request;
  request.tag = tag;
  request.records = rows->num_rows();
  request.units = request.records;
  request.bytes = WireBytes(messages);
  request.body = std::make_unique<ArrowRowsBody>(encoder_, std::move(rows), std::move(messages));
  return request;
}

std::shared_ptr<arrow::RecordBatch> UnackedRows(const stream::StreamEngine::Unacked& unacked) {
  const auto& rows = static_cast<const ArrowRowsBody&>(*unacked.request.body).rows();
  return unacked.durable_units > 0 ? rows->Slice(unacked.durable_units) : rows;
}

}  // namespace arrow_zerobus::flight
