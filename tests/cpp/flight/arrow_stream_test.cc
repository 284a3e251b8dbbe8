// ArrowStream against the in-process emulator's Arrow Flight DoPut: requests acknowledged by
// cumulative rows and reported in order, batches split into several messages but one request,
// compression, schema and token refusals, every scripted fault followed by recovery (a partly
// acknowledged request replayed sliced to its unacknowledged rows), rotation signals, the
// lack-of-ack timeout, exhausted recovery, flush timeouts, close and destruction, telemetry.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <arrow/array.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "flight/arrow_stream.h"
#include "telemetry/instruments.h"
#include "telemetry/tracer.h"
#include "testing/arrow_builders.h"
#include "testing/emulator_fixture.h"
#include "testing/flight_client.h"

namespace arrow_zerobus::testing {
namespace {

using flight::ArrowRequest;
using flight::ArrowStream;
using flight::ArrowStreamConfig;
using flight::IpcCompression;
using ::testing::HasSubstr;
using Kind = emulator::StreamEvent::Kind;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using zerobus::ResolvedRequest;

/// Every ResolvedRequest the stream reported, in call order.
class Resolutions : public zerobus::AckObserver {
 public:
  void OnAcked(const ResolvedRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    acked_.push_back(request);
    changed_.notify_all();
  }
  void OnFailed(const ResolvedRequest& request, const Status& status) override {
    std::lock_guard<std::mutex> lock(mu_);
    failed_.push_back(request);
    failures_.push_back(status);
    changed_.notify_all();
  }

  std::vector<ResolvedRequest> acked() const {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_;
  }
  std::vector<ResolvedRequest> failed() const {
    std::lock_guard<std::mutex> lock(mu_);
    return failed_;
  }
  std::vector<Status> failures() const {
    std::lock_guard<std::mutex> lock(mu_);
    return failures_;
  }
  /// Waits until `count` requests were reported (acked or failed); false on timeout.
  bool WaitForResolved(size_t count, milliseconds timeout = milliseconds(5000)) const {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, timeout,
                             [&] { return acked_.size() + failed_.size() >= count; });
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::vector<ResolvedRequest> acked_;
  std::vector<ResolvedRequest> failed_;
  std::vector<Status> failures_;
};

std::vector<int64_t> Offsets(const std::vector<ResolvedRequest>& requests) {
  std::vector<int64_t> offsets;
  for (const auto& request : requests) offsets.push_back(request.offset);
  return offsets;
}

std::vector<uint64_t> Tags(const std::vector<ResolvedRequest>& requests) {
  std::vector<uint64_t> tags;
  for (const auto& request : requests) tags.push_back(request.tag);
  return tags;
}

/// A stream configuration for kTestTable of an ArrowEventsEmulator: OAuth over HTTP, fast
/// options, the (id, name) schema.
ArrowStreamConfig ArrowConfig(const emulator::Emulator& emu,
                              std::shared_ptr<zerobus::AckObserver> observer = nullptr) {
  zerobus::StreamConfig base = OAuthConfig(emu, kTestTable);
  ArrowStreamConfig config;
  config.endpoint = base.endpoint;
  config.table = base.table;
  config.headers = base.headers;
  config.options = base.options;
  config.schema = ArrowEventSchema();
  config.observer = std::move(observer);
  return config;
}

std::unique_ptr<ArrowStream> OpenStream(ArrowStreamConfig config) {
  auto opened = ArrowStream::Open(std::move(config));
  EXPECT_TRUE(opened.ok()) << opened.status();
  if (!opened.ok()) return nullptr;
  return std::move(opened).value();
}

/// Rows with ids [first, first + count), tagged `tag`.
ArrowRequest Rows(int64_t first, int64_t count, uint64_t tag = 0) {
  return ArrowRequest{tag, ArrowEventBatch(first, count)};
}

std::vector<int64_t> Ids(const arrow::RecordBatch& batch) {
  const auto& ids = static_cast<const arrow::Int64Array&>(*batch.column(0));
  return std::vector<int64_t>(ids.raw_values(), ids.raw_values() + ids.length());
}

/// The ids of every row landed in kTestTable, in landing order.
std::vector<int64_t> LandedArrowIds(emulator::Emulator& emu) {
  std::vector<int64_t> landed;
  for (const auto& batch : emu.state().LandedBatches(kTestTable)) {
    const std::vector<int64_t> ids = Ids(*batch);
    landed.insert(landed.end(), ids.begin(), ids.end());
  }
  return landed;
}

/// At-least-once: every id in [0, sent) landed, nothing else did, and the extra copies are
/// bounded by the rows the client re-sent. Returns the number of duplicates.
int64_t ExpectLandedAtLeastOnce(const std::vector<int64_t>& landed, int64_t sent,
                                const zerobus::StreamStats& stats) {
  std::map<int64_t, int64_t> copies;
  for (int64_t id : landed) ++copies[id];
  for (int64_t id = 0; id < sent; ++id) EXPECT_GE(copies[id], 1) << "row " << id << " is missing";
  EXPECT_EQ(static_cast<int64_t>(copies.size()), sent) << "rows that were never sent landed";
  const int64_t duplicates = static_cast<int64_t>(landed.size()) - sent;
  EXPECT_LE(duplicates, stats.records_replayed);
  return duplicates;
}

/// The rows of the first IPC message `rows` rows of ArrowEventBatch make under `ipc`.
int64_t FirstMessageRows(int64_t rows, const flight::IpcPayloadOptions& ipc) {
  auto encoder = flight::IpcPayloadEncoder::Make(ArrowEventSchema(), ipc);
  EXPECT_TRUE(encoder.ok()) << encoder.status();
  auto messages = encoder->EncodeBatch(*ArrowEventBatch(0, rows));
  EXPECT_TRUE(messages.ok()) << messages.status();
  EXPECT_GE(messages->size(), 3u) << "the test needs a request of several messages";
  return messages->front().num_rows;
}

emulator::StreamEvent Refusal(int64_t after_requests, StatusCode code, std::string message) {
  emulator::StreamEvent event = FaultEvent(Kind::kError, after_requests);
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

// ---- the happy path ----

TEST(ArrowStreamTest, AcksEveryRequestInOrderAndLandsEveryRow) {
  auto emu = ArrowEventsEmulator();
  auto observer = std::make_shared<Resolutions>();
  auto stream = OpenStream(ArrowConfig(*emu, observer));
  ASSERT_NE(stream, nullptr);

  const std::vector<int64_t> sizes = {1, 7, 100, 3, 40};
  int64_t next_id = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    auto offset = stream->Send(Rows(next_id, sizes[i], /*tag=*/100 + i));
    ASSERT_TRUE(offset.ok()) << offset.status();
    EXPECT_EQ(*offset, static_cast<int64_t>(i));
    next_id += sizes[i];
  }
  EXPECT_TRUE(stream->WaitForOffset(2).ok());
  ASSERT_TRUE(stream->Flush().ok());

  EXPECT_EQ(LandedArrowIds(*emu), Iota(next_id));
  const auto acked = observer->acked();
  EXPECT_EQ(Offsets(acked), Iota(5));
  EXPECT_EQ(Tags(acked), (std::vector<uint64_t>{100, 101, 102, 103, 104}));
  for (size_t i = 0; i < acked.size(); ++i) {
    EXPECT_EQ(acked[i].record_count, sizes[i]);
    EXPECT_EQ(acked[i].sends, 1);
  }
  EXPECT_TRUE(observer->failed().empty());

  const zerobus::StreamStats stats = stream->stats();
  EXPECT_EQ(stats.requests_sent, 5);
  EXPECT_EQ(stats.requests_acked, 5);
  EXPECT_EQ(stats.records_acked, next_id);
  EXPECT_GT(stats.bytes_acked, 0);
  EXPECT_EQ(stats.requests_replayed, 0);
  EXPECT_EQ(stats.reconnects, 0);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 1);
  EXPECT_EQ(emu->Counters(kTestTable).records, next_id);

  EXPECT_EQ(stream->WaitForOffset(5).code(), StatusCode::kInvalidArgument) << "never issued";
  EXPECT_TRUE(stream->Close().ok());
  EXPECT_TRUE(stream->status().ok());
}

TEST(ArrowStreamTest, ConcurrentSendersGetAGapFreeOffsetSequence) {
  auto emu = ArrowEventsEmulator();
  auto stream = OpenStream(ArrowConfig(*emu));
  ASSERT_NE(stream, nullptr);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20;
  std::mutex mu;
  std::vector<int64_t> offsets;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto offset = stream->Send(Rows((t * kPerThread + i) * 5, 5));
        ASSERT_TRUE(offset.ok()) << offset.status();
        std::lock_guard<std::mutex> lock(mu);
        offsets.push_back(*offset);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(stream->Flush().ok());
  std::sort(offsets.begin(), offsets.end());
  EXPECT_EQ(offsets, Iota(kThreads * kPerThread));
  std::vector<int64_t> landed = LandedArrowIds(*emu);
  std::sort(landed.begin(), landed.end());
  EXPECT_EQ(landed, Iota(kThreads * kPerThread * 5));
}

TEST(ArrowStreamTest, ALargeBatchTravelsAsSeveralMessagesButIsOneRequest) {
  auto emu = ArrowEventsEmulator();
  auto observer = std::make_shared<Resolutions>();
  auto config = ArrowConfig(*emu, observer);
  config.ipc.max_body_bytes = 4096;
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);

  auto offset = stream->Send(Rows(0, 2000, /*tag=*/7));
  ASSERT_TRUE(offset.ok()) << offset.status();
  ASSERT_TRUE(stream->Flush().ok());

  const size_t messages = emu->state().LandedBatches(kTestTable).size();
  EXPECT_GT(messages, 2u);
  EXPECT_EQ(emu->Counters(kTestTable).requests, static_cast<int64_t>(messages));
  EXPECT_EQ(LandedArrowIds(*emu), Iota(2000));
  const auto acked = observer->acked();
  ASSERT_EQ(acked.size(), 1u);
  EXPECT_EQ(acked[0].tag, 7u);
  EXPECT_EQ(acked[0].record_count, 2000);
  EXPECT_EQ(stream->stats().requests_sent, 1);
  EXPECT_EQ(stream->stats().records_acked, 2000);
}

class ArrowStreamCompressionTest : public ::testing::TestWithParam<IpcCompression> {};

TEST_P(ArrowStreamCompressionTest, BodiesArriveCompressedAndDecodeToTheSameRows) {
  auto emu = ArrowEventsEmulator();
  auto config = ArrowConfig(*emu);
  config.ipc.compression = GetParam();
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->Send(Rows(0, 5000)).ok());
  ASSERT_TRUE(stream->Send(Rows(5000, 10)).ok());
  ASSERT_TRUE(stream->Flush().ok());

  EXPECT_EQ(LandedArrowIds(*emu), Iota(5010));
  auto plain = flight::IpcPayloadEncoder::Make(ArrowEventSchema());
  ASSERT_TRUE(plain.ok());
  int64_t plain_bytes = 0;
  for (auto batch : {ArrowEventBatch(0, 5000), ArrowEventBatch(5000, 10)}) {
    auto messages = plain->EncodeBatch(*batch);
    ASSERT_TRUE(messages.ok());
    plain_bytes += flight::BodyBytes(*messages);
  }
  // The emulator counts the body bytes as received (LZ4 makes these about 58% of the plain
  // bodies, ZSTD less).
  EXPECT_LT(emu->Counters(kTestTable).bytes, plain_bytes * 3 / 4);
}

INSTANTIATE_TEST_SUITE_P(Codecs, ArrowStreamCompressionTest,
                         ::testing::Values(IpcCompression::kLz4Frame, IpcCompression::kZstd));

// ---- what the caller gets wrong ----

TEST(ArrowStreamTest, EmptyOrForeignBatchesAreRefusedAndNeverSent) {
  auto emu = ArrowEventsEmulator();
  auto stream = OpenStream(ArrowConfig(*emu));
  ASSERT_NE(stream, nullptr);

  auto empty = stream->Send(Rows(0, 0));
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(empty.status().message(), HasSubstr("at least one row"));
  EXPECT_EQ(stream->Send(ArrowRequest{}).status().code(), StatusCode::kInvalidArgument);
  auto other =
      MakeBatch({arrow::field("id", arrow::int32())}, {ArrayFromJson(arrow::int32(), "[1, 2]")});
  auto foreign = stream->Send(ArrowRequest{0, other});
  EXPECT_EQ(foreign.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(foreign.status().message(), HasSubstr("differs from the stream's schema"));

  auto first = stream->Send(Rows(0, 2));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, 0) << "refused batches take no offset";
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_EQ(emu->Counters(kTestTable).requests, 1);
  EXPECT_TRUE(stream->status().ok());
}

TEST(ArrowStreamTest, SchemaRefusalIsAConfigurationErrorNamingEveryCauseAndIsNotRetried) {
  auto emu = ArrowEventsEmulator();
  auto config = ArrowConfig(*emu);
  config.schema = arrow::schema(
      {arrow::field("id", arrow::int32(), false), arrow::field("nickname", arrow::large_utf8())});
  auto opened = ArrowStream::Open(config);
  ASSERT_FALSE(opened.ok());
  const Status status = opened.status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.kind(), ErrorKind::kConfiguration);
  EXPECT_FALSE(status.retryable());
  EXPECT_THAT(status.message(), HasSubstr("SCHEMA_VALIDATION_FAILED"));
  EXPECT_THAT(status.message(), HasSubstr("TYPE_INCOMPATIBLE"));
  EXPECT_THAT(status.message(), HasSubstr("FIELD_NOT_IN_TABLE"));
  EXPECT_THAT(status.message(), HasSubstr("error_code: 8001"));
  EXPECT_THAT(status.message(), HasSubstr(kTestTable));
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 1) << "no retry";
}

/// Always offers the same invalid bearer token; counts its calls.
class BogusTokenProvider : public auth::HeadersProvider {
 public:
  Result<auth::Headers> GetHeaders() override {
    ++gets;
    return auth::Headers{{"authorization", "Bearer not-a-token"}};
  }
  void Invalidate() override { ++invalidations; }
  std::atomic<int> gets{0};
  std::atomic<int> invalidations{0};
};

TEST(ArrowStreamTest, ARefusedTokenIsReMintedOnceThenTheRefusalStands) {
  auto emu = ArrowEventsEmulator();
  auto provider = std::make_shared<BogusTokenProvider>();
  auto config = ArrowConfig(*emu);
  config.headers = provider;
  auto opened = ArrowStream::Open(config);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(opened.status().kind(), ErrorKind::kAuthentication);
  EXPECT_FALSE(opened.status().retryable());
  EXPECT_EQ(provider->invalidations.load(), 1);
  EXPECT_EQ(provider->gets.load(), 2);
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 2);
}

TEST(ArrowStreamTest, ConfigurationIsCheckedBeforeConnecting) {
  auto emu = ArrowEventsEmulator();
  auto config = ArrowConfig(*emu);
  config.schema = nullptr;
  EXPECT_EQ(ArrowStream::Open(config).status().kind(), ErrorKind::kConfiguration);
  config = ArrowConfig(*emu);
  config.table = "not-three-parts";
  EXPECT_FALSE(ArrowStream::Open(config).ok());
  config = ArrowConfig(*emu);
  config.options.max_inflight_requests = 0;
  EXPECT_EQ(ArrowStream::Open(config).status().kind(), ErrorKind::kConfiguration);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 0);
}

// ---- faults and recovery ----

/// Sends `count` requests of 2 rows (ids from 0, tags = offsets), then flushes.
void SendPairsAndFlush(ArrowStream* stream, int count) {
  for (int i = 0; i < count; ++i) {
    auto offset = stream->Send(Rows(i * 2, 2, /*tag=*/i));
    ASSERT_TRUE(offset.ok()) << offset.status();
    EXPECT_EQ(*offset, i);
  }
  ASSERT_TRUE(stream->Flush().ok());
}

TEST(ArrowStreamTest, RecoversFromARetryableErrorEvent) {
  auto emu = ArrowEventsEmulator();
  emu->SetFaultScript(kTestTable, Script({Refusal(3, StatusCode::kUnavailable, "try again")}));
  auto observer = std::make_shared<Resolutions>();
  auto stream = OpenStream(ArrowConfig(*emu, observer));
  ASSERT_NE(stream, nullptr);
  SendPairsAndFlush(stream.get(), 8);

  // The refused message did not land and the server read nothing after it: exactly once.
  EXPECT_EQ(LandedArrowIds(*emu), Iota(16));
  EXPECT_EQ(Offsets(observer->acked()), Iota(8));
  const auto stats = stream->stats();
  EXPECT_EQ(stats.reconnects, 1);
  EXPECT_GE(stats.requests_replayed, 1);
  EXPECT_EQ(stats.requests_sent, 8 + stats.requests_replayed);
  EXPECT_EQ(observer->acked()[2].sends, 2) << "the refused request went out twice";
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 2);
  EXPECT_TRUE(stream->status().ok());
}

TEST(ArrowStreamTest, RecoversFromUnavailable6002) {
  auto emu = ArrowEventsEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kUnavailable6002, 2)}));
  auto observer = std::make_shared<Resolutions>();
  auto stream = OpenStream(ArrowConfig(*emu, observer));
  ASSERT_NE(stream, nullptr);
  SendPairsAndFlush(stream.get(), 5);
  EXPECT_EQ(LandedArrowIds(*emu), Iota(10));
  EXPECT_EQ(Offsets(observer->acked()), Iota(5));
  EXPECT_EQ(stream->stats().reconnects, 1);
}

TEST(ArrowStreamTest, AKilledConnectionReplaysOnlyWhatWasNotAcknowledged) {
  auto emu = ArrowEventsEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kKill, 5)}));
  auto observer = std::make_shared<Resolutions>();
  auto stream = OpenStream(ArrowConfig(*emu, observer));
  ASSERT_NE(stream, nullptr);
  // Three requests acknowledged before the kill; they are never sent again.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(stream->Send(Rows(i * 10, 10, i)).ok());
  ASSERT_TRUE(stream->Flush().ok());
  for (int i = 3; i < 8; ++i) ASSERT_TRUE(stream->Send(Rows(i * 10, 10, i)).ok());
  ASSERT_TRUE(stream->Flush().ok());

  const auto stats = stream->stats();
  EXPECT_EQ(stats.reconnects, 1);
  EXPECT_EQ(emu->Counters(kTestTable).connections_killed, 1);
  const int64_t duplicates = ExpectLandedAtLeastOnce(LandedArrowIds(*emu), 80, stats);
  EXPECT_GE(duplicates, 10) << "the request that killed the connection landed, unacknowledged";
  EXPECT_LE(stats.requests_replayed, 5) << "requests 3 to 7 at most";
  const auto acked = observer->acked();
  ASSERT_EQ(Offsets(acked), Iota(8));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(acked[i].sends, 1) << "request " << i;
  EXPECT_EQ(acked[4].sends, 2) << "the request the server cut off on";
}

TEST(ArrowStreamTest, APartlyAcknowledgedRequestIsReplayedSlicedToItsUnacknowledgedRows) {
  auto emu = ArrowEventsEmulator();
  // The request's first message lands and is acked; its second is refused (acks already due
  // still go out), so the server holds exactly the first message's rows.
  emu->SetFaultScript(kTestTable, Script({Refusal(2, StatusCode::kUnavailable, "hiccup")}));
  auto observer = std::make_shared<Resolutions>();
  auto config = ArrowConfig(*emu, observer);
  config.ipc.max_body_bytes = 4096;
  const int64_t rows = 1000;
  const int64_t first_message_rows = FirstMessageRows(rows, config.ipc);
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);

  ASSERT_TRUE(stream->Send(Rows(0, rows, /*tag=*/42)).ok());
  ASSERT_TRUE(stream->Flush().ok());

  // Only the unacknowledged rows were re-sent, so every row landed exactly once.
  EXPECT_EQ(LandedArrowIds(*emu), Iota(rows));
  const auto stats = stream->stats();
  EXPECT_EQ(stats.reconnects, 1);
  EXPECT_EQ(stats.requests_replayed, 1);
  EXPECT_EQ(stats.records_replayed, rows - first_message_rows);
  const auto acked = observer->acked();
  ASSERT_EQ(acked.size(), 1u) << "still one request to the observer";
  EXPECT_EQ(acked[0].tag, 42u);
  EXPECT_EQ(acked[0].record_count, rows);
  EXPECT_EQ(acked[0].sends, 2);
}

TEST(ArrowStreamTest, AfterAPermanentFailureTheUnackedRowsOfAPartlyAckedRequestAreTaken) {
  auto emu = ArrowEventsEmulator();
  emu->SetFaultScript(kTestTable, Script({Refusal(2, StatusCode::kInvalidArgument, "bad row")}));
  auto observer = std::make_shared<Resolutions>();
  auto config = ArrowConfig(*emu, observer);
  config.ipc.max_body_bytes = 4096;
  const int64_t rows = 1000;
  const int64_t first_message_rows = FirstMessageRows(rows, config.ipc);
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);

  ASSERT_TRUE(stream->Send(Rows(0, rows, /*tag=*/1)).ok());
  const Status flushed = stream->Flush();
  EXPECT_EQ(flushed.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(flushed.retryable());
  EXPECT_THAT(flushed.message(), HasSubstr("bad row"));
  EXPECT_EQ(stream->stats().reconnects, 0);
  ASSERT_EQ(observer->failed().size(), 1u);
  EXPECT_EQ(observer->failed()[0].record_count, rows);

  auto unacked = stream->TakeUnacked();
  ASSERT_TRUE(unacked.ok()) << unacked.status();
  ASSERT_EQ(unacked->size(), 1u);
  EXPECT_EQ((*unacked)[0].tag, 1u);
  EXPECT_EQ(Ids(*(*unacked)[0].rows), Iota(rows - first_message_rows, first_message_rows));
}

TEST(ArrowStreamTest, SilenceTriggersTheLackOfAckTimeoutAndAReconnect) {
  auto emu = ArrowEventsEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kSilence, 1)}));
  telemetry::Instruments instruments(kTestTable, false, 0);
  telemetry::Tracer tracer(100, &instruments);
  auto observer = std::make_shared<Resolutions>();
  auto config = ArrowConfig(*emu, observer);
  config.options.server_lack_of_ack_timeout = milliseconds(300);
  config.tracer = &tracer;
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);

  const auto start = SteadyClock::now();
  ASSERT_TRUE(stream->Send(Rows(0, 10)).ok());
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_GE(MillisSince(start), 300);

  const auto stats = stream->stats();
  EXPECT_EQ(stats.reconnects, 1);
  EXPECT_EQ(stats.records_replayed, 10);
  EXPECT_EQ(ExpectLandedAtLeastOnce(LandedArrowIds(*emu), 10, stats), 10);
  EXPECT_EQ(observer->acked().size(), 1u);
  std::string reason;
  for (const SpanData& span : tracer.Take()) {
    for (const auto& [key, value] : span.attributes) {
      if (key == "zerobus.reconnect.reason") reason = std::get<std::string>(value);
    }
  }
  EXPECT_THAT(reason, HasSubstr("Server ack timeout"));
}

TEST(ArrowStreamTest, AnIdleStreamNeverTimesOut) {
  auto emu = ArrowEventsEmulator();
  auto config = ArrowConfig(*emu);
  config.options.server_lack_of_ack_timeout = milliseconds(50);
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->Send(Rows(0, 1)).ok());
  ASSERT_TRUE(stream->Flush().ok());
  // Nothing pending: no timer runs, however long the server stays quiet.
  EXPECT_FALSE(WaitUntil([&] { return stream->stats().reconnects > 0; }, milliseconds(300)));
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 1);
}

// ---- rotation ----

TEST(ArrowStreamTest, ARotationSignalReconnectsAsSoonAsEverythingIsAcknowledged) {
  auto emu = ArrowEventsEmulator();
  // The server would end the stream after 10 s; the client moves on long before.
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kCloseSignal, 2, milliseconds(10000))}));
  auto observer = std::make_shared<Resolutions>();
  auto stream = OpenStream(ArrowConfig(*emu, observer));
  ASSERT_NE(stream, nullptr);
  const auto start = SteadyClock::now();
  ASSERT_TRUE(stream->Send(Rows(0, 5)).ok());
  ASSERT_TRUE(stream->Send(Rows(5, 5)).ok());
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_TRUE(WaitUntil([&] { return stream->stats().reconnects == 1; }));
  for (int i = 2; i < 5; ++i) ASSERT_TRUE(stream->Send(Rows(i * 5, 5)).ok());
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_LT(MillisSince(start), 5000);

  const auto stats = stream->stats();
  EXPECT_EQ(stats.close_signals, 1);
  EXPECT_EQ(stats.reconnects, 1);
  EXPECT_EQ(stats.requests_replayed, 0);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 2);
  EXPECT_EQ(LandedArrowIds(*emu), Iota(25));
  EXPECT_EQ(Offsets(observer->acked()), Iota(5));
}

TEST(ArrowStreamTest, RotationHalfClosesAndAppliesTheAcksThatFollow) {
  auto emu = ArrowEventsEmulator();
  emulator::FaultScript script = Script({FaultEvent(Kind::kCloseSignal, 1, milliseconds(10000))});
  // The signal arrives before the ack, which comes while the half-closed connection drains.
  script.ack_delay = milliseconds(150);
  emu->SetFaultScript(kTestTable, script);
  auto observer = std::make_shared<Resolutions>();
  auto config = ArrowConfig(*emu, observer);
  config.options.stream_paused_max_wait = milliseconds(0);
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->Send(Rows(0, 5)).ok());
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_TRUE(WaitUntil([&] { return stream->stats().reconnects == 1; }));

  const auto stats = stream->stats();
  EXPECT_EQ(stats.close_signals, 1);
  EXPECT_EQ(stats.requests_replayed, 0) << "the drained ack completed the request";
  EXPECT_EQ(LandedArrowIds(*emu), Iota(5));
  ASSERT_EQ(observer->acked().size(), 1u);
  EXPECT_EQ(observer->acked()[0].sends, 1);
}

TEST(ArrowStreamTest, WithoutRecoveryARotationSignalIsIgnoredAndTheServersEndFailsTheStream) {
  auto emu = ArrowEventsEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kCloseSignal, 1, milliseconds(300))}));
  auto config = ArrowConfig(*emu);
  config.options.recovery = false;
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->Send(Rows(0, 5)).ok());
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_TRUE(WaitUntil([&] { return !stream->status().ok(); }));
  EXPECT_EQ(stream->status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(stream->status().message(), HasSubstr("6002"));
  EXPECT_EQ(stream->stats().close_signals, 1);
  EXPECT_EQ(stream->stats().reconnects, 0);
}

// ---- failure, flush, close, destruction ----

TEST(ArrowStreamTest, ExhaustedRecoveryFailsEveryPendingRequestWithTheError) {
  auto emu = ArrowEventsEmulator();
  emulator::FaultScript script = Script({Refusal(1, StatusCode::kUnavailable, "going down")});
  emulator::CreateFault works;
  works.code = StatusCode::kOk;
  emulator::CreateFault refused;
  refused.code = StatusCode::kUnavailable;
  refused.message = "still down";
  script.create_faults = {works, refused, refused, refused, refused, refused, refused};
  emu->SetFaultScript(kTestTable, script);
  auto observer = std::make_shared<Resolutions>();
  telemetry::Instruments instruments(kTestTable, false, 0);
  auto config = ArrowConfig(*emu, observer);
  config.instruments = &instruments;
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);

  for (int i = 0; i < 3; ++i) ASSERT_TRUE(stream->Send(Rows(i * 4, 4, i)).ok());
  const Status flushed = stream->Flush();
  EXPECT_EQ(flushed.kind(), ErrorKind::kRetriesExhausted);
  EXPECT_THAT(flushed.message(), HasSubstr("still down"));
  EXPECT_EQ(stream->status(), flushed);
  ASSERT_TRUE(observer->WaitForResolved(3));
  EXPECT_EQ(Tags(observer->failed()), (std::vector<uint64_t>{0, 1, 2}));
  for (const Status& failure : observer->failures()) EXPECT_EQ(failure, flushed);
  EXPECT_TRUE(observer->acked().empty());
  EXPECT_EQ(stream->Send(Rows(12, 1)).status(), flushed);
  EXPECT_EQ(SumOf(instruments, "zerobus.client.reconnects"), 1);
  EXPECT_EQ(SumOf(instruments, "zerobus.client.connect.retries"), 3) << "4 attempts";
  EXPECT_EQ(SumOf(instruments, "zerobus.client.inflight.requests"), 0);

  auto unacked = stream->TakeUnacked();
  ASSERT_TRUE(unacked.ok()) << unacked.status();
  ASSERT_EQ(unacked->size(), 3u);
  EXPECT_EQ(Ids(*(*unacked)[2].rows), Iota(4, 8));
  EXPECT_EQ(stream->Close(), flushed);
  EXPECT_EQ(stream->Close(), flushed) << "idempotent";
}

TEST(ArrowStreamTest, FlushTimesOutWhileAcksAreMissing) {
  auto emu = ArrowEventsEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kSilence, 1)}));
  auto config = ArrowConfig(*emu);
  config.options.server_lack_of_ack_timeout = milliseconds(60000);
  config.options.flush_timeout = milliseconds(300);
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->Send(Rows(0, 3)).ok());
  const auto start = SteadyClock::now();
  const Status flushed = stream->Flush();
  EXPECT_GE(MillisSince(start), 300);
  EXPECT_EQ(flushed.code(), StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(flushed.retryable());
  EXPECT_THAT(flushed.message(), HasSubstr("Flush timed out"));
  EXPECT_TRUE(stream->status().ok()) << "a slow flush does not end the stream";

  // Close flushes too, fails the same way and keeps the rows for the caller.
  EXPECT_EQ(stream->Close().code(), StatusCode::kDeadlineExceeded);
  auto unacked = stream->TakeUnacked();
  ASSERT_TRUE(unacked.ok()) << unacked.status();
  ASSERT_EQ(unacked->size(), 1u);
  EXPECT_EQ(Ids(*(*unacked)[0].rows), Iota(3));
}

TEST(ArrowStreamTest, CloseIsIdempotentAndEndsTheStream) {
  auto emu = ArrowEventsEmulator();
  auto stream = OpenStream(ArrowConfig(*emu));
  ASSERT_NE(stream, nullptr);
  EXPECT_EQ(stream->TakeUnacked().status().code(), StatusCode::kFailedPrecondition)
      << "only once closed";
  ASSERT_TRUE(stream->Send(Rows(0, 4)).ok());
  EXPECT_TRUE(stream->Close().ok());
  EXPECT_TRUE(stream->Close().ok());
  EXPECT_EQ(LandedArrowIds(*emu), Iota(4));
  EXPECT_EQ(stream->Send(Rows(4, 1)).status().code(), StatusCode::kFailedPrecondition);
  auto unacked = stream->TakeUnacked();
  ASSERT_TRUE(unacked.ok());
  EXPECT_TRUE(unacked->empty());
}

TEST(ArrowStreamTest, DestroyingTheStreamReportsPendingRequestsFailedWithoutWaiting) {
  auto emu = ArrowEventsEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kSilence, 1)}));
  auto observer = std::make_shared<Resolutions>();
  auto config = ArrowConfig(*emu, observer);
  config.options.server_lack_of_ack_timeout = milliseconds(60000);
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(stream->Send(Rows(i, 1, i)).ok());
  const auto start = SteadyClock::now();
  stream.reset();
  EXPECT_LT(MillisSince(start), 1000);
  ASSERT_EQ(observer->failed().size(), 3u);
  EXPECT_EQ(Tags(observer->failed()), (std::vector<uint64_t>{0, 1, 2}));
  EXPECT_EQ(observer->failures()[0].code(), StatusCode::kCancelled);
  EXPECT_TRUE(observer->acked().empty());
}

TEST(ArrowStreamTest, SendBlocksWhileTheWindowIsFull) {
  auto emu = ArrowEventsEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kSilence, 1, milliseconds(400))}));
  auto config = ArrowConfig(*emu);
  config.options.max_inflight_requests = 1;
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->Send(Rows(0, 2)).ok());
  auto second = std::async(std::launch::async, [&] { return stream->Send(Rows(2, 2)); });
  EXPECT_EQ(second.wait_for(milliseconds(150)), std::future_status::timeout)
      << "the first request is unacknowledged";
  ASSERT_EQ(second.wait_for(milliseconds(5000)), std::future_status::ready);
  auto offset = second.get();
  ASSERT_TRUE(offset.ok()) << offset.status();
  EXPECT_EQ(*offset, 1);
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_EQ(LandedArrowIds(*emu), Iota(4));
}

// ---- telemetry ----

TEST(ArrowStreamTest, ReportsConnectsAndRequestsToTelemetry) {
  auto emu = ArrowEventsEmulator();
  emu->SetFaultScript(kTestTable, Script({Refusal(3, StatusCode::kUnavailable, "flap")}));
  telemetry::Instruments instruments(kTestTable, false, 0);
  telemetry::Tracer tracer(100, &instruments);
  const SpanContext parent = telemetry::Tracer::NewContext({});
  auto config = ArrowConfig(*emu);
  config.instruments = &instruments;
  config.tracer = &tracer;
  config.trace_parent = parent;
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);
  SendPairsAndFlush(stream.get(), 5);

  const auto stats = stream->stats();
  EXPECT_EQ(SumOf(instruments, "zerobus.client.requests"), stats.requests_sent);
  EXPECT_EQ(SumOf(instruments, "zerobus.client.requests.replayed"), stats.requests_replayed);
  EXPECT_GE(stats.requests_replayed, 1);
  EXPECT_EQ(SumOf(instruments, "zerobus.client.reconnects"), 1);
  EXPECT_EQ(SumOf(instruments, "zerobus.client.connect.retries"), 0);
  EXPECT_EQ(SumOf(instruments, "zerobus.client.inflight.requests"), 0);
  EXPECT_EQ(SumOf(instruments, "zerobus.client.inflight.bytes"), 0);

  std::vector<SpanData> connects;
  for (SpanData& span : tracer.Take()) {
    if (span.name == "zerobus.connect") connects.push_back(std::move(span));
  }
  ASSERT_EQ(connects.size(), 2u);
  EXPECT_EQ(connects[0].context.trace_id, parent.trace_id) << "the first joins the caller's trace";
  EXPECT_EQ(connects[0].parent_span_id, parent.span_id);
  EXPECT_EQ(connects[0].kind, SpanData::Kind::kClient);
  EXPECT_NE(connects[1].context.trace_id, parent.trace_id) << "a reconnect has no caller";
  // Each connection told the server its span; the emulator keeps the latest.
  EXPECT_EQ(emu->state().LastCaller(kTestTable).traceparent, connects[1].context.traceparent());
  EXPECT_THAT(emu->state().LastCaller(kTestTable).user_agent, HasSubstr("arrow-zerobus-cpp/"));
}

}  // namespace
}  // namespace arrow_zerobus::testing
