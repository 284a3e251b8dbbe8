#include "stream/lane_set.h"

#include <optional>
#include <thread>

namespace arrow_zerobus::stream {

Result<std::unique_ptr<LaneSet>> LaneSet::Open(const StreamConfig& config,
                                               std::shared_ptr<const StreamProtocol> protocol,
                                               int lanes,
                                               const std::vector<std::string>& resume_stream_ids) {
  if (lanes < 1 || lanes > kMaxLanes) {
    return ConfigurationError("stream_count must be between 1 and " + std::to_string(kMaxLanes) +
                              ", got " + std::to_string(lanes));
  }
  if (!resume_stream_ids.empty() && static_cast<int>(resume_stream_ids.size()) != lanes) {
    return ConfigurationError(std::to_string(resume_stream_ids.size()) +
                              " stream id(s) to resume for " + std::to_string(lanes) +
                              " stream(s): give one per stream (stream_count)");
  }
  std::vector<std::optional<Result<std::unique_ptr<StreamEngine>>>> opened(lanes);
  auto open_lane = [&](int lane) {
    StreamConfig lane_config = config;
    lane_config.lane = lane;
    if (!resume_stream_ids.empty()) lane_config.resume_stream_id = resume_stream_ids[lane];
    lane_config.options.max_inflight_requests =
        std::max<int64_t>(1, config.options.max_inflight_requests / lanes);
    lane_config.options.max_inflight_bytes =
        std::max<int64_t>(1, config.options.max_inflight_bytes / lanes);
    // The first lane's connection belongs to the opening send's trace; the others to none.
    if (lane > 0) lane_config.trace_parent = SpanContext{};
    opened[lane] = StreamEngine::Open(std::move(lane_config), protocol);
  };
  std::vector<std::thread> openers;
  for (int lane = 1; lane < lanes; ++lane) openers.emplace_back(open_lane, lane);
  open_lane(0);
  for (std::thread& opener : openers) opener.join();

  std::vector<std::unique_ptr<StreamEngine>> engines;
  Status first_error;
  for (auto& lane : opened) {
    if (lane->ok()) {
      engines.push_back(std::move(*lane).value());
    } else if (first_error.ok() || (first_error.retryable() && !lane->status().retryable())) {
      // A permanent cause (auth, schema) says more than a lane that merely ran out of time.
      first_error = lane->status();
    }
  }
  if (!first_error.ok()) {
    for (auto& engine : engines) (void)engine->Close();
    return first_error;
  }
  return std::unique_ptr<LaneSet>(
      new LaneSet(std::move(protocol), std::move(engines), config.options.flush_timeout));
}

LaneSet::~LaneSet() = default;

Result<LaneOffset> LaneSet::Send(StreamRequest request) {
  ARROW_ZEROBUS_RETURN_NOT_OK(status());
  const size_t chosen = Choose(request.bytes);
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(int64_t offset, lanes_[chosen]->Send(std::move(request)));
  return LaneOffset{static_cast<int>(chosen), offset};
}

size_t LaneSet::Choose(int64_t bytes) {
  // The first lane, in order, that is idle or would have this request acknowledged within
  // kDrainTarget at the rate it has been acknowledged: a server that keeps up with one stream
  // gets one (more connections would only cost), one that paces streams gets them all.
  const size_t count = lanes_.size();
  for (size_t lane = 0; lane < count; ++lane) {
    const int64_t outstanding = lanes_[lane]->outstanding_bytes();
    if (outstanding == 0) return lane;
    const double rate = lanes_[lane]->ack_bytes_per_second();
    const double drain_seconds = static_cast<double>(outstanding + bytes) / rate;
    if (rate > 0 && drain_seconds < std::chrono::duration<double>(kDrainTarget).count()) {
      return lane;
    }
  }
  // Every lane is busy: the least loaded, searched from a rotating start so that ties spread.
  const size_t start = next_start_.fetch_add(1, std::memory_order_relaxed) % count;
  size_t chosen = start;
  int64_t least = lanes_[start]->outstanding_bytes();
  for (size_t step = 1; step < count && least > 0; ++step) {
    const size_t lane = (start + step) % count;
    const int64_t outstanding = lanes_[lane]->outstanding_bytes();
    if (outstanding < least) {
      least = outstanding;
      chosen = lane;
    }
  }
  return chosen;
}

std::chrono::steady_clock::time_point LaneSet::DeadlineOr(
    std::optional<std::chrono::steady_clock::time_point> deadline) const {
  return deadline ? *deadline : std::chrono::steady_clock::now() + flush_timeout_;
}

Status LaneSet::Flush(std::optional<std::chrono::steady_clock::time_point> deadline) {
  return OnEveryLane(&StreamEngine::Flush, DeadlineOr(deadline));
}

Status LaneSet::Close(std::optional<std::chrono::steady_clock::time_point> deadline) {
  return OnEveryLane(&StreamEngine::Close, DeadlineOr(deadline));
}

Status LaneSet::OnEveryLane(
    Status (StreamEngine::*wait)(std::optional<std::chrono::steady_clock::time_point>),
    std::chrono::steady_clock::time_point deadline) {
  Status first;
  for (auto& lane : lanes_) {
    Status status = ((*lane).*wait)(deadline);
    if (first.ok()) first = status;
  }
  return first;
}

void LaneSet::Abort(const Status& reason) {
  for (auto& lane : lanes_) lane->Abort(reason);
}

Status LaneSet::status() const {
  for (const auto& lane : lanes_) {
    Status lane_status = lane->status();
    if (!lane_status.ok()) return lane_status;
  }
  return Status::OK();
}

std::vector<StreamStats> LaneSet::stats() const {
  std::vector<StreamStats> all;
  for (const auto& lane : lanes_) all.push_back(lane->stats());
  return all;
}

}  // namespace arrow_zerobus::stream
