#include "flight_put_service.h"

#include <filesystem>
#include <memory>
#include <string>

#include <arrow/record_batch.h>

#include "arrow_stream_file.h"
#include "bidi_stream_reactor.h"
#include "call_checks.h"
#include "flight_ipc.h"
#include "schema_refusal.h"

namespace arrow_zerobus::emulator {
namespace {

grpc::Status Invalid(std::string message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::move(message));
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
    if (mismatches->empty()) return grpc::Status::OK;
    return SchemaValidationFailed(*mismatches);
  }

  grpc::ByteBuffer OpenStreamLocked() override {
    OpenLandingFileLocked();
    return PutResultMessage(-1, 0);  // READY
  }

  void OpenLandingFileLocked() {
    const auto& dir = state().options().data_dir;
    if (dir.empty() || state().options().light) return;
    std::error_code error;
    std::filesystem::create_directories(dir / table(), error);
    auto file = ArrowStreamFile::Open(dir / table() / (stream_id() + ".arrows"), schema_);
    if (file.ok()) landing_ = std::move(file).value();
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
    }
    pending_batch_ = std::move(batch).value();
    *size = {pending_batch_->num_rows(), message->body_bytes};
    return grpc::Status::OK;
  }

  void LandRequestLocked(const RequestSize& size) override {
    if (landing_) (void)landing_->Write(*pending_batch_);
    state().LandBatch(table(), std::move(pending_batch_), size.bytes);
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
  std::shared_ptr<arrow::RecordBatch> pending_batch_;
  std::unique_ptr<ArrowStreamFile> landing_;
};

}  // namespace

grpc::ServerGenericBidiReactor* NewFlightPutReactor(EmulatorState* state,
                                                    grpc::GenericCallbackServerContext* ctx) {
  return new FlightPutReactor(state, ctx);
}

}  // namespace arrow_zerobus::emulator
