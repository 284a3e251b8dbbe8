#!/usr/bin/env bash
# End-to-end tests of how `zerobus-arrow send` ends (issue 17): one exit code per kind of outcome
# (0 all landed, 1 rows failed, 2 configuration, 3 credentials refused, 4 service unreachable,
# 130 interrupted), interrupts that stop within a bound and still print the summary and finish the
# quarantine file, and a quarantine that holds rows whose fault is a null in a non-nullable column.
# usage: send_exit_codes_test.sh ZEROBUS_ARROW ZEROBUS_EMULATOR PYTHON
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 ZEROBUS_ARROW ZEROBUS_EMULATOR PYTHON" >&2
  exit 2
fi
CLI=$1
EMULATOR=$2
PYTHON=$3

. "$(dirname "${BASH_SOURCE[0]}")/cli_test_lib.sh"

STALLED_TABLE=main.default.cli_stalled

# ---- inputs: good rows; rows of which 2 hold a null in the non-nullable column `strict` (an
# Arrow IPC file can carry that, Parquet cannot); a fault script under which every connection to
# $STALLED_TABLE falls silent at its first request.
"$PYTHON" - "$WORK" "$STALLED_TABLE" <<'PY'
import json
import sys

import pyarrow as pa
import pyarrow.parquet as pq

work, stalled = sys.argv[1], sys.argv[2]
pq.write_table(pa.table({"id": pa.array(range(5000), pa.int64())}), f"{work}/good.parquet")
strict = pa.field("strict", pa.utf8(), nullable=False)
schema = pa.schema([pa.field("id", pa.int64()), strict])
batch = pa.record_batch(
    [pa.array([1, 2, 3, 4], pa.int64()), pa.array(["a", None, "c", None], pa.utf8())],
    schema=schema,
)
with pa.OSFile(f"{work}/nulls.arrows", "wb") as sink, pa.ipc.new_stream(sink, schema) as writer:
    writer.write_batch(batch)
silence = {"after_requests": 1, "kind": "silence", "duration_ms": 0}
with open(f"{work}/faults.json", "w") as out:
    json.dump({stalled: {"events": [silence] * 50}}, out)
PY

start_emulator --fault-script "$WORK/faults.json"
CREDENTIALS=(env ZEROBUS_CLIENT_ID=emulator-client ZEROBUS_CLIENT_SECRET=emulator-secret
  ZEROBUS_UNITY_CATALOG_URL="$WORKSPACE_URL")
FAST=(--set retry_base_delay_ms=10 --set retry_max_delay_ms=100)

# ---- 0: every row landed.
run_cli landed "${CREDENTIALS[@]}" timeout 60 "$CLI" send "$WORK/good.parquet" \
  --endpoint "$ENDPOINT" --table main.default.cli_exit_ok --quiet
expect_rc "a send whose rows all landed" 0

# ---- 1: some rows failed; the quarantine (Parquet, whose schema is nullable) holds exactly them.
run_cli nulls "${CREDENTIALS[@]}" timeout 60 "$CLI" send "$WORK/nulls.arrows" \
  --endpoint "$ENDPOINT" --table main.default.cli_exit_rows --quiet \
  --quarantine "$WORK/q.parquet"
expect_rc "a send with failed rows" 1
expect_in nulls.out "quarantine: +2 rows -> .*q\.parquet"
"$PYTHON" - "$WORK/q.parquet" <<'PY' || fail "the quarantine does not hold the failed rows"
import sys

import pyarrow.parquet as pq

table = pq.read_table(sys.argv[1])
assert table.column("id").to_pylist() == [2, 4], table
assert table.column("strict").to_pylist() == [None, None], table
assert table.column("_zerobus_error_type").to_pylist() == ["ConversionError"] * 2, table
PY

# ---- 2: a configuration error (a debug directory that cannot be created).
run_cli debug_dir "${CREDENTIALS[@]}" timeout 60 "$CLI" send "$WORK/good.parquet" \
  --endpoint "$ENDPOINT" --table main.default.cli_exit_cfg --debug-dir /proc/no/such/dir --quiet
expect_rc "a send whose debug directory cannot be created" 2
expect_in debug_dir.err "/proc/no/such/dir"

# A column type no wire format sends (DuckDB's INTERVAL) is one error naming it, not one per row.
"$PYTHON" - "$WORK/interval.arrows" <<'PY'
import sys

import pyarrow as pa

interval = pa.array([pa.MonthDayNano([1, 2, 3])] * 1000, pa.month_day_nano_interval())
table = pa.table({"id": pa.array(range(1000), pa.int64()), "wait": interval})
with pa.OSFile(sys.argv[1], "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
    writer.write_table(table)
PY
run_cli interval "${CREDENTIALS[@]}" timeout 60 "$CLI" send "$WORK/interval.arrows" \
  --endpoint "$ENDPOINT" --table main.default.cli_exit_interval --quiet
expect_rc "a send of a column type no wire format sends" 2
expect_in interval.err "interval.arrows: .*'wait'"
[[ $(grep -c "wait" "$WORK/interval.err") -eq 1 ]] || fail "the interval column was named more than once"

# Problems of the YAML file, the environment and the flags come in one message; an unknown
# ZEROBUS_* variable is a warning with a suggestion (the send goes on).
printf 'table_nam: a.b.c\nretry_max_atempts: 3\n' >"$WORK/typos.yaml"
run_cli typos env ZEROBUS_STREAM_COUNT=many timeout 60 "$CLI" send "$WORK/good.parquet" \
  --config "$WORK/typos.yaml" --set window_size=x
expect_rc "a send with four configuration mistakes" 2
for part in "did you mean 'table_name'" retry_max_atempts ZEROBUS_STREAM_COUNT window_size; do
  expect_in typos.err "$part"
done
run_cli warned "${CREDENTIALS[@]}" ZEROBUS_RETRY_MAX_ATTEMPS=3 timeout 60 "$CLI" send \
  "$WORK/good.parquet" --endpoint "$ENDPOINT" --table main.default.cli_exit_ok --quiet
expect_rc "a send with a misspelled ZEROBUS_ variable" 0
expect_in warned.err "warning: .*ZEROBUS_RETRY_MAX_ATTEMPS.*did you mean ZEROBUS_RETRY_MAX_ATTEMPTS"

# ---- 3: the credentials were refused.
run_cli secret env ZEROBUS_CLIENT_ID=emulator-client ZEROBUS_CLIENT_SECRET=wrong \
  ZEROBUS_UNITY_CATALOG_URL="$WORKSPACE_URL" timeout 60 "$CLI" send "$WORK/good.parquet" \
  --endpoint "$ENDPOINT" --table main.default.cli_exit_auth --quiet "${FAST[@]}"
expect_rc "a send with a wrong client secret" 3

# ---- 4: the service cannot be reached (a port nothing listens on) and the retries run out.
free_port=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run_cli unreachable "${CREDENTIALS[@]}" timeout 60 "$CLI" send "$WORK/good.parquet" \
  --endpoint "http://127.0.0.1:$free_port" --table main.default.cli_exit_down --quiet \
  "${FAST[@]}" --set retry_timeout_ms=1000 --set connect_timeout_ms=500
expect_rc "a send to a service that cannot be reached" 4

# ---- 130: interrupted while the server stalls. The first SIGINT stops reading and waits up to
# --stop-timeout (2 s) for the batches in flight, then reports them failed; the summary is printed
# and the quarantine file is complete.
interrupt_send() {
  local name=$1 signals=$2
  "${CREDENTIALS[@]}" "$CLI" send "$WORK/good.parquet" --endpoint "$ENDPOINT" \
    --table "$STALLED_TABLE" --batch-rows 500 --quarantine "$WORK/$name.arrows" \
    --stop-timeout "$3" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  local pid=$! started
  sleep 1.5
  started=$(date +%s%N)
  for _ in $(seq "$signals"); do
    kill -INT "$pid"
    sleep 0.3
  done
  set +e
  wait "$pid"
  RC=$?
  set -e
  MILLIS=$((($(date +%s%N) - started) / 1000000))
}
interrupt_send interrupted 1 2
expect_rc "an interrupted send" 130
[[ $MILLIS -lt 8000 ]] || fail "an interrupted send took $MILLIS ms to stop (--stop-timeout 2)"
expect_in interrupted.err "interrupted: no more rows are read; waiting up to 2 s"
expect_in interrupted.out "rows: +[0-9]+ total, 0 succeeded, [1-9][0-9]* failed"
expect_in interrupted.out "quarantine: +[1-9][0-9]* rows"

# A second interrupt stops at once, even with a long --stop-timeout.
interrupt_send twice 2 600
expect_rc "a send interrupted twice" 130
[[ $MILLIS -lt 8000 ]] || fail "a send interrupted twice took $MILLIS ms to stop"
expect_in twice.err "stopping now"
expect_in twice.out "quarantine: +[1-9][0-9]* rows"

for name in interrupted twice; do
  "$PYTHON" - "$WORK/$name.arrows" "$WORK/$name.out" <<'PY' || fail "$name: quarantine and summary disagree"
import re
import sys

import pyarrow as pa

with pa.OSFile(sys.argv[1]) as source:
    rows = pa.ipc.open_stream(source).read_all().num_rows
summary = open(sys.argv[2]).read()
said = int(re.search(r"quarantine: +(\d+) rows", summary).group(1))
failed = int(re.search(r"(\d+) failed", summary).group(1))
assert rows == said == failed, (rows, said, failed)
PY
done

echo "PASS"
