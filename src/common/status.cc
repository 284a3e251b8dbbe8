#include "arrow_zerobus/status.h"

namespace arrow_zerobus {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kCancelled:
      return "CANCELLED";
    case StatusCode::kUnknown:
      return "UNKNOWN";
    case StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case StatusCode::kNotFound:
      return "NOT_FOUND";
    case StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case StatusCode::kAborted:
      return "ABORTED";
    case StatusCode::kOutOfRange:
      return "OUT_OF_RANGE";
    case StatusCode::kUnimplemented:
      return "UNIMPLEMENTED";
    case StatusCode::kInternal:
      return "INTERNAL";
    case StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case StatusCode::kDataLoss:
      return "DATA_LOSS";
    case StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
  }
  return "UNKNOWN";
}

std::string_view ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNone:
      return "None";
    case ErrorKind::kConfiguration:
      return "ConfigurationError";
    case ErrorKind::kConversion:
      return "ConversionError";
    case ErrorKind::kAuthentication:
      return "AuthenticationError";
    case ErrorKind::kConnection:
      return "ConnectionError";
    case ErrorKind::kTransmission:
      return "TransmissionError";
    case ErrorKind::kRetriesExhausted:
      return "RetryExhausted";
    case ErrorKind::kIo:
      return "IoError";
    case ErrorKind::kInternal:
      return "InternalError";
  }
  return "InternalError";
}

Status::Status(StatusCode code, ErrorKind kind, std::string message, bool retryable) {
  if (code == StatusCode::kOk) return;
  state_ = std::make_shared<const State>(State{code, kind, std::move(message), retryable});
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return ok() ? kEmpty : state_->message;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(ErrorKindName(kind()));
  out += " (";
  out += StatusCodeName(code());
  out += "): ";
  out += message();
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(code(), kind(), std::string(context) + ": " + message(), retryable());
}

std::ostream& operator<<(std::ostream& os, const Status& status) { return os << status.ToString(); }

Status ConfigurationError(std::string message) {
  return Status(StatusCode::kInvalidArgument, ErrorKind::kConfiguration, std::move(message));
}

Status ConversionError(std::string message) {
  return Status(StatusCode::kInvalidArgument, ErrorKind::kConversion, std::move(message));
}

Status IoError(std::string message) {
  return Status(StatusCode::kUnavailable, ErrorKind::kIo, std::move(message));
}

Status InternalError(std::string message) {
  return Status(StatusCode::kInternal, ErrorKind::kInternal, std::move(message));
}

}  // namespace arrow_zerobus
