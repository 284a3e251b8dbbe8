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
#include "auth/oauth_request.h"
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
constexpr char kPersistentMethod[] = "/databricks.zerobus.Zerobus/PersistentStream";
constexpr char kRetireMethod[] = "/databricks.zerobus.Zerobus/RetireStream";

grpc::Status Invalid(std::string message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::move(message));
}

grpc::ByteBuffer Serialize(const google::protobuf::MessageLite& response) {
  std::string bytes = response.SerializeAsString();
  grpc::Slice slice(std::move(bytes));
  return grpc::ByteBuffer(&slice, 1);
}

std::string_view RecordTypeName(zb::RecordType type) { return type == zb::JSON ? "JSON" : "PROTO"; }

Status CannotLand(const Status& status) {
  return InternalError("Cannot land the request: " + status.message());
}

grpc::Status LandingFailed(const Status& status) { return ToGrpc(CannotLand(status)); }

// One EphemeralStream RPC: create_stream opens it, ingest requests carry records with offsets,
// acks are durability_ack_up_to_offset. Or one PersistentStream RPC: the same, except that the
// stream outlives the call. create_stream registers it under a new id, resume_stream continues it
// on this call at the offset after the last one it committed; each request commits its offset
// once (PersistentStreams), so its rows land once whatever the connections do.
class EphemeralStreamReactor final : public BidiStreamReactor {
 public:
  EphemeralStreamReactor(EmulatorState* state, grpc::GenericCallbackServerContext* ctx,
                         bool persistent)
      : BidiStreamReactor(state, ctx),
        persistent_(persistent),
        reader_(state->options().light, persistent),
        owner_(persistent ? state->persistent_streams().NewOwner() : 0) {}

 private:
  // ---- create_stream and resume_stream ----

  const char* FirstMessages() const {
    return persistent_ ? "create_stream or resume_stream" : "create_stream";
  }

  grpc::Status CheckSetupLocked(grpc::ByteBuffer* message) override {
    if (grpc::Status parsed = ReadLocked(message); !parsed.ok()) return parsed;
    if (request_.kind == EphemeralRequest::Kind::kResumeStream) return CheckResumeLocked();
    if (request_.kind != EphemeralRequest::Kind::kCreateStream) {
      return Invalid("The first message of a stream must be " + std::string(FirstMessages()));
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
    created_descriptor_ = create.descriptor_proto();
    if (record_type_ == zb::PROTO) return SetUpProtoLocked(create.descriptor_proto());
    return grpc::Status::OK;
  }

  grpc::Status CheckResumeLocked() {
    const zb::ResumeIngestStreamRequest& resume = request_.resume;
    if (resume.stream_id().empty()) return Invalid("resume_stream needs a stream_id");
    std::string table;
    if (grpc::Status read = ReadTableHeader(&table); !read.ok()) return read;
    if (grpc::Status admitted = AdmitCallerLocked(table); !admitted.ok()) return admitted;
    record_type_ = resume.has_record_type() ? resume.record_type() : zb::PROTO;
    // Checked only: the stream is taken over when this connection opens (OpenStreamLocked), so
    // that a resume refused later (a scripted fault, a landing file) leaves it to its owner.
    auto committed = state().persistent_streams().CheckResume(
        resume.stream_id(), table, record_type_, resume.descriptor_proto());
    if (!committed.ok()) return ToGrpc(committed.status());
    resumed_ = true;
    resumed_descriptor_ = resume.descriptor_proto();
    ContinueStreamLocked(resume.stream_id(), *committed);
    if (record_type_ == zb::PROTO) return SetUpProtoLocked(resume.descriptor_proto());
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
    // A persistent stream lands in one file per connection: <stream id>-<connection uuid>, new
    // across restarts of the emulator too.
    const std::string file_name =
        persistent_ ? stream_id() + "-" + state().NewStreamId() : stream_id();
    if (auto path = state().LandingPath(table(), file_name, json ? ".jsonl" : ".arrows")) {
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
    if (!persistent_) {
      zb::EphemeralStreamResponse created;
      created.mutable_create_stream_response()->set_stream_id(stream_id());
      *reply = Serialize(created);
      return grpc::Status::OK;
    }
    zb::PersistentStreamResponse opened;
    if (resumed_) {
      // The committed offset now: the earlier connection may have committed more meanwhile.
      auto committed = state().persistent_streams().Resume(stream_id(), table(), record_type_,
                                                           resumed_descriptor_, owner_);
      if (!committed.ok()) return ToGrpc(committed.status());
      committed_ = *committed;
      ContinueStreamLocked(stream_id(), committed_);
      auto* resumed = opened.mutable_resume_stream_response();
      if (committed_ >= 0) resumed->set_last_committed_offset(committed_);
    } else {
      PersistentStreamState created{table(), record_type_, created_descriptor_};
      Status registered = state().persistent_streams().Create(stream_id(), created, owner_);
      if (!registered.ok()) return LandingFailed(registered);
      opened.mutable_create_stream_response()->set_stream_id(stream_id());
    }
    *reply = Serialize(opened);
    return grpc::Status::OK;
  }

  void OnRpcDoneLocked() override {
    landing_.reset();  // writes the end-of-stream marker
  }

  // ---- ingest requests ----

  grpc::Status CheckRequestLocked(grpc::ByteBuffer* message, RequestSize* size) override {
    if (grpc::Status parsed = ReadLocked(message); !parsed.ok()) return parsed;
    if (request_.kind == EphemeralRequest::Kind::kCreateStream ||
        request_.kind == EphemeralRequest::Kind::kResumeStream) {
      return Invalid(std::string(FirstMessages()) + " may be sent only once, as the first message");
    }
    if (grpc::Status checked = CheckIngestLocked(); !checked.ok()) return checked;
    *size = {static_cast<int64_t>(request_.records.size()), record_bytes_};
    return grpc::Status::OK;
  }

  grpc::Status LandRequestLocked(const RequestSize& size) override {
    if (!persistent_) return ToGrpc(LandLocked(size));
    // Checked and landed under the registry's lock: no other connection of the stream (a later
    // resume) lands in between, and an offset commits once.
    Status committed = state().persistent_streams().Commit(stream_id(), owner_, request_.offset_id,
                                                           [&] { return LandLocked(size); });
    return ToGrpc(committed);
  }

  Status LandLocked(const RequestSize& size) {
    if (landing_ != nullptr) {
      Status written = landing_->Write(*pending_rows_);
      if (!written.ok()) return CannotLand(written);
    }
    if (json_landing_.is_open()) {
      json_landing_
          .write(pending_lines_.data(), static_cast<std::streamsize>(pending_lines_.size()))
          .flush();
      if (!json_landing_) return CannotLand(IoError("cannot write " + json_landing_path_));
    }
    state().Land(table(), request_.records, size.bytes);
    return Status::OK();
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
      return Invalid(std::string("Request carries no ") +
                     (persistent_ ? "create_stream, resume_stream" : "create_stream") +
                     ", ingest_record or ingest_record_batch");
    }
    return grpc::Status::OK;
  }

  grpc::Status CheckIngestLocked() {
    const std::string at = "request with offset_id " + std::to_string(request_.offset_id);
    if (!opened()) {
      return Invalid("The first message of a stream must be " + std::string(FirstMessages()));
    }
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
    if (persistent_) {
      zb::PersistentStreamResponse response;
      response.mutable_ingest_record_response()->set_durability_ack_up_to_offset(ack.offset);
      return Serialize(response);
    }
    zb::EphemeralStreamResponse response;
    response.mutable_ingest_record_response()->set_durability_ack_up_to_offset(ack.offset);
    return Serialize(response);
  }

  grpc::ByteBuffer CloseSignalMessage(std::chrono::milliseconds duration,
                                      const AckPosition& /*acked*/) const override {
    zb::CloseStreamSignal signal;
    signal.mutable_duration()->set_seconds(duration.count() / 1000);
    signal.mutable_duration()->set_nanos(static_cast<int32_t>(duration.count() % 1000) * 1000000);
    if (persistent_) {
      zb::PersistentStreamResponse response;
      *response.mutable_close_stream_signal() = std::move(signal);
      return Serialize(response);
    }
    zb::EphemeralStreamResponse response;
    *response.mutable_close_stream_signal() = std::move(signal);
    return Serialize(response);
  }

  const bool persistent_;
  EphemeralRequestReader reader_;
  const uint64_t owner_;  ///< this connection, for PersistentStreams (0: ephemeral)
  bool resumed_ = false;
  int64_t committed_ = -1;          ///< a resumed stream's committed offset when it resumed
  std::string created_descriptor_;  ///< what a persistent create registers
  std::string resumed_descriptor_;  ///< what a persistent resume asked with
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

// RetireStream, a unary call: one RetireStreamRequest, an empty reply or the refusal.
class RetireStreamReactor final : public grpc::ServerGenericBidiReactor {
 public:
  RetireStreamReactor(EmulatorState* state, grpc::GenericCallbackServerContext* ctx)
      : state_(state), ctx_(ctx) {
    StartRead(&request_);
    HappensBefore(this);
  }

  void OnReadDone(bool ok) override {
    const HappensBeforeOnExit before_on_done(this);
    if (!ok) {
      Finish(Invalid("RetireStream needs a RetireStreamRequest"));
      return;
    }
    const grpc::Status retired = Retire();
    if (!retired.ok()) {
      Finish(retired);
      return;
    }
    response_ = Serialize(zb::RetireStreamResponse());
    StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
  }

  void OnDone() override {
    HappensAfter(this);  // gRPC orders it after the other reactions, invisibly to ThreadSanitizer
    EmulatorState* const state = state_;
    delete this;
    HappensBefore(state);  // the Emulator's destructor comes after, once gRPC has shut down
  }

 private:
  grpc::Status Retire() {
    grpc::Slice slice;
    zb::RetireStreamRequest request;
    if (!request_.DumpToSingleSlice(&slice).ok() ||
        !request.ParseFromArray(slice.begin(), static_cast<int>(slice.size()))) {
      return Invalid("Malformed RetireStreamRequest");
    }
    if (request.stream_id().empty()) return Invalid("RetireStream needs a stream_id");
    if (auto name = auth::ParseTableName(request.table_name()); !name.ok()) {
      return ToGrpc(name.status());
    }
    if (grpc::Status caller = CheckCaller(state_, *ctx_, request.table_name()); !caller.ok()) {
      return caller;
    }
    return ToGrpc(state_->persistent_streams().Retire(request.table_name(), request.stream_id()));
  }

  EmulatorState* const state_;
  grpc::GenericCallbackServerContext* const ctx_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
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
  if (ctx->method() == kMethod) return new EphemeralStreamReactor(state_, ctx, false);
  if (ctx->method() == kPersistentMethod) return new EphemeralStreamReactor(state_, ctx, true);
  if (ctx->method() == kRetireMethod) return new RetireStreamReactor(state_, ctx);
  return new UnservedMethodReactor(ctx->method());
}

}  // namespace arrow_zerobus::emulator
