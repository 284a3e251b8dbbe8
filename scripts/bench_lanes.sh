#!/usr/bin/env bash
# Sets everything up, builds, and runs the lanes benchmark (bench/lanes_benchmark.cc): one
# ZerobusWrapper with 1 to 32 streams per table, both wire formats, first against a
# `zerobus-emulator --light` that paces every stream to QUOTA records/s (the service's per-stream
# quota, scaled down so that 2 cores can show the curve), then against one without a quota.
# Results: docs/benchmarks.md.
#
#   scripts/bench_lanes.sh [--quota Q] [--seconds S] [--streams LIST] [--rows N] [--runs N]
#
# Environment: BUILD_DIR (default: build).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
BUILD_DIR="${BUILD_DIR:-build}"
QUOTA=20000
SECONDS_PER_RUN=3
STREAMS=1,2,4,8,16,32
ROWS=10000000
RUNS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --quota) QUOTA="$2"; shift 2 ;;
    --seconds) SECONDS_PER_RUN="$2"; shift 2 ;;
    --streams) STREAMS="$2"; shift 2 ;;
    --rows) ROWS="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    *) echo "bench_lanes: unknown argument $1" >&2; exit 2 ;;
  esac
done

"$REPO/scripts/build.sh"

echo "## per-stream quota $QUOTA records/s (zerobus-emulator --light --stream-records-per-second $QUOTA)"
(
  EMULATOR_ARGS="--stream-records-per-second $QUOTA"
  . "$REPO/scripts/lib/light_emulator.sh"
  "$BUILD_DIR/bench/lanes_benchmark" --endpoint "$ENDPOINT" --workspace-url "$WORKSPACE_URL" \
    --streams "$STREAMS" --quota "$QUOTA" --seconds "$SECONDS_PER_RUN" --runs 1
)
echo
echo "## no quota ($ROWS rows per run, median of $RUNS)"
(
  EMULATOR_ARGS=""
  . "$REPO/scripts/lib/light_emulator.sh"
  "$BUILD_DIR/bench/lanes_benchmark" --endpoint "$ENDPOINT" --workspace-url "$WORKSPACE_URL" \
    --streams "$STREAMS" --rows "$ROWS" --runs "$RUNS"
)
