// One column of a batch converted to its canonical Arrow field (see canonical_schema.h), with
// the rows whose values cannot be represented reported as row errors, in the order and wording
// of the protobuf encoder.
#pragma once

#include <memory>
#include <string>

#include <arrow/array.h>
#include <arrow/type.h>

#include "arrow_zerobus/status.h"
#include "encode/row_error_collector.h"

namespace arrow_zerobus::encode::internal {

/// Converts `column` (already decoded: no dictionary, run-end encoded, extension or list-view
/// layers) to the type of `target`. Rows with a value that does not fit, invalid UTF-8, or a
/// null where `target` (or a member, list item or map part of it) is not nullable are added to
/// `errors`; their converted values are unspecified. An array that needs no change is returned
/// as it is. Errors of the batch as a whole (not of one row) come back as a Status.
Result<std::shared_ptr<arrow::Array>> ConvertColumn(const std::shared_ptr<arrow::Array>& column,
                                                    const arrow::Field& target,
                                                    encode::internal::RowErrorCollector* errors);

}  // namespace arrow_zerobus::encode::internal
