#!/usr/bin/env bash
# Sets everything up, builds, and runs the encode benchmark. Arguments go to the Google Benchmark
# binary, e.g. scripts/bench.sh --benchmark_filter=Encode --benchmark_repetitions=5
#
# Environment: BUILD_DIR (default: build). Results and how to read them: docs/benchmarks.md.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
BUILD_DIR="${BUILD_DIR:-build}"

"$REPO/scripts/build.sh"

exec "$BUILD_DIR/bench/encode_benchmark" "$@"
