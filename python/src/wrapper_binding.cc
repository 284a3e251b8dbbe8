// _core.Wrapper and _core.PendingSend: the C++ ZerobusWrapper for the Python ZerobusWrapper
// (arrow_zerobus_sdk_wrapper/wrapper.py). The GIL is released for every conversion, send and
// wait; blocking waits run in slices so that Ctrl-C interrupts them.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "arrow_import.h"
#include "binding.h"
#include "pending_send.h"

namespace arrow_zerobus::python {
namespace {

nb::dict LaneDict(const StreamLaneStats& lane) {
  nb::dict entry;
  entry["lane"] = lane.lane;
  entry["stream_id"] = lane.stream_id;
  entry["requests_sent"] = lane.requests_sent;
  entry["requests_acked"] = lane.requests_acked;
  entry["records_acked"] = lane.records_acked;
  entry["bytes_acked"] = lane.bytes_acked;
  entry["records_replayed"] = lane.records_replayed;
  entry["reconnects"] = lane.reconnects;
  entry["last_acked_offset"] = lane.last_acked_offset;
  entry["resumes"] = lane.resumes;
  entry["requests_committed_on_resume"] = lane.requests_committed_on_resume;
  return entry;
}

class PyWrapper {
 public:
  explicit PyWrapper(const WrapperConfiguration& config) {
    std::optional<Result<std::unique_ptr<ZerobusWrapper>>> created;
    {
      nb::gil_scoped_release release;
      created.emplace(ZerobusWrapper::Create(config));
    }
    if (!created->ok()) ThrowStatus(created->status());
    handle_ = std::make_shared<WrapperHandle>(std::move(*created).value());
  }

  ~PyWrapper() {
    // Dropping the last reference shuts the wrapper down (flush, close, join its threads),
    // which may wait for callbacks that need the GIL.
    nb::gil_scoped_release release;
    handle_.reset();
  }

  PendingSend Submit(nb::handle data, nb::object on_done, const std::string& traceparent) {
    ArrowInput input = ImportArrowInput(data, "send_batch");
    CheckSchema(input.batch != nullptr ? input.batch->schema() : input.reader->schema());
    std::function<void()> callback = MakeThreadSafeCallback(std::move(on_done));
    const SpanContext parent = SpanContext::FromTraceparent(traceparent);
    nb::gil_scoped_release release;
    if (input.batch != nullptr) {
      return PendingSend::SendBatch(handle_, std::move(input.batch), std::move(callback), parent);
    }
    return PendingSend::SendStream(handle_, std::move(input.reader), input.expected_rows,
                                   std::move(callback), parent);
  }

  TransmissionResult Send(nb::handle data, const std::string& traceparent) {
    PendingSend pending = Submit(data, nb::none(), traceparent);
    return Wait(pending);
  }

  nb::dict CollectTelemetry() {
    TelemetryData data;
    {
      nb::gil_scoped_release release;
      data = handle_->wrapper().collect_telemetry();
    }
    return TelemetryToPython(data);
  }

  void Flush() {
    WaitForStreams();
    auto handle = handle_;
    Status status = RunInterruptibly([handle]() mutable {
      Status flushed = handle->wrapper().flush();
      handle.reset();
      return flushed;
    });
    if (!status.ok()) ThrowStatus(status);
  }

  // The error of closing the stream or the debug files, or None. Not raised: the rows it
  // concerns were reported in their results already.
  nb::object Shutdown() {
    handle_->shut_down = true;
    WaitForStreams();
    auto handle = handle_;
    Status status = RunInterruptibly([handle]() mutable {
      Status closed = handle->wrapper().shutdown();
      handle.reset();
      return closed;
    });
    return status.ok() ? nb::none() : nb::cast(status);
  }

  // A schema the wrapper cannot send raises one ConfigurationError naming the column and its
  // type, before any row is read, instead of failing every row with it.
  void CheckSchema(const std::shared_ptr<arrow::Schema>& schema) const {
    Status status;
    {
      nb::gil_scoped_release release;
      status = handle_->wrapper().check_schema(schema);
    }
    if (!status.ok()) ThrowStatus(status);
  }

  bool shut_down() const { return handle_->shut_down; }
  const WrapperConfiguration& configuration() const { return handle_->wrapper().configuration(); }

  nb::dict Stats() const {
    WrapperStats stats;
    {
      nb::gil_scoped_release release;
      stats = handle_->wrapper().stats();
    }
    nb::dict out;
    out["batches"] = stats.batches;
    out["rows_succeeded"] = stats.rows_succeeded;
    out["rows_failed"] = stats.rows_failed;
    out["encoded_bytes"] = stats.encoded_bytes;
    out["requests_sent"] = stats.requests_sent;
    out["requests_replayed"] = stats.requests_replayed;
    out["streams_opened"] = stats.streams_opened;
    nb::list streams;
    for (const StreamLaneStats& lane : stats.streams) streams.append(LaneDict(lane));
    out["streams"] = streams;
    return out;
  }

  // delivery exactly_once: the streams for data of this schema, opened now (resumed with
  // resume_stream_ids), one dict per lane as in stats().
  nb::list OpenStreams(nb::handle data) {
    ArrowInput input = ImportArrowInput(data, "open_streams");
    const auto schema = input.batch != nullptr ? input.batch->schema() : input.reader->schema();
    std::optional<Result<std::vector<StreamLaneStats>>> opened;
    {
      nb::gil_scoped_release release;
      opened.emplace(handle_->wrapper().open_streams(schema));
    }
    if (!opened->ok()) ThrowStatus(opened->status());
    nb::list streams;
    for (const StreamLaneStats& lane : **opened) streams.append(LaneDict(lane));
    return streams;
  }

  nb::object DebugStatus() const {
    Status status = handle_->wrapper().debug_status();
    return status.ok() ? nb::none() : nb::cast(status);
  }

  // Waits for the result; on KeyboardInterrupt cancels what can be cancelled and re-raises.
  static TransmissionResult Wait(const PendingSend& pending) {
    try {
      WaitInterruptibly([&](std::chrono::milliseconds slice) { return pending.wait_for(slice); });
    } catch (nb::python_error&) {
      nb::gil_scoped_release release;
      pending.cancel();
      throw;
    }
    return pending.result();
  }

 private:
  void WaitForStreams() {
    WaitInterruptibly(
        [&](std::chrono::milliseconds slice) { return handle_->WaitForStreams(slice); });
  }

  std::shared_ptr<WrapperHandle> handle_;
};

}  // namespace

void BindWrapper(nb::module_& m) {
  nb::class_<PendingSend>(m, "PendingSend", "A send in progress.")
      .def(
          "done",
          [](const PendingSend& self) {
            nb::gil_scoped_release release;
            return self.ready();
          },
          "Whether the result is known.")
      .def(
          "wait",
          [](const PendingSend& self, std::optional<double> timeout) {
            return WaitInterruptibly(
                [&](std::chrono::milliseconds slice) { return self.wait_for(slice); }, timeout);
          },
          nb::arg("timeout") = nb::none(),
          "Waits (interruptibly) for the result; False if `timeout` seconds passed first.")
      .def(
          "result", [](const PendingSend& self) { return PyWrapper::Wait(self); },
          "The result, waiting for it (Ctrl-C cancels what can be cancelled).")
      .def(
          "cancel",
          [](const PendingSend& self) {
            nb::gil_scoped_release release;
            return self.cancel();
          },
          "Cancels the rows not yet handed to the stream; False when too late.")
      .def("__repr__", [](const PendingSend& self) {
        bool ready;
        {
          nb::gil_scoped_release release;
          ready = self.ready();
        }
        return ready ? "<PendingSend done>" : "<PendingSend in progress>";
      });

  nb::class_<PyWrapper>(m, "Wrapper", "The C++ ZerobusWrapper.")
      .def(nb::init<const WrapperConfiguration&>(), nb::arg("config"))
      .def("submit", &PyWrapper::Submit, nb::arg("data").none(),
           nb::arg("on_done").none() = nb::none(), nb::arg("traceparent") = "",
           "Starts sending `data`; on_done() is called on a wrapper thread once the result is "
           "known. `traceparent` (W3C) names the caller's span, parent of the batch's spans.")
      .def("send", &PyWrapper::Send, nb::arg("data").none(), nb::arg("traceparent") = "",
           "Sends `data` and waits for the result.")
      .def("collect_telemetry", &PyWrapper::CollectTelemetry,
           "Metrics now, and in pull mode the spans and measurements since the last call.")
      .def("flush", &PyWrapper::Flush, "Waits for every send so far, then flushes debug files.")
      .def("shutdown", &PyWrapper::Shutdown,
           "Flushes, closes the stream and the debug files; the error of closing, or None.")
      .def_prop_ro("shut_down", &PyWrapper::shut_down)
      .def_prop_ro("configuration", &PyWrapper::configuration, nb::rv_policy::copy)
      .def("stats", &PyWrapper::Stats, "Totals since the wrapper was created.")
      .def("open_streams", &PyWrapper::OpenStreams, nb::arg("data"),
           "delivery exactly_once: opens (or resumes) the streams for data of this schema now.")
      .def("debug_status", &PyWrapper::DebugStatus, "The first debug-file error, or None.");
}

}  // namespace arrow_zerobus::python
