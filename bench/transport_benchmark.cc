// Transport benchmark: our stream engine (Protobuf format) against a Zerobus emulator in light
// mode, one stream.
//  * throughput for records of 20 B, 220 B, 750 B and 10 KiB (MB/s and records/s), each request
//    built from the records with one copy, as the wrapper does;
//  * the same bytes pushed by a bare gRPC stream on the same server (a BidiConnection with
//    prebuilt request bodies, no window or ack bookkeeping): the ceiling gRPC allows;
//  * latency of sending one batch and waiting for all its acks (p50/p95/p99) for 1 KB, 100 KB,
//    1 MB and 10 MB batches of 1,000-byte records.
// Not a test: it prints numbers. scripts/bench_transport.sh runs it beside the official SDK.
//
//   transport_benchmark [--endpoint URL --workspace-url URL] [--sizes 20,220,750,10240]
//                       [--megabytes N] [--repeats N] [--runs N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <arrow/buffer.h>
#include <google/protobuf/descriptor.pb.h>

#include "bare_stream.h"
#include "bench_util.h"
#include "emulator.h"
#include "encode/wire_format.h"
#include "stream/stream_engine.h"
#include "zerobus/ephemeral_protocol.h"
#include "zerobus/request_packer.h"
#include "zerobus/stream_messages.h"
#include "zerobus_service.pb.h"

namespace {

using namespace arrow_zerobus;  // NOLINT(build/namespaces): a program, not a library
using bench::Percentile;
using Clock = std::chrono::steady_clock;

struct Settings {
  std::string endpoint;
  std::string workspace_url;
  std::vector<int64_t> sizes = {20, 220, 750, 10240};
  int64_t megabytes = 200;
  int repeats = 30;
  int runs = 3;  ///< throughput runs per record size and client; the median is printed
};

// message Payload { optional bytes data = 1; }
std::string PayloadDescriptor() {
  google::protobuf::DescriptorProto message;
  message.set_name("Payload");
  auto* data = message.add_field();
  data->set_name("data");
  data->set_number(1);
  data->set_type(google::protobuf::FieldDescriptorProto::TYPE_BYTES);
  data->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
  return message.SerializeAsString();
}

// A Payload record of exactly `size` bytes.
std::string PayloadRecord(int64_t size) {
  for (int64_t data = size; data >= 0; --data) {
    const int64_t total = 1 + encode::VarintSize(static_cast<uint64_t>(data)) + data;
    if (total != size) continue;
    uint8_t head[11];
    head[0] = 0x0a;
    uint8_t* end = encode::WriteVarint(static_cast<uint64_t>(data), head + 1);
    return std::string(reinterpret_cast<char*>(head), end - head) + std::string(data, 'x');
  }
  std::abort();
}

std::unique_ptr<stream::StreamEngine> OpenStream(const Settings& settings,
                                                 const std::string& table) {
  stream::StreamConfig config;
  config.endpoint = settings.endpoint;
  config.table = table;
  config.headers = bench::EmulatorOAuthHeaders(settings.endpoint, settings.workspace_url, table);
  auto protocol = zerobus::EphemeralProtocol::Make(table, PayloadDescriptor());
  if (!protocol.ok()) std::abort();
  auto stream = stream::StreamEngine::Open(config, *protocol);
  if (!stream.ok()) {
    std::cerr << "transport_benchmark: " << stream.status() << "\n";
    std::exit(1);
  }
  return std::move(stream).value();
}

int64_t RecordsPerRequest(int64_t size) {
  const int64_t wire = static_cast<int64_t>(zerobus::BatchRecordWireSize(size));
  return std::max<int64_t>(1, (stream::kDefaultMaxRequestBytes - kRequestFramingBytes) / wire);
}

struct Throughput {
  double seconds;
  int64_t records;
};

// `count` copies of `record` as the encoder lays out framed rows (EncodeOptions::frame_records):
// what the transport receives from the encoder. Building it is not timed (the encode benchmark
// measures the encoder).
encode::EncodedBatch FramedRows(const std::string& record, int64_t count) {
  uint8_t length[10];
  const uint8_t* length_end = encode::WriteVarint(record.size(), length);
  std::string entry(1, '\x0a');  // the tag of `repeated bytes records = 1`
  entry.append(reinterpret_cast<const char*>(length), length_end - length);
  entry += record;
  encode::EncodedBatch batch;
  batch.num_rows = count;
  batch.framed = true;
  batch.row_failed.assign(static_cast<size_t>(count), 0);
  batch.offsets.resize(static_cast<size_t>(count) + 1);
  auto arena = *arrow::AllocateBuffer(static_cast<int64_t>(entry.size()) * count);
  uint8_t* out = arena->mutable_data();
  for (int64_t i = 0; i < count; ++i) {
    batch.offsets[i] = i * static_cast<int64_t>(entry.size());
    std::memcpy(out + batch.offsets[i], entry.data(), entry.size());
  }
  batch.offsets[count] = count * static_cast<int64_t>(entry.size());
  batch.arena = std::move(arena);
  return batch;
}

Throughput RunOurs(const Settings& settings, int64_t size) {
  auto stream = OpenStream(settings, "bench.default.ours_" + std::to_string(size));
  const int64_t total = std::max<int64_t>(1, settings.megabytes * 1000000 / size);
  const encode::EncodedBatch rows = FramedRows(PayloadRecord(size), total);
  const auto start = Clock::now();
  auto requests = zerobus::PackRequests(rows, stream::kDefaultMaxRequestBytes, 0, total);
  if (!requests.ok()) std::abort();
  for (auto& packed : *requests) {
    if (!stream->Send(zerobus::ProtoRequest(std::move(packed.request))).ok()) std::abort();
  }
  Status flushed = stream->Flush();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!flushed.ok() || !stream->Close().ok()) {
    std::cerr << "transport_benchmark: " << flushed << "\n";
    std::exit(1);
  }
  return {seconds, total};
}

// The bare stream: the same records in requests built before timing (bench/bare_stream.h).
Throughput RunBare(const Settings& settings, int64_t size) {
  const std::string table = "bench.default.bare_" + std::to_string(size);
  auto protocol = zerobus::EphemeralProtocol::Make(table, PayloadDescriptor());
  if (!protocol.ok()) std::abort();

  const std::string record = PayloadRecord(size);
  const int64_t total = std::max<int64_t>(1, settings.megabytes * 1000000 / size);
  const int64_t per_request = RecordsPerRequest(size);
  std::vector<std::string_view> views(static_cast<size_t>(per_request), record);
  const zerobus::PreparedRequest full = zerobus::PrepareRequest(views);
  std::vector<grpc::ByteBuffer> messages;
  int64_t offset = 0;
  for (int64_t sent = 0; sent < total; ++offset) {
    const int64_t n = std::min(per_request, total - sent);
    grpc::Slice body = full.body;
    if (n != per_request) {
      views.resize(static_cast<size_t>(n));
      body = zerobus::PrepareRequest(views).body;
    }
    grpc::Slice parts[2] = {grpc::Slice(zerobus::IngestBatchRequestPrefix(offset, body.size())),
                            body};
    messages.emplace_back(parts, 2);
    sent += n;
  }
  auto run = bench::RunBareStream(settings.endpoint, settings.workspace_url, table, **protocol,
                                  messages, /*units=*/offset);
  if (!run.ok()) {
    std::cerr << "transport_benchmark: " << run.status() << "\n";
    std::exit(1);
  }
  return {run->seconds, total};
}

void RunLatency(const Settings& settings) {
  auto stream = OpenStream(settings, "bench.default.latency");
  const std::string record = PayloadRecord(1000);
  std::printf("\n| batch | records | requests | p50 ms | p95 ms | p99 ms | runs |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (int64_t batch_bytes : {1000LL, 100000LL, 1000000LL, 10000000LL}) {
    const int64_t records = batch_bytes / 1000;
    const int64_t per_request = RecordsPerRequest(1000);
    std::vector<double> millis;
    int64_t requests = 0;
    for (int run = 0; run < settings.repeats; ++run) {
      const auto start = Clock::now();
      int64_t last = -1;
      requests = 0;
      for (int64_t sent = 0; sent < records;) {
        const int64_t n = std::min(per_request, records - sent);
        std::vector<std::string_view> views(static_cast<size_t>(n), record);
        last = *stream->Send(zerobus::ProtoRequest(zerobus::PrepareRequest(views)));
        sent += n;
        ++requests;
      }
      if (!stream->WaitForOffset(last).ok()) std::abort();
      millis.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    std::printf("| %s | %lld | %lld | %.2f | %.2f | %.2f | %d |\n",
                batch_bytes >= 1000000 ? (std::to_string(batch_bytes / 1000000) + " MB").c_str()
                                       : (std::to_string(batch_bytes / 1000) + " KB").c_str(),
                static_cast<long long>(records), static_cast<long long>(requests),
                Percentile(millis, 0.50), Percentile(millis, 0.95), Percentile(millis, 0.99),
                settings.repeats);
    std::fflush(stdout);
  }
  (void)stream->Close();
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--endpoint")
      settings.endpoint = value;
    else if (flag == "--workspace-url")
      settings.workspace_url = value;
    else if (flag == "--megabytes")
      settings.megabytes = std::atoll(value.c_str());
    else if (flag == "--repeats")
      settings.repeats = std::atoi(value.c_str());
    else if (flag == "--runs")
      settings.runs = std::max(1, std::atoi(value.c_str()));
    else if (flag == "--sizes") {
      settings.sizes.clear();
      std::stringstream list(value);
      for (std::string item; std::getline(list, item, ',');) {
        settings.sizes.push_back(std::atoll(item.c_str()));
      }
    } else {
      std::cerr << "transport_benchmark: unknown flag " << flag << "\n";
      return 2;
    }
  }
  std::unique_ptr<emulator::Emulator> local;
  if (settings.endpoint.empty()) {
    emulator::EmulatorOptions options;
    options.light = true;
    local = std::move(emulator::Emulator::Start(options)).value();
    settings.endpoint = local->endpoint();
    settings.workspace_url = local->workspace_url();
  }
  std::printf("| record | client | MB/s (median of %d) | records/s | seconds |\n", settings.runs);
  std::printf("|---|---|---|---|---|\n");
  for (int64_t size : settings.sizes) {
    for (const char* client : {"arrow-zerobus", "bare gRPC stream"}) {
      const bool ours = client[0] == 'a';
      std::vector<Throughput> runs;
      for (int run = 0; run < settings.runs; ++run) {
        runs.push_back(ours ? RunOurs(settings, size) : RunBare(settings, size));
      }
      std::sort(runs.begin(), runs.end(),
                [](const Throughput& a, const Throughput& b) { return a.seconds < b.seconds; });
      const Throughput& t = runs[runs.size() / 2];
      std::printf("| %lld B | %s | %.1f | %.0f | %.3f |\n", static_cast<long long>(size), client,
                  t.records * size / t.seconds / 1e6, t.records / t.seconds, t.seconds);
      std::fflush(stdout);
    }
  }
  RunLatency(settings);
  return 0;
}
