// Debug file names: stem format, matching only this table's files, retention choice, and
// sequence numbers that keep names unique and ordered.
#include "debug/file_naming.h"

#include <chrono>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace arrow_zerobus::debug {
namespace {

using std::chrono::milliseconds;

Millis At(int y, unsigned m, unsigned d, int hour, int minute, int second, int millis) {
  const std::chrono::sys_days day = std::chrono::year{y} / m / d;
  return Millis(day) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second) + milliseconds(millis);
}

TEST(FileNamingTest, FormatsUtcTimeWithMillisecondsAndSequence) {
  EXPECT_EQ(FormatStem("main.demo.orders", {At(2026, 11, 26, 1, 45, 0, 123), 1}),
            "main.demo.orders-20261126T014500123Z-000001");
  EXPECT_EQ(FormatStem("c.s.t", {At(1999, 1, 2, 23, 59, 59, 9), 654321}),
            "c.s.t-19990102T235959009Z-654321");
}

TEST(FileNamingTest, ValidatesTableNames) {
  EXPECT_TRUE(IsValidTableName("main.demo.orders"));
  EXPECT_TRUE(IsValidTableName("Main_1.demo_2.orders_3"));
  EXPECT_FALSE(IsValidTableName(""));
  EXPECT_FALSE(IsValidTableName("main..orders"));
  EXPECT_FALSE(IsValidTableName(".main.orders"));
  EXPECT_FALSE(IsValidTableName("main.orders."));
  EXPECT_FALSE(IsValidTableName("main/demo.orders"));
  EXPECT_FALSE(IsValidTableName("main.demo-x.orders"));
  EXPECT_FALSE(IsValidTableName("main.demo.ordérs"));
}

TEST(FileNamingTest, MatchesExactlyThisTablesFiles) {
  const std::string table = "main.demo.events";
  EXPECT_TRUE(
      IsTableFileName(table, "main.demo.events-20261126T014500123Z-000001.arrows", "arrows"));
  EXPECT_TRUE(IsTableFileName(table, "main.demo.events-20261126T014500123Z-000001.pbs", "pbs"));
  // Other tables whose names start with this one.
  EXPECT_FALSE(
      IsTableFileName(table, "main.demo.events_v2-20261126T014500123Z-000001.arrows", "arrows"));
  EXPECT_FALSE(
      IsTableFileName(table, "main.demo.events.x-20261126T014500123Z-000001.arrows", "arrows"));
  // Wrong extension, stray suffixes, wrong digit counts.
  EXPECT_FALSE(IsTableFileName(table, "main.demo.events-20261126T014500123Z-000001.pbs", "arrows"));
  EXPECT_FALSE(
      IsTableFileName(table, "main.demo.events-20261126T014500123Z-000001.arrows.tmp", "arrows"));
  EXPECT_FALSE(
      IsTableFileName(table, "main.demo.events-20261126T01450012Z-000001.arrows", "arrows"));
  EXPECT_FALSE(
      IsTableFileName(table, "main.demo.events-20261126T014500123Z-00001.arrows", "arrows"));
  EXPECT_FALSE(
      IsTableFileName(table, "main.demo.events-2026112xT014500123Z-000001.arrows", "arrows"));
  EXPECT_FALSE(IsTableFileName(table, "main.demo.events", "arrows"));
  EXPECT_FALSE(IsTableFileName(table, "notes.txt", "arrows"));
}

TEST(FileNamingTest, RetentionRemovesAllButTheNewestByName) {
  const std::vector<std::string> names = {
      "t-20261126T014500123Z-000002.pbs", "t-20261126T014500124Z-000001.pbs",
      "t-20251231T235959999Z-000001.pbs", "t-20261126T014500123Z-000001.pbs"};
  EXPECT_THAT(OldestBeyond(names, 2), ::testing::ElementsAre("t-20251231T235959999Z-000001.pbs",
                                                             "t-20261126T014500123Z-000001.pbs"));
  EXPECT_THAT(OldestBeyond(names, 4), ::testing::IsEmpty());
  EXPECT_THAT(OldestBeyond(names, 10), ::testing::IsEmpty());
  EXPECT_EQ(OldestBeyond(names, 0).size(), 4u);
}

TEST(FileNamingTest, SequenceRestartsEachMillisecondAndNeverGoesBack) {
  StampSequence stamps;
  const Millis t0 = At(2026, 1, 1, 0, 0, 0, 0);
  std::vector<std::string> stems;
  for (const Millis now : {t0, t0, t0, t0 + milliseconds(1), t0 - milliseconds(5)}) {
    stems.push_back(FormatStem("t", stamps.Next(now)));
  }
  EXPECT_THAT(stems,
              ::testing::ElementsAre("t-20260101T000000000Z-000001", "t-20260101T000000000Z-000002",
                                     "t-20260101T000000000Z-000003", "t-20260101T000000001Z-000001",
                                     "t-20260101T000000001Z-000002"));
  EXPECT_TRUE(std::is_sorted(stems.begin(), stems.end()));
}

TEST(FileNamingTest, SequenceOverflowMovesToTheNextMillisecond) {
  StampSequence stamps;
  const Millis t0 = At(2026, 1, 1, 0, 0, 0, 0);
  FileStamp stamp;
  for (int i = 0; i < kMaxFileSeq; ++i) stamp = stamps.Next(t0);
  EXPECT_EQ(stamp.seq, kMaxFileSeq);
  const FileStamp next = stamps.Next(t0);
  EXPECT_EQ(next.time, t0 + milliseconds(1));
  EXPECT_EQ(next.seq, 1);
}

}  // namespace
}  // namespace arrow_zerobus::debug
