#!/usr/bin/env bash
# Builds the project with sanitizers in its own directory and runs the C++ tests there.
#   scripts/sanitize.sh [ctest args]           AddressSanitizer + UBSan (build-asan), every test
#   scripts/sanitize.sh --thread [ctest args]  ThreadSanitizer (build-tsan); by default the
#                                              transport, wrapper, telemetry and emulator tests
#   scripts/sanitize.sh --thread --quick       ThreadSanitizer, only the canaries and the
#                                              transport and wrapper send tests (what CI runs:
#                                              it builds 4 test binaries, not all of them)
# Other arguments are passed to ctest, e.g. scripts/sanitize.sh -R schema
#
# Environment: ASAN_BUILD_DIR (default: build-asan), TSAN_BUILD_DIR (default: build-tsan).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
PYTHON="$REPO/.venv/bin/python"

MODE=address
QUICK=0
if [ "${1:-}" = "--thread" ]; then
  MODE=thread
  shift
  if [ "${1:-}" = "--quick" ]; then
    QUICK=1
    shift
  fi
fi
if [ "$MODE" = thread ]; then
  BUILD_DIR="${TSAN_BUILD_DIR:-build-tsan}"
  SANITIZER_FLAG=-DARROW_ZEROBUS_TSAN=ON
else
  BUILD_DIR="${ASAN_BUILD_DIR:-build-asan}"
  SANITIZER_FLAG=-DARROW_ZEROBUS_SANITIZE=ON
fi

"$REPO/scripts/setup.sh"

cached_python="$(sed -n 's/^Python3_EXECUTABLE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)"
if [ ! -f "$BUILD_DIR/build.ninja" ] || [ "$cached_python" != "$PYTHON" ]; then
  echo "sanitize: configuring $BUILD_DIR ($MODE)"
  # -O1 with line tables, the level the sanitizers recommend: reports keep file and line, and the
  # build takes less than half as long as at -O2 -g (CI builds this one from scratch).
  cmake -S . -B "$BUILD_DIR" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DPython3_EXECUTABLE:FILEPATH="$PYTHON" \
    "$SANITIZER_FLAG" \
    -DARROW_ZEROBUS_BUILD_BENCHMARKS=OFF
fi

echo "sanitize: building $BUILD_DIR"
if [ "$QUICK" = 1 ]; then
  cmake --build "$BUILD_DIR" --parallel "$(nproc)" --target tsan_canary tsan_canary_reactor \
    stream_protocol_test wrapper_send_test
else
  cmake --build "$BUILD_DIR" --parallel "$(nproc)"
fi

# Arrow's default pool (jemalloc/mimalloc inside libarrow) would hide buffer overruns from ASan
# and its allocations from TSan; the system pool uses malloc, which both intercept.
export ARROW_DEFAULT_MEMORY_POOL=system

if [ "$MODE" = thread ]; then
  # gRPC, protobuf, abseil and Arrow come uninstrumented (Debian, the pyarrow wheel): the
  # suppressions cover races reported inside them only, each with its reason.
  export TSAN_OPTIONS="suppressions=$REPO/scripts/tsan.supp:halt_on_error=0:second_deadlock_stack=1:${TSAN_OPTIONS:-}"
  echo "sanitize: ctest (ThreadSanitizer)"
  if [ "$QUICK" = 1 ]; then
    set -- -R "^([A-Za-z]+/)?(TsanCanary|StreamProtocol|WrapperSendTest)" "$@"
  elif [ "$#" -eq 0 ]; then
    # Test suites by name (parameterized ones after their prefix): the transport (Stream*,
    # Lane*, AckFault*), the wrapper, telemetry and the emulator, and the canaries.
    set -- -R "^([A-Za-z]+/)?(TsanCanary|Stream|Lane|Wrapper|Telemetry|Emulator|FlightPut|AckFault|ServiceQuota|Declared)"
  fi
  ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 "$@"
  exit
fi

# Leak detection is off: Arrow C++ comes from the pyarrow wheel, which is not built with the
# sanitizers, and its process-lifetime allocations (memory pools, registries, static singletons)
# would be reported as leaks that are not ours. Out-of-bounds, use-after-free and UB checks in our
# code still apply.
export ASAN_OPTIONS="detect_leaks=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:${UBSAN_OPTIONS:-}"

echo "sanitize: ctest"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 "$@"
