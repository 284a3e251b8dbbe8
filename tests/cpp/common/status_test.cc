// Status and Result<T>: accessors, text forms, context and the propagation macros.
#include "arrow_zerobus/status.h"

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace arrow_zerobus {
namespace {

TEST(StatusTest, DefaultIsOk) {
  const Status st;
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kOk);
  EXPECT_EQ(st.kind(), ErrorKind::kNone);
  EXPECT_FALSE(st.retryable());
  EXPECT_EQ(st.message(), "");
  EXPECT_EQ(st.ToString(), "OK");
  EXPECT_EQ(st, Status::OK());
}

TEST(StatusTest, OkCodeNeverCarriesAnError) {
  // A Status built with kOk is OK whatever else is passed.
  const Status st(StatusCode::kOk, ErrorKind::kConversion, "ignored", /*retryable=*/true);
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(st.kind(), ErrorKind::kNone);
  EXPECT_FALSE(st.retryable());
  EXPECT_EQ(st.message(), "");
}

TEST(StatusTest, ErrorAccessors) {
  const Status st(StatusCode::kUnavailable, ErrorKind::kConnection, "stream broke", true);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_EQ(st.kind(), ErrorKind::kConnection);
  EXPECT_TRUE(st.retryable());
  EXPECT_EQ(st.message(), "stream broke");
}

TEST(StatusTest, RetryableDefaultsToFalse) {
  const Status st(StatusCode::kInternal, ErrorKind::kInternal, "x");
  EXPECT_FALSE(st.retryable());
}

TEST(StatusTest, ToStringFormat) {
  EXPECT_EQ(ConversionError("bad row").ToString(), "ConversionError (INVALID_ARGUMENT): bad row");
  EXPECT_EQ(ConfigurationError("bad column").ToString(),
            "ConfigurationError (INVALID_ARGUMENT): bad column");
  EXPECT_EQ(IoError("disk").ToString(), "IoError (UNAVAILABLE): disk");
  EXPECT_EQ(InternalError("bug").ToString(), "InternalError (INTERNAL): bug");
  EXPECT_EQ(Status(StatusCode::kDeadlineExceeded, ErrorKind::kTransmission, "late").ToString(),
            "TransmissionError (DEADLINE_EXCEEDED): late");
  EXPECT_EQ(Status(StatusCode::kUnauthenticated, ErrorKind::kAuthentication, "t").ToString(),
            "AuthenticationError (UNAUTHENTICATED): t");
  EXPECT_EQ(Status(StatusCode::kAborted, ErrorKind::kRetriesExhausted, "r").ToString(),
            "RetryExhausted (ABORTED): r");
}

TEST(StatusTest, StreamOperatorUsesToString) {
  std::ostringstream os;
  os << ConversionError("x") << "|" << Status::OK();
  EXPECT_EQ(os.str(), "ConversionError (INVALID_ARGUMENT): x|OK");
}

TEST(StatusTest, FactoryCodesAndKinds) {
  struct Case {
    Status status;
    StatusCode code;
    ErrorKind kind;
  };
  const std::vector<Case> cases = {
      {ConfigurationError("m"), StatusCode::kInvalidArgument, ErrorKind::kConfiguration},
      {ConversionError("m"), StatusCode::kInvalidArgument, ErrorKind::kConversion},
      {IoError("m"), StatusCode::kUnavailable, ErrorKind::kIo},
      {InternalError("m"), StatusCode::kInternal, ErrorKind::kInternal},
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(c.status.ok());
    EXPECT_EQ(c.status.code(), c.code) << c.status;
    EXPECT_EQ(c.status.kind(), c.kind) << c.status;
    EXPECT_EQ(c.status.message(), "m");
    EXPECT_FALSE(c.status.retryable());
  }
}

TEST(StatusTest, CodeNamesMatchGrpc) {
  EXPECT_EQ(StatusCodeName(StatusCode::kOk), "OK");
  EXPECT_EQ(StatusCodeName(StatusCode::kCancelled), "CANCELLED");
  EXPECT_EQ(StatusCodeName(StatusCode::kUnknown), "UNKNOWN");
  EXPECT_EQ(StatusCodeName(StatusCode::kInvalidArgument), "INVALID_ARGUMENT");
  EXPECT_EQ(StatusCodeName(StatusCode::kDeadlineExceeded), "DEADLINE_EXCEEDED");
  EXPECT_EQ(StatusCodeName(StatusCode::kNotFound), "NOT_FOUND");
  EXPECT_EQ(StatusCodeName(StatusCode::kAlreadyExists), "ALREADY_EXISTS");
  EXPECT_EQ(StatusCodeName(StatusCode::kPermissionDenied), "PERMISSION_DENIED");
  EXPECT_EQ(StatusCodeName(StatusCode::kResourceExhausted), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(StatusCodeName(StatusCode::kFailedPrecondition), "FAILED_PRECONDITION");
  EXPECT_EQ(StatusCodeName(StatusCode::kAborted), "ABORTED");
  EXPECT_EQ(StatusCodeName(StatusCode::kOutOfRange), "OUT_OF_RANGE");
  EXPECT_EQ(StatusCodeName(StatusCode::kUnimplemented), "UNIMPLEMENTED");
  EXPECT_EQ(StatusCodeName(StatusCode::kInternal), "INTERNAL");
  EXPECT_EQ(StatusCodeName(StatusCode::kUnavailable), "UNAVAILABLE");
  EXPECT_EQ(StatusCodeName(StatusCode::kDataLoss), "DATA_LOSS");
  EXPECT_EQ(StatusCodeName(StatusCode::kUnauthenticated), "UNAUTHENTICATED");
  // gRPC numbering, so transport codes convert by value.
  EXPECT_EQ(static_cast<int>(StatusCode::kUnavailable), 14);
  EXPECT_EQ(static_cast<int>(StatusCode::kUnauthenticated), 16);
  EXPECT_EQ(StatusCodeName(static_cast<StatusCode>(99)), "UNKNOWN");
}

TEST(StatusTest, KindNames) {
  EXPECT_EQ(ErrorKindName(ErrorKind::kNone), "None");
  EXPECT_EQ(ErrorKindName(ErrorKind::kConfiguration), "ConfigurationError");
  EXPECT_EQ(ErrorKindName(ErrorKind::kConversion), "ConversionError");
  EXPECT_EQ(ErrorKindName(ErrorKind::kAuthentication), "AuthenticationError");
  EXPECT_EQ(ErrorKindName(ErrorKind::kConnection), "ConnectionError");
  EXPECT_EQ(ErrorKindName(ErrorKind::kTransmission), "TransmissionError");
  EXPECT_EQ(ErrorKindName(ErrorKind::kRetriesExhausted), "RetryExhausted");
  EXPECT_EQ(ErrorKindName(ErrorKind::kIo), "IoError");
  EXPECT_EQ(ErrorKindName(ErrorKind::kInternal), "InternalError");
}

TEST(StatusTest, WithContextPrefixesAndKeepsEverythingElse) {
  const Status st(StatusCode::kUnavailable, ErrorKind::kConnection, "reset by peer", true);
  const Status wrapped = st.WithContext("opening stream");
  EXPECT_EQ(wrapped.message(), "opening stream: reset by peer");
  EXPECT_EQ(wrapped.code(), StatusCode::kUnavailable);
  EXPECT_EQ(wrapped.kind(), ErrorKind::kConnection);
  EXPECT_TRUE(wrapped.retryable());
  // The original is unchanged (states are shared, never mutated).
  EXPECT_EQ(st.message(), "reset by peer");
  // Nested contexts read outermost first.
  EXPECT_EQ(wrapped.WithContext("batch 3").message(), "batch 3: opening stream: reset by peer");
}

TEST(StatusTest, WithContextOnOkStaysOk) {
  const Status st = Status::OK().WithContext("anything");
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(st.message(), "");
}

TEST(StatusTest, EqualityComparesCodeKindAndMessage) {
  EXPECT_EQ(ConversionError("a"), ConversionError("a"));
  EXPECT_FALSE(ConversionError("a") == ConversionError("b"));
  EXPECT_FALSE(ConversionError("a") == ConfigurationError("a"));
  EXPECT_FALSE(ConversionError("a") == Status::OK());
  EXPECT_FALSE(Status(StatusCode::kInternal, ErrorKind::kConversion, "a") == ConversionError("a"));
}

// ---------------------------------------------------------------------------------------------
// Result<T>

TEST(ResultTest, HoldsValue) {
  Result<int> r(42);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.status().ok());
  EXPECT_EQ(r.value(), 42);
  EXPECT_EQ(*r, 42);
  EXPECT_EQ(r.value_or(7), 42);
  r.value() = 43;
  EXPECT_EQ(*r, 43);
}

TEST(ResultTest, HoldsError) {
  const Result<int> r(ConversionError("nope"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status(), ConversionError("nope"));
  EXPECT_EQ(r.value_or(7), 7);
}

TEST(ResultTest, ArrowOperatorAndMoveOut) {
  Result<std::string> r(std::string("hello"));
  EXPECT_EQ(r->size(), 5u);
  std::string moved = std::move(r).value();
  EXPECT_EQ(moved, "hello");

  Result<std::unique_ptr<int>> p(std::make_unique<int>(5));
  std::unique_ptr<int> owned = *std::move(p);
  ASSERT_NE(owned, nullptr);
  EXPECT_EQ(*owned, 5);
}

TEST(ResultTest, FromOkStatusBecomesInternalError) {
  const Result<int> r(Status::OK());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_EQ(r.status().kind(), ErrorKind::kInternal);
  EXPECT_NE(r.status().message().find("OK status"), std::string::npos) << r.status();
}

TEST(ResultDeathTest, ReadingValueOfErrorAborts) {
  const Result<int> r(InternalError("x"));
  EXPECT_DEATH({ (void)r.value(); }, "");
}

// ---------------------------------------------------------------------------------------------
// Macros

Status FailIf(bool fail, int* calls) {
  ++*calls;
  if (fail) return ConversionError("failed at step " + std::to_string(*calls));
  return Status::OK();
}

Status TwoSteps(bool fail_first, bool fail_second, int* calls, bool* reached_end) {
  ARROW_ZEROBUS_RETURN_NOT_OK(FailIf(fail_first, calls));
  ARROW_ZEROBUS_RETURN_NOT_OK(FailIf(fail_second, calls));
  *reached_end = true;
  return Status::OK();
}

TEST(MacroTest, ReturnNotOkPropagatesFirstError) {
  int calls = 0;
  bool end = false;
  Status st = TwoSteps(true, true, &calls, &end);
  EXPECT_EQ(st, ConversionError("failed at step 1"));
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(end);

  calls = 0;
  st = TwoSteps(false, true, &calls, &end);
  EXPECT_EQ(st, ConversionError("failed at step 2"));
  EXPECT_EQ(calls, 2);
  EXPECT_FALSE(end);

  calls = 0;
  st = TwoSteps(false, false, &calls, &end);
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(end);
}

Result<int> Parse(const std::string& text) {
  if (text.empty()) return ConversionError("empty text");
  return static_cast<int>(text.size());
}

Result<int> SumOfTwo(const std::string& a, const std::string& b, bool* reached_end) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(int x, Parse(a));
  // Two uses in one scope: each needs its own hidden temporary.
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(int y, Parse(b));
  *reached_end = true;
  return x + y;
}

Status AssignExisting(const std::string& a, int* out) {
  int value = -1;
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(value, Parse(a));
  *out = value;
  return Status::OK();
}

Result<std::unique_ptr<int>> MakeBox(bool fail) {
  if (fail) return IoError("no box");
  return std::make_unique<int>(9);
}

Result<int> Unbox(bool fail) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::unique_ptr<int> box, MakeBox(fail));  // move-only value
  return *box;
}

TEST(MacroTest, AssignOrReturnValueAndError) {
  bool end = false;
  Result<int> r = SumOfTwo("ab", "cde", &end);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 5);
  EXPECT_TRUE(end);

  end = false;
  r = SumOfTwo("ab", "", &end);
  EXPECT_EQ(r.status(), ConversionError("empty text"));
  EXPECT_FALSE(end);

  int out = 0;
  EXPECT_TRUE(AssignExisting("xyz", &out).ok());
  EXPECT_EQ(out, 3);
  out = 0;
  EXPECT_EQ(AssignExisting("", &out), ConversionError("empty text"));
  EXPECT_EQ(out, 0);

  EXPECT_EQ(*Unbox(false), 9);
  EXPECT_EQ(Unbox(true).status(), IoError("no box"));
}

Status ResultErrorIntoStatus(bool fail) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto v, MakeBox(fail));
  return *v == 9 ? Status::OK() : InternalError("wrong");
}

TEST(MacroTest, AssignOrReturnInStatusFunction) {
  EXPECT_TRUE(ResultErrorIntoStatus(false).ok());
  const Status st = ResultErrorIntoStatus(true);
  EXPECT_EQ(st.kind(), ErrorKind::kIo);
  EXPECT_EQ(st.message(), "no box");
}

Result<int> ReturnNotOkInResultFunction(bool fail) {
  int calls = 0;
  ARROW_ZEROBUS_RETURN_NOT_OK(FailIf(fail, &calls));
  return 1;
}

TEST(MacroTest, ReturnNotOkInResultFunction) {
  EXPECT_EQ(*ReturnNotOkInResultFunction(false), 1);
  EXPECT_EQ(ReturnNotOkInResultFunction(true).status(), ConversionError("failed at step 1"));
}

}  // namespace
}  // namespace arrow_zerobus
