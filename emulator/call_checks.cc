#include "call_checks.h"

#include <string_view>

namespace arrow_zerobus::emulator {

std::optional<std::string> ClientMetadata(const grpc::GenericCallbackServerContext& ctx,
                                          const char* key) {
  const auto& metadata = ctx.client_metadata();
  auto it = metadata.find(key);
  if (it == metadata.end()) return std::nullopt;
  return std::string(it->second.data(), it->second.size());
}

grpc::Status ToGrpc(const Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), status.message());
}

grpc::Status CheckCaller(EmulatorState* state, const grpc::GenericCallbackServerContext& ctx,
                         const std::string& table) {
  state->RecordCaller(table, {ClientMetadata(ctx, "user-agent").value_or(""),
                              ClientMetadata(ctx, "traceparent").value_or("")});
  if (state->options().require_auth) {
    const std::optional<std::string> authorization = ClientMetadata(ctx, "authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (!authorization || authorization->compare(0, kBearer.size(), kBearer) != 0) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          "Missing bearer token in the authorization header");
    }
    Status allowed = state->tokens().Check(authorization->substr(kBearer.size()), table);
    if (!allowed.ok()) return ToGrpc(allowed);
  }
  if (!state->TableExists(table)) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "Table '" + table + "' does not exist");
  }
  return grpc::Status::OK;
}

}  // namespace arrow_zerobus::emulator
