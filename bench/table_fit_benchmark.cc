// The cost of schema_source: table per row, in one run against today's encoder:
//   encode/orders/baseline        EncodeBatch of a batch that has the table's types (the encoder
//                                 as every send used it before the fit existed)
//   fit/orders_same_types/...     the same batch fitted to the table (nothing to convert), then
//                                 encoded, as the wrapper does it with schema_source: table
//   fit/orders_widening/...       a batch that needs a conversion in every column (int32 into
//                                 BIGINT, utf8 into STRING, float32 into DOUBLE, int16 into INT,
//                                 timestamp[ns, America/New_York] into TIMESTAMP)
// Each fit is also timed alone ("fit_only").
//   ARROW_ZEROBUS_BENCH_ROWS   rows per batch (default 1,000,000)
#include <cstdlib>
#include <string>
#include <vector>

#include <arrow/builder.h>
#include <benchmark/benchmark.h>

#include "bench_data.h"
#include "encode/batch_encoder.h"
#include "encode/table_fit.h"
#include "schema/schema_plan.h"
#include "schema/uc_arrow_schema.h"
#include "schema/uc_descriptor.h"

namespace arrow_zerobus::bench {
namespace {

int64_t BenchRows() {
  const char* rows = std::getenv("ARROW_ZEROBUS_BENCH_ROWS");
  return rows != nullptr ? std::atoll(rows) : 1000000;
}

[[noreturn]] void Die(const std::string& what, const Status& status) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), status.ToString().c_str());
  std::exit(1);
}

/// The orders table as Unity Catalog describes it.
std::vector<schema::UcColumn> OrdersColumns() {
  const std::pair<const char*, const char*> types[] = {{"id", "bigint"},
                                                       {"customer", "string"},
                                                       {"amount", "double"},
                                                       {"quantity", "int"},
                                                       {"created_at", "timestamp"}};
  std::vector<schema::UcColumn> columns;
  for (const auto& [name, type] : types) {
    schema::UcColumn column;
    column.name = name;
    column.type_text = type;
    column.position = static_cast<int64_t>(columns.size());
    column.nullable = std::string(name) != "id";
    columns.push_back(column);
  }
  return columns;
}

/// Orders rows in narrower or other types than the table's, the same values.
std::shared_ptr<arrow::RecordBatch> MakeWideningOrders(int64_t rows) {
  arrow::Int32Builder ids;
  arrow::StringBuilder customers;
  arrow::FloatBuilder amounts;
  arrow::Int16Builder quantities;
  arrow::TimestampBuilder created(arrow::timestamp(arrow::TimeUnit::NANO, "America/New_York"),
                                  arrow::default_memory_pool());
  for (int64_t i = 0; i < rows; ++i) {
    (void)ids.Append(static_cast<int32_t>(i));
    (void)customers.Append("customer-" + std::to_string(i % 100000));
    (void)amounts.Append(static_cast<float>(i % 1000) * 0.25f);
    (void)quantities.Append(static_cast<int16_t>(i % 17));
    (void)created.Append((1764000000000000LL + i) * 1000);
  }
  auto schema = arrow::schema(
      {arrow::field("ID", arrow::int32(), false), arrow::field("customer", arrow::utf8()),
       arrow::field("amount", arrow::float32()), arrow::field("quantity", arrow::int16()),
       arrow::field("created_at", created.type())});
  return arrow::RecordBatch::Make(
      schema, rows,
      {ids.Finish().ValueOrDie(), customers.Finish().ValueOrDie(), amounts.Finish().ValueOrDie(),
       quantities.Finish().ValueOrDie(), created.Finish().ValueOrDie()});
}

struct Setup {
  std::shared_ptr<arrow::Schema> table;
  std::shared_ptr<const schema::SchemaPlan> plan;  ///< the table's, with its descriptor
  std::shared_ptr<arrow::RecordBatch> same_types;
  std::shared_ptr<arrow::RecordBatch> widening;
};

const Setup& GetSetup() {
  static const Setup setup = [] {
    Setup s;
    const auto columns = OrdersColumns();
    auto table = schema::ArrowSchemaFromUcColumns(columns);
    if (!table.ok()) Die("table schema", table.status());
    s.table = *table;
    auto descriptor = schema::DescriptorFromUcColumns(columns, "Orders");
    if (!descriptor.ok()) Die("descriptor", descriptor.status());
    schema::PlanOptions options;
    options.descriptor = *descriptor;
    auto plan = schema::PlanSchema(*s.table, options);
    if (!plan.ok()) Die("plan", plan.status());
    s.plan = *plan;
    const int64_t rows = BenchRows();
    s.same_types = MakeCanonicalOrdersBatch(rows, 0);
    s.widening = MakeWideningOrders(rows);
    return s;
  }();
  return setup;
}

void Report(benchmark::State& state, int64_t rows) {
  state.SetItemsProcessed(state.iterations() * rows);
  state.counters["ns_per_row"] =
      benchmark::Counter(static_cast<double>(state.iterations() * rows),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

encode::EncodeOptions EncodeOptionsFor() {
  encode::EncodeOptions options;
  options.arena_pool = encode::ArenaPool::Make();
  return options;
}

void EncodeBaseline(benchmark::State& state) {
  const Setup& s = GetSetup();
  const encode::EncodeOptions options = EncodeOptionsFor();
  for (auto _ : state) {
    auto encoded = encode::EncodeBatch(*s.plan, *s.same_types, options);
    if (!encoded.ok()) Die("encode", encoded.status());
    benchmark::DoNotOptimize(encoded->arena->data());
  }
  Report(state, s.same_types->num_rows());
}

encode::TableFit PlanFit(const std::shared_ptr<arrow::RecordBatch>& batch) {
  auto fit = encode::PlanTableFit(batch->schema(), GetSetup().table, {});
  if (!fit.ok()) Die("plan fit", fit.status());
  return *fit;
}

void FitOnly(benchmark::State& state, const std::shared_ptr<arrow::RecordBatch>& batch) {
  const encode::TableFit fit = PlanFit(batch);
  for (auto _ : state) {
    auto fitted = encode::FitToTable(fit, *batch);
    if (!fitted.ok() || fitted->failed_count() != 0) Die("fit", fitted.status());
    benchmark::DoNotOptimize(fitted->batch.get());
  }
  Report(state, batch->num_rows());
}

/// What the wrapper's Protobuf format does with schema_source table: fit, then encode the fitted
/// rows (already validated by the fit).
void FitThenEncode(benchmark::State& state, const std::shared_ptr<arrow::RecordBatch>& batch) {
  const Setup& s = GetSetup();
  const encode::TableFit fit = PlanFit(batch);
  encode::EncodeOptions options = EncodeOptionsFor();
  options.validate = false;
  for (auto _ : state) {
    auto fitted = encode::FitToTable(fit, *batch);
    if (!fitted.ok()) Die("fit", fitted.status());
    auto encoded = encode::EncodeBatch(*s.plan, *fitted->batch, options);
    if (!encoded.ok()) Die("encode", encoded.status());
    benchmark::DoNotOptimize(encoded->arena->data());
  }
  Report(state, batch->num_rows());
}

void RegisterAll() {
  benchmark::RegisterBenchmark("encode/orders/baseline", EncodeBaseline)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  for (const auto& [name, same] :
       {std::pair<const char*, bool>{"orders_same_types", true}, {"orders_widening", false}}) {
    const std::string prefix = std::string("fit/") + name + "/";
    const bool same_types = same;
    auto batch = [same_types] { return same_types ? GetSetup().same_types : GetSetup().widening; };
    benchmark::RegisterBenchmark((prefix + "fit_then_encode").c_str(),
                                 [batch](benchmark::State& st) { FitThenEncode(st, batch()); })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark((prefix + "fit_only").c_str(),
                                 [batch](benchmark::State& st) { FitOnly(st, batch()); })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
}

}  // namespace
}  // namespace arrow_zerobus::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  arrow_zerobus::bench::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
