// Deterministic data sets for the benchmarks: the encode benchmark's flat, nested and wide
// schemas, and the wrapper benchmarks' orders.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <arrow/record_batch.h>

namespace arrow_zerobus::bench {

/// 8 columns: int64, int32, double, bool, ~16-byte string, timestamp, nullable date, ~64-byte
/// string.
std::shared_ptr<arrow::RecordBatch> MakeFlatBatch(int64_t rows, uint64_t seed);
/// struct<id int64, name string>, list<int32> (0-7 elements), map<string, int64> (0-4 entries).
std::shared_ptr<arrow::RecordBatch> MakeNestedBatch(int64_t rows, uint64_t seed);
/// 200 columns cycling int64, int32, double, ~12-byte string, bool.
std::shared_ptr<arrow::RecordBatch> MakeWideBatch(int64_t rows, uint64_t seed);

/// The wrapper benchmarks' orders: id int64 not null, customer ~15-byte string, amount double,
/// quantity int32, created_at timestamp(us, UTC); about 45 bytes per encoded row. The same
/// values as bench/python_wrapper_benchmark.py's make_batch().
std::shared_ptr<arrow::RecordBatch> MakeOrdersBatch(int64_t rows);
/// The orders already in the service's canonical Arrow types (`customer` large_utf8): rows
/// [first_row, first_row + rows) of one numbering, so that consecutive batches continue the ids.
std::shared_ptr<arrow::RecordBatch> MakeCanonicalOrdersBatch(int64_t rows, int64_t first_row);

}  // namespace arrow_zerobus::bench
