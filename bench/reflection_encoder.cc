#include "reflection_encoder.h"

#include <stdexcept>

#include <arrow/array.h>

namespace arrow_zerobus::bench {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

void SetValue(const arrow::Array& array, int64_t i, const FieldDescriptor* fd, Message* msg);

void SetStruct(const arrow::StructArray& array, int64_t i, Message* msg) {
  const auto* descriptor = msg->GetDescriptor();
  for (int k = 0; k < array.num_fields(); ++k) {
    const auto& child = *array.field(k);
    if (child.IsNull(i)) continue;
    SetValue(child, i, descriptor->FindFieldByName(array.struct_type()->field(k)->name()), msg);
  }
}

void SetValue(const arrow::Array& array, int64_t i, const FieldDescriptor* fd, Message* msg) {
  const Reflection* r = msg->GetReflection();
  switch (array.type_id()) {
    case arrow::Type::INT64:
    case arrow::Type::TIMESTAMP:
      r->SetInt64(msg, fd, static_cast<const arrow::Int64Array&>(array).Value(i));
      break;
    case arrow::Type::INT32:
    case arrow::Type::DATE32:
      r->SetInt32(msg, fd, static_cast<const arrow::Int32Array&>(array).Value(i));
      break;
    case arrow::Type::DOUBLE:
      r->SetDouble(msg, fd, static_cast<const arrow::DoubleArray&>(array).Value(i));
      break;
    case arrow::Type::BOOL:
      r->SetBool(msg, fd, static_cast<const arrow::BooleanArray&>(array).Value(i));
      break;
    case arrow::Type::STRING:
      r->SetString(msg, fd, std::string(static_cast<const arrow::StringArray&>(array).GetView(i)));
      break;
    case arrow::Type::LARGE_STRING:
      r->SetString(msg, fd,
                   std::string(static_cast<const arrow::LargeStringArray&>(array).GetView(i)));
      break;
    case arrow::Type::STRUCT:
      SetStruct(static_cast<const arrow::StructArray&>(array), i, r->MutableMessage(msg, fd));
      break;
    case arrow::Type::LIST: {
      const auto& list = static_cast<const arrow::ListArray&>(array);
      const auto& values = static_cast<const arrow::Int32Array&>(*list.values());
      for (int64_t j = list.value_offset(i); j < list.value_offset(i + 1); ++j) {
        r->AddInt32(msg, fd, values.Value(j));
      }
      break;
    }
    case arrow::Type::MAP: {
      const auto& map = static_cast<const arrow::MapArray&>(array);
      const auto& keys = static_cast<const arrow::StringArray&>(*map.keys());
      const auto& items = static_cast<const arrow::Int64Array&>(*map.items());
      const auto* entry_type = fd->message_type();
      const FieldDescriptor* key_fd = entry_type->map_key();
      const FieldDescriptor* value_fd = entry_type->map_value();
      for (int64_t j = map.value_offset(i); j < map.value_offset(i + 1); ++j) {
        Message* entry = r->AddMessage(msg, fd);
        const Reflection* er = entry->GetReflection();
        er->SetString(entry, key_fd, std::string(keys.GetView(j)));
        er->SetInt64(entry, value_fd, items.Value(j));
      }
      break;
    }
    default:
      throw std::invalid_argument("reflection baseline does not handle " +
                                  array.type()->ToString());
  }
}

}  // namespace

ReflectionEncoder::ReflectionEncoder(const schema::SchemaPlan& plan)
    : factory_(plan.pool.get()), prototype_(factory_.GetPrototype(plan.message)) {}

void ReflectionEncoder::Encode(const arrow::RecordBatch& batch, std::string* out,
                               std::vector<int64_t>* offsets) {
  out->clear();
  offsets->assign(1, 0);
  std::unique_ptr<Message> msg(prototype_->New());
  const auto* descriptor = msg->GetDescriptor();
  std::vector<const FieldDescriptor*> fields;
  for (const auto& f : batch.schema()->fields())
    fields.push_back(descriptor->FindFieldByName(f->name()));
  for (int64_t row = 0; row < batch.num_rows(); ++row) {
    msg->Clear();
    for (int c = 0; c < batch.num_columns(); ++c) {
      const arrow::Array& column = *batch.column(c);
      if (column.IsNull(row)) continue;
      SetValue(column, row, fields[c], msg.get());
    }
    msg->AppendToString(out);
    offsets->push_back(static_cast<int64_t>(out->size()));
  }
}

}  // namespace arrow_zerobus::bench
