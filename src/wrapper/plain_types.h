// View types (string_view, binary_view, list_view) and their plain counterparts: Arrow 26's Take
// has no kernel for views (polars exports strings as string_view), so rows are taken from the
// plain form.
#pragma once

#include <memory>

#include <arrow/type.h>

namespace arrow_zerobus::internal {

/// `type` with every view type, also nested, replaced by its plain counterpart (itself when it
/// has none).
std::shared_ptr<arrow::DataType> NonViewType(const std::shared_ptr<arrow::DataType>& type);

}  // namespace arrow_zerobus::internal
