#!/usr/bin/env bash
# Sets everything up, builds, installs the Python package, and runs the scale-out benchmark
# (bench/scaleout_benchmark.py): the same Parquet dataset through one ZerobusWrapper, through
# Spark (arrow_zerobus_sdk_wrapper.spark, local mode) and through Ray Data
# (arrow_zerobus_sdk_wrapper.ray), with 1 and 2 tasks, against one zerobus-emulator --light.
# Results: docs/scale-out.md.
#
#   scripts/bench_scaleout.sh [--rows N] [--batch-rows N] [--runs N] [--engines single,spark,ray]
#
# Environment: BUILD_DIR (default: build).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
BUILD_DIR="${BUILD_DIR:-build}"

"$REPO/scripts/build.sh" zerobus-emulator
. "$REPO/scripts/lib/python_package.sh"
ensure_python_package >&2

. "$REPO/scripts/lib/light_emulator.sh"
.venv/bin/python bench/scaleout_benchmark.py --endpoint "$ENDPOINT" \
  --workspace-url "$WORKSPACE_URL" --emulator-pid "$EMULATOR_PID" "$@"
