// IngestStream: one logical Zerobus stream for one table. Requests get logical offsets 0, 1,
// 2, ... that never reset; each connection numbers what it sends from 0 on the wire, and
// cumulative acks are mapped back to requests in order. A retryable failure reconnects with a
// fresh token and replays every unacknowledged request (each kept whole); a permanent one fails
// them all with the server's status. Thread-safe: many threads may Send() at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/channel.h>

#include "arrow_zerobus/status.h"
#include "arrow_zerobus/telemetry.h"
#include "auth/headers_provider.h"
#include "telemetry/instruments.h"
#include "telemetry/tracer.h"
#include "zerobus/channel.h"
#include "zerobus/request_packer.h"
#include "zerobus/stream_connection.h"
#include "zerobus/stream_options.h"

namespace arrow_zerobus::zerobus {

/// A request whose fate is known.
struct ResolvedRequest {
  uint64_t tag = 0;  ///< PreparedRequest::tag
  int64_t offset = 0;
  int64_t record_count = 0;
  int sends = 0;          ///< times it was written to a connection (more than 1: replayed)
  std::string stream_id;  ///< of the connection that acknowledged it (or the last one)
};

/// Told, in offset order, what became of each request. Called without the stream's lock but
/// one at a time; must not block on the stream (no Flush/Close/Send from here).
class AckObserver {
 public:
  virtual ~AckObserver() = default;
  virtual void OnAcked(const ResolvedRequest& request) = 0;
  virtual void OnFailed(const ResolvedRequest& request, const Status& status) = 0;
};

struct StreamConfig {
  std::string endpoint;  ///< Zerobus endpoint, e.g. https://<workspace id>.zerobus.<region>...
  std::string table;     ///< catalog.schema.table
  std::string descriptor_proto;  ///< serialized DescriptorProto of the records
  std::shared_ptr<auth::HeadersProvider> headers;
  StreamOptions options;
  std::shared_ptr<AckObserver> observer;  ///< optional
  ChannelOptions channel;                 ///< application_name is taken from options
  // Telemetry, all optional (null: off).
  telemetry::Instruments* instruments = nullptr;
  telemetry::Tracer* tracer = nullptr;
  /// Parent of the first connection's span (reconnects start traces of their own); each
  /// connection's span goes to the server as the W3C traceparent metadata.
  SpanContext trace_parent;
};

struct StreamStats {
  std::string stream_id;      ///< of the current connection
  int64_t requests_sent = 0;  ///< writes, replays included
  int64_t requests_acked = 0;
  int64_t records_acked = 0;
  int64_t bytes_acked = 0;
  int64_t requests_replayed = 0;  ///< re-sent after a reconnect
  int64_t records_replayed = 0;   ///< upper bound on duplicates the table may hold
  int64_t reconnects = 0;
  int64_t close_signals = 0;
};

class IngestStream final : private ConnectionListener {
 public:
  /// Connects and creates the stream (with retries per the options) before returning.
  static Result<std::unique_ptr<IngestStream>> Open(StreamConfig config);
  /// Ends the stream at once (no flush); unacknowledged requests are reported failed.
  ~IngestStream() override;

  /// Queues a request and returns its logical offset. Blocks while the in-flight window is
  /// full. Fails when the stream is closed or has failed, or the request holds no record.
  Result<int64_t> Send(PreparedRequest request);
  /// Waits until `offset` is acknowledged (bounded by flush_timeout).
  Status WaitForOffset(int64_t offset);
  /// Waits for every request sent before the call (bounded by flush_timeout).
  Status Flush();
  /// Flushes, then ends the stream. Idempotent: later calls return the first result.
  Status Close();
  /// Requests never acknowledged, in offset order; only once the stream is closed or failed.
  Result<std::vector<PreparedRequest>> TakeUnacked();

  /// OK while the stream works; the error that ended it otherwise.
  Status status() const;
  StreamStats stats() const;

 private:
  struct Entry {
    int64_t offset;
    int64_t physical = -1;  ///< its offset_id on the current connection once sent
    PreparedRequest request;
    int sends = 0;
    std::chrono::steady_clock::time_point first_sent{};
  };
  enum class Phase { kConnecting, kOpen, kPaused, kClosing, kClosed, kFailed };

  explicit IngestStream(StreamConfig config, std::shared_ptr<grpc::Channel> channel);

  // ConnectionListener (gRPC threads).
  void OnCreated(uint64_t generation, const std::string& stream_id) override;
  void OnAck(uint64_t generation, int64_t ack_up_to_offset) override;
  void OnCloseSignal(uint64_t generation, std::chrono::milliseconds duration) override;
  void OnEnded(uint64_t generation, Status status) override;

  /// Connects with retries; on success the stream is open and unacked requests are re-sent.
  Status Connect(std::unique_lock<std::mutex>& lock, const std::string& why);
  /// One attempt, traced as a zerobus.connect span under `parent`.
  Status ConnectOnce(std::unique_lock<std::mutex>& lock, const SpanContext& parent,
                     const std::string& why);
  /// The attempt itself; `trace` (when valid) is sent as the traceparent metadata.
  Status ConnectAttempt(std::unique_lock<std::mutex>& lock, const SpanContext& trace);
  void SendPendingLocked();
  void FailLocked(std::unique_lock<std::mutex>& lock, Status status);
  void SupervisorLoop();
  /// Hands resolved entries to the observer in order, outside mu_.
  void Deliver(std::unique_lock<std::mutex>& lock, std::vector<Entry> entries, Status failure);
  Status WaitForOffsetLocked(std::unique_lock<std::mutex>& lock, int64_t offset);
  Status ClosedError() const;

  const StreamConfig config_;
  const std::shared_ptr<grpc::Channel> channel_;
  std::string create_request_;

  mutable std::mutex mu_;
  std::condition_variable changed_;
  Phase phase_ = Phase::kConnecting;
  bool shutting_down_ = false;
  Status failure_;
  bool failure_delivered_ = false;  ///< the observer heard of every request the failure ended
  std::optional<Status> close_result_;

  std::deque<Entry> entries_;  ///< unacknowledged, in offset order
  size_t sent_ = 0;            ///< entries_[0, sent_) were written on the current connection
  int64_t next_offset_ = 0;
  int64_t delivered_offset_ = -1;  ///< acked and told to the observer: what waits wait for
  int64_t next_physical_ = 0;
  int64_t window_bytes_ = 0;

  std::shared_ptr<StreamConnection> connection_;
  /// Connections replaced by a newer one, held until gRPC lets go of them so that they are never
  /// destroyed on a gRPC thread (see ConnectOnce).
  std::vector<std::shared_ptr<StreamConnection>> retired_;
  uint64_t generation_ = 0;
  int live_connections_ = 0;
  bool created_ = false;         ///< the current connection's create reply arrived
  std::optional<Status> ended_;  ///< the current connection ended with this
  std::optional<Status> pending_failure_;
  std::chrono::steady_clock::time_point last_progress_;
  std::chrono::steady_clock::time_point pause_deadline_;
  StreamStats stats_;

  std::mutex deliver_mu_;  ///< keeps observer calls in order
  std::thread supervisor_;
};

}  // namespace arrow_zerobus::zerobus
