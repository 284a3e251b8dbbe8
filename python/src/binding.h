// Shared pieces of the Python extension module arrow_zerobus_sdk_wrapper._core: the binding
// functions of each part, error conversion, interpreter-safe callbacks and interruptible waits.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include <nanobind/nanobind.h>

#include "arrow_zerobus/status.h"
#include "arrow_zerobus/telemetry.h"

namespace arrow_zerobus::python {

namespace nb = nanobind;

void BindErrors(nb::module_& m);
void BindConfig(nb::module_& m);
void BindResult(nb::module_& m);
void BindArrow(nb::module_& m);
void BindWrapper(nb::module_& m);
void BindEmulator(nb::module_& m);

// --- Errors ---------------------------------------------------------------------------------

/// The package's exception for `status` (an instance of the ZerobusError subclass of its kind),
/// made by the factory the package registered at import. Needs the GIL.
nb::object StatusToException(const Status& status);
/// Raises StatusToException(status) as a Python exception (throws nb::python_error).
[[noreturn]] void ThrowStatus(const Status& status);

// --- Telemetry --------------------------------------------------------------------------------

/// collect_telemetry() as plain Python data (docs/python.md): {"metrics": [...], "spans":
/// [...], "measurements": [...], "spans_dropped": n, "measurements_dropped": n}. Needs the GIL.
nb::dict TelemetryToPython(const TelemetryData& data);

// --- The interpreter and threads --------------------------------------------------------------

/// Whether the interpreter is shutting down: no thread may take the GIL then.
bool IsFinalizing();

/// A Python callable taken from a C++ thread: called with the GIL taken (never while the
/// interpreter is finalizing), at most once, and released under the GIL. Exceptions it raises
/// are reported as unraisable (they have nowhere else to go).
std::function<void()> MakeThreadSafeCallback(nb::object callable);

/// Waits with the GIL released until `wait_slice(slice)` returns true, calling
/// PyErr_CheckSignals between slices so that Ctrl-C raises KeyboardInterrupt (thrown as
/// nb::python_error). With a timeout, returns false once it has passed.
bool WaitInterruptibly(const std::function<bool(std::chrono::milliseconds)>& wait_slice,
                       std::optional<double> timeout_seconds = std::nullopt);

/// Runs `call` on a thread of its own and waits for it interruptibly (see WaitInterruptibly).
/// On KeyboardInterrupt the call goes on in the background; `call` must own what it uses.
Status RunInterruptibly(std::function<Status()> call);

}  // namespace arrow_zerobus::python
