#include "flight_put_service.h"

#include <memory>
#include <string>
#include <vector>

#include <arrow/record_batch.h>

#include "arrow_stream_file.h"
#include "arrow_value_checks.h"
#include "bidi_stream_reactor.h"
#include "call_checks.h"
#include "flight_ipc.h"
#include "schema_refusal.h"

namespace arrow_zerobus::emulator {
namespace {

grpc::Status Invalid(std::string message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::move(message));
}

grpc::Status LandingFailed(const Status& status) {
  return ToGrpc(InternalError("Cannot land the request: " + status.message()));
}

// One DoPut RPC: the IPC schema opens it (answered by READY), record batches tagged with
// offset_id follow, acks are PutResults with cumulative rows.
class FlightPutReactor final : public BidiStreamReactor {
 public:
  FlightPutReactor(EmulatorState* state, grpc::GenericCallbackServerContext* ctx)
      : BidiStreamReactor(state, ctx) {}

 private:
  // ---- setup: the schema message, then READY ----

  grpc::Status CheckSetupLocked(grpc::ByteBuffer* buffer) override {
    auto message = ReadFlightData(buffer);
    if (!message.ok()) return ToGrpc(message.status());
    std::string header;
    if (grpc::Status read = ReadTableHeader(&header); !read.ok()) return read;
    if (grpc::Status admitted = AdmitCallerLocked(header); !admitted.ok()) return admitted;

    if (message->ipc == nullptr || message->ipc->type() != arrow::ipc::MessageType::SCHEMA) {
      return Invalid(
          "The first FlightData of a DoPut must carry the Arrow IPC schema message, not " +
          DescribeMessage(*message));
    }
    auto schema = ReadSchemaMessage(*message->ipc);
    if (!schema.ok()) return ToGrpc(schema.status());
    schema_ = *schema;
    if (auto field = FindDictionaryField(*schema_)) {
      return Invalid("Field '" + *field +
                     "' is dictionary-encoded, but Zerobus takes no dictionary messages: "
                     "send its values as a plain array");
    }
    return CheckSchemaFitsLocked();
  }

  grpc::Status CheckSchemaFitsLocked() {
    const auto columns = state().DeclaredColumns(table());
    if (!columns) return grpc::Status::OK;  // an undeclared (accepted) table takes any schema
    auto mismatches = CheckArrowSchemaFitsTable(*schema_, *columns);
    if (!mismatches.ok()) return ToGrpc(mismatches.status());
    if (!mismatches->empty()) return SchemaValidationFailed(*mismatches);
    auto parsed = ParseColumns(*columns);
    if (!parsed.ok()) return ToGrpc(parsed.status());
    columns_ = std::move(parsed).value();
    return grpc::Status::OK;
  }

  grpc::Status OpenStreamLocked(grpc::ByteBuffer* reply) override {
    if (auto path = state().LandingPath(table(), stream_id(), ".arrows")) {
      auto file = ArrowStreamFile::Open(*path, schema_);
      if (!file.ok()) return LandingFailed(file.status());
      landing_ = std::move(file).value();
    }
    *reply = PutResultMessage(-1, 0);  // READY
    return grpc::Status::OK;
  }

  void OnRpcDoneLocked() override {
    landing_.reset();  // writes the end-of-stream marker
  }

  // ---- data messages ----

  grpc::Status CheckRequestLocked(grpc::ByteBuffer* buffer, RequestSize* size) override {
    auto message = ReadFlightData(buffer);
    if (!message.ok()) return ToGrpc(message.status());
    if (!opened()) {
      return Invalid("A data FlightData arrived before the stream was ready (the first PutResult)");
    }
    auto offset = ParseOffsetId(message->app_metadata);
    if (!offset.ok()) return ToGrpc(offset.status());
    if (grpc::Status next = CheckNextOffsetLocked(*offset); !next.ok()) return next;
    const std::string at = "The FlightData with offset_id " + std::to_string(*offset);
    if (message->ipc != nullptr &&
        message->ipc->type() == arrow::ipc::MessageType::DICTIONARY_BATCH) {
      return Invalid(at +
                     " carries an Arrow dictionary batch; dictionary messages are not supported "
                     "(send dictionary-encoded columns as plain arrays)");
    }
    if (message->ipc == nullptr || message->ipc->type() != arrow::ipc::MessageType::RECORD_BATCH) {
      return Invalid(at + " carries " + DescribeMessage(*message) + ", not a record batch");
    }
    // Read with the stream's schema, so a batch that decodes has exactly the declared schema.
    auto batch = ReadBatchMessage(*message->ipc, schema_);
    if (!batch.ok()) {
      return Invalid(at +
                     " is not a record batch of the stream's schema: " + batch.status().message());
    }
    if ((*batch)->num_rows() == 0) return Invalid(at + " carries a record batch with no rows");
    if (!state().options().light) {
      const arrow::Status valid = (*batch)->ValidateFull();
      if (!valid.ok()) return Invalid(at + " carries invalid Arrow data: " + valid.message());
      if (Status values = CheckBatchValues(**batch, columns_); !values.ok()) {
        return Invalid(at + ": " + values.message());
      }
    }
    pending_batch_ = std::move(batch).value();
    *size = {pending_batch_->num_rows(), message->body_bytes};
    return grpc::Status::OK;
  }

  grpc::Status LandRequestLocked(const RequestSize& size) override {
    if (landing_ != nullptr) {
      Status written = landing_->Write(*pending_batch_);
      if (!written.ok()) return LandingFailed(written);
    }
    state().LandBatch(table(), std::move(pending_batch_), size.bytes);
    return grpc::Status::OK;
  }

  // ---- what the server sends ----

  grpc::ByteBuffer AckMessage(const AckPosition& ack) const override {
    return PutResultMessage(ack.offset, ack.records);
  }

  // A close signal repeats the latest ack, so that it parses as an ack too.
  grpc::ByteBuffer CloseSignalMessage(std::chrono::milliseconds duration,
                                      const AckPosition& acked) const override {
    return PutResultMessage(acked.offset, acked.records, duration.count());
  }

  std::shared_ptr<arrow::Schema> schema_;
  std::vector<UcType::Field> columns_;  ///< the declared table's; empty for undeclared tables
  std::shared_ptr<arrow::RecordBatch> pending_batch_;
  std::unique_ptr<ArrowStreamFile> landing_;
};

}  // namespace

grpc::ServerGenericBidiReactor* NewFlightPutReactor(EmulatorState* state,
                                                    grpc::GenericCallbackServerContext* ctx) {
  return new FlightPutReactor(state, ctx);
}

}  // namespace arrow_zerobus::emulator
