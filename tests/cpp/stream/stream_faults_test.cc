// Permanent failures, in both wire formats: a non-retryable refusal fails the stream at once and
// every unacknowledged request with it; an ack below an earlier ack or beyond what was sent is a
// protocol violation (non-retryable INVALID_ARGUMENT naming the ack, no reconnect), as in the
// official Rust SDK 3.1.1. Protobuf only: descriptor refusals at create and oversized records.
// Arrow only: schema refusals.
#include <chrono>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "flight/flight_put_protocol.h"
#include "stream/stream_test_support.h"
#include "testing/flight_client.h"
#include "zerobus/ephemeral_protocol.h"

namespace arrow_zerobus::testing {
namespace {

using ::testing::HasSubstr;
using Kind = emulator::StreamEvent::Kind;
using SteadyClock = std::chrono::steady_clock;

class StreamFaultsTest : public StreamTest {
 protected:
  /// Sends requests of 2 rows tagged `first`, `first` + 1, ... until `end` or until Send fails
  /// (then with `code`); returns the number accepted.
  int SendUntilRefused(stream::StreamEngine& stream, int first, int end, StatusCode code) {
    int tag = first;
    for (; tag < end; ++tag) {
      auto sent = SendRows(stream, tag * 2, 2, tag);
      if (!sent.ok()) {
        EXPECT_EQ(sent.status().code(), code) << sent.status();
        break;
      }
    }
    return tag;
  }

  /// The stream failed for good with `error` after requests [0, acked) were acknowledged and
  /// requests [acked, accepted) were not: each of those reported failed with it, none
  /// reconnected, and the failed stream closes at once with it.
  void ExpectFailedWithoutReconnecting(stream::StreamEngine& stream, const Resolutions& observer,
                                       const emulator::Emulator& emu, const Status& error,
                                       int acked, int accepted) {
    EXPECT_EQ(stream.status(), error);
    ASSERT_TRUE(observer.WaitForResolved(accepted));
    EXPECT_EQ(Tags(observer.acked()), TagRange(acked));
    EXPECT_EQ(Tags(observer.failed()), TagRange(accepted - acked, acked));
    for (const Status& failure : observer.failures()) EXPECT_EQ(failure, error);
    EXPECT_EQ(stream.stats().reconnects, 0);
    EXPECT_EQ(emu.Counters(kTestTable).streams_created, 1);
    EXPECT_EQ(SendRows(stream, 1000, 1).status(), error);
    auto unacked = stream.TakeUnacked();
    ASSERT_TRUE(unacked.ok()) << unacked.status();
    EXPECT_EQ(UnackedIds(stream.protocol(), *unacked), Iota((accepted - acked) * 2, acked * 2));
    const auto closing = SteadyClock::now();
    EXPECT_EQ(stream.Close(), error);
    EXPECT_LT(MillisSince(closing), 200);
  }
};

TEST_P(StreamFaultsTest, ANonRetryableRefusalFailsTheStreamAtOnce) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable,
                      Script({ErrorEvent(3, StatusCode::kPermissionDenied, "no write grant")}));
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  ASSERT_TRUE(SendRows(*stream, 0, 2, 0).ok());
  ASSERT_TRUE(SendRows(*stream, 2, 2, 1).ok());
  ASSERT_TRUE(stream->Flush().ok());
  const int accepted = SendUntilRefused(*stream, 2, 5, StatusCode::kPermissionDenied);
  const auto start = SteadyClock::now();
  const Status flushed = stream->Flush();
  EXPECT_LT(MillisSince(start), 2000) << "the failure waited for a timeout";
  EXPECT_EQ(flushed.code(), StatusCode::kPermissionDenied) << flushed;
  EXPECT_FALSE(flushed.retryable());
  EXPECT_THAT(flushed.message(), HasSubstr("PERMISSION_DENIED: no write grant"));
  ExpectFailedWithoutReconnecting(*stream, *observer, *emu, flushed, 2, accepted);
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(4));
}

TEST_P(StreamFaultsTest, AnAckBeyondWhatWasSentFailsTheStreamWithoutReconnecting) {
  auto emu = StartEmulator();
  // The third request's ack claims 5 requests and 5 rows more than the connection received.
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kAckBeyond, 3)}));
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  ASSERT_TRUE(SendRows(*stream, 0, 2, 0).ok());
  ASSERT_TRUE(SendRows(*stream, 2, 2, 1).ok());
  ASSERT_TRUE(stream->Flush().ok());
  // At most three more requests of two rows: the claim (the third request's rows + 5, or its
  // offset + 5) stays beyond what the client wrote, which is all a client can check against.
  const int accepted = SendUntilRefused(*stream, 2, 5, StatusCode::kInvalidArgument);
  ASSERT_GE(accepted, 3);
  const Status flushed = stream->Flush();
  EXPECT_EQ(flushed.code(), StatusCode::kInvalidArgument) << flushed;
  EXPECT_FALSE(flushed.retryable());
  EXPECT_THAT(flushed.message(), HasSubstr("Invalid acknowledgement"));
  // Request 3 is offset 2 on the connection, its rows end at 6.
  EXPECT_THAT(flushed.message(),
              HasSubstr(arrow() ? "ack_up_to_records=11" : "durability_ack_up_to_offset=7"));
  ExpectFailedWithoutReconnecting(*stream, *observer, *emu, flushed, 2, accepted);
}

TEST_P(StreamFaultsTest, AnAckBelowAnEarlierAckFailsTheStreamWithoutReconnecting) {
  auto emu = StartEmulator();
  // The second request is acked, then an ack of the first follows.
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kAckBackwards, 2)}));
  auto observer = std::make_shared<Resolutions>();
  auto config = OAuthConfig(*emu, kTestTable);
  config.observer = observer;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);

  ASSERT_TRUE(SendRows(*stream, 0, 2, 0).ok());
  ASSERT_TRUE(SendRows(*stream, 2, 2, 1).ok());
  ASSERT_TRUE(stream->WaitForOffset(1).ok());
  // The lower ack is on its way: these are either refused or fail with it, never acked.
  const int accepted = SendUntilRefused(*stream, 2, 5, StatusCode::kInvalidArgument);
  const Status flushed = stream->Flush();
  EXPECT_EQ(flushed.code(), StatusCode::kInvalidArgument) << flushed;
  EXPECT_FALSE(flushed.retryable());
  EXPECT_THAT(flushed.message(), HasSubstr("Invalid acknowledgement"));
  EXPECT_THAT(flushed.message(),
              HasSubstr(arrow() ? "ack_up_to_records=2" : "durability_ack_up_to_offset=0"));
  ExpectFailedWithoutReconnecting(*stream, *observer, *emu, flushed, 2, accepted);
}

INSTANTIATE_BOTH_FORMATS(StreamFaultsTest);

// ---- Protobuf only ----

TEST(ProtobufStreamFaultsTest, ADescriptorMissingARequiredColumnIsRefusedAtCreate) {
  auto emu = StartEmulator();
  emu->DeclareTable(kTestTable, {{"id", "BIGINT", true},
                                 {"name", "STRING", true},
                                 {"ingested_at", "TIMESTAMP", /*nullable=*/false}});
  auto opened = OpenEventStream(TestFormat::kProtobuf, OAuthConfig(*emu, kTestTable));
  ASSERT_FALSE(opened.ok());
  const Status& error = opened.status();
  EXPECT_EQ(error.code(), StatusCode::kInvalidArgument) << error;
  EXPECT_FALSE(error.retryable());
  EXPECT_THAT(error.message(), HasSubstr("MISSING_REQUIRED_COLUMN"));
  EXPECT_THAT(error.message(), HasSubstr("ingested_at"));
  EXPECT_EQ(emu->Counters(kTestTable).streams_refused, 1) << "not retried";
}

TEST(ProtobufStreamFaultsTest, AnOversizedRecordFailsTheStreamAndLandsNothingOfItsRequest) {
  emulator::EmulatorOptions options;
  options.max_record_bytes = 100;
  auto emu = StartEmulator(options);
  auto opened = OpenEventStream(TestFormat::kProtobuf, OAuthConfig(*emu, kTestTable));
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto& stream = **opened;

  ASSERT_TRUE(stream.Send(zerobus::ProtoRequest(EventRequest(0, 2))).ok());
  ASSERT_TRUE(stream.Flush().ok());
  const std::string small = EventRecord(2);
  const std::string large = EventRecord(3, std::string(200, 'x'));
  ASSERT_GT(large.size(), 200u);
  ASSERT_TRUE(stream.Send(zerobus::ProtoRequest(zerobus::PrepareRequest({small, large}, 7))).ok());
  const Status flushed = stream.Flush();
  EXPECT_EQ(flushed.code(), StatusCode::kInvalidArgument) << flushed;
  EXPECT_FALSE(flushed.retryable());
  EXPECT_THAT(flushed.message(), HasSubstr(std::to_string(large.size()) + " bytes"));
  EXPECT_THAT(flushed.message(), HasSubstr("maximum record size is 100 bytes"));
  EXPECT_EQ(stream.status(), flushed);
  EXPECT_EQ(stream.stats().reconnects, 0);
  EXPECT_EQ(LandedIds(*emu, kTestTable), Iota(2));
}

// ---- Arrow only ----

TEST(ArrowStreamFaultsTest, ASchemaRefusalIsAConfigurationErrorNamingEveryCauseAndIsNotRetried) {
  auto emu = ArrowEventsEmulator();
  auto protocol = flight::FlightPutProtocol::Make(arrow::schema(
      {arrow::field("id", arrow::int32(), false), arrow::field("nickname", arrow::large_utf8())}));
  ASSERT_TRUE(protocol.ok()) << protocol.status();
  auto opened = stream::StreamEngine::Open(OAuthConfig(*emu, kTestTable), *protocol);
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

}  // namespace
}  // namespace arrow_zerobus::testing
