// Whether a compression level suits an Arrow codec, checked where settings are validated and
// again where the codec is made.
#pragma once

#include <cstdint>
#include <optional>

#include <arrow/util/type_fwd.h>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus {

/// A ConfigurationError naming the codec's range when `level` is outside it, or when the codec
/// takes no level (UNCOMPRESSED among them). OK for an unset level.
Status CheckCompressionLevel(arrow::Compression::type codec, std::optional<int64_t> level);

}  // namespace arrow_zerobus
