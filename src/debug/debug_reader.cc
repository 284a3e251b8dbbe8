// Reading debug files: .pbs records decoded by reflection with the descriptor saved beside them
// (to JSON lines or to Arrow builders), and .arrows IPC streams.
#include "debug/debug_reader.h"
#include "common/text.h"
#include "encode/array_decoding.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <string_view>
#include <vector>

#include <arrow/builder.h>
#include <arrow/io/file.h>
#include <arrow/ipc/reader.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <nlohmann/json.hpp>

namespace arrow_zerobus::debug {
namespace {

namespace fs = std::filesystem;
namespace pb = google::protobuf;

// Deeper message nesting than this in a descriptor is taken as recursion (unsupported in Arrow).
constexpr int kMaxTypeDepth = 100;
// The most Arrow fields a record type may expand into, nested messages counted each time they
// are used: a few message types that each use the next one twice would otherwise make 2^100.
constexpr int64_t kMaxArrowFields = 100000;

Status FileError(const fs::path& path, const std::string& message) {
  return IoError("debug file " + path.string() + ": " + message);
}

Result<std::string> ReadWholeFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return FileError(path, "cannot open for reading");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return FileError(path, "cannot read");
  return content;
}

// Calls `visit(index, offset, record)` for each length-delimited record of `content`.
Status ForEachRecord(const fs::path& path, std::string_view content,
                     const std::function<Status(int64_t, size_t, std::string_view)>& visit) {
  size_t offset = 0;
  for (int64_t index = 0; offset < content.size(); ++index) {
    const size_t start = offset;
    uint64_t length = 0;
    bool complete = false;
    for (int shift = 0; shift < 64 && offset < content.size(); shift += 7) {
      const auto byte = static_cast<uint8_t>(content[offset++]);
      length |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) {
        complete = true;
        break;
      }
    }
    const std::string where =
        "record " + std::to_string(index) + " at byte offset " + std::to_string(start);
    if (!complete) {
      return FileError(path, offset >= content.size() ? "truncated " + where + " (partial length)"
                                                      : "malformed length of " + where);
    }
    if (length > content.size() - offset) {
      return FileError(path, "truncated " + where + ": its " + std::to_string(length) +
                                 " bytes run past the end of the file (" +
                                 std::to_string(content.size() - offset) + " left)");
    }
    ARROW_ZEROBUS_RETURN_NOT_OK(visit(index, start, content.substr(offset, length)));
    offset += length;
  }
  return Status::OK();
}

class CollectErrors : public pb::DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string& filename, const std::string& element_name,
                const pb::Message* descriptor, ErrorLocation location,
                const std::string& message) override {
    if (!text.empty()) text += "; ";
    text += element_name + ": " + message;
  }
  std::string text;
};

// The record message type of a .pbs file, from its descriptor file.
class RecordType {
 public:
  static Result<std::unique_ptr<RecordType>> Load(const fs::path& records_file) {
    const fs::path path = DescriptorPathFor(records_file);
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(path));
    pb::FileDescriptorSet set;
    if (!set.ParseFromString(bytes)) return FileError(path, "not a FileDescriptorSet");
    if (set.file_size() == 0) return FileError(path, "holds no file descriptor");
    auto type = std::unique_ptr<RecordType>(new RecordType());
    const pb::FileDescriptor* file = nullptr;
    for (const pb::FileDescriptorProto& file_proto : set.file()) {
      CollectErrors errors;
      file = type->pool_.BuildFileCollectingErrors(file_proto, &errors);
      if (file == nullptr) return FileError(path, "invalid descriptor: " + errors.text);
    }
    // The record's file comes last (after any it imports); its first message is the record.
    if (file->message_type_count() == 0) return FileError(path, "declares no message");
    type->descriptor_ = file->message_type(0);
    type->prototype_ = type->factory_.GetPrototype(type->descriptor_);
    return type;
  }

  const pb::Descriptor* descriptor() const { return descriptor_; }
  std::unique_ptr<pb::Message> NewMessage() const {
    return std::unique_ptr<pb::Message>(prototype_->New());
  }

 private:
  RecordType() = default;

  pb::DescriptorPool pool_;
  pb::DynamicMessageFactory factory_{&pool_};
  const pb::Descriptor* descriptor_ = nullptr;
  const pb::Message* prototype_ = nullptr;
};

// Decodes every record of `records_file`, calling `visit(message)` for each.
Status ForEachMessage(const fs::path& records_file, const RecordType& type,
                      const std::function<Status(const pb::Message&)>& visit) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::string content, ReadWholeFile(records_file));
  std::unique_ptr<pb::Message> message = type.NewMessage();
  return ForEachRecord(
      records_file, content, [&](int64_t index, size_t offset, std::string_view record) {
        if (!message->ParsePartialFromArray(record.data(), static_cast<int>(record.size()))) {
          return FileError(records_file, "record " + std::to_string(index) + " at byte offset " +
                                             std::to_string(offset) + " is not a valid " +
                                             type.descriptor()->full_name());
        }
        return visit(*message);
      });
}

// ---- JSON ----

// Proto JSON spells non-finite numbers as strings.
nlohmann::ordered_json DoubleToJson(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return value;
}

// The shortest decimal that reads back as the float, so 0.1f prints as 0.1.
nlohmann::ordered_json FloatToJson(float value) {
  if (!std::isfinite(value)) return DoubleToJson(value);
  char text[32];
  const auto end = std::to_chars(text, text + sizeof(text) - 1, value).ptr;
  *end = '\0';
  return std::strtod(text, nullptr);
}

nlohmann::ordered_json MessageToJson(const pb::Message& message);

// One value of `field`: the singular value when `index` < 0, else element `index`.
nlohmann::ordered_json ValueToJson(const pb::Message& message, const pb::FieldDescriptor* field,
                                   int index) {
  const pb::Reflection* r = message.GetReflection();
  const bool one = index < 0;
  switch (field->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      return one ? r->GetInt32(message, field) : r->GetRepeatedInt32(message, field, index);
    case pb::FieldDescriptor::CPPTYPE_INT64:
      return one ? r->GetInt64(message, field) : r->GetRepeatedInt64(message, field, index);
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      return one ? r->GetUInt32(message, field) : r->GetRepeatedUInt32(message, field, index);
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return one ? r->GetUInt64(message, field) : r->GetRepeatedUInt64(message, field, index);
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      return FloatToJson(one ? r->GetFloat(message, field)
                             : r->GetRepeatedFloat(message, field, index));
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      return DoubleToJson(one ? r->GetDouble(message, field)
                              : r->GetRepeatedDouble(message, field, index));
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return one ? r->GetBool(message, field) : r->GetRepeatedBool(message, field, index);
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const pb::EnumValueDescriptor* value =
          one ? r->GetEnum(message, field) : r->GetRepeatedEnum(message, field, index);
      return value->name();
    }
    case pb::FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& value =
          one ? r->GetStringReference(message, field, &scratch)
              : r->GetRepeatedStringReference(message, field, index, &scratch);
      return field->type() == pb::FieldDescriptor::TYPE_BYTES
                 ? nlohmann::ordered_json(Base64Encode(value))
                 : nlohmann::ordered_json(value);
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      return MessageToJson(one ? r->GetMessage(message, field)
                               : r->GetRepeatedMessage(message, field, index));
  }
  return nullptr;
}

// Proto JSON map keys are strings.
std::string MapKeyText(const pb::Message& entry, const pb::FieldDescriptor* key) {
  const nlohmann::ordered_json value = ValueToJson(entry, key, -1);
  return value.is_string() ? value.get<std::string>() : value.dump();
}

nlohmann::ordered_json MessageToJson(const pb::Message& message) {
  const pb::Reflection* r = message.GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  r->ListFields(message, &fields);
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  for (const pb::FieldDescriptor* field : fields) {
    nlohmann::ordered_json& out = object[field->name()];
    if (field->is_map()) {
      out = nlohmann::ordered_json::object();
      const pb::FieldDescriptor* key = field->message_type()->map_key();
      const pb::FieldDescriptor* value = field->message_type()->map_value();
      for (int i = 0; i < r->FieldSize(message, field); ++i) {
        const pb::Message& entry = r->GetRepeatedMessage(message, field, i);
        out[MapKeyText(entry, key)] = ValueToJson(entry, value, -1);
      }
    } else if (field->is_repeated()) {
      out = nlohmann::ordered_json::array();
      for (int i = 0; i < r->FieldSize(message, field); ++i) {
        out.push_back(ValueToJson(message, field, i));
      }
    } else {
      out = ValueToJson(message, field, -1);
    }
  }
  return object;
}

// ---- Arrow ----

// The Arrow types of a record type's parts. `fields_left` counts down the Arrow fields made.
Result<std::shared_ptr<arrow::DataType>> StructTypeOf(const pb::Descriptor* message, int depth,
                                                      int64_t* fields_left);

Result<std::shared_ptr<arrow::DataType>> ValueTypeOf(const pb::FieldDescriptor* field, int depth,
                                                     int64_t* fields_left) {
  switch (field->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      return arrow::int32();
    case pb::FieldDescriptor::CPPTYPE_INT64:
      return arrow::int64();
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      return arrow::uint32();
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return arrow::uint64();
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      return arrow::float32();
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      return arrow::float64();
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return arrow::boolean();
    case pb::FieldDescriptor::CPPTYPE_STRING:
      return field->type() == pb::FieldDescriptor::TYPE_BYTES ? arrow::binary() : arrow::utf8();
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      return StructTypeOf(field->message_type(), depth + 1, fields_left);
  }
  return IoError("unsupported proto field type of " + field->full_name());
}

Result<std::shared_ptr<arrow::DataType>> FieldTypeOf(const pb::FieldDescriptor* field, int depth,
                                                     int64_t* fields_left) {
  if (field->is_map()) {
    const pb::Descriptor* entry = field->message_type();
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto key, ValueTypeOf(entry->map_key(), depth + 1, fields_left));
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto value,
                                   ValueTypeOf(entry->map_value(), depth + 1, fields_left));
    return arrow::map(std::move(key), std::move(value));
  }
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto value, ValueTypeOf(field, depth, fields_left));
  return field->is_repeated() ? arrow::list(std::move(value)) : value;
}

Result<std::shared_ptr<arrow::DataType>> StructTypeOf(const pb::Descriptor* message, int depth,
                                                      int64_t* fields_left) {
  if (depth > kMaxTypeDepth) {
    return IoError("message " + message->full_name() + " nests too deep (recursive?)");
  }
  arrow::FieldVector fields;
  for (int i = 0; i < message->field_count(); ++i) {
    const pb::FieldDescriptor* field = message->field(i);
    if (--*fields_left < 0) {
      return IoError("message " + message->full_name() + " makes more than " +
                     std::to_string(kMaxArrowFields) +
                     " Arrow fields (nested message types counted each time they are used)");
    }
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto type, FieldTypeOf(field, depth, fields_left));
    fields.push_back(arrow::field(field->name(), std::move(type)));
  }
  return arrow::struct_(std::move(fields));
}

arrow::Status AppendMessage(const pb::Message& message, arrow::StructBuilder* builder);

// Appends one value of `field` (the singular value when `index` < 0, else element `index`),
// present or not.
arrow::Status AppendValue(const pb::Message& message, const pb::FieldDescriptor* field, int index,
                          arrow::ArrayBuilder* builder) {
  const pb::Reflection* r = message.GetReflection();
  const bool one = index < 0;
  switch (field->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      return static_cast<arrow::Int32Builder*>(builder)->Append(
          one ? r->GetInt32(message, field) : r->GetRepeatedInt32(message, field, index));
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      return static_cast<arrow::Int32Builder*>(builder)->Append(
          one ? r->GetEnumValue(message, field) : r->GetRepeatedEnumValue(message, field, index));
    case pb::FieldDescriptor::CPPTYPE_INT64:
      return static_cast<arrow::Int64Builder*>(builder)->Append(
          one ? r->GetInt64(message, field) : r->GetRepeatedInt64(message, field, index));
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      return static_cast<arrow::UInt32Builder*>(builder)->Append(
          one ? r->GetUInt32(message, field) : r->GetRepeatedUInt32(message, field, index));
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return static_cast<arrow::UInt64Builder*>(builder)->Append(
          one ? r->GetUInt64(message, field) : r->GetRepeatedUInt64(message, field, index));
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      return static_cast<arrow::FloatBuilder*>(builder)->Append(
          one ? r->GetFloat(message, field) : r->GetRepeatedFloat(message, field, index));
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      return static_cast<arrow::DoubleBuilder*>(builder)->Append(
          one ? r->GetDouble(message, field) : r->GetRepeatedDouble(message, field, index));
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return static_cast<arrow::BooleanBuilder*>(builder)->Append(
          one ? r->GetBool(message, field) : r->GetRepeatedBool(message, field, index));
    case pb::FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& value =
          one ? r->GetStringReference(message, field, &scratch)
              : r->GetRepeatedStringReference(message, field, index, &scratch);
      // A proto2 string may hold any bytes; an Arrow string column only UTF-8.
      if (field->type() == pb::FieldDescriptor::TYPE_STRING && !IsValidUtf8(value)) {
        return arrow::Status::Invalid("string field '", field->full_name(),
                                      "' holds bytes that are not valid UTF-8");
      }
      // StringBuilder is a BinaryBuilder.
      return static_cast<arrow::BinaryBuilder*>(builder)->Append(value);
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      return AppendMessage(
          one ? r->GetMessage(message, field) : r->GetRepeatedMessage(message, field, index),
          static_cast<arrow::StructBuilder*>(builder));
  }
  return arrow::Status::NotImplemented("proto field type of ", field->full_name());
}

arrow::Status AppendField(const pb::Message& message, const pb::FieldDescriptor* field,
                          arrow::ArrayBuilder* builder) {
  const pb::Reflection* r = message.GetReflection();
  if (field->is_map()) {
    auto* map = static_cast<arrow::MapBuilder*>(builder);
    ARROW_RETURN_NOT_OK(map->Append());
    const pb::FieldDescriptor* key = field->message_type()->map_key();
    const pb::FieldDescriptor* value = field->message_type()->map_value();
    for (int i = 0; i < r->FieldSize(message, field); ++i) {
      const pb::Message& entry = r->GetRepeatedMessage(message, field, i);
      ARROW_RETURN_NOT_OK(AppendValue(entry, key, -1, map->key_builder()));
      ARROW_RETURN_NOT_OK(AppendValue(entry, value, -1, map->item_builder()));
    }
    return arrow::Status::OK();
  }
  if (field->is_repeated()) {
    auto* list = static_cast<arrow::ListBuilder*>(builder);
    ARROW_RETURN_NOT_OK(list->Append());
    for (int i = 0; i < r->FieldSize(message, field); ++i) {
      ARROW_RETURN_NOT_OK(AppendValue(message, field, i, list->value_builder()));
    }
    return arrow::Status::OK();
  }
  if (field->has_presence() && !r->HasField(message, field)) return builder->AppendNull();
  return AppendValue(message, field, -1, builder);
}

arrow::Status AppendMessage(const pb::Message& message, arrow::StructBuilder* builder) {
  ARROW_RETURN_NOT_OK(builder->Append());
  const pb::Descriptor* descriptor = message.GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    ARROW_RETURN_NOT_OK(AppendField(message, descriptor->field(i), builder->field_builder(i)));
  }
  return arrow::Status::OK();
}

}  // namespace

std::filesystem::path DescriptorPathFor(const std::filesystem::path& records_file) {
  const fs::path stem = records_file.stem();
  return records_file.parent_path().parent_path() / "descriptors" / (stem.string() + ".desc");
}

Status WriteRecordsAsJson(const std::filesystem::path& records_file, std::ostream& out) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto type, RecordType::Load(records_file));
  return ForEachMessage(records_file, *type, [&](const pb::Message& message) {
    out << MessageToJson(message).dump(-1, ' ', /*ensure_ascii=*/false,
                                       nlohmann::ordered_json::error_handler_t::replace)
        << '\n';
    if (!out) return IoError("cannot write the JSON of " + records_file.string());
    return Status::OK();
  });
}

Result<std::shared_ptr<arrow::Table>> ReadRecordsAsArrow(
    const std::filesystem::path& records_file) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto type, RecordType::Load(records_file));
  int64_t fields_left = kMaxArrowFields;
  auto struct_type = StructTypeOf(type->descriptor(), 0, &fields_left);
  if (!struct_type.ok()) return FileError(records_file, struct_type.status().message());
  std::unique_ptr<arrow::ArrayBuilder> builder;
  auto made = arrow::MakeBuilder(arrow::default_memory_pool(), *struct_type, &builder);
  if (!made.ok()) return FileError(records_file, made.ToString());
  auto* records = static_cast<arrow::StructBuilder*>(builder.get());
  ARROW_ZEROBUS_RETURN_NOT_OK(ForEachMessage(records_file, *type, [&](const pb::Message& message) {
    const int64_t index = records->length();
    auto appended = AppendMessage(message, records);
    return appended.ok() ? Status::OK()
                         : FileError(records_file,
                                     "record " + std::to_string(index) + ": " + appended.message());
  }));
  std::shared_ptr<arrow::Array> array;
  auto finished = records->Finish(&array);
  if (!finished.ok()) return FileError(records_file, finished.ToString());
  auto batch = arrow::RecordBatch::FromStructArray(array);
  if (!batch.ok()) return FileError(records_file, batch.status().ToString());
  auto table = arrow::Table::FromRecordBatches({*batch});
  if (!table.ok()) return FileError(records_file, table.status().ToString());
  return *table;
}

Result<std::shared_ptr<arrow::Table>> ReadArrowDebugFile(const std::filesystem::path& arrows_file) {
  // Mapped, so that a damaged length prefix makes a read fail at the end of the file instead of
  // allocating the length it claims first (ReadableFile does).
  auto file = arrow::io::MemoryMappedFile::Open(arrows_file.string(), arrow::io::FileMode::READ);
  if (!file.ok()) return FileError(arrows_file, file.status().ToString());
  auto reader = arrow::ipc::RecordBatchStreamReader::Open(*file);
  if (!reader.ok()) return FileError(arrows_file, reader.status().ToString());
  auto table = (*reader)->ToTable();
  if (!table.ok()) return FileError(arrows_file, table.status().ToString());
  // The IPC reader does not check offsets and sizes against the buffers: a damaged file would
  // give arrays that read out of bounds. (Strings are not checked for UTF-8: the file holds the
  // batches as callers gave them, rows that failed included.)
  for (int c = 0; c < (*table)->num_columns(); ++c) {
    for (const auto& chunk : (*table)->column(c)->chunks()) {
      const Status valid = encode::internal::ValidateStructure(*chunk, (*table)->field(c)->name());
      if (!valid.ok()) return FileError(arrows_file, "damaged Arrow data: " + valid.message());
    }
  }
  return *table;
}

}  // namespace arrow_zerobus::debug
