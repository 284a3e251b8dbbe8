// schema_source table: a SendFormat around the wire format that first fits each batch to the
// table (encode/table_fit.h), then lets the wire format convert the fitted rows, and reports the
// outcome of every row under the caller's row numbers.
#pragma once

#include <memory>
#include <vector>

#include "arrow_zerobus/config.h"
#include "schema/uc_descriptor.h"
#include "wrapper/send_format.h"

namespace arrow_zerobus::internal {

/// `wire` (the Protobuf or Arrow format) behind the fit to the table of `columns`.
/// ConfigurationError when the table cannot be sent in the configured wire format.
Result<std::unique_ptr<SendFormat>> MakeTableFormat(std::unique_ptr<SendFormat> wire,
                                                    const WrapperConfiguration& config,
                                                    const std::vector<schema::UcColumn>& columns);

}  // namespace arrow_zerobus::internal
