#include "schema_refusal.h"

#include <string>

#include "rpc_status.pb.h"

namespace arrow_zerobus::emulator {
namespace {

constexpr char kReason[] = "SCHEMA_VALIDATION_FAILED";
constexpr char kDomain[] = "zerobus.databricks.com";
constexpr char kErrorCode[] = "8001";
constexpr char kErrorInfoTypeUrl[] = "type.googleapis.com/google.rpc.ErrorInfo";

std::string CauseList(const std::vector<SchemaMismatch>& mismatches) {
  std::string causes;
  for (const auto& mismatch : mismatches) {
    const std::string padded = "," + causes + ",";
    if (padded.find("," + mismatch.cause + ",") != std::string::npos) continue;
    causes += (causes.empty() ? "" : ",") + mismatch.cause;
  }
  return causes;
}

}  // namespace

grpc::Status SchemaValidationFailed(const std::vector<SchemaMismatch>& mismatches) {
  const std::string causes = CauseList(mismatches);
  std::string message =
      std::string(kReason) + " (causes: " + causes + "; error_code " + kErrorCode + "): ";
  for (size_t i = 0; i < mismatches.size(); ++i) {
    message += (i == 0 ? "" : "; ") + mismatches[i].cause + ": " + mismatches[i].detail;
  }
  rpc::ErrorInfo info;
  info.set_reason(kReason);
  info.set_domain(kDomain);
  (*info.mutable_metadata())["causes"] = causes;
  (*info.mutable_metadata())["error_code"] = kErrorCode;
  rpc::RpcStatus details;
  details.set_code(grpc::StatusCode::INVALID_ARGUMENT);
  details.set_message(message);
  auto* any = details.add_details();
  any->set_type_url(kErrorInfoTypeUrl);
  any->set_value(info.SerializeAsString());
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message, details.SerializeAsString());
}

}  // namespace arrow_zerobus::emulator
