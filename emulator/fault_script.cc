#include "fault_script.h"

#include <cstdint>
#include <initializer_list>

#include <nlohmann/json.hpp>

#include "auth/oauth_request.h"

namespace arrow_zerobus::emulator {
namespace {

using nlohmann::json;

Status ScriptError(const std::string& where, const std::string& what) {
  return ConfigurationError("Fault script " + where + ": " + what);
}

Result<StatusCode> ParseCode(const json& value, const std::string& where) {
  if (!value.is_string()) return ScriptError(where, "\"code\" must be a gRPC code name");
  const std::string name = value.get<std::string>();
  for (int code = 0; code <= 16; ++code) {
    if (StatusCodeName(static_cast<StatusCode>(code)) == name) {
      return static_cast<StatusCode>(code);
    }
  }
  return ScriptError(where, "unknown gRPC code \"" + name + "\"");
}

Result<int64_t> ParseCount(const json& object, const char* key, int64_t fallback,
                           const std::string& where) {
  auto it = object.find(key);
  if (it == object.end()) return fallback;
  if (!it->is_number_integer() || (it->is_number_unsigned() && it->get<uint64_t>() > INT64_MAX) ||
      it->get<int64_t>() < 0) {
    return ScriptError(where, std::string("\"") + key + "\" must be a non-negative integer");
  }
  return it->get<int64_t>();
}

/// A delay or duration in milliseconds: a count of at most kMaxScriptMillis.
Result<std::chrono::milliseconds> ParseMillis(const json& object, const char* key,
                                              const std::string& where) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(int64_t millis, ParseCount(object, key, 0, where));
  if (millis > kMaxScriptMillis) {
    return ScriptError(where, std::string("\"") + key + "\" must be at most " +
                                  std::to_string(kMaxScriptMillis) + " (ms)");
  }
  return std::chrono::milliseconds(millis);
}

/// Refuses a key of `object` that is not in `known`, naming it and the keys allowed.
Status CheckKeys(const json& object, std::initializer_list<const char*> known,
                 const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    bool found = false;
    for (const char* k : known) found = found || key == k;
    if (found) continue;
    std::string names;
    for (const char* k : known) names.append(names.empty() ? "" : ", ").append(k);
    return ScriptError(where, "unknown key \"" + key + "\" (known: " + names + ")");
  }
  return Status::OK();
}

Result<std::string> ParseMessage(const json& object, const char* fallback,
                                 const std::string& where) {
  auto it = object.find("message");
  if (it == object.end()) return std::string(fallback);
  if (!it->is_string()) return ScriptError(where, "\"message\" must be a string");
  return it->get<std::string>();
}

Result<StreamEvent::Kind> ParseKind(const json& value, const std::string& where) {
  static constexpr StreamEvent::Kind kKinds[] = {
      StreamEvent::Kind::kError,       StreamEvent::Kind::kUnavailable6002,
      StreamEvent::Kind::kCloseSignal, StreamEvent::Kind::kKill,
      StreamEvent::Kind::kSilence,     StreamEvent::Kind::kExpireTokens,
      StreamEvent::Kind::kAckBeyond,   StreamEvent::Kind::kAckBackwards};
  if (value.is_string()) {
    for (auto kind : kKinds) {
      if (StreamEventKindName(kind) == value.get<std::string>()) return kind;
    }
  }
  std::string names;
  for (auto kind : kKinds) {
    names.append(names.empty() ? "" : ", ").append(StreamEventKindName(kind));
  }
  return ScriptError(where, "\"kind\" must be one of " + names);
}

Result<CreateFault> ParseCreateFault(const json& entry, const std::string& where) {
  if (!entry.is_object()) return ScriptError(where, "must be an object");
  ARROW_ZEROBUS_RETURN_NOT_OK(CheckKeys(entry, {"code", "message", "delay_ms"}, where));
  CreateFault fault;
  if (entry.contains("code")) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(fault.code, ParseCode(entry["code"], where));
  }
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(fault.message,
                                 ParseMessage(entry, "Scripted create failure", where));
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(fault.delay, ParseMillis(entry, "delay_ms", where));
  return fault;
}

Result<StreamEvent> ParseEvent(const json& entry, const std::string& where) {
  if (!entry.is_object()) return ScriptError(where, "must be an object");
  ARROW_ZEROBUS_RETURN_NOT_OK(
      CheckKeys(entry, {"after_requests", "kind", "code", "message", "duration_ms"}, where));
  StreamEvent event;
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(event.kind, ParseKind(entry.value("kind", json()), where));
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(event.after_requests,
                                 ParseCount(entry, "after_requests", 1, where));
  if (event.after_requests < 1) {
    return ScriptError(where, "\"after_requests\" must be at least 1");
  }
  if (event.kind == StreamEvent::Kind::kAckBackwards && event.after_requests < 2) {
    return ScriptError(where,
                       "\"after_requests\" of ack_backwards must be at least 2, so that its "
                       "ack is lower than an earlier one");
  }
  if (entry.contains("code")) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(event.code, ParseCode(entry["code"], where));
  }
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(event.message,
                                 ParseMessage(entry, "Scripted stream failure", where));
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(event.duration, ParseMillis(entry, "duration_ms", where));
  return event;
}

/// Each element of the array at `key`, parsed by `parse` into `out`.
template <typename T, typename Parse>
Status ParseEntries(const json& object, const char* key, const std::string& where, Parse parse,
                    std::vector<T>* out) {
  auto it = object.find(key);
  if (it == object.end()) return Status::OK();
  if (!it->is_array()) return ScriptError(where, std::string("\"") + key + "\" must be an array");
  for (size_t i = 0; i < it->size(); ++i) {
    const std::string entry_where = where + ", " + key + "[" + std::to_string(i) + "]";
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(T entry, parse((*it)[i], entry_where));
    out->push_back(std::move(entry));
  }
  return Status::OK();
}

Result<FaultScript> ParseScript(const json& object, const std::string& table) {
  const std::string where = "for table '" + table + "'";
  if (table != "*") {
    auto name = auth::ParseTableName(table);
    if (!name.ok()) return ScriptError(where, name.status().message() + ", or \"*\"");
  }
  if (!object.is_object()) return ScriptError(where, "must be an object");
  ARROW_ZEROBUS_RETURN_NOT_OK(CheckKeys(
      object, {"create_delay_ms", "ack_delay_ms", "kill_every_requests", "create_errors", "events"},
      where));
  FaultScript script;
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(script.create_delay,
                                 ParseMillis(object, "create_delay_ms", where));
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(script.ack_delay, ParseMillis(object, "ack_delay_ms", where));
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(script.kill_every_requests,
                                 ParseCount(object, "kill_every_requests", 0, where));
  ARROW_ZEROBUS_RETURN_NOT_OK(
      ParseEntries(object, "create_errors", where, ParseCreateFault, &script.create_faults));
  ARROW_ZEROBUS_RETURN_NOT_OK(ParseEntries(object, "events", where, ParseEvent, &script.events));
  return script;
}

/// Reads a document only to keep the parser's error: what json::parse without exceptions drops.
class SyntaxErrorKeeper : public nlohmann::json_sax<json> {
 public:
  std::string error;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception& exception) override {
    error = exception.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." without the id.
    if (const size_t id_end = error.find("] "); id_end != std::string::npos) {
      error.erase(0, id_end + 2);
    }
    return false;
  }
};

}  // namespace

std::string StreamTimeoutMessage(std::string_view stream_id) {
  return "Stream timeout reached. Closing the stream (ID: " + std::string(stream_id) +
         "). Error Code: 6002, Error State: 0.";
}

std::string_view StreamEventKindName(StreamEvent::Kind kind) {
  switch (kind) {
    case StreamEvent::Kind::kError:
      return "error";
    case StreamEvent::Kind::kUnavailable6002:
      return "unavailable_6002";
    case StreamEvent::Kind::kCloseSignal:
      return "close_signal";
    case StreamEvent::Kind::kKill:
      return "kill";
    case StreamEvent::Kind::kSilence:
      return "silence";
    case StreamEvent::Kind::kExpireTokens:
      return "expire_tokens";
    case StreamEvent::Kind::kAckBeyond:
      return "ack_beyond";
    case StreamEvent::Kind::kAckBackwards:
      return "ack_backwards";
  }
  return "unknown";
}

std::string JsonSyntaxError(std::string_view text) {
  SyntaxErrorKeeper keeper;
  json::sax_parse(text, &keeper);
  return keeper.error.empty() ? "not valid JSON" : keeper.error;
}

Result<std::map<std::string, FaultScript>> ParseFaultScripts(std::string_view text) {
  json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return ConfigurationError("Fault script is not valid JSON: " + JsonSyntaxError(text));
  }
  if (!document.is_object()) {
    return ConfigurationError("Fault script must be a JSON object keyed by table name");
  }
  std::map<std::string, FaultScript> scripts;
  for (const auto& [table, value] : document.items()) {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(scripts[table], ParseScript(value, table));
  }
  return scripts;
}

}  // namespace arrow_zerobus::emulator
