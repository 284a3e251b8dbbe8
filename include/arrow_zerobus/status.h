// Status and Result<T>: how every fallible arrow_zerobus call reports failure. No exception
// crosses the public API.
#pragma once

#include <cassert>
#include <cstdlib>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace arrow_zerobus {

/// Status codes with gRPC's numbering, so transport errors map one to one.
enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

/// What part of the pipeline failed; the Python layer maps each kind to one exception class.
enum class ErrorKind : int {
  kNone = 0,
  kConfiguration,   ///< bad settings, unsupported schema, bad descriptor
  kConversion,      ///< Arrow data that cannot become a record
  kAuthentication,  ///< token could not be obtained or was refused
  kConnection,      ///< stream could not be opened or broke
  kTransmission,    ///< the service refused or failed to acknowledge records
  kRetriesExhausted,
  kIo,  ///< local files (debug output, configuration files)
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);
/// "ConversionError", "ConnectionError", "RetryExhausted", ...: the original's error type names.
std::string_view ErrorKindName(ErrorKind kind);

/// An outcome: OK (no allocation) or an error with a code, a kind, a message that names its
/// cause, and whether trying again may succeed.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, ErrorKind kind, std::string message, bool retryable = false);

  static Status OK() { return Status(); }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return ok() ? StatusCode::kOk : state_->code; }
  ErrorKind kind() const { return ok() ? ErrorKind::kNone : state_->kind; }
  bool retryable() const { return !ok() && state_->retryable; }
  const std::string& message() const;

  /// "Conversion error (INVALID_ARGUMENT): <message>", or "OK".
  std::string ToString() const;

  /// The same error with "<context>: " put in front of the message.
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.kind() == b.kind() && a.message() == b.message();
  }

 private:
  struct State {
    StatusCode code;
    ErrorKind kind;
    std::string message;
    bool retryable;
  };
  std::shared_ptr<const State> state_;
};

std::ostream& operator<<(std::ostream& os, const Status& status);

Status ConfigurationError(std::string message);
Status ConversionError(std::string message);
Status IoError(std::string message);
Status InternalError(std::string message);

/// A value or the error that prevented it. Building a Result from an OK Status is a bug.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : storage_(std::move(value)) {}        // NOLINT(runtime/explicit)
  Result(Status status) : storage_(std::move(status)) {  // NOLINT(runtime/explicit)
    if (std::get<Status>(storage_).ok()) {
      storage_ = Status(StatusCode::kInternal, ErrorKind::kInternal,
                        "Result constructed from an OK status without a value");
    }
  }

  bool ok() const { return std::holds_alternative<T>(storage_); }
  Status status() const { return ok() ? Status::OK() : std::get<Status>(storage_); }

  const T& value() const& { return Checked(); }
  T& value() & { return Checked(); }
  T&& value() && { return std::move(Checked()); }
  const T& operator*() const& { return Checked(); }
  T& operator*() & { return Checked(); }
  T&& operator*() && { return std::move(Checked()); }
  const T* operator->() const { return &Checked(); }
  T* operator->() { return &Checked(); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? std::get<T>(storage_) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  T& Checked() {
    if (!ok()) std::abort();  // reading the value of a failed Result is a programming error
    return std::get<T>(storage_);
  }
  const T& Checked() const {
    if (!ok()) std::abort();
    return std::get<T>(storage_);
  }

  std::variant<T, Status> storage_;
};

}  // namespace arrow_zerobus

#define ARROW_ZEROBUS_CONCAT_IMPL(a, b) a##b
#define ARROW_ZEROBUS_CONCAT(a, b) ARROW_ZEROBUS_CONCAT_IMPL(a, b)

/// Returns the Status of `expr` from the enclosing function when it is not OK.
#define ARROW_ZEROBUS_RETURN_NOT_OK(expr)        \
  do {                                           \
    ::arrow_zerobus::Status _az_status = (expr); \
    if (!_az_status.ok()) return _az_status;     \
  } while (false)

#define ARROW_ZEROBUS_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                        \
  if (!tmp.ok()) return tmp.status();                        \
  lhs = std::move(tmp).value()

/// `lhs = value of rexpr`, or return its error from the enclosing function.
#define ARROW_ZEROBUS_ASSIGN_OR_RETURN(lhs, rexpr) \
  ARROW_ZEROBUS_ASSIGN_OR_RETURN_IMPL(ARROW_ZEROBUS_CONCAT(_az_result_, __COUNTER__), lhs, rexpr)
