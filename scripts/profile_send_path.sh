#!/usr/bin/env bash
# Profiles the send path: runs bench/send_path_benchmark for one mode under `perf record` (a
# cpu-clock event with DWARF call graphs, so it works without hardware counters) against a
# separate `zerobus-emulator --light`, and prints where the client's CPU goes in nanoseconds per
# row (bench/profile_categories.py). Results: docs/benchmarks.md, "Send path".
#
#   scripts/profile_send_path.sh [MODE] [--rounds N] [--rows N]
#
# MODE: arrow-none (default), protobuf, arrow-zstd, ... (send_path_benchmark's modes).
# Environment: BUILD_DIR (default: build), PERF_FREQUENCY (default 499 samples/s).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
BUILD_DIR="${BUILD_DIR:-build}"
FREQUENCY="${PERF_FREQUENCY:-499}"
MODE=arrow-none
ROUNDS=10
ROWS=3000000
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --rows) ROWS="$2"; shift 2 ;;
    -*) echo "profile_send_path: unknown argument $1" >&2; exit 2 ;;
    *) MODE="$1"; shift ;;
  esac
done
if ! command -v perf >/dev/null; then
  echo "profile_send_path: perf not found (Debian: apt-get install linux-perf)" >&2
  exit 1
fi

"$REPO/scripts/build.sh" send_path_benchmark zerobus-emulator >&2
. "$REPO/scripts/lib/light_emulator.sh"

# The benchmark sends one untimed warm-up round before its timed rounds: all are profiled.
perf record -q -e cpu-clock -F "$FREQUENCY" --call-graph dwarf,16384 -o "$WORK/perf.data" \
  "$BUILD_DIR/bench/send_path_benchmark" --endpoint "$ENDPOINT" --workspace-url "$WORKSPACE_URL" \
  --modes "$MODE" --rounds "$ROUNDS" --rows "$ROWS" | grep '^RESULT' >&2
echo "## $MODE"
perf script -i "$WORK/perf.data" 2>/dev/null \
  | "$REPO/.venv/bin/python" bench/profile_categories.py --frequency "$FREQUENCY" \
      --rows "$(( (ROUNDS + 1) * ROWS ))"
