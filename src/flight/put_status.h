// The schema refusals in a DoPut's final status (its google.rpc details): a configuration error
// no retry can fix.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <grpcpp/support/status.h>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::flight {

/// The schema refusal a status' details (a serialized google.rpc.Status) describe.
struct SchemaRefusal {
  std::vector<std::string> causes;  ///< e.g. FIELD_NOT_IN_TABLE, TYPE_INCOMPATIBLE
  std::string error_code;           ///< e.g. "8001"
};

/// The refusal in `details`; nullopt when they hold no ErrorInfo with reason
/// SCHEMA_VALIDATION_FAILED.
std::optional<SchemaRefusal> ParseSchemaRefusal(const std::string& details);

/// The ConfigurationError of a DoPut for `table` that ended with a schema refusal (INVALID_ARGUMENT
/// whose details carry ErrorInfo SCHEMA_VALIDATION_FAILED), naming every cause and the service's
/// error code; nullopt for any other end (the stream engine translates those).
std::optional<Status> ExplainSchemaRefusal(const grpc::Status& status, const std::string& table);

}  // namespace arrow_zerobus::flight
