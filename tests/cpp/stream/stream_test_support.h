// What the stream engine suites share beyond testing/stream_formats.h: an observer that keeps
// every ResolvedRequest, at-least-once checks, fault-script shorthands and a fixture that opens
// Event streams in the suite's format.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "arrow_zerobus/status.h"
#include "emulator.h"
#include "stream/stream_engine.h"
#include "telemetry/instruments.h"
#include "testing/emulator_fixture.h"
#include "testing/stream_formats.h"

namespace arrow_zerobus::testing {

/// Every ResolvedRequest a stream (or a lane set) reported, in call order, with the failures.
class Resolutions : public stream::AckObserver {
 public:
  void OnAcked(const stream::ResolvedRequest& request) override;
  void OnFailed(const stream::ResolvedRequest& request, const Status& status) override;

  std::vector<stream::ResolvedRequest> acked() const;
  std::vector<stream::ResolvedRequest> failed() const;
  std::vector<Status> failures() const;
  /// Waits until `count` requests were reported (acked or failed); false on timeout.
  bool WaitForResolved(size_t count,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::vector<stream::ResolvedRequest> acked_;
  std::vector<stream::ResolvedRequest> failed_;
  std::vector<Status> failures_;
};

std::vector<int64_t> Offsets(const std::vector<stream::ResolvedRequest>& requests);
std::vector<uint64_t> Tags(const std::vector<stream::ResolvedRequest>& requests);
std::vector<uint64_t> TagRange(uint64_t count, uint64_t first = 0);
std::vector<int64_t> Concat(std::vector<int64_t> a, const std::vector<int64_t>& b);

/// At-least-once: every id in [0, sent) landed, nothing else did, and the extra copies are
/// bounded by the rows the client re-sent (`records_replayed`). Returns the number of
/// duplicates.
int64_t ExpectLandedAtLeastOnce(const std::vector<int64_t>& landed, int64_t sent,
                                int64_t records_replayed);

/// A create_stream refused with `code` and `message` after `delay`.
emulator::CreateFault Refuse(StatusCode code, std::string message,
                             std::chrono::milliseconds delay = std::chrono::milliseconds(0));
/// A create_stream that works (later create faults then refuse the reconnects).
emulator::CreateFault Accept();
/// The `after_requests`-th request of a connection is refused with `code` and `message`.
emulator::StreamEvent ErrorEvent(int64_t after_requests, StatusCode code, std::string message);
emulator::FaultScript Script(std::vector<emulator::StreamEvent> events);

/// The sum of a metric's points (-1 and a test failure when there is no such metric).
int64_t SumOf(const telemetry::Instruments& instruments, const std::string& name);

/// A suite run once per wire format, opening streams of Event rows.
class StreamTest : public BothFormatsTest {
 protected:
  /// Opens a stream in the suite's format; null (and a test failure) when it cannot.
  std::unique_ptr<stream::StreamEngine> Open(stream::StreamConfig config);
  /// Sends Event rows with ids [first_id, first_id + count) named `tag`.
  static Result<int64_t> SendRows(stream::StreamEngine& stream, int64_t first_id, int64_t count,
                                  uint64_t tag = 0);
};

}  // namespace arrow_zerobus::testing
