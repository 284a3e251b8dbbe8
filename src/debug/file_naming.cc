// Debug file names: formatting, matching and retention selection.
#include "debug/file_naming.h"

#include <algorithm>
#include <cstdio>

namespace arrow_zerobus::debug {
namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Consumes `count` digits from the front of `text`.
bool ConsumeDigits(std::string_view& text, size_t count) {
  if (text.size() < count) return false;
  for (size_t i = 0; i < count; ++i) {
    if (!IsDigit(text[i])) return false;
  }
  text.remove_prefix(count);
  return true;
}

bool ConsumeChar(std::string_view& text, char c) {
  if (text.empty() || text.front() != c) return false;
  text.remove_prefix(1);
  return true;
}

}  // namespace

bool IsValidTableName(std::string_view table) {
  if (table.empty() || table.front() == '.' || table.back() == '.') return false;
  char previous = '\0';
  for (char c : table) {
    if (c == '.' ? previous == '.' : !IsNameChar(c)) return false;
    previous = c;
  }
  return true;
}

std::string FormatStem(std::string_view table, const FileStamp& stamp) {
  using std::chrono::days;
  using std::chrono::floor;
  const auto day = floor<days>(stamp.time);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time_of_day{stamp.time - day};
  char suffix[48];
  std::snprintf(suffix, sizeof(suffix), "-%04d%02u%02uT%02d%02d%02d%03dZ-%06d",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(time_of_day.hours().count()),
                static_cast<int>(time_of_day.minutes().count()),
                static_cast<int>(time_of_day.seconds().count()),
                static_cast<int>(time_of_day.subseconds().count()), static_cast<int>(stamp.seq));
  std::string stem(table);
  stem += suffix;
  return stem;
}

bool IsTableFileName(std::string_view table, std::string_view file_name,
                     std::string_view extension) {
  if (file_name.size() <= table.size() || file_name.substr(0, table.size()) != table) return false;
  std::string_view rest = file_name.substr(table.size());
  return ConsumeChar(rest, '-') && ConsumeDigits(rest, 8) && ConsumeChar(rest, 'T') &&
         ConsumeDigits(rest, 9) && ConsumeChar(rest, 'Z') && ConsumeChar(rest, '-') &&
         ConsumeDigits(rest, 6) && ConsumeChar(rest, '.') && rest == extension;
}

std::vector<std::string> OldestBeyond(std::vector<std::string> names, int64_t keep) {
  std::sort(names.begin(), names.end());
  const auto excess = static_cast<int64_t>(names.size()) - std::max<int64_t>(keep, 0);
  if (excess <= 0) return {};
  names.resize(static_cast<size_t>(excess));
  return names;
}

FileStamp StampSequence::Next(Millis now) {
  if (now > last_.time) {
    last_ = {now, 1};
  } else if (last_.seq < kMaxFileSeq) {
    ++last_.seq;
  } else {
    last_ = {last_.time + std::chrono::milliseconds(1), 1};
  }
  return last_;
}

}  // namespace arrow_zerobus::debug
