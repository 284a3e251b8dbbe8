// What a wire format supplies to the stream engine: how a connection opens, how the server's
// messages read, how a request is framed and numbered on a connection, and what the end of a call
// means beyond the common translation. Everything else (offsets, window, acks, timers, close
// signals, recovery, flush, close, teardown) is the engine's, once for every format.
//
// Acknowledgements are counted in "units": a format acknowledges either whole requests (Protobuf:
// one unit per request) or rows (Arrow: one unit per row). Each request written on a connection
// covers a range of positions [start, end) of that connection's unit count, and the server's
// cumulative ack names a position: every request ending at or before it is durable, and a request
// it cuts in two is durable up to it (replayed from there after a reconnect).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/status.h>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::stream {

/// One request's payload in its format's terms; built by the format, read only by it.
class RequestBody {
 public:
  virtual ~RequestBody() = default;
  /// Appends the wire messages carrying units [first_unit, units) of the request to `out`,
  /// numbering them from `*next_message_id` (the connection's count of data messages, advanced
  /// here). `first_unit` is above zero only when an earlier connection acknowledged part of it.
  virtual Status Write(int64_t first_unit, int64_t* next_message_id,
                       std::vector<grpc::ByteBuffer>* out) = 0;
};

/// A request as the engine holds it.
struct StreamRequest {
  uint64_t tag = 0;     ///< the caller's name for it, reported back when it is resolved
  int64_t records = 0;  ///< rows it carries (at least one)
  int64_t units = 1;    ///< acknowledgement units: 1 (acknowledged whole) or `records`
  int64_t bytes = 0;    ///< what the in-flight window counts
  std::unique_ptr<RequestBody> body;
};

/// What one server message says; unset fields were not in it.
struct ServerMessage {
  bool opens = false;     ///< the reply that opens the stream (create reply, READY)
  std::string stream_id;  ///< the server's name for the stream, when it gives one
  /// In the opening reply of a resumed stream (resumes()): the position this connection
  /// continues from; every earlier one is durable.
  std::optional<int64_t> resume_position;
  std::optional<int64_t> ack_position;  ///< cumulative units durable on this connection
  std::optional<std::chrono::milliseconds> close_after;  ///< a close (rotation) signal
};

class StreamProtocol {
 public:
  virtual ~StreamProtocol() = default;

  /// "Zerobus stream", "Arrow Flight stream": how errors name the stream.
  virtual std::string_view label() const = 0;
  /// The gRPC method of the bidi call, e.g. "/databricks.zerobus.Zerobus/EphemeralStream".
  virtual const char* method() const = 0;
  /// The first message of every connection (create_stream, or the schema). `resume_stream_id`
  /// is empty unless the format resumes() and the stream has an id: then the message resumes it.
  virtual grpc::ByteBuffer OpeningMessage(const std::string& resume_stream_id) const = 0;
  /// Whether the server keeps the stream across connections (a persistent stream): then a
  /// reconnect resumes it by its id, a position is a request's offset (one unit per request,
  /// never renumbered), and the opening reply says where the connection continues from.
  virtual bool resumes() const { return false; }
  /// Reads one server message; `opened` tells whether the opening reply came already. An error
  /// is a protocol violation naming what came.
  virtual Result<ServerMessage> Read(const grpc::ByteBuffer& message, bool opened) const = 0;
  /// An ack position as the wire says it, for errors: "durability_ack_up_to_offset=4".
  virtual std::string DescribeAck(int64_t position) const = 0;
  /// A meaning of a call's end that only this format knows (e.g. a schema refusal in the
  /// status details); nullopt: the common translation applies.
  virtual std::optional<Status> ExplainEnd(const grpc::Status& status, bool opened,
                                           const std::string& table) const {
    return std::nullopt;
  }
};

}  // namespace arrow_zerobus::stream
