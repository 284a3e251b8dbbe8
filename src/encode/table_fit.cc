#include "encode/table_fit.h"

#include <map>

#include "common/text.h"
#include "encode/array_decoding.h"
#include "encode/canonical_values.h"
#include "schema/planner_internal.h"
#include "schema/type_table.h"
#include "schema/uc_arrow_schema.h"

namespace arrow_zerobus::encode {
namespace {

using ArrayPtr = std::shared_ptr<arrow::Array>;
using arrow::Type;

std::string Join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

/// For each of `targets`, the index of the `sources` member of that name ignoring case, or -1.
/// Errors: two sources that differ only in case, a NOT NULL target without a source, a source
/// the targets lack (unless dropped, then listed in `dropped`).
Result<std::vector<int>> MatchByName(const arrow::FieldVector& sources,
                                     const arrow::FieldVector& targets, const std::string& prefix,
                                     const TableFitOptions& options,
                                     std::vector<std::string>* dropped) {
  std::map<std::string, int> by_name;
  for (int i = 0; i < static_cast<int>(sources.size()); ++i) {
    auto [at, inserted] = by_name.emplace(AsciiLower(sources[i]->name()), i);
    if (!inserted) {
      return ConfigurationError("columns '" + Join(prefix, sources[at->second]->name()) +
                                "' and '" + Join(prefix, sources[i]->name()) +
                                "' differ only in case; the table's names ignore case, so they "
                                "would fill the same column");
    }
  }
  std::vector<int> index(targets.size(), -1);
  std::vector<bool> used(sources.size(), false);
  for (size_t k = 0; k < targets.size(); ++k) {
    auto found = by_name.find(AsciiLower(targets[k]->name()));
    if (found != by_name.end()) {
      index[k] = found->second;
      used[found->second] = true;
    } else if (!targets[k]->nullable()) {
      return ConfigurationError("the table's column '" + Join(prefix, targets[k]->name()) +
                                "' is NOT NULL, but the batch has no column of that name: every "
                                "row would fail");
    }
  }
  for (size_t i = 0; i < sources.size(); ++i) {
    if (used[i]) continue;
    const std::string path = Join(prefix, sources[i]->name());
    if (!options.drop_extra_columns) {
      return ConfigurationError("column '" + path +
                                "' is not a column of the table; set drop_extra_columns to drop "
                                "columns the table lacks");
    }
    if (dropped != nullptr) dropped->push_back(path);
  }
  return index;
}

bool IsListLike(Type::type id) { return schema::internal::IsListLike(id); }

/// OK when values of `source` fill `target` (recursively), else the ConfigurationError.
Status CheckFits(const std::shared_ptr<arrow::DataType>& raw_source, const arrow::Field& target,
                 const TableFitOptions& options, const std::string& path,
                 std::vector<std::string>* dropped) {
  const auto source = schema::ResolveEncodedType(raw_source);
  if (source->id() == Type::NA) {
    if (target.nullable()) return Status::OK();
    return ConfigurationError("column '" + path +
                              "' has the null type, but the table's column is " +
                              "NOT NULL: every row would fail");
  }
  auto mismatch = [&] {
    return ConfigurationError("column '" + path + "' has Arrow type " + source->ToString() +
                              ", which does not convert to the table's " +
                              schema::TableTypeOf(target));
  };
  switch (target.type()->id()) {
    case Type::STRUCT: {
      if (source->id() != Type::STRUCT) return mismatch();
      const arrow::FieldVector& targets = target.type()->fields();
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(
          std::vector<int> index, MatchByName(source->fields(), targets, path, options, dropped));
      for (size_t k = 0; k < targets.size(); ++k) {
        if (index[k] < 0) continue;
        ARROW_ZEROBUS_RETURN_NOT_OK(CheckFits(source->field(index[k])->type(), *targets[k], options,
                                              Join(path, targets[k]->name()), dropped));
      }
      return Status::OK();
    }
    case Type::LIST:
      if (!IsListLike(source->id())) return mismatch();
      return CheckFits(source->field(0)->type(), *target.type()->field(0), options, path + "[]",
                       dropped);
    case Type::MAP: {
      if (source->id() != Type::MAP) return mismatch();
      const auto& from = static_cast<const arrow::MapType&>(*source);
      const auto& to = static_cast<const arrow::MapType&>(*target.type());
      ARROW_ZEROBUS_RETURN_NOT_OK(
          CheckFits(from.key_type(), *to.key_field(), options, path + ".key", dropped));
      return CheckFits(from.item_type(), *to.item_field(), options, path + ".value", dropped);
    }
    default:
      if (source->num_fields() > 0) return mismatch();
      return internal::CheckLeafFits(*source, target, options, path);
  }
}

Result<ArrayPtr> Nulls(const std::shared_ptr<arrow::DataType>& type, int64_t length,
                       const std::string& path) {
  auto nulls = arrow::MakeArrayOfNull(type, length);
  if (!nulls.ok()) return internal::FromArrow(nulls.status(), path, "making nulls");
  return *nulls;
}

/// `array` (decoded) with the members of its structs put in `target`'s order (missing nullable
/// ones as nulls, dropped ones left out) and null-typed values given `target`'s type, so that
/// ConvertColumn can walk both side by side. Unchanged parts are the caller's own arrays.
Result<ArrayPtr> Align(const ArrayPtr& array, const arrow::Field& target,
                       const TableFitOptions& options, const std::string& path) {
  if (array->type_id() == Type::NA) return Nulls(target.type(), array->length(), path);
  switch (target.type()->id()) {
    case Type::STRUCT: {
      const auto& structs = static_cast<const arrow::StructArray&>(*array);
      const arrow::FieldVector& targets = target.type()->fields();
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(
          std::vector<int> index,
          MatchByName(array->type()->fields(), targets, path, options, nullptr));
      bool unchanged = targets.size() == static_cast<size_t>(array->type()->num_fields());
      arrow::FieldVector fields;
      std::vector<std::shared_ptr<arrow::ArrayData>> children;
      for (size_t k = 0; k < targets.size(); ++k) {
        const std::string member_path = Join(path, targets[k]->name());
        ArrayPtr member;
        if (index[k] < 0) {
          ARROW_ZEROBUS_ASSIGN_OR_RETURN(member,
                                         Nulls(targets[k]->type(), array->length(), member_path));
        } else {
          const ArrayPtr source = structs.field(index[k]);
          ARROW_ZEROBUS_ASSIGN_OR_RETURN(member, Align(source, *targets[k], options, member_path));
          unchanged = unchanged && index[k] == static_cast<int>(k) && member == source;
        }
        fields.push_back(arrow::field(targets[k]->name(), member->type(), targets[k]->nullable()));
        children.push_back(member->data());
      }
      if (unchanged) return array;
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto bitmap, internal::ValidityFromZero(*array->data(), path));
      return arrow::MakeArray(arrow::ArrayData::Make(arrow::struct_(std::move(fields)),
                                                     array->length(), {std::move(bitmap)},
                                                     std::move(children), array->null_count()));
    }
    case Type::LIST: {
      const arrow::Field& item = *target.type()->field(0);
      const ArrayPtr values = arrow::MakeArray(array->data()->child_data[0]);
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto aligned, Align(values, item, options, path + "[]"));
      if (aligned == values) return array;
      auto data = array->data()->Copy();
      auto value_field = array->type()->field(0)->WithType(aligned->type());
      data->type = internal::WithChildFields(*array->type(), {value_field});
      data->child_data = {aligned->data()};
      return arrow::MakeArray(std::move(data));
    }
    case Type::MAP: {
      const auto& to = static_cast<const arrow::MapType&>(*target.type());
      const auto entries_data = array->data()->child_data[0];
      const auto entries =
          std::static_pointer_cast<arrow::StructArray>(arrow::MakeArray(entries_data));
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(
          auto keys, Align(entries->field(0), *to.key_field(), options, path + ".key"));
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(
          auto items, Align(entries->field(1), *to.item_field(), options, path + ".value"));
      if (keys == entries->field(0) && items == entries->field(1)) return array;
      const auto& from = static_cast<const arrow::MapType&>(*array->type());
      auto key_field = from.key_field()->WithType(keys->type());
      auto item_field = from.item_field()->WithType(items->type());
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto entry_bitmap,
                                     internal::ValidityFromZero(*entries_data, path));
      auto entry_data = arrow::ArrayData::Make(
          arrow::struct_({key_field, item_field}), entries->length(), {std::move(entry_bitmap)},
          {keys->data(), items->data()}, entries->null_count());
      auto data = array->data()->Copy();
      data->type = std::make_shared<arrow::MapType>(key_field, item_field, from.keys_sorted());
      data->child_data = {std::move(entry_data)};
      return arrow::MakeArray(std::move(data));
    }
    default:
      return array;
  }
}

}  // namespace

Result<TableFit> PlanTableFit(const std::shared_ptr<arrow::Schema>& source,
                              const std::shared_ptr<arrow::Schema>& table,
                              const TableFitOptions& options) {
  TableFit fit;
  fit.source = source;
  fit.table = table;
  fit.options = options;
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(
      fit.source_index, MatchByName(source->fields(), table->fields(), "", options, &fit.dropped));
  for (int k = 0; k < table->num_fields(); ++k) {
    const int c = fit.source_index[k];
    if (c < 0) continue;
    ARROW_ZEROBUS_RETURN_NOT_OK(CheckFits(source->field(c)->type(), *table->field(k), options,
                                          source->field(c)->name(), &fit.dropped));
  }
  return fit;
}

Result<CanonicalBatch> FitToTable(const TableFit& fit, const arrow::RecordBatch& batch,
                                  const CastOptions& options) {
  ARROW_ZEROBUS_RETURN_NOT_OK(internal::CheckBatchSchema(*fit.source, *batch.schema()));
  const int64_t n = batch.num_rows();
  if (n < 0) return ConversionError("batch has a negative row count (" + std::to_string(n) + ")");
  const internal::TableLeafRules rules(fit.options);
  internal::RowErrorCollector errors(n);
  std::vector<ArrayPtr> columns;
  bool zero_copy = true;
  for (int k = 0; k < fit.table->num_fields(); ++k) {
    const arrow::Field& target = *fit.table->field(k);
    const int c = fit.source_index[k];
    if (c < 0) {
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto nulls, Nulls(target.type(), n, target.name()));
      columns.push_back(std::move(nulls));
      zero_copy = false;
      continue;
    }
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto column, internal::ReadableColumn(batch, c, options));
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(column, Align(column, target, fit.options, target.name()));
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(column,
                                   internal::ConvertColumn(column, target, &errors, &rules));
    zero_copy = zero_copy && column == batch.column(c);
    columns.push_back(std::move(column));
  }
  return internal::AssembleCast(fit.table, n, std::move(columns), errors, zero_copy);
}

}  // namespace arrow_zerobus::encode
