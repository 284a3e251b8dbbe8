#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh), configures the CMake build when needed and builds it: every
# target, or only the targets given as arguments (scripts/build.sh zerobus-arrow).
#
# Environment:
#   BUILD_DIR         build directory, relative to the repository root or absolute (default: build)
#   CMAKE_BUILD_TYPE  build type used when configuring (default: RelWithDebInfo)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

BUILD_DIR="${BUILD_DIR:-build}"
BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}"
PYTHON="$REPO/.venv/bin/python"

"$REPO/scripts/setup.sh"

cache="$BUILD_DIR/CMakeCache.txt"
configure=0
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  configure=1
elif [ "$(sed -n 's/^Python3_EXECUTABLE:[A-Z]*=//p' "$cache" 2>/dev/null)" != "$PYTHON" ]; then
  configure=1
elif ! grep -qxF "ARROW_ZEROBUS_BUILD_PYTHON:BOOL=ON" "$cache"; then
  configure=1  # a build configured before the Python module was part of it
fi

if [ "$configure" -eq 1 ]; then
  # A cache made by another generator cannot be reused with Ninja; it is generated, so drop it.
  if [ -f "$cache" ] && ! grep -qxF "CMAKE_GENERATOR:INTERNAL=Ninja" "$cache"; then
    echo "build: $cache was not made for Ninja, removing it"
    rm -rf "$cache" "$BUILD_DIR/CMakeFiles"
  fi
  echo "build: configuring $BUILD_DIR ($BUILD_TYPE)"
  # The Python module too: scripts/test.sh installs the package from this build
  # (cmake/prebuilt_python_package.cmake) instead of compiling the library a second time.
  cmake -S . -B "$BUILD_DIR" -G Ninja \
    -DCMAKE_BUILD_TYPE="$BUILD_TYPE" \
    -DPython3_EXECUTABLE:FILEPATH="$PYTHON" \
    -DARROW_ZEROBUS_BUILD_PYTHON=ON
fi

if [ "$#" -gt 0 ]; then
  echo "build: building $* in $BUILD_DIR"
  cmake --build "$BUILD_DIR" --parallel "$(nproc)" --target "$@"
else
  echo "build: building $BUILD_DIR"
  cmake --build "$BUILD_DIR" --parallel "$(nproc)"
fi
