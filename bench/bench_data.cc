#include "bench_data.h"

#include <random>
#include <string>
#include <vector>

#include <arrow/builder.h>

namespace arrow_zerobus::bench {
namespace {

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  int64_t Int(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  double Real() { return std::uniform_real_distribution<double>(-1e6, 1e6)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  std::string Text(int64_t mean_length) {
    const int64_t n = Int(mean_length / 2, mean_length + mean_length / 2);
    std::string s(static_cast<size_t>(n), 'a');
    for (auto& c : s) c = static_cast<char>('a' + Int(0, 25));
    return s;
  }

 private:
  std::mt19937_64 rng_;
};

template <typename Builder, typename Fill>
std::shared_ptr<arrow::Array> Build(Builder&& builder, int64_t rows, Fill&& fill) {
  (void)builder.Reserve(rows);
  for (int64_t i = 0; i < rows; ++i) fill(builder);
  return builder.Finish().ValueOrDie();
}

/// Positive ids up to 10^12 (5-6 byte varints), as keys usually are.
std::shared_ptr<arrow::Array> Int64s(Generator& g, int64_t rows) {
  return Build(arrow::Int64Builder(), rows, [&](auto& b) { b.UnsafeAppend(g.Int(1, 1e12)); });
}
std::shared_ptr<arrow::Array> Int32s(Generator& g, int64_t rows) {
  return Build(arrow::Int32Builder(), rows, [&](auto& b) { b.UnsafeAppend(g.Int(0, 100000)); });
}
std::shared_ptr<arrow::Array> Doubles(Generator& g, int64_t rows) {
  return Build(arrow::DoubleBuilder(), rows, [&](auto& b) { b.UnsafeAppend(g.Real()); });
}
std::shared_ptr<arrow::Array> Bools(Generator& g, int64_t rows) {
  return Build(arrow::BooleanBuilder(), rows, [&](auto& b) { b.UnsafeAppend(g.Chance(0.5)); });
}
std::shared_ptr<arrow::Array> Strings(Generator& g, int64_t rows, int64_t mean_length) {
  return Build(arrow::StringBuilder(), rows, [&](auto& b) { (void)b.Append(g.Text(mean_length)); });
}

}  // namespace

std::shared_ptr<arrow::RecordBatch> MakeFlatBatch(int64_t rows, uint64_t seed) {
  Generator g(seed);
  auto timestamps = Build(arrow::TimestampBuilder(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"),
                                                  arrow::default_memory_pool()),
                          rows, [&](auto& b) { b.UnsafeAppend(g.Int(1.6e15, 1.8e15)); });
  auto dates = Build(arrow::Date32Builder(), rows, [&](auto& b) {
    if (g.Chance(0.1)) {
      b.UnsafeAppendNull();
    } else {
      b.UnsafeAppend(static_cast<int32_t>(g.Int(18000, 21000)));
    }
  });
  auto schema = arrow::schema({
      arrow::field("id", arrow::int64(), false),
      arrow::field("quantity", arrow::int32()),
      arrow::field("price", arrow::float64()),
      arrow::field("active", arrow::boolean()),
      arrow::field("sku", arrow::utf8()),
      arrow::field("created_at", arrow::timestamp(arrow::TimeUnit::MICRO, "UTC")),
      arrow::field("ship_date", arrow::date32()),
      arrow::field("note", arrow::utf8()),
  });
  return arrow::RecordBatch::Make(
      schema, rows,
      {Int64s(g, rows), Int32s(g, rows), Doubles(g, rows), Bools(g, rows), Strings(g, rows, 16),
       timestamps, dates, Strings(g, rows, 64)});
}

std::shared_ptr<arrow::RecordBatch> MakeNestedBatch(int64_t rows, uint64_t seed) {
  Generator g(seed);
  auto customer_type =
      arrow::struct_({arrow::field("id", arrow::int64()), arrow::field("name", arrow::utf8())});
  auto customers =
      arrow::StructArray::Make({Int64s(g, rows), Strings(g, rows, 12)}, customer_type->fields())
          .ValueOrDie();

  arrow::ListBuilder lists(arrow::default_memory_pool(), std::make_shared<arrow::Int32Builder>());
  auto& list_values = static_cast<arrow::Int32Builder&>(*lists.value_builder());
  arrow::MapBuilder maps(arrow::default_memory_pool(), std::make_shared<arrow::StringBuilder>(),
                         std::make_shared<arrow::Int64Builder>());
  auto& keys = static_cast<arrow::StringBuilder&>(*maps.key_builder());
  auto& items = static_cast<arrow::Int64Builder&>(*maps.item_builder());
  for (int64_t i = 0; i < rows; ++i) {
    (void)lists.Append();
    for (int64_t k = g.Int(0, 7); k > 0; --k) (void)list_values.Append(g.Int(0, 1 << 20));
    (void)maps.Append();
    for (int64_t k = g.Int(0, 4); k > 0; --k) {
      (void)keys.Append(g.Text(8));
      (void)items.Append(g.Int(-1e9, 1e9));
    }
  }
  auto schema = arrow::schema(
      {arrow::field("customer", customer_type), arrow::field("scores", arrow::list(arrow::int32())),
       arrow::field("attributes", arrow::map(arrow::utf8(), arrow::int64()))});
  return arrow::RecordBatch::Make(
      schema, rows, {customers, lists.Finish().ValueOrDie(), maps.Finish().ValueOrDie()});
}

std::shared_ptr<arrow::RecordBatch> MakeWideBatch(int64_t rows, uint64_t seed) {
  Generator g(seed);
  std::vector<std::shared_ptr<arrow::Field>> fields;
  std::vector<std::shared_ptr<arrow::Array>> columns;
  for (int c = 0; c < 200; ++c) {
    const std::string name = "c" + std::to_string(c);
    switch (c % 5) {
      case 0:
        fields.push_back(arrow::field(name, arrow::int64()));
        columns.push_back(Int64s(g, rows));
        break;
      case 1:
        fields.push_back(arrow::field(name, arrow::int32()));
        columns.push_back(Int32s(g, rows));
        break;
      case 2:
        fields.push_back(arrow::field(name, arrow::float64()));
        columns.push_back(Doubles(g, rows));
        break;
      case 3:
        fields.push_back(arrow::field(name, arrow::utf8()));
        columns.push_back(Strings(g, rows, 12));
        break;
      default:
        fields.push_back(arrow::field(name, arrow::boolean()));
        columns.push_back(Bools(g, rows));
        break;
    }
  }
  return arrow::RecordBatch::Make(arrow::schema(fields), rows, columns);
}

namespace {

// Orders rows [first_row, first_row + rows) with `customer` built by `CustomerBuilder`.
template <typename CustomerBuilder>
std::shared_ptr<arrow::RecordBatch> MakeOrders(int64_t rows, int64_t first_row) {
  arrow::Int64Builder ids;
  CustomerBuilder customers;
  arrow::DoubleBuilder amounts;
  arrow::Int32Builder quantities;
  arrow::TimestampBuilder created(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"),
                                  arrow::default_memory_pool());
  for (int64_t i = first_row; i < first_row + rows; ++i) {
    (void)ids.Append(i);
    (void)customers.Append("customer-" + std::to_string(i % 100000));
    (void)amounts.Append(static_cast<double>(i % 1000) * 0.25);
    (void)quantities.Append(static_cast<int32_t>(i % 17));
    (void)created.Append(1764000000000000LL + i);
  }
  auto schema = arrow::schema(
      {arrow::field("id", arrow::int64(), false), arrow::field("customer", customers.type()),
       arrow::field("amount", arrow::float64()), arrow::field("quantity", arrow::int32()),
       arrow::field("created_at", created.type())});
  return arrow::RecordBatch::Make(
      schema, rows,
      {ids.Finish().ValueOrDie(), customers.Finish().ValueOrDie(), amounts.Finish().ValueOrDie(),
       quantities.Finish().ValueOrDie(), created.Finish().ValueOrDie()});
}

}  // namespace

std::shared_ptr<arrow::RecordBatch> MakeOrdersBatch(int64_t rows) {
  return MakeOrders<arrow::StringBuilder>(rows, 0);
}

std::shared_ptr<arrow::RecordBatch> MakeCanonicalOrdersBatch(int64_t rows, int64_t first_row) {
  return MakeOrders<arrow::LargeStringBuilder>(rows, first_row);
}

}  // namespace arrow_zerobus::bench
