#include "arrow_import.h"

#include <nanobind/stl/string.h>

#include <string>

#include <arrow/c/abi.h>
#include <arrow/c/bridge.h>
#include <arrow/table.h>

namespace arrow_zerobus::python {
namespace {

constexpr char kAccepted[] =
    "a pyarrow RecordBatch, Table or RecordBatchReader, a polars DataFrame, or any object "
    "implementing __arrow_c_stream__ or __arrow_c_array__ (the Arrow PyCapsule interface)";

[[noreturn]] void ThrowTypeError(const std::string& message) {
  PyErr_SetString(PyExc_TypeError, message.c_str());
  throw nb::python_error();
}

std::string TypeName(nb::handle object) {
  return nb::cast<std::string>(
      nb::handle(reinterpret_cast<PyObject*>(Py_TYPE(object.ptr()))).attr("__qualname__"));
}

// The struct inside a capsule of `name`; TypeError when it is not one.
template <typename T>
T* CapsulePointer(nb::handle capsule, const char* name, std::string_view what, nb::handle data) {
  if (!PyCapsule_IsValid(capsule.ptr(), name)) {
    ThrowTypeError(std::string(what) + ": " + TypeName(data) +
                   " returned something other than a PyCapsule named '" + name + "'");
  }
  return static_cast<T*>(PyCapsule_GetPointer(capsule.ptr(), name));
}

void CapsuleDeleteSchema(void* pointer) noexcept {
  auto* schema = static_cast<ArrowSchema*>(pointer);
  if (schema->release != nullptr) schema->release(schema);
  delete schema;
}

void CapsuleDeleteArray(void* pointer) noexcept {
  auto* array = static_cast<ArrowArray*>(pointer);
  if (array->release != nullptr) array->release(array);
  delete array;
}

// What ExportBatch returns: the batch, exported on request (possibly several times).
struct ExportedBatch {
  std::shared_ptr<arrow::RecordBatch> batch;

  nb::tuple ArrowCArray(nb::handle /*requested_schema*/) const {
    auto schema = std::make_unique<ArrowSchema>();
    auto array = std::make_unique<ArrowArray>();
    schema->release = nullptr;
    array->release = nullptr;
    arrow::Status exported = arrow::ExportRecordBatch(*batch, array.get(), schema.get());
    if (!exported.ok()) {
      PyErr_SetString(PyExc_RuntimeError,
                      ("cannot export the batch: " + exported.ToString()).c_str());
      throw nb::python_error();
    }
    nb::capsule schema_capsule(schema.release(), "arrow_schema", &CapsuleDeleteSchema);
    nb::capsule array_capsule(array.release(), "arrow_array", &CapsuleDeleteArray);
    return nb::make_tuple(schema_capsule, array_capsule);
  }
};

}  // namespace

ArrowInput ImportArrowInput(nb::handle data, std::string_view what) {
  if (data.is_none()) {
    ThrowTypeError(std::string(what) + " expects " + kAccepted + "; got None");
  }
  ArrowInput input;
  if (nb::hasattr(data, "__arrow_c_array__")) {
    nb::object exported = data.attr("__arrow_c_array__")();
    if (!nb::isinstance<nb::tuple>(exported) || nb::len(exported) != 2) {
      ThrowTypeError(std::string(what) + ": " + TypeName(data) +
                     ".__arrow_c_array__() must return (schema capsule, array capsule)");
    }
    nb::tuple pair = nb::borrow<nb::tuple>(exported);
    auto* schema_source = CapsulePointer<ArrowSchema>(pair[0], "arrow_schema", what, data);
    auto* array_source = CapsulePointer<ArrowArray>(pair[1], "arrow_array", what, data);
    // Moved out of the capsules: their destructors then have nothing to release.
    ArrowSchema schema = *schema_source;
    schema_source->release = nullptr;
    ArrowArray array = *array_source;
    array_source->release = nullptr;
    arrow::Result<std::shared_ptr<arrow::RecordBatch>> batch;
    {
      nb::gil_scoped_release release;
      batch = arrow::ImportRecordBatch(&array, &schema);
      if (array.release != nullptr) array.release(&array);
      if (schema.release != nullptr) schema.release(&schema);
    }
    if (!batch.ok()) {
      ThrowTypeError(std::string(what) + ": the Arrow data of " + TypeName(data) +
                     " is not a record batch (" + batch.status().ToString() + "); it expects " +
                     kAccepted);
    }
    input.batch = std::move(batch).ValueOrDie();
    return input;
  }
  if (nb::hasattr(data, "__arrow_c_stream__")) {
    nb::object capsule = data.attr("__arrow_c_stream__")();
    auto* stream_source =
        CapsulePointer<ArrowArrayStream>(capsule, "arrow_array_stream", what, data);
    ArrowArrayStream stream = *stream_source;
    stream_source->release = nullptr;
    // Reads the schema: producers that need the GIL (Python iterators) take it themselves.
    arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> reader;
    {
      nb::gil_scoped_release release;
      reader = arrow::ImportRecordBatchReader(&stream);
      if (stream.release != nullptr) stream.release(&stream);
    }
    if (!reader.ok()) {
      ThrowTypeError(std::string(what) + ": the Arrow stream of " + TypeName(data) +
                     " cannot be read as record batches (" + reader.status().ToString() +
                     "); it expects " + kAccepted);
    }
    input.reader = std::move(reader).ValueOrDie();
    if (nb::hasattr(data, "num_rows")) {
      nb::object rows = data.attr("num_rows");
      if (nb::isinstance<nb::int_>(rows)) {
        int64_t count = 0;
        if (nb::try_cast(rows, count) && count > 0) input.expected_rows = count;
      }
    }
    return input;
  }
  ThrowTypeError(std::string(what) + " expects " + kAccepted + "; got " + TypeName(data));
}

std::shared_ptr<arrow::RecordBatch> CollectBatch(ArrowInput input) {
  if (input.batch != nullptr) return input.batch;
  arrow::Result<std::shared_ptr<arrow::RecordBatch>> combined;
  {
    nb::gil_scoped_release release;
    combined = [&]() -> arrow::Result<std::shared_ptr<arrow::RecordBatch>> {
      ARROW_ASSIGN_OR_RAISE(auto table, input.reader->ToTable());
      input.reader.reset();
      return table->CombineChunksToBatch();
    }();
  }
  if (!combined.ok()) {
    PyErr_SetString(PyExc_ValueError,
                    ("cannot read the Arrow stream: " + combined.status().ToString()).c_str());
    throw nb::python_error();
  }
  return std::move(combined).ValueOrDie();
}

nb::object ExportBatch(std::shared_ptr<arrow::RecordBatch> batch) {
  return nb::cast(ExportedBatch{std::move(batch)});
}

void BindArrow(nb::module_& m) {
  nb::class_<ExportedBatch>(m, "ExportedBatch",
                            "A record batch made in C++, exported through __arrow_c_array__.")
      .def("__arrow_c_array__", &ExportedBatch::ArrowCArray,
           nb::arg("requested_schema") = nb::none(),
           "(schema capsule, array capsule) of the batch (the Arrow PyCapsule interface).")
      .def_prop_ro(
          "num_rows", [](const ExportedBatch& self) { return self.batch->num_rows(); },
          "Rows in the batch.");
}

}  // namespace arrow_zerobus::python
