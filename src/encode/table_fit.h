// schema_source: table. A caller's batch fitted to the table's Arrow schema (from Unity Catalog,
// schema/uc_arrow_schema.h): columns and struct members matched by name ignoring case (as Delta
// matches them), put in the table's order, the table's nullable columns the batch lacks filled
// with nulls, and every value converted by the table in table_values.h, each value that does
// not fit failing its row. The fitted batch then goes to either wire format unchanged.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/type.h>

#include "arrow_zerobus/status.h"
#include "encode/canonical_cast.h"
#include "encode/table_values.h"

namespace arrow_zerobus::encode {

/// How batches of one caller schema fill the table.
struct TableFit {
  std::shared_ptr<arrow::Schema> source;  ///< the caller's schema
  std::shared_ptr<arrow::Schema> table;   ///< the fitted batches' schema
  /// Per table column, the caller's column that fills it, or -1: the batch lacks it (nullable),
  /// and it is sent as null.
  std::vector<int> source_index;
  /// Caller columns and struct members the table lacks, dropped (drop_extra_columns).
  std::vector<std::string> dropped;
  TableFitOptions options;
};

/// Plans `source` against `table`. ConfigurationErrors name the column (path) and say why: two
/// names that differ only in case, a NOT NULL column (or member) the batch lacks (every row
/// would fail), a column the table lacks (unless dropped), a type that does not convert (and
/// the setting that would allow it).
Result<TableFit> PlanTableFit(const std::shared_ptr<arrow::Schema>& source,
                              const std::shared_ptr<arrow::Schema>& table,
                              const TableFitOptions& options);

/// `batch` (of fit.source) fitted to fit.table, without the rows whose values do not convert;
/// those are row errors naming row, column, value and the table's type.
Result<CanonicalBatch> FitToTable(const TableFit& fit, const arrow::RecordBatch& batch,
                                  const CastOptions& options = {});

}  // namespace arrow_zerobus::encode
