#!/usr/bin/env bash
# End-to-end tests of the inputs `zerobus-arrow send` takes (issue 17): a directory (recursively,
# Spark's _SUCCESS and hidden files left out), a quoted pattern, standard input with
# --input-format, and compressed files; every row lands exactly once. And a messy CSV: a ragged
# row and a bad value fail alone (quarantined with their line), empty names are null with
# --csv-strings-null, and decimals typed by --schema land exactly in a DECIMAL column.
# usage: send_inputs_test.sh ZEROBUS_ARROW ZEROBUS_EMULATOR PYTHON
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 ZEROBUS_ARROW ZEROBUS_EMULATOR PYTHON" >&2
  exit 2
fi
CLI=$1
EMULATOR=$2
PYTHON=$3

. "$(dirname "${BASH_SOURCE[0]}")/cli_test_lib.sh"

# ---- a Spark-like output directory: two Parquet parts, a gzip CSV part in a subdirectory, the
# _SUCCESS marker and a .crc file; ids 0..299, 100 per part.
"$PYTHON" - "$WORK" <<'PY'
import gzip
import os
import sys

import pyarrow as pa
import pyarrow.csv as csv
import pyarrow.parquet as pq

work = sys.argv[1]
out = f"{work}/table"
os.makedirs(f"{out}/day=2", exist_ok=True)
for part in range(2):
    ids = range(part * 100, part * 100 + 100)
    pq.write_table(pa.table({"id": pa.array(ids, pa.int64())}), f"{out}/part-{part}.parquet")
sink = pa.BufferOutputStream()
csv.write_csv(pa.table({"id": pa.array(range(200, 300), pa.int64())}), sink)
with gzip.open(f"{out}/day=2/part-2.csv.gz", "wb") as part:
    part.write(sink.getvalue().to_pybytes())
open(f"{out}/_SUCCESS", "w").close()
open(f"{out}/.part-0.parquet.crc", "w").close()
with open(f"{work}/stdin.csv", "w") as rows:
    rows.write("id\n" + "".join(f"{i}\n" for i in range(1000, 1050)))
with open(f"{work}/messy.csv", "w") as rows:
    rows.write("id,name,amount\n")
    for i in range(1000):
        if i == 500:
            rows.write(f"{i},n{i},1.00,surplus\n")
        elif i == 700:
            rows.write(f"{i},n{i},notanumber\n")
        else:
            rows.write(f"{i},{'' if i % 10 == 0 else f'n{i}'},4944404787.{i % 100:02d}\n")
with open(f"{work}/schema.json", "w") as schema:
    schema.write('{"amount": "decimal128(12, 2)"}')
with open(f"{work}/tables.json", "w") as tables:
    tables.write(
        '{"main.default.cli_csv": [{"name": "id", "type": "BIGINT", "nullable": false},'
        ' {"name": "name", "type": "STRING", "nullable": true},'
        ' {"name": "amount", "type": "DECIMAL(12,2)", "nullable": true}]}'
    )
PY

start_emulator --tables "$WORK/tables.json"
CREDENTIALS=(env ZEROBUS_CLIENT_ID=emulator-client ZEROBUS_CLIENT_SECRET=emulator-secret
  ZEROBUS_UNITY_CATALOG_URL="$WORKSPACE_URL")

landed_ids() {
  "$PYTHON" - "$WORK/landed/$1" <<'PY'
import glob
import sys

import pyarrow as pa

ids = []
for path in glob.glob(f"{sys.argv[1]}/*.arrows"):
    with pa.OSFile(path) as source:
        ids += pa.ipc.open_stream(source).read_all().column("id").to_pylist()
print(" ".join(map(str, sorted(ids))))
PY
}

# ---- the directory: 300 rows from three parts; the marker files are not inputs.
run_cli directory "${CREDENTIALS[@]}" timeout 60 "$CLI" send "$WORK/table" \
  --endpoint "$ENDPOINT" --table main.default.cli_dir --quiet
expect_rc "send of a directory" 0
expect_in directory.out "files: +3$"
[[ $(landed_ids main.default.cli_dir) == "$(seq -s ' ' 0 299)" ]] \
  || fail "the directory's rows did not land exactly once"

# ---- a quoted pattern, expanded by the command (no shell did).
run_cli pattern "${CREDENTIALS[@]}" timeout 60 "$CLI" send "$WORK/table/part-*.parquet" \
  --endpoint "$ENDPOINT" --table main.default.cli_glob --quiet
expect_rc "send of a pattern" 0
[[ $(landed_ids main.default.cli_glob) == "$(seq -s ' ' 0 199)" ]] \
  || fail "the pattern's rows did not land exactly once"
run_cli no_match "${CREDENTIALS[@]}" timeout 60 "$CLI" send "$WORK/table/*.orc" \
  --endpoint "$ENDPOINT" --table main.default.cli_glob --quiet
expect_rc "send of a pattern that matches nothing" 2
expect_in no_match.err "no file matches .*\*\.orc"

# ---- standard input, with its format given.
set +e
"${CREDENTIALS[@]}" timeout 60 "$CLI" send - --input-format csv --endpoint "$ENDPOINT" \
  --table main.default.cli_stdin --quiet <"$WORK/stdin.csv" >"$WORK/stdin.out" 2>"$WORK/stdin.err"
RC=$?
set -e
expect_rc "send of standard input" 0
[[ $(landed_ids main.default.cli_stdin) == "$(seq -s ' ' 1000 1049)" ]] \
  || fail "standard input's rows did not land exactly once"
run_cli stdin_format "${CREDENTIALS[@]}" timeout 60 "$CLI" send - --endpoint "$ENDPOINT" \
  --table main.default.cli_stdin --quiet
expect_rc "send of standard input without --input-format" 2
expect_in stdin_format.err "needs --input-format"

# ---- a messy CSV into a declared table with a DECIMAL(12,2) column.
run_cli messy "${CREDENTIALS[@]}" timeout 60 "$CLI" send "$WORK/messy.csv" \
  --endpoint "$ENDPOINT" --table main.default.cli_csv --quiet --schema "$WORK/schema.json" \
  --csv-strings-null --quarantine "$WORK/messy-q.csv"
expect_rc "send of a CSV with two bad rows" 1
expect_in messy.out "rows: +1000 total, 998 succeeded, 2 failed"
expect_in messy.out "quarantine: +2 rows"
"$PYTHON" - "$WORK" <<'PY' || fail "the messy CSV did not land as expected"
import csv
import glob
import sys

import pyarrow as pa

work = sys.argv[1]
rows = []
for path in glob.glob(f"{work}/landed/main.default.cli_csv/*.arrows"):
    with pa.OSFile(path) as source:
        rows += pa.ipc.open_stream(source).read_all().to_pylist()
rows.sort(key=lambda row: row["id"])
assert [row["id"] for row in rows] == [i for i in range(1000) if i not in (500, 700)]
by_id = {row["id"]: row for row in rows}
assert by_id[10]["name"] is None and by_id[11]["name"] == "n11", (by_id[10], by_id[11])
assert by_id[30]["amount"] == "4944404787.30", by_id[30]  # exact, not 4944404787.3
with open(f"{work}/messy-q.csv") as quarantine:
    failed = list(csv.DictReader(quarantine))
assert [row["_zerobus_row"] for row in failed] == ["500", "700"], failed
assert failed[0]["_zerobus_error"].startswith("line 502: 4 fields, 3 expected"), failed[0]
assert failed[1]["_zerobus_error"] == (
    "line 702, column 'amount': 'notanumber' is not a valid decimal128(12, 2)"
), failed[1]
PY

# ---- on a 40-column terminal (a pseudo-terminal from `script`, whose width COLUMNS gives when
# the terminal has none), no progress line is wider than 39 columns, so none wraps (a full line
# is about 60).
if command -v script >/dev/null; then
  COLUMNS=40 "${CREDENTIALS[@]}" script -qec "timeout 60 '$CLI' send '$WORK/table' \
    --endpoint '$ENDPOINT' --table main.default.cli_narrow --batch-rows 10" /dev/null \
    >"$WORK/narrow.out" 2>&1 || fail "the send on a pseudo-terminal failed"
  "$PYTHON" - "$WORK/narrow.out" <<'PY' || fail "a progress line is wider than the terminal"
import re
import sys

text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
parts = re.split(r"[\r\n]", text)
progress = [part for part in parts if re.match(r"(\[|\d+% |[\d,]+ rows)", part)]
assert progress, text
wide = [part for part in progress if len(part) > 39]
assert not wide, wide
PY
else
  echo "SKIP: no \`script\` command for a pseudo-terminal; the narrow-terminal check did not run"
fi

echo "PASS"
