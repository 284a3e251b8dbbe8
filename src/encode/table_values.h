// The conversion table of schema_source: table. For a leaf value (no nested fields) of the
// caller's Arrow type and a column of the table's Arrow schema (schema/uc_arrow_schema.h), it
// says whether the values convert, and converts them with an error for each value that does
// not fit. Nested values (struct, list, map) are walked by ConvertColumn (canonical_column.h).
//
//   table column          Arrow values that convert (each value checked)
//   TINYINT..BIGINT       any integer (range)                   ; text if parse_strings
//   FLOAT                 any integer (exactly representable), float16, float32 ; text
//   DOUBLE                any integer (exactly representable), float16/32/64    ; text
//   BOOLEAN               bool                                  ; text "true"/"false"/"1"/"0"
//   STRING                utf8, large_utf8, utf8_view (UTF-8)
//   VARIANT               text holding one JSON value (UTF-8, JSON syntax)
//   BINARY                binary types, text
//   DATE                  date32, date64 (whole days); timestamps if truncate_to_date (floor
//                         to the day, zoned timestamps at their local day) ; text YYYY-MM-DD
//   TIMESTAMP             timestamps in any unit (no zone: read as UTC), date32/date64 (midnight
//                         UTC) ; ISO 8601 text (no offset: UTC)
//   TIMESTAMP_NTZ         timestamps in any unit (zoned: the local wall clock of their zone),
//                         date32/date64 ; ISO 8601 text without an offset
//   DECIMAL(p,s)          decimals of any width and scale, integers (rescaled exactly, at most p
//                         digits) ; decimal text
//   dictionary, run-end encoded and extension values convert as their values; the null type
//   fills nullable columns with nulls. Anything else is a ConfigurationError naming the column,
//   the Arrow type and the table's type.
#pragma once

#include <memory>
#include <string>

#include <arrow/type.h>

#include "arrow_zerobus/status.h"
#include "encode/canonical_column.h"

namespace arrow_zerobus::encode {

struct TableFitOptions {
  /// Caller columns (and struct members) the table lacks are dropped instead of refused.
  bool drop_extra_columns = false;
  /// Text converts to numbers, BOOLEAN, DATE, TIMESTAMP and DECIMAL columns by parsing.
  bool parse_strings = false;
  /// Timestamps convert to DATE columns, losing the time of day.
  bool truncate_to_date = false;
};

namespace internal {

/// OK when values of `source` (a leaf type, encoding layers resolved, not the null type, which
/// the fit plans itself) convert to `target` (a leaf field of the table's schema), else a
/// ConfigurationError naming `path`, both types and, where one would allow it, the setting.
Status CheckLeafFits(const arrow::DataType& source, const arrow::Field& target,
                     const TableFitOptions& options, const std::string& path);

/// The conversions of the table above that the canonical cast does not make.
class TableLeafRules final : public LeafRules {
 public:
  explicit TableLeafRules(TableFitOptions options) : options_(options) {}
  bool Handles(const std::shared_ptr<arrow::DataType>& source,
               const arrow::Field& target) const override;
  Result<std::shared_ptr<arrow::Array>> Convert(const std::shared_ptr<arrow::Array>& values,
                                                const arrow::Field& target, const std::string& path,
                                                std::vector<LeafFailure>* failures) const override;

 private:
  TableFitOptions options_;
};

}  // namespace internal
}  // namespace arrow_zerobus::encode
