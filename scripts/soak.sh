#!/usr/bin/env bash
# Sets everything up, builds, and runs the transport fault-injection soak: 1,000,000 rows while
# the emulator cuts the connection every 40 requests and delays every ack by 2 ms. Arguments go
# to the soak binary (e.g. --rows 5000000 --kill-every 10). A small run of it is part of ctest.
#
# Environment: BUILD_DIR (default: build).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
BUILD_DIR="${BUILD_DIR:-build}"

"$REPO/scripts/build.sh"

exec "$BUILD_DIR/tests/soak/transport_soak" "$@"
