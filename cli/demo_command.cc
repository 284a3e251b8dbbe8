#include "demo_command.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <memory>
#include <sstream>

#include <arrow/array/array_primitive.h>
#include <arrow/io/file.h>
#include <arrow/json/reader.h>
#include <arrow/table.h>

#include "arrow_json.h"
#include "arrow_zerobus/wrapper.h"
#include "debug/debug_reader.h"
#include "emulator.h"

namespace arrow_zerobus::cli {
namespace {

constexpr char kDemoTable[] = "main.demo.orders";

// How the file is read: every column nullable, since Arrow's JSON reader refuses nulls in
// non-nullable fields outright.
std::shared_ptr<arrow::Schema> FileSchema() {
  return arrow::schema({
      arrow::field("order_id", arrow::int64()),
      arrow::field("customer", arrow::utf8()),
      arrow::field("amount", arrow::float64()),
      arrow::field("quantity", arrow::int32()),
      arrow::field("created_at", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
      arrow::field("shipped", arrow::boolean()),
      arrow::field("tags", arrow::list(arrow::utf8())),
      arrow::field("address", arrow::struct_({arrow::field("city", arrow::utf8()),
                                              arrow::field("zip", arrow::utf8())})),
  });
}

// The orders table as Unity Catalog describes it: order_id and customer are required, so the
// rows where the file has nulls there cannot be sent.
std::vector<emulator::TableColumn> OrdersTable() {
  return {
      {"order_id", "BIGINT", false},     {"customer", "STRING", false},
      {"amount", "DOUBLE", true},        {"quantity", "INT", true},
      {"created_at", "TIMESTAMP", true}, {"shipped", "BOOLEAN", true},
      {"tags", "ARRAY<STRING>", true},   {"address", "STRUCT<city: STRING, zip: STRING>", true}};
}

Result<std::shared_ptr<arrow::RecordBatch>> ReadOrders(const std::string& path) {
  auto file = arrow::io::ReadableFile::Open(path);
  if (!file.ok()) return IoError("cannot open " + path + ": " + file.status().message());
  auto parse = arrow::json::ParseOptions::Defaults();
  parse.explicit_schema = FileSchema();
  parse.unexpected_field_behavior = arrow::json::UnexpectedFieldBehavior::Error;
  auto reader = arrow::json::TableReader::Make(arrow::default_memory_pool(), *file,
                                               arrow::json::ReadOptions::Defaults(), parse);
  if (!reader.ok()) return IoError("cannot read " + path + ": " + reader.status().message());
  auto table = (*reader)->Read();
  if (!table.ok()) return IoError("cannot parse " + path + ": " + table.status().message());
  auto batch = (*table)->CombineChunksToBatch();
  if (!batch.ok()) return IoError("cannot combine " + path + ": " + batch.status().message());
  // The table's view: order_id and customer not nullable.
  auto fields = (*batch)->schema()->fields();
  fields[0] = fields[0]->WithNullable(false);
  fields[1] = fields[1]->WithNullable(false);
  return arrow::RecordBatch::Make(arrow::schema(fields), (*batch)->num_rows(), (*batch)->columns());
}

std::string OrderId(const arrow::RecordBatch& batch, int64_t row) {
  const auto& ids = static_cast<const arrow::Int64Array&>(*batch.column(0));
  return ids.IsNull(row) ? "null" : std::to_string(ids.Value(row));
}

void ShowOutcomes(const arrow::RecordBatch& batch, const TransmissionResult& result,
                  std::ostream& out) {
  out << "\nWhat became of each row:\n";
  auto failure = result.failed_rows.begin();
  for (int64_t row = 0; row < result.total_rows; ++row) {
    out << "  row " << std::setw(2) << row << "  order_id " << std::setw(4) << OrderId(batch, row)
        << "  ";
    if (failure != result.failed_rows.end() && failure->row == row) {
      out << "FAILED  " << ErrorKindName(failure->error.kind()) << ": " << failure->error.message()
          << "\n";
      ++failure;
    } else {
      out << "landed\n";
    }
  }
  out << "\n" << result.Summary() << "\n";
  for (const auto& [type, rows] : result.group_errors_by_type()) {
    out << "  " << type << ": " << rows.size() << " row(s)\n";
  }
  const ErrorStatistics stats = result.get_error_statistics();
  out << "  success rate " << std::fixed << std::setprecision(1) << stats.success_rate * 100
      << "%\n";
  out.unsetf(std::ios::floatfield);
}

// The emulator lands rows in Arrow IPC stream files with the table's column types.
Status ShowLanded(const std::filesystem::path& data_dir, int rows_to_show, std::ostream& out) {
  for (const auto& entry : std::filesystem::directory_iterator(data_dir / kDemoTable)) {
    out << "\nRows as the emulator landed them (" << entry.path().string() << "):\n";
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto landed, debug::ReadArrowDebugFile(entry.path()));
    std::ostringstream lines;
    ARROW_ZEROBUS_RETURN_NOT_OK(WriteTableAsJsonLines(*landed->Slice(0, rows_to_show), lines));
    std::istringstream shown(lines.str());
    for (std::string line; std::getline(shown, line);) out << "  " << line << "\n";
  }
  return Status::OK();
}

void ShowDebugFiles(const std::filesystem::path& debug_dir, int rows_to_show, std::ostream& out) {
  out << "\nDebug files (" << debug_dir.string() << "):\n";
  std::filesystem::path records_file;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(debug_dir)) {
    if (!entry.is_regular_file()) continue;
    out << "  " << std::filesystem::relative(entry.path(), debug_dir).string() << " ("
        << entry.file_size() << " bytes)\n";
    if (entry.path().extension() == ".pbs") records_file = entry.path();
  }
  if (records_file.empty()) return;
  out << "Protobuf debug records decoded with the saved descriptor (zerobus-arrow debug read):\n";
  std::ostringstream json;
  if (Status read = debug::WriteRecordsAsJson(records_file, json); !read.ok()) {
    out << "  " << read.ToString() << "\n";
    return;
  }
  std::istringstream lines(json.str());
  std::string line;
  for (int shown = 0; shown < rows_to_show && std::getline(lines, line); ++shown) {
    out << "  " << line << "\n";
  }
}

}  // namespace

Status RunDemo(const DemoArgs& args, std::ostream& out) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto batch, ReadOrders(args.input_path));
  out << "Read " << batch->num_rows() << " orders from " << args.input_path << "\n"
      << "Arrow schema:\n"
      << batch->schema()->ToString() << "\n";

  const auto work_dir =
      std::filesystem::temp_directory_path() / ("zerobus-arrow-demo-" + std::to_string(::getpid()));
  emulator::EmulatorOptions options;
  options.data_dir = work_dir / "landed";
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto emu, emulator::Emulator::Start(options));
  emu->DeclareTable(kDemoTable, OrdersTable());
  out << "\nStarted the Zerobus emulator: endpoint " << emu->endpoint() << ", token endpoint "
      << emu->workspace_url() << "/oidc/v1/token\n";

  WrapperConfiguration config(emu->endpoint(), kDemoTable);
  config.with_credentials(emulator::kDefaultClientId, emulator::kDefaultClientSecret)
      .with_unity_catalog(emu->workspace_url())
      .with_debug_output(work_dir / "debug");
  out << "\nWrapper configuration (excerpt; secrets are never printed):\n";
  std::istringstream settings(config.ToString());
  for (std::string line; std::getline(settings, line);) {
    for (const char* key : {"zerobus_endpoint:", "table_name:", "unity_catalog_url:", "client_id:",
                            "client_secret:", "debug_output_dir:"}) {
      if (line.rfind(key, 0) == 0) out << "  " << line << "\n";
    }
  }
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto wrapper, ZerobusWrapper::Create(config));

  TransmissionResult result = wrapper->send_batch(batch);
  ShowOutcomes(*batch, result, out);
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto quarantined, result.extract_failed_batch(*batch));
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto landed, result.extract_successful_batch(*batch));
  out << "Quarantine: extract_failed_batch gives " << quarantined->num_rows()
      << " rows to fix; extract_successful_batch gives the " << landed->num_rows()
      << " that landed.\n";

  ARROW_ZEROBUS_RETURN_NOT_OK(wrapper->shutdown());
  ARROW_ZEROBUS_RETURN_NOT_OK(ShowLanded(options.data_dir, args.rows_to_show, out));
  ShowDebugFiles(work_dir / "debug", args.rows_to_show, out);

  const int64_t landed_records = emu->Counters(kDemoTable).records;
  if (!result.success || landed_records != result.successful_count) {
    return InternalError("the demo expected every good row to land: " + result.Summary() +
                         "; the emulator landed " + std::to_string(landed_records));
  }
  out << "\nDone: " << landed_records << " rows landed, " << result.failed_count
      << " bad rows reported with their reasons. Files are under " << work_dir.string() << "\n";
  return Status::OK();
}

}  // namespace arrow_zerobus::cli
