// The send path per row, as a user of the official Rust SDK would compare it: rows already in
// the service's canonical Arrow types (id int64, customer large_utf8, amount float64, quantity
// int32, created_at timestamp[us, UTC]), a table of --rows rows in batches of --batch-rows, sent
// to a separate `zerobus-emulator --light` (so the process CPU measured is the client's alone),
// timed from the first batch until every row is acknowledged.
//
// Modes:
//   arrow-none, arrow-lz4, arrow-zstd   ZerobusWrapper::send_table, Arrow format (IPC compression;
//   arrow-zstd-N, arrow-lz4-N           with compression level N)
//   protobuf                            ZerobusWrapper::send_table, Protobuf format (encoding
//   timed) bare-arrow, bare-protobuf           the same bytes (IPC messages, or encoded and packed
//                                       records) built before timing and pushed down one bare gRPC
//                                       call (bench/bare_stream.h): the ceiling for each format
//
//   send_path_benchmark --endpoint URL --workspace-url URL [--modes a,b] [--rows N]
//                       [--batch-rows N] [--rounds N]
//   send_path_benchmark --write-inputs DIR [--rows N] [--batch-rows N]
//
// Each mode runs one untimed warm-up; then the modes take turns for --rounds timed rounds, each
// printed as a `RESULT {json}` line (the shape bench/rust_sdk prints; bench/send_path_report.py
// tabulates them). --write-inputs writes the same rows for the other clients of
// scripts/bench_send_path.sh: DIR/batches.arrows (Arrow IPC stream), DIR/records.bin (each Protobuf
// record as a little-endian u32 length and its bytes) and DIR/descriptor.pb (the records'
// DescriptorProto).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/io/file.h>
#include <arrow/ipc/writer.h>
#include <arrow/table.h>

#include "arrow_zerobus/wrapper.h"
#include "bare_stream.h"
#include "bench_data.h"
#include "bench_target.h"
#include "bench_util.h"
#include "encode/batch_encoder.h"
#include "flight/flight_put_protocol.h"
#include "schema/schema_plan.h"
#include "stream/stream_options.h"
#include "wrapper/stream_settings.h"
#include "zerobus/ephemeral_protocol.h"
#include "zerobus/request_packer.h"

namespace {

using namespace arrow_zerobus;  // NOLINT(build/namespaces): a program, not a library
using Clock = std::chrono::steady_clock;

constexpr char kTable[] = "main.bench.orders";

struct Settings {
  std::string endpoint;
  std::string workspace_url;
  std::vector<std::string> modes = {"arrow-none", "arrow-zstd", "protobuf", "bare-arrow",
                                    "bare-protobuf"};
  int64_t rows = 3000000;
  int64_t batch_rows = 100000;
  int rounds = 5;
  std::string write_inputs;
};

[[noreturn]] void Fail(const std::string& what) {
  std::cerr << "send_path_benchmark: " << what << "\n";
  std::exit(1);
}

template <typename T>
T Check(Result<T> result, const std::string& what) {
  if (!result.ok()) Fail(what + ": " + result.status().ToString());
  return std::move(result).value();
}

template <typename T>
T Check(arrow::Result<T> result, const std::string& what) {
  if (!result.ok()) Fail(what + ": " + result.status().ToString());
  return std::move(result).ValueUnsafe();
}

std::vector<std::shared_ptr<arrow::RecordBatch>> MakeBatches(const Settings& settings) {
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  for (int64_t first = 0; first < settings.rows; first += settings.batch_rows) {
    batches.push_back(bench::MakeCanonicalOrdersBatch(
        std::min(settings.batch_rows, settings.rows - first), first));
  }
  return batches;
}

/// The record plan the wrapper makes for kTable.
std::shared_ptr<const schema::SchemaPlan> OrdersPlan(const arrow::Schema& schema) {
  schema::PlanOptions options;
  options.message_name = "Orders";
  return Check(schema::PlanSchema(schema, options), "planning the orders schema");
}

struct Round {
  double seconds = 0;
  double cpu_seconds = 0;
  double wire_bytes = 0;
};

void PrintResult(const std::string& mode, int round, int64_t rows, const Round& result) {
  std::printf(
      "RESULT {\"client\": \"arrow-zerobus-cpp\", \"mode\": \"%s\", \"round\": %d, \"rows\": "
      "%lld, \"seconds\": %.6f, \"rows_per_second\": %.0f, \"cpu_ns_per_row\": %.2f, "
      "\"wire_bytes_per_row\": %.2f}\n",
      mode.c_str(), round, static_cast<long long>(rows), result.seconds,
      static_cast<double>(rows) / result.seconds, result.cpu_seconds * 1e9 / rows,
      result.wire_bytes / rows);
  std::fflush(stdout);
}

// ---- through ZerobusWrapper ------------------------------------------------------------------

struct ArrowMode {
  std::string compression;  ///< arrow_ipc_compression
  std::optional<int64_t> level;
};

/// "arrow-<none|lz4|zstd>[-<level>]", or nullopt for any other mode.
std::optional<ArrowMode> ParseArrowMode(const std::string& mode) {
  const std::string prefix = "arrow-";
  if (mode.rfind(prefix, 0) != 0) return std::nullopt;
  std::string codec = mode.substr(prefix.size());
  ArrowMode parsed;
  if (const size_t dash = codec.find('-'); dash != std::string::npos) {
    parsed.level = std::stoll(codec.substr(dash + 1));
    codec.resize(dash);
  }
  if (codec == "none" || codec == "zstd") {
    parsed.compression = codec;
  } else if (codec == "lz4") {
    parsed.compression = "lz4_frame";
  } else {
    return std::nullopt;
  }
  return parsed;
}

std::unique_ptr<ZerobusWrapper> MakeWrapper(const bench::BenchTarget& target,
                                            const std::string& mode) {
  WrapperConfiguration config = target.ConfigFor(kTable);
  if (const auto arrow = ParseArrowMode(mode)) {
    config.with_wire_format(WireFormat::kArrow);
    config.arrow_ipc_compression = arrow->compression;
    config.arrow_ipc_compression_level = arrow->level;
  } else {
    config.with_wire_format(WireFormat::kProtobuf);
  }
  return Check(ZerobusWrapper::Create(config), mode + ": creating the wrapper");
}

Round SendTable(ZerobusWrapper& wrapper, const std::shared_ptr<arrow::Table>& table,
                const std::string& mode) {
  const double cpu_start = bench::ProcessCpuSeconds();
  const auto start = Clock::now();
  TransmissionResult result = wrapper.send_table(table);
  Round round;
  round.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  round.cpu_seconds = bench::ProcessCpuSeconds() - cpu_start;
  round.wire_bytes = static_cast<double>(result.encoded_bytes);
  if (!result.success || result.successful_count != table->num_rows()) {
    Fail(mode + ": " + result.Summary());
  }
  return round;
}

// ---- bare gRPC calls -------------------------------------------------------------------------

struct BareMessages {
  std::shared_ptr<const stream::StreamProtocol> protocol;
  std::vector<grpc::ByteBuffer> messages;
  int64_t units = 0;
  int64_t wire_bytes = 0;
};

/// Appends the wire messages of `request` as the engine writes them on a fresh connection.
void AppendMessages(stream::StreamRequest request, int64_t* next_message_id, BareMessages* out) {
  out->units += request.units;
  out->wire_bytes += request.bytes;
  if (!request.body->Write(0, next_message_id, &out->messages).ok()) Fail("writing a request");
}

BareMessages BareArrow(const std::vector<std::shared_ptr<arrow::RecordBatch>>& batches,
                       const flight::IpcPayloadOptions& options = {}) {
  BareMessages bare;
  auto protocol =
      Check(flight::FlightPutProtocol::Make(batches.front()->schema(), options), "protocol");
  int64_t message_id = 0;
  for (const auto& batch : batches) {
    AppendMessages(Check(protocol->MakeRequest(0, batch), "IPC"), &message_id, &bare);
  }
  bare.protocol = std::move(protocol);
  return bare;
}

BareMessages BareProtobuf(const std::vector<std::shared_ptr<arrow::RecordBatch>>& batches) {
  BareMessages bare;
  const auto plan = OrdersPlan(*batches.front()->schema());
  bare.protocol = Check(
      zerobus::EphemeralProtocol::Make(kTable, plan->descriptor.SerializeAsString()), "protocol");
  encode::EncodeOptions options;
  options.frame_records = true;
  int64_t offset = 0;
  for (const auto& batch : batches) {
    const encode::EncodedBatch encoded =
        Check(encode::EncodeBatch(*plan, *batch, options), "encode");
    auto packed =
        Check(zerobus::PackRequests(encoded, stream::kDefaultMaxRequestBytes, 0, encoded.num_rows),
              "pack");
    for (auto& request : packed) {
      AppendMessages(zerobus::ProtoRequest(std::move(request.request)), &offset, &bare);
    }
  }
  return bare;
}

Round RunBare(const bench::BenchTarget& target, const BareMessages& bare) {
  const bench::BareRun run =
      Check(bench::RunBareStream(target.endpoint, target.workspace_url, kTable, *bare.protocol,
                                 bare.messages, bare.units),
            "bare stream");
  return {run.seconds, run.cpu_seconds, static_cast<double>(bare.wire_bytes)};
}

// ---- inputs for the other clients ----------------------------------------------------------

void WriteInputs(const std::string& dir,
                 const std::vector<std::shared_ptr<arrow::RecordBatch>>& batches) {
  auto sink = Check(arrow::io::FileOutputStream::Open(dir + "/batches.arrows"), "batches.arrows");
  auto writer = Check(arrow::ipc::MakeStreamWriter(sink, batches.front()->schema()), "IPC writer");
  for (const auto& batch : batches) {
    if (!writer->WriteRecordBatch(*batch).ok()) Fail("writing batches.arrows");
  }
  if (!writer->Close().ok() || !sink->Close().ok()) Fail("closing batches.arrows");

  const auto plan = OrdersPlan(*batches.front()->schema());
  std::ofstream records(dir + "/records.bin", std::ios::binary);
  for (const auto& batch : batches) {
    const encode::EncodedBatch encoded = Check(encode::EncodeBatch(*plan, *batch), "encode");
    for (int64_t row = 0; row < encoded.num_rows; ++row) {
      const std::string_view record = encoded.record(row);
      const uint32_t length = static_cast<uint32_t>(record.size());
      uint8_t prefix[4] = {static_cast<uint8_t>(length), static_cast<uint8_t>(length >> 8),
                           static_cast<uint8_t>(length >> 16), static_cast<uint8_t>(length >> 24)};
      records.write(reinterpret_cast<const char*>(prefix), 4);
      records.write(record.data(), static_cast<std::streamsize>(record.size()));
    }
  }
  std::ofstream descriptor(dir + "/descriptor.pb", std::ios::binary);
  descriptor << plan->descriptor.SerializeAsString();
  if (!records.good() || !descriptor.good()) Fail("writing the inputs in " + dir);
  std::printf("wrote %zu batches to %s\n", batches.size(), dir.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) Fail("flag " + flag + " needs a value");
    const std::string value = argv[i + 1];
    if (flag == "--endpoint") {
      settings.endpoint = value;
    } else if (flag == "--workspace-url") {
      settings.workspace_url = value;
    } else if (flag == "--modes") {
      settings.modes = bench::ParseNames(value);
    } else if (flag == "--rows") {
      settings.rows = std::stoll(value);
    } else if (flag == "--batch-rows") {
      settings.batch_rows = std::stoll(value);
    } else if (flag == "--rounds") {
      settings.rounds = std::stoi(value);
    } else if (flag == "--write-inputs") {
      settings.write_inputs = value;
    } else {
      Fail("unknown flag " + flag);
    }
  }
  if (settings.rows < 1 || settings.batch_rows < 1 || settings.rounds < 1) {
    Fail("--rows, --batch-rows and --rounds must be at least 1");
  }
  const auto batches = MakeBatches(settings);
  if (!settings.write_inputs.empty()) {
    WriteInputs(settings.write_inputs, batches);
    return 0;
  }
  const auto table = Check(arrow::Table::FromRecordBatches(batches), "table");
  auto target = Check(bench::ConnectOrStartLightEmulator(settings.endpoint, settings.workspace_url),
                      "emulator");
  if (target.local) std::printf("(in-process emulator: CPU per row includes the server's)\n");

  // Every mode is set up and warmed first; then the modes take turns in each round, so that the
  // machine's state drifting between rounds (large on a shared VM) hits all of them alike.
  struct Runner {
    std::string mode;
    std::function<Round()> run;
    std::unique_ptr<ZerobusWrapper> wrapper;  ///< for the wrapper modes
  };
  std::vector<Runner> runners;
  for (const std::string& mode : settings.modes) {
    Runner runner{mode, nullptr, nullptr};
    if (mode == "bare-arrow" || mode == "bare-protobuf") {
      auto bare = std::make_shared<const BareMessages>(
          mode == "bare-arrow" ? BareArrow(batches) : BareProtobuf(batches));
      runner.run = [&target, bare] { return RunBare(target, *bare); };
    } else if (mode == "protobuf" || ParseArrowMode(mode)) {
      runner.wrapper = MakeWrapper(target, mode);
      // The Arrow format's results count the uncompressed body: what goes on the wire is the
      // IPC messages as the stream encodes them, measured here with the same options.
      std::optional<double> arrow_wire_bytes;
      if (ParseArrowMode(mode)) {
        const WrapperConfiguration& config = runner.wrapper->configuration();
        arrow_wire_bytes = BareArrow(batches, internal::MakeIpcOptions(config)).wire_bytes;
      }
      runner.run = [wrapper = runner.wrapper.get(), &table, mode, arrow_wire_bytes] {
        Round result = SendTable(*wrapper, table, mode);
        if (arrow_wire_bytes) result.wire_bytes = *arrow_wire_bytes;
        return result;
      };
    } else {
      Fail("unknown mode " + mode);
    }
    runner.run();  // warm-up: opens the stream, plans, fills pools
    runners.push_back(std::move(runner));
  }
  for (int round = 1; round <= settings.rounds; ++round) {
    for (Runner& runner : runners) {
      PrintResult(runner.mode, round, table->num_rows(), runner.run());
    }
  }
  for (Runner& runner : runners) {
    if (runner.wrapper == nullptr) continue;
    if (Status closed = runner.wrapper->shutdown(); !closed.ok()) {
      Fail(runner.mode + ": " + closed.ToString());
    }
  }
  return 0;
}
