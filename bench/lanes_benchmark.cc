// Lanes: rows per second of one ZerobusWrapper with 1, 2, 4, ... streams per table (stream_count),
// in both wire formats, against one emulator. With a per-stream quota on the emulator
// (`zerobus-emulator --light --stream-records-per-second Q`, as scripts/bench_lanes.sh starts it)
// the table shows how far N streams carry past one stream's quota (target: >= 0.9 x N x Q until
// the client's CPU is the limit); without a quota, that N streams cost nothing against one.
// Every run sends its batches with send_batch_async and waits for all of them; every row must
// land. Each result is also printed as a `RESULT {json}` line.
//
//   lanes_benchmark [--endpoint URL --workspace-url URL] [--streams 1,2,4,8,16,32]
//                   [--formats protobuf,arrow] [--quota Q] [--seconds S] [--rows N]
//                   [--batch-rows N] [--runs N]
//
// --quota is the emulator's per-stream records/s (0: none); with it each run sends about S
// seconds of N x Q rows, without it --rows rows.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "arrow_zerobus/wrapper.h"
#include "bench_data.h"
#include "bench_target.h"
#include "bench_util.h"

namespace {

using arrow_zerobus::BatchFuture;
using arrow_zerobus::WrapperConfiguration;
using arrow_zerobus::ZerobusWrapper;
using arrow_zerobus::bench::ParseList;
using arrow_zerobus::bench::ParseNames;
using arrow_zerobus::bench::ProcessCpuSeconds;
using Clock = std::chrono::steady_clock;

struct Settings {
  std::string endpoint, workspace_url;
  std::vector<int64_t> streams = {1, 2, 4, 8, 16, 32};
  std::vector<std::string> formats = {"protobuf", "arrow"};
  int64_t quota = 0;
  double seconds = 3;
  int64_t rows = 2000000;
  int64_t batch_rows = 5000;
  int runs = 1;
};

struct Run {
  int64_t rows = 0;
  double seconds = 0;
  double cpu_us_per_row = 0;
  double rows_per_second() const { return static_cast<double>(rows) / seconds; }
};

/// Sends `batches` copies of `batch` through `wrapper` at once and waits for every result.
Run SendAll(ZerobusWrapper& wrapper, const std::shared_ptr<arrow::RecordBatch>& batch,
            int64_t batches) {
  std::vector<BatchFuture> futures;
  futures.reserve(static_cast<size_t>(batches));
  const double cpu_start = ProcessCpuSeconds();
  const auto start = Clock::now();
  for (int64_t i = 0; i < batches; ++i) futures.push_back(wrapper.send_batch_async(batch));
  Run run;
  for (BatchFuture& future : futures) {
    const arrow_zerobus::TransmissionResult& result = future.get();
    if (!result.success || result.failed_count != 0) {
      std::cerr << "lanes_benchmark: a batch failed: " << result.Summary() << "\n";
      std::exit(1);
    }
    run.rows += result.successful_count;
  }
  run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  run.cpu_us_per_row = (ProcessCpuSeconds() - cpu_start) * 1e6 / static_cast<double>(run.rows);
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--endpoint") {
      settings.endpoint = value;
    } else if (flag == "--workspace-url") {
      settings.workspace_url = value;
    } else if (flag == "--streams") {
      settings.streams = ParseList(value);
    } else if (flag == "--formats") {
      settings.formats = ParseNames(value);
    } else if (flag == "--quota") {
      settings.quota = std::stoll(value);
    } else if (flag == "--seconds") {
      settings.seconds = std::stod(value);
    } else if (flag == "--rows") {
      settings.rows = std::stoll(value);
    } else if (flag == "--batch-rows") {
      settings.batch_rows = std::stoll(value);
    } else if (flag == "--runs") {
      settings.runs = std::stoi(value);
    } else {
      std::cerr << "lanes_benchmark: unknown flag " << flag << "\n";
      return 2;
    }
  }
  auto target =
      arrow_zerobus::bench::ConnectOrStartLightEmulator(settings.endpoint, settings.workspace_url);
  if (!target.ok()) {
    std::cerr << target.status() << "\n";
    return 1;
  }
  if (target->local) std::printf("(in-process emulator: CPU per row includes the server's)\n");
  const auto batch = arrow_zerobus::bench::MakeOrdersBatch(settings.batch_rows);

  if (settings.quota > 0) {
    std::printf(
        "| format | streams | rows | rows/s | x one stream | / (N x quota) | CPU us/row |\n");
  } else {
    std::printf("| format | streams | rows | rows/s | x one stream | CPU us/row |\n");
  }
  std::printf(settings.quota > 0 ? "|---|---|---|---|---|---|---|\n"
                                 : "|---|---|---|---|---|---|\n");
  int table = 0;
  for (const std::string& format : settings.formats) {
    double one_stream = 0;
    for (int64_t streams : settings.streams) {
      WrapperConfiguration config =
          target->ConfigFor("main.bench.lanes_" + std::to_string(++table));
      config.with_wire_format(*arrow_zerobus::ParseWireFormat(format));
      config.with_stream_count(static_cast<int>(streams));
      auto wrapper = ZerobusWrapper::Create(config);
      if (!wrapper.ok()) {
        std::cerr << "lanes_benchmark: " << wrapper.status() << "\n";
        return 1;
      }
      // Opens the streams before the clock starts.
      (void)(*wrapper)->send_batch(batch->Slice(0, 1));
      const int64_t rows = settings.quota > 0
                               ? static_cast<int64_t>(settings.seconds *
                                                      static_cast<double>(streams * settings.quota))
                               : settings.rows;
      const int64_t batches = std::max<int64_t>(1, rows / settings.batch_rows);
      std::vector<Run> runs;
      for (int r = 0; r < settings.runs; ++r) runs.push_back(SendAll(**wrapper, batch, batches));
      (void)(*wrapper)->shutdown();
      std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) {
        return a.rows_per_second() < b.rows_per_second();
      });
      const Run& median = runs[runs.size() / 2];
      const double rate = median.rows_per_second();
      if (streams == settings.streams.front()) one_stream = rate / static_cast<double>(streams);
      const double versus_one = rate / one_stream;
      if (settings.quota > 0) {
        const double of_quota = rate / static_cast<double>(streams * settings.quota);
        std::printf("| %s | %lld | %lld | %.0f | %.2f | %.2f | %.3f |\n", format.c_str(),
                    static_cast<long long>(streams), static_cast<long long>(median.rows), rate,
                    versus_one, of_quota, median.cpu_us_per_row);
      } else {
        std::printf("| %s | %lld | %lld | %.0f | %.2f | %.3f |\n", format.c_str(),
                    static_cast<long long>(streams), static_cast<long long>(median.rows), rate,
                    versus_one, median.cpu_us_per_row);
      }
      std::printf(
          "RESULT {\"format\": \"%s\", \"streams\": %lld, \"quota\": %lld, \"rows\": %lld, "
          "\"rows_per_s\": %.0f, \"cpu_us_per_row\": %.4f}\n",
          format.c_str(), static_cast<long long>(streams), static_cast<long long>(settings.quota),
          static_cast<long long>(median.rows), rate, median.cpu_us_per_row);
      std::fflush(stdout);
    }
  }
  return 0;
}
