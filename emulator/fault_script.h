// Scripted faults for one table. The script's position is kept per table, so one script
// describes the first stream and every reconnect after it (the model of the official SDKs'
// mock servers, protocol reference 8.1).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::emulator {

/// The message the service ends a stream with when its lifetime is over.
std::string StreamTimeoutMessage(std::string_view stream_id);

/// A create_stream that fails: the RPC ends with `code` and `message` after `delay`. A fault
/// with code OK lets its create attempt succeed (so later attempts can fail: "the first create
/// works, every reconnect is refused").
struct CreateFault {
  StatusCode code = StatusCode::kUnavailable;
  std::string message;
  std::chrono::milliseconds delay{0};
};

/// Something that happens to a stream once it has received `after_requests` ingest requests on
/// its connection (counted from 1 on each connection).
struct StreamEvent {
  enum class Kind {
    kError,            ///< the request is refused: the RPC ends with `code` and `message`
    kUnavailable6002,  ///< the request is refused: UNAVAILABLE with the stream-timeout text
    kCloseSignal,      ///< the request lands and is acked; a CloseStreamSignal{duration} follows,
                       ///< then after `duration` the RPC ends UNAVAILABLE with the timeout text
    kKill,             ///< the request lands but is never acked: the connection is cut at once
    kSilence,          ///< acks stop for `duration` (zero: until the connection ends)
    kExpireTokens,     ///< every token issued for the table stops being valid; the stream goes on
    kAckBeyond,        ///< the request lands; its ack claims 5 requests and 5 records more than
                       ///< the connection received; the stream goes on
    kAckBackwards,     ///< the request lands and is acked; an ack of the request two before it
                       ///< (at least the first) follows, lower than that ack; the stream goes on
  };
  int64_t after_requests = 1;
  Kind kind = Kind::kError;
  StatusCode code = StatusCode::kInternal;
  std::string message;
  std::chrono::milliseconds duration{0};
};

std::string_view StreamEventKindName(StreamEvent::Kind kind);

struct FaultScript {
  /// Consumed one per create attempt, in order; once used up, creates succeed.
  std::vector<CreateFault> create_faults;
  /// Consumed in order across connections: the first unconsumed event arms on each connection.
  std::vector<StreamEvent> events;
  /// Every create reply waits this long.
  std::chrono::milliseconds create_delay{0};
  /// Every ack is sent this long after its request arrived.
  std::chrono::milliseconds ack_delay{0};
  /// When > 0, every connection is cut after this many requests (the last one lands unacked).
  int64_t kill_every_requests = 0;
};

/// The longest delay or duration a script may give, in milliseconds (about 24.8 days).
inline constexpr int64_t kMaxScriptMillis = 2147483647;

/// Reads scripts from JSON: {"<catalog.schema.table>" or "*": {"create_delay_ms",
/// "ack_delay_ms", "kill_every_requests", "create_errors": [{"code", "message", "delay_ms"}],
/// "events": [{"after_requests", "kind", "code", "message", "duration_ms"}]}}. Codes are gRPC
/// names ("UNAVAILABLE"); kinds are error, unavailable_6002, close_signal, kill, silence,
/// expire_tokens, ack_beyond, ack_backwards (after_requests >= 2, so that its ack is lower than
/// an earlier one); delays and durations are at most kMaxScriptMillis. Any other key is refused.
/// Errors name the table, the entry and the key; nothing throws.
Result<std::map<std::string, FaultScript>> ParseFaultScripts(std::string_view json);

/// Why `text` is not valid JSON: the parser's reason with its line and column.
std::string JsonSyntaxError(std::string_view text);

}  // namespace arrow_zerobus::emulator
