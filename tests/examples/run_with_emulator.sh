#!/usr/bin/env bash
# Runs a command against a freshly started zerobus-emulator, with the ZEROBUS_* variables a
# ZerobusWrapper reads from the environment pointing at it.
#
#   run_with_emulator.sh <zerobus-emulator binary> <table> <command> [args...]
set -euo pipefail

emulator_bin="$1"
table="$2"
shift 2

work="$(mktemp -d)"
trap 'kill "${emulator_pid:-}" 2>/dev/null || true; wait "${emulator_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

"$emulator_bin" --port 0 --http-port 0 --ready-file "$work/ready.json" >"$work/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 1 200); do
  [ -s "$work/ready.json" ] && break
  sleep 0.05
done
if [ ! -s "$work/ready.json" ]; then
  echo "run_with_emulator: the emulator did not start:" >&2
  cat "$work/emulator.log" >&2
  exit 1
fi
ready="$(cat "$work/ready.json")"
json_field() { sed -n "s/.*\"$1\" *: *\"\\([^\"]*\\)\".*/\\1/p" <<<"$ready"; }

export ZEROBUS_ENDPOINT="$(json_field endpoint)"
export ZEROBUS_UNITY_CATALOG_URL="$(json_field workspace_url)"
export ZEROBUS_TABLE_NAME="$table"
export ZEROBUS_CLIENT_ID=emulator-client
export ZEROBUS_CLIENT_SECRET=emulator-secret
"$@"
