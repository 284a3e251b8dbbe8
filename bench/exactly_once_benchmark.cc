// The cost of exactly-once delivery against at-least-once (issue 21, section 4): the same orders
// (bench/bench_data.h, already in the canonical types) sent with ZerobusWrapper::send_table in the
// Protobuf format to one emulator, with and without connections cut every --cut-every requests.
// The emulator runs in a child process (bench/forked_emulator.h), so this process's CPU time is the
// client's alone. Per round: rows/s, client CPU ns per row, the emulator's CPU ns per row and rows
// landed twice (the emulator's count of landed records minus the rows sent). Rounds take turns
// across the four runs; the summary gives the median and p95 of rows/s and the median CPU.
//
// The emulator decodes every record by default, reading both RPCs' requests with protobuf's
// generated classes, so that the server costs the two deliveries alike. With --light it checks
// without decoding, and reads EphemeralStream requests with the client's hand-written codec but
// PersistentStream requests with the generated classes: the server's share then favours at least
// once.
//
//   exactly_once_benchmark [--rows N] [--batch-rows N] [--rounds N] [--cut-every N] [--light]
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <arrow/table.h>

#include "arrow_zerobus/wrapper.h"
#include "bench_data.h"
#include "bench_target.h"
#include "bench_util.h"
#include "emulator.h"
#include "forked_emulator.h"

namespace {

using namespace arrow_zerobus;  // NOLINT(build/namespaces): a program, not a library
using Clock = std::chrono::steady_clock;

struct Settings {
  int64_t rows = 2000000;
  int64_t batch_rows = 20000;
  int rounds = 5;
  int64_t cut_every = 10;
  bool light = false;
};

struct Run {
  std::string delivery;
  bool cuts = false;
  std::string table;
  std::vector<double> rows_per_second;
  std::vector<double> cpu_ns_per_row;
  std::vector<double> server_cpu_ns_per_row;
  int64_t landed_twice = 0;
  int64_t resumes = 0;
  int64_t requests_replayed = 0;
};

[[noreturn]] void Fail(const std::string& what) {
  std::cerr << "exactly_once_benchmark: " << what << "\n";
  std::exit(1);
}

int64_t Flag(int argc, char** argv, int& i) {
  if (i + 1 >= argc) Fail(std::string(argv[i]) + " needs a value");
  return std::stoll(argv[++i]);
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--rows") {
      settings.rows = Flag(argc, argv, i);
    } else if (flag == "--batch-rows") {
      settings.batch_rows = Flag(argc, argv, i);
    } else if (flag == "--rounds") {
      settings.rounds = static_cast<int>(Flag(argc, argv, i));
    } else if (flag == "--cut-every") {
      settings.cut_every = Flag(argc, argv, i);
    } else if (flag == "--light") {
      settings.light = true;
    } else {
      Fail("unknown flag " + flag);
    }
  }
  if (settings.rows < 1 || settings.batch_rows < 1 || settings.rounds < 1 ||
      settings.cut_every < 1) {
    Fail("--rows, --batch-rows, --rounds and --cut-every must be at least 1");
  }
  // The runs and their tables first: the emulator is forked before anything starts a thread.
  std::vector<Run> runs;
  std::map<std::string, emulator::FaultScript> faults;
  for (const char* delivery : {"at_least_once", "exactly_once"}) {
    for (bool cuts : {false, true}) {
      Run run;
      run.delivery = delivery;
      run.cuts = cuts;
      run.table = std::string("main.bench.") + delivery + (cuts ? "_cuts" : "");
      if (cuts) faults[run.table].kill_every_requests = settings.cut_every;
      runs.push_back(std::move(run));
    }
  }
  emulator::EmulatorOptions options;
  options.light = settings.light;
  auto emu = bench::ForkedEmulator::Start(options, faults);
  if (!emu.ok()) Fail(emu.status().ToString());
  bench::BenchTarget target;
  target.endpoint = emu->endpoint();
  target.workspace_url = emu->workspace_url();
  auto landed_in = [&emu](const std::string& table) {
    auto landed = emu->LandedRecords(table);
    if (!landed.ok()) Fail(landed.status().ToString());
    return *landed;
  };
  auto server_cpu = [&emu] {
    auto cpu = emu->CpuSeconds();
    if (!cpu.ok()) Fail(cpu.status().ToString());
    return *cpu;
  };

  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  for (int64_t first = 0; first < settings.rows; first += settings.batch_rows) {
    batches.push_back(bench::MakeCanonicalOrdersBatch(
        std::min(settings.batch_rows, settings.rows - first), first));
  }
  auto table = arrow::Table::FromRecordBatches(batches);
  if (!table.ok()) Fail(table.status().ToString());
  std::printf(
      "%lld rows in batches of %lld (one request each), %d rounds; cuts: every %lld "
      "requests; emulator in a child process%s\n",
      static_cast<long long>(settings.rows), static_cast<long long>(settings.batch_rows),
      settings.rounds, static_cast<long long>(settings.cut_every),
      settings.light ? ", light" : ", decoding every record");
  for (int round = 0; round <= settings.rounds; ++round) {  // round 0: warm-up, not counted
    for (Run& run : runs) {
      WrapperConfiguration config = target.ConfigFor(run.table);
      config.delivery = run.delivery;
      config.retry_base_delay_ms = 1;
      config.retry_max_delay_ms = 10;
      auto wrapper = ZerobusWrapper::Create(config);
      if (!wrapper.ok()) Fail(wrapper.status().ToString());
      const int64_t landed_before = landed_in(run.table);
      const double server_cpu_start = server_cpu();
      const double cpu_start = bench::ProcessCpuSeconds();
      const auto start = Clock::now();
      const TransmissionResult result = (*wrapper)->send_table(*table);
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      const double cpu = bench::ProcessCpuSeconds() - cpu_start;
      const double server_cpu_used = server_cpu() - server_cpu_start;
      if (!result.all_rows_landed()) Fail(run.table + ": " + result.Summary());
      const WrapperStats stats = (*wrapper)->stats();
      if (Status shut = (*wrapper)->shutdown(); !shut.ok()) Fail(shut.ToString());
      const int64_t landed = landed_in(run.table) - landed_before;
      if (run.delivery == "exactly_once" && landed != settings.rows) {
        Fail(run.table + ": exactly once landed " + std::to_string(landed) + " records for " +
             std::to_string(settings.rows) + " rows");
      }
      if (round == 0) continue;
      run.rows_per_second.push_back(settings.rows / seconds);
      run.cpu_ns_per_row.push_back(cpu * 1e9 / settings.rows);
      run.server_cpu_ns_per_row.push_back(server_cpu_used * 1e9 / settings.rows);
      run.landed_twice += landed - settings.rows;
      run.requests_replayed += result.requests_replayed;
      for (const StreamLaneStats& lane : stats.streams) run.resumes += lane.resumes;
      std::printf(
          "RESULT {\"delivery\": \"%s\", \"cuts\": %s, \"round\": %d, \"rows_per_second\": "
          "%.0f, \"client_cpu_ns_per_row\": %.1f, \"server_cpu_ns_per_row\": %.1f, "
          "\"landed_twice\": %lld}\n",
          run.delivery.c_str(), run.cuts ? "true" : "false", round, settings.rows / seconds,
          cpu * 1e9 / settings.rows, server_cpu_used * 1e9 / settings.rows,
          static_cast<long long>(landed - settings.rows));
    }
  }
  std::printf(
      "\n| delivery | cuts | rows/s median | rows/s p95 | client CPU ns/row median | "
      "emulator CPU ns/row median | requests replayed | resumes | rows landed twice |\n"
      "|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const Run& run : runs) {
    std::printf("| %s | %s | %.2f M | %.2f M | %.1f | %.1f | %lld | %lld | %lld |\n",
                run.delivery.c_str(), run.cuts ? "yes" : "no",
                bench::Percentile(run.rows_per_second, 0.5) / 1e6,
                bench::Percentile(run.rows_per_second, 0.95) / 1e6,
                bench::Percentile(run.cpu_ns_per_row, 0.5),
                bench::Percentile(run.server_cpu_ns_per_row, 0.5),
                static_cast<long long>(run.requests_replayed), static_cast<long long>(run.resumes),
                static_cast<long long>(run.landed_twice));
  }
  return 0;
}
