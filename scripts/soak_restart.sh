#!/usr/bin/env bash
# Sets everything up, builds the command line and the emulator, and runs the restart soak:
# `zerobus-arrow send` of 10,000,000 rows in each wire format while `zerobus-emulator` (a process,
# paced to 300,000 records/s per stream) is killed with SIGKILL every 3 s and started again on the
# same ports after 1 s down, 10 times; then a server that stays down past the retry budget.
# Prints one JSON line of figures per run (rows, restarts, lost, duplicates, peak RssAnon and its
# bound). Arguments go to tests/cli/send_server_restart.py (e.g. --rows 20000000 --restarts 20
# --formats arrow). A 2,000,000-row run of it with 3 restarts is part of ctest
# (cli_send_server_restart).
#
# Environment: BUILD_DIR (default: build).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
BUILD_DIR="${BUILD_DIR:-build}"

"$REPO/scripts/build.sh" zerobus-arrow zerobus-emulator

exec "$REPO/.venv/bin/python" "$REPO/tests/cli/send_server_restart.py" \
  --cli "$BUILD_DIR/cli/zerobus-arrow" --emulator "$BUILD_DIR/emulator/zerobus-emulator" \
  --rows 10000000 --restarts 10 --interval 3 --down 1 --send-timeout 600 "$@"
