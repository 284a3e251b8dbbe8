// Encodes the same batch three ways in one run: our columnar encoder, a per-row reflection
// baseline (DynamicMessage), and a memcpy of the encoded bytes (the physical floor).
//   ARROW_ZEROBUS_BENCH_ROWS   rows per batch (default 1,000,000)
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_data.h"
#include "encode/batch_encoder.h"
#include "reflection_encoder.h"

namespace arrow_zerobus::bench {
namespace {

int64_t BenchRows() {
  const char* rows = std::getenv("ARROW_ZEROBUS_BENCH_ROWS");
  return rows != nullptr ? std::atoll(rows) : 1000000;
}

struct Dataset {
  std::shared_ptr<arrow::RecordBatch> batch;
  std::shared_ptr<const schema::SchemaPlan> plan;
  int64_t encoded_bytes = 0;
};

/// Builds a data set on first use, so a filtered run generates only what it measures.
class LazyDataset {
 public:
  LazyDataset(std::string name, std::function<std::shared_ptr<arrow::RecordBatch>()> make)
      : name_(std::move(name)), make_(std::move(make)) {}

  const std::string& name() const { return name_; }

  const Dataset& Get() {
    if (dataset_.batch != nullptr) return dataset_;
    dataset_.batch = make_();
    auto plan = schema::PlanSchema(*dataset_.batch->schema());
    if (!plan.ok()) {
      std::fprintf(stderr, "planning %s failed: %s\n", name_.c_str(),
                   plan.status().ToString().c_str());
      std::exit(1);
    }
    dataset_.plan = *plan;
    auto encoded = encode::EncodeBatch(*dataset_.plan, *dataset_.batch);
    if (!encoded.ok() || encoded->failed_count() != 0) {
      std::fprintf(stderr, "encoding %s failed\n", name_.c_str());
      std::exit(1);
    }
    dataset_.encoded_bytes = encoded->encoded_bytes();
    return dataset_;
  }

 private:
  std::string name_;
  std::function<std::shared_ptr<arrow::RecordBatch>()> make_;
  Dataset dataset_;
};

void Report(benchmark::State& state, const Dataset& d) {
  state.SetItemsProcessed(state.iterations() * d.batch->num_rows());
  state.SetBytesProcessed(state.iterations() * d.encoded_bytes);
  state.counters["bytes_per_row"] =
      static_cast<double>(d.encoded_bytes) / static_cast<double>(d.batch->num_rows());
}

void Ours(benchmark::State& state, const Dataset& d, bool validate) {
  encode::EncodeOptions options;
  options.validate = validate;
  options.arena_pool = encode::ArenaPool::Make();
  for (auto _ : state) {
    auto encoded = encode::EncodeBatch(*d.plan, *d.batch, options);
    benchmark::DoNotOptimize(encoded->arena->data());
  }
  Report(state, d);
}

void Reflection(benchmark::State& state, const Dataset& d) {
  ReflectionEncoder encoder(*d.plan);
  std::string out;
  std::vector<int64_t> offsets;
  for (auto _ : state) {
    encoder.Encode(*d.batch, &out, &offsets);
    benchmark::DoNotOptimize(out.data());
  }
  if (static_cast<int64_t>(out.size()) != d.encoded_bytes) {
    state.SkipWithError("reflection output size differs from ours");
  }
  Report(state, d);
}

void MemcpyFloor(benchmark::State& state, const Dataset& d) {
  auto encoded = encode::EncodeBatch(*d.plan, *d.batch).value();
  std::vector<uint8_t> copy(static_cast<size_t>(d.encoded_bytes));
  std::vector<int64_t> offsets(encoded.offsets.size());
  for (auto _ : state) {
    std::memcpy(copy.data(), encoded.arena->data(), copy.size());
    std::memcpy(offsets.data(), encoded.offsets.data(), offsets.size() * sizeof(int64_t));
    benchmark::DoNotOptimize(copy.data());
    benchmark::ClobberMemory();
  }
  Report(state, d);
}

void RegisterAll() {
  const int64_t rows = BenchRows();
  const int64_t wide_rows = rows / 10 > 0 ? rows / 10 : 1;
  const std::vector<std::shared_ptr<LazyDataset>> datasets = {
      std::make_shared<LazyDataset>("flat", [rows] { return MakeFlatBatch(rows, 42); }),
      std::make_shared<LazyDataset>("nested", [rows] { return MakeNestedBatch(rows, 43); }),
      std::make_shared<LazyDataset>("wide", [wide_rows] { return MakeWideBatch(wide_rows, 44); }),
      std::make_shared<LazyDataset>("orders", [rows] { return MakeCanonicalOrdersBatch(rows, 0); }),
  };
  for (const auto& d : datasets) {
    const std::string prefix = "encode/" + d->name() + "/";
    benchmark::RegisterBenchmark((prefix + "ours").c_str(),
                                 [d](benchmark::State& s) { Ours(s, d->Get(), true); })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark((prefix + "ours_no_validate").c_str(),
                                 [d](benchmark::State& s) { Ours(s, d->Get(), false); })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark((prefix + "reflection").c_str(),
                                 [d](benchmark::State& s) { Reflection(s, d->Get()); })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark((prefix + "memcpy_floor").c_str(),
                                 [d](benchmark::State& s) { MemcpyFloor(s, d->Get()); })
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
