# Shared by the zerobus-arrow end-to-end scripts (sourced after they read their arguments):
# a clean ZEROBUS_* environment, a scratch directory $WORK removed on exit (with the emulator
# whose pid is in $EMULATOR_PID stopped), the run and expectation helpers, and start_emulator.
# Only what this test sets may configure the command.
while read -r variable; do unset "$variable"; done < <(compgen -e | grep '^ZEROBUS_' || true)

WORK=$(mktemp -d)
EMULATOR_PID=""
cleanup() {
  if [[ -n $EMULATOR_PID ]]; then
    kill "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for log in "$WORK"/*.out "$WORK"/*.err "$WORK"/emulator.log; do
    [[ -f $log ]] && { echo "--- $log" >&2; tail -n 40 "$log" >&2; }
  done
  exit 1
}

# Runs a command with the given output prefix; sets RC to its exit code and MILLIS to its
# duration.
run_cli() {
  local name=$1 started
  shift
  started=$(date +%s%N)
  set +e
  "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
  RC=$?
  set -e
  MILLIS=$((($(date +%s%N) - started) / 1000000))
}

expect_rc() {
  local name=$1 expected=$2
  [[ $RC -eq $expected ]] || fail "$name exited with $RC, expected $expected"
}

expect_in() {
  local file=$1 pattern=$2
  grep -Eq -- "$pattern" "$WORK/$file" || fail "$file lacks /$pattern/"
}

# Starts $EMULATOR on ports the OS picks, landing rows under $WORK/landed, with any extra flags
# given; sets EMULATOR_PID, ENDPOINT and WORKSPACE_URL once it is ready (30 s at most).
start_emulator() {
  mkdir -p "$WORK/landed"
  "$EMULATOR" --port 0 --http-port 0 --ready-file "$WORK/ready.json" --data-dir "$WORK/landed" \
    "$@" >"$WORK/emulator.log" 2>&1 &
  EMULATOR_PID=$!
  for _ in $(seq 600); do
    [[ -s $WORK/ready.json ]] && break
    kill -0 "$EMULATOR_PID" 2>/dev/null || fail "the emulator exited before it was ready"
    sleep 0.05
  done
  [[ -s $WORK/ready.json ]] || fail "the emulator wrote no ready file within 30 s"
  ENDPOINT=$(read_ready endpoint)
  WORKSPACE_URL=$(read_ready workspace_url)
}

read_ready() {
  "$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
    "$WORK/ready.json" "$1"
}
