#!/usr/bin/env bash
# End-to-end test of `zerobus-arrow send` and `debug read`: sends a Parquet and an NDJSON file
# (two rows fail conversion) to a zerobus-emulator process, then checks the exit codes, the
# summary, the rows that landed, the quarantine file and the debug files of a writer-disabled run.
# usage: send_command_test.sh ZEROBUS_ARROW ZEROBUS_EMULATOR PYTHON
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 ZEROBUS_ARROW ZEROBUS_EMULATOR PYTHON" >&2
  exit 2
fi
CLI=$1
EMULATOR=$2
PYTHON=$3

. "$(dirname "${BASH_SOURCE[0]}")/cli_test_lib.sh"

# ---- inputs: 6 Parquet rows of which rows 1 and 4 hold a uint64 beyond INT64_MAX (a per-row
# conversion error), then 3 NDJSON rows (input rows 6 to 8).
"$PYTHON" - "$WORK" <<'PY'
import sys
import pyarrow as pa
import pyarrow.parquet as pq

work = sys.argv[1]
too_big = 18446744073709551615
table = pa.table({
    "id": pa.array([0, 1, 2, 3, 4, 5], pa.int64()),
    "name": pa.array(["a", "b", "c", "d", "e", "f"]),
    "counter": pa.array([10, too_big, 12, 13, too_big, 15], pa.uint64()),
})
pq.write_table(table, f"{work}/orders.parquet", row_group_size=4)
with open(f"{work}/more.jsonl", "w") as out:
    for i in range(6, 9):
        out.write('{"id": %d, "name": "n%d", "counter": %d}\n' % (i, i, 10 + i))
# For --schema-from-table: name before id, id as int32 where the table says BIGINT, no note.
narrow = pa.table({"name": pa.array(["x", "y", "z"]), "id": pa.array([7, 8, 9], pa.int32())})
pq.write_table(narrow, f"{work}/narrow.parquet")
with open(f"{work}/tables.json", "w") as out:
    out.write('{"main.default.cli_table": [{"name": "id", "type": "BIGINT", "nullable": false},'
              ' {"name": "name", "type": "STRING"}, {"name": "note", "type": "STRING"}],'
              ' "main.default.cli_dates": [{"name": "id", "type": "BIGINT", "nullable": false},'
              ' {"name": "day", "type": "DATE"}, {"name": "qty", "type": "TINYINT"}]}')
# A messy CSV for --schema-from-table with parse_strings: names in another case, dates as text
# (one not a date), a quantity too big for TINYINT.
with open(f"{work}/dates.csv", "w") as out:
    out.write("ID,Day,qty\n1,2024-02-29,5\n2,not-a-date,6\n3,2024-03-01,300\n4,2024-03-02,7\n")
PY

# ---- usage and configuration errors exit 2 (no emulator needed).
run_cli no_files "$CLI" send
expect_rc "send without files" 2
expect_in no_files.err "usage: zerobus-arrow send"

run_cli unknown_command "$CLI" frobnicate
expect_rc "unknown command" 2
expect_in unknown_command.err "unknown command 'frobnicate'"

run_cli unknown_key "$CLI" send "$WORK/more.jsonl" --table main.default.cli_test \
  --writer-disabled --set no_such_key=1
expect_rc "--set with an unknown key" 2
expect_in unknown_key.err "no_such_key"

run_cli no_table "$CLI" send "$WORK/more.jsonl" --writer-disabled
expect_rc "send without a table" 2
expect_in no_table.err "table_name"

# ---- the emulator, on ports the OS picks, with one declared table.
start_emulator --tables "$WORK/tables.json"

# ---- send both files: 7 rows land, 2 fail conversion -> exit 1.
run_cli send env ZEROBUS_CLIENT_ID=emulator-client ZEROBUS_CLIENT_SECRET=emulator-secret \
  ZEROBUS_UNITY_CATALOG_URL="$WORKSPACE_URL" \
  "$CLI" send "$WORK/orders.parquet" "$WORK/more.jsonl" --endpoint "$ENDPOINT" \
  --table main.default.cli_test --batch-rows 2 --quarantine "$WORK/q.arrows"
expect_rc "send with failing rows" 1
expect_in send.out "rows: +9 total, 7 succeeded, 2 failed"
expect_in send.out "ConversionError: 2 rows; first at input row 1: .*counter"
expect_in send.out "files: +2"
expect_in send.out "quarantine: +2 rows -> .*q\.arrows"
if grep -q emulator-secret "$WORK/send.out" "$WORK/send.err"; then
  fail "the client secret was printed"
fi

# ---- --schema-from-table: the file's columns differ from the declared table's in order, in the
# width of id and by the missing nullable note; they land through the table's schema, and are
# refused by the table without it.
run_cli from_table env ZEROBUS_CLIENT_ID=emulator-client ZEROBUS_CLIENT_SECRET=emulator-secret \
  ZEROBUS_UNITY_CATALOG_URL="$WORKSPACE_URL" \
  "$CLI" send "$WORK/narrow.parquet" --endpoint "$ENDPOINT" --table main.default.cli_table \
  --schema-from-table
expect_rc "send --schema-from-table" 0
expect_in from_table.out "rows: +3 total, 3 succeeded, 0 failed"
# The messy CSV, in the Arrow format: the two rows that do not fit fail alone, naming why.
run_cli csv_fit env ZEROBUS_CLIENT_ID=emulator-client ZEROBUS_CLIENT_SECRET=emulator-secret \
  ZEROBUS_UNITY_CATALOG_URL="$WORKSPACE_URL" \
  "$CLI" send "$WORK/dates.csv" --endpoint "$ENDPOINT" --table main.default.cli_dates \
  --schema-from-table --set parse_strings=true --format arrow --quarantine "$WORK/dates_q.arrows"
expect_rc "a messy CSV fitted to the table" 1
expect_in csv_fit.out "rows: +4 total, 2 succeeded, 2 failed"
expect_in csv_fit.out "first at input row 1: .*'not-a-date' is not a valid DATE"
"$PYTHON" - "$WORK" <<'PY' || fail "the fitted CSV rows did not land as the table's types"
import glob
import sys
import datetime
import pyarrow as pa

work = sys.argv[1]
rows = []
for path in glob.glob(f"{work}/landed/main.default.cli_dates/*.arrows"):
    with pa.OSFile(path) as source:
        rows += pa.ipc.open_stream(source).read_all().to_pylist()
rows.sort(key=lambda row: row["id"])
assert [(r["id"], r["day"], r["qty"]) for r in rows] == [
    (1, datetime.date(2024, 2, 29), 5),
    (4, datetime.date(2024, 3, 2), 7),
], rows
PY
run_cli csv_unparsed env ZEROBUS_CLIENT_ID=emulator-client ZEROBUS_CLIENT_SECRET=emulator-secret \
  ZEROBUS_UNITY_CATALOG_URL="$WORKSPACE_URL" \
  "$CLI" send "$WORK/dates.csv" --endpoint "$ENDPOINT" --table main.default.cli_dates \
  --schema-from-table
expect_rc "the same CSV without parse_strings (checked before sending)" 2
expect_in csv_unparsed.out "column 'Day' has Arrow type string, which does not convert to the table's DATE; set parse_strings"
run_cli arrow_schema env ZEROBUS_CLIENT_ID=emulator-client ZEROBUS_CLIENT_SECRET=emulator-secret \
  ZEROBUS_UNITY_CATALOG_URL="$WORKSPACE_URL" \
  "$CLI" send "$WORK/narrow.parquet" --endpoint "$ENDPOINT" --table main.default.cli_table
expect_rc "the same file without --schema-from-table (the stream is refused)" 4
expect_in arrow_schema.out "rows: +3 total, 0 succeeded, 3 failed"
expect_in arrow_schema.out "field 'id' \\(int32\\) cannot carry column type BIGINT"

"$PYTHON" - "$WORK" <<'PY' || fail "landed rows or quarantine file are wrong"
import glob
import json
import sys
import pyarrow as pa

work = sys.argv[1]
landed = []
for path in glob.glob(f"{work}/landed/main.default.cli_test/*.arrows"):
    with pa.OSFile(path) as source:
        landed += pa.ipc.open_stream(source).read_all().to_pylist()
ids = sorted(row["id"] for row in landed)
assert ids == [0, 2, 3, 5, 6, 7, 8], f"landed ids {ids}"

with pa.OSFile(f"{work}/q.arrows") as source:
    quarantine = pa.ipc.open_stream(source).read_all()
assert quarantine.column_names == [
    "id", "name", "counter", "_zerobus_row", "_zerobus_error_type", "_zerobus_error"
], quarantine.column_names
assert quarantine.column("id").to_pylist() == [1, 4], quarantine
assert quarantine.column("_zerobus_row").to_pylist() == [1, 4], quarantine
assert quarantine.column("_zerobus_error_type").to_pylist() == ["ConversionError"] * 2
assert all("counter" in message for message in quarantine.column("_zerobus_error").to_pylist()), \
    quarantine.column("_zerobus_error").to_pylist()
assert quarantine.column("counter").to_pylist() == [18446744073709551615] * 2
PY

# ---- the same send in the Arrow wire format (--format arrow): same tally, rows land over
# Arrow Flight (the emulator writes them as Arrow IPC stream files).
run_cli send_arrow env ZEROBUS_CLIENT_ID=emulator-client ZEROBUS_CLIENT_SECRET=emulator-secret \
  ZEROBUS_UNITY_CATALOG_URL="$WORKSPACE_URL" \
  "$CLI" send "$WORK/orders.parquet" "$WORK/more.jsonl" --endpoint "$ENDPOINT" \
  --table main.default.cli_arrow --batch-rows 2 --format arrow --quiet
expect_rc "send --format arrow with failing rows" 1
expect_in send_arrow.out "rows: +9 total, 7 succeeded, 2 failed"
expect_in send_arrow.out "ConversionError: 2 rows; first at input row 1: .*counter"
"$PYTHON" - "$WORK" <<'PY' || fail "rows sent with --format arrow did not land as Arrow"
import glob
import sys
import pyarrow as pa

work = sys.argv[1]
files = glob.glob(f"{work}/landed/main.default.cli_arrow/*.arrows")
assert files, "no Arrow landing file"
ids = []
for path in files:
    with pa.OSFile(path) as source:
        ids += pa.ipc.open_stream(source).read_all().column("id").to_pylist()
assert sorted(ids) == [0, 2, 3, 5, 6, 7, 8], f"landed ids {sorted(ids)}"
PY

# ---- writer disabled: converted only, debug files written, no emulator or credentials needed.
run_cli disabled_bad "$CLI" send "$WORK/orders.parquet" --table main.default.cli_test \
  --writer-disabled --debug-dir "$WORK/debug_bad" --quiet
expect_rc "writer-disabled send with failing rows" 1
expect_in disabled_bad.out "rows: +6 total, 4 converted, 2 failed"
expect_in disabled_bad.out "writer disabled: rows were converted, not sent"

run_cli disabled "$CLI" send "$WORK/more.jsonl" --table main.default.cli_test \
  --writer-disabled --debug-dir "$WORK/debug"
expect_rc "writer-disabled send" 0
expect_in disabled.out "rows: +3 total, 3 converted, 0 failed"

single_file() {
  local pattern=$1
  local matches=()
  shopt -s nullglob
  matches=($pattern)
  shopt -u nullglob
  [[ ${#matches[@]} -eq 1 ]] || fail "expected one file matching $pattern, found ${#matches[@]}"
  echo "${matches[0]}"
}
PBS_BAD=$(single_file "$WORK/debug_bad/zerobus/proto/*.pbs")
PBS=$(single_file "$WORK/debug/zerobus/proto/*.pbs")
ARROWS=$(single_file "$WORK/debug/zerobus/arrow/*.arrows")

# ---- debug read: one JSON line per converted row.
expect_lines() {
  local file=$1 expected=$2 lines
  lines=$(wc -l <"$WORK/$file")
  [[ $lines -eq $expected ]] || fail "$file has $lines lines, expected $expected"
}

run_cli read_bad "$CLI" debug read "$PBS_BAD"
expect_rc "debug read of the .pbs" 0
expect_lines read_bad.out 4

run_cli read "$CLI" debug read "$PBS"
expect_rc "debug read of the .pbs" 0
expect_lines read.out 3
expect_in read.out '"name": ?"n7"'

run_cli read_arrows "$CLI" debug read "$ARROWS"
expect_rc "debug read of the .arrows" 0
expect_lines read_arrows.out 3
expect_in read_arrows.out '"id": ?8'

run_cli to_arrow "$CLI" debug read "$PBS" --to-arrow "$WORK/records.arrows"
expect_rc "debug read --to-arrow" 0
"$PYTHON" -c '
import sys, pyarrow as pa
with pa.OSFile(sys.argv[1]) as source:
    table = pa.ipc.open_stream(source).read_all()
assert table.num_rows == 3, table
assert sorted(table.column("id").to_pylist()) == [6, 7, 8], table
' "$WORK/records.arrows" || fail "--to-arrow wrote the wrong records"

# A dictionary column prints its values, not the dictionary's text.
"$PYTHON" -c '
import sys, pyarrow as pa
colors = pa.array(["red", "green", "red"]).dictionary_encode()
table = pa.table({"id": [1, 2, 3], "color": colors})
with pa.OSFile(sys.argv[1], "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
    writer.write_table(table)
' "$WORK/colors.arrows"
run_cli read_dictionary "$CLI" debug read "$WORK/colors.arrows"
expect_rc "debug read of a dictionary column" 0
expect_in read_dictionary.out '"color": ?"green"'
! grep -q '\[' "$WORK/read_dictionary.out" || fail "debug read printed a dictionary's text"

run_cli read_missing "$CLI" debug read "$WORK/absent.pbs"
expect_rc "debug read of a missing file" 1
expect_in read_missing.err "absent\.pbs"

echo "PASS"
