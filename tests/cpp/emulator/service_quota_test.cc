// Service quotas modelled by pacing acks, measured from raw clients that keep to an in-flight
// window: a paced stream takes as long as its quota says, an unpaced one with the same data is
// far faster, both wire formats count their records and bytes, and a table's bytes quota is
// shared by its streams.
#include <algorithm>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "raw_ephemeral_stream.h"
#include "testing/emulator_fixture.h"
#include "testing/flight_client.h"

namespace arrow_zerobus::testing {
namespace {

using Clock = std::chrono::steady_clock;
using ::testing::HasSubstr;

constexpr int64_t kRequests = 30;
constexpr int64_t kRecordsPerRequest = 100;
constexpr int64_t kWindow = 10;  ///< requests in flight, as a client's window allows
constexpr std::chrono::milliseconds kDeadline(10000);

/// Sends `requests` requests (offsets from 0) keeping at most `window` unacknowledged; returns
/// the milliseconds from the first send to the ack of the last, or -1 when the stream failed.
int64_t MillisToLastAck(int64_t requests, const std::function<bool(int64_t offset)>& send,
                        const std::function<std::optional<int64_t>()>& read_ack) {
  const auto start = Clock::now();
  int64_t sent = 0;
  int64_t acked = -1;
  while (acked < requests - 1) {
    while (sent < requests && sent - (acked + 1) < kWindow) {
      if (!send(sent++)) return -1;
    }
    const std::optional<int64_t> ack = read_ack();
    if (!ack) return -1;
    acked = std::max(acked, *ack);
  }
  return MillisSince(start);
}

/// The Event records of Protobuf request `offset`.
std::vector<std::string> EventRecords(int64_t offset) {
  std::vector<std::string> records;
  for (int64_t i = 0; i < kRecordsPerRequest; ++i) {
    records.push_back(EventRecord(offset * kRecordsPerRequest + i, "quota-test-event"));
  }
  return records;
}

/// The record bytes of all kRequests Protobuf requests.
int64_t ProtobufStreamBytes() {
  int64_t bytes = 0;
  for (int64_t offset = 0; offset < kRequests; ++offset) {
    for (const std::string& record : EventRecords(offset)) {
      bytes += static_cast<int64_t>(record.size());
    }
  }
  return bytes;
}

/// A stream whose quota it takes 1.5 s to pay (less the 50 ms burst): at least 1.2 s, and not
/// stuck.
void ExpectPacedToOneAndAHalfSeconds(int64_t elapsed_ms) {
  EXPECT_GE(elapsed_ms, 1200);
  EXPECT_LT(elapsed_ms, 5000);
}

/// Streams kRequests Protobuf requests into kTestTable; milliseconds to the last ack.
int64_t RunProtobufStream(emulator::Emulator& emu) {
  RawStream stream(emu, AuthFor(emu, kTestTable), kDeadline);
  if (!stream.Create(CreateRequest(kTestTable))) return -1;
  const int64_t elapsed = MillisToLastAck(
      kRequests,
      [&](int64_t offset) { return stream.Write(ProtoBatch(offset, EventRecords(offset))); },
      [&] { return stream.ReadAck(); });
  EXPECT_TRUE(stream.Close().ok());
  return elapsed;
}

/// Streams kRequests Arrow batches into kTestTable; milliseconds to the last ack.
int64_t RunArrowStream(emulator::Emulator& emu) {
  RawPut put(emu, PutAuthFor(emu, kTestTable), kDeadline);
  if (!put.Open(*ArrowEventSchema())) return -1;
  const int64_t elapsed = MillisToLastAck(
      kRequests,
      [&](int64_t offset) {
        return put.Write(
            BatchData(*ArrowEventBatch(offset * kRecordsPerRequest, kRecordsPerRequest), offset));
      },
      [&]() -> std::optional<int64_t> {
        auto ack = put.Read();
        if (!ack || !ack->contains("ack_up_to_offset")) return std::nullopt;
        return (*ack)["ack_up_to_offset"].get<int64_t>();
      });
  EXPECT_TRUE(put.Close().ok());
  return elapsed;
}

using StartFunction = std::unique_ptr<emulator::Emulator> (*)(emulator::EmulatorOptions);
using RunFunction = int64_t (*)(emulator::Emulator&);

/// A quota of 2,000 records a second paces a stream of 3,000 records to 1.5 s; the same stream
/// unpaced is far faster.
void ExpectRecordsQuotaPaces(StartFunction start, RunFunction run) {
  emulator::EmulatorOptions paced;
  paced.stream_records_per_second = 2000;
  auto emu = start(paced);
  const int64_t paced_ms = run(*emu);
  ExpectPacedToOneAndAHalfSeconds(paced_ms);
  EXPECT_EQ(emu->Counters(kTestTable).records, kRequests * kRecordsPerRequest);

  auto unpaced_emu = start(emulator::EmulatorOptions{});
  const int64_t unpaced_ms = run(*unpaced_emu);
  ASSERT_GE(unpaced_ms, 0);
  EXPECT_LT(unpaced_ms * 2, paced_ms);
}

TEST(ServiceQuotaTest, RecordsQuotaPacesAProtobufStream) {
  ExpectRecordsQuotaPaces(StartEmulator, RunProtobufStream);
}

TEST(ServiceQuotaTest, RecordsQuotaPacesAnArrowStreamByRows) {
  ExpectRecordsQuotaPaces(ArrowEventsEmulator, RunArrowStream);
}

TEST(ServiceQuotaTest, BytesQuotaPacesAProtobufStreamByRecordBytes) {
  emulator::EmulatorOptions paced;
  paced.stream_bytes_per_second = ProtobufStreamBytes() * 2 / 3;  // 1.5 s of data
  auto emu = StartEmulator(paced);
  ExpectPacedToOneAndAHalfSeconds(RunProtobufStream(*emu));
  EXPECT_EQ(emu->Counters(kTestTable).bytes, ProtobufStreamBytes());
}

TEST(ServiceQuotaTest, BytesQuotaPacesAnArrowStreamByBodyBytes) {
  // The body bytes of the data, measured on an unpaced emulator first.
  auto measuring = ArrowEventsEmulator();
  ASSERT_GE(RunArrowStream(*measuring), 0);
  const int64_t total_bytes = measuring->Counters(kTestTable).bytes;
  ASSERT_GT(total_bytes, 0);

  emulator::EmulatorOptions paced;
  paced.stream_bytes_per_second = total_bytes * 2 / 3;  // 1.5 s of data
  auto emu = ArrowEventsEmulator(paced);
  ExpectPacedToOneAndAHalfSeconds(RunArrowStream(*emu));
  EXPECT_EQ(emu->Counters(kTestTable).bytes, total_bytes);
}

TEST(ServiceQuotaTest, TableBytesQuotaIsSharedByTheTablesStreams) {
  const int64_t stream_bytes = ProtobufStreamBytes();
  emulator::EmulatorOptions options;
  // One stream alone would take 0.75 s; two share the quota and take 1.5 s together.
  options.table_bytes_per_second = stream_bytes * 4 / 3;
  auto emu = StartEmulator(options);
  const auto start = Clock::now();
  auto first = std::async(std::launch::async, [&] { return RunProtobufStream(*emu); });
  auto second = std::async(std::launch::async, [&] { return RunProtobufStream(*emu); });
  ASSERT_GE(first.get(), 0);
  ASSERT_GE(second.get(), 0);
  ExpectPacedToOneAndAHalfSeconds(MillisSince(start));
  EXPECT_EQ(emu->Counters(kTestTable).bytes, 2 * stream_bytes);
}

TEST(ServiceQuotaTest, ServiceQuotasSwitchHoldsAStreamTo100kRecordsPerSecond) {
  emulator::EmulatorOptions options;
  options.service_quotas = true;
  options.light = true;  // the emulator's decoding is not what this measures
  auto emu = StartEmulator(options);
  RawStream stream(*emu, AuthFor(*emu, kTestTable), kDeadline);
  ASSERT_TRUE(stream.Create(CreateRequest(kTestTable)));
  std::vector<std::string> records(10'000, EventRecord(1));
  // 50,000 records at 100,000 a second: 0.5 s less the 50 ms burst.
  const int64_t elapsed = MillisToLastAck(
      5, [&](int64_t offset) { return stream.Write(ProtoBatch(offset, records)); },
      [&] { return stream.ReadAck(); });
  EXPECT_GE(elapsed, 400);
  EXPECT_TRUE(stream.Close().ok());
}

TEST(ServiceQuotaTest, NegativeQuotaOptionIsRefusedByName) {
  emulator::EmulatorOptions options;
  options.table_bytes_per_second = -1;
  auto started = emulator::Emulator::Start(options);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(started.status().message(), HasSubstr("table_bytes_per_second"));
}

}  // namespace
}  // namespace arrow_zerobus::testing
