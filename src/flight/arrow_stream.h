// ArrowStream: one logical Zerobus Arrow Flight stream for one table, the Flight twin of
// zerobus::IngestStream. Each request (a record batch of at least one row) gets a logical offset
// 0, 1, 2, ... that never resets; on the wire it becomes one or more FlightData messages numbered
// from 0 per connection, and the server's cumulative row count (ack_up_to_records) completes
// requests in order. A retryable failure reconnects with a fresh token and replays what is
// unacknowledged, a partially acknowledged request sliced to its unacknowledged rows; a permanent
// one fails every pending request with the server's status. Thread-safe: many threads may Send().
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <grpcpp/channel.h>
#include <grpcpp/support/byte_buffer.h>

#include "arrow_zerobus/status.h"
#include "arrow_zerobus/telemetry.h"
#include "auth/headers_provider.h"
#include "flight/flight_connection.h"
#include "flight/ipc_payloads.h"
#include "telemetry/instruments.h"
#include "telemetry/tracer.h"
#include "zerobus/channel.h"
#include "zerobus/ingest_stream.h"
#include "zerobus/stream_options.h"

namespace arrow_zerobus::flight {

/// One logical request: rows of the stream's schema (at least one).
struct ArrowRequest {
  uint64_t tag = 0;  ///< the caller's, reported back in zerobus::ResolvedRequest::tag
  std::shared_ptr<arrow::RecordBatch> rows;
};

struct ArrowStreamConfig {
  std::string endpoint;  ///< Zerobus endpoint, as for zerobus::StreamConfig
  std::string table;     ///< catalog.schema.table
  /// The canonical Arrow schema the stream declares; every batch must have exactly it.
  std::shared_ptr<arrow::Schema> schema;
  std::shared_ptr<auth::HeadersProvider> headers;
  /// Retries, timeouts, window and recovery. max_request_bytes does not apply: ipc decides how
  /// batches are split into messages.
  zerobus::StreamOptions options;
  IpcPayloadOptions ipc;
  std::shared_ptr<zerobus::AckObserver> observer;  ///< optional
  zerobus::ChannelOptions channel;                 ///< application_name is taken from options
  // Telemetry, all optional (null: off), as for zerobus::StreamConfig.
  telemetry::Instruments* instruments = nullptr;
  telemetry::Tracer* tracer = nullptr;
  SpanContext trace_parent;
};

class ArrowStream final : private FlightConnectionListener {
 public:
  /// Connects, declares the schema and waits for the server to accept it (with retries per the
  /// options) before returning. A schema the table refuses is a non-retryable
  /// ConfigurationError naming every cause and the service's error code.
  static Result<std::unique_ptr<ArrowStream>> Open(ArrowStreamConfig config);
  /// Ends the stream at once (no flush); unacknowledged requests are reported failed.
  ~ArrowStream() override;

  /// Encodes and queues a request and returns its logical offset. Blocks while the in-flight
  /// window is full. Fails when the stream is closed or has failed, the batch has no rows or
  /// not the stream's schema.
  Result<int64_t> Send(ArrowRequest request);
  /// Waits until `offset` is acknowledged (bounded by flush_timeout).
  Status WaitForOffset(int64_t offset);
  /// Waits for every request sent before the call (bounded by flush_timeout).
  Status Flush();
  /// Flushes, then half-closes and ends the stream. Idempotent: later calls return the first
  /// result.
  Status Close();
  /// The rows never acknowledged, in offset order (a partially acknowledged request sliced to
  /// its unacknowledged rows); only once the stream is closed or failed.
  Result<std::vector<ArrowRequest>> TakeUnacked();

  /// OK while the stream works; the error that ended it otherwise.
  Status status() const;
  /// stream_id stays empty: Arrow Flight gives a stream no server-side id.
  zerobus::StreamStats stats() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    int64_t offset = 0;
    ArrowRequest request;
    /// The IPC messages of rows [durable_rows, num_rows) of the request, as last encoded.
    std::vector<IpcMessage> messages;
    int64_t num_rows = 0;
    int64_t bytes = 0;         ///< IPC bytes when first encoded: what the window counts
    int64_t durable_rows = 0;  ///< acknowledged on earlier connections
    /// Cumulative rows of the current connection before and after this request, once written.
    int64_t start_row = -1;
    int64_t end_row = -1;
    int sends = 0;
    Clock::time_point first_sent{};
    Clock::time_point written{};  ///< on the current connection
  };
  enum class Phase { kConnecting, kOpen, kPaused, kRotating, kClosing, kClosed, kFailed };

  ArrowStream(ArrowStreamConfig config, std::shared_ptr<grpc::Channel> channel,
              IpcPayloadEncoder encoder);

  // FlightConnectionListener (gRPC threads).
  void OnReady(uint64_t generation) override;
  void OnPutResult(uint64_t generation, const PutResultFields& result) override;
  void OnEnded(uint64_t generation, Status status) override;

  /// Connects with retries; on success the stream is open and unacked requests are re-sent.
  Status Connect(std::unique_lock<std::mutex>& lock, const std::string& why);
  /// One attempt, traced as a zerobus.connect span under `parent`.
  Status ConnectOnce(std::unique_lock<std::mutex>& lock, const SpanContext& parent,
                     const std::string& why);
  /// The attempt itself; `trace` (when valid) is sent as the traceparent metadata.
  Status ConnectAttempt(std::unique_lock<std::mutex>& lock, const SpanContext& trace);
  /// Takes the rows the current connection acknowledged of a partly acknowledged request into
  /// its durable_rows and forgets the connection's numbering (before a reconnect, at the end).
  void FoldConnectionLocked();
  /// Drops the messages of rows acknowledged on earlier connections, re-encoding a message
  /// that is only partly acknowledged.
  Status TrimDurableLocked(Entry& entry);
  void SendPendingLocked();
  void AckLocked(std::unique_lock<std::mutex>& lock, int64_t records);
  /// Half-closes the current connection after a rotation signal and lets its last acks arrive.
  void DrainForRotation(std::unique_lock<std::mutex>& lock);
  void FailLocked(std::unique_lock<std::mutex>& lock, Status status);
  void SupervisorLoop();
  /// Hands resolved entries to the observer in order, outside mu_.
  void Deliver(std::unique_lock<std::mutex>& lock, std::vector<Entry> entries, Status failure);
  Status WaitForOffsetLocked(std::unique_lock<std::mutex>& lock, int64_t offset);
  Status ClosedError() const;

  const ArrowStreamConfig config_;
  const std::shared_ptr<grpc::Channel> channel_;
  const IpcPayloadEncoder encoder_;
  const grpc::ByteBuffer schema_message_;  ///< the first FlightData of every connection

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
  int64_t window_bytes_ = 0;
  // The current connection's numbering.
  int64_t next_offset_id_ = 0;  ///< of the next data message
  int64_t rows_written_ = 0;
  int64_t rows_acked_ = 0;  ///< the latest ack_up_to_records

  std::shared_ptr<FlightConnection> connection_;
  /// Connections replaced by a newer one, held until gRPC lets go of them so that they are never
  /// destroyed on a gRPC thread (see ConnectAttempt).
  std::vector<std::shared_ptr<FlightConnection>> retired_;
  uint64_t generation_ = 0;
  int live_connections_ = 0;
  bool ready_ = false;           ///< the current connection's READY arrived
  std::optional<Status> ended_;  ///< the current connection ended with this
  std::optional<Status> pending_failure_;
  Clock::time_point pause_deadline_;
  zerobus::StreamStats stats_;

  std::mutex deliver_mu_;  ///< keeps observer calls in order
  std::thread supervisor_;
};

}  // namespace arrow_zerobus::flight
