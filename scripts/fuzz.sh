#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (AddressSanitizer + UBSan) in their own
# build directory and runs each for a while, two at a time.
#
#   scripts/fuzz.sh [seconds per target] [target...]     (default: 60 s, every target)
#
# Each target starts from its checked-in seeds (tests/fuzz/corpus/<target>) and past crashes
# (tests/fuzz/regressions/<target>), copied into <build dir>/fuzz-runs/<target>/corpus, which
# keeps growing across local runs; the repository's corpus is never written. A crash, hang
# (-timeout), memory blow-up (-rss_limit_mb, -malloc_limit_mb) or leak fails the run: the input
# that caused it is written to <build dir>/fuzz-runs/<target>/ and its path printed. Reproduce
# one with <build dir>/tests/fuzz/<target>_fuzzer <input>; once the bug is fixed, add the input
# to tests/fuzz/regressions/<target>/ so every ctest run replays it (fuzz_replay_<target>).
# Per target the last line says how many inputs ran, how fast, and the coverage reached (cov:
# edges, ft: features, from libFuzzer's final stats).
#
# Environment:
#   FUZZ_SECONDS    seconds per target when no argument gives them (default: 60)
#   FUZZ_JOBS       targets run at once (default: 2)
#   FUZZ_BUILD_DIR  build directory (default: build-fuzz)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
PYTHON="$REPO/.venv/bin/python"
BUILD_DIR="${FUZZ_BUILD_DIR:-build-fuzz}"
JOBS="${FUZZ_JOBS:-2}"
SECONDS_PER_TARGET="${FUZZ_SECONDS:-60}"
if [ "$#" -gt 0 ]; then
  SECONDS_PER_TARGET="$1"
  shift
fi
case "$SECONDS_PER_TARGET" in
  '' | *[!0-9]*) echo "usage: $0 [seconds per target] [target...]" >&2; exit 2 ;;
esac
ALL_TARGETS=(ipc_encode debug_reader config oauth_token endpoint emulator_ephemeral
             emulator_flight)
if [ "$#" -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi
for target in "${TARGETS[@]}"; do
  if [ ! -d "tests/fuzz/corpus/$target" ]; then
    echo "fuzz: unknown target '$target' (targets: ${ALL_TARGETS[*]})" >&2
    exit 2
  fi
done

"$REPO/scripts/setup.sh"

# --- build ---------------------------------------------------------------------------------------
cached_python="$(sed -n 's/^Python3_EXECUTABLE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)"
if [ ! -f "$BUILD_DIR/build.ninja" ] || [ "$cached_python" != "$PYTHON" ]; then
  echo "fuzz: configuring $BUILD_DIR (clang-14, libFuzzer, AddressSanitizer, UBSan)"
  # -O1 and line tables only: the build stays short and stack traces still have lines.
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$BUILD_DIR" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
    -DPython3_EXECUTABLE:FILEPATH="$PYTHON" \
    -DARROW_ZEROBUS_FUZZ=ON \
    -DARROW_ZEROBUS_BUILD_TESTS=OFF \
    -DARROW_ZEROBUS_BUILD_BENCHMARKS=OFF \
    -DARROW_ZEROBUS_BUILD_PYTHON=OFF
fi
fuzzers=()
for target in "${TARGETS[@]}"; do fuzzers+=("${target}_fuzzer"); done
echo "fuzz: building ${fuzzers[*]} in $BUILD_DIR"
build_start=$SECONDS
cmake --build "$BUILD_DIR" --parallel "$(nproc)" --target "${fuzzers[@]}"
echo "fuzz: built in $((SECONDS - build_start)) s"

# --- run -----------------------------------------------------------------------------------------
# Arrow allocates with malloc, so ASan sees its buffers and libFuzzer its allocation sizes.
export ARROW_DEFAULT_MEMORY_POOL=system
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
RUNS="$BUILD_DIR/fuzz-runs"

# Runs one target; its output goes to <run dir>/log.
run_target() {
  local target="$1"
  local dir="$RUNS/$target"
  mkdir -p "$dir/corpus"
  rm -f "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* "$dir"/slow-unit-*
  cp -n tests/fuzz/corpus/"$target"/* "$dir/corpus/"
  if [ -d "tests/fuzz/regressions/$target" ]; then
    cp -n tests/fuzz/regressions/"$target"/* "$dir/corpus/" 2>/dev/null || true
  fi
  # exec: the fuzzer takes this job's pid, so stopping the job stops it.
  exec "$BUILD_DIR/tests/fuzz/${target}_fuzzer" "$dir/corpus" \
    -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 \
    -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 -max_len=8192 \
    -artifact_prefix="$dir/" >"$dir/log" 2>&1
}

# The summary line of a finished target: runs, speed and coverage from libFuzzer's final stats.
summarize() {
  local target="$1" status="$2"
  local log="$RUNS/$target/log"
  local runs speed cov ft
  # A run that crashed on a seed has no coverage line yet.
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  speed="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  cov="$( (grep -o ' cov: [0-9]*' "$log" || true) | tail -1 | tr -dc '0-9')"
  ft="$( (grep -o ' ft: [0-9]*' "$log" || true) | tail -1 | tr -dc '0-9')"
  printf 'fuzz: %-19s %s: %s runs, %s exec/s, cov: %s ft: %s, corpus %s inputs\n' \
    "$target" "$status" "${runs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" \
    "$(find "$RUNS/$target/corpus" -type f | wc -l)"
}

echo "fuzz: running ${#TARGETS[@]} target(s) for ${SECONDS_PER_TARGET} s each, $JOBS at a time"
run_start=$SECONDS
declare -A pids=()
failed=()
# Targets still running when this script stops (an error, Ctrl-C) are stopped with it.
trap 'for pid in "${!pids[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT
# Waits for the next target to finish and reports it.
finish_one() {
  local pid="" rc=0
  wait -n -p pid "${!pids[@]}" || rc=$?
  local target="${pids[$pid]}"
  unset "pids[$pid]"
  if [ "$rc" -eq 0 ]; then
    summarize "$target" ok
  else
    summarize "$target" "FAILED (exit $rc)"
    failed+=("$target")
    (grep -E '^==[0-9]+==ERROR|^SUMMARY|check failed|runtime error|Test unit written to' \
      "$RUNS/$target/log" || true) | head -20 | sed 's/^/    /' >&2
    echo "    full log: $RUNS/$target/log" >&2
  fi
}
for target in "${TARGETS[@]}"; do
  while [ "${#pids[@]}" -ge "$JOBS" ]; do finish_one; done
  run_target "$target" &
  pids[$!]="$target"
done
while [ "${#pids[@]}" -gt 0 ]; do finish_one; done
echo "fuzz: ran in $((SECONDS - run_start)) s"

if [ "${#failed[@]}" -ne 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: no crash, hang or leak"
