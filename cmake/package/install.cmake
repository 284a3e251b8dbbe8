# What `cmake --install <build> --prefix P` puts in P, by component:
#   library      lib/libarrow_zerobus.so.<major.minor> (+ links)
#   development  include/arrow_zerobus/ (the public headers only), the CMake package
#                lib/cmake/arrow_zerobus/ (target arrow_zerobus::arrow_zerobus) and
#                lib/pkgconfig/arrow_zerobus.pc
#   tools        bin/zerobus-arrow and bin/zerobus-emulator
# The internal headers (src/, emulator/, cli/) are never installed. tests/install/ builds
# examples/cpp_quickstart.cc against an installed prefix with both the CMake package and pkg-config.
include(CMakePackageConfigHelpers)

set(_package_dir "${CMAKE_INSTALL_LIBDIR}/cmake/arrow_zerobus")
# Where the installed library and tools find libarrow at run time: a system Arrow is on the
# loader's path; Arrow from the pyarrow wheel is found through RUNPATH, in the directory of the
# pyarrow the build used (consumers linking Arrow themselves load theirs first, by soname).
if(DEFINED PyArrowCpp_LIBRARY_DIR)
  set(ARROW_ZEROBUS_SYSTEM_ARROW OFF)
  set(_arrow_runpath "${PyArrowCpp_LIBRARY_DIR}")
else()
  set(ARROW_ZEROBUS_SYSTEM_ARROW ON)
  set(_arrow_runpath "")
endif()
string(REGEX MATCH "^[0-9]+" ARROW_ZEROBUS_ARROW_MAJOR "${ARROW_ZEROBUS_ARROW_VERSION}")

set_target_properties(arrow_zerobus_shared zerobus-arrow zerobus-emulator PROPERTIES
  INSTALL_RPATH "${_arrow_runpath}")

install(TARGETS arrow_zerobus_shared EXPORT arrow_zerobus_targets
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT library NAMELINK_COMPONENT development
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(FILES
  include/arrow_zerobus/config.h
  include/arrow_zerobus/status.h
  include/arrow_zerobus/telemetry.h
  include/arrow_zerobus/transmission_result.h
  include/arrow_zerobus/wrapper.h
  "${PROJECT_BINARY_DIR}/generated/arrow_zerobus/version.h"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/arrow_zerobus" COMPONENT development)
install(TARGETS zerobus-arrow zerobus-emulator
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT tools)

install(EXPORT arrow_zerobus_targets NAMESPACE arrow_zerobus::
  FILE arrow_zerobusTargets.cmake DESTINATION "${_package_dir}" COMPONENT development)
configure_package_config_file(cmake/package/arrow_zerobusConfig.cmake.in
  "${PROJECT_BINARY_DIR}/package/arrow_zerobusConfig.cmake"
  INSTALL_DESTINATION "${_package_dir}")
# 0.x: a new minor version may break the API, so only the same major.minor is compatible.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/package/arrow_zerobusConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/package/arrow_zerobusConfig.cmake"
  "${PROJECT_BINARY_DIR}/package/arrow_zerobusConfigVersion.cmake"
  cmake/FindPyArrowCpp.cmake
  DESTINATION "${_package_dir}" COMPONENT development)

# pkg-config: a system Arrow has its own arrow.pc; the pyarrow wheel has none, so its include and
# library directories are written out (the library by soname, with a run path to its directory).
if(ARROW_ZEROBUS_SYSTEM_ARROW)
  set(ARROW_ZEROBUS_PC_REQUIRES "Requires: arrow")
  set(ARROW_ZEROBUS_PC_ARROW_CFLAGS "")
  set(ARROW_ZEROBUS_PC_ARROW_LIBS "")
else()
  set(ARROW_ZEROBUS_PC_REQUIRES "")
  set(ARROW_ZEROBUS_PC_ARROW_CFLAGS "-I${PyArrowCpp_INCLUDE_DIR}")
  set(ARROW_ZEROBUS_PC_ARROW_LIBS
      "-L${PyArrowCpp_LIBRARY_DIR} -l:libarrow.so.${ARROW_ZEROBUS_ARROW_MAJOR}00 -Wl,-rpath,${PyArrowCpp_LIBRARY_DIR}")
endif()
configure_file(cmake/package/arrow_zerobus.pc.in "${PROJECT_BINARY_DIR}/package/arrow_zerobus.pc"
               @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/package/arrow_zerobus.pc"
  DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig" COMPONENT development)
