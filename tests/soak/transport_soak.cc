// Fault-injection soak: Arrow rows -> encoder -> requests -> the stream engine -> emulator, while
// the emulator cuts the connection every N requests and delays its acks. Afterwards every row the
// client reports acknowledged must have landed, nothing else may have landed, and the duplicates
// (rows of requests that landed but whose ack was lost with the connection) must not exceed what
// the client says it replayed. With --exactly-once 1 the stream is a persistent stream, resumed
// after each cut, and no row may land twice.
//
//   transport_soak [--rows N] [--batch-rows N] [--kill-every N] [--ack-delay-ms N]
//                  [--max-request-bytes N] [--inflight N] [--framed 0|1] [--exactly-once 0|1]
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <arrow/builder.h>
#include <arrow/record_batch.h>

#include "encode/batch_encoder.h"
#include "schema/schema_plan.h"
#include "testing/emulator_fixture.h"
#include "zerobus/ephemeral_protocol.h"
#include "zerobus/persistent_protocol.h"
#include "zerobus/request_packer.h"

namespace {

using namespace arrow_zerobus;  // NOLINT(build/namespaces): a program, not a library

struct Settings {
  int64_t rows = 1000000;
  int64_t batch_rows = 10000;
  int64_t kill_every = 40;
  int64_t ack_delay_ms = 2;
  int64_t max_request_bytes = 16 * 1024;
  int64_t inflight = 16;
  int64_t framed = 1;        ///< 1: requests straight from the encoder's arena; 0: records copied
  int64_t exactly_once = 0;  ///< 1: a persistent stream (PersistentStream)
};

// Remembers which rows each request carries and which requests were acknowledged.
class RowLedger : public stream::AckObserver {
 public:
  uint64_t Register(int64_t first_row, int64_t end_row) {
    std::lock_guard<std::mutex> lock(mu_);
    ranges_.push_back({first_row, end_row});
    acked_.push_back(0);
    return ranges_.size() - 1;
  }
  void OnAcked(const stream::ResolvedRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++acked_[request.tag];
  }
  void OnFailed(const stream::ResolvedRequest&, const Status& status) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++failed_;
    if (first_failure_.ok()) first_failure_ = status;
  }

  /// Rows acknowledged exactly once; -1 when a request was acknowledged twice.
  std::vector<uint8_t> AckedRows(int64_t rows, int64_t* acked_twice) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<uint8_t> acked(static_cast<size_t>(rows), 0);
    *acked_twice = 0;
    for (size_t i = 0; i < ranges_.size(); ++i) {
      if (acked_[i] > 1) ++*acked_twice;
      if (acked_[i] == 0) continue;
      for (int64_t r = ranges_[i].first; r < ranges_[i].second; ++r) acked[r] = 1;
    }
    return acked;
  }
  int64_t failed() const {
    std::lock_guard<std::mutex> lock(mu_);
    return failed_;
  }
  Status first_failure() const {
    std::lock_guard<std::mutex> lock(mu_);
    return first_failure_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<int64_t, int64_t>> ranges_;
  std::vector<int> acked_;
  int64_t failed_ = 0;
  Status first_failure_;
};

std::shared_ptr<arrow::RecordBatch> MakeRows(const std::shared_ptr<arrow::Schema>& schema,
                                             int64_t first_id, int64_t count) {
  arrow::Int64Builder ids;
  arrow::StringBuilder names;
  arrow::DoubleBuilder amounts;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t id = first_id + i;
    (void)ids.Append(id);
    if (id % 7 == 0) {
      (void)names.AppendNull();
    } else {
      (void)names.Append("customer-" + std::to_string(id % 1000));
    }
    (void)amounts.Append(static_cast<double>(id) * 0.25);
  }
  std::shared_ptr<arrow::Array> a, b, c;
  (void)ids.Finish(&a);
  (void)names.Finish(&b);
  (void)amounts.Finish(&c);
  return arrow::RecordBatch::Make(schema, count, {a, b, c});
}

int Fail(const std::string& message) {
  std::cerr << "transport_soak: FAILED: " << message << "\n";
  return 1;
}

int Run(const Settings& settings) {
  emulator::EmulatorOptions emulator_options;
  emulator_options.light = true;  // the check below reads the landed bytes themselves
  auto emu = testing::StartEmulator(emulator_options);
  emulator::FaultScript script;
  script.kill_every_requests = settings.kill_every;
  script.ack_delay = std::chrono::milliseconds(settings.ack_delay_ms);
  emu->SetFaultScript(testing::kTestTable, script);

  auto schema = arrow::schema({arrow::field("id", arrow::int64(), /*nullable=*/false),
                               arrow::field("name", arrow::utf8()),
                               arrow::field("amount", arrow::float64())});
  auto plan = schema::PlanSchema(*schema);
  if (!plan.ok()) return Fail(plan.status().ToString());

  auto ledger = std::make_shared<RowLedger>();
  auto config = testing::OAuthConfig(*emu, testing::kTestTable);
  config.observer = ledger;
  config.options.max_request_bytes = settings.max_request_bytes;
  config.options.max_inflight_requests = settings.inflight;
  config.options.retry_policy = std::make_shared<retry::LimitedAttemptsRetryPolicy>(10);

  const auto start = std::chrono::steady_clock::now();
  const std::string descriptor = (*plan)->descriptor.SerializeAsString();
  std::shared_ptr<const zerobus::RecordsProtocol> protocol;
  if (settings.exactly_once != 0) {
    auto persistent = zerobus::PersistentProtocol::Make(testing::kTestTable, descriptor);
    if (!persistent.ok()) return Fail(persistent.status().ToString());
    protocol = *persistent;
  } else {
    auto ephemeral = zerobus::EphemeralProtocol::Make(testing::kTestTable, descriptor);
    if (!ephemeral.ok()) return Fail(ephemeral.status().ToString());
    protocol = *ephemeral;
  }
  auto opened = stream::StreamEngine::Open(config, protocol);
  if (!opened.ok()) return Fail(opened.status().ToString());
  auto stream = std::move(opened).value();

  auto pool = encode::ArenaPool::Make();
  encode::EncodeOptions encode_options;
  encode_options.arena_pool = pool;
  encode_options.frame_records = settings.framed != 0;
  int64_t requests = 0;
  for (int64_t first = 0; first < settings.rows; first += settings.batch_rows) {
    const int64_t count = std::min(settings.batch_rows, settings.rows - first);
    auto batch = MakeRows(schema, first, count);
    auto encoded = encode::EncodeBatch(**plan, *batch, encode_options);
    if (!encoded.ok()) return Fail(encoded.status().ToString());
    if (encoded->failed_count() != 0) return Fail("rows failed to encode");
    auto packed = zerobus::PackRequests(*encoded, settings.max_request_bytes, 0, count);
    if (!packed.ok()) return Fail(packed.status().ToString());
    for (auto& request : *packed) {
      request.request.tag = ledger->Register(first + request.first_row, first + request.end_row);
      auto offset = stream->Send(protocol->MakeRequest(std::move(request.request)));
      if (!offset.ok()) return Fail(offset.status().ToString());
      ++requests;
    }
  }
  Status closed = stream->Close();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!closed.ok()) return Fail("close: " + closed.ToString());
  if (ledger->failed() != 0) return Fail("failed requests: " + ledger->first_failure().ToString());

  const stream::StreamStats stats = stream->stats();
  int64_t acked_twice = 0;
  const std::vector<uint8_t> acked = ledger->AckedRows(settings.rows, &acked_twice);
  const std::vector<std::string> landed = emu->LandedRecords(testing::kTestTable);
  std::vector<int32_t> landed_count(static_cast<size_t>(settings.rows), 0);
  for (const std::string& record : landed) {
    const int64_t id = testing::EventId(record);  // field 1 of both messages
    if (id < 0 || id >= settings.rows) return Fail("a record that was never sent landed");
    ++landed_count[id];
  }
  int64_t duplicates = 0;
  for (int64_t row = 0; row < settings.rows; ++row) {
    if (!acked[row]) return Fail("row " + std::to_string(row) + " was never acknowledged");
    if (landed_count[row] == 0) {
      return Fail("row " + std::to_string(row) + " was acknowledged but did not land");
    }
    duplicates += landed_count[row] - 1;
  }
  if (acked_twice != 0) return Fail(std::to_string(acked_twice) + " requests acked twice");
  if (settings.exactly_once != 0 && duplicates != 0) {
    return Fail(std::to_string(duplicates) + " duplicate rows on a persistent stream");
  }
  if (duplicates > stats.records_replayed) {
    return Fail(std::to_string(duplicates) + " duplicate rows, but the client replayed only " +
                std::to_string(stats.records_replayed));
  }
  const emulator::TableCounters counters = emu->Counters(testing::kTestTable);
  std::cout << "transport_soak: OK: " << settings.rows << " rows in " << requests << " requests, "
            << seconds << " s (" << static_cast<int64_t>(settings.rows / seconds)
            << " rows/s); connections cut " << counters.connections_killed << ", reconnects "
            << stats.reconnects << ", requests replayed " << stats.requests_replayed
            << ", rows replayed " << stats.records_replayed << ", duplicate rows landed "
            << duplicates << ", rows landed " << landed.size()
            << (settings.exactly_once != 0 ? ", resumes " + std::to_string(stats.resumes) +
                                                 ", requests committed on resume " +
                                                 std::to_string(stats.requests_committed_on_resume)
                                           : "")
            << "\n";
  if (settings.kill_every > 0 && requests > settings.kill_every && stats.reconnects == 0) {
    return Fail("the emulator never cut the connection: the fault script did not apply");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int64_t value = std::atoll(argv[i + 1]);
    if (flag == "--rows")
      settings.rows = value;
    else if (flag == "--batch-rows")
      settings.batch_rows = value;
    else if (flag == "--kill-every")
      settings.kill_every = value;
    else if (flag == "--ack-delay-ms")
      settings.ack_delay_ms = value;
    else if (flag == "--max-request-bytes")
      settings.max_request_bytes = value;
    else if (flag == "--inflight")
      settings.inflight = value;
    else if (flag == "--framed")
      settings.framed = value;
    else if (flag == "--exactly-once")
      settings.exactly_once = value;
    else {
      std::cerr << "transport_soak: unknown flag " << flag << "\n";
      return 2;
    }
  }
  if (settings.kill_every > 0 && settings.kill_every <= settings.inflight) {
    // A connection cut after N requests whose acks are still delayed makes no progress when the
    // client may have N or more requests in flight: every cut loses the whole window again.
    std::cerr << "transport_soak: --kill-every must exceed --inflight (" << settings.inflight
              << ") so that every connection gets some acks through\n";
    return 2;
  }
  if (argc % 2 == 0) {
    std::cerr << "transport_soak: every flag needs a value\n";
    return 2;
  }
  return Run(settings);
}
