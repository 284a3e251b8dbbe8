// Small helpers the benchmark tools share: percentiles, comma-separated number lists and the
// process's CPU time.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace arrow_zerobus::bench {

/// The value at fraction `p` (0..1) of the sorted values; 0 for none.
inline double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * values.size()))];
}

/// "a,b" -> {"a", "b"}.
inline std::vector<std::string> ParseNames(const std::string& text) {
  std::vector<std::string> names;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) names.push_back(item);
  return names;
}

/// "1000,10000" -> {1000, 10000}.
inline std::vector<int64_t> ParseList(const std::string& text) {
  std::vector<int64_t> values;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) values.push_back(std::stoll(item));
  return values;
}

/// User plus system CPU seconds of this process so far.
inline double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace arrow_zerobus::bench
