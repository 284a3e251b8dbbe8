#!/usr/bin/env bash
# Builds the project with AddressSanitizer + UndefinedBehaviorSanitizer in its own directory
# (default build-asan) and runs the C++ tests there. Arguments are passed to ctest,
# e.g. scripts/sanitize.sh -R schema
#
# Environment: ASAN_BUILD_DIR (default: build-asan).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
BUILD_DIR="${ASAN_BUILD_DIR:-build-asan}"
PYTHON="$REPO/.venv/bin/python"

"$REPO/scripts/setup.sh"

cached_python="$(sed -n 's/^Python3_EXECUTABLE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)"
if [ ! -f "$BUILD_DIR/build.ninja" ] || [ "$cached_python" != "$PYTHON" ]; then
  echo "sanitize: configuring $BUILD_DIR"
  cmake -S . -B "$BUILD_DIR" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPython3_EXECUTABLE:FILEPATH="$PYTHON" \
    -DARROW_ZEROBUS_SANITIZE=ON \
    -DARROW_ZEROBUS_BUILD_BENCHMARKS=OFF
fi

echo "sanitize: building $BUILD_DIR"
cmake --build "$BUILD_DIR" --parallel "$(nproc)"

# Leak detection is off: Arrow C++ comes from the pyarrow wheel, which is not built with the
# sanitizers, and its process-lifetime allocations (memory pools, registries, static singletons)
# would be reported as leaks that are not ours. Out-of-bounds, use-after-free and UB checks in our
# code still apply.
export ASAN_OPTIONS="detect_leaks=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:${UBSAN_OPTIONS:-}"
# Arrow's default pool (jemalloc/mimalloc inside libarrow) would hide buffer overruns from ASan;
# the system pool uses malloc, which ASan intercepts.
export ARROW_DEFAULT_MEMORY_POOL=system

echo "sanitize: ctest"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 "$@"
