# The Python package from a development build that already built it: `pip install .` with
# -DARROW_ZEROBUS_PREBUILT_PYTHON_DIR=<build dir> (scripts/lib/python_package.sh, flavor
# "test", which scripts/test.sh uses) copies that build's extension module, its stubs, the
# command-line tool and the emulator into the wheel instead of compiling everything a second
# time. The build must have been configured with -DARROW_ZEROBUS_BUILD_PYTHON=ON (scripts/build.sh
# does) and built. A wheel for others is built from source: scripts/build_wheel.sh.
if(NOT SKBUILD)
  message(FATAL_ERROR "ARROW_ZEROBUS_PREBUILT_PYTHON_DIR is for `pip install .` only")
endif()
set(_prebuilt "${ARROW_ZEROBUS_PREBUILT_PYTHON_DIR}")
file(GLOB _prebuilt_module "${_prebuilt}/python/_core.*.so")
list(LENGTH _prebuilt_module _prebuilt_modules)
set(_prebuilt_files
    "${_prebuilt}/python/_core.pyi" "${_prebuilt}/cli/zerobus-arrow"
    "${_prebuilt}/emulator/zerobus-emulator")
foreach(_file IN LISTS _prebuilt_files)
  if(NOT EXISTS "${_file}")
    message(FATAL_ERROR "${_file} is missing: build ${_prebuilt} with "
                        "-DARROW_ZEROBUS_BUILD_PYTHON=ON first (scripts/build.sh)")
  endif()
endforeach()
if(NOT _prebuilt_modules EQUAL 1)
  message(FATAL_ERROR "expected one extension module ${_prebuilt}/python/_core.*.so, found "
                      "${_prebuilt_modules}: build ${_prebuilt} with -DARROW_ZEROBUS_BUILD_PYTHON=ON")
endif()

# The targets pyproject.toml asks scikit-build-core to build: already built.
foreach(_target _core _core_stub zerobus-arrow zerobus-emulator)
  add_custom_target(${_target})
endforeach()
install(FILES ${_prebuilt_module} "${_prebuilt}/python/_core.pyi"
        DESTINATION arrow_zerobus_sdk_wrapper COMPONENT python)
install(PROGRAMS "${_prebuilt}/cli/zerobus-arrow" "${_prebuilt}/emulator/zerobus-emulator"
        DESTINATION arrow_zerobus_sdk_wrapper/_bin COMPONENT python)
