// The two wire formats on the same data in the same run: ZerobusWrapper with wire_format
// protobuf (rows encoded as Protobuf records on the Zerobus stream) against wire_format arrow
// (batches cast to the canonical Arrow types and sent as Arrow IPC over Flight DoPut), the latter
// also with ZSTD IPC compression. For each
// batch size: rows per second, bytes on the wire per row (Protobuf records, or the Arrow IPC
// IPC messages as the stream encodes them), the client's CPU time per row, and send_batch latency
// p50/p95/p99. The formats take turns in each round; each one's median round is reported.
//
//   format_benchmark [--endpoint URL --workspace-url URL] [--batch-rows 25000,250000]
//                    [--batches N] [--rounds N]
//
// With --endpoint (a separate `zerobus-emulator --light`, as scripts/bench_formats.sh starts),
// the process CPU time is the client's alone; without it an in-process emulator is started and
// its CPU time is included. Each result is also printed as a `RESULT {json}` line.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "arrow_zerobus/wrapper.h"
#include "bench_data.h"
#include "bench_target.h"
#include "bench_util.h"
#include "encode/canonical_cast.h"
#include "flight/ipc_payloads.h"

namespace {

using arrow_zerobus::TransmissionResult;
using arrow_zerobus::WrapperConfiguration;
using arrow_zerobus::ZerobusWrapper;
using arrow_zerobus::bench::ParseList;
using arrow_zerobus::bench::Percentile;
using arrow_zerobus::bench::ProcessCpuSeconds;
using Clock = std::chrono::steady_clock;

struct Round {
  double rows_per_second = 0;
  double wire_bytes_per_row = 0;
  double cpu_us_per_row = 0;
  std::vector<double> latencies_ms;
};

Round RunOnce(ZerobusWrapper& wrapper, const std::shared_ptr<arrow::RecordBatch>& batch,
              int64_t batches) {
  Round round;
  int64_t wire_bytes = 0;
  const double cpu_start = ProcessCpuSeconds();
  const auto start = Clock::now();
  for (int64_t i = 0; i < batches; ++i) {
    TransmissionResult result = wrapper.send_batch(batch);
    if (!result.success || result.failed_count != 0) {
      std::cerr << "send failed: " << result.Summary() << "\n";
      std::exit(1);
    }
    wire_bytes += result.encoded_bytes;
    round.latencies_ms.push_back(result.latency_ms);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double rows = static_cast<double>(batches * batch->num_rows());
  round.rows_per_second = rows / seconds;
  round.wire_bytes_per_row = static_cast<double>(wire_bytes) / rows;
  round.cpu_us_per_row = (ProcessCpuSeconds() - cpu_start) * 1e6 / rows;
  return round;
}

/// Bytes per row on the wire in the Arrow format: the IPC messages (header and body) of `batch`
/// cast to the canonical schema and encoded as the stream does, with `compression`.
double ArrowWireBytesPerRow(const std::shared_ptr<arrow::RecordBatch>& batch,
                            const std::string& compression) {
  namespace flight = arrow_zerobus::flight;
  namespace encode = arrow_zerobus::encode;
  auto schema = encode::MakeCanonicalSchema(batch->schema()).value();
  auto cast = encode::CastToCanonical(schema, *batch).value();
  flight::IpcPayloadOptions options;
  if (compression == "zstd") options.compression = flight::IpcCompression::kZstd;
  if (compression == "lz4_frame") options.compression = flight::IpcCompression::kLz4Frame;
  auto encoder = flight::IpcPayloadEncoder::Make(schema.canonical, options).value();
  const std::vector<flight::IpcMessage> messages = encoder.EncodeBatch(*cast.batch).value();
  int64_t bytes = 0;
  for (const auto& message : messages) {
    bytes += message.wire_bytes();
  }
  return static_cast<double>(bytes) / static_cast<double>(batch->num_rows());
}

}  // namespace

int main(int argc, char** argv) {
  std::string endpoint, workspace_url;
  std::vector<int64_t> batch_rows = {25000, 250000};
  int64_t batches = 20;
  int rounds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--endpoint") {
      endpoint = value;
    } else if (flag == "--workspace-url") {
      workspace_url = value;
    } else if (flag == "--batch-rows") {
      batch_rows = ParseList(value);
    } else if (flag == "--batches") {
      batches = std::stoll(value);
    } else if (flag == "--rounds") {
      rounds = std::stoi(value);
    } else {
      std::cerr << "format_benchmark: unknown flag " << flag << "\n";
      return 2;
    }
  }
  auto target = arrow_zerobus::bench::ConnectOrStartLightEmulator(endpoint, workspace_url);
  if (!target.ok()) {
    std::cerr << target.status() << "\n";
    return 1;
  }
  if (target->local) std::printf("(in-process emulator: CPU per row includes the server's)\n");

  // Each variant: its name, wire_format and arrow_ipc_compression.
  const std::vector<std::array<std::string, 3>> variants = {{"protobuf", "protobuf", "none"},
                                                            {"arrow", "arrow", "none"},
                                                            {"arrow+zstd", "arrow", "zstd"}};
  std::vector<std::string> formats;
  std::map<std::string, std::unique_ptr<ZerobusWrapper>> wrappers;
  std::map<std::string, std::string> arrow_compression;
  for (const auto& [format, wire_format, compression] : variants) {
    formats.push_back(format);
    if (wire_format == "arrow") arrow_compression[format] = compression;
    WrapperConfiguration config =
        target->ConfigFor("main.bench.format_" + std::to_string(formats.size()));
    config.with_wire_format(*arrow_zerobus::ParseWireFormat(wire_format));
    config.arrow_ipc_compression = compression;
    auto wrapper = ZerobusWrapper::Create(config);
    if (!wrapper.ok()) {
      std::cerr << format << ": " << wrapper.status() << "\n";
      return 1;
    }
    wrappers[format] = std::move(wrapper).value();
  }

  std::printf(
      "| rows per batch | batch MB (Protobuf) | format | rows/s | wire bytes/row | client CPU "
      "us/row | p50 ms | p95 ms | p99 ms |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  for (int64_t rows : batch_rows) {
    auto batch = arrow_zerobus::bench::MakeOrdersBatch(rows);
    std::map<std::string, std::vector<Round>> results;
    for (const std::string& format : formats) (void)wrappers[format]->send_batch(batch);  // warm
    for (int r = 0; r < rounds; ++r) {
      for (const std::string& format : formats) {
        results[format].push_back(RunOnce(*wrappers[format], batch, batches));
      }
    }
    const double protobuf_mb =
        results["protobuf"][0].wire_bytes_per_row * static_cast<double>(rows) / 1e6;
    for (const std::string& format : formats) {
      std::vector<Round>& all = results[format];
      std::sort(all.begin(), all.end(), [](const Round& a, const Round& b) {
        return a.rows_per_second < b.rows_per_second;
      });
      Round median = all[all.size() / 2];
      // Arrow results count the uncompressed body: measure what the stream really writes.
      if (arrow_compression.count(format) > 0) {
        median.wire_bytes_per_row = ArrowWireBytesPerRow(batch, arrow_compression[format]);
      }
      std::vector<double> latencies;
      for (const Round& round : all) {
        latencies.insert(latencies.end(), round.latencies_ms.begin(), round.latencies_ms.end());
      }
      std::printf("| %lld | %.1f | %s | %.0f | %.1f | %.3f | %.2f | %.2f | %.2f |\n",
                  static_cast<long long>(rows), protobuf_mb, format.c_str(), median.rows_per_second,
                  median.wire_bytes_per_row, median.cpu_us_per_row, Percentile(latencies, 0.50),
                  Percentile(latencies, 0.95), Percentile(latencies, 0.99));
      std::printf(
          "RESULT {\"batch_rows\": %lld, \"format\": \"%s\", \"rows_per_s\": %.0f, "
          "\"wire_bytes_per_row\": %.2f, \"cpu_us_per_row\": %.4f, \"p50_ms\": %.3f, "
          "\"p95_ms\": %.3f, \"p99_ms\": %.3f}\n",
          static_cast<long long>(rows), format.c_str(), median.rows_per_second,
          median.wire_bytes_per_row, median.cpu_us_per_row, Percentile(latencies, 0.50),
          Percentile(latencies, 0.95), Percentile(latencies, 0.99));
      std::fflush(stdout);
    }
  }
  for (auto& [format, wrapper] : wrappers) (void)wrapper->shutdown();
  return 0;
}
