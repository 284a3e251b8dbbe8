// The emulator's gRPC service: databricks.zerobus.Zerobus/EphemeralStream, served with gRPC's
// callback API on raw bytes so that requests are read without copying their records.
#pragma once

#include <grpcpp/generic/async_generic_service.h>

#include "emulator_state.h"

namespace arrow_zerobus::emulator {

class IngestService final : public grpc::CallbackGenericService {
 public:
  explicit IngestService(EmulatorState* state) : state_(state) {}

  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override;

 private:
  EmulatorState* state_;
};

}  // namespace arrow_zerobus::emulator
