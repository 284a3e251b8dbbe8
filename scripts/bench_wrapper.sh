#!/usr/bin/env bash
# Sets everything up, builds, and runs the wrapper benchmark: ZerobusWrapper::send_batch from C++
# (bench/wrapper_benchmark.cc) and from Python (bench/python_wrapper_benchmark.py, the installed
# arrow_zerobus_sdk_wrapper package), on the same data against one zerobus-emulator --light.
# Results: docs/benchmarks.md.
#
#   scripts/bench_wrapper.sh [--total-rows N] [--runs N] [--batch-rows LIST]
#
# Environment: BUILD_DIR (default: build).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
BUILD_DIR="${BUILD_DIR:-build}"
TOTAL_ROWS=2000000
RUNS=3
BATCH_ROWS=1000,10000,100000
while [ $# -gt 0 ]; do
  case "$1" in
    --total-rows) TOTAL_ROWS="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --batch-rows) BATCH_ROWS="$2"; shift 2 ;;
    *) echo "bench_wrapper: unknown argument $1" >&2; exit 2 ;;
  esac
done

"$REPO/scripts/build.sh"

. "$REPO/scripts/lib/light_emulator.sh"
ARGS=(--endpoint "$ENDPOINT" --workspace-url "$WORKSPACE_URL" --batch-rows "$BATCH_ROWS"
      --total-rows "$TOTAL_ROWS" --runs "$RUNS")

echo "## C++: ZerobusWrapper (bench/wrapper_benchmark.cc)"
"$BUILD_DIR/bench/wrapper_benchmark" "${ARGS[@]}" | tee "$WORK/cpp.txt" | grep -v '^RESULT'
echo
echo "## Python: arrow_zerobus_sdk_wrapper (bench/python_wrapper_benchmark.py)"
.venv/bin/python bench/python_wrapper_benchmark.py "${ARGS[@]}" | tee "$WORK/python.txt" |
  grep -v '^RESULT'
echo
echo "## Python / C++ rows per second"
.venv/bin/python - "$WORK/cpp.txt" "$WORK/python.txt" <<'PY'
import json, sys
def load(path):
    rows = {}
    for line in open(path):
        if line.startswith("RESULT "):
            r = json.loads(line[7:])
            rows[(r["batch_rows"], r["pipelined"])] = r["rows_per_s"]
    return rows
cpp, py = load(sys.argv[1]), load(sys.argv[2])
print("| rows per batch | mode | C++ rows/s | Python rows/s | Python / C++ |")
print("|---|---|---|---|---|")
for key in sorted(cpp):
    if key in py:
        mode = "async, 8 in flight" if key[1] else "send_batch"
        print(f"| {key[0]} | {mode} | {cpp[key]:,.0f} | {py[key]:,.0f} | {py[key] / cpp[key]:.0%} |")
PY
