// arrow_zerobus_sdk_wrapper._core: the C++ library for the Python package. The public API is the
// Python package around it; this module is its implementation.
#include <arrow/compute/initialize.h>

#include "arrow_zerobus/version.h"
#include "binding.h"

NB_MODULE(_core, m) {
  namespace py = arrow_zerobus::python;
  m.doc() = "C++ core of arrow_zerobus_sdk_wrapper (use the package, not this module).";
  m.attr("__version__") = ARROW_ZEROBUS_VERSION;
  m.attr("BUILT_WITH_ARROW") = ARROW_ZEROBUS_BUILT_WITH_ARROW;
  // extract_*_batch use Arrow compute (Take), whose kernels register on initialization.
  arrow::Status initialized = arrow::compute::Initialize();
  if (!initialized.ok()) {
    PyErr_SetString(PyExc_ImportError, initialized.ToString().c_str());
    throw nanobind::python_error();
  }
  py::BindErrors(m);
  py::BindConfig(m);
  py::BindResult(m);
  py::BindArrow(m);
  py::BindWrapper(m);
  py::BindEmulator(m);
}
