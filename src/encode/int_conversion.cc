#include "encode/int_conversion.h"

namespace arrow_zerobus::encode::internal {
namespace {

using google::protobuf::FieldDescriptorProto;

arrow::TimeUnit::type TimeUnitOf(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::TIMESTAMP:
      return static_cast<const arrow::TimestampType&>(type).unit();
    case arrow::Type::DURATION:
      return static_cast<const arrow::DurationType&>(type).unit();
    default:
      return static_cast<const arrow::TimeType&>(type).unit();
  }
}

/// Microseconds per unit, as a multiply or a floor divide.
void ScaleToMicros(arrow::TimeUnit::type unit, IntConversion* c) {
  switch (unit) {
    case arrow::TimeUnit::SECOND:
      c->multiply = 1000000;
      break;
    case arrow::TimeUnit::MILLI:
      c->multiply = 1000;
      break;
    case arrow::TimeUnit::MICRO:
      break;
    case arrow::TimeUnit::NANO:
      c->divide = 1000;
      break;
  }
}

void SetTargetRange(schema::ProtoType proto, IntConversion* c) {
  switch (proto) {
    case FieldDescriptorProto::TYPE_INT32:
    case FieldDescriptorProto::TYPE_SINT32:
    case FieldDescriptorProto::TYPE_SFIXED32:
      c->min = std::numeric_limits<int32_t>::min();
      c->max = std::numeric_limits<int32_t>::max();
      break;
    case FieldDescriptorProto::TYPE_UINT32:
    case FieldDescriptorProto::TYPE_FIXED32:
      c->min = 0;
      c->max = std::numeric_limits<uint32_t>::max();
      break;
    case FieldDescriptorProto::TYPE_UINT64:
    case FieldDescriptorProto::TYPE_FIXED64:
      c->min = 0;
      c->max = std::numeric_limits<uint64_t>::max();
      break;
    default:
      c->min = std::numeric_limits<int64_t>::min();
      c->max = std::numeric_limits<int64_t>::max();
      break;
  }
}

}  // namespace

IntConversion IntConversionFor(const arrow::DataType& source, schema::ProtoType target) {
  IntConversion c;
  c.source_name = source.ToString();
  c.target_name = schema::ProtoTypeName(target);
  SetTargetRange(target, &c);
  switch (source.id()) {
    case arrow::Type::DATE64:
      c.divide = 86400000;
      c.temporal = true;
      break;
    case arrow::Type::DATE32:
      c.temporal = true;
      break;
    case arrow::Type::TIMESTAMP:
    case arrow::Type::TIME32:
    case arrow::Type::TIME64:
    case arrow::Type::DURATION:
      ScaleToMicros(TimeUnitOf(source), &c);
      c.temporal = true;
      break;
    default:
      break;
  }
  return c;
}

}  // namespace arrow_zerobus::encode::internal
