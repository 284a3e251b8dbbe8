#include "demo_command.h"

#include <chrono>
#include <memory>

#include <arrow/io/file.h>
#include <arrow/json/reader.h>
#include <arrow/table.h>
#include <google/protobuf/dynamic_message.h>

#include "encode/batch_encoder.h"
#include "schema/plan_cache.h"

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
  return Status::OK();
}

}  // namespace arrow_zerobus::cli
