// Leaf values of the Flight cast: arrays of a type without nested fields converted to their
// canonical type (canonical_schema.h) as the protobuf path converts them, and the validity
// helpers the nested walk (canonical_column.cc) needs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <arrow/array.h>
#include <arrow/buffer.h>
#include <arrow/type.h>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::encode::internal {

/// A ConversionError naming the column, what was being done and Arrow's error.
Status FromArrow(const arrow::Status& status, const std::string& path, const std::string& action);

/// The same buffers under another type of the same layout.
std::shared_ptr<arrow::Array> Relabel(const std::shared_ptr<arrow::Array>& values,
                                      std::shared_ptr<arrow::DataType> type);

/// Arrow's safe cast (exact, or an error naming the column).
Result<std::shared_ptr<arrow::Array>> CastExact(const std::shared_ptr<arrow::Array>& values,
                                                const std::shared_ptr<arrow::DataType>& target,
                                                const std::string& path);

/// The validity bitmap of `data` for an array that starts at offset 0 (null if no nulls).
Result<std::shared_ptr<arrow::Buffer>> ValidityFromZero(const arrow::ArrayData& data,
                                                        const std::string& path);

/// utf8, large_utf8 or utf8_view.
bool IsText(arrow::Type::type id);

/// `text` (large_utf8) with the values that are not part of any row (under a null struct, list
/// or map; `present[j]` is 0) made empty when they are not UTF-8: nothing reads them, but they
/// would make the batch invalid Arrow data. (Empty rather than null: map keys cannot be null.)
Result<std::shared_ptr<arrow::Array>> ClearHiddenInvalidText(
    const std::shared_ptr<arrow::Array>& text, const uint8_t* present, const std::string& path);

/// `values` (no nested fields, no encoding layers) converted to `target`: integers widened,
/// times rescaled to microseconds with the protobuf path's floor division, strings and bytes to
/// their large types, decimals to exact text. Values of rows that failed a check come out
/// unspecified. Arrays that need no change are returned as they are.
Result<std::shared_ptr<arrow::Array>> ConvertLeaf(const std::shared_ptr<arrow::Array>& values,
                                                  const std::shared_ptr<arrow::DataType>& target,
                                                  const std::string& path);

}  // namespace arrow_zerobus::encode::internal
