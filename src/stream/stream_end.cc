#include "stream/stream_end.h"

#include "retry/retry_policy.h"

namespace arrow_zerobus::stream {

Status TranslateStreamEnd(const grpc::Status& status, const EndedCall& call) {
  if (auto explained = call.protocol->ExplainEnd(status, call.opened, call.table)) {
    return *explained;
  }
  const std::string label(call.protocol->label());
  const std::string which = "the " + label + (call.stream_id.empty() ? "" : " " + call.stream_id) +
                            " for table " + call.table;
  if (status.ok()) {
    return Status(StatusCode::kAborted,
                  call.opened ? ErrorKind::kTransmission : ErrorKind::kConnection,
                  "Server ended " + which + " without an error status" +
                      (call.opened ? "" : ", before accepting it"),
                  /*retryable=*/true);
  }
  const auto code = static_cast<StatusCode>(status.error_code());
  const std::string server_said = std::string(StatusCodeName(code)) + ": " + status.error_message();
  const bool retryable = retry::IsRetryableStatusCode(code);
  if (!call.opened) {
    const bool auth = code == StatusCode::kUnauthenticated || code == StatusCode::kPermissionDenied;
    return Status(code, auth ? ErrorKind::kAuthentication : ErrorKind::kConnection,
                  "Opening the " + label + " for table " + call.table + " failed: " + server_said,
                  retryable);
  }
  return Status(code, ErrorKind::kTransmission, "Server ended " + which + ": " + server_said,
                retryable);
}

}  // namespace arrow_zerobus::stream
