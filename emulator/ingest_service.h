// The emulator's gRPC service, on gRPC's callback API and raw bytes (requests are read without
// copying their records): databricks.zerobus.Zerobus/EphemeralStream here, and Arrow Flight's
// DoPut, handed to flight_put_service; both are BidiStreamReactors. Other methods are
// UNIMPLEMENTED.
#pragma once

#include <grpcpp/generic/async_generic_service.h>

#include "emulator_state.h"

namespace arrow_zerobus::emulator {

class IngestService final : public grpc::CallbackGenericService {
 public:
  explicit IngestService(EmulatorState* state);

  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override;

 private:
  EmulatorState* state_;
};

}  // namespace arrow_zerobus::emulator
