// StreamEngine: one logical stream (one lane) for one table, in any wire format. Requests get
// logical offsets 0, 1, 2, ... that never reset; each connection numbers what it writes from 0
// and the server's cumulative acks are mapped back to requests in order (see stream_protocol.h).
// A retryable failure reconnects with fresh headers and replays only what is unacknowledged (a
// partly acknowledged request from its first unacknowledged unit); a permanent one fails every
// unacknowledged request with the cause. Every wait is bounded (docs/transport.md, "Bounds").
// Thread-safe: many threads may Send() at once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/channel.h>

#include "arrow_zerobus/status.h"
#include "arrow_zerobus/telemetry.h"
#include "auth/headers_provider.h"
#include "retry/backoff_policy.h"
#include "retry/retry_policy.h"
#include "stream/bidi_connection.h"
#include "stream/channel.h"
#include "stream/open_canceller.h"
#include "stream/stream_options.h"
#include "stream/stream_protocol.h"
#include "telemetry/instruments.h"
#include "telemetry/tracer.h"

namespace arrow_zerobus::stream {

/// A request whose fate is known.
struct ResolvedRequest {
  uint64_t tag = 0;  ///< StreamRequest::tag
  int64_t offset = 0;
  int64_t record_count = 0;
  int sends = 0;          ///< times it was written to a connection (more than 1: replayed)
  std::string stream_id;  ///< of the connection that acknowledged it (or the last one)
  int lane = 0;           ///< the stream's place in its LaneSet
};

/// Told, in offset order, what became of each request. Called without the stream's lock but
/// one at a time per stream; must not block on the stream (no Flush/Close/Send from here).
class AckObserver {
 public:
  virtual ~AckObserver() = default;
  virtual void OnAcked(const ResolvedRequest& request) = 0;
  virtual void OnFailed(const ResolvedRequest& request, const Status& status) = 0;
};

/// Told of each request as it gets its offset, before it is first written: what a caller of a
/// persistent stream records to know, after a crash, which rows the server's committed offset
/// covers. Called under the stream's lock, in offset order; must not call into the stream.
class SendJournal {
 public:
  virtual ~SendJournal() = default;
  /// An error refuses the request: Send fails with it and nothing is written.
  virtual Status Record(const std::string& stream_id, int lane, int64_t offset, uint64_t tag) = 0;
};

struct StreamConfig {
  std::string endpoint;  ///< Zerobus endpoint, e.g. https://<workspace id>.zerobus.<region>...
  std::string table;     ///< catalog.schema.table
  std::shared_ptr<auth::HeadersProvider> headers;
  StreamOptions options;
  std::shared_ptr<AckObserver> observer;  ///< optional
  stream::ChannelOptions channel;         ///< application_name is taken from options
  int lane = 0;                           ///< reported in ResolvedRequest and stats
  /// For a format that resumes() (persistent streams): the id of a stream to resume (one that
  /// another StreamEngine, perhaps of another process, created) instead of creating one. Its
  /// offsets continue after the last one the server committed.
  std::string resume_stream_id;
  /// Optional: told of every request before it is written.
  std::shared_ptr<SendJournal> journal;
  /// Optional: ends Open() early (see OpenCanceller).
  std::shared_ptr<OpenCanceller> open_canceller;
  // Telemetry, all optional (null: off).
  telemetry::Instruments* instruments = nullptr;
  telemetry::Tracer* tracer = nullptr;
  /// Parent of the first connection's span (reconnects start traces of their own); each
  /// connection's span goes to the server as the W3C traceparent metadata.
  SpanContext trace_parent;
};

struct StreamStats {
  std::string stream_id;  ///< of the current connection (empty when the format has none)
  int lane = 0;
  int64_t requests_sent = 0;  ///< writes, replays included
  int64_t requests_acked = 0;
  int64_t records_acked = 0;
  int64_t bytes_acked = 0;
  int64_t requests_replayed = 0;  ///< re-sent after a reconnect
  int64_t records_replayed = 0;   ///< upper bound on duplicates the table may hold
  int64_t reconnects = 0;
  int64_t close_signals = 0;
  /// The highest offset acknowledged (-1: none); for a persistent stream, where a process that
  /// resumes it continues from (offsets up to it landed).
  int64_t last_acked_offset = -1;
  /// Persistent streams: connections that resumed the stream, and the requests their resume
  /// replies acknowledged (committed by the server, their acks lost with a connection: what an
  /// ephemeral stream would have sent again).
  int64_t resumes = 0;
  int64_t requests_committed_on_resume = 0;
};

class StreamEngine final : private ConnectionListener {
 public:
  /// Connects and opens the stream (with retries per the options) before returning.
  static Result<std::unique_ptr<StreamEngine>> Open(StreamConfig config,
                                                    std::shared_ptr<const StreamProtocol> protocol);
  /// Ends the stream at once (no flush); unacknowledged requests are reported failed.
  ~StreamEngine() override;

  /// Queues a request and returns its logical offset. Blocks while the in-flight window is
  /// full (bounded: the oldest request fails the stream flush_timeout after it was queued).
  /// Fails when the stream is closed or has failed, or the request holds no record.
  Result<int64_t> Send(StreamRequest request);
  /// Waits until `offset` is acknowledged, at most until `deadline` (default: flush_timeout
  /// from now). A wait that times out fails the stream.
  Status WaitForOffset(int64_t offset,
                       std::optional<std::chrono::steady_clock::time_point> deadline = {});
  /// Waits for every request sent before the call, as WaitForOffset.
  Status Flush(std::optional<std::chrono::steady_clock::time_point> deadline = {});
  /// Flushes, then half-closes and ends the stream. Idempotent: later calls return the first
  /// result; returns at once with the failure of a stream that failed.
  Status Close(std::optional<std::chrono::steady_clock::time_point> deadline = {});
  /// Fails the stream now with `reason` (unless it already ended): every unacknowledged request
  /// is reported failed with it.
  void Abort(const Status& reason);
  /// Requests never acknowledged, in offset order (a partly acknowledged request still holds
  /// all its units; `durable_units` says how many of them landed); only once the stream is
  /// closed or failed.
  struct Unacked {
    StreamRequest request;
    int64_t durable_units = 0;
  };
  Result<std::vector<Unacked>> TakeUnacked();

  /// OK while the stream works; the error that ended it otherwise.
  Status status() const;
  StreamStats stats() const;
  /// Bytes queued or unacknowledged: what LaneSet deals by. Lock-free.
  int64_t outstanding_bytes() const { return outstanding_bytes_.load(std::memory_order_relaxed); }
  /// How fast the server has been acknowledging bytes on this stream (a moving average; 0 before
  /// the first ack). Lock-free.
  double ack_bytes_per_second() const {
    return ack_bytes_per_second_.load(std::memory_order_relaxed);
  }
  const StreamProtocol& protocol() const { return *protocol_; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    int64_t offset = 0;
    StreamRequest request;
    int64_t durable_units = 0;  ///< acknowledged on earlier connections
    /// Positions of the current connection it covers once written: [start, end).
    int64_t start_position = -1;
    int64_t end_position = -1;
    int sends = 0;
    Clock::time_point queued{};
    Clock::time_point first_sent{};
    Clock::time_point written{};  ///< on the current connection
  };
  enum class Phase { kConnecting, kOpen, kPaused, kRotating, kClosing, kClosed, kFailed };
  /// The retry budget of one episode of trouble: from a failure until an ack makes progress.
  struct Episode {
    std::unique_ptr<retry::RetryPolicy> policy;
    std::unique_ptr<retry::BackoffPolicy> backoff;
    int attempts = 0;
  };

  friend class OpenCanceller;

  StreamEngine(StreamConfig config, std::shared_ptr<const StreamProtocol> protocol,
               std::shared_ptr<grpc::Channel> channel);
  /// Ends the first connect (Open) with `reason`: its waits wake and it gives up.
  void CancelOpen(const Status& reason);

  // ConnectionListener (gRPC threads).
  void OnMessage(uint64_t generation, const ServerMessage& message) override;
  void OnEnded(uint64_t generation, Status status) override;

  /// Connects with retries within the episode's budget; on success the stream is open and
  /// unacknowledged requests are re-sent.
  Status Connect(std::unique_lock<std::mutex>& lock, const std::string& why);
  /// One attempt with one re-minted token after a refusal, when the provider can mint one.
  Status ConnectWithFreshToken(std::unique_lock<std::mutex>& lock, const SpanContext& parent,
                               const std::string& why);
  /// One attempt, traced as a zerobus.connect span under `parent`.
  Status ConnectOnce(std::unique_lock<std::mutex>& lock, const SpanContext& parent,
                     const std::string& why);
  /// The attempt itself, bounded by connect_timeout; `trace` (when valid) is sent as the
  /// traceparent metadata.
  Status ConnectAttempt(std::unique_lock<std::mutex>& lock, const SpanContext& trace);
  /// Records a retryable failure in the episode; the error to fail with once it is exhausted
  /// (naming the opening of the stream, or its recovery).
  std::optional<Status> SpendRetry(const Status& failure, bool opening);
  /// Folds the current connection's partial ack of a request into its durable units and
  /// forgets the connection's numbering (before a reconnect, at the end).
  void FoldConnectionLocked();
  void SendPendingLocked();
  void AckLocked(std::unique_lock<std::mutex>& lock, int64_t position);
  /// Pops the first `count` entries as acknowledged, for delivery.
  std::vector<Entry> PopAckedLocked(size_t count, Clock::time_point now);
  /// A resumed persistent stream continues at `position` (its opening reply's): what lies below
  /// was committed and is acknowledged, the rest is sent again with the same offsets. Errors when
  /// the server's position contradicts what it acknowledged or what was sent.
  Status ResumeAtLocked(std::unique_lock<std::mutex>& lock, int64_t position);
  void NoteAckRateLocked(int64_t bytes, Clock::time_point now);
  void CloseSignalLocked(std::chrono::milliseconds duration);
  /// Half-closes the current connection and lets its last acks arrive (bounded).
  void DrainLocked(std::unique_lock<std::mutex>& lock);
  void FailLocked(std::unique_lock<std::mutex>& lock, Status status);
  void SupervisorLoop();
  /// The oldest request's flush_timeout deadline; max() when nothing is outstanding.
  Clock::time_point AckDeadlineLocked() const;
  Status AckDeadlineError() const;
  /// A new channel, so that the next attempt dials at once: a channel whose connection failed
  /// waits out gRPC's own reconnect backoff (a second or more), failing every call meanwhile.
  Status RenewChannelLocked();
  /// What the observer needs of every unacknowledged entry (no bodies).
  std::vector<Entry> NamesLocked() const;
  /// Hands resolved entries to the observer in order, outside mu_.
  void Deliver(std::unique_lock<std::mutex>& lock, std::vector<Entry> entries, Status failure);
  Status WaitForOffsetLocked(std::unique_lock<std::mutex>& lock, int64_t offset,
                             Clock::time_point deadline);
  Clock::time_point DeadlineOr(std::optional<Clock::time_point> deadline) const;
  Status ClosedError() const;
  std::string Name() const;
  void UpdateOutstandingLocked();

  const StreamConfig config_;
  const std::shared_ptr<const StreamProtocol> protocol_;
  /// Replaced before each retry of a connect (RenewChannelLocked); guarded by mu_.
  std::shared_ptr<grpc::Channel> channel_;

  mutable std::mutex mu_;
  std::condition_variable changed_;
  Phase phase_ = Phase::kConnecting;
  bool shutting_down_ = false;
  Status failure_;
  bool failure_delivered_ = false;  ///< the observer heard of every request the failure ended
  std::optional<Status> close_result_;
  std::optional<Episode> episode_;
  Status open_cancelled_;  ///< why Open was cancelled (OpenCanceller)

  std::deque<Entry> entries_;  ///< unacknowledged, in offset order
  size_t sent_ = 0;            ///< entries_[0, sent_) were written on the current connection
  int64_t next_offset_ = 0;
  int64_t delivered_offset_ = -1;  ///< acked and told to the observer: what waits wait for
  int64_t window_bytes_ = 0;
  std::atomic<int64_t> outstanding_bytes_{0};
  std::atomic<double> ack_bytes_per_second_{0};
  // The busy time and bytes the next ack-rate sample covers: earlier busy spells, then the
  // current one since rate_window_start_.
  Clock::time_point rate_window_start_{};
  Clock::duration rate_window_busy_{};
  int64_t rate_window_bytes_ = 0;
  // The current connection's numbering.
  int64_t next_message_id_ = 0;
  int64_t positions_written_ = 0;
  int64_t acked_position_ = 0;
  bool acked_any_ = false;  ///< an ack arrived on this connection

  /// A persistent stream's id once the server gave it (or the one to resume): every reconnect
  /// resumes it.
  std::string resume_id_;
  /// The current connection's opening reply said where it continues (formats that resume()).
  std::optional<int64_t> resume_position_;
  bool connection_resumes_ = false;  ///< the current connection opened with a resume

  std::shared_ptr<BidiConnection> connection_;
  /// Connections replaced by a newer one, held until gRPC lets go of them (their OnEnded) so that
  /// they are never destroyed on a gRPC thread (see ConnectAttempt).
  std::vector<std::shared_ptr<BidiConnection>> retired_;
  /// Generations whose OnEnded came and whose connection is still held.
  std::set<uint64_t> ended_generations_;
  uint64_t generation_ = 0;
  int live_connections_ = 0;
  bool opened_ = false;          ///< the current connection's opening reply arrived
  std::optional<Status> ended_;  ///< the current connection ended with this
  std::optional<Status> pending_failure_;
  Clock::time_point last_progress_;
  Clock::time_point pause_deadline_;
  StreamStats stats_;

  std::mutex deliver_mu_;  ///< keeps observer calls in order
  std::thread supervisor_;
};

}  // namespace arrow_zerobus::stream
