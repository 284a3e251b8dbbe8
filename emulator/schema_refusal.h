// How the service refuses an Arrow Flight stream whose schema does not fit its table: status
// INVALID_ARGUMENT with a google.rpc.ErrorInfo in the status details (protocol updates, sections 2
// and 5), which the SDKs turn into a non-retryable InvalidSchema error listing the causes.
#pragma once

#include <vector>

#include <grpcpp/support/status.h>

#include "arrow_schema_check.h"

namespace arrow_zerobus::emulator {

/// INVALID_ARGUMENT whose message names every mismatch and whose details carry ErrorInfo{reason
/// SCHEMA_VALIDATION_FAILED, domain zerobus.databricks.com, metadata {causes: "A,B" (each cause
/// once, in order of appearance), error_code: "8001"}}. `mismatches` must not be empty.
grpc::Status SchemaValidationFailed(const std::vector<SchemaMismatch>& mismatches);

}  // namespace arrow_zerobus::emulator
