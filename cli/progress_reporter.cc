// Progress lines of `zerobus-arrow send`.
#include "progress_reporter.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace arrow_zerobus::cli {

std::string FormatFixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  return text;
}

std::string FormatCount(int64_t value) {
  const std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

std::string FormatDuration(std::chrono::duration<double> duration) {
  const auto total = static_cast<int64_t>(std::llround(std::max(0.0, duration.count())));
  const int64_t hours = total / 3600;
  const int64_t minutes = (total / 60) % 60;
  const int64_t seconds = total % 60;
  char text[64];
  if (hours > 0) {
    std::snprintf(text, sizeof(text), "%lld:%02lld:%02lld", static_cast<long long>(hours),
                  static_cast<long long>(minutes), static_cast<long long>(seconds));
  } else {
    std::snprintf(text, sizeof(text), "%lld:%02lld", static_cast<long long>(minutes),
                  static_cast<long long>(seconds));
  }
  return text;
}

ProgressReporter::ProgressReporter(std::ostream& out, Options options, Clock clock)
    : out_(out), options_(options), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
  start_ = clock_();
  last_draw_ = start_;
}

std::string ProgressReporter::Format(const ProgressSnapshot& snapshot,
                                     std::chrono::duration<double> elapsed) const {
  std::optional<double> fraction = snapshot.fraction;
  if (fraction.has_value()) fraction = std::clamp(*fraction, 0.0, 1.0);
  // The parts, most important first; on a narrow terminal the last ones are left out.
  std::string counts;
  if (fraction.has_value()) {
    counts += std::to_string(static_cast<int>(std::floor(*fraction * 100))) + "% ";
  }
  counts += FormatCount(snapshot.rows_done) + " rows";
  if (snapshot.rows_failed > 0) counts += " (" + FormatCount(snapshot.rows_failed) + " failed)";
  std::vector<std::string> extras;
  if (snapshot.reconnects > 0) extras.push_back("reconnects " + FormatCount(snapshot.reconnects));
  const double seconds = elapsed.count();
  if (seconds > 0) {
    extras.push_back(
        FormatFixed(static_cast<double>(snapshot.bytes_acknowledged) / 1e6 / seconds, 1) + " MB/s");
  }
  if (fraction.has_value() && *fraction > 0 && *fraction < 1) {
    const double remaining = seconds * (1 - *fraction) / *fraction;
    extras.push_back("ETA " + FormatDuration(std::chrono::duration<double>(remaining)));
  }
  // A terminal line must not wrap: it stays one column short of the width.
  const size_t room = options_.width > 0 ? static_cast<size_t>(options_.width - 1) : SIZE_MAX;
  std::string line = counts;
  for (const std::string& extra : extras) {
    if (line.size() + 2 + extra.size() > room) break;
    line += ", " + extra;
  }
  if (fraction.has_value() && options_.terminal) {
    constexpr int kShortestBar = 5;
    const size_t left = room == SIZE_MAX ? SIZE_MAX : room - std::min(room, line.size() + 3);
    const int width = static_cast<int>(std::min<size_t>(options_.bar_width, left));
    if (width >= kShortestBar) {
      const int filled = static_cast<int>(std::floor(*fraction * width));
      line = "[" + std::string(filled, '#') + std::string(width - filled, '-') + "] " + line;
    }
  }
  if (line.size() > room) line.resize(room);
  return line;
}

void ProgressReporter::Draw(const ProgressSnapshot& snapshot,
                            std::chrono::steady_clock::time_point now) {
  const std::string line = Format(snapshot, now - start_);
  if (options_.terminal) {
    // Spaces cover what a longer previous line left on the terminal.
    const size_t padding = last_length_ > line.size() ? last_length_ - line.size() : 0;
    out_ << '\r' << line << std::string(padding, ' ') << std::flush;
    last_length_ = line.size();
  } else {
    out_ << "progress: " << line << '\n' << std::flush;
  }
  last_draw_ = now;
  drew_ = true;
}

void ProgressReporter::Update(const ProgressSnapshot& snapshot) {
  const auto now = clock_();
  const auto interval = options_.terminal ? options_.terminal_interval : options_.plain_interval;
  const bool first_terminal_draw = options_.terminal && !drew_;
  if (first_terminal_draw || now - last_draw_ >= interval) Draw(snapshot, now);
}

void ProgressReporter::BreakLine() {
  if (!options_.terminal || last_length_ == 0) return;
  out_ << '\n' << std::flush;
  last_length_ = 0;
}

void ProgressReporter::Finish(const ProgressSnapshot& snapshot) {
  if (!options_.terminal) return;
  Draw(snapshot, clock_());
  out_ << '\n' << std::flush;
}

}  // namespace arrow_zerobus::cli
