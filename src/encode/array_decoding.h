// Batch-level preparation of Arrow arrays before encoding: full validation (with string types
// checked as bytes, so invalid UTF-8 stays a row error) and decoding of dictionary, run-end
// encoded, extension and list-view arrays into plain arrays.
#pragma once

#include <memory>
#include <vector>

#include <arrow/array.h>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::encode::internal {

/// Registers Arrow's compute kernels (Take, Cast, Filter) once; call before using them.
void EnsureComputeInitialized();

/// `type` (a nested type: struct, list-like, map, run-end encoded) with new child fields, in
/// the type's own order; other types are returned as they are.
std::shared_ptr<arrow::DataType> WithChildFields(
    const arrow::DataType& type, const std::vector<std::shared_ptr<arrow::Field>>& fields);

/// arrow::Array::ValidateFull, except that UTF-8 validity of string values is not checked.
Status ValidateStructure(const arrow::Array& array, const std::string& column);

/// `array` itself when every buffer is aligned for its values, else a copy of the buffers that
/// are not: Arrow's IPC reader leaves buffers where the stream put them, and reading an int64
/// from an address that is not a multiple of 8 is undefined behaviour.
Result<std::shared_ptr<arrow::Array>> AlignBuffers(const std::shared_ptr<arrow::Array>& array,
                                                   const std::string& column);

/// The same values with dictionary, run-end encoded, extension and list-view layers decoded,
/// at any nesting depth. Arrays that need nothing are returned as they are.
Result<std::shared_ptr<arrow::Array>> DecodeArray(const std::shared_ptr<arrow::Array>& array,
                                                  const std::string& column);

}  // namespace arrow_zerobus::encode::internal
