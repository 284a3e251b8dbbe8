// Naming rules shared by the planner: Zerobus column names, proto identifiers, field numbers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::schema {

/// Zerobus column names: ASCII letters, digits and '_', not starting with a digit.
Status CheckColumnName(std::string_view name, const std::string& path);

/// protobuf's CamelCase: '_' removed and the next character upper-cased, first letter upper-case.
/// A map field `my_tags` must have the entry message `MyTagsEntry`.
std::string ToCamelCase(std::string_view name);

/// The field number of the `index`-th field (0-based), skipping protobuf's reserved 19000-19999.
int32_t FieldNumberForIndex(int64_t index);

}  // namespace arrow_zerobus::schema
