#include "common/compression_level.h"

#include <string>

#include <arrow/util/compression.h>

namespace arrow_zerobus {

Status CheckCompressionLevel(arrow::Compression::type codec, std::optional<int64_t> level) {
  if (!level.has_value()) return Status::OK();
  const std::string given = std::to_string(*level);
  if (codec == arrow::Compression::UNCOMPRESSED) {
    return ConfigurationError("arrow_ipc_compression_level " + given +
                              " needs a compression: set arrow_ipc_compression to lz4_frame or "
                              "zstd, or leave the level unset");
  }
  const std::string name = arrow::util::Codec::GetCodecAsString(codec);
  if (!arrow::util::Codec::SupportsCompressionLevel(codec)) {
    return ConfigurationError("arrow_ipc_compression_level " + given + ": Arrow's " + name +
                              " codec takes no level; leave it unset");
  }
  const auto minimum = arrow::util::Codec::MinimumCompressionLevel(codec);
  const auto maximum = arrow::util::Codec::MaximumCompressionLevel(codec);
  if (minimum.ok() && maximum.ok() && (*level < *minimum || *level > *maximum)) {
    return ConfigurationError("arrow_ipc_compression_level " + given + " is outside " + name +
                              "'s range " + std::to_string(*minimum) + ".." +
                              std::to_string(*maximum));
  }
  return Status::OK();
}

}  // namespace arrow_zerobus
