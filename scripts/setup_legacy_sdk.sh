#!/usr/bin/env bash
# Installs the older official client the conformance suite also runs against the emulator:
# databricks-zerobus-ingest-sdk 0.2.0 (pure Python on grpcio), in a venv of its own at
# <repo>/.venv-sdk020 from tests/conformance/legacy/requirements.txt. It cannot share .venv: it is
# the same `zerobus` package as the current SDK there. scripts/test.sh runs this before the
# conformance suite.
#
# Idempotent and quick when done: pip runs only when the requirements file changed since the last
# successful install (a hash of it is kept in the venv), or the venv is missing or broken.
#
# Environment:
#   PYTHON   interpreter used to create the venv (default: python3)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO/.venv-sdk020"
REQUIREMENTS="$REPO/tests/conformance/legacy/requirements.txt"
STAMP="$VENV/.requirements.sha256"
PYTHON="${PYTHON:-python3}"

log() { printf 'setup-legacy-sdk: %s\n' "$*"; }

want="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
if [ "$want" = "$(cat "$STAMP" 2>/dev/null || true)" ] && "$VENV/bin/python" -c '' 2>/dev/null; then
  log "$VENV up to date"
  exit 0
fi

export PIP_DISABLE_PIP_VERSION_CHECK=1
if ! "$VENV/bin/python" -c '' 2>/dev/null; then
  log "creating $VENV with $("$PYTHON" -c 'import sys; print(sys.version.split()[0])')"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
fi
log "pip: installing $(realpath --relative-to="$REPO" "$REQUIREMENTS")"
rm -f "$STAMP"
"$VENV/bin/python" -m pip install --quiet -r "$REQUIREMENTS"
printf '%s\n' "$want" >"$STAMP"
log "done ($("$VENV/bin/python" -c \
  'from importlib.metadata import version as v; print("sdk", v("databricks-zerobus-ingest-sdk"))'))"
