#include "fault_script.h"

#include <nlohmann/json.hpp>

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
  if (!it->is_number_integer() || it->get<int64_t>() < 0) {
    return ScriptError(where, std::string("\"") + key + "\" must be a non-negative integer");
  }
  return it->get<int64_t>();
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

Result<FaultScript> ParseScript(const json& object, const std::string& table) {
  const std::string where = "for table '" + table + "'";
  if (!object.is_object()) return ScriptError(where, "must be an object");
  static const char* kKeys[] = {"create_delay_ms", "ack_delay_ms", "kill_every_requests",
                                "create_errors", "events"};
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (const char* k : kKeys) known = known || key == k;
    if (!known) return ScriptError(where, "unknown key \"" + key + "\"");
  }
  FaultScript script;
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(int64_t create_delay,
                                 ParseCount(object, "create_delay_ms", 0, where));
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(int64_t ack_delay, ParseCount(object, "ack_delay_ms", 0, where));
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(script.kill_every_requests,
                                 ParseCount(object, "kill_every_requests", 0, where));
  script.create_delay = std::chrono::milliseconds(create_delay);
  script.ack_delay = std::chrono::milliseconds(ack_delay);

  if (auto it = object.find("create_errors"); it != object.end()) {
    if (!it->is_array()) return ScriptError(where, "\"create_errors\" must be an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& entry = (*it)[i];
      const std::string entry_where = where + ", create_errors[" + std::to_string(i) + "]";
      if (!entry.is_object()) return ScriptError(entry_where, "must be an object");
      CreateFault fault;
      if (entry.contains("code")) {
        ARROW_ZEROBUS_ASSIGN_OR_RETURN(fault.code, ParseCode(entry["code"], entry_where));
      }
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(fault.message,
                                     ParseMessage(entry, "Scripted create failure", entry_where));
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(int64_t delay, ParseCount(entry, "delay_ms", 0, entry_where));
      fault.delay = std::chrono::milliseconds(delay);
      script.create_faults.push_back(std::move(fault));
    }
  }
  if (auto it = object.find("events"); it != object.end()) {
    if (!it->is_array()) return ScriptError(where, "\"events\" must be an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& entry = (*it)[i];
      const std::string entry_where = where + ", events[" + std::to_string(i) + "]";
      if (!entry.is_object()) return ScriptError(entry_where, "must be an object");
      StreamEvent event;
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(event.kind,
                                     ParseKind(entry.value("kind", json()), entry_where));
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(event.after_requests,
                                     ParseCount(entry, "after_requests", 1, entry_where));
      if (event.after_requests < 1) {
        return ScriptError(entry_where, "\"after_requests\" must be at least 1");
      }
      if (event.kind == StreamEvent::Kind::kAckBackwards && event.after_requests < 2) {
        return ScriptError(entry_where,
                           "\"after_requests\" of ack_backwards must be at least 2, so that its "
                           "ack is lower than an earlier one");
      }
      if (entry.contains("code")) {
        ARROW_ZEROBUS_ASSIGN_OR_RETURN(event.code, ParseCode(entry["code"], entry_where));
      }
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(event.message,
                                     ParseMessage(entry, "Scripted stream failure", entry_where));
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(int64_t duration,
                                     ParseCount(entry, "duration_ms", 0, entry_where));
      event.duration = std::chrono::milliseconds(duration);
      script.events.push_back(std::move(event));
    }
  }
  return script;
}

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

Result<std::map<std::string, FaultScript>> ParseFaultScripts(std::string_view text) {
  json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return ConfigurationError("Fault script is not valid JSON");
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
