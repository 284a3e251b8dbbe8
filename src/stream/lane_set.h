// LaneSet: several streams (lanes) for one table, each its own StreamEngine on its own
// connection, so that one wrapper goes past the service's per-stream quota. A request goes to the
// first lane that would acknowledge it soon (so a fast server is not spread over connections it
// does not need), else to the lane with the fewest outstanding bytes; each lane keeps its own
// window, offsets and recovery, so rows keep their order within a lane only. A lane that fails for
// good poisons the set: later sends fail with its error (the other lanes finish what they hold),
// and the owner opens a new set.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "arrow_zerobus/status.h"
#include "stream/stream_engine.h"

namespace arrow_zerobus::stream {

/// The service's multiplexing limit, as the official SDK states it.
constexpr int kMaxLanes = 64;

/// A lane that would acknowledge a new request within this long (at its recent ack rate) takes
/// it before any later lane does.
constexpr std::chrono::milliseconds kDrainTarget{5};

struct LaneOffset {
  int lane = 0;
  int64_t offset = 0;
};

class LaneSet {
 public:
  /// Opens `lanes` streams at once (each on its own thread, all before returning). The in-flight
  /// window of `config` is the set's: each lane gets an equal share (at least one request). Fails
  /// with the first lane's error (the others are closed) when any lane cannot open.
  /// `resume_stream_ids`, when given, names one persistent stream per lane to resume.
  static Result<std::unique_ptr<LaneSet>> Open(
      const StreamConfig& config, std::shared_ptr<const StreamProtocol> protocol, int lanes,
      const std::vector<std::string>& resume_stream_ids = {});
  ~LaneSet();

  /// Sends on the first lane that is idle or would acknowledge the request within kDrainTarget;
  /// when every lane is busy, on the one with the least outstanding bytes (blocking while its
  /// window is full).
  Result<LaneOffset> Send(StreamRequest request);
  /// Waits for every lane's requests, all by one deadline (default: flush_timeout from now).
  Status Flush(std::optional<std::chrono::steady_clock::time_point> deadline = {});
  /// Closes every lane by one deadline; the first failure.
  Status Close(std::optional<std::chrono::steady_clock::time_point> deadline = {});

  /// Fails every lane with `reason` (their unacknowledged requests fail with it).
  void Abort(const Status& reason);

  /// OK while every lane works; the first lane failure otherwise.
  Status status() const;
  std::vector<StreamStats> stats() const;
  int size() const { return static_cast<int>(lanes_.size()); }
  StreamEngine& lane(int index) { return *lanes_[index]; }
  const StreamProtocol& protocol() const { return *protocol_; }

 private:
  LaneSet(std::shared_ptr<const StreamProtocol> protocol,
          std::vector<std::unique_ptr<StreamEngine>> lanes, std::chrono::milliseconds flush_timeout)
      : protocol_(std::move(protocol)), lanes_(std::move(lanes)), flush_timeout_(flush_timeout) {}
  size_t Choose(int64_t bytes);
  /// Runs Flush or Close on every lane, all by `deadline`; the first failure.
  Status OnEveryLane(
      Status (StreamEngine::*wait)(std::optional<std::chrono::steady_clock::time_point>),
      std::chrono::steady_clock::time_point deadline);
  std::chrono::steady_clock::time_point DeadlineOr(
      std::optional<std::chrono::steady_clock::time_point> deadline) const;

  std::shared_ptr<const StreamProtocol> protocol_;
  std::vector<std::unique_ptr<StreamEngine>> lanes_;
  std::chrono::milliseconds flush_timeout_;
  std::atomic<size_t> next_start_{0};  ///< where the search for the least loaded lane begins
};

}  // namespace arrow_zerobus::stream
