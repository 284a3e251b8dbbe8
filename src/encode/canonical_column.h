// One column of a batch converted to its canonical Arrow field (see canonical_schema.h), with
// the rows whose values cannot be represented reported as row errors, in the order and wording
// of the protobuf encoder.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/array.h>
#include <arrow/type.h>

#include "arrow_zerobus/status.h"
#include "encode/row_error_collector.h"

namespace arrow_zerobus::encode::internal {

/// A value that did not convert: element `index` of the values given to LeafRules::Convert.
struct LeafFailure {
  int64_t index = 0;
  encode::RowErrorKind kind = encode::RowErrorKind::kNotConvertible;
  std::string cause;
};

/// Conversions of values without nested fields beyond the canonical ones (canonical_values.h):
/// the table fit's (table_values.h). The nested walk stays the same.
class LeafRules {
 public:
  virtual ~LeafRules() = default;
  /// Whether values of `source` go to `target` by these rules rather than the canonical cast.
  virtual bool Handles(const std::shared_ptr<arrow::DataType>& source,
                       const arrow::Field& target) const = 0;
  /// `values` as `target`'s type; each value that does not convert in `failures` (its output
  /// value unspecified). Nulls are the walk's to judge. Values outside every row (under a null
  /// parent) may fail too: the walk ignores them.
  virtual Result<std::shared_ptr<arrow::Array>> Convert(
      const std::shared_ptr<arrow::Array>& values, const arrow::Field& target,
      const std::string& path, std::vector<LeafFailure>* failures) const = 0;
};

/// Converts `column` (already decoded: no dictionary, run-end encoded, extension or list-view
/// layers) to the type of `target`. Rows with a value that does not fit, invalid UTF-8, or a
/// null where `target` (or a member, list item or map part of it) is not nullable are added to
/// `errors`; their converted values are unspecified. An array that needs no change is returned
/// as it is. Errors of the batch as a whole (not of one row) come back as a Status. With
/// `rules`, leaf values they handle are converted by them.
Result<std::shared_ptr<arrow::Array>> ConvertColumn(const std::shared_ptr<arrow::Array>& column,
                                                    const arrow::Field& target,
                                                    encode::internal::RowErrorCollector* errors,
                                                    const LeafRules* rules = nullptr);

}  // namespace arrow_zerobus::encode::internal
