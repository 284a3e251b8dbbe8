// A stream's basic life on a healthy emulator, in both wire formats: open, send, acks mapped to
// requests in order, flush, close, destruction; many threads sending at once; the configuration
// checked before connecting. Arrow only: a batch split into several messages is one request, IPC
// compression, batches of another schema.
#include <algorithm>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "arrow_zerobus/version.h"
#include "flight/flight_put_protocol.h"
#include "stream/stream_test_support.h"
#include "testing/arrow_builders.h"
#include "testing/flight_client.h"
#include "zerobus/ephemeral_protocol.h"

namespace arrow_zerobus::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Kind = emulator::StreamEvent::Kind;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class StreamBasicsTest : public StreamTest {};

TEST_P(StreamBasicsTest, AcksEveryRequestInOrderAndLandsEveryRow) {
  auto emu = StartEmulator();
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  const std::vector<int64_t> sizes = {1, 7, 100, 3, 40};
  int64_t next_id = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    auto offset = SendRows(*stream, next_id, sizes[i], /*tag=*/100 + i);
    ASSERT_TRUE(offset.ok()) << offset.status();
    EXPECT_EQ(*offset, static_cast<int64_t>(i));
    next_id += sizes[i];
  }
  EXPECT_TRUE(stream->WaitForOffset(2).ok());
  ASSERT_TRUE(stream->Flush().ok());

  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(next_id));
  const auto acked = observer->acked();
  EXPECT_EQ(Offsets(acked), Iota(5));
  EXPECT_EQ(Tags(acked), TagRange(5, 100));
  for (size_t i = 0; i < acked.size(); ++i) {
    EXPECT_EQ(acked[i].record_count, sizes[i]);
    EXPECT_EQ(acked[i].sends, 1);
    EXPECT_EQ(acked[i].lane, 0);
  }
  EXPECT_TRUE(observer->failed().empty());

  const stream::StreamStats stats = stream->stats();
  EXPECT_EQ(stats.requests_sent, 5);
  EXPECT_EQ(stats.requests_acked, 5);
  EXPECT_EQ(stats.records_acked, next_id);
  EXPECT_GT(stats.bytes_acked, 0);
  EXPECT_EQ(stats.requests_replayed, 0);
  EXPECT_EQ(stats.reconnects, 0);
  // The Zerobus service names its streams; Flight's READY carries no name.
  EXPECT_EQ(stats.stream_id.empty(), arrow());
  const auto counters = emu->Counters(kTestTable);
  EXPECT_EQ(counters.streams_created, 1);
  EXPECT_EQ(counters.requests, 5);
  EXPECT_EQ(counters.records, next_id);

  const Status never_issued = stream->WaitForOffset(5);
  EXPECT_EQ(never_issued.code(), StatusCode::kInvalidArgument) << never_issued;
  EXPECT_THAT(never_issued.message(), HasSubstr("never issued"));
  EXPECT_TRUE(stream->status().ok()) << "asking for an offset never issued is the caller's error";
  EXPECT_TRUE(stream->Close().ok());
  EXPECT_TRUE(stream->status().ok());
}

TEST_P(StreamBasicsTest, SingleRowAndLargeRequestsLandInOrder) {
  auto emu = StartEmulator();
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  auto single = SendRows(*stream, 0, 1, /*tag=*/1);
  auto batch = SendRows(*stream, 1, 500, /*tag=*/2);
  ASSERT_TRUE(single.ok()) << single.status();
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(*single, 0);
  EXPECT_EQ(*batch, 1);
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_THAT(Tags(observer->acked()), ElementsAre(1, 2));
  std::vector<int64_t> counts;
  for (const auto& acked : observer->acked()) counts.push_back(acked.record_count);
  EXPECT_THAT(counts, ElementsAre(1, 500));
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(501));
  EXPECT_EQ(emu->Counters(kTestTable).records, 501);
  EXPECT_EQ(stream->stats().records_acked, 501);
  ASSERT_TRUE(stream->Close().ok());
}

TEST_P(StreamBasicsTest, ConcurrentSendersGetAGapFreeOffsetSequence) {
  auto emu = StartEmulator();
  auto stream = Open(OAuthConfig(*emu, kTestTable));
  ASSERT_NE(stream, nullptr);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::mutex mu;
  std::vector<int64_t> offsets;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto offset = SendRows(*stream, (t * kPerThread + i) * 2, 2);
        ASSERT_TRUE(offset.ok()) << offset.status();
        std::lock_guard<std::mutex> lock(mu);
        offsets.push_back(*offset);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(stream->Close().ok());
  std::sort(offsets.begin(), offsets.end());
  EXPECT_EQ(offsets, Iota(kThreads * kPerThread));
  std::vector<int64_t> landed = LandedIds(*emu, kTestTable);
  std::sort(landed.begin(), landed.end());
  EXPECT_EQ(landed, Iota(kThreads * kPerThread * 2));
}

TEST_P(StreamBasicsTest, AnEmptyRequestIsRefusedAndTakesNoOffset) {
  auto emu = StartEmulator();
  auto stream = Open(OAuthConfig(*emu, kTestTable));
  ASSERT_NE(stream, nullptr);

  auto empty = stream->Send(stream::StreamRequest{});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(empty.status().message(), HasSubstr("at least one record"));
  if (!arrow()) {
    auto no_records = stream->Send(zerobus::ProtoRequest(zerobus::PrepareRequest({})));
    EXPECT_EQ(no_records.status().code(), StatusCode::kInvalidArgument);
  }

  auto first = SendRows(*stream, 0, 2);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, 0) << "refused requests take no offset";
  ASSERT_TRUE(stream->Close().ok());
  EXPECT_EQ(emu->Counters(kTestTable).requests, 1);
  EXPECT_TRUE(stream->status().ok());
}

TEST_P(StreamBasicsTest, AnnouncesOurUserAgentAndTheApplication) {
  auto emu = StartEmulator();
  auto config = OAuthConfig(*emu, kTestTable);
  config.options.application_name = "orders-loader/2.1";
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);
  const std::string user_agent = emu->state().LastCaller(kTestTable).user_agent;
  EXPECT_THAT(user_agent, ::testing::StartsWith(std::string("arrow-zerobus-cpp/") +
                                                ARROW_ZEROBUS_VERSION + " orders-loader/2.1"));
}

TEST_P(StreamBasicsTest, StreamsOfOneTableShareTheirTokenCache) {
  auto emu = StartEmulator();
  // A Protobuf stream names its table in create_stream too.
  const auto open_for = [&](const std::string& table) -> std::unique_ptr<stream::StreamEngine> {
    std::shared_ptr<const stream::StreamProtocol> protocol = EventProtocol(format());
    if (!arrow()) protocol = *zerobus::EphemeralProtocol::Make(table, EventDescriptor());
    auto opened = stream::StreamEngine::Open(OAuthConfig(*emu, table), protocol);
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened.ok() ? std::move(opened).value() : nullptr;
  };
  {
    auto first = open_for(kTestTable);
    auto second = open_for(kTestTable);
    ASSERT_NE(first, nullptr);
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(emu->state().tokens().issued_count(), 1);
    auto other = open_for("main.default.other");
    ASSERT_NE(other, nullptr);
    EXPECT_EQ(emu->state().tokens().issued_count(), 2);
  }
  // Once no stream uses the cache, a new stream fetches a new token.
  auto later = open_for(kTestTable);
  ASSERT_NE(later, nullptr);
  EXPECT_EQ(emu->state().tokens().issued_count(), 3);
}

TEST_P(StreamBasicsTest, FlushWaitsForDelayedAcks) {
  auto emu = StartEmulator();
  emulator::FaultScript script;
  script.ack_delay = milliseconds(100);
  emu->SetFaultScript(kTestTable, script);
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  const auto start = SteadyClock::now();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(SendRows(*stream, i * 2, 2, 10 + i).ok());
  ASSERT_TRUE(stream->Flush().ok());
  // No ack can come earlier than 100 ms after its request arrived.
  EXPECT_GE(MillisSince(start), 100);
  EXPECT_EQ(Offsets(observer->acked()), Iota(5));
  EXPECT_EQ(Tags(observer->acked()), TagRange(5, 10));
  EXPECT_EQ(stream->stats().requests_acked, 5);
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(10));
  ASSERT_TRUE(stream->Close().ok());
}

TEST_P(StreamBasicsTest, CloseIsIdempotentAndSendAfterCloseFails) {
  auto emu = StartEmulator();
  auto stream = Open(OAuthConfig(*emu, kTestTable));
  ASSERT_NE(stream, nullptr);
  EXPECT_EQ(stream->TakeUnacked().status().code(), StatusCode::kFailedPrecondition)
      << "only once closed";
  ASSERT_TRUE(SendRows(*stream, 0, 2).ok());
  ASSERT_TRUE(stream->Close().ok());
  EXPECT_TRUE(stream->Close().ok());
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(2));

  auto after = SendRows(*stream, 2, 1);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.status().code(), StatusCode::kFailedPrecondition) << after.status();
  EXPECT_THAT(after.status().message(), HasSubstr("closed"));
  auto unacked = stream->TakeUnacked();
  ASSERT_TRUE(unacked.ok()) << unacked.status();
  EXPECT_TRUE(unacked->empty());
  EXPECT_EQ(LandedIds(*emu, kTestTable).size(), 2u);
  EXPECT_TRUE(stream->status().ok()) << "a closed stream did not fail";
}

TEST_P(StreamBasicsTest, RequestsSentWhileCloseFlushesAreReportedToo) {
  auto emu = StartEmulator();
  // Every ack comes 1.6 s after its request. Close waits for the first request (1.6 s); the
  // second, sent 1 s into that wait, would be acked 1 s after the first, later than Close's
  // 500 ms drain.
  emulator::FaultScript script;
  script.ack_delay = milliseconds(1600);
  emu->SetFaultScript(kTestTable, script);
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  ASSERT_TRUE(SendRows(*stream, 0, 2, /*tag=*/0).ok());
  auto closing = std::async(std::launch::async, [&] { return stream->Close(); });
  ASSERT_EQ(closing.wait_for(milliseconds(1000)), std::future_status::timeout)
      << "Close did not wait for the first request's ack";
  // Close is still flushing: the stream takes this one, and must say what became of it.
  ASSERT_TRUE(SendRows(*stream, 2, 2, /*tag=*/1).ok());
  ASSERT_TRUE(closing.get().ok()) << "what was sent before Close landed";

  EXPECT_EQ(Tags(observer->acked()), TagRange(1));
  EXPECT_EQ(Tags(observer->failed()), TagRange(1, 1))
      << "a request sent while Close flushed went unreported";
  for (const Status& failure : observer->failures()) {
    EXPECT_EQ(failure.code(), StatusCode::kFailedPrecondition) << failure;
    EXPECT_THAT(failure.message(), HasSubstr("closed"));
  }
  auto unacked = stream->TakeUnacked();
  ASSERT_TRUE(unacked.ok()) << unacked.status();
  EXPECT_EQ(UnackedIds(stream->protocol(), *unacked), Iota(2, 2));
  EXPECT_EQ(SendRows(*stream, 4, 1).status().code(), StatusCode::kFailedPrecondition);
}

TEST_P(StreamBasicsTest, DestroyingTheStreamFailsPendingRequestsWithoutWaiting) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kSilence, 1)}));  // no acks at all
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  config.options.server_lack_of_ack_timeout = milliseconds(60000);
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(SendRows(*stream, i, 1, 20 + i).ok());
  ASSERT_TRUE(WaitUntil([&] { return emu->Counters(kTestTable).requests == 3; }));

  const auto start = SteadyClock::now();
  stream.reset();
  EXPECT_LT(MillisSince(start), 1000);
  EXPECT_TRUE(observer->acked().empty());
  EXPECT_EQ(Tags(observer->failed()), TagRange(3, 20));
  for (const Status& failure : observer->failures()) {
    EXPECT_EQ(failure.code(), StatusCode::kCancelled) << failure;
    EXPECT_THAT(failure.message(), HasSubstr("destroyed"));
  }
}

TEST_P(StreamBasicsTest, TheConfigurationIsCheckedBeforeConnecting) {
  auto emu = StartEmulator();
  const auto refused = [&](stream::StreamConfig config) {
    auto opened = OpenEventStream(format(), std::move(config));
    return opened.ok() ? Status::OK() : opened.status();
  };
  auto config = OAuthConfig(*emu, kTestTable);
  config.table = "not-three-parts";
  EXPECT_FALSE(refused(config).ok());
  config = OAuthConfig(*emu, kTestTable);
  config.endpoint = "";
  EXPECT_FALSE(refused(config).ok());
  config = OAuthConfig(*emu, kTestTable);
  config.headers = nullptr;
  EXPECT_EQ(refused(config).kind(), ErrorKind::kConfiguration);
  config = OAuthConfig(*emu, kTestTable);
  config.options.max_inflight_requests = 0;
  EXPECT_EQ(refused(config).kind(), ErrorKind::kConfiguration);
  config = OAuthConfig(*emu, kTestTable);
  config.options.max_inflight_bytes = 0;
  EXPECT_EQ(refused(config).kind(), ErrorKind::kConfiguration);
  config = OAuthConfig(*emu, kTestTable);
  config.options.retry_policy = nullptr;
  EXPECT_EQ(refused(config).kind(), ErrorKind::kConfiguration);
  auto no_format = stream::StreamEngine::Open(OAuthConfig(*emu, kTestTable), nullptr);
  EXPECT_EQ(no_format.status().kind(), ErrorKind::kConfiguration);
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 0);
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 0);
}

INSTANTIATE_BOTH_FORMATS(StreamBasicsTest);

// ---- what only one format has ----

TEST(ProtobufStreamTest, AFormatWithoutADescriptorIsAConfigurationError) {
  auto protocol = zerobus::EphemeralProtocol::Make(kTestTable, "");
  ASSERT_FALSE(protocol.ok());
  EXPECT_EQ(protocol.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(protocol.status().message(), HasSubstr("descriptor"));
}

TEST(ArrowStreamTest, AFormatWithoutASchemaIsAConfigurationError) {
  auto protocol = flight::FlightPutProtocol::Make(nullptr);
  ASSERT_FALSE(protocol.ok());
  EXPECT_EQ(protocol.status().kind(), ErrorKind::kConfiguration);
  EXPECT_EQ(flight::FlightPutProtocol::Make(arrow::schema({})).status().kind(),
            ErrorKind::kConfiguration);
}

TEST(ArrowStreamTest, EmptyOrForeignBatchesAreRefusedBeforeTheyBecomeRequests) {
  auto protocol = flight::FlightPutProtocol::Make(ArrowEventSchema());
  ASSERT_TRUE(protocol.ok()) << protocol.status();
  auto empty = (*protocol)->MakeRequest(0, ArrowEventBatch(0, 0));
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(empty.status().message(), HasSubstr("at least one row"));
  EXPECT_EQ((*protocol)->MakeRequest(0, nullptr).status().code(), StatusCode::kInvalidArgument);
  auto other =
      MakeBatch({arrow::field("id", arrow::int32())}, {ArrayFromJson(arrow::int32(), "[1, 2]")});
  auto foreign = (*protocol)->MakeRequest(0, other);
  EXPECT_EQ(foreign.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(foreign.status().message(), HasSubstr("differs from the stream's schema"));
  auto rows = (*protocol)->MakeRequest(9, ArrowEventBatch(0, 3));
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->tag, 9u);
  EXPECT_EQ(rows->records, 3);
  EXPECT_EQ(rows->units, 3) << "acknowledged row by row";
  EXPECT_GT(rows->bytes, 0);
}

TEST(ArrowStreamTest, ALargeBatchTravelsAsSeveralMessagesButIsOneRequest) {
  auto emu = ArrowEventsEmulator();
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  flight::IpcPayloadOptions ipc;
  ipc.max_body_bytes = 4096;
  auto opened = stream::StreamEngine::Open(config, EventProtocol(TestFormat::kArrow, ipc));
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto& stream = **opened;

  ASSERT_TRUE(stream.Send(EventRows(stream.protocol(), 0, 2000, /*tag=*/7)).ok());
  ASSERT_TRUE(stream.Flush().ok());

  const size_t messages = emu->LandedBatches(kTestTable).size();
  EXPECT_GT(messages, 2u);
  EXPECT_EQ(emu->Counters(kTestTable).requests, static_cast<int64_t>(messages));
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(2000));
  const auto acked = observer->acked();
  ASSERT_EQ(acked.size(), 1u);
  EXPECT_EQ(acked[0].tag, 7u);
  EXPECT_EQ(acked[0].record_count, 2000);
  EXPECT_EQ(stream.stats().requests_sent, 1);
  EXPECT_EQ(stream.stats().records_acked, 2000);
}

class ArrowStreamCompressionTest : public ::testing::TestWithParam<flight::IpcCompression> {};

TEST_P(ArrowStreamCompressionTest, BodiesArriveCompressedAndDecodeToTheSameRows) {
  auto emu = ArrowEventsEmulator();
  flight::IpcPayloadOptions ipc;
  ipc.compression = GetParam();
  auto opened = stream::StreamEngine::Open(OAuthConfig(*emu, kTestTable),
                                           EventProtocol(TestFormat::kArrow, ipc));
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto& stream = **opened;
  ASSERT_TRUE(stream.Send(EventRows(stream.protocol(), 0, 5000)).ok());
  ASSERT_TRUE(stream.Send(EventRows(stream.protocol(), 5000, 10)).ok());
  ASSERT_TRUE(stream.Flush().ok());

  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(5010));
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
                         ::testing::Values(flight::IpcCompression::kLz4Frame,
                                           flight::IpcCompression::kZstd));

}  // namespace
}  // namespace arrow_zerobus::testing
