#include "stream/stream_test_support.h"

#include <map>

#include <gtest/gtest.h>

namespace arrow_zerobus::testing {

void Resolutions::OnAcked(const stream::ResolvedRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  acked_.push_back(request);
  changed_.notify_all();
}

void Resolutions::OnFailed(const stream::ResolvedRequest& request, const Status& status) {
  std::lock_guard<std::mutex> lock(mu_);
  failed_.push_back(request);
  failures_.push_back(status);
  changed_.notify_all();
}

std::vector<stream::ResolvedRequest> Resolutions::acked() const {
  std::lock_guard<std::mutex> lock(mu_);
  return acked_;
}

std::vector<stream::ResolvedRequest> Resolutions::failed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failed_;
}

std::vector<Status> Resolutions::failures() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failures_;
}

bool Resolutions::WaitForResolved(size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return acked_.size() + failed_.size() >= count; });
}

std::vector<int64_t> Offsets(const std::vector<stream::ResolvedRequest>& requests) {
  std::vector<int64_t> offsets;
  for (const auto& request : requests) offsets.push_back(request.offset);
  return offsets;
}

std::vector<uint64_t> Tags(const std::vector<stream::ResolvedRequest>& requests) {
  std::vector<uint64_t> tags;
  for (const auto& request : requests) tags.push_back(request.tag);
  return tags;
}

std::vector<uint64_t> TagRange(uint64_t count, uint64_t first) {
  std::vector<uint64_t> tags;
  for (uint64_t i = 0; i < count; ++i) tags.push_back(first + i);
  return tags;
}

std::vector<int64_t> Concat(std::vector<int64_t> a, const std::vector<int64_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

int64_t ExpectLandedAtLeastOnce(const std::vector<int64_t>& landed, int64_t sent,
                                int64_t records_replayed) {
  std::map<int64_t, int64_t> copies;
  for (int64_t id : landed) ++copies[id];
  for (int64_t id = 0; id < sent; ++id) {
    EXPECT_GE(copies[id], 1) << "row " << id << " never landed";
  }
  EXPECT_EQ(static_cast<int64_t>(copies.size()), sent) << "rows that were never sent landed";
  const int64_t duplicates = static_cast<int64_t>(landed.size()) - sent;
  EXPECT_LE(duplicates, records_replayed) << "more duplicates than rows replayed";
  return duplicates;
}

emulator::CreateFault Refuse(StatusCode code, std::string message,
                             std::chrono::milliseconds delay) {
  emulator::CreateFault fault;
  fault.code = code;
  fault.message = std::move(message);
  fault.delay = delay;
  return fault;
}

emulator::CreateFault Accept() {
  emulator::CreateFault fault;
  fault.code = StatusCode::kOk;
  return fault;
}

emulator::StreamEvent ErrorEvent(int64_t after_requests, StatusCode code, std::string message) {
  emulator::StreamEvent event = FaultEvent(emulator::StreamEvent::Kind::kError, after_requests);
  event.code = code;
  event.message = std::move(message);
  return event;
}

emulator::FaultScript Script(std::vector<emulator::StreamEvent> events) {
  emulator::FaultScript script;
  script.events = std::move(events);
  return script;
}

int64_t SumOf(const telemetry::Instruments& instruments, const std::string& name) {
  for (const MetricData& metric : instruments.Snapshot()) {
    if (metric.name != name) continue;
    int64_t total = 0;
    for (const MetricPoint& point : metric.points) total += point.value;
    return total;
  }
  ADD_FAILURE() << "no metric " << name;
  return -1;
}

std::unique_ptr<stream::StreamEngine> StreamTest::Open(stream::StreamConfig config) {
  auto opened = OpenEventStream(format(), std::move(config));
  EXPECT_TRUE(opened.ok()) << opened.status();
  if (!opened.ok()) return nullptr;
  return std::move(opened).value();
}

Result<int64_t> StreamTest::SendRows(stream::StreamEngine& stream, int64_t first_id, int64_t count,
                                     uint64_t tag) {
  return stream.Send(EventRows(stream.protocol(), first_id, count, tag));
}

}  // namespace arrow_zerobus::testing
