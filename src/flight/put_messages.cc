#include "flight/put_messages.h"

#include <memory>
#include <vector>

#include <arrow/util/bit_util.h>
#include <nlohmann/json.hpp>

#include "encode/wire_format.h"

namespace arrow_zerobus::flight {
namespace {

// Field numbers of FlightData (flight_messages.proto).
constexpr int kDataHeaderField = 2;
constexpr int kAppMetadataField = 3;
constexpr int kDataBodyField = 1000;

// A body buffer smaller than this is copied next to its framing: a slice of its own (and the
// reference that keeps the buffer alive) costs more than the copy.
constexpr int64_t kReferenceFromBytes = 4096;

constexpr size_t kQuotedMetadataLimit = 200;

void AppendVarint(std::string* out, uint64_t value) {
  uint8_t bytes[10];
  const uint8_t* end = encode::WriteVarint(value, bytes);
  out->append(reinterpret_cast<const char*>(bytes), static_cast<size_t>(end - bytes));
}

void AppendFieldKey(std::string* out, int field, uint64_t length) {
  uint8_t key[8];
  const uint8_t* end = encode::Tag(field, encode::WireType::kLengthDelimited).Write(key);
  out->append(reinterpret_cast<const char*>(key), static_cast<size_t>(end - key));
  AppendVarint(out, length);
}

void ReleaseBuffer(void* holder) { delete static_cast<std::shared_ptr<arrow::Buffer>*>(holder); }

// A slice over the buffer's memory; the slice owns a reference to the buffer.
grpc::Slice ReferenceSlice(const std::shared_ptr<arrow::Buffer>& buffer) {
  auto* holder = new std::shared_ptr<arrow::Buffer>(buffer);
  return grpc::Slice(const_cast<uint8_t*>(buffer->data()), static_cast<size_t>(buffer->size()),
                     &ReleaseBuffer, holder);
}

Status Invalid(std::string message) {
  return Status(StatusCode::kInvalidArgument, ErrorKind::kTransmission, std::move(message));
}

std::string Quoted(std::string_view text) {
  if (text.size() <= kQuotedMetadataLimit) return "'" + std::string(text) + "'";
  return "'" + std::string(text.substr(0, kQuotedMetadataLimit)) + "...'";
}

}  // namespace

std::string OffsetIdMetadata(int64_t offset_id) {
  return "{\"offset_id\":" + std::to_string(offset_id) + "}";
}

grpc::ByteBuffer FlightDataBuffer(const IpcMessage& message, std::string_view app_metadata) {
  static constexpr char kZeros[8] = {};
  std::vector<grpc::Slice> slices;
  std::string pending;  // bytes not yet in a slice
  if (message.data_header != nullptr && message.data_header->size() > 0) {
    const auto& header = *message.data_header;
    AppendFieldKey(&pending, kDataHeaderField, static_cast<uint64_t>(header.size()));
    pending.append(reinterpret_cast<const char*>(header.data()),
                   static_cast<size_t>(header.size()));
  }
  if (!app_metadata.empty()) {
    AppendFieldKey(&pending, kAppMetadataField, app_metadata.size());
    pending.append(app_metadata);
  }
  if (message.body_length > 0) {
    AppendFieldKey(&pending, kDataBodyField, static_cast<uint64_t>(message.body_length));
    for (const auto& buffer : message.body_buffers) {
      if (buffer == nullptr) continue;
      if (buffer->size() >= kReferenceFromBytes) {
        if (!pending.empty()) slices.emplace_back(pending);
        pending.clear();
        slices.push_back(ReferenceSlice(buffer));
      } else {
        pending.append(reinterpret_cast<const char*>(buffer->data()),
                       static_cast<size_t>(buffer->size()));
      }
      const int64_t padding =
          arrow::bit_util::RoundUpToMultipleOf8(buffer->size()) - buffer->size();
      pending.append(kZeros, static_cast<size_t>(padding));
    }
  }
  if (!pending.empty()) slices.emplace_back(pending);
  return grpc::ByteBuffer(slices.data(), slices.size());
}

Result<PutResultFields> ParsePutResultMetadata(std::string_view app_metadata) {
  const auto json = nlohmann::json::parse(app_metadata, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    return Invalid("PutResult app_metadata is not a JSON object: " + Quoted(app_metadata));
  }
  PutResultFields fields;
  auto read = [&](const char* key, int64_t minimum, std::optional<int64_t>* out) -> Status {
    const auto it = json.find(key);
    if (it == json.end()) return Status::OK();
    if (!it->is_number_integer() || it->get<int64_t>() < minimum) {
      return Invalid(std::string("PutResult app_metadata field \"") + key +
                     "\" must be an integer >= " + std::to_string(minimum) + ": " +
                     Quoted(app_metadata));
    }
    *out = it->get<int64_t>();
    return Status::OK();
  };
  ARROW_ZEROBUS_RETURN_NOT_OK(read("ack_up_to_offset", -1, &fields.ack_up_to_offset));
  ARROW_ZEROBUS_RETURN_NOT_OK(read("ack_up_to_records", 0, &fields.ack_up_to_records));
  std::optional<int64_t> close_ms;
  ARROW_ZEROBUS_RETURN_NOT_OK(read("close_stream_duration_ms", 0, &close_ms));
  if (close_ms) fields.close_stream_duration = std::chrono::milliseconds(*close_ms);
  return fields;
}

bool IsReadyPutResult(const PutResultFields& fields) {
  return fields.ack_up_to_offset == -1 && fields.ack_up_to_records == 0 &&
         !fields.close_stream_duration.has_value();
}

}  // namespace arrow_zerobus::flight
