#include "ingest_service.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include <arrow/record_batch.h>
#include <grpcpp/support/byte_buffer.h>
#include <nlohmann/json.hpp>

#include "arrow_stream_file.h"
#include "bidi_stream_reactor.h"
#include "call_checks.h"
#include "common/happens_before.h"
#include "ephemeral_request.h"
#include "flight_put_service.h"
#include "record_decoder.h"
#include "record_rows.h"
#include "zerobus_service.pb.h"

namespace arrow_zerobus::emulator {
namespace {

namespace zb = ::databricks::zerobus;

constexpr char kMethod[] = "/databricks.zerobus.Zerobus/EphemeralStream";

grpc::Status Invalid(std::string message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::move(message));
}

grpc::ByteBuffer Serialize(const zb::EphemeralStreamResponse& response) {
  std::string bytes = response.SerializeAsString();
  grpc::Slice slice(std::move(bytes));
  return grpc::ByteBuffer(&slice, 1);
}

std::string_view RecordTypeName(zb::RecordType type) { return type == zb::JSON ? "JSON" : "PROTO"; }

grpc::Status LandingFailed(const Status& status) {
  return ToGrpc(InternalError("Cannot land the request: " + status.message()));
}

// One EphemeralStream RPC: create_stream opens it, ingest requests carry records with offsets,
// acks are durability_ack_up_to_offset.
class EphemeralStreamReactor final : public BidiStreamReactor {
 public:
  EphemeralStreamReactor(EmulatorState* state, grpc::GenericCallbackServerContext* ctx)
      : BidiStreamReactor(state, ctx), reader_(state->options().light) {}

 private:
  // ---- create_stream ----

  grpc::Status CheckSetupLocked(grpc::ByteBuffer* message) override {
    if (grpc::Status parsed = ReadLocked(message); !parsed.ok()) return parsed;
    if (request_.kind != EphemeralRequest::Kind::kCreateStream) {
      return Invalid("The first message of a stream must be create_stream");
    }
    const zb::CreateIngestStreamRequest& create = request_.create;
    std::string header;
    if (grpc::Status read = ReadTableHeader(&header); !read.ok()) return read;
    if (!create.has_table_name() || create.table_name() != header) {
      return Invalid("create_stream names table '" + create.table_name() + "' but the " +
                     kTableHeader + " header names '" + header + "'");
    }
    if (grpc::Status admitted = AdmitCallerLocked(create.table_name()); !admitted.ok()) {
      return admitted;
    }
    record_type_ = create.has_record_type() ? create.record_type() : zb::PROTO;
    if (record_type_ != zb::PROTO && record_type_ != zb::JSON) {
      return Invalid("record_type must be PROTO or JSON, not " +
                     std::to_string(static_cast<int>(record_type_)));
    }
    if (record_type_ == zb::PROTO) return SetUpProtoLocked(create.descriptor_proto());
    return grpc::Status::OK;
  }

  grpc::Status SetUpProtoLocked(const std::string& descriptor_proto) {
    auto decoder = RecordDecoder::FromDescriptorProto(descriptor_proto);
    if (!decoder.ok()) return ToGrpc(decoder.status());
    decoder_ = std::move(decoder).value();
    const auto columns = state().DeclaredColumns(table());
    if (columns) {
      Status fits = CheckDescriptorFitsTable(decoder_->descriptor(), *columns);
      if (!fits.ok()) return ToGrpc(fits);
    }
    if (state().options().light) return grpc::Status::OK;
    auto rows = RecordRows::Make(decoder_->descriptor(), columns ? &*columns : nullptr);
    if (!rows.ok()) return ToGrpc(rows.status());
    rows_ = std::move(rows).value();
    return grpc::Status::OK;
  }

  grpc::Status OpenStreamLocked(grpc::ByteBuffer* reply) override {
    const bool json = record_type_ == zb::JSON;
    if (auto path = state().LandingPath(table(), stream_id(), json ? ".jsonl" : ".arrows")) {
      if (json) {
        std::error_code error;
        std::filesystem::create_directories(path->parent_path(), error);
        json_landing_.open(*path, std::ios::out | std::ios::trunc);
        if (!json_landing_) {
          return LandingFailed(
              IoError("cannot create " + path->string() + (error ? ": " + error.message() : "")));
        }
        json_landing_path_ = path->string();
      } else {
        auto file = ArrowStreamFile::Open(*path, rows_->schema());
        if (!file.ok()) return LandingFailed(file.status());
        landing_ = std::move(file).value();
      }
    }
    zb::EphemeralStreamResponse created;
    created.mutable_create_stream_response()->set_stream_id(stream_id());
    *reply = Serialize(created);
    return grpc::Status::OK;
  }

  void OnRpcDoneLocked() override {
    landing_.reset();  // writes the end-of-stream marker
  }

  // ---- ingest requests ----

  grpc::Status CheckRequestLocked(grpc::ByteBuffer* message, RequestSize* size) override {
    if (grpc::Status parsed = ReadLocked(message); !parsed.ok()) return parsed;
    if (request_.kind == EphemeralRequest::Kind::kCreateStream) {
      return Invalid("create_stream may be sent only once, as the first message");
    }
    if (grpc::Status checked = CheckIngestLocked(); !checked.ok()) return checked;
    *size = {static_cast<int64_t>(request_.records.size()), record_bytes_};
    return grpc::Status::OK;
  }

  grpc::Status LandRequestLocked(const RequestSize& size) override {
    if (landing_ != nullptr) {
      Status written = landing_->Write(*pending_rows_);
      if (!written.ok()) return LandingFailed(written);
    }
    if (json_landing_.is_open()) {
      json_landing_
          .write(pending_lines_.data(), static_cast<std::streamsize>(pending_lines_.size()))
          .flush();
      if (!json_landing_) return LandingFailed(IoError("cannot write " + json_landing_path_));
    }
    state().Land(table(), request_.records, size.bytes);
    return grpc::Status::OK;
  }

  // Reads the message into request_, whose record views stay valid until the next read.
  grpc::Status ReadLocked(grpc::ByteBuffer* message) {
    request_size_ = message->Length();
    if (!message->TrySingleSlice(&request_slice_).ok() &&
        !message->DumpToSingleSlice(&request_slice_).ok()) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "Could not read the request");
    }
    const std::string_view bytes(reinterpret_cast<const char*>(request_slice_.begin()),
                                 request_slice_.size());
    if (Status parsed = reader_.Read(bytes, &request_); !parsed.ok()) return ToGrpc(parsed);
    if (request_.kind == EphemeralRequest::Kind::kNone) {
      return Invalid("Request carries no create_stream, ingest_record or ingest_record_batch");
    }
    return grpc::Status::OK;
  }

  grpc::Status CheckIngestLocked() {
    const std::string at = "request with offset_id " + std::to_string(request_.offset_id);
    if (!opened()) return Invalid("The first message of a stream must be create_stream");
    if (!request_.has_offset) return Invalid("Ingest request without offset_id");
    if (grpc::Status next = CheckNextOffsetLocked(request_.offset_id); !next.ok()) return next;
    if (request_.payload == EphemeralRequest::Payload::kNone) {
      return Invalid("The " + at + " carries no records");
    }
    const bool json = request_.payload == EphemeralRequest::Payload::kJson;
    if (json != (record_type_ == zb::JSON)) {
      return Invalid("Record type mismatch: the stream was created for " +
                     std::string(RecordTypeName(record_type_)) + " records but the " + at +
                     " carries " + (json ? "JSON" : "PROTO") + " records");
    }
    const EmulatorOptions& options = state().options();
    if (static_cast<int64_t>(request_size_) > options.max_request_bytes) {
      return Invalid("The " + at + " is " + std::to_string(request_size_) +
                     " bytes; the maximum request size is " +
                     std::to_string(options.max_request_bytes) + " bytes");
    }
    record_bytes_ = 0;
    pending_lines_.clear();
    for (size_t i = 0; i < request_.records.size(); ++i) {
      const std::string_view record = request_.records[i];
      record_bytes_ += static_cast<int64_t>(record.size());
      // Built only for a refusal: this loop runs once per record.
      auto which = [&] { return "Record " + std::to_string(i) + " of the " + at; };
      if (static_cast<int64_t>(record.size()) > options.max_record_bytes) {
        return Invalid(which() + " is " + std::to_string(record.size()) +
                       " bytes; the maximum record size is " +
                       std::to_string(options.max_record_bytes) + " bytes");
      }
      if (options.light) continue;
      if (json) {
        auto value = nlohmann::json::parse(record, nullptr, /*allow_exceptions=*/false);
        if (!value.is_object()) return Invalid(which() + " is not a JSON object");
        if (json_landing_.is_open()) pending_lines_.append(value.dump()).push_back('\n');
        continue;
      }
      auto decoded = decoder_->Decode(record);
      if (!decoded.ok()) return Invalid(which() + ": " + decoded.status().message());
      if (Status row = rows_->Append(**decoded); !row.ok()) {
        return Invalid(which() + ": " + row.message());
      }
    }
    if (rows_ != nullptr && !options.light) {
      auto rows = rows_->TakeRows();
      if (!rows.ok()) return ToGrpc(rows.status());
      pending_rows_ = std::move(rows).value();
    }
    return grpc::Status::OK;
  }

  // ---- what the server sends ----

  grpc::ByteBuffer AckMessage(const AckPosition& ack) const override {
    zb::EphemeralStreamResponse response;
    response.mutable_ingest_record_response()->set_durability_ack_up_to_offset(ack.offset);
    return Serialize(response);
  }

  grpc::ByteBuffer CloseSignalMessage(std::chrono::milliseconds duration,
                                      const AckPosition& /*acked*/) const override {
    zb::EphemeralStreamResponse signal;
    auto* proto_duration = signal.mutable_close_stream_signal()->mutable_duration();
    proto_duration->set_seconds(duration.count() / 1000);
    proto_duration->set_nanos(static_cast<int32_t>(duration.count() % 1000) * 1000000);
    return Serialize(signal);
  }

  EphemeralRequestReader reader_;
  grpc::Slice request_slice_;
  size_t request_size_ = 0;
  EphemeralRequest request_;
  zb::RecordType record_type_ = zb::PROTO;
  std::unique_ptr<RecordDecoder> decoder_;
  std::unique_ptr<RecordRows> rows_;                  ///< PROTO streams, unless light
  std::shared_ptr<arrow::RecordBatch> pending_rows_;  ///< the rows of the request being checked
  std::unique_ptr<ArrowStreamFile> landing_;          ///< PROTO streams' landing file
  std::ofstream json_landing_;                        ///< JSON streams' landing file
  std::string json_landing_path_;
  std::string pending_lines_;  ///< the JSON records of the request being checked
  int64_t record_bytes_ = 0;
};

// Any other method: UNIMPLEMENTED at once, after the response headers as for a served one.
class UnservedMethodReactor final : public grpc::ServerGenericBidiReactor {
 public:
  explicit UnservedMethodReactor(const std::string& method) {
    StartSendInitialMetadata();
    Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                        "Method " + method + " is not served by the Zerobus emulator"));
    HappensBefore(this);
  }
  void OnDone() override {
    HappensAfter(this);  // gRPC orders it after the constructor, invisibly to ThreadSanitizer
    delete this;
  }
};

}  // namespace

// gRPC creates reactors on its threads, after the server that serves this was started, through
// synchronization ThreadSanitizer cannot see: hence the annotations.
IngestService::IngestService(EmulatorState* state) : state_(state) { HappensBefore(this); }

grpc::ServerGenericBidiReactor* IngestService::CreateReactor(
    grpc::GenericCallbackServerContext* ctx) {
  HappensAfter(this);
  if (ctx->method() == kFlightDoPutMethod) return NewFlightPutReactor(state_, ctx);
  if (ctx->method() == kMethod) return new EphemeralStreamReactor(state_, ctx);
  return new UnservedMethodReactor(ctx->method());
}

}  // namespace arrow_zerobus::emulator
