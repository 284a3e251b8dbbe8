# Locates Arrow C++ inside the pyarrow wheel of a Python interpreter and defines the IMPORTED
# targets ArrowZerobus::arrow, ArrowZerobus::arrow_compute and ArrowZerobus::parquet.
#
# The wheel ships headers and libraries named only by SONAME (libarrow.so.2600) and no CMake or
# pkg-config files, so the libraries are linked by full path and their directory goes into the
# RPATH of everything that links them.
#
# Input:  Python3_EXECUTABLE (the interpreter whose site-packages holds pyarrow)
# Output: PyArrowCpp_FOUND, PyArrowCpp_VERSION, PyArrowCpp_VERSION_MAJOR, PyArrowCpp_INCLUDE_DIR,
#         PyArrowCpp_LIBRARY_DIR

execute_process(
  COMMAND "${Python3_EXECUTABLE}" -c
          "import pyarrow as pa, os; print(pa.__version__); print(pa.get_include()); print(os.path.dirname(pa.__file__))"
  OUTPUT_VARIABLE _pyarrow_out
  ERROR_VARIABLE _pyarrow_err
  RESULT_VARIABLE _pyarrow_rc
  OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT _pyarrow_rc EQUAL 0)
  message(FATAL_ERROR "pyarrow is not importable from ${Python3_EXECUTABLE}: ${_pyarrow_err}\n"
                      "Run scripts/setup.sh first, or pass -DPython3_EXECUTABLE=<venv python>.")
endif()
string(REPLACE "\n" ";" _pyarrow_lines "${_pyarrow_out}")
list(GET _pyarrow_lines 0 PyArrowCpp_VERSION)
list(GET _pyarrow_lines 1 PyArrowCpp_INCLUDE_DIR)
list(GET _pyarrow_lines 2 PyArrowCpp_LIBRARY_DIR)
string(REGEX MATCH "^[0-9]+" PyArrowCpp_VERSION_MAJOR "${PyArrowCpp_VERSION}")
set(_soversion "${PyArrowCpp_VERSION_MAJOR}00")

foreach(_component arrow arrow_compute parquet)
  set(_lib "${PyArrowCpp_LIBRARY_DIR}/lib${_component}.so.${_soversion}")
  if(NOT EXISTS "${_lib}")
    message(FATAL_ERROR "pyarrow ${PyArrowCpp_VERSION} lacks ${_lib}")
  endif()
  add_library(ArrowZerobus::${_component} SHARED IMPORTED GLOBAL)
  set_target_properties(ArrowZerobus::${_component} PROPERTIES
    IMPORTED_LOCATION "${_lib}"
    IMPORTED_SONAME "lib${_component}.so.${_soversion}"
    INTERFACE_INCLUDE_DIRECTORIES "${PyArrowCpp_INCLUDE_DIR}"
    # The wheel is built with the new libstdc++ ABI (manylinux_2_28), as is g++ 12 by default.
    INTERFACE_COMPILE_DEFINITIONS "_GLIBCXX_USE_CXX11_ABI=1")
endforeach()
set_property(TARGET ArrowZerobus::arrow_compute APPEND PROPERTY
  INTERFACE_LINK_LIBRARIES ArrowZerobus::arrow)
set_property(TARGET ArrowZerobus::parquet APPEND PROPERTY
  INTERFACE_LINK_LIBRARIES ArrowZerobus::arrow)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(PyArrowCpp
  REQUIRED_VARS PyArrowCpp_INCLUDE_DIR PyArrowCpp_LIBRARY_DIR
  VERSION_VAR PyArrowCpp_VERSION)
