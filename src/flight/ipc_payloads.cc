#include "flight/ipc_payloads.h"

#include <algorithm>
#include <cstring>

#include <arrow/compute/api.h>
#include <arrow/ipc/dictionary.h>
#include <arrow/ipc/writer.h>
#include <arrow/util/bit_util.h>
#include <arrow/util/compression.h>

#include "common/compression_level.h"

#include "encode/array_decoding.h"
namespace arrow_zerobus::flight {
namespace {

Status FromArrow(const arrow::Status& status, const std::string& action) {
  return ConversionError(action + " failed: " + status.ToString());
}

/// `type` with every dictionary type replaced by its value type, at any depth.
std::shared_ptr<arrow::DataType> Hydrated(const std::shared_ptr<arrow::DataType>& type) {
  if (type->id() == arrow::Type::DICTIONARY) {
    return Hydrated(static_cast<const arrow::DictionaryType&>(*type).value_type());
  }
  if (type->num_fields() == 0) return type;
  std::vector<std::shared_ptr<arrow::Field>> fields;
  bool changed = false;
  for (const auto& field : type->fields()) {
    auto hydrated = Hydrated(field->type());
    changed = changed || hydrated != field->type();
    fields.push_back(field->WithType(std::move(hydrated)));
  }
  if (!changed) return type;
  // Types WithChildFields does not rebuild keep their dictionaries and are refused below.
  return encode::internal::WithChildFields(*type, fields);
}

bool ContainsDictionary(const arrow::DataType& type) {
  if (type.id() == arrow::Type::DICTIONARY) return true;
  for (const auto& field : type.fields()) {
    if (ContainsDictionary(*field->type())) return true;
  }
  return false;
}

int64_t PaddedLength(const std::vector<std::shared_ptr<arrow::Buffer>>& buffers) {
  int64_t total = 0;
  for (const auto& buffer : buffers) {
    if (buffer != nullptr) total += arrow::bit_util::RoundUpToMultipleOf8(buffer->size());
  }
  return total;
}

Result<IpcMessage> ToMessage(arrow::ipc::IpcPayload payload, int64_t first_row, int64_t num_rows) {
  // The body is laid out here, so check that Arrow's own length agrees with that layout.
  if (PaddedLength(payload.body_buffers) != payload.body_length) {
    return InternalError("Arrow IPC body of " + std::to_string(payload.body_length) +
                         " bytes does not match its buffers padded to 8 bytes (" +
                         std::to_string(PaddedLength(payload.body_buffers)) + ")");
  }
  IpcMessage message;
  message.data_header = std::move(payload.metadata);
  message.body_buffers = std::move(payload.body_buffers);
  message.body_length = payload.body_length;
  message.first_row = first_row;
  message.num_rows = num_rows;
  return message;
}

Result<arrow::Compression::type> CompressionOf(IpcCompression compression) {
  switch (compression) {
    case IpcCompression::kNone:
      return arrow::Compression::UNCOMPRESSED;
    case IpcCompression::kLz4Frame:
      return arrow::Compression::LZ4_FRAME;
    case IpcCompression::kZstd:
      return arrow::Compression::ZSTD;
  }
  return ConfigurationError("unknown IPC compression " +
                            std::to_string(static_cast<int>(compression)));
}

}  // namespace

void IpcMessage::AppendBody(std::string* out) const {
  static constexpr char kZeros[8] = {};
  out->reserve(out->size() + static_cast<size_t>(body_length));
  for (const auto& buffer : body_buffers) {
    if (buffer == nullptr) continue;
    out->append(reinterpret_cast<const char*>(buffer->data()), static_cast<size_t>(buffer->size()));
    const int64_t padding = arrow::bit_util::RoundUpToMultipleOf8(buffer->size()) - buffer->size();
    out->append(kZeros, static_cast<size_t>(padding));
  }
}

Result<std::shared_ptr<arrow::Buffer>> IpcMessage::Body() const {
  if (body_buffers.size() == 1 && body_buffers[0] != nullptr &&
      body_buffers[0]->size() == body_length) {
    return body_buffers[0];
  }
  auto body = arrow::AllocateBuffer(body_length);
  if (!body.ok()) return FromArrow(body.status(), "allocating a message body");
  uint8_t* p = (*body)->mutable_data();
  for (const auto& buffer : body_buffers) {
    // An empty buffer adds nothing (and may have no data pointer, which memcpy must not get).
    if (buffer == nullptr || buffer->size() == 0) continue;
    std::memcpy(p, buffer->data(), static_cast<size_t>(buffer->size()));
    const int64_t padded = arrow::bit_util::RoundUpToMultipleOf8(buffer->size());
    std::memset(p + buffer->size(), 0, static_cast<size_t>(padded - buffer->size()));
    p += padded;
  }
  return std::shared_ptr<arrow::Buffer>(std::move(*body));
}

int64_t IpcMessage::wire_bytes() const {
  return (data_header == nullptr ? 0 : data_header->size()) + body_length;
}

int64_t BodyBytes(const std::vector<IpcMessage>& messages) {
  int64_t total = 0;
  for (const auto& message : messages) total += message.body_length;
  return total;
}

Result<IpcPayloadEncoder> IpcPayloadEncoder::Make(const std::shared_ptr<arrow::Schema>& schema,
                                                  const IpcPayloadOptions& options) {
  if (options.max_body_bytes < 1) {
    return ConfigurationError("the Arrow message body limit must be at least 1 byte, not " +
                              std::to_string(options.max_body_bytes));
  }
  IpcPayloadEncoder encoder;
  encoder.declared_ = schema;
  encoder.max_body_bytes_ = options.max_body_bytes;
  std::vector<std::shared_ptr<arrow::Field>> fields;
  bool hydrated = false;
  for (const auto& field : schema->fields()) {
    auto type = Hydrated(field->type());
    if (ContainsDictionary(*type)) {
      return ConfigurationError("column '" + field->name() + "' has Arrow type " +
                                field->type()->ToString() +
                                ", whose dictionary cannot be hydrated for Arrow Flight");
    }
    hydrated = hydrated || type != field->type();
    fields.push_back(field->WithType(std::move(type)));
  }
  encoder.hydrated_ = hydrated ? arrow::schema(std::move(fields), schema->metadata()) : schema;

  // Compression on the caller's thread: no work is handed to Arrow's thread pool.
  encoder.plain_options_ = arrow::ipc::IpcWriteOptions::Defaults();
  encoder.plain_options_.use_threads = false;
  encoder.write_options_ = encoder.plain_options_;
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(const auto compression, CompressionOf(options.compression));
  ARROW_ZEROBUS_RETURN_NOT_OK(CheckCompressionLevel(compression, options.compression_level));
  if (compression != arrow::Compression::UNCOMPRESSED) {
    auto codec = options.compression_level.has_value()
                     ? arrow::util::Codec::Create(compression, *options.compression_level)
                     : arrow::util::Codec::Create(compression);
    if (!codec.ok()) {
      return ConfigurationError("Arrow IPC compression " +
                                arrow::util::Codec::GetCodecAsString(compression) +
                                " is not available: " + codec.status().ToString());
    }
    encoder.write_options_.codec = std::shared_ptr<arrow::util::Codec>(std::move(*codec));
  }

  arrow::ipc::IpcPayload payload;
  const arrow::ipc::DictionaryFieldMapper mapper(*encoder.hydrated_);
  arrow::Status st =
      arrow::ipc::GetSchemaPayload(*encoder.hydrated_, encoder.write_options_, mapper, &payload);
  if (!st.ok()) return FromArrow(st, "writing the Arrow schema message");
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(encoder.schema_message_, ToMessage(std::move(payload), 0, 0));
  return encoder;
}

Result<std::vector<IpcMessage>> IpcPayloadEncoder::EncodeBatch(
    const arrow::RecordBatch& batch) const {
  const arrow::Schema& actual = *batch.schema();
  bool same = actual.num_fields() == declared_->num_fields();
  for (int i = 0; same && i < actual.num_fields(); ++i) {
    same = actual.field(i)->Equals(*declared_->field(i), /*check_metadata=*/false);
  }
  if (!same) {
    return ConversionError("batch schema " + actual.ToString() +
                           " differs from the stream's schema " + declared_->ToString());
  }
  std::vector<IpcMessage> out;
  if (batch.num_rows() == 0) return out;

  std::shared_ptr<arrow::RecordBatch> hydrated;
  if (hydrated_ == declared_) {
    hydrated = batch.Slice(0);
  } else {
    encode::internal::EnsureComputeInitialized();
    std::vector<std::shared_ptr<arrow::Array>> columns;
    for (int i = 0; i < batch.num_columns(); ++i) {
      const auto& target = hydrated_->field(i)->type();
      std::shared_ptr<arrow::Array> column = batch.column(i);
      if (!column->type()->Equals(*target)) {
        auto cast = arrow::compute::Cast(*column, target);
        if (!cast.ok()) {
          return FromArrow(cast.status(), "hydrating the dictionary of column '" +
                                              hydrated_->field(i)->name() + "'");
        }
        column = std::move(*cast);
      }
      columns.push_back(std::move(column));
    }
    hydrated = arrow::RecordBatch::Make(hydrated_, batch.num_rows(), std::move(columns));
  }
  ARROW_ZEROBUS_RETURN_NOT_OK(EncodeRows(*hydrated, 0, hydrated->num_rows(), &out));
  return out;
}

Status IpcPayloadEncoder::EncodeRows(const arrow::RecordBatch& batch, int64_t first, int64_t count,
                                     std::vector<IpcMessage>* out) const {
  const std::shared_ptr<arrow::RecordBatch> slice = batch.Slice(first, count);
  // The uncompressed size decides most splits: it costs no compression work.
  arrow::ipc::IpcPayload payload;
  arrow::Status st = arrow::ipc::GetRecordBatchPayload(*slice, plain_options_, &payload);
  if (!st.ok()) return FromArrow(st, "writing an Arrow record batch message");
  bool too_large = payload.body_length > max_body_bytes_ && count > 1;
  if (!too_large && write_options_.codec != nullptr) {
    payload = arrow::ipc::IpcPayload();
    st = arrow::ipc::GetRecordBatchPayload(*slice, write_options_, &payload);
    if (!st.ok()) return FromArrow(st, "writing an Arrow record batch message");
    too_large = payload.body_length > max_body_bytes_ && count > 1;
  }
  if (too_large) {
    // Equal row counts per part, as many parts as the size asks for; a part that is still too
    // large (rows of very different sizes) is split again.
    const int64_t parts = std::clamp<int64_t>(
        (payload.body_length + max_body_bytes_ - 1) / max_body_bytes_, 2, count);
    const int64_t rows_per_part = (count + parts - 1) / parts;
    for (int64_t begin = first; begin < first + count; begin += rows_per_part) {
      ARROW_ZEROBUS_RETURN_NOT_OK(
          EncodeRows(batch, begin, std::min(rows_per_part, first + count - begin), out));
    }
    return Status::OK();
  }
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto message, ToMessage(std::move(payload), first, count));
  out->push_back(std::move(message));
  return Status::OK();
}

}  // namespace arrow_zerobus::flight
