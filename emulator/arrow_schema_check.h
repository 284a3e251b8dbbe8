// The check the service makes when an Arrow Flight stream opens: does the stream's Arrow schema
// fit the declared table? Each column must travel as its canonical Arrow type (protocol updates,
// section 1), fields must keep the table's column order, and every NOT NULL column must be there.
#pragma once

#include <string>
#include <vector>

#include <arrow/type_fwd.h>

#include "arrow_zerobus/status.h"
#include "table_schema.h"

namespace arrow_zerobus::emulator {

/// One reason a schema does not fit: the cause as the service names it in its ErrorInfo
/// (FIELD_NOT_IN_TABLE, MISSING_REQUIRED_COLUMN, FIELD_OUT_OF_ORDER, TYPE_INCOMPATIBLE,
/// FIELD_COUNT_MISMATCH) and a sentence naming the field or column concerned.
struct SchemaMismatch {
  std::string cause;
  std::string detail;
};

/// The Arrow type the SDKs send for a column of `type` (DECIMAL as exact large_utf8 text,
/// VARIANT as its binary struct); named in refusals.
std::shared_ptr<arrow::DataType> CanonicalArrowType(const UcType& type);

/// Every mismatch between `schema` and the table's `columns` (empty: the schema fits). Names are
/// matched case-insensitively; nullable columns may be left out; field nullability is not
/// checked. Fails only when a column's type text does not parse.
Result<std::vector<SchemaMismatch>> CheckArrowSchemaFitsTable(
    const arrow::Schema& schema, const std::vector<TableColumn>& columns);

}  // namespace arrow_zerobus::emulator
