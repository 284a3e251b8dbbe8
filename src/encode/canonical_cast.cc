#include "encode/canonical_cast.h"

#include <algorithm>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/compute/api.h>

#include "encode/array_decoding.h"
#include "encode/canonical_column.h"
#include "encode/row_error_collector.h"

namespace arrow_zerobus::encode {
namespace {

std::string Describe(const arrow::Field& field) {
  return "'" + field.name() + "' " + field.type()->ToString() +
         (field.nullable() ? "" : " not null");
}

/// The rows of `batch` that did not fail, through a boolean filter.
Result<std::shared_ptr<arrow::RecordBatch>> KeepRows(
    const std::shared_ptr<arrow::RecordBatch>& batch, const std::vector<uint8_t>& row_failed) {
  arrow::BooleanBuilder keep;
  arrow::Status st = keep.Reserve(batch->num_rows());
  if (st.ok()) {
    for (uint8_t failed : row_failed) keep.UnsafeAppend(failed == 0);
  }
  std::shared_ptr<arrow::Array> mask;
  if (st.ok()) st = keep.Finish(&mask);
  if (!st.ok()) return ConversionError("dropping failed rows failed: " + st.ToString());
  encode::internal::EnsureComputeInitialized();
  auto kept = arrow::compute::Filter(batch, mask);
  if (!kept.ok())
    return ConversionError("dropping failed rows failed: " + kept.status().ToString());
  return kept->record_batch();
}

}  // namespace

Result<CanonicalBatch> CastToCanonical(const CanonicalSchema& schema,
                                       const arrow::RecordBatch& batch,
                                       const CastOptions& options) {
  ARROW_ZEROBUS_RETURN_NOT_OK(internal::CheckBatchSchema(*schema.source, *batch.schema()));
  const int64_t n = batch.num_rows();
  // Read from an IPC stream or imported through the C data interface, the row count is the
  // sender's word; a batch without columns has nothing that would contradict it.
  if (n < 0) return ConversionError("batch has a negative row count (" + std::to_string(n) + ")");
  std::vector<int> canonical_index(schema.source->num_fields(), -1);
  for (size_t i = 0; i < schema.source_index.size(); ++i) {
    canonical_index[schema.source_index[i]] = static_cast<int>(i);
  }

  encode::internal::RowErrorCollector errors(n);
  std::vector<std::shared_ptr<arrow::Array>> columns(schema.source_index.size());
  bool zero_copy = true;
  // Source column order, so a row's first error is the one the protobuf encoder reports.
  for (int c = 0; c < batch.num_columns(); ++c) {
    const int target = canonical_index[c];
    if (target < 0) {
      return InternalError("column '" + batch.schema()->field(c)->name() +
                           "' has no place in the canonical schema");
    }
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto column, internal::ReadableColumn(batch, c, options));
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(
        columns[target],
        internal::ConvertColumn(column, *schema.canonical->field(target), &errors));
    zero_copy = zero_copy && columns[target] == batch.column(c);
  }
  return internal::AssembleCast(schema.canonical, n, std::move(columns), errors, zero_copy);
}

namespace internal {

Status CheckBatchSchema(const arrow::Schema& expected, const arrow::Schema& actual) {
  if (expected.num_fields() != actual.num_fields()) {
    return ConversionError("batch has " + std::to_string(actual.num_fields()) +
                           " columns but the stream's schema has " +
                           std::to_string(expected.num_fields()));
  }
  for (int i = 0; i < expected.num_fields(); ++i) {
    if (!expected.field(i)->Equals(*actual.field(i), /*check_metadata=*/false)) {
      return ConversionError("batch column " + std::to_string(i) + " is " +
                             Describe(*actual.field(i)) + " but the stream's schema has " +
                             Describe(*expected.field(i)));
    }
  }
  return Status::OK();
}

Result<std::shared_ptr<arrow::Array>> ReadableColumn(const arrow::RecordBatch& batch, int c,
                                                     const CastOptions& options) {
  const std::string& name = batch.schema()->field(c)->name();
  const int64_t n = batch.num_rows();
  std::shared_ptr<arrow::Array> column = batch.column(c);
  // RecordBatch::Make does not check its columns against the schema: a column of another type
  // was sent as it was, under the schema's type (the Protobuf encoder checks this too).
  if (!column->type()->Equals(*batch.schema()->field(c)->type())) {
    return ConversionError("column '" + name + "' holds " + column->type()->ToString() +
                           " values but the batch schema declares " +
                           batch.schema()->field(c)->type()->ToString());
  }
  if (column->length() != n) {
    return ConversionError("column '" + name + "' has " + std::to_string(column->length()) +
                           " values but the batch has " + std::to_string(n) + " rows");
  }
  if (options.validate) {
    ARROW_ZEROBUS_RETURN_NOT_OK(encode::internal::ValidateStructure(*column, name));
  }
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(column, encode::internal::AlignBuffers(column, name));
  return encode::internal::DecodeArray(column, name);
}

Result<CanonicalBatch> AssembleCast(const std::shared_ptr<arrow::Schema>& schema, int64_t n,
                                    std::vector<std::shared_ptr<arrow::Array>> columns,
                                    RowErrorCollector& errors, bool zero_copy) {
  CanonicalBatch out;
  out.num_rows = n;
  out.row_failed = std::move(errors.failed_rows());
  out.errors = std::move(errors.errors());
  std::sort(out.errors.begin(), out.errors.end(),
            [](const encode::RowError& a, const encode::RowError& b) { return a.row < b.row; });
  auto converted = arrow::RecordBatch::Make(schema, n, std::move(columns));
  if (out.errors.empty()) {
    out.batch = std::move(converted);
    out.zero_copy = zero_copy;
    return out;
  }
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(out.batch, KeepRows(converted, out.row_failed));
  out.kept_rows.reserve(n - out.failed_count());
  for (int64_t row = 0; row < n; ++row) {
    if (!out.row_failed[row]) out.kept_rows.push_back(row);
  }
  return out;
}

}  // namespace internal
}  // namespace arrow_zerobus::encode
