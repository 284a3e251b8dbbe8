#!/usr/bin/env bash
# Proves that the Python wheel works on a machine that has none of the build's libraries: installs
# it into a new venv inside a clean Debian root (debootstrap bookworm minbase with python3,
# python3-venv and ca-certificates only: scripts/lib/clean_root.sh), entered with chroot, and
# checks there:
#   install      `pip install WHEEL` works (pyarrow comes from PyPI)
#   libraries    ldd of every ELF file the package installed (with pyarrow's library directories
#                on LD_LIBRARY_PATH, as the console entry points run them) finds every library, in
#                the venv or in the manylinux baseline (glibc, libstdc++, libgcc_s, zlib) only;
#                prints `auditwheel show WHEEL`, the wheel's size and platform tag
#   entrypoints  zerobus-arrow and zerobus-emulator are the venv's and answer --version / --help
#   isolation    nothing of the host shows: no /work, the root's PATH and mounts only
#   quickstart   the README's "Quick start (Python)" block, its endpoint, workspace URL and
#                credentials swapped for the emulator's, exits 0 without a traceback and its rows
#                land in the emulator
#   cli          `zerobus-arrow send` of a 1,000-row Parquet file reports and lands 1000 rows
# quickstart and cli run against one `zerobus-emulator` from the venv, inside the root.
# Prints PASS or FAIL per check, then a summary with the times; exits 1 if any check failed.
#
#   scripts/check_wheel.sh [--wheel PATH] [--fresh-root]
#
#   --wheel PATH   the wheel to check (default: run scripts/build_wheel.sh and check the wheel
#                  whose path it prints as its last line)
#   --fresh-root   create the clean root again instead of reusing the cached one
#
# The clean root is created once (about 1 min, 275 MB) in .cache/clean-root/bookworm and is
# never written afterwards: each run mounts an overlay on it, whose upper layer (a tmpfs at
# .cache/clean-root/run.*) takes the venv and every other write and is thrown away at the end,
# Ctrl-C included. A run killed so hard that it could not clean up is cleaned up by the next
# one. Needs root (debootstrap, mount, chroot), deb.debian.org when creating the root, PyPI for
# pyarrow, and .venv (scripts/setup.sh) for auditwheel, which is installed there when missing.
#
# Environment:
#   BUILD_WHEEL_TIMEOUT  seconds scripts/build_wheel.sh may take (default: 7200)
# shellcheck disable=SC2317 # the check_* functions and cleanup are called indirectly
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
# shellcheck source=scripts/lib/clean_root.sh
. "$REPO/scripts/lib/clean_root.sh"

log() { printf 'check_wheel: %s\n' "$*"; }
die() {
  log "$*" >&2
  exit 1
}
usage() { echo "usage: scripts/check_wheel.sh [--wheel PATH] [--fresh-root]"; }
indent() { sed 's/^/    /' "$@"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

WHEEL=""
FRESH=0
while [ $# -gt 0 ]; do
  case "$1" in
    --wheel)
      [ $# -ge 2 ] || { usage >&2; exit 2; }
      WHEEL="$2"
      shift 2
      ;;
    --fresh-root) FRESH=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) log "unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, mount, chroot)"
[ -x "$REPO/.venv/bin/python" ] || die "no .venv (for auditwheel): run scripts/setup.sh first"

CACHE="$REPO/.cache/clean-root"
BASE="$CACHE/bookworm"
VENV=/opt/check-venv    # inside the root
WORK=/tmp/check         # inside the root: the wheel, the checks' scripts and their output
PACKAGE=arrow_zerobus_sdk_wrapper
CLIENT_ID=emulator-client
CLIENT_SECRET=emulator-secret
CLI_TABLE=main.default.check_wheel
CLI_ROWS=1000
ROOT_PATH="$VENV/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Everything run in the root gets this environment and no other.
ROOT_ENV=(/usr/bin/env -i HOME=/root LANG=C.UTF-8 PATH="$ROOT_PATH" PIP_CERT="$CLEAN_ROOT_CA"
          PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_DEFAULT_TIMEOUT=30)

START=$(now)
LOCKED=0
RUN=""           # this run's directory: a tmpfs with the overlay's layers and the root
ROOT=""
BG_PID=""        # the timeout process of the command being waited for
EMULATOR_PID=""  # the timeout process around the emulator
cleanup() {
  local status=$? pid
  trap - EXIT INT TERM
  set +e
  # timeout passes TERM on to its command and kills it 5 s later if it is still there.
  for pid in $BG_PID $EMULATOR_PID ${CLEAN_ROOT_PID:-}; do
    kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  if [ "$LOCKED" -eq 1 ]; then
    clean_root_release "$BASE"  # an interrupted debootstrap's processes and mounts, if any
    if [ -n "$RUN" ] && ! clean_root_discard "$RUN"; then status=1; fi
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# bounded SECONDS COMMAND...: COMMAND under timeout, in the background so that Ctrl-C reaches the
# trap at once (bash runs a trap only once the foreground command is done).
bounded() {
  local seconds="$1" status=0
  shift
  timeout -k 5 "$seconds" "$@" 9>&- &
  BG_PID=$!
  wait "$BG_PID" || status=$?
  BG_PID=""
  [ "$status" -ne 124 ] || log "timed out after $seconds s: $*"
  return "$status"
}
# in_root SECONDS [NAME=VALUE...] COMMAND...: COMMAND in the root, with ROOT_ENV only.
in_root() {
  local seconds="$1"
  shift
  bounded "$seconds" chroot "$ROOT" "${ROOT_ENV[@]}" "$@"
}

# --- the wheel -------------------------------------------------------------------------------------
if [ -z "$WHEEL" ]; then
  log "building the wheel: scripts/build_wheel.sh"
  build_log="$(mktemp)"
  bounded "${BUILD_WHEEL_TIMEOUT:-7200}" "$REPO/scripts/build_wheel.sh" >"$build_log" ||
    { indent "$build_log"; rm -f "$build_log"; die "scripts/build_wheel.sh failed"; }
  indent "$build_log"
  WHEEL="$(tail -n 1 "$build_log")"
  rm -f "$build_log"
fi
if [ ! -f "$WHEEL" ] || [[ "$WHEEL" != *.whl ]]; then die "not a wheel file: '$WHEEL'"; fi
WHEEL="$(realpath "$WHEEL")"
WHEEL_NAME="$(basename "$WHEEL")"
log "wheel: $WHEEL"

# --- the clean root --------------------------------------------------------------------------------
mkdir -p "$CACHE"
clean_root_lock "$CACHE/lock" || die "another check_wheel.sh is running (it holds $CACHE/lock)"
LOCKED=1
# The lock is ours, so any run directory left is a killed run's: unmount and remove it.
for stale in "$CACHE"/run.*; do
  [ -e "$stale" ] || continue
  log "cleaning up a previous run's $stale"
  clean_root_discard "$stale" || die "cannot clean up $stale"
done

root_start=$(now)
log "clean root $BASE: checking"
clean_root_ensure "$BASE" "$FRESH" || die "cannot create the clean root"
ROOT_TIME="$(since "$root_start")"
ROOT_SIZE="$(du -sh "$BASE" | cut -f1)"
log "clean root $CLEAN_ROOT_ACTION in $ROOT_TIME ($ROOT_SIZE; created $CLEAN_ROOT_CREATED)"

RUN="$(mktemp -d "$CACHE/run.XXXXXX")"
ROOT="$RUN/root"
clean_root_open "$BASE" "$RUN"
log "this run's root: $ROOT ($CLEAN_ROOT_METHOD of the clean root)"
mkdir -p "$ROOT$WORK"
cp "$WHEEL" "$ROOT$WORK/"

# --- the checks --------------------------------------------------------------------------------------
CHECKS=(install libraries entrypoints isolation quickstart cli)
declare -A RESULT
FAILED=0
fail() {
  log "  failed: $*"
  FAILED=1
}
run_check() {
  log "---- $1"
  FAILED=0
  "check_$1" || FAILED=1
  if [ "$FAILED" -eq 0 ]; then RESULT[$1]=PASS; else RESULT[$1]=FAIL; fi
  log "${RESULT[$1]} $1"
}

INSTALL_TIME="-"
check_install() {
  local start
  start=$(now)
  # $VENV cannot exist yet: this run's root is new.
  in_root 120 python3 -m venv "$VENV" || { fail "python3 -m venv $VENV"; return 1; }
  if ! in_root 600 "$VENV/bin/python" -m pip install "$WORK/$WHEEL_NAME" >"$ROOT$WORK/pip.out" 2>&1
  then
    indent "$ROOT$WORK/pip.out"
    fail "pip install $WHEEL_NAME"
    return 1
  fi
  INSTALL_TIME="$(since "$start")"
  grep '^Successfully installed' "$ROOT$WORK/pip.out" | indent
  log "  pip install took $INSTALL_TIME"
}

# Run in the root by the venv's Python: ldd on every ELF file of the package (and of the .libs
# directory auditwheel adds next to it), with LD_LIBRARY_PATH as the entry points set it. The
# extension module gets it too: it is imported after pyarrow, whose libraries are then loaded.
cat >"$ROOT$WORK/ldd_check.py" <<'EOF'
import glob
import os
import subprocess
import sys
import sysconfig

import pyarrow

PACKAGE = sys.argv[1]
# What every manylinux system provides, so auditwheel leaves it out of the wheel: glibc (with
# libresolv), the C++ runtime, and zlib, which the manylinux policies list too.
BASELINE = {"linux-vdso", "ld-linux-x86-64", "libc", "libm", "libpthread", "libdl", "librt",
            "libresolv", "libgcc_s", "libstdc++", "libz"}
site = sysconfig.get_paths()["platlib"]
files = []
for top in [os.path.join(site, PACKAGE), *glob.glob(os.path.join(site, PACKAGE + "*.libs"))]:
    for directory, _, names in os.walk(top):
        for name in sorted(names):
            path = os.path.join(directory, name)
            with open(path, "rb") as f:
                if f.read(4) == b"\x7fELF":
                    files.append(path)
if not files:
    sys.exit(f"no ELF file under {site}/{PACKAGE}")

env = dict(os.environ, LD_LIBRARY_PATH=":".join(pyarrow.get_library_dirs()))
print(f"LD_LIBRARY_PATH={env['LD_LIBRARY_PATH']}")
names = [os.path.relpath(path, site) for path in files]
own = [name for name in names if name.startswith(PACKAGE + "/")]
print(f"{len(files)} ELF files: {', '.join(own)}; {len(files) - len(own)} in {PACKAGE}*.libs/")
needed = {}  # (library, verdict, where) -> the files whose ldd lists it
for path, file_name in zip(files, names):
    ldd = subprocess.run(["ldd", path], env=env, capture_output=True, text=True, timeout=30)
    if "not a dynamic executable" in ldd.stdout + ldd.stderr:  # static: needs nothing
        continue
    if ldd.returncode != 0:
        needed.setdefault(("(ldd failed)", "NOT FOUND", ldd.stderr.strip()), []).append(file_name)
        continue
    for line in ldd.stdout.splitlines():
        if line.strip() == "statically linked":  # a shared library that needs nothing
            continue
        name, arrow, found = line.strip().partition(" => ")
        if not arrow:  # linux-vdso.so.1 (0x...) or /lib64/ld-linux-x86-64.so.2 (0x...)
            name = name.split()[0]
            found = name if name.startswith("/") else ""
        name = os.path.basename(name)
        found = found.split(" (")[0].strip()
        if found == "not found":
            verdict, found = "NOT FOUND", ""
        elif found and os.path.realpath(found).startswith(sys.prefix + "/"):
            verdict, found = "venv", os.path.relpath(found, site)
        elif name.split(".so")[0] in BASELINE:
            verdict = "baseline"
        else:
            verdict = "OUTSIDE"
        if found and os.path.basename(found) != name:
            found = f"{name} => {found}"
        needed.setdefault((name, verdict, found), []).append(file_name)

# One row per library, problems first: where it was found, and how many of the files need it.
order = {"NOT FOUND": 0, "OUTSIDE": 1, "baseline": 2, "venv": 3}
rows = sorted(needed.items(), key=lambda item: (order[item[0][1]], item[0][0]))
print(f"{'verdict':<9}  {'files':>5}  library (as resolved; in the venv: under site-packages)")
for (name, verdict, found), users in rows:
    print(f"{verdict:<9}  {len(users):>5}  {found or name}")
problems = [row for row in rows if row[0][1] in ("NOT FOUND", "OUTSIDE")]
for (name, verdict, _), users in problems:
    print(f"{verdict} {name}, needed by: {', '.join(users[:4])}"
          + (f" and {len(users) - 4} more" if len(users) > 4 else ""))
print(f"{len(rows)} libraries: " + ", ".join(
    f"{sum(1 for row in rows if row[0][1] == verdict)} {verdict}" for verdict in order))
sys.exit(1 if problems else 0)
EOF

check_libraries() {
  log "  $WHEEL_NAME: $(numfmt --to=iec --suffix=B "$(stat -c %s "$WHEEL")"), platform tag" \
    "$(basename "$WHEEL_NAME" .whl | rev | cut -d- -f1 | rev)"
  if [ ! -x "$REPO/.venv/bin/auditwheel" ]; then
    log "  installing auditwheel into .venv"
    bounded 300 "$REPO/.venv/bin/python" -m pip install --quiet auditwheel || true
  fi
  log "  auditwheel show (on the host):"
  bounded 120 "$REPO/.venv/bin/auditwheel" show "$WHEEL" >"$RUN/auditwheel.out" 2>&1 ||
    log "  (auditwheel show failed: for information only, the ldd check decides)"
  indent "$RUN/auditwheel.out"
  log "  ldd in the root:"
  if ! in_root 120 "$VENV/bin/python" "$WORK/ldd_check.py" "$PACKAGE" >"$ROOT$WORK/ldd.out" 2>&1
  then
    indent "$ROOT$WORK/ldd.out"
    fail "a library not found, or found outside the venv and the baseline (or the error above)"
    return 1
  fi
  indent "$ROOT$WORK/ldd.out"
}

check_entrypoints() {
  local name found
  for name in zerobus-arrow zerobus-emulator; do
    found="$(in_root 10 sh -c "command -v $name" || true)"
    log "  command -v $name: ${found:-(none)}"
    [ "$found" = "$VENV/bin/$name" ] || fail "$name is not $VENV/bin/$name"
  done
  in_root 30 zerobus-arrow --version 2>&1 | indent || fail "zerobus-arrow --version"
  in_root 30 zerobus-emulator --help >"$ROOT$WORK/emulator-help.out" 2>&1 ||
    { indent "$ROOT$WORK/emulator-help.out"; fail "zerobus-emulator --help"; }
  head -n 1 "$ROOT$WORK/emulator-help.out" | indent
}

# Run in the root by the venv's Python: what it sees of the host.
cat >"$ROOT$WORK/isolation_check.py" <<'EOF'
import importlib.util
import os
import sys

repo, expected_path, venv = sys.argv[1:]
problems = [f"{path} is visible" for path in ("/work", repo) if os.path.exists(path)]
if os.environ["PATH"] != expected_path:
    problems.append(f"PATH is {os.environ['PATH']}")
problems += [f"${key} names /work" for key, value in os.environ.items() if "/work" in value]
here = os.path.dirname(__file__)
for entry in sys.path:
    if entry not in ("", here) and not entry.startswith(("/usr/lib/python3", venv + "/")):
        problems.append(f"sys.path has {entry}")
for name in ("arrow_zerobus_sdk_wrapper", "pyarrow"):
    spec = importlib.util.find_spec(name)  # finds without importing
    origin = spec.origin if spec else None
    print(f"{name}: {origin}")
    if not origin or not origin.startswith(venv + "/"):
        problems.append(f"{name} is not the venv's: {origin}")
with open("/proc/self/mountinfo") as f:
    mounts = sorted({line.split()[4] for line in f})
print("mounts:", " ".join(mounts))
problems += [f"{m} is mounted" for m in mounts if m not in ("/", "/proc", "/sys", "/dev")
             and not m.startswith("/dev/")]
print("PATH:", os.environ["PATH"])
print("sys.path:", " ".join(sys.path))
for problem in problems:
    print("PROBLEM:", problem)
sys.exit(1 if problems else 0)
EOF

check_isolation() {
  in_root 30 "$VENV/bin/python" "$WORK/isolation_check.py" "$REPO" "$ROOT_PATH" "$VENV" \
    >"$ROOT$WORK/isolation.out" 2>&1 || fail "the root sees something of the host (PROBLEM lines)"
  indent "$ROOT$WORK/isolation.out"
}

# The emulator for quickstart and cli: zerobus-emulator as found on the root's PATH, which the
# entrypoints check showed to be the venv's; its rows land in $WORK/landed/<table>/*.arrows.
ENDPOINT=""
WORKSPACE_URL=""
start_emulator() {
  local ready="$ROOT$WORK/ready.json" _
  log "---- starting zerobus-emulator in the root"
  timeout -k 5 900 chroot "$ROOT" "${ROOT_ENV[@]}" zerobus-emulator --port 0 --http-port 0 \
    --client-id "$CLIENT_ID" --client-secret "$CLIENT_SECRET" --data-dir "$WORK/landed" \
    --ready-file "$WORK/ready.json" >"$ROOT$WORK/emulator.log" 2>&1 9>&- &
  EMULATOR_PID=$!
  for _ in $(seq 100); do
    [ -s "$ready" ] || ! kill -0 "$EMULATOR_PID" 2>/dev/null && break
    sleep 0.1
  done
  if [ ! -s "$ready" ]; then
    log "  the emulator exited, or did not start within 10 s:"
    indent "$ROOT$WORK/emulator.log"
    return 1
  fi
  read -r ENDPOINT WORKSPACE_URL < <(python3 -c \
    'import json, sys; r = json.load(open(sys.argv[1])); print(r["endpoint"], r["workspace_url"])' \
    "$ready")
  log "  serving: endpoint $ENDPOINT, workspace URL $WORKSPACE_URL"
}
stop_emulator() {
  [ -n "$EMULATOR_PID" ] || return 0
  if kill -TERM "$EMULATOR_PID" 2>/dev/null; then wait "$EMULATOR_PID" 2>/dev/null || true; fi
  EMULATOR_PID=""
}
# landed_rows TABLE: the rows the emulator landed for TABLE.
landed_rows() {
  in_root 30 "$VENV/bin/python" -c '
import glob, sys
import pyarrow.ipc
print(sum(pyarrow.ipc.open_stream(f).read_all().num_rows for f in glob.glob(sys.argv[1])))' \
    "$WORK/landed/$1/*.arrows"
}

# Run on the host: the first ```python block under "## Quick start (Python)" of README.md, with the
# endpoint, workspace URL and credential literals replaced by the emulator's. A literal not found
# exactly once fails (README drift). Prints the snippet's table. Nothing is appended to it: its
# `result` lives inside main(), so success is its exit status, no traceback, no output (it prints
# only when rows failed) and its rows in the emulator.
check_quickstart() {
  local table status=0 rows
  [ -n "$ENDPOINT" ] || { fail "no emulator"; return 1; }
  table="$(python3 - README.md "$ROOT$WORK/quickstart.py" "$ENDPOINT" "$WORKSPACE_URL" \
    "$CLIENT_ID" "$CLIENT_SECRET" <<'EOF'
import re
import sys

readme, out, endpoint, workspace_url, client_id, client_secret = sys.argv[1:]
with open(readme) as f:
    text = f.read()
section = re.search(r"^## Quick start \(Python\)\n(.*?)(?=^## |\Z)", text, re.M | re.S)
block = section and re.search(r"^```python\n(.*?)^```", section.group(1), re.M | re.S)
if not block:
    sys.exit("README.md: no ```python block under '## Quick start (Python)'")
code = block.group(1)
replacements = {
    'endpoint="https://1234567890.zerobus.us-west-2.cloud.databricks.com"':
        f'endpoint="{endpoint}"',
    'unity_catalog_url="https://dbc-a1b2c3.cloud.databricks.com"':
        f'unity_catalog_url="{workspace_url}"',
    'client_id="client_id"': f'client_id="{client_id}"',
    'client_secret="client_secret"': f'client_secret="{client_secret}"',
}
for old, new in replacements.items():
    if code.count(old) != 1:
        sys.exit(f"README.md quick start: {old} found {code.count(old)} times, not once")
    code = code.replace(old, new)
table = re.search(r'table_name="([^"]+)"', code)
if not table:
    sys.exit('README.md quick start: no table_name="..."')
with open(out, "w") as f:
    f.write(code)
print(table.group(1))
EOF
  )" || { fail "README.md's quick start has changed"; return 1; }
  log "  README.md quick start, table $table, endpoint and credentials replaced:"
  indent "$ROOT$WORK/quickstart.py"
  in_root 60 "$VENV/bin/python" "$WORK/quickstart.py" >"$ROOT$WORK/quickstart.out" \
    2>"$ROOT$WORK/quickstart.err" || status=$?
  if [ -s "$ROOT$WORK/quickstart.out" ] || [ -s "$ROOT$WORK/quickstart.err" ]; then
    log "  exit status $status; stdout and stderr:"
    cat "$ROOT$WORK/quickstart.out" "$ROOT$WORK/quickstart.err" | indent
  else
    log "  exit status $status, no output"
  fi
  [ "$status" -eq 0 ] || fail "exit status $status"
  ! grep -q Traceback "$ROOT$WORK/quickstart.err" || fail "a traceback on stderr"
  [ ! -s "$ROOT$WORK/quickstart.out" ] || fail "it printed something: rows failed"
  rows="$(landed_rows "$table")" || rows="?"
  log "  rows landed in $table: $rows"
  [[ "$rows" =~ ^[1-9][0-9]*$ ]] || fail "no rows landed in $table"
}

cat >"$ROOT$WORK/make_parquet.py" <<'EOF'
import datetime
import sys

import pyarrow as pa
import pyarrow.parquet as pq

path, rows = sys.argv[1], int(sys.argv[2])
start = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
pq.write_table(pa.table({
    "id": pa.array(range(rows), pa.int64()),
    "name": [f"row {i}" for i in range(rows)],
    "amount": [i * 0.25 for i in range(rows)],
    "at": pa.array([start + datetime.timedelta(seconds=i) for i in range(rows)],
                   pa.timestamp("us", tz="UTC")),
}), path)
EOF

check_cli() {
  local status=0 rows
  [ -n "$ENDPOINT" ] || { fail "no emulator"; return 1; }
  in_root 60 "$VENV/bin/python" "$WORK/make_parquet.py" "$WORK/check.parquet" "$CLI_ROWS" ||
    { fail "writing $CLI_ROWS rows to $WORK/check.parquet"; return 1; }
  log "  zerobus-arrow send $WORK/check.parquet --table $CLI_TABLE"
  in_root 120 ZEROBUS_ENDPOINT="$ENDPOINT" ZEROBUS_UNITY_CATALOG_URL="$WORKSPACE_URL" \
    ZEROBUS_CLIENT_ID="$CLIENT_ID" ZEROBUS_CLIENT_SECRET="$CLIENT_SECRET" \
    zerobus-arrow send "$WORK/check.parquet" --table "$CLI_TABLE" >"$ROOT$WORK/cli.out" 2>&1 ||
    status=$?
  indent "$ROOT$WORK/cli.out"
  [ "$status" -eq 0 ] || fail "exit status $status"
  grep -Eq "^ +rows: +$CLI_ROWS total, $CLI_ROWS succeeded, 0 failed\$" "$ROOT$WORK/cli.out" ||
    fail "no summary line 'rows: $CLI_ROWS total, $CLI_ROWS succeeded, 0 failed'"
  rows="$(landed_rows "$CLI_TABLE")" || rows="?"
  log "  rows landed in $CLI_TABLE: $rows"
  [ "$rows" = "$CLI_ROWS" ] || fail "$CLI_ROWS rows sent, $rows landed"
}

run_check install
checks_start=$(now)
if [ "${RESULT[install]}" = PASS ]; then
  run_check libraries
  run_check entrypoints
  run_check isolation
  start_emulator || true
  run_check quickstart
  run_check cli
  stop_emulator
fi
CHECKS_TIME="$(since "$checks_start")"

# --- summary ---------------------------------------------------------------------------------------
log "==== $WHEEL_NAME"
status=0
for check in "${CHECKS[@]}"; do
  log "$(printf '%-12s %s' "$check" "${RESULT[$check]:-FAIL (not run: the install failed)}")"
  [ "${RESULT[$check]:-}" = PASS ] || status=1
done
log "times: clean root $CLEAN_ROOT_ACTION $ROOT_TIME, pip install $INSTALL_TIME, checks" \
  "$CHECKS_TIME, total $(since "$START")"
exit "$status"
