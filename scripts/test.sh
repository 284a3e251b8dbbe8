#!/usr/bin/env bash
# Sets everything up, builds, and runs all tests: the C++ tests (ctest), the Python tests (pytest,
# once tests/python has any), the conformance suite (tests/conformance: the official Databricks
# Zerobus Python SDK against the emulator built here) and the lint checks (scripts/lint.sh).
# Every suite runs even when an earlier one failed; the exit status is non-zero if any failed.
#
# Environment: BUILD_DIR (default: build), LINT_STRICT (see scripts/lint.sh).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
BUILD_DIR="${BUILD_DIR:-build}"

"$REPO/scripts/build.sh"

failed=()

echo "test: ctest"
if ! ctest --test-dir "$BUILD_DIR" --output-on-failure -j2; then
  failed+=("ctest")
fi

# pytest exits with 5 when it collects nothing, so it runs only when test files exist.
if [ -d tests/python ] && [ -n "$(find tests/python -name 'test_*.py' -print -quit)" ]; then
  echo "test: pytest"
  if ! "$REPO/.venv/bin/python" -m pytest tests/python -q; then
    failed+=("pytest")
  fi
else
  echo "test: pytest skipped (no tests/python/test_*.py yet)"
fi

# The official SDK (from requirements-dev.txt) against this build's emulator binary.
emulator_bin="$(cd "$BUILD_DIR" && pwd)/emulator/zerobus-emulator"
echo "test: conformance (official Zerobus Python SDK against $emulator_bin)"
if ! ARROW_ZEROBUS_EMULATOR="$emulator_bin" \
    "$REPO/.venv/bin/python" -m pytest tests/conformance -q; then
  failed+=("conformance")
fi

echo "test: lint"
if ! "$REPO/scripts/lint.sh"; then
  failed+=("lint")
fi

if [ "${#failed[@]}" -ne 0 ]; then
  echo "test: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "test: all passed"
