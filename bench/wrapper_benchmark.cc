// Throughput and latency of ZerobusWrapper::send_batch against an emulator: rows per second for
// batches of several sizes, sent one at a time (send_batch) and pipelined (send_batch_async with
// a window of 8), with p50/p95/p99 of one send_batch. The same data and loop as
// bench/python_wrapper_benchmark.py, so both can run against one `zerobus-emulator --light`.
//
//   wrapper_benchmark [--endpoint URL --workspace-url URL] [--batch-rows 1000,10000,100000]
//                     [--total-rows N] [--runs N]
//
// Without --endpoint an in-process light emulator is started. Each result is also printed as a
// `RESULT {json}` line for scripts/bench_wrapper.sh.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <arrow/api.h>

#include "arrow_zerobus/wrapper.h"
#include "bench_data.h"
#include "bench_target.h"
#include "bench_util.h"

namespace {

using arrow_zerobus::BatchFuture;
using arrow_zerobus::TransmissionResult;
using arrow_zerobus::WrapperConfiguration;
using arrow_zerobus::ZerobusWrapper;
using arrow_zerobus::bench::ParseList;
using arrow_zerobus::bench::Percentile;
using Clock = std::chrono::steady_clock;

constexpr char kTable[] = "main.bench.orders";
constexpr size_t kPipelineWindow = 8;

struct Measurement {
  double rows_per_second = 0;
  double megabytes_per_second = 0;
  std::vector<double> latencies_ms;
};

Measurement Run(ZerobusWrapper& wrapper, const std::shared_ptr<arrow::RecordBatch>& batch,
                int64_t batches, bool pipelined) {
  Measurement m;
  int64_t bytes = 0;
  const auto start = Clock::now();
  if (!pipelined) {
    for (int64_t i = 0; i < batches; ++i) {
      TransmissionResult result = wrapper.send_batch(batch);
      if (!result.success || result.failed_count != 0) {
        std::cerr << "send failed: " << result.Summary() << "\n";
        std::exit(1);
      }
      bytes += result.encoded_bytes;
      m.latencies_ms.push_back(result.latency_ms);
    }
  } else {
    std::deque<BatchFuture> window;
    auto drain_one = [&] {
      const TransmissionResult& result = window.front().get();
      if (!result.success || result.failed_count != 0) {
        std::cerr << "send failed: " << result.Summary() << "\n";
        std::exit(1);
      }
      bytes += result.encoded_bytes;
      m.latencies_ms.push_back(result.latency_ms);
      window.pop_front();
    };
    for (int64_t i = 0; i < batches; ++i) {
      window.push_back(wrapper.send_batch_async(batch));
      if (window.size() >= kPipelineWindow) drain_one();
    }
    while (!window.empty()) drain_one();
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  m.rows_per_second = static_cast<double>(batches * batch->num_rows()) / seconds;
  m.megabytes_per_second = static_cast<double>(bytes) / 1e6 / seconds;
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  std::string endpoint, workspace_url;
  std::vector<int64_t> batch_rows = {1000, 10000, 100000};
  int64_t total_rows = 2000000;
  int runs = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const std::string value = i + 1 < argc ? argv[i + 1] : "";
    if (flag == "--endpoint")
      endpoint = value;
    else if (flag == "--workspace-url")
      workspace_url = value;
    else if (flag == "--batch-rows")
      batch_rows = ParseList(value);
    else if (flag == "--total-rows")
      total_rows = std::stoll(value);
    else if (flag == "--runs")
      runs = std::stoi(value);
    else {
      std::cerr << "wrapper_benchmark: unknown flag " << flag << "\n";
      return 2;
    }
    ++i;
  }

  auto target = arrow_zerobus::bench::ConnectOrStartLightEmulator(endpoint, workspace_url);
  if (!target.ok()) {
    std::cerr << target.status() << "\n";
    return 1;
  }
  auto wrapper = ZerobusWrapper::Create(target->ConfigFor(kTable));
  if (!wrapper.ok()) {
    std::cerr << wrapper.status() << "\n";
    return 1;
  }

  std::printf("| rows per batch | mode | rows/s | MB/s | p50 ms | p95 ms | p99 ms |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (int64_t rows : batch_rows) {
    auto batch = arrow_zerobus::bench::MakeOrdersBatch(rows);
    const int64_t batches = std::max<int64_t>(1, total_rows / rows);
    (void)(*wrapper)->send_batch(batch);  // opens the stream and warms the caches
    for (bool pipelined : {false, true}) {
      std::vector<Measurement> all;
      for (int r = 0; r < runs; ++r) all.push_back(Run(**wrapper, batch, batches, pipelined));
      std::sort(all.begin(), all.end(), [](const Measurement& a, const Measurement& b) {
        return a.rows_per_second < b.rows_per_second;
      });
      const Measurement& median = all[all.size() / 2];
      const char* mode = pipelined ? "async, 8 in flight" : "send_batch";
      std::printf("| %lld | %s | %.0f | %.1f | %.2f | %.2f | %.2f |\n",
                  static_cast<long long>(rows), mode, median.rows_per_second,
                  median.megabytes_per_second, Percentile(median.latencies_ms, 0.50),
                  Percentile(median.latencies_ms, 0.95), Percentile(median.latencies_ms, 0.99));
      std::printf(
          "RESULT {\"client\": \"cpp\", \"batch_rows\": %lld, \"pipelined\": %s, \"rows_per_s\": "
          "%.0f, \"p50_ms\": %.3f, \"p95_ms\": %.3f, \"p99_ms\": %.3f}\n",
          static_cast<long long>(rows), pipelined ? "true" : "false", median.rows_per_second,
          Percentile(median.latencies_ms, 0.50), Percentile(median.latencies_ms, 0.95),
          Percentile(median.latencies_ms, 0.99));
      std::fflush(stdout);
    }
  }
  return (*wrapper)->shutdown().ok() ? 0 : 1;
}
