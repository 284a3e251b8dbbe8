#include "zerobus/stream_messages.h"

#include <cstring>

#include "encode/wire_format.h"

namespace arrow_zerobus::zerobus {
namespace {

using encode::VarintSize;
using encode::WireType;
using encode::WriteVarint;

constexpr uint32_t Tag(int field, WireType type) {
  return (static_cast<uint32_t>(field) << 3) | static_cast<uint32_t>(type);
}

void AppendVarint(std::string* out, uint64_t value) {
  uint8_t buffer[10];
  uint8_t* end = WriteVarint(value, buffer);
  out->append(reinterpret_cast<const char*>(buffer), static_cast<size_t>(end - buffer));
}

Status Malformed(std::string_view what) {
  return Status(StatusCode::kInvalidArgument, ErrorKind::kTransmission,
                "Malformed EphemeralStreamRequest: " + std::string(what));
}

// How deep protobuf lets messages and groups nest (its default recursion limit): a request
// nested deeper does not parse.
constexpr int kMaxNestingDepth = 100;

// A cursor over protobuf wire bytes that accepts exactly what protobuf's parser accepts.
class WireReader {
 public:
  explicit WireReader(std::string_view bytes) : data_(bytes) {}

  bool done() const { return pos_ >= data_.size(); }

  bool ReadVarint(uint64_t* value) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return false;
      const auto byte = static_cast<uint8_t>(data_[pos_++]);
      result |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        *value = result;
        return true;
      }
    }
    return false;
  }

  // A field tag as protobuf reads one: at most 5 bytes, the value cut to 32 bits, a field
  // number from 1.
  bool ReadTag(uint64_t* tag) {
    uint32_t result = 0;
    for (int i = 0; i < 5; ++i) {
      if (pos_ >= data_.size()) return false;
      const auto byte = static_cast<uint8_t>(data_[pos_++]);
      result |= static_cast<uint32_t>(byte & 0x7f) << (7 * i);
      if ((byte & 0x80) == 0) {
        *tag = result;
        return (result >> 3) != 0;
      }
    }
    return false;
  }

  // A length-delimited value; its length, as protobuf reads one, takes at most 5 bytes.
  bool ReadLengthDelimited(std::string_view* value) {
    const size_t start = pos_;
    uint64_t length;
    if (!ReadVarint(&length) || pos_ - start > 5 || length > data_.size() - pos_) return false;
    *value = data_.substr(pos_, length);
    pos_ += length;
    return true;
  }

  // Skips the value of a field with `tag` (a group up to its end tag). `depth`: how many more
  // messages or groups may nest here.
  bool Skip(uint64_t tag, int depth) {
    uint64_t ignored;
    std::string_view ignored_bytes;
    switch (tag & 7) {
      case 0:
        return ReadVarint(&ignored);
      case 1:
        return Advance(8);
      case 2:
        return ReadLengthDelimited(&ignored_bytes);
      case 3:
        return SkipGroup(tag >> 3, depth - 1);
      case 5:
        return Advance(4);
      default:
        return false;  // an end-group tag outside its group, or no wire type
    }
  }

 private:
  bool SkipGroup(uint64_t field, int depth) {
    if (depth < 0) return false;
    while (true) {
      uint64_t tag;
      if (!ReadTag(&tag)) return false;
      if ((tag & 7) == 4) return (tag >> 3) == field;
      if (!Skip(tag, depth)) return false;
    }
  }

  bool Advance(size_t n) {
    if (n > data_.size() - pos_) return false;
    pos_ += n;
    return true;
  }

  std::string_view data_;
  size_t pos_ = 0;
};

// Whether `bytes` are a sequence of well-formed fields (a message without nested messages, such
// as CreateIngestStreamRequest) at `depth` (see WireReader::Skip).
bool IsWellFormedFlatMessage(std::string_view bytes, int depth) {
  WireReader reader(bytes);
  while (!reader.done()) {
    uint64_t tag;
    if (!reader.ReadTag(&tag) || !reader.Skip(tag, depth)) return false;
  }
  return true;
}

// Reads the `records` of a {Proto,Json}RecordBatch.
Status ParseBatchRecords(std::string_view bytes, int depth,
                         std::vector<std::string_view>* records) {
  WireReader reader(bytes);
  while (!reader.done()) {
    uint64_t tag;
    if (!reader.ReadTag(&tag)) return Malformed("truncated or invalid field tag in record batch");
    if (tag == Tag(wire::kBatchRecords, WireType::kLengthDelimited)) {
      std::string_view record;
      if (!reader.ReadLengthDelimited(&record)) return Malformed("truncated record in batch");
      records->push_back(record);
    } else if (!reader.Skip(tag, depth)) {
      return Malformed("bad field in record batch");
    }
  }
  return Status::OK();
}

Status ParseIngest(std::string_view bytes, bool batch, int depth, ParsedRequest* out) {
  WireReader reader(bytes);
  while (!reader.done()) {
    uint64_t tag;
    if (!reader.ReadTag(&tag)) return Malformed("truncated or invalid field tag in ingest request");
    const int field = static_cast<int>(tag >> 3);
    const uint32_t type = tag & 7;
    if (field == wire::kIngestOffsetId && type == 0) {
      uint64_t offset;
      if (!reader.ReadVarint(&offset)) return Malformed("truncated offset_id");
      out->has_offset = true;
      out->offset_id = static_cast<int64_t>(offset);
      continue;
    }
    const bool is_proto = field == (batch ? wire::kBatchProto : wire::kIngestProtoRecord);
    const bool is_json = field == (batch ? wire::kBatchJson : wire::kIngestJsonRecord);
    if ((is_proto || is_json) && type == 2) {
      std::string_view value;
      if (!reader.ReadLengthDelimited(&value)) return Malformed("truncated record payload");
      // A oneof keeps the last member seen. The same batch member seen again is merged into it,
      // as protobuf merges a message field: its records are appended. A single record is a
      // bytes/string field, so its last value is kept.
      const auto payload =
          is_proto ? ParsedRequest::Payload::kProto : ParsedRequest::Payload::kJson;
      if (!batch || payload != out->payload) out->records.clear();
      out->payload = payload;
      if (batch) {
        ARROW_ZEROBUS_RETURN_NOT_OK(ParseBatchRecords(value, depth - 1, &out->records));
      } else {
        out->records.push_back(value);
      }
      continue;
    }
    if (!reader.Skip(tag, depth)) return Malformed("bad field in ingest request");
  }
  return Status::OK();
}

}  // namespace

size_t BatchRecordWireSize(size_t record_bytes) {
  return 1 + VarintSize(record_bytes) + record_bytes;
}

uint8_t* WriteBatchRecord(uint8_t* out, std::string_view record) {
  *out++ = static_cast<uint8_t>(Tag(wire::kBatchRecords, WireType::kLengthDelimited));
  out = WriteVarint(record.size(), out);
  std::memcpy(out, record.data(), record.size());
  return out + record.size();
}

std::string IngestBatchRequestPrefix(int64_t offset_id, size_t body_size, int request_field) {
  const auto offset = static_cast<uint64_t>(offset_id);
  const size_t inner_size = 1 + VarintSize(offset) + 1 + VarintSize(body_size) + body_size;
  std::string prefix;
  prefix.reserve(24);
  prefix.push_back(static_cast<char>(Tag(request_field, WireType::kLengthDelimited)));
  AppendVarint(&prefix, inner_size);
  prefix.push_back(static_cast<char>(Tag(wire::kIngestOffsetId, WireType::kVarint)));
  AppendVarint(&prefix, offset);
  prefix.push_back(static_cast<char>(Tag(wire::kBatchProto, WireType::kLengthDelimited)));
  AppendVarint(&prefix, body_size);
  return prefix;
}

Status ParseStreamRequest(std::string_view bytes, ParsedRequest* out) {
  out->kind = ParsedRequest::Kind::kNone;
  out->create_stream = {};
  out->has_offset = false;
  out->offset_id = 0;
  out->payload = ParsedRequest::Payload::kNone;
  out->records.clear();
  WireReader reader(bytes);
  while (!reader.done()) {
    uint64_t tag;
    if (!reader.ReadTag(&tag)) return Malformed("truncated or invalid field tag");
    const int field = static_cast<int>(tag >> 3);
    const uint32_t type = tag & 7;
    if (type == 2 && field >= wire::kRequestCreateStream &&
        field <= wire::kRequestIngestRecordBatch) {
      std::string_view value;
      if (!reader.ReadLengthDelimited(&value)) return Malformed("truncated payload");
      const auto kind = field == wire::kRequestCreateStream ? ParsedRequest::Kind::kCreateStream
                        : field == wire::kRequestIngestRecord
                            ? ParsedRequest::Kind::kIngestRecord
                            : ParsedRequest::Kind::kIngestRecordBatch;
      // A oneof keeps the last member seen. The same member seen again is merged into it, as
      // protobuf merges a message field: a later offset_id wins, batch records add up, and
      // create_stream occurrences are concatenated (which is how a message merges). Every
      // occurrence must be well-formed, replaced or not, as protobuf's parser requires.
      if (kind != out->kind) {
        out->has_offset = false;
        out->offset_id = 0;
        out->payload = ParsedRequest::Payload::kNone;
        out->records.clear();
        out->create_stream = {};
        out->create_stream_merged.clear();
      }
      const bool repeated = kind == out->kind;
      out->kind = kind;
      if (kind == ParsedRequest::Kind::kCreateStream) {
        if (!IsWellFormedFlatMessage(value, kMaxNestingDepth - 1)) {
          return Malformed("malformed create_stream");
        }
        if (repeated) {
          if (out->create_stream_merged.empty()) out->create_stream_merged = out->create_stream;
          out->create_stream_merged.append(value);
          out->create_stream = out->create_stream_merged;
        } else {
          out->create_stream = value;
        }
      } else {
        ARROW_ZEROBUS_RETURN_NOT_OK(ParseIngest(
            value, kind == ParsedRequest::Kind::kIngestRecordBatch, kMaxNestingDepth - 1, out));
      }
      continue;
    }
    if (!reader.Skip(tag, kMaxNestingDepth)) return Malformed("bad top-level field");
  }
  return Status::OK();
}

}  // namespace arrow_zerobus::zerobus
