// ZerobusWrapper when things go wrong: a stream cut mid-batch (only unacknowledged rows are
// re-sent), a permanent failure mid-batch (acknowledged rows stay successful), retries
// exhausted, refused credentials and an unreachable endpoint. Every row is accounted for in all.
#include <algorithm>
#include <map>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "arrow_zerobus/wrapper.h"
#include "testing/emulator_fixture.h"
#include "testing/wrapper_fixture.h"

namespace arrow_zerobus::testing {
namespace {

using emulator::FaultScript;
using emulator::StreamEvent;
using ::testing::HasSubstr;

// Small requests so that one batch spans many: 1000 rows of about 17 bytes, 60 per request.
WrapperConfiguration ManyRequestsConfig(const emulator::Emulator& emu, const std::string& format) {
  WrapperConfiguration config = WrapperConfigFor(emu).with_wire_format(*ParseWireFormat(format));
  config.max_request_bytes = 1024;
  config.max_record_bytes = 512;
  config.max_inflight_requests = 4;
  return config;
}

constexpr int64_t kRows = 1000;

std::vector<int64_t> Sorted(std::vector<int64_t> values) {
  std::sort(values.begin(), values.end());
  return values;
}

class WrapperFailureTest : public WireFormatTest {};
INSTANTIATE_WIRE_FORMATS(WrapperFailureTest);

TEST_P(WrapperFailureTest, CutMidBatchReplaysOnlyUnacknowledgedRequests) {
  auto emu = StartEmulator();
  FaultScript script;
  script.events = {FaultEvent(StreamEvent::Kind::kKill, 6)};
  emu->SetFaultScript(kTestTable, script);
  auto wrapper = ZerobusWrapper::Create(ManyRequestsConfig(*emu, GetParam()));
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  auto batch = EventsBatch(0, kRows);
  TransmissionResult result = (*wrapper)->send_batch(batch);
  ExpectEveryRowOnce(result);
  EXPECT_TRUE(result.success) << result.Summary();
  EXPECT_GE(result.requests_sent, 12);
  EXPECT_EQ(result.successful_count, kRows);
  EXPECT_GE(result.attempts, 2);
  EXPECT_GE(result.requests_replayed, 1);
  EXPECT_LE(result.requests_replayed, 4) << "only the in-flight window can need a replay";
  EXPECT_EQ(result.stream_ids.size(), arrow() ? 0u : 2u) << "Arrow Flight gives a stream no id";

  // At least once: every row landed; duplicates only from the replayed requests.
  std::vector<int64_t> landed = LandedIds(*emu, kTestTable);
  std::set<int64_t> distinct(landed.begin(), landed.end());
  EXPECT_EQ(std::vector<int64_t>(distinct.begin(), distinct.end()), Iota(kRows));
  const int64_t duplicates = static_cast<int64_t>(landed.size()) - kRows;
  EXPECT_GT(result.rows_replayed, 0);
  EXPECT_LE(duplicates, result.rows_replayed);
  // Rows acknowledged before the cut were not sent again: the first request's rows landed once.
  std::map<int64_t, int> copies;
  for (int64_t id : landed) ++copies[id];
  EXPECT_EQ(copies[0], 1);
}

TEST_P(WrapperFailureTest, PermanentFailureMidBatchKeepsAcknowledgedRowsSuccessful) {
  auto emu = StartEmulator();
  FaultScript script;
  StreamEvent refuse = FaultEvent(StreamEvent::Kind::kError, 8);
  refuse.code = StatusCode::kInvalidArgument;
  refuse.message = "scripted refusal of request 8";
  script.events = {refuse};
  emu->SetFaultScript(kTestTable, script);
  auto wrapper = ZerobusWrapper::Create(ManyRequestsConfig(*emu, GetParam()));
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  auto batch = EventsBatch(0, kRows);
  TransmissionResult result = (*wrapper)->send_batch(batch);
  ExpectEveryRowOnce(result);
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.error.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(result.error.retryable());
  EXPECT_THAT(result.error.message(), HasSubstr("scripted refusal"));
  EXPECT_GT(result.successful_count, 0);
  EXPECT_GT(result.failed_count, 0);
  for (const RowFailure& failure : result.failed_rows) {
    EXPECT_EQ(failure.error.code(), StatusCode::kInvalidArgument) << "row " << failure.row;
  }
  // Exactly the rows reported successful landed (the refused request and later ones did not).
  EXPECT_EQ(Sorted(LandedIds(*emu, kTestTable)), IdsAt(*batch, result.successful_rows));
  auto failed = result.extract_failed_batch(*batch);
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ((*failed)->num_rows(), result.failed_count);

  // The next batch opens a new stream and lands.
  TransmissionResult next = (*wrapper)->send_batch(EventsBatch(1000, 3));
  EXPECT_TRUE(next.success) << next.Summary();
}

TEST_P(WrapperFailureTest, RetriesExhaustedMidBatchFailsOnlyUnacknowledgedRows) {
  auto emu = StartEmulator();
  FaultScript script;
  emulator::CreateFault first_create_works;
  first_create_works.code = StatusCode::kOk;
  emulator::CreateFault refused;
  refused.code = StatusCode::kUnavailable;
  refused.message = "scripted: service unavailable";
  script.create_faults = {first_create_works, refused, refused, refused, refused};
  script.events = {FaultEvent(StreamEvent::Kind::kKill, 6)};
  emu->SetFaultScript(kTestTable, script);
  WrapperConfiguration config = ManyRequestsConfig(*emu, GetParam());
  config.retry_max_attempts = 3;
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  auto batch = EventsBatch(0, kRows);
  TransmissionResult result = (*wrapper)->send_batch(batch);
  ExpectEveryRowOnce(result);
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.error.kind(), ErrorKind::kRetriesExhausted) << result.error;
  EXPECT_THAT(result.error.message(), HasSubstr("scripted: service unavailable"));
  EXPECT_GT(result.successful_count, 0);
  EXPECT_GT(result.failed_count, 0);
  std::set<int64_t> landed_ids;
  for (int64_t id : LandedIds(*emu, kTestTable)) landed_ids.insert(id);
  // Every acknowledged row landed; rows never sent did not.
  for (int64_t id : IdsAt(*batch, result.successful_rows)) EXPECT_EQ(landed_ids.count(id), 1u);
  EXPECT_LT(landed_ids.size(), static_cast<size_t>(kRows));
  auto stats = result.get_error_statistics();
  EXPECT_EQ(stats.error_type_counts["RetryExhausted"], result.failed_count);
}

TEST_P(WrapperFailureTest, RefusedCredentialsFailEveryRowAsAuthentication) {
  auto emu = StartEmulator();
  WrapperConfiguration config = Config(*emu);
  config.with_credentials(emulator::kDefaultClientId, "wrong-secret");
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  TransmissionResult result = (*wrapper)->send_batch(EventsBatch(0, 5));
  ExpectEveryRowOnce(result);
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.error.kind(), ErrorKind::kAuthentication) << result.error;
  EXPECT_FALSE(result.error.retryable());
  EXPECT_EQ(result.failed_count, 5);
  EXPECT_EQ(result.failed_rows[0].error.kind(), ErrorKind::kAuthentication);
  EXPECT_THAT(result.error.ToString(), ::testing::Not(HasSubstr("wrong-secret")));
  EXPECT_EQ(result.get_error_statistics().error_type_counts["AuthenticationError"], 5);
}

TEST_P(WrapperFailureTest, UnreachableEndpointFailsEveryRowAsRetryableConnectionError) {
  auto emu = StartEmulator();
  WrapperConfiguration config = Config(*emu);
  {
    // An endpoint nobody listens on: a port the OS gave an emulator that has since stopped.
    auto gone = StartEmulator();
    config.zerobus_endpoint = gone->endpoint();
  }
  config.retry_max_attempts = 2;
  config.connect_timeout_ms = 1000;
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  TransmissionResult result = (*wrapper)->send_batch(EventsBatch(0, 4));
  ExpectEveryRowOnce(result);
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.failed_count, 4);
  EXPECT_TRUE(result.error.kind() == ErrorKind::kConnection ||
              result.error.kind() == ErrorKind::kRetriesExhausted)
      << result.error;
  EXPECT_THAT(result.error.message(), HasSubstr("127.0.0.1"));
}

}  // namespace
}  // namespace arrow_zerobus::testing
