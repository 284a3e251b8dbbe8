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

WORK="$(mktemp -d)"
"$BUILD_DIR/emulator/zerobus-emulator" --light --ready-file "$WORK/ready.json" >"$WORK/emulator.log" &
EMULATOR_PID=$!
trap 'kill "$EMULATOR_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do [ -f "$WORK/ready.json" ] && break; sleep 0.1; done
ENDPOINT="$(.venv/bin/python -c "import json,sys; print(json.load(open(sys.argv[1]))['endpoint'])" "$WORK/ready.json")"
WORKSPACE_URL="$(.venv/bin/python -c "import json,sys; print(json.load(open(sys.argv[1]))['workspace_url'])" "$WORK/ready.json")"

echo "## arrow-zerobus and a bare gRPC stream ($MEGABYTES MB per record size, one stream)"
"$BUILD_DIR/bench/transport_benchmark" --endpoint "$ENDPOINT" --workspace-url "$WORKSPACE_URL" \
  --megabytes "$MEGABYTES" --repeats "$REPEATS" --runs "$RUNS"
echo
echo "## official Python SDK, ingest_records_nowait ($MEGABYTES MB per record size, one stream)"
RUST_LOG=error .venv/bin/python bench/official_sdk_benchmark.py --endpoint "$ENDPOINT" \
  --workspace-url "$WORKSPACE_URL" --megabytes "$MEGABYTES" --runs "$RUNS" --markdown
