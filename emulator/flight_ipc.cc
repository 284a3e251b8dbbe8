#include "flight_ipc.h"

#include <arrow/buffer.h>
#include <arrow/ipc/dictionary.h>
#include <arrow/ipc/options.h>
#include <arrow/ipc/reader.h>
#include <arrow/memory_pool.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <nlohmann/json.hpp>

#include "flight_messages.pb.h"

namespace arrow_zerobus::emulator {
namespace {

Status Invalid(std::string message) {
  return Status(StatusCode::kInvalidArgument, ErrorKind::kTransmission, std::move(message));
}

// The largest buffer a record batch message may decode to. A compressed buffer starts with its
// uncompressed size, which Arrow allocates before decompressing: without a bound a few bytes on
// the wire could make the emulator allocate gigabytes. Far above what clients send (they split
// batches into messages of about 2 MiB of body).
constexpr int64_t kMaxDecodedBufferBytes = int64_t{256} << 20;

// The default pool, refusing any single allocation above kMaxDecodedBufferBytes. Stateless, so
// one instance serves every stream and outlives the buffers it hands out.
class BoundedAllocationPool final : public arrow::MemoryPool {
 public:
  arrow::Status Allocate(int64_t size, int64_t alignment, uint8_t** out) override {
    ARROW_RETURN_NOT_OK(Check(size));
    return pool_->Allocate(size, alignment, out);
  }
  arrow::Status Reallocate(int64_t old_size, int64_t new_size, int64_t alignment,
                           uint8_t** ptr) override {
    ARROW_RETURN_NOT_OK(Check(new_size));
    return pool_->Reallocate(old_size, new_size, alignment, ptr);
  }
  void Free(uint8_t* buffer, int64_t size, int64_t alignment) override {
    pool_->Free(buffer, size, alignment);
  }
  int64_t bytes_allocated() const override { return pool_->bytes_allocated(); }
  int64_t total_bytes_allocated() const override { return pool_->total_bytes_allocated(); }
  int64_t num_allocations() const override { return pool_->num_allocations(); }
  std::string backend_name() const override { return pool_->backend_name(); }

 private:
  static arrow::Status Check(int64_t size) {
    if (size <= kMaxDecodedBufferBytes) return arrow::Status::OK();
    return arrow::Status::Invalid("a buffer of the message decodes to ", size,
                                  " bytes (the size a compressed buffer declares), more than "
                                  "the emulator's limit of ",
                                  kMaxDecodedBufferBytes, " bytes per buffer");
  }

  arrow::MemoryPool* pool_ = arrow::default_memory_pool();
};

std::optional<std::string> FindDictionary(const arrow::Field& field, const std::string& prefix) {
  const std::string path = prefix + field.name();
  if (field.type()->id() == arrow::Type::DICTIONARY) return path;
  for (const auto& child : field.type()->fields()) {
    if (auto found = FindDictionary(*child, path + ".")) return found;
  }
  return std::nullopt;
}

}  // namespace

Result<FlightMessage> ReadFlightData(grpc::ByteBuffer* buffer) {
  ::arrow::flight::protocol::FlightData data;
  grpc::ProtoBufferReader reader(buffer);
  if (!data.ParseFromZeroCopyStream(&reader)) {
    return Invalid("The DoPut message does not parse as an Arrow Flight FlightData");
  }
  FlightMessage message;
  message.app_metadata = std::move(*data.mutable_app_metadata());
  message.body_bytes = static_cast<int64_t>(data.data_body().size());
  if (data.data_header().empty()) return message;
  // The buffers own the strings, so the message (and batches read from it) outlive `data`.
  auto opened =
      arrow::ipc::Message::Open(arrow::Buffer::FromString(std::move(*data.mutable_data_header())),
                                arrow::Buffer::FromString(std::move(*data.mutable_data_body())));
  if (!opened.ok()) {
    return Invalid("The FlightData data_header is not an Arrow IPC message: " +
                   opened.status().message());
  }
  message.ipc = std::move(opened).ValueUnsafe();
  return message;
}

std::string DescribeMessage(const FlightMessage& message) {
  if (message.ipc == nullptr) return "no IPC message";
  return "an IPC " + arrow::ipc::FormatMessageType(message.ipc->type()) + " message";
}

Result<std::shared_ptr<arrow::Schema>> ReadSchemaMessage(const arrow::ipc::Message& message) {
  arrow::ipc::DictionaryMemo memo;
  auto schema = arrow::ipc::ReadSchema(message, &memo);
  if (!schema.ok()) {
    return Invalid("The IPC schema message does not decode: " + schema.status().message());
  }
  return std::move(schema).ValueUnsafe();
}

std::optional<std::string> FindDictionaryField(const arrow::Schema& schema) {
  for (const auto& field : schema.fields()) {
    if (auto found = FindDictionary(*field, "")) return found;
  }
  return std::nullopt;
}

Result<std::shared_ptr<arrow::RecordBatch>> ReadBatchMessage(
    const arrow::ipc::Message& message, const std::shared_ptr<arrow::Schema>& schema) {
  arrow::ipc::IpcReadOptions options;
  // data_body is a protobuf string: copy a buffer only when it is not aligned for its type.
  options.ensure_alignment = arrow::ipc::Alignment::kDataTypeSpecificAlignment;
  static auto* const pool = new BoundedAllocationPool();  // never destroyed: buffers outlive it
  options.memory_pool = pool;
  // Compressed bodies are decompressed here, not on Arrow's CPU pool: this runs in a gRPC
  // reaction with the stream's lock held, which must not block on another pool's threads.
  options.use_threads = false;
  auto batch = arrow::ipc::ReadRecordBatch(message, schema, nullptr, options);
  if (!batch.ok()) return Invalid(batch.status().message());
  return std::move(batch).ValueUnsafe();
}

Result<int64_t> ParseOffsetId(std::string_view app_metadata) {
  const auto json = nlohmann::json::parse(app_metadata, nullptr, /*allow_exceptions=*/false);
  const auto offset = json.find("offset_id");  // end() unless json is an object
  if (offset == json.end() || !offset->is_number_integer() || offset->get<int64_t>() < 0) {
    return Invalid("Data FlightData must carry app_metadata {\"offset_id\": N} with N >= 0, not '" +
                   std::string(app_metadata) + "'");
  }
  return offset->get<int64_t>();
}

grpc::ByteBuffer PutResultMessage(int64_t offset, int64_t records,
                                  std::optional<int64_t> close_stream_duration_ms) {
  nlohmann::ordered_json metadata = {{"ack_up_to_offset", offset}, {"ack_up_to_records", records}};
  if (close_stream_duration_ms) metadata["close_stream_duration_ms"] = *close_stream_duration_ms;
  ::arrow::flight::protocol::PutResult result;
  result.set_app_metadata(metadata.dump());
  grpc::Slice slice(result.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace arrow_zerobus::emulator
