#!/usr/bin/env bash
# Sets everything up, builds, and runs the send-path comparison: the official Rust SDK
# (bench/rust_sdk), our C++ client and its bare gRPC streams (bench/send_path_benchmark.cc), our
# Python package (bench/python_send_path_benchmark.py) and, when .venv has it with its Arrow
# stream API, the official Python SDK (bench/official_python_send_path_benchmark.py), all on the
# same rows against one `zerobus-emulator --light`, then prints one table
# (bench/send_path_report.py). Clients take turns within each pass, so machine noise hits all
# alike. The RESULT lines are kept in $BUILD_DIR/bench-send-path-results.txt.
#
#   scripts/bench_send_path.sh [--rounds N] [--passes P] [--rows N] [--batch-rows N]
#
# Defaults: 3 rounds per client and mode in each of 2 passes, 3,000,000 rows in batches of
# 100,000. Needs cargo (Rust, via rustup). The Python client is the package in .venv, installed
# first when this checkout's sources changed (scripts/lib/python_package.sh).
#
# Environment: BUILD_DIR (default: build).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
BUILD_DIR="${BUILD_DIR:-build}"
ROUNDS=3
PASSES=2
ROWS=3000000
BATCH_ROWS=100000
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --passes) PASSES="$2"; shift 2 ;;
    --rows) ROWS="$2"; shift 2 ;;
    --batch-rows) BATCH_ROWS="$2"; shift 2 ;;
    *) echo "bench_send_path: unknown argument $1" >&2; exit 2 ;;
  esac
done
for value in "$ROUNDS" "$PASSES" "$ROWS" "$BATCH_ROWS"; do
  case "$value" in
    '' | *[!0-9]* | 0) echo "bench_send_path: counts must be positive integers, not '$value'" >&2; exit 2 ;;
  esac
done

if ! command -v cargo >/dev/null; then
  echo "bench_send_path: cargo not found; install Rust with rustup (https://rustup.rs):" >&2
  echo "  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh" >&2
  exit 1
fi

"$REPO/scripts/build.sh" send_path_benchmark zerobus-emulator
echo "bench_send_path: building bench/rust_sdk (cargo, release)" >&2
CARGO_TARGET_DIR="$REPO/$BUILD_DIR/rust-sdk-bench" \
  cargo build --release --manifest-path bench/rust_sdk/Cargo.toml
RUST_BENCH="$REPO/$BUILD_DIR/rust-sdk-bench/release/zerobus-rust-sdk-bench"
CPP_BENCH="$BUILD_DIR/bench/send_path_benchmark"
PYTHON="$REPO/.venv/bin/python"

. "$REPO/scripts/lib/light_emulator.sh"

RESULTS="$WORK/results.txt"
: >"$RESULTS"
note() {  # a line for the report, under the table
  echo "NOTE $*" >>"$RESULTS"
  echo "bench_send_path: $*" >&2
}

. "$REPO/scripts/lib/python_package.sh"
echo -n "bench_send_path: " >&2
ensure_python_package >&2

OFFICIAL_PYTHON=1
if ! why="$("$PYTHON" bench/official_python_send_path_benchmark.py --check)"; then
  OFFICIAL_PYTHON=0
  note "official Python SDK skipped: ${why:-its check failed}"
fi

INPUTS="$WORK/inputs"
mkdir -p "$INPUTS"
"$CPP_BENCH" --write-inputs "$INPUTS" --rows "$ROWS" --batch-rows "$BATCH_ROWS" >&2

KEPT="$BUILD_DIR/bench-send-path-results.txt"
# Runs one client; its stdout (the RESULT lines) goes to $RESULTS and, as progress, to stderr.
# $KEPT is updated after each client, so a run that fails part way keeps what it measured.
run() {
  local what="$1"
  shift
  echo "== pass $pass/$PASSES: $what" >&2
  "$@" | tee -a "$RESULTS" >&2
  cp "$RESULTS" "$KEPT"
}

for pass in $(seq "$PASSES"); do
  for mode in arrow-none arrow-zstd arrow-lz4 protobuf; do
    run "official Rust SDK, $mode" "$RUST_BENCH" --endpoint "$ENDPOINT" \
      --workspace-url "$WORKSPACE_URL" --inputs "$INPUTS" --mode "$mode" --rounds "$ROUNDS"
    run "arrow-zerobus Python, $mode" "$PYTHON" bench/python_send_path_benchmark.py \
      --endpoint "$ENDPOINT" --workspace-url "$WORKSPACE_URL" --inputs "$INPUTS" \
      --mode "$mode" --rounds "$ROUNDS"
  done
  # Our modes and the bare streams take turns round by round in one process (the % of bare
  # stream compares rounds run moments apart).
  run "arrow-zerobus C++ and bare gRPC streams" "$CPP_BENCH" --endpoint "$ENDPOINT" \
    --workspace-url "$WORKSPACE_URL" \
    --modes arrow-none,bare-arrow,protobuf,bare-protobuf,arrow-zstd,arrow-lz4 \
    --rounds "$ROUNDS" --rows "$ROWS" --batch-rows "$BATCH_ROWS"
  if [ "$OFFICIAL_PYTHON" -eq 1 ]; then
    for mode in arrow-none arrow-zstd; do
      run "official Python SDK, $mode" env RUST_LOG=error "$PYTHON" \
        bench/official_python_send_path_benchmark.py --endpoint "$ENDPOINT" \
        --workspace-url "$WORKSPACE_URL" --inputs "$INPUTS" --mode "$mode" --rounds "$ROUNDS"
    done
  fi
done

# Compression levels, our C++ client alone: CPU and wire bytes per row for each (docs/benchmarks.md,
# "Compression"); the default levels ran in the passes above.
pass="$PASSES"
run "arrow-zerobus C++, compression levels" "$CPP_BENCH" --endpoint "$ENDPOINT" \
  --workspace-url "$WORKSPACE_URL" --modes arrow-lz4-9,arrow-zstd--5,arrow-zstd-3,arrow-zstd-9 \
  --rounds "$ROUNDS" --rows "$ROWS" --batch-rows "$BATCH_ROWS"

cp "$RESULTS" "$KEPT"
echo "bench_send_path: RESULT lines kept in $KEPT" >&2
echo
"$PYTHON" bench/send_path_report.py "$RESULTS"
