#include "demo_command.h"

#include <unistd.h>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>

#include <arrow/io/file.h>
#include <arrow/json/reader.h>
#include <arrow/table.h>
#include <google/protobuf/dynamic_message.h>

#include "auth/headers_provider.h"
#include "emulator.h"
#include "encode/batch_encoder.h"
#include "schema/plan_cache.h"
#include "zerobus/endpoint.h"
#include "zerobus/ingest_stream.h"
#include "zerobus/request_packer.h"

namespace arrow_zerobus::cli {
namespace {

std::shared_ptr<arrow::Schema> OrdersSchema() {
  return arrow::schema({
      arrow::field("order_id", arrow::int64(), /*nullable=*/false),
      arrow::field("customer", arrow::utf8(), false),
      arrow::field("amount", arrow::float64()),
      arrow::field("quantity", arrow::int32()),
      arrow::field("created_at", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
      arrow::field("shipped", arrow::boolean()),
      arrow::field("tags", arrow::list(arrow::utf8())),
      arrow::field("address", arrow::struct_({arrow::field("city", arrow::utf8()),
                                              arrow::field("zip", arrow::utf8())})),
  });
}

Result<std::shared_ptr<arrow::RecordBatch>> ReadJsonLines(const std::string& path) {
  auto file = arrow::io::ReadableFile::Open(path);
  if (!file.ok()) return IoError("cannot open " + path + ": " + file.status().message());
  auto parse = arrow::json::ParseOptions::Defaults();
  parse.explicit_schema = OrdersSchema();
  parse.unexpected_field_behavior = arrow::json::UnexpectedFieldBehavior::Error;
  auto reader = arrow::json::TableReader::Make(arrow::default_memory_pool(), *file,
                                               arrow::json::ReadOptions::Defaults(), parse);
  if (!reader.ok()) return IoError("cannot read " + path + ": " + reader.status().message());
  auto table = (*reader)->Read();
  if (!table.ok()) return IoError("cannot parse " + path + ": " + table.status().message());
  auto batch = (*table)->CombineChunksToBatch();
  if (!batch.ok()) return IoError("cannot combine " + path + ": " + batch.status().message());
  return *batch;
}

constexpr char kDemoTable[] = "main.demo.orders";

// The orders table as Unity Catalog would describe it: the emulator checks the descriptor
// against it when the stream is created.
std::vector<emulator::TableColumn> OrdersTable() {
  return {
      {"order_id", "BIGINT", false},     {"customer", "STRING", false},
      {"amount", "DOUBLE", true},        {"quantity", "INT", true},
      {"created_at", "TIMESTAMP", true}, {"shipped", "BOOLEAN", true},
      {"tags", "ARRAY<STRING>", true},   {"address", "STRUCT<city: STRING, zip: STRING>", true}};
}

// Counts what the stream acknowledged.
class AckCounter : public zerobus::AckObserver {
 public:
  void OnAcked(uint64_t, int64_t, int64_t records) override {
    requests_ += 1;
    records_ += records;
  }
  void OnFailed(uint64_t, int64_t, int64_t, const Status& status) override { failure_ = status; }
  int64_t requests_ = 0;
  int64_t records_ = 0;
  Status failure_;
};

// Streams the encoded rows to an in-process emulator over gRPC (OAuth included) and shows what
// landed there.
Status SendToEmulator(const schema::SchemaPlan& plan, const encode::EncodedBatch& encoded,
                      const DemoArgs& args, std::ostream& out) {
  emulator::EmulatorOptions options;
  options.data_dir =
      std::filesystem::temp_directory_path() / ("zerobus-arrow-demo-" + std::to_string(::getpid()));
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto emu, emulator::Emulator::Start(options));
  emu->DeclareTable(kDemoTable, OrdersTable());
  out << "\nStarted the Zerobus emulator: endpoint " << emu->endpoint() << ", workspace URL "
      << emu->workspace_url() << "\n";

  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto endpoint, zerobus::ParseZerobusEndpoint(emu->endpoint()));
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto table, auth::ParseTableName(kDemoTable));
  auto acks = std::make_shared<AckCounter>();
  zerobus::StreamConfig config;
  config.endpoint = emu->endpoint();
  config.table = kDemoTable;
  config.descriptor_proto = plan.descriptor.SerializeAsString();
  config.headers =
      auth::MakeOAuthHeadersProvider({emu->workspace_url(), endpoint.workspace_id, table,
                                      emulator::kDefaultClientId, emulator::kDefaultClientSecret});
  config.observer = acks;
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto stream, zerobus::IngestStream::Open(config));
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(
      auto requests,
      zerobus::PackRequests(encoded, config.options.max_request_bytes, 0, encoded.num_rows));
  for (auto& packed : requests) {
    ARROW_ZEROBUS_RETURN_NOT_OK(stream->Send(std::move(packed.request)).status());
  }
  ARROW_ZEROBUS_RETURN_NOT_OK(stream->Close());
  ARROW_ZEROBUS_RETURN_NOT_OK(acks->failure_);
  const zerobus::StreamStats stats = stream->stats();
  const emulator::TableCounters counters = emu->Counters(kDemoTable);
  out << "Sent " << encoded.successful_count() << " rows in " << requests.size()
      << " request(s) on stream " << stats.stream_id << ": " << acks->records_
      << " rows acknowledged; the emulator landed " << counters.records << " records\n";

  const auto landing = options.data_dir / kDemoTable / (stats.stream_id + ".jsonl");
  out << "Rows as they landed (" << landing.string() << "):\n";
  std::ifstream landed(landing);
  std::string line;
  for (int shown = 0; shown < args.rows_to_show && std::getline(landed, line); ++shown) {
    out << "  " << line << "\n";
  }
  return Status::OK();
}

}  // namespace

Status RunDemo(const DemoArgs& args, std::ostream& out) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto batch, ReadJsonLines(args.input_path));
  out << "Read " << batch->num_rows() << " rows from " << args.input_path << "\n\n"
      << "Arrow schema:\n"
      << batch->schema()->ToString() << "\n\n";

  schema::PlanOptions options;
  options.message_name = "Orders";
  schema::SchemaPlanCache plans(options);
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto plan, plans.GetOrPlan(*batch->schema()));
  out << "Protobuf descriptor sent to Zerobus (" << plan->descriptor.ByteSizeLong() << " bytes):\n"
      << plan->DescribeMessage() << "\n";

  const auto start = std::chrono::steady_clock::now();
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto encoded, encode::EncodeBatch(*plan, *batch));
  const auto elapsed =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  out << "Encoded " << encoded.successful_count() << " of " << encoded.num_rows << " rows into "
      << encoded.encoded_bytes() << " bytes in " << elapsed << " us; " << encoded.failed_count()
      << " row errors\n";
  for (const auto& error : encoded.errors) out << "  " << error.message << "\n";

  google::protobuf::DynamicMessageFactory factory(plan->pool.get());
  const google::protobuf::Message* prototype = factory.GetPrototype(plan->message);
  const int64_t shown = std::min<int64_t>(args.rows_to_show, encoded.num_rows);
  out << "\nFirst " << shown << " records decoded back with protobuf's DynamicMessage:\n";
  for (int64_t row = 0; row < shown; ++row) {
    if (encoded.failed(row)) continue;
    std::unique_ptr<google::protobuf::Message> message(prototype->New());
    const std::string_view record = encoded.record(row);
    if (!message->ParseFromArray(record.data(), static_cast<int>(record.size()))) {
      return InternalError("record " + std::to_string(row) + " does not parse");
    }
    out << "  row " << row << " (" << record.size() << " bytes): " << message->ShortDebugString()
        << "\n";
  }
  return SendToEmulator(*plan, encoded, args, out);
}

}  // namespace arrow_zerobus::cli
