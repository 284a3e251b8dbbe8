#!/usr/bin/env bash
# The zerobus-emulator binary fails loudly (issue 14): every flag given a bad value, and every
# file a flag names that is missing, unreadable, a directory, not JSON or of the wrong JSON types,
# ends it with exit status 2 and a message naming the flag or file; a port another emulator holds
# and a data directory it cannot write end it with status 1 and a message naming the address or
# the path. Never an abort, a signal or a "serving" line. `zerobus-arrow emulator` is the same.
# usage: emulator_fails_loudly_test.sh ZEROBUS_EMULATOR ZEROBUS_ARROW PYTHON
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 ZEROBUS_EMULATOR ZEROBUS_ARROW PYTHON" >&2
  exit 2
fi
EMULATOR=$1
CLI=$2
PYTHON=$3

. "$(dirname "${BASH_SOURCE[0]}")/cli_test_lib.sh"

CASES=0

# refused STATUS PATTERN COMMAND...: COMMAND ends by itself with STATUS, no signal, nothing
# served, and its stderr matches PATTERN (an extended regular expression).
refused() {
  local status=$1 pattern=$2 name
  shift 2
  CASES=$((CASES + 1))
  name="case$CASES"
  run_cli "$name" timeout 30 "$@"
  if [[ $RC -eq 124 ]]; then fail "$name ($*): still running after 30 s"; fi
  if [[ $RC -ge 128 ]]; then fail "$name ($*): ended by signal $((RC - 128))"; fi
  expect_rc "$name ($*)" "$status"
  expect_in "$name.err" "$pattern"
  if grep -Eq "serving: endpoint|terminate called|Aborted" "$WORK/$name.out" "$WORK/$name.err"; then
    fail "$name ($*): served or aborted"
  fi
}

# ---- flags: a missing value, an empty one, a non-number, a negative and an out-of-range one
for flag in --host --port --http-port --data-dir --fault-script --tables --client-id \
  --client-secret --token-lifetime --workspace-id --ready-file --tls-cert --tls-key \
  --stream-records-per-second --stream-bytes-per-second --table-bytes-per-second; do
  refused 2 "$flag needs a value" "$EMULATOR" "$flag"
done
for flag in --host --data-dir --fault-script --tables --client-id --client-secret \
  --workspace-id --ready-file; do
  refused 2 "$flag needs a value, not an empty string" "$EMULATOR" "$flag" ""
done
for flag in --port --http-port --token-lifetime --stream-records-per-second \
  --stream-bytes-per-second --table-bytes-per-second; do
  refused 2 "$flag needs a whole number, not 'ten'" "$EMULATOR" "$flag" ten
  refused 2 "$flag needs a whole number, not '1.5'" "$EMULATOR" "$flag" 1.5
  refused 2 "$flag must (not be negative|be at least 1)" "$EMULATOR" "$flag" -1
  refused 2 "$flag must be at most" "$EMULATOR" "$flag" 99999999999999999999
done
refused 2 "--port must be at most 65535" "$EMULATOR" --port 65536
refused 2 "--http-port must be at most 65535" "$EMULATOR" --http-port 70000
refused 2 "--token-lifetime must be at least 1" "$EMULATOR" --token-lifetime 0
refused 2 "--port and --http-port must differ" "$EMULATOR" --port 45678 --http-port 45678
refused 2 "unknown option --bogus" "$EMULATOR" --bogus
refused 2 "unknown option 8080" "$EMULATOR" 8080
refused 2 "--tls-cert and --tls-key go together" "$EMULATOR" --tls-cert "$WORK/cert.pem"

# ---- files: missing, a directory, unreadable
mkdir "$WORK/a-directory"
UNREADABLE=/proc/self/mem  # opens, but reading it from offset 0 fails (EIO), even for root
for flag in --tables --fault-script; do
  refused 2 "$flag $WORK/missing.json: cannot be read: No such file or directory" \
    "$EMULATOR" "$flag" "$WORK/missing.json"
  refused 2 "$flag $WORK/a-directory: is a directory" "$EMULATOR" "$flag" "$WORK/a-directory"
  refused 2 "$flag $UNREADABLE: cannot be read" "$EMULATOR" "$flag" "$UNREADABLE"
done
if [[ $(id -u) -ne 0 ]]; then
  echo '{}' >"$WORK/no-permission.json"
  chmod 000 "$WORK/no-permission.json"
  refused 2 "--tables $WORK/no-permission.json: cannot be read: Permission denied" \
    "$EMULATOR" --tables "$WORK/no-permission.json"
fi
echo "not a certificate" >"$WORK/cert.txt"
refused 2 "--tls-cert $WORK/missing.pem: cannot be read" \
  "$EMULATOR" --tls-cert "$WORK/missing.pem" --tls-key "$WORK/cert.txt"
refused 2 "--tls-cert $WORK/a-directory: is a directory" \
  "$EMULATOR" --tls-cert "$WORK/a-directory" --tls-key "$WORK/cert.txt"
refused 2 "--tls-cert $WORK/cert.txt: not a PEM file" \
  "$EMULATOR" --tls-cert "$WORK/cert.txt" --tls-key "$WORK/cert.txt"

# ---- --tables: not JSON, wrong JSON types, unknown keys, types that do not parse, bad names
tables_refused() {
  printf '%s' "$1" >"$WORK/tables.json"
  refused 2 "--tables $WORK/tables.json: $2" "$EMULATOR" --tables "$WORK/tables.json"
}
tables_refused '{"main.default.t": [' 'not valid JSON: parse error at line 1, column 21'
tables_refused '' 'not valid JSON'
tables_refused '[]' 'must be a JSON object keyed by table name'
tables_refused '{"main.default.t": [{"name": "id", "type": 5}]}' \
  'table "main.default.t", column 1 \("id"\): "type" must be a string such as "BIGINT", not 5'
tables_refused '{"main.default.t": [{"name": "id", "type": "INT"}, {"name": "name", "type": "STRING", "nullable": "no"}]}' \
  'table "main.default.t", column 2 \("name"\): "nullable" must be true or false, not "no"'
tables_refused '{"main.default.t": [{"name": 7, "type": "INT"}]}' \
  'table "main.default.t", column 1: "name" must be a non-empty string, not 7'
tables_refused '{"main.default.t": [{"name": "id", "type": "BIGGINT"}]}' \
  'table "main.default.t", column 1 \("id"\): "type": type .BIGGINT. at position [0-9]+: unknown type'
tables_refused '{"main.default.t": [{"name": "id", "type": "INT", "comment": "x"}]}' \
  'table "main.default.t", column 1 \("id"\): unknown key "comment"'
tables_refused '{"main.default.t": [{"name": "id", "type": "INT"}, {"name": "Id", "type": "INT"}]}' \
  'table "main.default.t", column 2 \("Id"\): duplicate of column 1 \("id"\)'
tables_refused '{"orders": [{"name": "id", "type": "INT"}]}' \
  "table \"orders\": table name 'orders' must have exactly 3 parts"
tables_refused '{"": [{"name": "id", "type": "INT"}]}' 'table "": table name'
tables_refused '{"main.default.t": {"name": "id"}}' \
  'table "main.default.t": the columns must be a non-empty array'
tables_refused '{"main.default.t": [5]}' 'table "main.default.t", column 1: must be an object'

# ---- --fault-script: not JSON, wrong JSON types, unknown keys, bad names
script_refused() {
  printf '%s' "$1" >"$WORK/faults.json"
  refused 2 "--fault-script $WORK/faults.json: Fault script $2" \
    "$EMULATOR" --fault-script "$WORK/faults.json"
}
script_refused '{"*": {"ack_delay_ms": }}' 'is not valid JSON: parse error at line 1, column'
script_refused '{"*": {"ack_delay_ms": "5"}}' \
  "for table '\\*': \"ack_delay_ms\" must be a non-negative integer"
script_refused '{"*": {"ack_delay_ms": 99999999999}}' \
  "for table '\\*': \"ack_delay_ms\" must be at most 2147483647"
script_refused '{"*": {"ack_delay": 5}}' "for table '\\*': unknown key \"ack_delay\""
script_refused '{"*": {"events": [{"kind": "kill", "after": 3}]}}' \
  "for table '\\*', events\\[0\\]: unknown key \"after\""
script_refused '{"*": {"events": [{"kind": "explode"}]}}' \
  "for table '\\*', events\\[0\\]: \"kind\" must be one of"
script_refused '{"*": {"create_errors": [{"code": 14}]}}' \
  "for table '\\*', create_errors\\[0\\]: \"code\" must be a gRPC code name"
script_refused '{"orders": {}}' "for table 'orders': table name 'orders' must have exactly 3"
script_refused '{"*": []}' "for table '\\*': must be an object"

# ---- the same command line through zerobus-arrow
refused 2 "--fault-script $WORK/faults.json: Fault script" \
  "$CLI" emulator --fault-script "$WORK/faults.json"
refused 2 "unknown option --bogus" "$CLI" emulator --bogus

# ---- a data directory it cannot create or write: status 1 before anything listens
refused 1 "data directory /proc/x cannot be created" "$EMULATOR" --data-dir /proc/x
refused 1 "data directory /dev/null/x cannot be created: Not a directory" \
  "$EMULATOR" --data-dir /dev/null/x
refused 1 "data directory /proc/self is not writable" "$EMULATOR" --data-dir /proc/self
echo x >"$WORK/a-file"
refused 1 "data directory $WORK/a-file" "$EMULATOR" --data-dir "$WORK/a-file"

# ---- valid files are accepted; then ports the running emulator holds are refused
cat >"$WORK/tables.json" <<'JSON'
{"main.default.people": [{"name": "id", "type": "BIGINT", "nullable": false},
                         {"name": "tags", "type": "ARRAY<STRING>"}]}
JSON
cat >"$WORK/faults.json" <<'JSON'
{"*": {"ack_delay_ms": 1}, "main.default.people": {"events": [{"after_requests": 2, "kind": "kill"}]}}
JSON
start_emulator --tables "$WORK/tables.json" --fault-script "$WORK/faults.json"
GRPC_PORT=${ENDPOINT##*:}
HTTP_PORT=${WORKSPACE_URL##*:}
refused 1 "cannot listen on 127.0.0.1:$GRPC_PORT \(gRPC\): Address already in use" \
  "$EMULATOR" --port "$GRPC_PORT"
refused 1 "cannot listen on 127.0.0.1:$HTTP_PORT \(OAuth endpoint\): Address already in use" \
  "$EMULATOR" --http-port "$HTTP_PORT"
refused 1 "cannot listen on 127.0.0.1:$GRPC_PORT" "$CLI" emulator --port "$GRPC_PORT"
kill -0 "$EMULATOR_PID" 2>/dev/null || fail "the first emulator stopped"

# ---- a ready file it cannot write: status 2 (the port it had is given back)
refused 2 "--ready-file $WORK/missing/ready.json: cannot create" \
  "$EMULATOR" --ready-file "$WORK/missing/ready.json"

echo "PASS: $CASES refusals, each with its status and message"
