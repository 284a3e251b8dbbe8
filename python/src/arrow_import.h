// Arrow data in and out of Python through the Arrow C Data Interface (PyCapsule protocol), with
// no dependency on pyarrow's C++ API: buffers are shared, never copied.
#pragma once

#include <memory>
#include <string_view>

#include <arrow/record_batch.h>

#include "binding.h"

namespace arrow_zerobus::python {

/// One record batch, or a stream of them.
struct ArrowInput {
  std::shared_ptr<arrow::RecordBatch> batch;
  std::shared_ptr<arrow::RecordBatchReader> reader;
  /// The rows the reader will yield when the object says (a pyarrow Table's num_rows), else 0:
  /// only a hint for sizing the result.
  int64_t expected_rows = 0;
};

/// Imports `data` through `__arrow_c_array__` (one batch: a pyarrow RecordBatch or any struct
/// array exporter) or `__arrow_c_stream__` (pyarrow Table and RecordBatchReader, polars
/// DataFrame, ...). Raises TypeError naming what is accepted; `what` names the call. Needs the
/// GIL (it calls the object's dunder methods).
ArrowInput ImportArrowInput(nb::handle data, std::string_view what);

/// `input` as one record batch: a stream is read to its end and its batches concatenated
/// (a copy, for extract_*_batch of a table). Raises on read errors. Needs the GIL (released
/// while reading).
std::shared_ptr<arrow::RecordBatch> CollectBatch(ArrowInput input);

/// A Python object exporting `batch` through `__arrow_c_array__` (pyarrow.record_batch() takes
/// it without copying).
nb::object ExportBatch(std::shared_ptr<arrow::RecordBatch> batch);

}  // namespace arrow_zerobus::python
