// Status -> the package's exception classes. The classes live in Python
// (arrow_zerobus_sdk_wrapper/errors.py); the package registers a factory at import that maps a
// status's kind to its class, so the mapping exists in one place.
#include <nanobind/stl/string.h>

#include <string>

#include "arrow_zerobus/status.h"
#include "binding.h"

namespace arrow_zerobus::python {
namespace {

// A strong reference kept for the life of the process: it must outlive every C++ thread that
// may still report an error, and is deliberately never released at interpreter teardown.
PyObject* g_error_factory = nullptr;

void RegisterErrorFactory(nb::callable factory) {
  PyObject* previous = g_error_factory;
  g_error_factory = factory.release().ptr();
  Py_XDECREF(previous);
}

}  // namespace

nb::object StatusToException(const Status& status) {
  const std::string type_name(ErrorKindName(status.kind()));
  const std::string code(StatusCodeName(status.code()));
  if (g_error_factory == nullptr) {
    // Only reachable when _core is imported without the package around it.
    return nb::borrow(PyExc_RuntimeError)(status.ToString());
  }
  return nb::handle(g_error_factory)(type_name, code, status.message(), status.retryable());
}

void ThrowStatus(const Status& status) {
  nb::object exception = StatusToException(status);
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exception.ptr())), exception.ptr());
  throw nb::python_error();
}

void BindErrors(nb::module_& m) {
  m.def("_register_error_factory", &RegisterErrorFactory, nb::arg("factory"),
        "Registers factory(error_type, code, message, retryable) -> exception instance: how "
        "statuses become the package's exceptions.");
}

}  // namespace arrow_zerobus::python
