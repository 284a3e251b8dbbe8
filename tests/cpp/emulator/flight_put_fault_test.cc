// Scripted faults on the emulator's Arrow Flight DoPut endpoint, seen by a raw client: they apply
// as on EphemeralStream, with data messages counted as requests (create errors and delays before
// READY, ack delay, error, unavailable_6002, close signal, kill, silence, token expiry, periodic
// kills).
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "testing/emulator_fixture.h"
#include "testing/flight_client.h"

namespace arrow_zerobus::testing {
namespace {

using Clock = std::chrono::steady_clock;
using Kind = emulator::StreamEvent::Kind;
using std::chrono::milliseconds;

emulator::FaultScript Script(std::vector<emulator::StreamEvent> events) {
  emulator::FaultScript script;
  script.events = std::move(events);
  return script;
}

emulator::CreateFault CreateError(StatusCode code, const std::string& message,
                                  milliseconds delay = milliseconds(0)) {
  emulator::CreateFault fault;
  fault.code = code;
  fault.message = message;
  fault.delay = delay;
  return fault;
}

/// An open DoPut on kTestTable of an ArrowEventsEmulator.
std::unique_ptr<RawPut> OpenPut(emulator::Emulator& emu) {
  auto put = std::make_unique<RawPut>(emu, PutAuthFor(emu, kTestTable));
  EXPECT_TRUE(put->Open(*ArrowEventSchema()));
  return put;
}

/// Sends data message `offset` of `rows` rows (ids from offset * 100).
bool Send(RawPut* put, int64_t offset, int64_t rows = 2) {
  return put->Write(BatchData(*ArrowEventBatch(offset * 100, rows), offset));
}

TEST(FlightPutFaultTest, CreateErrorRefusesSetupThenTheNextConnectionOpens) {
  auto emu = ArrowEventsEmulator();
  emulator::FaultScript script;
  script.create_faults = {CreateError(StatusCode::kUnavailable, "warming up")};
  emu->SetFaultScript(kTestTable, script);
  {
    RawPut put(*emu, PutAuthFor(*emu, kTestTable));
    ASSERT_TRUE(put.Write(SchemaData(*ArrowEventSchema())));
    std::vector<nlohmann::json> rest;
    ExpectGrpcStatus(put.Finish(&rest), grpc::StatusCode::UNAVAILABLE, {"warming up"});
    EXPECT_TRUE(rest.empty());
  }
  auto put = OpenPut(*emu);
  ASSERT_TRUE(Send(put.get(), 0));
  EXPECT_EQ(put->Read(), AckJson(0, 2));
  EXPECT_TRUE(put->Close().ok());
  const auto counters = emu->Counters(kTestTable);
  EXPECT_EQ(counters.streams_refused, 1);
  EXPECT_EQ(counters.streams_created, 1);
}

TEST(FlightPutFaultTest, DelayedCreateErrorArrivesAfterItsDelay) {
  auto emu = ArrowEventsEmulator();
  emulator::FaultScript script;
  script.create_faults = {CreateError(StatusCode::kResourceExhausted, "busy", milliseconds(300))};
  emu->SetFaultScript(kTestTable, script);
  RawPut put(*emu, PutAuthFor(*emu, kTestTable));
  const auto start = Clock::now();
  ASSERT_TRUE(put.Write(SchemaData(*ArrowEventSchema())));
  ExpectGrpcStatus(put.Finish(), grpc::StatusCode::RESOURCE_EXHAUSTED, {"busy"});
  EXPECT_GE(MillisSince(start), 300);
}

TEST(FlightPutFaultTest, CreateDelayHoldsReady) {
  auto emu = ArrowEventsEmulator();
  emulator::FaultScript script;
  script.create_delay = milliseconds(300);
  emu->SetFaultScript(kTestTable, script);
  const auto start = Clock::now();
  auto put = OpenPut(*emu);
  EXPECT_GE(MillisSince(start), 300);
  EXPECT_TRUE(put->Close().ok());
}

TEST(FlightPutFaultTest, AckDelayHoldsEachAck) {
  auto emu = ArrowEventsEmulator();
  emulator::FaultScript script;
  script.ack_delay = milliseconds(300);
  emu->SetFaultScript(kTestTable, script);
  auto put = OpenPut(*emu);
  const auto start = Clock::now();
  ASSERT_TRUE(Send(put.get(), 0, 3));
  EXPECT_EQ(put->Read(), AckJson(0, 3));
  EXPECT_GE(MillisSince(start), 300);
  EXPECT_TRUE(put->Close().ok());
}

TEST(FlightPutFaultTest, ErrorEventRefusesItsMessage) {
  auto emu = ArrowEventsEmulator();
  emulator::StreamEvent event = FaultEvent(Kind::kError, 2);
  event.code = StatusCode::kInvalidArgument;
  event.message = "scripted refusal";
  emu->SetFaultScript(kTestTable, Script({event}));
  auto put = OpenPut(*emu);
  ASSERT_TRUE(Send(put.get(), 0));
  EXPECT_EQ(put->Read(), AckJson(0, 2));
  ASSERT_TRUE(Send(put.get(), 1));
  ExpectGrpcStatus(put->Finish(), grpc::StatusCode::INVALID_ARGUMENT, {"scripted refusal"});
  EXPECT_EQ(emu->Counters(kTestTable).records, 2);  // the refused message did not land
  EXPECT_EQ(emu->state().LandedBatches(kTestTable).size(), 1u);
}

TEST(FlightPutFaultTest, Unavailable6002RefusesItsMessage) {
  auto emu = ArrowEventsEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kUnavailable6002, 1)}));
  auto put = OpenPut(*emu);
  ASSERT_TRUE(Send(put.get(), 0));
  ExpectGrpcStatus(put->Finish(), grpc::StatusCode::UNAVAILABLE,
                   {"Stream timeout reached", "Error Code: 6002"});
  EXPECT_EQ(emu->Counters(kTestTable).records, 0);
}

TEST(FlightPutFaultTest, CloseSignalCarriesItsDurationThenTheStreamTimesOut) {
  auto emu = ArrowEventsEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kCloseSignal, 1, milliseconds(300))}));
  auto put = OpenPut(*emu);
  const auto sent = Clock::now();
  ASSERT_TRUE(Send(put.get(), 0));
  EXPECT_EQ(put->Read(), AckJson(0, 2));  // the message lands and is acked
  auto signal = put->Read();
  ASSERT_TRUE(signal.has_value());
  nlohmann::json expected = AckJson(0, 2);
  expected["close_stream_duration_ms"] = 300;
  EXPECT_EQ(*signal, expected);
  std::vector<nlohmann::json> rest;
  ExpectGrpcStatus(put->Finish(&rest), grpc::StatusCode::UNAVAILABLE, {"Error Code: 6002"});
  EXPECT_TRUE(rest.empty());
  EXPECT_GE(MillisSince(sent), 300);
  EXPECT_EQ(emu->Counters(kTestTable).close_signals, 1);
}

TEST(FlightPutFaultTest, ClientMayCloseAfterTheCloseSignal) {
  auto emu = ArrowEventsEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kCloseSignal, 1, milliseconds(5000))}));
  auto put = OpenPut(*emu);
  ASSERT_TRUE(Send(put.get(), 0));
  EXPECT_EQ(put->Read(), AckJson(0, 2));
  ASSERT_TRUE(put->Read().has_value());  // the signal
  const auto start = Clock::now();
  EXPECT_TRUE(put->Close().ok());  // a rotating client half-closes: the stream ends at once
  EXPECT_LT(MillisSince(start), 2000);
}

TEST(FlightPutFaultTest, KillLandsTheMessageButNeverAcksIt) {
  auto emu = ArrowEventsEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kKill, 2)}));
  auto put = OpenPut(*emu);
  ASSERT_TRUE(Send(put.get(), 0));
  EXPECT_EQ(put->Read(), AckJson(0, 2));
  ASSERT_TRUE(Send(put.get(), 1, 3));
  std::vector<nlohmann::json> rest;
  ExpectGrpcStatus(put->Finish(&rest), grpc::StatusCode::UNAVAILABLE,
                   {"Connection reset", "after 2 requests"});
  EXPECT_TRUE(rest.empty());
  const auto counters = emu->Counters(kTestTable);
  EXPECT_EQ(counters.records, 5);
  EXPECT_EQ(counters.connections_killed, 1);
  EXPECT_EQ(counters.acks, 1);
}

TEST(FlightPutFaultTest, KillEveryRequestsCutsEachConnection) {
  auto emu = ArrowEventsEmulator();
  emulator::FaultScript script;
  script.kill_every_requests = 2;
  emu->SetFaultScript(kTestTable, script);
  for (int connection = 0; connection < 2; ++connection) {
    auto put = OpenPut(*emu);
    ASSERT_TRUE(Send(put.get(), 0));
    EXPECT_EQ(put->Read(), AckJson(0, 2));
    ASSERT_TRUE(Send(put.get(), 1));
    ExpectGrpcStatus(put->Finish(), grpc::StatusCode::UNAVAILABLE, {"Connection reset"});
  }
  EXPECT_EQ(emu->Counters(kTestTable).connections_killed, 2);
  EXPECT_EQ(emu->Counters(kTestTable).records, 8);
}

TEST(FlightPutFaultTest, SilenceHoldsAcksForItsDuration) {
  auto emu = ArrowEventsEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kSilence, 1, milliseconds(300))}));
  auto put = OpenPut(*emu);
  const auto start = Clock::now();
  ASSERT_TRUE(Send(put.get(), 0));
  ASSERT_TRUE(Send(put.get(), 1));
  EXPECT_EQ(put->Read(), AckJson(1, 4));  // one cumulative ack once the silence ends
  EXPECT_GE(MillisSince(start), 300);
  EXPECT_TRUE(put->Close().ok());
}

TEST(FlightPutFaultTest, ExpiredTokensRefuseTheNextStreamOnly) {
  auto emu = ArrowEventsEmulator();
  emu->SetFaultScript(kTestTable, Script({FaultEvent(Kind::kExpireTokens, 1)}));
  const PutHeaders headers = PutAuthFor(*emu, kTestTable);
  {
    RawPut put(*emu, headers);
    ASSERT_TRUE(put.Open(*ArrowEventSchema()));
    ASSERT_TRUE(Send(&put, 0));
    EXPECT_EQ(put.Read(), AckJson(0, 2));  // the open stream goes on
    ASSERT_TRUE(Send(&put, 1));
    EXPECT_EQ(put.Read(), AckJson(1, 4));
    EXPECT_TRUE(put.Close().ok());
  }
  RawPut again(*emu, headers);
  ASSERT_TRUE(again.Write(SchemaData(*ArrowEventSchema())));
  ExpectGrpcStatus(again.Finish(), grpc::StatusCode::UNAUTHENTICATED, {"unknown or expired"});
}

}  // namespace
}  // namespace arrow_zerobus::testing
