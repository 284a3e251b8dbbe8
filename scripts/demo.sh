#!/usr/bin/env bash
# Sets everything up, builds, and runs the main job: the zerobus-arrow demo on the example orders.
# Extra arguments are passed to `zerobus-arrow demo`.
#
# Environment: BUILD_DIR (default: build).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
BUILD_DIR="${BUILD_DIR:-build}"

# Only the command line: the tests are built by the test command.
"$REPO/scripts/build.sh" zerobus-arrow

exec "$BUILD_DIR/cli/zerobus-arrow" demo examples/data/orders.jsonl "$@"
