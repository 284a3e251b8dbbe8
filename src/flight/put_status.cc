#include "flight/put_status.h"

#include <string_view>

#include "common/text.h"
#include "rpc_status.pb.h"

namespace arrow_zerobus::flight {
namespace {

constexpr char kSchemaRefusalReason[] = "SCHEMA_VALIDATION_FAILED";
constexpr std::string_view kErrorInfoType = "google.rpc.ErrorInfo";

bool IsErrorInfo(const std::string& type_url) {
  // "type.googleapis.com/google.rpc.ErrorInfo": only the part after the last '/' names the type.
  const size_t slash = type_url.rfind('/');
  return std::string_view(type_url).substr(slash == std::string::npos ? 0 : slash + 1) ==
         kErrorInfoType;
}

std::vector<std::string> SplitCauses(std::string_view list) {
  std::vector<std::string> causes;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view cause = TrimWhitespace(list.substr(0, comma));
    if (!cause.empty()) causes.emplace_back(cause);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return causes;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string joined;
  for (const std::string& part : parts) joined += (joined.empty() ? "" : ", ") + part;
  return joined;
}

}  // namespace

std::optional<SchemaRefusal> ParseSchemaRefusal(const std::string& details) {
  rpc::RpcStatus status;
  if (details.empty() || !status.ParseFromString(details)) return std::nullopt;
  for (const auto& any : status.details()) {
    rpc::ErrorInfo info;
    if (!IsErrorInfo(any.type_url()) || !info.ParseFromString(any.value()) ||
        info.reason() != kSchemaRefusalReason) {
      continue;
    }
    SchemaRefusal refusal;
    if (auto causes = info.metadata().find("causes"); causes != info.metadata().end()) {
      refusal.causes = SplitCauses(causes->second);
    }
    if (auto code = info.metadata().find("error_code"); code != info.metadata().end()) {
      refusal.error_code = code->second;
    }
    return refusal;
  }
  return std::nullopt;
}

std::optional<Status> ExplainSchemaRefusal(const grpc::Status& status, const std::string& table) {
  if (status.error_code() != grpc::StatusCode::INVALID_ARGUMENT) return std::nullopt;
  auto refusal = ParseSchemaRefusal(status.error_details());
  if (!refusal) return std::nullopt;
  return Status(
      StatusCode::kInvalidArgument, ErrorKind::kConfiguration,
      "Zerobus refused the Arrow schema for table " + table + " (" + kSchemaRefusalReason +
          ", causes: " + (refusal->causes.empty() ? "none given" : Join(refusal->causes)) +
          ", error_code: " + (refusal->error_code.empty() ? "none given" : refusal->error_code) +
          "): INVALID_ARGUMENT: " + status.error_message());
}

}  // namespace arrow_zerobus::flight
