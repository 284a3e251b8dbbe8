// The values of an Arrow Flight batch checked against the declared table, as the service checks
// what it writes: NOT NULL columns (and NOT NULL struct members) have values, DATE and TIMESTAMP
// values fit Delta's range, DECIMAL text fits its precision and scale, VARIANT values carry a
// version 1 metadata header. The batch's schema has already been checked to fit the table.
#pragma once

#include <vector>

#include <arrow/type_fwd.h>

#include "arrow_zerobus/status.h"
#include "table_schema.h"

namespace arrow_zerobus::emulator {

/// OK, or INVALID_ARGUMENT for the first value a column cannot hold, naming the row, the column
/// (a path for nested values: "address.zip", "tags[]"), its type and the value.
Status CheckBatchValues(const arrow::RecordBatch& batch, const std::vector<UcType::Field>& columns);

}  // namespace arrow_zerobus::emulator
