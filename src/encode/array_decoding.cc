#include "encode/array_decoding.h"

#include <mutex>

#include <arrow/array/concatenate.h>
#include <arrow/compute/api.h>
#include <arrow/extension_type.h>
#include <arrow/type.h>

#include "schema/type_table.h"

namespace arrow_zerobus::encode::internal {
namespace {

/// The type with every string type replaced by the binary type of the same layout.
std::shared_ptr<arrow::DataType> StringsAsBinary(const std::shared_ptr<arrow::DataType>& type) {
  switch (type->id()) {
    case arrow::Type::STRING: return arrow::binary();
    case arrow::Type::LARGE_STRING: return arrow::large_binary();
    case arrow::Type::STRING_VIEW: return arrow::binary_view();
    case arrow::Type::DICTIONARY: {
      const auto& dict = static_cast<const arrow::DictionaryType&>(*type);
      return arrow::dictionary(dict.index_type(), StringsAsBinary(dict.value_type()),
                               dict.ordered());
    }
    case arrow::Type::EXTENSION:
      return StringsAsBinary(static_cast<const arrow::ExtensionType&>(*type).storage_type());
    default:
      break;
  }
  if (type->num_fields() == 0) return type;
  std::vector<std::shared_ptr<arrow::Field>> fields;
  for (const auto& f : type->fields()) fields.push_back(f->WithType(StringsAsBinary(f->type())));
  switch (type->id()) {
    case arrow::Type::STRUCT: return arrow::struct_(fields);
    case arrow::Type::LIST: return arrow::list(fields[0]);
    case arrow::Type::LARGE_LIST: return arrow::large_list(fields[0]);
    case arrow::Type::LIST_VIEW: return arrow::list_view(fields[0]);
    case arrow::Type::LARGE_LIST_VIEW: return arrow::large_list_view(fields[0]);
    case arrow::Type::FIXED_SIZE_LIST:
      return arrow::fixed_size_list(
          fields[0], static_cast<const arrow::FixedSizeListType&>(*type).list_size());
    case arrow::Type::MAP: {
      const auto& entries = fields[0]->type();
      return std::make_shared<arrow::MapType>(entries->field(0), entries->field(1),
                                              static_cast<const arrow::MapType&>(*type).keys_sorted());
    }
    case arrow::Type::RUN_END_ENCODED:
      return arrow::run_end_encoded(fields[0]->type(), fields[1]->type());
    default:
      return type;  // unions and others are refused when the schema is planned
  }
}

std::shared_ptr<arrow::ArrayData> WithStringsAsBinary(const arrow::ArrayData& data) {
  auto copy = std::make_shared<arrow::ArrayData>(data);
  copy->type = StringsAsBinary(data.type);
  for (auto& child : copy->child_data) child = WithStringsAsBinary(*child);
  if (copy->dictionary) copy->dictionary = WithStringsAsBinary(*copy->dictionary);
  return copy;
}

void EnsureComputeInitialized() {
  static std::once_flag once;
  std::call_once(once, [] { (void)arrow::compute::Initialize(); });
}

Status FromArrow(const arrow::Status& status, const std::string& column, const char* action) {
  return ConversionError("column '" + column + "': " + action + " failed: " + status.ToString());
}

}  // namespace

Status ValidateStructure(const arrow::Array& array, const std::string& column) {
  const arrow::Status st = arrow::MakeArray(WithStringsAsBinary(*array.data()))->ValidateFull();
  if (!st.ok()) {
    return ConversionError("column '" + column + "' is not valid Arrow data: " + st.message());
  }
  return Status::OK();
}

Result<std::shared_ptr<arrow::Array>> DecodeArray(const std::shared_ptr<arrow::Array>& array,
                                                  const std::string& column) {
  const arrow::DataType& type = *array->type();
  if (!schema::NeedsDecoding(type)) return array;
  EnsureComputeInitialized();
  switch (type.id()) {
    case arrow::Type::DICTIONARY: {
      const auto& dict = static_cast<const arrow::DictionaryArray&>(*array);
      auto taken = arrow::compute::Take(*dict.dictionary(), *dict.indices());
      if (!taken.ok()) return FromArrow(taken.status(), column, "decoding the dictionary");
      return DecodeArray(*taken, column);
    }
    case arrow::Type::RUN_END_ENCODED: {
      auto decoded = arrow::compute::RunEndDecode(array);
      if (!decoded.ok()) return FromArrow(decoded.status(), column, "decoding run-end encoding");
      return DecodeArray(decoded->make_array(), column);
    }
    case arrow::Type::EXTENSION:
      return DecodeArray(static_cast<const arrow::ExtensionArray&>(*array).storage(), column);
    case arrow::Type::LIST_VIEW:
    case arrow::Type::LARGE_LIST_VIEW: {
      const auto& element = type.field(0);
      auto target = type.id() == arrow::Type::LIST_VIEW ? arrow::list(element)
                                                        : arrow::large_list(element);
      auto cast = arrow::compute::Cast(*array, target);
      if (!cast.ok()) return FromArrow(cast.status(), column, "converting the list view");
      return DecodeArray(*cast, column);
    }
    case arrow::Type::STRUCT: {
      const auto& structs = static_cast<const arrow::StructArray&>(*array);
      std::vector<std::shared_ptr<arrow::Array>> children;
      std::vector<std::shared_ptr<arrow::Field>> fields;
      for (int k = 0; k < structs.num_fields(); ++k) {
        ARROW_ZEROBUS_ASSIGN_OR_RETURN(
            auto child, DecodeArray(structs.field(k), column + "." + type.field(k)->name()));
        fields.push_back(type.field(k)->WithType(child->type()));
        children.push_back(std::move(child));
      }
      auto bitmap = structs.null_count() == 0 ? nullptr : structs.null_bitmap();
      auto rebuilt = arrow::StructArray::Make(children, fields, bitmap, structs.null_count(),
                                              structs.offset());
      if (!rebuilt.ok()) return FromArrow(rebuilt.status(), column, "rebuilding the struct");
      return std::static_pointer_cast<arrow::Array>(*rebuilt);
    }
    case arrow::Type::LIST:
    case arrow::Type::LARGE_LIST:
    case arrow::Type::FIXED_SIZE_LIST:
    case arrow::Type::MAP: {
      const arrow::ArrayData& data = *array->data();
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(
          auto values, DecodeArray(arrow::MakeArray(data.child_data[0]), column + "[]"));
      std::shared_ptr<arrow::DataType> new_type;
      if (type.id() == arrow::Type::MAP) {
        const auto& map = static_cast<const arrow::MapType&>(type);
        const auto& entry_type = values->type();
        new_type = std::make_shared<arrow::MapType>(entry_type->field(0), entry_type->field(1),
                                                    map.keys_sorted());
      } else {
        auto element = type.field(0)->WithType(values->type());
        new_type = type.id() == arrow::Type::LIST       ? arrow::list(element)
                   : type.id() == arrow::Type::LARGE_LIST ? arrow::large_list(element)
                                                          : arrow::fixed_size_list(
                                                                element,
                                                                static_cast<const arrow::FixedSizeListType&>(type)
                                                                    .list_size());
      }
      auto copy = std::make_shared<arrow::ArrayData>(data);
      copy->type = std::move(new_type);
      copy->child_data = {values->data()};
      return arrow::MakeArray(copy);
    }
    default:
      return InternalError("column '" + column + "': no decoder for " + type.ToString());
  }
}

}  // namespace arrow_zerobus::encode::internal
