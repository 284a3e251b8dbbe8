#!/usr/bin/env bash
# End-to-end tests of `zerobus-arrow send` with several streams per table and against a server
# that never acknowledges (issue 13): `--streams 4` lands every row exactly once over four streams
# in both wire formats, and a send to a table whose every connection falls silent ends by itself,
# within the bound its --set settings give, with a summary and exit status 1.
# usage: lanes_and_bounds_test.sh ZEROBUS_ARROW ZEROBUS_EMULATOR PYTHON
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 ZEROBUS_ARROW ZEROBUS_EMULATOR PYTHON" >&2
  exit 2
fi
CLI=$1
EMULATOR=$2
PYTHON=$3

. "$(dirname "${BASH_SOURCE[0]}")/cli_test_lib.sh"

ROWS=20000
SILENT_TABLE=main.default.cli_silent

# ---- inputs: $ROWS rows (id, name) in one Parquet file; a fault script under which every
# connection to $SILENT_TABLE falls silent at its first request (one event per connection), and
# the lanes tables acknowledge after 20 ms.
"$PYTHON" - "$WORK" "$ROWS" "$SILENT_TABLE" <<'PY'
import json
import sys

import pyarrow as pa
import pyarrow.parquet as pq

work, rows, silent_table = sys.argv[1], int(sys.argv[2]), sys.argv[3]
pq.write_table(
    pa.table({"id": pa.array(range(rows), pa.int64()), "name": [f"n{i}" for i in range(rows)]}),
    f"{work}/rows.parquet",
)
silence = {"after_requests": 1, "kind": "silence", "duration_ms": 0}
# Acks that take a while keep every lane busy, so that --streams 4 uses all four (a server that
# keeps up would get the rows on the first stream).
slow = {"ack_delay_ms": 20}
with open(f"{work}/faults.json", "w") as out:
    json.dump(
        {
            silent_table: {"events": [silence] * 300},
            "main.default.cli_lanes_protobuf": slow,
            "main.default.cli_lanes_arrow": slow,
        },
        out,
    )
PY

# ---- the emulator, on ports the OS picks.
start_emulator --fault-script "$WORK/faults.json"
CREDENTIALS=(env ZEROBUS_CLIENT_ID=emulator-client ZEROBUS_CLIENT_SECRET=emulator-secret
  ZEROBUS_UNITY_CATALOG_URL="$WORKSPACE_URL")

# ---- --streams 4: every row lands exactly once, over four streams (four landing files, one
# per stream), in both wire formats. `timeout` turns a hang into a failure.
for format in protobuf arrow; do
  table=main.default.cli_lanes_$format
  run_cli "lanes_$format" "${CREDENTIALS[@]}" timeout 120 "$CLI" send "$WORK/rows.parquet" \
    --endpoint "$ENDPOINT" --table "$table" --format "$format" --streams 4 --batch-rows 1000 \
    --quiet
  expect_rc "send --streams 4 --format $format" 0
  expect_in "lanes_$format.out" "rows: +$ROWS total, $ROWS succeeded, 0 failed"
  "$PYTHON" - "$WORK/landed/$table" "$ROWS" <<'PY' || fail "--format $format --streams 4 landed wrong"
import glob
import json
import sys

import pyarrow as pa

directory, rows = sys.argv[1], int(sys.argv[2])
files = glob.glob(f"{directory}/*.jsonl") + glob.glob(f"{directory}/*.arrows")
assert len(files) == 4, f"{len(files)} streams landed rows, expected 4: {files}"
ids = []
for path in files:
    if path.endswith(".arrows"):
        with pa.OSFile(path) as source:
            file_ids = pa.ipc.open_stream(source).read_all().column("id").to_pylist()
    else:
        with open(path) as lines:
            file_ids = [int(json.loads(line)["id"]) for line in lines if line.strip()]
    assert file_ids, f"{path}: a stream carried no row"
    ids += file_ids
assert sorted(ids) == list(range(rows)), f"{len(ids)} landed, {len(set(ids))} distinct"
PY
done

# ---- a server that accepts streams but never acknowledges: a silent connection is broken after
# 300 ms and the recovery budget (800 ms) is spent after about 1.4 s; flush_timeout is 3 s. The
# send ends by itself well within 10 s (process start and shutdown included), every row it read
# failed, nothing succeeded, the summary says why, and the exit status is 4 (retries ran out).
for format in protobuf arrow; do
  run_cli "silent_$format" "${CREDENTIALS[@]}" timeout 60 "$CLI" send "$WORK/rows.parquet" \
    --endpoint "$ENDPOINT" --table "$SILENT_TABLE" --format "$format" --streams 2 \
    --batch-rows 1000 --quiet --set server_lack_of_ack_timeout_ms=300 \
    --set retry_timeout_ms=800 --set flush_timeout_ms=3000
  [[ $RC -ne 124 ]] || fail "send --format $format to a silent server did not end within 60 s"
  expect_rc "send --format $format to a server that never acknowledges" 4
  [[ $MILLIS -lt 10000 ]] || fail "send --format $format to a silent server took $MILLIS ms"
  expect_in "silent_$format.out" "rows: +[1-9][0-9]* total, 0 succeeded, [1-9][0-9]* failed"
  expect_in "silent_$format.out" "RetryExhausted: [0-9]+ rows; first at input row 0: .*Server ack timeout"
  expect_in "silent_$format.out" "stopped: "
done

echo "PASS"
