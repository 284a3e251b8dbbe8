# Sourced by the benchmark scripts: starts `zerobus-emulator --light $EMULATOR_ARGS` from
# $BUILD_DIR in the background, stops it (and removes $WORK) on exit, and sets ENDPOINT and
# WORKSPACE_URL. Needs REPO and BUILD_DIR; sets WORK (a temporary directory) and EMULATOR_PID.
WORK="$(mktemp -d)"
# shellcheck disable=SC2086 # EMULATOR_ARGS holds several flags
"$BUILD_DIR/emulator/zerobus-emulator" --light ${EMULATOR_ARGS:-} --ready-file "$WORK/ready.json" >"$WORK/emulator.log" &
EMULATOR_PID=$!
trap 'kill "$EMULATOR_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do [ -f "$WORK/ready.json" ] && break; sleep 0.1; done
read_ready() {
  "$REPO/.venv/bin/python" -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" \
    "$WORK/ready.json" "$1"
}
ENDPOINT="$(read_ready endpoint)"
WORKSPACE_URL="$(read_ready workspace_url)"
