#include "wrapper/table_format.h"

#include <charconv>

#include "common/lru_cache.h"
#include "encode/table_fit.h"
#include "schema/plan_cache.h"
#include "schema/uc_arrow_schema.h"

namespace arrow_zerobus::internal {
namespace {

/// `error` of fitted row `error.row`, renumbered as the caller's row `row` (its message starts
/// "row <n>", as RowErrorCollector writes it).
encode::RowError Renumbered(encode::RowError error, int64_t row) {
  const std::string prefix = "row " + std::to_string(error.row);
  if (error.message.rfind(prefix, 0) == 0) {
    error.message = "row " + std::to_string(row) + error.message.substr(prefix.size());
  }
  error.row = row;
  return error;
}

/// `encoded`, which covers the fitted rows, as the outcome of the caller's rows: fitted row k is
/// caller row fit.SourceRow(k); the rows the fit failed keep its errors and no bytes.
void ToCallerRows(const encode::CanonicalBatch& fit, encode::EncodedBatch* encoded) {
  if (fit.failed_count() == 0) return;  // every row fitted: the numbers agree
  const int64_t n = fit.num_rows;
  std::vector<int64_t> offsets;
  if (!encoded->offsets.empty()) {
    offsets.resize(n + 1);
    int64_t k = 0;
    for (int64_t row = 0; row < n; ++row) {
      offsets[row] = encoded->offsets[k];
      if (!fit.failed(row)) ++k;
    }
    offsets[n] = encoded->offsets[k];
  }
  std::vector<uint8_t> failed = fit.row_failed;
  std::vector<encode::RowError> errors = fit.errors;
  for (const encode::RowError& error : encoded->errors) {
    const int64_t row = fit.SourceRow(error.row);
    failed[row] = 1;
    errors.push_back(Renumbered(error, row));
  }
  std::sort(errors.begin(), errors.end(),
            [](const encode::RowError& a, const encode::RowError& b) { return a.row < b.row; });
  encoded->num_rows = n;
  encoded->offsets = std::move(offsets);
  encoded->row_failed = std::move(failed);
  encoded->errors = std::move(errors);
}

/// The path of the first VARIANT in `field` (itself, or nested in it), or "".
std::string VariantPath(const arrow::Field& field, const std::string& path) {
  if (schema::IsVariantField(field)) return path;
  for (const auto& child : field.type()->fields()) {
    const bool member = field.type()->id() == arrow::Type::STRUCT;
    const std::string child_path = member ? path + "." + child->name()
                                   : field.type()->id() == arrow::Type::LIST ? path + "[]"
                                                                             : path;
    if (std::string found = VariantPath(*child, child_path); !found.empty()) return found;
  }
  return "";
}

class TableFormat final : public SendFormat {
 public:
  TableFormat(std::unique_ptr<SendFormat> wire, std::shared_ptr<arrow::Schema> table,
              encode::TableFitOptions options)
      : wire_(std::move(wire)), table_(std::move(table)), options_(options) {}

  Status Prepare(BatchJob& job) const override {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto fit, Plan(job.batch()->schema()));
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(encode::CanonicalBatch fitted,
                                   encode::FitToTable(*fit, *job.batch()));
    job.fitted_input = fitted.batch;
    job.input_validated = true;
    ARROW_ZEROBUS_RETURN_NOT_OK(wire_->Prepare(job));
    ToCallerRows(fitted, &job.encoded);
    if (job.debug_records.num_rows > 0) ToCallerRows(fitted, &job.debug_records);
    if (fitted.failed_count() > 0) {
      std::vector<int64_t> kept;
      if (job.kept_rows.empty()) {
        kept = fitted.kept_rows;
      } else {
        kept.reserve(job.kept_rows.size());
        for (int64_t k : job.kept_rows) kept.push_back(fitted.kept_rows[k]);
      }
      job.kept_rows = std::move(kept);
    }
    return Status::OK();
  }

  Status CheckSchema(const std::shared_ptr<arrow::Schema>& schema) const override {
    ARROW_ZEROBUS_RETURN_NOT_OK(Plan(schema).status());
    return wire_->CheckSchema(table_);
  }

  bool Fits(const BatchJob& job, const stream::StreamProtocol& protocol) const override {
    return wire_->Fits(job, protocol);
  }
  Result<std::shared_ptr<const stream::StreamProtocol>> MakeProtocol(
      const BatchJob& job) const override {
    return wire_->MakeProtocol(job);
  }
  Result<RequestBatch> Requests(BatchJob& job,
                                const stream::StreamProtocol& protocol) const override {
    return wire_->Requests(job, protocol);
  }
  const encode::EncodedBatch& DebugRecords(const BatchJob& job) const override {
    return wire_->DebugRecords(job);
  }

 private:
  Result<std::shared_ptr<const encode::TableFit>> Plan(
      const std::shared_ptr<arrow::Schema>& schema) const {
    return fits_.GetOrMake(
        schema::SchemaCacheKey(*schema), [&]() -> Result<std::shared_ptr<const encode::TableFit>> {
          ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto fit, encode::PlanTableFit(schema, table_, options_));
          return std::make_shared<const encode::TableFit>(std::move(fit));
        });
  }

  std::unique_ptr<SendFormat> wire_;
  std::shared_ptr<arrow::Schema> table_;
  encode::TableFitOptions options_;
  mutable LruCache<encode::TableFit> fits_{16};
};

}  // namespace

Result<std::unique_ptr<SendFormat>> MakeTableFormat(std::unique_ptr<SendFormat> wire,
                                                    const WrapperConfiguration& config,
                                                    const std::vector<schema::UcColumn>& columns) {
  const std::string context = "schema_source table: the columns of " + config.table_name;
  auto table = schema::ArrowSchemaFromUcColumns(columns);
  if (!table.ok()) return table.status().WithContext(context);
  if (config.wire_format == WireFormat::kArrow) {
    for (const auto& field : (*table)->fields()) {
      if (const std::string path = VariantPath(*field, field->name()); !path.empty()) {
        return ConfigurationError(
            "column '" + path +
            "' is VARIANT, which the Arrow format sends as variant-encoded binary (metadata and "
            "value), not written by this library: use wire_format protobuf, where VARIANT is "
            "JSON text");
      }
    }
  }
  encode::TableFitOptions options;
  options.drop_extra_columns = config.drop_extra_columns;
  options.parse_strings = config.parse_strings;
  options.truncate_to_date = config.truncate_to_date;
  return std::unique_ptr<SendFormat>(
      new TableFormat(std::move(wire), std::move(table).value(), options));
}

}  // namespace arrow_zerobus::internal
