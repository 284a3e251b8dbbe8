#!/usr/bin/env bash
# End-to-end tests of the inputs `zerobus-arrow send` takes (issue 17): a directory (recursively,
# Spark's _SUCCESS and hidden files left out), a quoted pattern, standard input with
# --input-format, and compressed files; every row lands exactly once.
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
PY

start_emulator
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

echo "PASS"
