#include "wrapper/failed_values.h"

#include <string>

#include <arrow/array/builder_primitive.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/cast.h>
#include <arrow/datum.h>

#include "wrapper/plain_types.h"

namespace arrow_zerobus::internal {
namespace {

// The column in its plain form: Arrow has no Take for view types.
Result<std::shared_ptr<arrow::Array>> PlainColumn(const std::shared_ptr<arrow::Array>& column,
                                                  const std::string& name) {
  auto plain = NonViewType(column->type());
  if (plain->Equals(*column->type())) return column;
  auto cast = arrow::compute::Cast(*column, plain);
  if (!cast.ok()) {
    return InternalError("cannot cast column '" + name + "' (" + column->type()->ToString() +
                         ") for Take: " + cast.status().ToString());
  }
  return std::move(cast).ValueOrDie();
}

Result<std::shared_ptr<arrow::Array>> IndexArray(const std::vector<int64_t>& rows) {
  arrow::Int64Builder indices;
  auto appended = indices.AppendValues(rows);
  std::shared_ptr<arrow::Array> index_array;
  if (appended.ok()) appended = indices.Finish(&index_array);
  if (!appended.ok()) return InternalError("cannot build row indices: " + appended.ToString());
  return index_array;
}

// `batch` with its view-typed columns cast to their plain forms (the other columns shared).
Result<std::shared_ptr<arrow::RecordBatch>> PlainBatch(const arrow::RecordBatch& batch) {
  std::vector<std::shared_ptr<arrow::Field>> fields = batch.schema()->fields();
  std::vector<std::shared_ptr<arrow::Array>> columns;
  for (int i = 0; i < batch.num_columns(); ++i) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::shared_ptr<arrow::Array> column,
                                   PlainColumn(batch.column(i), fields[i]->name()));
    fields[i] = fields[i]->WithType(column->type());
    columns.push_back(std::move(column));
  }
  return arrow::RecordBatch::Make(arrow::schema(fields, batch.schema()->metadata()),
                                  batch.num_rows(), std::move(columns));
}

}  // namespace

Result<std::shared_ptr<arrow::RecordBatch>> TakeRows(const arrow::RecordBatch& batch,
                                                     const std::vector<int64_t>& rows) {
  const bool every_row = static_cast<int64_t>(rows.size()) == batch.num_rows();
  std::shared_ptr<arrow::Array> index_array;
  if (!every_row) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(index_array, IndexArray(rows));
  }
  std::vector<std::shared_ptr<arrow::Field>> fields = batch.schema()->fields();
  std::vector<std::shared_ptr<arrow::Array>> columns;
  columns.reserve(batch.num_columns());
  for (int i = 0; i < batch.num_columns(); ++i) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::shared_ptr<arrow::Array> column,
                                   PlainColumn(batch.column(i), fields[i]->name()));
    fields[i] = fields[i]->WithType(column->type());
    if (every_row) {
      columns.push_back(std::move(column));
      continue;
    }
    auto taken = arrow::compute::Take(*column, *index_array);
    if (!taken.ok()) {
      return InternalError("Arrow Take failed in column '" + fields[i]->name() +
                           "': " + taken.status().ToString());
    }
    columns.push_back(std::move(taken).ValueOrDie());
  }
  return arrow::RecordBatch::Make(arrow::schema(fields, batch.schema()->metadata()),
                                  static_cast<int64_t>(rows.size()), std::move(columns));
}

std::shared_ptr<arrow::Schema> NullableSchema(const arrow::Schema& schema) {
  std::vector<std::shared_ptr<arrow::Field>> fields;
  fields.reserve(schema.num_fields());
  for (const auto& field : schema.fields()) fields.push_back(field->WithNullable(true));
  return arrow::schema(std::move(fields), schema.metadata());
}

std::shared_ptr<arrow::RecordBatch> KeepFailedValues(const TransmissionResult& result,
                                                     const arrow::RecordBatch& batch) {
  if (batch.num_rows() != result.total_rows) return nullptr;
  std::shared_ptr<arrow::RecordBatch> values;
  if (result.failed_count == batch.num_rows()) {
    // Every row failed: the batch itself, as it is (a view column cast would be a copy).
    values = batch.Slice(0);
  } else {
    auto taken = TakeRows(batch, result.get_failed_row_indices());
    if (!taken.ok()) return nullptr;
    values = std::move(taken).value();
  }
  return arrow::RecordBatch::Make(NullableSchema(*values->schema()), values->num_rows(),
                                  values->columns());
}

void FailedValuesMerger::Add(const std::shared_ptr<arrow::RecordBatch>& values) {
  if (values == nullptr) {
    missing_ = true;
  } else if (values->num_rows() > 0) {
    pieces_.push_back(values);
  } else if (empty_ == nullptr) {
    empty_ = values;
  }
}

std::shared_ptr<arrow::RecordBatch> FailedValuesMerger::Finish() {
  if (missing_) return nullptr;
  if (pieces_.empty()) return empty_;
  if (pieces_.size() == 1) return pieces_[0];
  auto merged = arrow::ConcatenateRecordBatches(pieces_);
  if (merged.ok()) return *merged;
  // A batch whose rows all failed keeps its view types; the others have the plain forms.
  std::vector<std::shared_ptr<arrow::RecordBatch>> plain;
  for (const auto& piece : pieces_) {
    auto taken = PlainBatch(*piece);
    if (!taken.ok()) return nullptr;
    plain.push_back(std::move(taken).value());
  }
  merged = arrow::ConcatenateRecordBatches(plain);
  return merged.ok() ? *merged : nullptr;
}

}  // namespace arrow_zerobus::internal
