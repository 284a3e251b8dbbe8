// The quota model without a clock: a token bucket pays a burst at once and the rest at its rate,
// in order, never refusing; the quota options resolve and validate as documented.
#include "token_bucket.h"

#include <chrono>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "service_quotas.h"

namespace arrow_zerobus::emulator {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using Clock = TokenBucket::Clock;

double SecondsBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

TEST(TokenBucketTest, UnlimitedBucketPaysAtOnce) {
  TokenBucket bucket;
  const auto now = Clock::now();
  EXPECT_FALSE(bucket.limited());
  EXPECT_EQ(bucket.Charge(1'000'000'000, now), now);
  EXPECT_FALSE(TokenBucket(0, milliseconds(50)).limited());
}

TEST(TokenBucketTest, BurstIsPaidAtOnceAndTheRestAtTheRate) {
  TokenBucket bucket(1000, milliseconds(50));  // holds 50 units
  const auto start = Clock::now();
  EXPECT_EQ(bucket.Charge(50, start), start);
  // The next 100 units wait for 100 ms of refill.
  EXPECT_NEAR(SecondsBetween(start, bucket.Charge(100, start)), 0.100, 1e-6);
  // Charges arriving in order are paid in order.
  EXPECT_NEAR(SecondsBetween(start, bucket.Charge(100, start)), 0.200, 1e-6);
}

TEST(TokenBucketTest, ChargeLargerThanTheBucketRunsIntoDebt) {
  TokenBucket bucket(1000, milliseconds(50));
  const auto start = Clock::now();
  EXPECT_NEAR(SecondsBetween(start, bucket.Charge(2000, start)), 1.950, 1e-6);
}

TEST(TokenBucketTest, IdleBucketRefillsOnlyUpToItsBurst) {
  TokenBucket bucket(1000, milliseconds(50));
  const auto start = Clock::now();
  bucket.Charge(1000, start);  // debt until 0.95 s
  const auto later = start + std::chrono::seconds(10);
  EXPECT_EQ(bucket.Charge(50, later), later);  // full again, but only 50 units
  EXPECT_NEAR(SecondsBetween(later, bucket.Charge(10, later)), 0.010, 1e-6);
}

TEST(TokenBucketTest, ThroughputOverSecondsIsTheRateWithinTheBurst) {
  // 3,000 units in charges of 100 all at once, at 1,000/s: the last is paid at 3 s minus the
  // 50 ms burst, so the measured rate is within 2% of the quota.
  TokenBucket bucket(1000, milliseconds(50));
  const auto start = Clock::now();
  Clock::time_point last = start;
  for (int i = 0; i < 30; ++i) {
    const auto paid = bucket.Charge(100, start);
    EXPECT_GE(paid, last);
    last = paid;
  }
  const double rate = 3000 / SecondsBetween(start, last);
  EXPECT_NEAR(rate, 1000, 20);
}

TEST(ServiceQuotasTest, OffByDefault) {
  const ServiceQuotas quotas = EffectiveQuotas(EmulatorOptions{});
  EXPECT_EQ(quotas.stream_records_per_second, 0);
  EXPECT_EQ(quotas.stream_bytes_per_second, 0);
  EXPECT_EQ(quotas.table_bytes_per_second, 0);
}

TEST(ServiceQuotasTest, SwitchSetsTheServiceQuotasLeftUnset) {
  EmulatorOptions options;
  options.service_quotas = true;
  ServiceQuotas quotas = EffectiveQuotas(options);
  EXPECT_EQ(quotas.stream_records_per_second, 100'000);
  EXPECT_EQ(quotas.stream_bytes_per_second, 100'000'000);
  EXPECT_EQ(quotas.table_bytes_per_second, 10'000'000'000);

  options.stream_records_per_second = 20'000;  // an explicit quota wins over the switch
  quotas = EffectiveQuotas(options);
  EXPECT_EQ(quotas.stream_records_per_second, 20'000);
  EXPECT_EQ(quotas.stream_bytes_per_second, 100'000'000);
}

TEST(ServiceQuotasTest, NegativeQuotaIsAnErrorNamingTheOption) {
  EXPECT_TRUE(CheckQuotaOptions(EmulatorOptions{}).ok());
  EmulatorOptions records;
  records.stream_records_per_second = -1;
  EmulatorOptions bytes;
  bytes.stream_bytes_per_second = -2;
  EmulatorOptions table;
  table.table_bytes_per_second = -3;
  const std::pair<EmulatorOptions, const char*> cases[] = {{records, "stream_records_per_second"},
                                                           {bytes, "stream_bytes_per_second"},
                                                           {table, "table_bytes_per_second"}};
  for (const auto& [options, name] : cases) {
    const Status status = CheckQuotaOptions(options);
    EXPECT_EQ(status.kind(), ErrorKind::kConfiguration) << name;
    EXPECT_THAT(status.message(), HasSubstr(name));
    EXPECT_THAT(status.message(), HasSubstr("must not be negative"));
  }
}

TEST(StreamQuotaTest, RequestIsPaidWhenBothStreamBucketsHavePaid) {
  ServiceQuotas quotas;
  quotas.stream_records_per_second = 1000;  // holds 50 records
  quotas.stream_bytes_per_second = 10'000;  // holds 500 bytes
  StreamQuota quota(quotas);
  const auto start = Clock::now();
  // 50 records (paid at once) of 2,500 bytes: the bytes bucket pays them at 0.2 s.
  EXPECT_NEAR(SecondsBetween(start, quota.Charge(50, 2500, start)), 0.200, 1e-6);
  // 150 more records of 10 bytes: the records bucket pays at 0.15 s, the bytes bucket at
  // 0.201 s; the request is paid by the later.
  EXPECT_NEAR(SecondsBetween(start, quota.Charge(150, 10, start)), 0.201, 1e-6);
}

}  // namespace
}  // namespace arrow_zerobus::emulator
