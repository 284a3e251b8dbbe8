#include "encode/encoder_tree.h"

#include <arrow/array.h>
#include <arrow/type_traits.h>

#include "encode/codecs.h"

namespace arrow_zerobus::encode::internal {
namespace {

using google::protobuf::FieldDescriptorProto;
using schema::FieldPlan;
using schema::FieldShape;
using schema::ValueConversion;

Status TypeMismatch(const FieldPlan& plan, const arrow::DataType& actual) {
  return InternalError("column '" + plan.path + "' holds " + actual.ToString() +
                       " after decoding, but its plan expects " + plan.value_type->ToString());
}

template <typename SrcT, typename MakeEncoder>
Result<std::unique_ptr<FieldEncoder>> MakeIntEncoder(const FieldPlan& plan,
                                                     const arrow::Array& values,
                                                     MakeEncoder&& make) {
  auto c = std::make_shared<const IntConversion>(IntConversionFor(*values.type(), plan.proto_type));
  const arrow::ArrayData& data = *values.data();
  switch (plan.proto_type) {
    case FieldDescriptorProto::TYPE_SINT32:
    case FieldDescriptorProto::TYPE_SINT64:
      return make(IntCodec<SrcT, IntEncoding::kZigZag>(data, c));
    case FieldDescriptorProto::TYPE_FIXED32:
    case FieldDescriptorProto::TYPE_SFIXED32:
      return make(IntCodec<SrcT, IntEncoding::kFixed32>(data, c));
    case FieldDescriptorProto::TYPE_FIXED64:
    case FieldDescriptorProto::TYPE_SFIXED64:
      return make(IntCodec<SrcT, IntEncoding::kFixed64>(data, c));
    default:
      return make(IntCodec<SrcT, IntEncoding::kVarint>(data, c));
  }
}

template <typename Layout, typename MakeEncoder>
Result<std::unique_ptr<FieldEncoder>> MakeBinaryEncoder(const FieldPlan& plan,
                                                        const arrow::Array& values,
                                                        MakeEncoder&& make) {
  if (plan.conversion == ValueConversion::kUtf8) return make(BinaryCodec<Layout, true>(values));
  return make(BinaryCodec<Layout, false>(values));
}

template <typename SrcT, typename MakeEncoder>
Result<std::unique_ptr<FieldEncoder>> MakeFloatEncoder(const FieldPlan& plan,
                                                       const arrow::Array& values,
                                                       MakeEncoder&& make) {
  if (plan.proto_type == FieldDescriptorProto::TYPE_DOUBLE) {
    return make(FloatCodec<SrcT, double>(*values.data()));
  }
  return make(FloatCodec<SrcT, float>(*values.data()));
}

}  // namespace

Result<std::unique_ptr<EncoderTree>> EncoderTree::Make(
    const schema::SchemaPlan& plan, const std::vector<std::shared_ptr<arrow::Array>>& columns,
    int64_t num_rows) {
  auto tree = std::unique_ptr<EncoderTree>(new EncoderTree());
  tree->root_ = std::make_unique<MessageNode>(num_rows);
  ARROW_ZEROBUS_RETURN_NOT_OK(tree->AddFields(plan.fields, columns, tree->root_.get()));
  return tree;
}

Status EncoderTree::AddFields(const std::vector<FieldPlan>& plans,
                              const std::vector<std::shared_ptr<arrow::Array>>& arrays,
                              MessageNode* owner) {
  if (plans.size() != arrays.size()) {
    return InternalError("plan has " + std::to_string(plans.size()) + " fields but " +
                         std::to_string(arrays.size()) + " arrays were given");
  }
  for (size_t i = 0; i < plans.size(); ++i) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto field, MakeField(plans[i], arrays[i], owner));
    owner->AddField(std::move(field));
  }
  return Status::OK();
}

Result<const int64_t*> EncoderTree::ListOffsets(const arrow::Array& list,
                                                std::shared_ptr<arrow::Array>* values) {
  const int64_t n = list.length();
  std::vector<int64_t> offsets(n + 1, 0);
  int64_t base = 0;
  int64_t end = 0;
  if (n == 0) {  // an empty array may come without an offsets buffer
    *values = arrow::MakeArray(list.data()->child_data[0])->Slice(0, 0);
    offsets_.push_back(std::move(offsets));
    return offsets_.back().data();
  }
  switch (list.type_id()) {
    case arrow::Type::LIST:
    case arrow::Type::MAP: {
      const auto& l = static_cast<const arrow::ListArray&>(list);
      const int32_t* raw = l.raw_value_offsets();
      base = raw[0];
      for (int64_t i = 0; i <= n; ++i) offsets[i] = raw[i] - base;
      end = raw[n];
      *values = l.values();
      break;
    }
    case arrow::Type::LARGE_LIST: {
      const auto& l = static_cast<const arrow::LargeListArray&>(list);
      const int64_t* raw = l.raw_value_offsets();
      base = raw[0];
      for (int64_t i = 0; i <= n; ++i) offsets[i] = raw[i] - base;
      end = raw[n];
      *values = l.values();
      break;
    }
    case arrow::Type::FIXED_SIZE_LIST: {
      const auto& l = static_cast<const arrow::FixedSizeListArray&>(list);
      const int64_t size = l.value_length();
      base = l.offset() * size;
      for (int64_t i = 0; i <= n; ++i) offsets[i] = i * size;
      end = base + n * size;
      *values = l.values();
      break;
    }
    default:
      return InternalError("not a decoded list type: " + list.type()->ToString());
  }
  *values = (*values)->Slice(base, end - base);
  offsets_.push_back(std::move(offsets));
  return offsets_.back().data();
}

Result<std::unique_ptr<FieldEncoder>> EncoderTree::MakeField(
    const FieldPlan& plan, const std::shared_ptr<arrow::Array>& array, MessageNode* owner) {
  if (plan.shape == FieldShape::kSingular) {
    const NullPolicy nulls = plan.required ? NullPolicy::kErrorValue : NullPolicy::kOmit;
    return WithCodec(plan, array, owner, nullptr, [&](auto codec) -> std::unique_ptr<FieldEncoder> {
      using Codec = decltype(codec);
      return std::make_unique<SingularField<Codec>>(std::move(codec), plan.number, nulls,
                                                    plan.path);
    });
  }

  std::shared_ptr<arrow::Array> values;
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(const int64_t* offsets, ListOffsets(*array, &values));
  const ListShape shape{offsets, Validity(*array->data()), plan.required};

  if (plan.shape == FieldShape::kMap) {
    // Entries are a struct<key, value>; each becomes one map-entry message.
    auto entry_node = std::make_unique<MessageNode>(values->length(), owner, offsets);
    const auto& entries = static_cast<const arrow::StructArray&>(*values);
    const std::string paths[2] = {plan.children[0].path, plan.children[1].path};
    for (int part = 0; part < 2; ++part) {
      const FieldPlan& part_plan = plan.children[part];
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(
          auto field, WithCodec(part_plan, entries.field(part), entry_node.get(), nullptr,
                                [&](auto codec) -> std::unique_ptr<FieldEncoder> {
                                  using Codec = decltype(codec);
                                  return std::make_unique<SingularField<Codec>>(
                                      std::move(codec), part_plan.number, NullPolicy::kErrorElement,
                                      part_plan.path);
                                }));
      entry_node->AddField(std::move(field));
    }
    return std::unique_ptr<FieldEncoder>(std::make_unique<RepeatedField<MessageCodec>>(
        MessageCodec(*values->data(), std::move(entry_node)), shape, plan.number, plan.path));
  }

  // kRepeated: one element per list value.
  return WithCodec(plan, values, owner, offsets, [&](auto codec) -> std::unique_ptr<FieldEncoder> {
    using Codec = decltype(codec);
    if constexpr (Codec::kWireType == WireType::kLengthDelimited) {
      return std::make_unique<RepeatedField<Codec>>(std::move(codec), shape, plan.number,
                                                    plan.path);
    } else {
      if (plan.packed) {
        return std::make_unique<PackedRepeatedField<Codec>>(std::move(codec), shape, plan.number,
                                                            plan.path);
      }
      return std::make_unique<RepeatedField<Codec>>(std::move(codec), shape, plan.number,
                                                    plan.path);
    }
  });
}

template <typename MakeEncoder>
Result<std::unique_ptr<FieldEncoder>> EncoderTree::WithCodec(
    const FieldPlan& plan, const std::shared_ptr<arrow::Array>& values, MessageNode* owner,
    const int64_t* parent_offsets, MakeEncoder&& make) {
  const arrow::DataType& type = *values->type();
  if (type.id() != plan.value_type->id()) return TypeMismatch(plan, type);
  auto wrap = [&](auto codec) -> Result<std::unique_ptr<FieldEncoder>> {
    return make(std::move(codec));
  };
  switch (type.id()) {
    case arrow::Type::BOOL:
      return wrap(BoolCodec(*values->data()));
    case arrow::Type::INT8:
      return MakeIntEncoder<int8_t>(plan, *values, wrap);
    case arrow::Type::INT16:
      return MakeIntEncoder<int16_t>(plan, *values, wrap);
    case arrow::Type::INT32:
    case arrow::Type::DATE32:
    case arrow::Type::TIME32:
      return MakeIntEncoder<int32_t>(plan, *values, wrap);
    case arrow::Type::INT64:
    case arrow::Type::DATE64:
    case arrow::Type::TIMESTAMP:
    case arrow::Type::TIME64:
    case arrow::Type::DURATION:
      return MakeIntEncoder<int64_t>(plan, *values, wrap);
    case arrow::Type::UINT8:
      return MakeIntEncoder<uint8_t>(plan, *values, wrap);
    case arrow::Type::UINT16:
      return MakeIntEncoder<uint16_t>(plan, *values, wrap);
    case arrow::Type::UINT32:
      return MakeIntEncoder<uint32_t>(plan, *values, wrap);
    case arrow::Type::UINT64:
      return MakeIntEncoder<uint64_t>(plan, *values, wrap);
    case arrow::Type::HALF_FLOAT:
      return MakeFloatEncoder<uint16_t>(plan, *values, wrap);
    case arrow::Type::FLOAT:
      return MakeFloatEncoder<float>(plan, *values, wrap);
    case arrow::Type::DOUBLE:
      return MakeFloatEncoder<double>(plan, *values, wrap);
    case arrow::Type::STRING:
    case arrow::Type::BINARY:
      return MakeBinaryEncoder<Offsets32Layout>(plan, *values, wrap);
    case arrow::Type::LARGE_STRING:
    case arrow::Type::LARGE_BINARY:
      return MakeBinaryEncoder<Offsets64Layout>(plan, *values, wrap);
    case arrow::Type::STRING_VIEW:
    case arrow::Type::BINARY_VIEW:
      return MakeBinaryEncoder<ViewLayout>(plan, *values, wrap);
    case arrow::Type::FIXED_SIZE_BINARY:
      return MakeBinaryEncoder<FixedLayout>(plan, *values, wrap);
    case arrow::Type::DECIMAL32: {
      const int32_t scale = static_cast<const arrow::DecimalType&>(type).scale();
      return wrap(DecimalCodec<int32_t, 1>(*values, scale));
    }
    case arrow::Type::DECIMAL64: {
      const int32_t scale = static_cast<const arrow::DecimalType&>(type).scale();
      return wrap(DecimalCodec<int64_t, 1>(*values, scale));
    }
    case arrow::Type::DECIMAL128: {
      const int32_t scale = static_cast<const arrow::DecimalType&>(type).scale();
      return wrap(DecimalCodec<uint64_t, 2>(*values, scale));
    }
    case arrow::Type::DECIMAL256: {
      const int32_t scale = static_cast<const arrow::DecimalType&>(type).scale();
      return wrap(DecimalCodec<uint64_t, 4>(*values, scale));
    }
    case arrow::Type::STRUCT: {
      const auto& structs = static_cast<const arrow::StructArray&>(*values);
      auto node = std::make_unique<MessageNode>(values->length(), owner, parent_offsets);
      std::vector<std::shared_ptr<arrow::Array>> members;
      for (int k = 0; k < structs.num_fields(); ++k) members.push_back(structs.field(k));
      ARROW_ZEROBUS_RETURN_NOT_OK(AddFields(plan.children, members, node.get()));
      return wrap(MessageCodec(*values->data(), std::move(node)));
    }
    default:
      return TypeMismatch(plan, type);
  }
}

}  // namespace arrow_zerobus::encode::internal
