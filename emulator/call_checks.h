// Checks every emulator stream makes of its caller when it opens, whichever protocol it speaks
// (EphemeralStream or Arrow Flight DoPut): call metadata, bearer token, table existence.
#pragma once

#include <optional>
#include <string>

#include <grpcpp/generic/async_generic_service.h>

#include "arrow_zerobus/status.h"
#include "emulator_state.h"

namespace arrow_zerobus::emulator {

/// The call metadata that names a stream's table.
inline constexpr char kTableHeader[] = "x-databricks-zerobus-table-name";

/// The value of the call metadata `key`; nullopt when the client did not send it.
std::optional<std::string> ClientMetadata(const grpc::GenericCallbackServerContext& ctx,
                                          const char* key);

/// `status` as the gRPC status an RPC ends with (same code, same message).
grpc::Status ToGrpc(const Status& status);

/// The checks on the caller of a stream for `table` (a valid three-part name), in the service's
/// order: the bearer token, when the emulator requires auth, then the table's existence. Records
/// the caller's user-agent and traceparent for the table first.
grpc::Status CheckCaller(EmulatorState* state, const grpc::GenericCallbackServerContext& ctx,
                         const std::string& table);

}  // namespace arrow_zerobus::emulator
