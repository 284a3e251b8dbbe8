// The emulator's Arrow Flight endpoint: /arrow.flight.protocol.FlightService/DoPut as Zerobus
// serves it (protocol reference section 6, updates section 2). The table comes from the
// x-databricks-zerobus-table-name header; the first FlightData is the IPC schema, checked against
// the declared table before the READY PutResult; every later one is a record batch tagged
// {"offset_id": N}, acked by cumulative rows. Fault scripts apply as on EphemeralStream.
#pragma once

#include <grpcpp/generic/async_generic_service.h>

#include "emulator_state.h"

namespace arrow_zerobus::emulator {

inline constexpr char kFlightDoPutMethod[] = "/arrow.flight.protocol.FlightService/DoPut";

/// A reactor for one DoPut call; it deletes itself when the call is done.
grpc::ServerGenericBidiReactor* NewFlightPutReactor(EmulatorState* state,
                                                    grpc::GenericCallbackServerContext* ctx);

}  // namespace arrow_zerobus::emulator
