// Helpers for tests that run our client against an in-process emulator: a started emulator,
// stream configurations with real OAuth over HTTP, simple records and an observer that records
// what became of every request.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "arrow_zerobus/status.h"
#include "emulator.h"
#include "stream/stream_engine.h"
#include "zerobus/request_packer.h"

namespace arrow_zerobus::testing {

constexpr char kTestTable[] = "main.default.events";

/// Starts an emulator that keeps landed records in memory; aborts the test on failure.
std::unique_ptr<emulator::Emulator> StartEmulator(emulator::EmulatorOptions options = {});

/// DescriptorProto (serialized) of `message Event { optional int64 id = 1; optional string
/// name = 2; }`.
std::string EventDescriptor();
/// The record of Event{id, name}.
std::string EventRecord(int64_t id, const std::string& name = "event");
/// The id of an Event record (-1 when it has none).
int64_t EventId(const std::string& record);

/// A fault-script event of `kind` firing at the `after_requests`-th request of a connection.
emulator::StreamEvent FaultEvent(emulator::StreamEvent::Kind kind, int64_t after_requests,
                                 std::chrono::milliseconds duration = std::chrono::milliseconds(0));

/// Milliseconds from `start` to now.
int64_t MillisSince(std::chrono::steady_clock::time_point start);
/// `count` consecutive values from `first`.
std::vector<int64_t> Iota(int64_t count, int64_t first = 0);

/// Options that keep tests fast: short backoff, timeouts of a few seconds.
stream::StreamOptions FastOptions();

/// A stream configuration for `table` on `emu` with OAuth M2M tokens fetched over HTTP (libcurl)
/// from the emulator's token endpoint.
stream::StreamConfig OAuthConfig(const emulator::Emulator& emu, const std::string& table,
                                 const std::string& client_secret = emulator::kDefaultClientSecret);

/// A request of Event records with ids [first_id, first_id + count).
zerobus::PreparedRequest EventRequest(int64_t first_id, int64_t count, uint64_t tag = 0);

/// The ids of the Event records landed in `table`, in landing order: from Protobuf records, or
/// from the "id" column of batches landed over Arrow Flight.
std::vector<int64_t> LandedIds(const emulator::Emulator& emu, const std::string& table);

/// Polls `condition` (every few milliseconds) until it holds or `timeout` passes; returns its
/// last value. For states that have no notification of their own (stream stats, counters).
bool WaitUntil(const std::function<bool()>& condition,
               std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

/// Records, per tag, what the stream reported.
class RecordingObserver : public stream::AckObserver {
 public:
  void OnAcked(const stream::ResolvedRequest& request) override;
  void OnFailed(const stream::ResolvedRequest& request, const Status& status) override;

  std::vector<int64_t> acked_offsets() const;
  std::vector<uint64_t> acked_tags() const;
  std::vector<uint64_t> failed_tags() const;
  std::vector<Status> failures() const;
  std::vector<int64_t> failed_offsets() const;
  /// The record_count of every OnAcked call, in call order.
  std::vector<int64_t> acked_record_counts() const;
  /// Waits until `count` requests were reported (acked or failed); false on timeout.
  bool WaitForResolved(size_t count,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable resolved_;
  std::vector<int64_t> acked_record_counts_;
  std::vector<int64_t> failed_offsets_;
  std::vector<int64_t> acked_offsets_;
  std::vector<uint64_t> acked_tags_;
  std::vector<uint64_t> failed_tags_;
  std::vector<Status> failures_;
};

}  // namespace arrow_zerobus::testing
