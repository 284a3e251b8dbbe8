// The client's basic life on a healthy emulator: create, send, acks mapped to requests, flush,
// close; many threads sending at once.
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "arrow_zerobus/version.h"
#include "testing/emulator_fixture.h"

namespace arrow_zerobus::testing {
namespace {

using ::testing::ElementsAre;

TEST(StreamBasicsTest, SendsRequestsAndMapsAcksToOffsets) {
  auto emu = StartEmulator();
  auto observer = std::make_shared<RecordingObserver>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto opened = zerobus::IngestStream::Open(config);
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto stream = std::move(opened).value();

  for (int i = 0; i < 3; ++i) {
    auto offset = stream->Send(EventRequest(i * 10, 10, /*tag=*/100 + i));
    ASSERT_TRUE(offset.ok()) << offset.status();
    EXPECT_EQ(*offset, i);
  }
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_THAT(observer->acked_offsets(), ElementsAre(0, 1, 2));
  EXPECT_THAT(observer->acked_tags(), ElementsAre(100, 101, 102));
  ASSERT_TRUE(stream->Close().ok());

  const auto landed = emu->LandedRecords(kTestTable);
  ASSERT_EQ(landed.size(), 30u);
  for (int i = 0; i < 30; ++i) EXPECT_EQ(EventId(landed[i]), i);
  const auto counters = emu->Counters(kTestTable);
  EXPECT_EQ(counters.streams_created, 1);
  EXPECT_EQ(counters.requests, 3);
  const auto stats = stream->stats();
  EXPECT_EQ(stats.records_acked, 30);
  EXPECT_EQ(stats.reconnects, 0);
  EXPECT_FALSE(stats.stream_id.empty());
}

TEST(StreamBasicsTest, ConcurrentSendersGetGapFreeOffsets) {
  auto emu = StartEmulator();
  auto config = OAuthConfig(*emu, kTestTable);
  auto opened = zerobus::IngestStream::Open(config);
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto stream = std::move(opened).value();
  std::vector<std::thread> threads;
  std::mutex mu;
  std::vector<int64_t> offsets;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto offset = stream->Send(EventRequest(t * 1000 + i, 1));
        ASSERT_TRUE(offset.ok());
        std::lock_guard<std::mutex> lock(mu);
        offsets.push_back(*offset);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(stream->Close().ok());
  std::sort(offsets.begin(), offsets.end());
  ASSERT_EQ(offsets.size(), 400u);
  for (int i = 0; i < 400; ++i) EXPECT_EQ(offsets[i], i);
  EXPECT_EQ(emu->Counters(kTestTable).records, 400);
}

TEST(StreamBasicsTest, AnEmptyRequestIsRefusedAndNothingIsSent) {
  auto emu = StartEmulator();
  auto opened = zerobus::IngestStream::Open(OAuthConfig(*emu, kTestTable));
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto offset = (*opened)->Send(zerobus::PrepareRequest({}));
  ASSERT_FALSE(offset.ok());
  EXPECT_EQ(offset.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(offset.status().message(), ::testing::HasSubstr("at least one record"));
  ASSERT_TRUE((*opened)->Close().ok());
  EXPECT_EQ(emu->Counters(kTestTable).requests, 0);
}

TEST(StreamBasicsTest, AnnouncesOurUserAgentAndTheApplication) {
  auto emu = StartEmulator();
  auto config = OAuthConfig(*emu, kTestTable);
  config.options.application_name = "orders-loader/2.1";
  auto opened = zerobus::IngestStream::Open(config);
  ASSERT_TRUE(opened.ok()) << opened.status();
  const std::string user_agent = emu->state().LastCaller(kTestTable).user_agent;
  EXPECT_THAT(user_agent, ::testing::StartsWith(std::string("arrow-zerobus-cpp/") +
                                                ARROW_ZEROBUS_VERSION + " orders-loader/2.1"));
}

TEST(StreamBasicsTest, StreamsOfOneTableShareTheirTokenCache) {
  auto emu = StartEmulator();
  {
    auto first = zerobus::IngestStream::Open(OAuthConfig(*emu, kTestTable));
    auto second = zerobus::IngestStream::Open(OAuthConfig(*emu, kTestTable));
    ASSERT_TRUE(first.ok()) << first.status();
    ASSERT_TRUE(second.ok()) << second.status();
    EXPECT_EQ(emu->state().tokens().issued_count(), 1);
    auto other = zerobus::IngestStream::Open(OAuthConfig(*emu, "main.default.other"));
    ASSERT_TRUE(other.ok()) << other.status();
    EXPECT_EQ(emu->state().tokens().issued_count(), 2);
  }
  // Once no stream uses the cache, a new stream fetches a new token.
  auto later = zerobus::IngestStream::Open(OAuthConfig(*emu, kTestTable));
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(emu->state().tokens().issued_count(), 3);
}

}  // namespace
}  // namespace arrow_zerobus::testing
