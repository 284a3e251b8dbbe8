// Progress of `zerobus-arrow send` on stderr: a redrawn bar on a terminal, a plain line every few
// seconds otherwise. The clock is injectable so the output can be tested.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

namespace arrow_zerobus::cli {

/// `value` with `decimals` digits after the point ("12.5").
std::string FormatFixed(double value, int decimals);

/// Where a send stands.
struct ProgressSnapshot {
  int64_t rows_done = 0;  ///< rows whose outcome is known (succeeded or failed)
  int64_t rows_failed = 0;
  int64_t bytes_acknowledged = 0;  ///< encoded bytes of the rows that succeeded
  std::optional<double> fraction;  ///< of the whole input, 0 to 1, when known
  int64_t reconnects = 0;          ///< of the streams open now
};

/// "1,234,567"
std::string FormatCount(int64_t value);
/// "0:07", "12:30", "2:05:00"
std::string FormatDuration(std::chrono::duration<double> duration);

class ProgressReporter {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  struct Options {
    bool terminal = false;  ///< redraw one line with \r (else print plain lines)
    std::chrono::milliseconds terminal_interval{100};
    std::chrono::milliseconds plain_interval{2000};
    int bar_width = 24;
    /// Terminal columns (0: unknown): a line never takes more than width - 1, so it never wraps.
    int width = 0;
  };

  /// Starts the clock. `clock` defaults to std::chrono::steady_clock::now.
  ProgressReporter(std::ostream& out, Options options, Clock clock = nullptr);

  /// Draws `snapshot` if the interval since the last drawing has passed (a terminal draws the
  /// first snapshot at once, plain output only after the first interval).
  void Update(const ProgressSnapshot& snapshot);
  /// A terminal gets the final state and a newline; plain output gets nothing more.
  void Finish(const ProgressSnapshot& snapshot);
  /// Ends a drawn terminal line so that a message can follow on its own line (the next Update
  /// draws again).
  void BreakLine();

  /// The progress text for `snapshot` after `elapsed` (no \r, no newline).
  std::string Format(const ProgressSnapshot& snapshot, std::chrono::duration<double> elapsed) const;

 private:
  void Draw(const ProgressSnapshot& snapshot, std::chrono::steady_clock::time_point now);

  std::ostream& out_;
  Options options_;
  Clock clock_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  size_t last_length_ = 0;
  bool drew_ = false;
};

}  // namespace arrow_zerobus::cli
