// _core.Status and _core.TransmissionResult: the C++ result of a send, read by the Python
// TransmissionResult (arrow_zerobus_sdk_wrapper/result.py).
#include <nanobind/stl/map.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <optional>
#include <string>

#include "arrow_import.h"
#include "arrow_zerobus/transmission_result.h"
#include "binding.h"

namespace arrow_zerobus::python {
namespace {

nb::object OptionalStatus(const Status& status) {
  return status.ok() ? nb::none() : nb::cast(status);
}

nb::list FailedRows(const TransmissionResult& result) {
  nb::list rows;
  for (const RowFailure& failure : result.failed_rows) {
    rows.append(nb::make_tuple(failure.row, failure.error));
  }
  return rows;
}

void SetFailedRows(TransmissionResult& result,
                   const std::vector<std::pair<int64_t, Status>>& rows) {
  result.failed_rows.clear();
  for (const auto& [row, error] : rows) result.failed_rows.push_back({row, error});
}

// `batch` must be what was sent (a table is combined into one batch first).
nb::object Extract(const TransmissionResult& result, nb::handle data, bool failed) {
  std::shared_ptr<arrow::RecordBatch> batch = CollectBatch(
      ImportArrowInput(data, failed ? "extract_failed_batch" : "extract_successful_batch"));
  std::optional<Result<std::shared_ptr<arrow::RecordBatch>>> taken;
  {
    nb::gil_scoped_release release;
    taken.emplace(failed ? result.extract_failed_batch(*batch)
                         : result.extract_successful_batch(*batch));
  }
  if (!taken->ok()) ThrowStatus(taken->status());
  return ExportBatch(std::move(*taken).value());
}

nb::object FailedBatch(const TransmissionResult& result) {
  std::optional<Result<std::shared_ptr<arrow::RecordBatch>>> failed;
  {
    nb::gil_scoped_release release;
    failed.emplace(result.failed_batch());
  }
  if (!failed->ok()) ThrowStatus(failed->status());
  return ExportBatch(std::move(*failed).value());
}

nb::dict Statistics(const TransmissionResult& result) {
  const ErrorStatistics stats = result.get_error_statistics();
  nb::dict out;
  out["total_rows"] = stats.total_rows;
  out["successful_count"] = stats.successful_count;
  out["failed_count"] = stats.failed_count;
  out["success_rate"] = stats.success_rate;
  out["failure_rate"] = stats.failure_rate;
  nb::dict counts;
  for (const auto& [type, count] : stats.error_type_counts) counts[nb::cast(type)] = count;
  out["error_type_counts"] = counts;
  return out;
}

}  // namespace

void BindResult(nb::module_& m) {
  nb::class_<Status>(m, "Status", "An error of the C++ library (or OK).")
      .def(
          "__init__",
          [](Status* self, const std::string& error_type, const std::string& message,
             bool retryable) {
            ErrorKind kind = ErrorKind::kInternal;
            for (int k = 0; k <= static_cast<int>(ErrorKind::kInternal); ++k) {
              if (ErrorKindName(static_cast<ErrorKind>(k)) == error_type) {
                kind = static_cast<ErrorKind>(k);
              }
            }
            new (self) Status(StatusCode::kUnknown, kind, message, retryable);
          },
          nb::arg("error_type"), nb::arg("message"), nb::arg("retryable") = false,
          "An error of the given type name (tests build results by hand).")
      .def_prop_ro("ok", &Status::ok)
      .def_prop_ro(
          "error_type", [](const Status& self) { return std::string(ErrorKindName(self.kind())); },
          "The original's type name: 'ConversionError', 'ConnectionError', ...")
      .def_prop_ro(
          "code", [](const Status& self) { return std::string(StatusCodeName(self.code())); },
          "The gRPC code name ('INVALID_ARGUMENT', 'UNAVAILABLE', ...).")
      .def_prop_ro("message", &Status::message, "The cause, naming column and value if any.")
      .def_prop_ro("retryable", &Status::retryable, "Whether sending again may succeed.")
      .def("to_exception", &StatusToException,
           "The package's exception (ZerobusError subclass) for this error.")
      .def("__str__", &Status::ToString)
      .def("__repr__", [](const Status& self) { return "<Status " + self.ToString() + ">"; });

  nb::class_<TransmissionResult>(m, "TransmissionResult",
                                 "The C++ TransmissionResult (see transmission_result.h).")
      .def(nb::init<>())
      .def_rw("success", &TransmissionResult::success)
      .def_prop_rw(
          "error", [](const TransmissionResult& self) { return OptionalStatus(self.error); },
          [](TransmissionResult& self, nb::handle error) {
            self.error = error.is_none() ? Status::OK() : nb::cast<Status>(error);
          })
      .def_rw("attempts", &TransmissionResult::attempts)
      .def_rw("latency_ms", &TransmissionResult::latency_ms)
      .def_rw("batch_size_bytes", &TransmissionResult::batch_size_bytes)
      .def_rw("encoded_bytes", &TransmissionResult::encoded_bytes)
      .def_rw("requests_sent", &TransmissionResult::requests_sent)
      .def_rw("requests_replayed", &TransmissionResult::requests_replayed)
      .def_rw("rows_replayed", &TransmissionResult::rows_replayed)
      .def_rw("stream_ids", &TransmissionResult::stream_ids)
      .def_rw("writer_disabled", &TransmissionResult::writer_disabled)
      .def_prop_ro("debug_error",
                   [](const TransmissionResult& self) { return OptionalStatus(self.debug_error); })
      .def_rw("total_rows", &TransmissionResult::total_rows)
      .def_rw("successful_count", &TransmissionResult::successful_count)
      .def_rw("failed_count", &TransmissionResult::failed_count)
      .def_rw("successful_rows", &TransmissionResult::successful_rows)
      .def_prop_rw("failed_rows", &FailedRows, &SetFailedRows,
                   "[(row, Status)] in ascending row order.")
      .def_prop_ro("all_rows_landed", &TransmissionResult::all_rows_landed,
                   "No error, no failed row, and the writer enabled.")
      .def("failed_batch", &FailedBatch,
           "The failed rows' values kept by the send, with _zerobus_row, _zerobus_error_type "
           "and _zerobus_error appended.")
      .def("is_partial_success", &TransmissionResult::is_partial_success)
      .def("has_failed_rows", &TransmissionResult::has_failed_rows)
      .def("has_successful_rows", &TransmissionResult::has_successful_rows)
      .def("get_failed_row_indices", &TransmissionResult::get_failed_row_indices)
      .def("get_successful_row_indices", &TransmissionResult::get_successful_row_indices)
      .def("get_failed_row_indices_by_error_type",
           &TransmissionResult::get_failed_row_indices_by_error_type, nb::arg("type_name"))
      .def("group_errors_by_type", &TransmissionResult::group_errors_by_type)
      .def("get_error_statistics", &Statistics)
      .def("get_error_messages", &TransmissionResult::get_error_messages)
      .def(
          "extract_failed_batch",
          [](const TransmissionResult& self, nb::handle data) { return Extract(self, data, true); },
          nb::arg("batch").none())
      .def(
          "extract_successful_batch",
          [](const TransmissionResult& self, nb::handle data) {
            return Extract(self, data, false);
          },
          nb::arg("batch").none())
      .def("summary", &TransmissionResult::Summary);
}

}  // namespace arrow_zerobus::python
