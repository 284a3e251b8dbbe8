// Names of debug files: `<table>-<UTC yyyymmdd>T<hhmmssmmm>Z-<6-digit seq>.<ext>`, which sort by
// name in creation order, and the choice of the files retention removes.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace arrow_zerobus::debug {

using Millis = std::chrono::sys_time<std::chrono::milliseconds>;

/// The time and sequence number that make a file name unique.
struct FileStamp {
  Millis time{};
  int32_t seq = 0;
};

constexpr int32_t kMaxFileSeq = 999999;

/// catalog.schema.table: dot-separated non-empty parts of ASCII letters, digits and '_'.
bool IsValidTableName(std::string_view table);

/// "<table>-20261126T014500123Z-000001".
std::string FormatStem(std::string_view table, const FileStamp& stamp);

/// Whether `file_name` is exactly "<table>-<8 digits>T<9 digits>Z-<6 digits>.<extension>".
bool IsTableFileName(std::string_view table, std::string_view file_name,
                     std::string_view extension);

/// The names retention removes: all but the `keep` newest (by name) of `names`, oldest first.
std::vector<std::string> OldestBeyond(std::vector<std::string> names, int64_t keep);

/// Hands out increasing stamps: the sequence restarts at 1 in each new millisecond, and a clock
/// that steps back does not make names go back. Not thread-safe.
class StampSequence {
 public:
  FileStamp Next(Millis now);

 private:
  FileStamp last_{};
};

}  // namespace arrow_zerobus::debug
