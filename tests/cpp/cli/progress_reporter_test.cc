// The send command's progress display, with a fake clock and a string stream.
#include "progress_reporter.h"

#include <chrono>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace arrow_zerobus::cli {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class FakeClock {
 public:
  ProgressReporter::Clock AsClock() {
    return [this] { return now_; };
  }
  void Advance(std::chrono::steady_clock::duration by) { now_ += by; }

 private:
  std::chrono::steady_clock::time_point now_{seconds(1000)};
};

ProgressSnapshot Snapshot(int64_t rows, int64_t failed, int64_t bytes,
                          std::optional<double> fraction) {
  ProgressSnapshot snapshot;
  snapshot.rows_done = rows;
  snapshot.rows_failed = failed;
  snapshot.bytes_acknowledged = bytes;
  snapshot.fraction = fraction;
  return snapshot;
}

size_t Count(const std::string& text, const std::string& piece) {
  size_t count = 0;
  for (size_t at = text.find(piece); at != std::string::npos; at = text.find(piece, at + 1)) {
    ++count;
  }
  return count;
}

TEST(FormatTest, CountsHaveThousandsSeparators) {
  EXPECT_EQ(FormatCount(0), "0");
  EXPECT_EQ(FormatCount(999), "999");
  EXPECT_EQ(FormatCount(1000), "1,000");
  EXPECT_EQ(FormatCount(1234567), "1,234,567");
  EXPECT_EQ(FormatCount(-45000), "-45,000");
}

TEST(FormatTest, Durations) {
  EXPECT_EQ(FormatDuration(seconds(0)), "0:00");
  EXPECT_EQ(FormatDuration(seconds(7)), "0:07");
  EXPECT_EQ(FormatDuration(seconds(750)), "12:30");
  EXPECT_EQ(FormatDuration(seconds(7500)), "2:05:00");
}

TEST(ProgressFormatTest, TerminalLineHasBarRateAndEta) {
  std::ostringstream out;
  FakeClock clock;
  ProgressReporter reporter(out, {.terminal = true, .bar_width = 10}, clock.AsClock());
  // Half done after 2 s at 10 MB acknowledged: 5 MB/s, 2 s to go.
  EXPECT_EQ(reporter.Format(Snapshot(1234567, 3, 10'000'000, 0.5), seconds(2)),
            "[#####-----] 50% 1,234,567 rows (3 failed), 5.0 MB/s, ETA 0:02");
}

TEST(ProgressFormatTest, UnknownTotalHasNoBarOrEta) {
  std::ostringstream out;
  FakeClock clock;
  ProgressReporter reporter(out, {.terminal = true}, clock.AsClock());
  EXPECT_EQ(reporter.Format(Snapshot(42, 0, 3'000'000, std::nullopt), seconds(1)),
            "42 rows, 3.0 MB/s");
}

TEST(ProgressFormatTest, PlainLineHasPercentButNoBar) {
  std::ostringstream out;
  FakeClock clock;
  ProgressReporter reporter(out, {.terminal = false}, clock.AsClock());
  EXPECT_EQ(reporter.Format(Snapshot(10, 0, 0, 0.25), seconds(4)),
            "25% 10 rows, 0.0 MB/s, ETA 0:12");
}

TEST(ProgressFormatTest, ReconnectsAreShown) {
  std::ostringstream out;
  FakeClock clock;
  ProgressReporter reporter(out, {.terminal = false}, clock.AsClock());
  ProgressSnapshot snapshot = Snapshot(10, 0, 0, std::nullopt);
  snapshot.reconnects = 2;
  EXPECT_EQ(reporter.Format(snapshot, seconds(1)), "10 rows, reconnects 2, 0.0 MB/s");
}

// On a narrow terminal the line never wraps: the least important parts go (ETA, then rate), the
// bar shrinks into what is left or goes, and a line still too long is cut one column short.
TEST(ProgressFormatTest, TerminalLineFitsTheWidth) {
  const ProgressSnapshot snapshot = Snapshot(1234567, 3, 10'000'000, 0.5);
  for (int width : {200, 80, 60, 45, 30, 12}) {
    SCOPED_TRACE(width);
    std::ostringstream out;
    FakeClock clock;
    ProgressReporter reporter(out, {.terminal = true, .width = width}, clock.AsClock());
    const std::string line = reporter.Format(snapshot, seconds(2));
    EXPECT_LE(line.size(), static_cast<size_t>(width - 1)) << line;
    if (width >= 30) EXPECT_NE(line.find("1,234,567 rows"), std::string::npos) << line;
  }
  std::ostringstream out;
  FakeClock clock;
  ProgressReporter narrow(out, {.terminal = true, .width = 60}, clock.AsClock());
  EXPECT_EQ(narrow.Format(snapshot, seconds(2)),
            "[###----] 50% 1,234,567 rows (3 failed), 5.0 MB/s, ETA 0:02");
  ProgressReporter wide(out, {.terminal = true, .width = 120}, clock.AsClock());
  EXPECT_EQ(wide.Format(snapshot, seconds(2)),
            "[############------------] 50% 1,234,567 rows (3 failed), 5.0 MB/s, ETA 0:02");
}

TEST(ProgressReporterTest, TerminalRedrawsOneLineAtMostEveryInterval) {
  std::ostringstream out;
  FakeClock clock;
  ProgressReporter reporter(out, {.terminal = true, .terminal_interval = milliseconds(100)},
                            clock.AsClock());
  reporter.Update(Snapshot(1, 0, 0, std::nullopt));  // the first update draws at once
  EXPECT_EQ(Count(out.str(), "\r"), 1u);
  clock.Advance(milliseconds(50));
  reporter.Update(Snapshot(2, 0, 0, std::nullopt));
  EXPECT_EQ(Count(out.str(), "\r"), 1u);
  clock.Advance(milliseconds(60));
  reporter.Update(Snapshot(3, 0, 0, std::nullopt));
  EXPECT_EQ(Count(out.str(), "\r"), 2u);
  EXPECT_EQ(Count(out.str(), "\n"), 0u);
  EXPECT_NE(out.str().find("\r3 rows"), std::string::npos) << out.str();
}

TEST(ProgressReporterTest, TerminalPadsAShorterLine) {
  std::ostringstream out;
  FakeClock clock;
  ProgressReporter reporter(out, {.terminal = true}, clock.AsClock());
  clock.Advance(seconds(1));
  reporter.Update(Snapshot(1000000, 5, 0, std::nullopt));
  const std::string first = out.str().substr(1);
  clock.Advance(seconds(1));
  out.str("");
  reporter.Update(Snapshot(1, 0, 0, std::nullopt));
  const std::string second = out.str();
  ASSERT_EQ(second[0], '\r');
  EXPECT_EQ(second.size() - 1, first.size()) << "'" << first << "' then '" << second << "'";
  EXPECT_EQ(second.back(), ' ');
}

TEST(ProgressReporterTest, TerminalFinishDrawsTheFinalStateAndEndsTheLine) {
  std::ostringstream out;
  FakeClock clock;
  ProgressReporter reporter(out, {.terminal = true}, clock.AsClock());
  reporter.Update(Snapshot(1, 0, 0, 0.1));
  reporter.Finish(Snapshot(10, 0, 0, 1.0));
  EXPECT_NE(out.str().find("100% 10 rows"), std::string::npos) << out.str();
  EXPECT_EQ(out.str().back(), '\n');
  EXPECT_EQ(out.str().find("ETA", out.str().rfind('\r')), std::string::npos);
}

TEST(ProgressReporterTest, BreakLineLetsAMessageStartOnItsOwnLine) {
  std::ostringstream out;
  FakeClock clock;
  ProgressReporter reporter(out, {.terminal = true}, clock.AsClock());
  reporter.BreakLine();  // nothing drawn yet: nothing to end
  EXPECT_EQ(out.str(), "");
  reporter.Update(Snapshot(1, 0, 0, std::nullopt));
  reporter.BreakLine();
  EXPECT_EQ(out.str().back(), '\n');
  reporter.BreakLine();
  EXPECT_EQ(Count(out.str(), "\n"), 1u);
}

TEST(ProgressReporterTest, PlainOutputPrintsALineAtMostEveryTwoSeconds) {
  std::ostringstream out;
  FakeClock clock;
  ProgressReporter reporter(out, {.terminal = false}, clock.AsClock());
  reporter.Update(Snapshot(1, 0, 0, std::nullopt));
  clock.Advance(milliseconds(1900));
  reporter.Update(Snapshot(2, 0, 0, std::nullopt));
  EXPECT_EQ(out.str(), "");  // a quick send prints no progress at all
  clock.Advance(milliseconds(100));
  reporter.Update(Snapshot(3, 1, 4'000'000, std::nullopt));
  EXPECT_EQ(out.str(), "progress: 3 rows (1 failed), 2.0 MB/s\n");
  clock.Advance(milliseconds(1999));
  reporter.Update(Snapshot(4, 1, 0, std::nullopt));
  EXPECT_EQ(Count(out.str(), "\n"), 1u);
  clock.Advance(milliseconds(1));
  reporter.Update(Snapshot(5, 1, 0, std::nullopt));
  EXPECT_EQ(Count(out.str(), "\n"), 2u);
  EXPECT_EQ(Count(out.str(), "\r"), 0u);
  reporter.Finish(Snapshot(6, 1, 0, std::nullopt));
  EXPECT_EQ(Count(out.str(), "\n"), 2u);
}

}  // namespace
}  // namespace arrow_zerobus::cli
