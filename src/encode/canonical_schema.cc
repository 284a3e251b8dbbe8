#include "encode/canonical_schema.h"

#include <map>
#include <set>

#include "schema/planner_internal.h"
#include "schema/type_table.h"

namespace arrow_zerobus::encode {
namespace {

using schema::internal::IsListLike;
using schema::internal::IsValidMapKeyType;
using schema::internal::ListElementField;

Result<std::vector<std::shared_ptr<arrow::Field>>> CanonicalMembers(
    const std::vector<std::shared_ptr<arrow::Field>>& fields, const std::string& path_prefix) {
  std::vector<std::shared_ptr<arrow::Field>> out;
  std::set<std::string> seen;
  for (const auto& field : fields) {
    const std::string path =
        path_prefix.empty() ? field->name() : path_prefix + "." + field->name();
    if (!seen.insert(field->name()).second) {
      return ConfigurationError("column '" + path + "' appears twice; column names must be unique");
    }
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto canonical, CanonicalField(*field, path));
    out.push_back(std::move(canonical));
  }
  return out;
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "'" : ", '") + name + "'";
  return out;
}

}  // namespace

Result<std::shared_ptr<arrow::DataType>> CanonicalValueType(
    const std::shared_ptr<arrow::DataType>& type, const std::string& path) {
  // The protobuf type table decides what is supported, so both formats refuse the same types.
  ARROW_ZEROBUS_RETURN_NOT_OK(schema::MapValueType(*type, path).status());
  switch (type->id()) {
    case arrow::Type::BOOL:
    case arrow::Type::INT8:
    case arrow::Type::INT16:
    case arrow::Type::INT32:
    case arrow::Type::INT64:
    case arrow::Type::FLOAT:
    case arrow::Type::DOUBLE:
    case arrow::Type::DATE32:
      return type;
    case arrow::Type::UINT8:
    case arrow::Type::UINT16:
      return arrow::int32();
    case arrow::Type::UINT32:
    case arrow::Type::UINT64:  // values above INT64_MAX are row errors
      return arrow::int64();
    case arrow::Type::HALF_FLOAT:
      return arrow::float32();
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING:
    case arrow::Type::STRING_VIEW:
      return arrow::large_utf8();
    case arrow::Type::BINARY:
    case arrow::Type::LARGE_BINARY:
    case arrow::Type::BINARY_VIEW:
    case arrow::Type::FIXED_SIZE_BINARY:
      return arrow::large_binary();
    case arrow::Type::DATE64:
      return arrow::date32();
    case arrow::Type::TIMESTAMP: {
      // Arrow stores timestamps with a zone as UTC instants already: only the label changes.
      const bool zoned = !static_cast<const arrow::TimestampType&>(*type).timezone().empty();
      return zoned ? arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")
                   : arrow::timestamp(arrow::TimeUnit::MICRO);
    }
    case arrow::Type::TIME32:
    case arrow::Type::TIME64:
    case arrow::Type::DURATION:
      return arrow::int64();
    case arrow::Type::DECIMAL32:
    case arrow::Type::DECIMAL64:
    case arrow::Type::DECIMAL128:
    case arrow::Type::DECIMAL256:
      // DECIMAL as exact text, as on the protobuf path (PR #270 of the SDKs: LargeUtf8).
      return arrow::large_utf8();
    case arrow::Type::STRUCT: {
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto members, CanonicalMembers(type->fields(), path));
      return arrow::struct_(std::move(members));
    }
    default:
      return InternalError("column '" + path + "': no canonical type for " + type->ToString());
  }
}

Result<std::shared_ptr<arrow::Field>> CanonicalField(const arrow::Field& field,
                                                     const std::string& path) {
  const auto resolved = schema::ResolveEncodedType(field.type());
  std::shared_ptr<arrow::DataType> type;
  if (IsListLike(resolved->id())) {
    const auto& element = ListElementField(*resolved);
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(
        auto item, CanonicalValueType(schema::ResolveEncodedType(element->type()), path + "[]"));
    type = arrow::list(arrow::field(kListItemName, std::move(item), element->nullable()));
  } else if (resolved->id() == arrow::Type::MAP) {
    const auto& map = static_cast<const arrow::MapType&>(*resolved);
    const auto key = schema::ResolveEncodedType(map.key_type());
    if (!IsValidMapKeyType(*key)) {
      return ConfigurationError("column '" + path + "' is " + map.ToString() +
                                ": map keys must be integers, bool or strings, not " +
                                key->ToString());
    }
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto key_type, CanonicalValueType(key, path + ".key"));
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(
        auto value_type,
        CanonicalValueType(schema::ResolveEncodedType(map.item_type()), path + ".value"));
    type = std::make_shared<arrow::MapType>(arrow::field(
        kMapEntriesName,
        arrow::struct_(
            {arrow::field(kMapKeyName, std::move(key_type), false),
             arrow::field(kMapValueName, std::move(value_type), map.item_field()->nullable())}),
        false));
  } else {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(type, CanonicalValueType(resolved, path));
  }
  return arrow::field(field.name(), std::move(type), field.nullable());
}

Result<CanonicalSchema> MakeCanonicalSchema(const std::shared_ptr<arrow::Schema>& schema,
                                            const CanonicalSchemaOptions& options) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto fields, CanonicalMembers(schema->fields(), ""));
  CanonicalSchema out;
  out.source = schema;
  if (options.column_order.empty()) {
    for (int i = 0; i < schema->num_fields(); ++i) out.source_index.push_back(i);
    out.canonical = arrow::schema(std::move(fields));
    return out;
  }

  std::map<std::string, int> table_position;
  for (const auto& name : options.column_order) {
    const int position = static_cast<int>(table_position.size());
    if (!table_position.emplace(name, position).second) {
      return ConfigurationError("the table column order names '" + name + "' twice");
    }
  }
  std::vector<std::string> unknown;
  for (const auto& field : schema->fields()) {
    if (table_position.count(field->name()) == 0) unknown.push_back(field->name());
  }
  if (!unknown.empty()) {
    return ConfigurationError("column(s) " + JoinNames(unknown) +
                              " of the batch are not in the table, whose columns are " +
                              JoinNames(options.column_order));
  }
  std::vector<std::shared_ptr<arrow::Field>> ordered;
  std::vector<std::string> missing;
  for (const auto& name : options.column_order) {
    const int index = schema->GetFieldIndex(name);
    if (index == -1) {
      missing.push_back(name);
      continue;
    }
    out.source_index.push_back(index);
    ordered.push_back(fields[index]);
  }
  if (!missing.empty() && !options.allow_omitted_columns) {
    return ConfigurationError("table column(s) " + JoinNames(missing) +
                              " are missing from the batch (allow omitted columns to let the "
                              "service write NULL into nullable ones)");
  }
  out.canonical = arrow::schema(std::move(ordered));
  return out;
}

}  // namespace arrow_zerobus::encode
