#!/usr/bin/env bash
# Sets everything up, builds, and runs the transport benchmark: our client and a bare gRPC stream
# (bench/transport_benchmark.cc), then the official Python SDK (bench/official_sdk_benchmark.py),
# all against one zerobus-emulator process in light mode on loopback. Results: docs/benchmarks.md.
#
#   scripts/bench_transport.sh [--megabytes N] [--repeats N] [--runs N]
#
# Environment: BUILD_DIR (default: build).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
BUILD_DIR="${BUILD_DIR:-build}"
MEGABYTES=200
REPEATS=50
RUNS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --megabytes) MEGABYTES="$2"; shift 2 ;;
    --repeats) REPEATS="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    *) echo "bench_transport: unknown argument $1" >&2; exit 2 ;;
  esac
done

"$REPO/scripts/build.sh"

. "$REPO/scripts/lib/light_emulator.sh"

echo "## arrow-zerobus and a bare gRPC stream ($MEGABYTES MB per record size, one stream)"
"$BUILD_DIR/bench/transport_benchmark" --endpoint "$ENDPOINT" --workspace-url "$WORKSPACE_URL" \
  --megabytes "$MEGABYTES" --repeats "$REPEATS" --runs "$RUNS"
echo
echo "## official Python SDK, ingest_records_nowait ($MEGABYTES MB per record size, one stream)"
RUST_LOG=error .venv/bin/python bench/official_sdk_benchmark.py --endpoint "$ENDPOINT" \
  --workspace-url "$WORKSPACE_URL" --megabytes "$MEGABYTES" --runs "$RUNS" --markdown
