// What the end of a DoPut means to the client: the gRPC status (with its google.rpc details)
// translated into a Status of the right kind and retryability. A schema refusal (status details
// carrying ErrorInfo SCHEMA_VALIDATION_FAILED) is a configuration error no retry can fix.
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

/// The Status of a DoPut for `table` that ended with `status`; `ready` tells whether the server
/// had accepted the schema. Before that it is a setup failure (ConfigurationError for a schema
/// refusal, AuthenticationError for UNAUTHENTICATED / PERMISSION_DENIED, ConnectionError
/// otherwise), after it a TransmissionError. Retryable per retry::IsRetryableStatusCode, schema
/// refusals never; an end without an error status is retryable (UNKNOWN "Server closed the
/// stream" once ready).
Status TranslatePutEnd(const grpc::Status& status, bool ready, const std::string& table);

}  // namespace arrow_zerobus::flight
