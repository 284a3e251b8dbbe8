// The protocol-violation fault events, seen by raw clients of both endpoints: ack_beyond
// acknowledges further than the connection received, ack_backwards follows an ack with a lower
// one; in both the stream goes on.
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "raw_ephemeral_stream.h"
#include "testing/emulator_fixture.h"
#include "testing/flight_client.h"

namespace arrow_zerobus::testing {
namespace {

using Kind = emulator::StreamEvent::Kind;

emulator::FaultScript ScriptOf(Kind kind, int64_t after_requests) {
  emulator::FaultScript script;
  script.events = {FaultEvent(kind, after_requests)};
  return script;
}

/// Sends request `offset` of the Event stream: two records.
bool SendProto(RawStream* stream, int64_t offset) {
  return stream->Write(ProtoBatch(offset, {EventRecord(offset * 2), EventRecord(offset * 2 + 1)}));
}

/// Sends data message `offset` of the Arrow stream: `rows` rows.
bool SendArrow(RawPut* put, int64_t offset, int64_t rows) {
  return put->Write(BatchData(*ArrowEventBatch(offset * 100, rows), offset));
}

TEST(AckFaultTest, ProtobufAckBeyondClaimsFiveMoreOffsetsThenTheStreamGoesOn) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, ScriptOf(Kind::kAckBeyond, 2));
  auto stream = OpenCreated(*emu);
  ASSERT_TRUE(SendProto(stream.get(), 0));
  EXPECT_EQ(stream->ReadAck(), 0);
  ASSERT_TRUE(SendProto(stream.get(), 1));
  EXPECT_EQ(stream->ReadAck(), 1 + 5);  // offsets 2..6 were never sent
  // The stream is still open and lands what follows; acks below the claim are not repeated.
  ASSERT_TRUE(SendProto(stream.get(), 2));
  std::vector<zb::EphemeralStreamResponse> rest;
  const grpc::Status status = stream->Close(&rest);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(rest.empty());
  EXPECT_EQ(emu->Counters(kTestTable).records, 6);
}

TEST(AckFaultTest, ProtobufAckBackwardsFollowsTheAckWithOneTwoRequestsLower) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, ScriptOf(Kind::kAckBackwards, 4));
  auto stream = OpenCreated(*emu);
  for (int64_t offset = 0; offset < 4; ++offset) {
    ASSERT_TRUE(SendProto(stream.get(), offset));
    EXPECT_EQ(stream->ReadAck(), offset);
  }
  EXPECT_EQ(stream->ReadAck(), 1);  // request 4's offset 3, minus 2: lower than the ack of 3
  ASSERT_TRUE(SendProto(stream.get(), 4));
  EXPECT_EQ(stream->ReadAck(), 4);  // the stream goes on
  EXPECT_TRUE(stream->Close().ok());
}

TEST(AckFaultTest, ProtobufAckBackwardsAtTheSecondRequestGoesBackToOffsetZero) {
  auto emu = StartEmulator();
  emu->SetFaultScript(kTestTable, ScriptOf(Kind::kAckBackwards, 2));
  auto stream = OpenCreated(*emu);
  ASSERT_TRUE(SendProto(stream.get(), 0));
  EXPECT_EQ(stream->ReadAck(), 0);
  ASSERT_TRUE(SendProto(stream.get(), 1));
  EXPECT_EQ(stream->ReadAck(), 1);
  EXPECT_EQ(stream->ReadAck(), 0);  // offset 1 - 2 clamped to 0: still lower than 1
  EXPECT_TRUE(stream->Close().ok());
  EXPECT_EQ(emu->Counters(kTestTable).acks, 3);
}

TEST(AckFaultTest, ArrowAckBeyondClaimsFiveMoreRowsThenTheStreamGoesOn) {
  auto emu = ArrowEventsEmulator();
  emu->SetFaultScript(kTestTable, ScriptOf(Kind::kAckBeyond, 2));
  RawPut put(*emu, PutAuthFor(*emu, kTestTable));
  ASSERT_TRUE(put.Open(*ArrowEventSchema()));
  ASSERT_TRUE(SendArrow(&put, 0, 2));
  EXPECT_EQ(put.Read(), AckJson(0, 2));
  ASSERT_TRUE(SendArrow(&put, 1, 3));
  EXPECT_EQ(put.Read(), AckJson(1 + 5, 5 + 5));  // 5 rows received, 10 acknowledged
  ASSERT_TRUE(SendArrow(&put, 2, 1));
  std::vector<nlohmann::json> rest;
  const grpc::Status status = put.Close(&rest);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(rest.empty());
  EXPECT_EQ(emu->Counters(kTestTable).records, 6);
}

TEST(AckFaultTest, ArrowAckBackwardsFollowsTheAckWithTheRowsOfTwoRequestsBefore) {
  auto emu = ArrowEventsEmulator();
  emu->SetFaultScript(kTestTable, ScriptOf(Kind::kAckBackwards, 3));
  RawPut put(*emu, PutAuthFor(*emu, kTestTable));
  ASSERT_TRUE(put.Open(*ArrowEventSchema()));
  ASSERT_TRUE(SendArrow(&put, 0, 2));
  EXPECT_EQ(put.Read(), AckJson(0, 2));
  ASSERT_TRUE(SendArrow(&put, 1, 3));
  EXPECT_EQ(put.Read(), AckJson(1, 5));
  ASSERT_TRUE(SendArrow(&put, 2, 4));
  EXPECT_EQ(put.Read(), AckJson(2, 9));
  EXPECT_EQ(put.Read(), AckJson(0, 2));  // lower than the 9 rows acknowledged just before
  ASSERT_TRUE(SendArrow(&put, 3, 1));
  EXPECT_EQ(put.Read(), AckJson(3, 10));  // the stream goes on
  EXPECT_TRUE(put.Close().ok());
}

TEST(AckFaultTest, AckBackwardsWaitsForTheAckItFollows) {
  // With an ack delay, the lower ack still comes right after the delayed ack of its request.
  auto emu = StartEmulator();
  emulator::FaultScript script = ScriptOf(Kind::kAckBackwards, 3);
  script.ack_delay = std::chrono::milliseconds(100);
  emu->SetFaultScript(kTestTable, script);
  auto stream = OpenCreated(*emu);
  for (int64_t offset = 0; offset < 3; ++offset) ASSERT_TRUE(SendProto(stream.get(), offset));
  int64_t acked = -1;
  while (acked < 2) {  // cumulative acks, possibly coalesced, up to request 3's
    auto ack = stream->ReadAck();
    ASSERT_TRUE(ack.has_value());
    EXPECT_GT(*ack, acked);
    acked = *ack;
  }
  EXPECT_EQ(acked, 2);
  EXPECT_EQ(stream->ReadAck(), 0);
  EXPECT_TRUE(stream->Close().ok());
}

}  // namespace
}  // namespace arrow_zerobus::testing
