#!/usr/bin/env bash
# Sets everything up, builds, and runs the wire-format benchmark (bench/format_benchmark.cc):
# the Protobuf and Arrow formats of ZerobusWrapper on the same data against one separate
# `zerobus-emulator --light`, so the CPU time measured is the client's alone. Results:
# docs/benchmarks.md.
#
#   scripts/bench_formats.sh [format_benchmark flags, e.g. --batch-rows 25000,250000 --rounds 5]
#
# Environment: BUILD_DIR (default: build).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
BUILD_DIR="${BUILD_DIR:-build}"

"$REPO/scripts/build.sh"

. "$REPO/scripts/lib/light_emulator.sh"

"$BUILD_DIR/bench/format_benchmark" --endpoint "$ENDPOINT" --workspace-url "$WORKSPACE_URL" \
  "$@" | grep -v '^RESULT'
