// ParseFaultScripts: every key of a script lands in its field, and every mistake is refused with
// the table, the entry and the key it concerns.
#include "fault_script.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace arrow_zerobus::emulator {
namespace {

using std::chrono::milliseconds;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(FaultScriptTest, FullScriptRoundTrips) {
  auto scripts = ParseFaultScripts(R"({
    "main.default.orders": {
      "create_delay_ms": 250,
      "ack_delay_ms": 40,
      "kill_every_requests": 7,
      "create_errors": [
        {"code": "UNAVAILABLE", "message": "try later", "delay_ms": 100},
        {"code": "PERMISSION_DENIED"},
        {}
      ],
      "events": [
        {"after_requests": 3, "kind": "error", "code": "RESOURCE_EXHAUSTED", "message": "full"},
        {"kind": "unavailable_6002"},
        {"after_requests": 2, "kind": "close_signal", "duration_ms": 1500},
        {"after_requests": 4, "kind": "kill"},
        {"after_requests": 1, "kind": "silence", "duration_ms": 800},
        {"after_requests": 5, "kind": "expire_tokens"}
      ]
    },
    "*": {"ack_delay_ms": 5},
    "main.default.empty": {}
  })");
  ASSERT_TRUE(scripts.ok()) << scripts.status();
  ASSERT_EQ(scripts->size(), 3u);

  const FaultScript& orders = scripts->at("main.default.orders");
  EXPECT_EQ(orders.create_delay, milliseconds(250));
  EXPECT_EQ(orders.ack_delay, milliseconds(40));
  EXPECT_EQ(orders.kill_every_requests, 7);

  ASSERT_EQ(orders.create_faults.size(), 3u);
  EXPECT_EQ(orders.create_faults[0].code, StatusCode::kUnavailable);
  EXPECT_EQ(orders.create_faults[0].message, "try later");
  EXPECT_EQ(orders.create_faults[0].delay, milliseconds(100));
  EXPECT_EQ(orders.create_faults[1].code, StatusCode::kPermissionDenied);
  EXPECT_EQ(orders.create_faults[1].message, "Scripted create failure");
  EXPECT_EQ(orders.create_faults[1].delay, milliseconds(0));
  EXPECT_EQ(orders.create_faults[2].code, StatusCode::kUnavailable);  // the default code

  ASSERT_EQ(orders.events.size(), 6u);
  const auto& error = orders.events[0];
  EXPECT_EQ(error.after_requests, 3);
  EXPECT_EQ(error.kind, StreamEvent::Kind::kError);
  EXPECT_EQ(error.code, StatusCode::kResourceExhausted);
  EXPECT_EQ(error.message, "full");
  const auto& timeout = orders.events[1];
  EXPECT_EQ(timeout.after_requests, 1);  // the default
  EXPECT_EQ(timeout.kind, StreamEvent::Kind::kUnavailable6002);
  EXPECT_EQ(timeout.code, StatusCode::kInternal);  // the default
  EXPECT_EQ(timeout.message, "Scripted stream failure");
  EXPECT_EQ(orders.events[2].kind, StreamEvent::Kind::kCloseSignal);
  EXPECT_EQ(orders.events[2].after_requests, 2);
  EXPECT_EQ(orders.events[2].duration, milliseconds(1500));
  EXPECT_EQ(orders.events[3].kind, StreamEvent::Kind::kKill);
  EXPECT_EQ(orders.events[3].after_requests, 4);
  EXPECT_EQ(orders.events[4].kind, StreamEvent::Kind::kSilence);
  EXPECT_EQ(orders.events[4].duration, milliseconds(800));
  EXPECT_EQ(orders.events[5].kind, StreamEvent::Kind::kExpireTokens);
  EXPECT_EQ(orders.events[5].after_requests, 5);

  const FaultScript& fallback = scripts->at("*");
  EXPECT_EQ(fallback.ack_delay, milliseconds(5));
  EXPECT_EQ(fallback.create_delay, milliseconds(0));
  EXPECT_TRUE(fallback.events.empty());

  const FaultScript& empty = scripts->at("main.default.empty");
  EXPECT_EQ(empty.kill_every_requests, 0);
  EXPECT_TRUE(empty.create_faults.empty());
  EXPECT_TRUE(empty.events.empty());
}

TEST(FaultScriptTest, EveryKindNameParsesToItsKind) {
  for (auto kind : {StreamEvent::Kind::kError, StreamEvent::Kind::kUnavailable6002,
                    StreamEvent::Kind::kCloseSignal, StreamEvent::Kind::kKill,
                    StreamEvent::Kind::kSilence, StreamEvent::Kind::kExpireTokens,
                    StreamEvent::Kind::kAckBeyond, StreamEvent::Kind::kAckBackwards}) {
    const std::string name(StreamEventKindName(kind));
    auto scripts = ParseFaultScripts(
        R"({"main.default.t": {"events": [{"after_requests": 2, "kind": ")" + name + R"("}]}})");
    ASSERT_TRUE(scripts.ok()) << name << ": " << scripts.status();
    EXPECT_EQ(scripts->at("main.default.t").events.at(0).kind, kind) << name;
  }
}

TEST(FaultScriptTest, EveryGrpcCodeNameParses) {
  for (int code = 0; code <= 16; ++code) {
    const std::string name(StatusCodeName(static_cast<StatusCode>(code)));
    auto scripts = ParseFaultScripts(R"({"main.default.t": {"create_errors": [{"code": ")" + name +
                                     R"("}]}})");
    ASSERT_TRUE(scripts.ok()) << name << ": " << scripts.status();
    EXPECT_EQ(scripts->at("main.default.t").create_faults.at(0).code, static_cast<StatusCode>(code))
        << name;
  }
}

TEST(FaultScriptTest, StreamTimeoutMessageCarriesTheStreamIdAndCode6002) {
  EXPECT_EQ(StreamTimeoutMessage("abc"),
            "Stream timeout reached. Closing the stream (ID: abc). Error Code: 6002, Error "
            "State: 0.");
}

struct BadScript {
  const char* json;
  std::vector<std::string> expected;  ///< substrings of the error message
};

TEST(FaultScriptTest, ErrorsNameTheTableEntryAndKey) {
  const BadScript cases[] = {
      {R"({"main.default.t": {"events": [}})", {"not valid JSON"}},
      {"", {"not valid JSON"}},
      {R"([1, 2])", {"JSON object keyed by table name"}},
      {R"({"main.a.b": 5})", {"for table 'main.a.b'", "must be an object"}},
      {R"({"main.a.b": {"ack_delay": 5}})", {"for table 'main.a.b'", "unknown key \"ack_delay\""}},
      {R"({"main.default.t": {"events": [{"kind": "explode"}]}})",
       {"for table 'main.default.t', events[0]", "\"kind\" must be one of", "close_signal",
        "ack_beyond", "ack_backwards"}},
      {R"({"main.default.t": {"events": [{"kind": "kill"}, {"after_requests": 2}]}})",
       {"for table 'main.default.t', events[1]", "\"kind\" must be one of"}},
      {R"({"main.default.t": {"events": [{"kind": 3}]}})",
       {"for table 'main.default.t', events[0]", "\"kind\""}},
      {R"({"main.default.t": {"create_errors": [{}, {"code": "NOPE"}]}})",
       {"for table 'main.default.t', create_errors[1]", "unknown gRPC code \"NOPE\""}},
      {R"({"main.default.t": {"events": [{"kind": "error", "code": "unavailable"}]}})",
       {"for table 'main.default.t', events[0]", "unknown gRPC code \"unavailable\""}},
      {R"({"main.default.t": {"events": [{"kind": "error", "code": 14}]}})",
       {"for table 'main.default.t', events[0]", "\"code\" must be a gRPC code name"}},
      {R"({"main.default.t": {"create_errors": [{"delay_ms": -5}]}})",
       {"for table 'main.default.t', create_errors[0]",
        "\"delay_ms\" must be a non-negative integer"}},
      {R"({"main.default.t": {"events": [{"kind": "silence", "duration_ms": -1}]}})",
       {"for table 'main.default.t', events[0]", "\"duration_ms\" must be a non-negative integer"}},
      {R"({"main.default.t": {"events": [{"kind": "silence", "duration_ms": 1.5}]}})",
       {"for table 'main.default.t', events[0]", "\"duration_ms\" must be a non-negative integer"}},
      {R"({"main.default.t": {"ack_delay_ms": -1}})",
       {"for table 'main.default.t'", "\"ack_delay_ms\" must be a non-negative integer"}},
      {R"({"main.default.t": {"create_delay_ms": "soon"}})",
       {"for table 'main.default.t'", "\"create_delay_ms\" must be a non-negative integer"}},
      {R"({"main.default.t": {"kill_every_requests": -3}})",
       {"for table 'main.default.t'", "\"kill_every_requests\" must be a non-negative integer"}},
      {R"({"main.default.t": {"events": [{"kind": "kill", "after_requests": 0}]}})",
       {"for table 'main.default.t', events[0]", "\"after_requests\" must be at least 1"}},
      {R"({"main.default.t": {"events": [{"kind": "ack_backwards"}]}})",
       {"for table 'main.default.t', events[0]",
        "\"after_requests\" of ack_backwards must be at least 2"}},
      {R"({"main.default.t": {"events": [{"kind": "ack_backwards", "after_requests": 1}]}})",
       {"for table 'main.default.t', events[0]",
        "\"after_requests\" of ack_backwards must be at least 2"}},
      {R"({"main.default.t": {"events": [{"kind": "kill", "after_requests": -2}]}})",
       {"for table 'main.default.t', events[0]", "\"after_requests\""}},
      {R"({"main.default.t": {"events": {"kind": "kill"}}})",
       {"for table 'main.default.t'", "\"events\" must be an array"}},
      {R"({"main.default.t": {"create_errors": 1}})",
       {"for table 'main.default.t'", "\"create_errors\" must be an array"}},
      {R"({"main.default.t": {"events": [5]}})",
       {"for table 'main.default.t', events[0]", "must be an object"}},
      {R"({"main.default.t": {"create_errors": ["x"]}})",
       {"for table 'main.default.t', create_errors[0]", "must be an object"}},
  };
  for (const BadScript& bad : cases) {
    SCOPED_TRACE(bad.json);
    auto scripts = ParseFaultScripts(bad.json);
    ASSERT_FALSE(scripts.ok());
    EXPECT_EQ(scripts.status().kind(), ErrorKind::kConfiguration);
    EXPECT_THAT(scripts.status().message(), HasSubstr("Fault script"));
    for (const std::string& part : bad.expected) {
      EXPECT_THAT(scripts.status().message(), HasSubstr(part));
    }
  }
}

// A message that is not a string is a mistake in the script like any other: refused with its
// place, not thrown.
TEST(FaultScriptTest, NonStringMessageIsRefusedWithItsPlace) {
  for (const char* json : {R"({"main.default.t": {"events": [{"kind": "error", "message": 5}]}})",
                           R"({"main.default.t": {"create_errors": [{"message": ["x"]}]}})"}) {
    SCOPED_TRACE(json);
    Result<std::map<std::string, FaultScript>> scripts = ConfigurationError("not parsed");
    ASSERT_NO_THROW(scripts = ParseFaultScripts(json));
    ASSERT_FALSE(scripts.ok());
    EXPECT_THAT(scripts.status().message(),
                AllOf(HasSubstr("for table 'main.default.t'"), HasSubstr("\"message\"")));
  }
}

// Strict: a key the parser does not know, a table that cannot exist, a delay past the longest
// one and JSON that does not parse are refused at once, each naming its place.
TEST(FaultScriptTest, StrictMistakesAreRefusedWithTheirPlace) {
  const BadScript cases[] = {
      {R"({"main.default.t": {"events": [{"kind": "kill", "after": 2}]}})",
       {"for table 'main.default.t', events[0]", "unknown key \"after\"", "after_requests"}},
      {R"({"main.default.t": {"create_errors": [{"code": "OK", "delay": 5}]}})",
       {"for table 'main.default.t', create_errors[0]", "unknown key \"delay\"", "delay_ms"}},
      {R"({"t": {"ack_delay_ms": 5}})", {"for table 't'", "exactly 3 parts", "\"*\""}},
      {R"({"": {}})", {"for table ''", "exactly 3 parts"}},
      {R"({"main..t": {}})", {"for table 'main..t'", "empty schema name"}},
      {R"({"main.default.t": {"ack_delay_ms": 2147483648}})",
       {"for table 'main.default.t'", "\"ack_delay_ms\" must be at most 2147483647"}},
      {R"({"main.default.t": {"events": [{"kind": "silence", "duration_ms": 1e20}]}})",
       {"events[0]", "\"duration_ms\" must be a non-negative integer"}},
      {R"({"main.default.t": {"kill_every_requests": 18446744073709551615}})",
       {"\"kill_every_requests\" must be a non-negative integer"}},
      {"{\"main.default.t\": {\"ack_delay_ms\": 5,}}",
       {"not valid JSON", "line 1, column 39", "unexpected '}'"}},
  };
  for (const BadScript& bad : cases) {
    SCOPED_TRACE(bad.json);
    Result<std::map<std::string, FaultScript>> scripts = ConfigurationError("not parsed");
    ASSERT_NO_THROW(scripts = ParseFaultScripts(bad.json));
    ASSERT_FALSE(scripts.ok());
    EXPECT_EQ(scripts.status().kind(), ErrorKind::kConfiguration);
    for (const std::string& part : bad.expected) {
      EXPECT_THAT(scripts.status().message(), HasSubstr(part));
    }
  }
}

TEST(FaultScriptTest, LongestDelayIsAccepted) {
  auto scripts = ParseFaultScripts(R"({"*": {"ack_delay_ms": 2147483647}})");
  ASSERT_TRUE(scripts.ok()) << scripts.status();
  EXPECT_EQ(scripts->at("*").ack_delay, milliseconds(kMaxScriptMillis));
}

TEST(FaultScriptTest, JsonSyntaxErrorNamesLineAndColumn) {
  EXPECT_THAT(JsonSyntaxError("{\n  \"a\": [1, 2\n}"),
              AllOf(HasSubstr("line 3, column 1"), Not(HasSubstr("json.exception"))));
  EXPECT_THAT(JsonSyntaxError(""), HasSubstr("unexpected end of input"));
}

}  // namespace
}  // namespace arrow_zerobus::emulator
