// What observability costs a send: ZerobusWrapper throughput and send_batch latency with
// telemetry off, on with the OTLP exporter posting to a loopback collector that is up, down
// (connections refused) or hanging (answers after 2 s), and on in pull mode. Every variant has
// its own wrapper and table on one in-process light emulator; the variants take turns in each
// round so that drift on a shared machine spreads over all of them, and each variant's median
// round is reported, with the median over rounds of its throughput relative to "off" in the
// same round (a paired comparison, so drift between rounds cancels out).
//
//   telemetry_benchmark [--batch-rows 1000,10000] [--total-rows N] [--rounds N]
//
// Each result is also printed as a `RESULT {json}` line.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "arrow_zerobus/wrapper.h"
#include "bench_data.h"
#include "bench_target.h"
#include "bench_util.h"
#include "telemetry/telemetry.h"
#include "wrapper/batch_telemetry.h"

namespace {

using arrow_zerobus::BatchFuture;
using arrow_zerobus::TransmissionResult;
using arrow_zerobus::WrapperConfiguration;
using arrow_zerobus::ZerobusWrapper;
using arrow_zerobus::bench::ParseList;
using arrow_zerobus::bench::Percentile;
using Clock = std::chrono::steady_clock;

constexpr size_t kPipelineWindow = 8;

/// An OTLP/HTTP collector on loopback that answers every post after `delay`.
class Collector {
 public:
  explicit Collector(std::chrono::milliseconds delay) : delay_(delay) {
    auto handler = [this](const httplib::Request&, httplib::Response& response) {
      if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
      response.set_content("{}", "application/json");
    };
    server_.Post("/v1/metrics", handler);
    server_.Post("/v1/traces", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Collector() {
    server_.stop();
    thread_.join();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  std::chrono::milliseconds delay_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

/// A loopback URL whose port refuses connections.
std::string RefusingEndpoint() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  (void)::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  (void)::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port));
}

struct Variant {
  std::string name;
  std::unique_ptr<ZerobusWrapper> wrapper;
};

struct Round {
  double rows_per_second = 0;
  std::vector<double> latencies_ms;
};

Round RunOnce(ZerobusWrapper& wrapper, const std::shared_ptr<arrow::RecordBatch>& batch,
              int64_t batches, bool pipelined) {
  Round round;
  std::deque<BatchFuture> window;
  auto settle = [&](const TransmissionResult& result) {
    if (!result.success || result.failed_count != 0) {
      std::cerr << "send failed: " << result.Summary() << "\n";
      std::exit(1);
    }
    round.latencies_ms.push_back(result.latency_ms);
  };
  const auto start = Clock::now();
  for (int64_t i = 0; i < batches; ++i) {
    if (!pipelined) {
      settle(wrapper.send_batch(batch));
      continue;
    }
    window.push_back(wrapper.send_batch_async(batch));
    if (window.size() >= kPipelineWindow) {
      settle(window.front().get());
      window.pop_front();
    }
  }
  for (; !window.empty(); window.pop_front()) settle(window.front().get());
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  round.rows_per_second = static_cast<double>(batches * batch->num_rows()) / seconds;
  return round;
}

double Median(std::vector<double> values) { return Percentile(std::move(values), 0.5); }

struct TelemetryCost {
  double record_ns = 0;  ///< on the send path: stamping, metrics, the span tree
  double export_ns = 0;  ///< on the exporter thread: OTLP/JSON of those spans and metrics
};

/// Nanoseconds telemetry adds per batch, measured without any network: stamping the batch,
/// recording its metrics and span tree on completion (the stream's part for one request with
/// its ack included), and, separately, the exporter's share of encoding those spans and the
/// metrics as OTLP/JSON (collected once per 1,000 batches).
TelemetryCost TelemetryNanosPerBatch(int64_t rows) {
  namespace telemetry = arrow_zerobus::telemetry;
  namespace internal = arrow_zerobus::internal;
  telemetry::TelemetrySettings settings;
  settings.enabled = true;
  settings.pull = true;
  settings.max_queued_spans = 10000;  // a collection every 1,000 batches takes them all
  auto sink = telemetry::Telemetry::Create(settings, "main.bench.cost");
  auto batch = arrow_zerobus::bench::MakeOrdersBatch(rows);
  TransmissionResult result;
  result.success = true;
  result.total_rows = result.successful_count = rows;
  result.requests_sent = 1;
  result.attempts = 1;
  result.stream_ids = {"stream-1"};
  constexpr int kBatches = 100000;
  TelemetryCost cost;
  for (int i = 0; i < kBatches; ++i) {
    auto state = std::make_shared<internal::BatchState>(rows, nullptr, nullptr);
    internal::BatchJob job(i, batch, state);
    const auto start = Clock::now();
    internal::BeginBatchTelemetry(job, {});
    job.times.prepare_start = job.times.planned = job.times.encoded = telemetry::UnixNanosNow();
    job.times.transmit_start = job.times.transmit_end = telemetry::UnixNanosNow();
    sink->instruments().RequestQueued(40 * rows);
    sink->instruments().RequestWritten(false);
    const double ack_seconds = 0.001;
    sink->instruments().RequestResolved(40 * rows, &ack_seconds);
    internal::RecordBatchTelemetry(*sink, job, result, telemetry::UnixNanosNow());
    cost.record_ns += std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    if (i % 1000 == 999) {
      const auto export_start = Clock::now();
      const auto data = sink->Collect();
      (void)telemetry::EncodeTraceRequest(data.spans, {});
      (void)telemetry::EncodeMetricsRequest(data.metrics, {}, 0, 1);
      cost.export_ns +=
          std::chrono::duration<double, std::nano>(Clock::now() - export_start).count();
    }
  }
  cost.record_ns /= kBatches;
  cost.export_ns /= kBatches;
  return cost;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int64_t> batch_rows = {1000, 10000};
  int64_t total_rows = 2000000;
  int rounds = 7;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--batch-rows") {
      batch_rows = ParseList(argv[i + 1]);
    } else if (flag == "--total-rows") {
      total_rows = std::stoll(argv[i + 1]);
    } else if (flag == "--rounds") {
      rounds = std::stoi(argv[i + 1]);
    } else {
      std::cerr << "telemetry_benchmark: unknown flag " << flag << "\n";
      return 2;
    }
  }

  auto target = arrow_zerobus::bench::ConnectOrStartLightEmulator("", "");
  if (!target.ok()) {
    std::cerr << target.status() << "\n";
    return 1;
  }
  Collector up(std::chrono::milliseconds(0));
  Collector hanging(std::chrono::milliseconds(2000));

  auto config_for = [&](const std::string& table) {
    WrapperConfiguration config = target->ConfigFor(table);
    config.observability_export_interval_ms = 1000;
    config.observability_export_timeout_ms = 5000;
    return config;
  };
  std::vector<Variant> variants;
  auto add = [&](const std::string& name, WrapperConfiguration config) {
    auto wrapper = ZerobusWrapper::Create(std::move(config));
    if (!wrapper.ok()) {
      std::cerr << name << ": " << wrapper.status() << "\n";
      std::exit(1);
    }
    variants.push_back({name, std::move(wrapper).value()});
  };
  add("off", config_for("main.bench.off"));
  add("otlp, collector up", config_for("main.bench.up").with_observability(up.endpoint()));
  add("otlp, collector down", config_for("main.bench.down").with_observability(RefusingEndpoint()));
  add("otlp, collector hangs 2 s",
      config_for("main.bench.hangs").with_observability(hanging.endpoint()));
  WrapperConfiguration pull = config_for("main.bench.pull");
  pull.observability_enabled = true;
  pull.observability_exporter = "none";
  add("pull (collect_telemetry)", pull);

  std::printf(
      "| rows per batch | mode | telemetry | rows/s | vs off | p50 ms | p95 ms | p99 ms |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (int64_t rows : batch_rows) {
    auto batch = arrow_zerobus::bench::MakeOrdersBatch(rows);
    const int64_t batches = std::max<int64_t>(1, total_rows / rows);
    for (Variant& variant : variants) (void)variant.wrapper->send_batch(batch);  // warm up
    for (bool pipelined : {false, true}) {
      std::map<std::string, std::vector<Round>> results;
      // Each round starts with a different variant, so no variant always runs first or last.
      for (int r = 0; r < rounds; ++r) {
        for (size_t v = 0; v < variants.size(); ++v) {
          Variant& variant = variants[(v + r) % variants.size()];
          results[variant.name].push_back(RunOnce(*variant.wrapper, batch, batches, pipelined));
        }
      }
      auto median_rate = [&](const std::string& name) {
        std::vector<double> rates;
        for (const Round& round : results[name]) rates.push_back(round.rows_per_second);
        return Median(rates);
      };
      // Paired: each round's rate against "off" in the same round, then the median of those.
      auto median_ratio = [&](const std::string& name) {
        std::vector<double> ratios;
        for (int r = 0; r < rounds; ++r) {
          ratios.push_back(results[name][r].rows_per_second / results["off"][r].rows_per_second);
        }
        return Median(ratios);
      };
      for (Variant& variant : variants) {
        std::vector<double> latencies;
        for (const Round& round : results[variant.name]) {
          latencies.insert(latencies.end(), round.latencies_ms.begin(), round.latencies_ms.end());
        }
        const double rate = median_rate(variant.name);
        const double versus_off = 100.0 * (median_ratio(variant.name) - 1.0);
        const char* mode = pipelined ? "async, 8 in flight" : "send_batch";
        std::printf("| %lld | %s | %s | %.0f | %+.1f%% | %.2f | %.2f | %.2f |\n",
                    static_cast<long long>(rows), mode, variant.name.c_str(), rate, versus_off,
                    Percentile(latencies, 0.50), Percentile(latencies, 0.95),
                    Percentile(latencies, 0.99));
        std::printf(
            "RESULT {\"batch_rows\": %lld, \"pipelined\": %s, \"telemetry\": \"%s\", "
            "\"rows_per_s\": %.0f, \"vs_off_pct\": %.2f, \"p50_ms\": %.3f, \"p95_ms\": %.3f, "
            "\"p99_ms\": %.3f}\n",
            static_cast<long long>(rows), pipelined ? "true" : "false", variant.name.c_str(), rate,
            versus_off, Percentile(latencies, 0.50), Percentile(latencies, 0.95),
            Percentile(latencies, 0.99));
        std::fflush(stdout);
      }
    }
  }
  for (Variant& variant : variants) (void)variant.wrapper->shutdown();

  std::printf(
      "\n| rows per batch | recording, send path (ns/batch) | OTLP/JSON encoding, exporter thread "
      "(ns/batch) |\n|---|---|---|\n");
  for (int64_t rows : batch_rows) {
    const TelemetryCost cost = TelemetryNanosPerBatch(rows);
    std::printf("| %lld | %.0f | %.0f |\n", static_cast<long long>(rows), cost.record_ns,
                cost.export_ns);
    std::printf(
        "RESULT {\"batch_rows\": %lld, \"record_ns_per_batch\": %.0f, "
        "\"export_ns_per_batch\": %.0f}\n",
        static_cast<long long>(rows), cost.record_ns, cost.export_ns);
  }
  return 0;
}
