#include "wrapper/plain_types.h"

#include <vector>

namespace arrow_zerobus::internal {

std::shared_ptr<arrow::DataType> NonViewType(const std::shared_ptr<arrow::DataType>& type) {
  switch (type->id()) {
    case arrow::Type::STRING_VIEW:
      return arrow::utf8();
    case arrow::Type::BINARY_VIEW:
      return arrow::binary();
    case arrow::Type::LIST_VIEW: {
      const auto& field = type->field(0);
      return arrow::list(field->WithType(NonViewType(field->type())));
    }
    case arrow::Type::LARGE_LIST_VIEW: {
      const auto& field = type->field(0);
      return arrow::large_list(field->WithType(NonViewType(field->type())));
    }
    default:
      break;
  }
  if (type->num_fields() == 0) return type;
  std::vector<std::shared_ptr<arrow::Field>> fields;
  bool changed = false;
  for (const auto& field : type->fields()) {
    auto plain = NonViewType(field->type());
    changed = changed || !plain->Equals(*field->type());
    fields.push_back(field->WithType(plain));
  }
  if (!changed) return type;
  switch (type->id()) {
    case arrow::Type::LIST:
      return arrow::list(fields[0]);
    case arrow::Type::LARGE_LIST:
      return arrow::large_list(fields[0]);
    case arrow::Type::FIXED_SIZE_LIST:
      return arrow::fixed_size_list(
          fields[0], static_cast<const arrow::FixedSizeListType&>(*type).list_size());
    case arrow::Type::STRUCT:
      return arrow::struct_(fields);
    case arrow::Type::MAP: {
      const auto& map = static_cast<const arrow::MapType&>(*type);
      const auto& entries = fields[0]->type();
      return std::make_shared<arrow::MapType>(entries->field(0), entries->field(1),
                                              map.keys_sorted());
    }
    default:
      return type;  // unions and the like: left as they are
  }
}

}  // namespace arrow_zerobus::internal
