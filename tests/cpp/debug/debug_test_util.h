// Helpers shared by the debug-file tests: a fresh temporary directory, directory listings,
// polling with a deadline, and small order batches.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <arrow/builder.h>
#include <arrow/record_batch.h>
#include <gtest/gtest.h>

namespace arrow_zerobus::debug::testing {

namespace fs = std::filesystem;

/// A new empty directory, removed with everything in it at destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    const uint64_t id = (static_cast<uint64_t>(random()) << 32) | random();
    path_ = fs::temp_directory_path() / ("arrow_zerobus_debug_" + std::to_string(id));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

/// The names of the entries of `dir`, sorted; empty when it does not exist.
inline std::vector<std::string> ListNames(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

/// Polls `condition` until it holds or `timeout` passes; returns its last value.
inline bool WaitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

inline std::string ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Whether an Arrow IPC stream file ends with the end-of-stream marker.
inline bool EndsWithEndOfStream(const fs::path& path) {
  static const std::string kMarker("\xff\xff\xff\xff\0\0\0\0", 8);
  const std::string bytes = ReadBytes(path);
  return bytes.size() >= kMarker.size() && bytes.substr(bytes.size() - kMarker.size()) == kMarker;
}

/// Rows id = first_id .. first_id + rows - 1, name = "n<id>", amount = id / 2.
inline std::shared_ptr<arrow::RecordBatch> MakeOrders(int64_t first_id, int64_t rows) {
  arrow::Int64Builder ids;
  arrow::StringBuilder names;
  arrow::DoubleBuilder amounts;
  for (int64_t id = first_id; id < first_id + rows; ++id) {
    EXPECT_TRUE(ids.Append(id).ok());
    EXPECT_TRUE(names.Append("n" + std::to_string(id)).ok());
    EXPECT_TRUE(amounts.Append(static_cast<double>(id) / 2).ok());
  }
  auto schema = arrow::schema({arrow::field("id", arrow::int64(), /*nullable=*/false),
                               arrow::field("name", arrow::utf8()),
                               arrow::field("amount", arrow::float64())});
  return arrow::RecordBatch::Make(
      schema, rows,
      {ids.Finish().ValueOrDie(), names.Finish().ValueOrDie(), amounts.Finish().ValueOrDie()});
}

}  // namespace arrow_zerobus::debug::testing
