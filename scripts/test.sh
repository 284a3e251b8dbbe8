#!/usr/bin/env bash
# Sets everything up, builds, and runs all tests: the C++ tests (ctest), the Python package
# (installed into .venv with `pip install .` when its sources changed, then pytest tests/python),
# the conformance suite (tests/conformance: the official Databricks Zerobus Python SDK, the
# current one from .venv and 0.2.0 from .venv-sdk020, against the emulator built here), the fuzz
# targets briefly (scripts/fuzz.sh), ThreadSanitizer briefly (scripts/sanitize.sh --thread
# --quick) and the lint checks (scripts/lint.sh).
# Every suite runs even when an earlier one failed; the exit status is non-zero if any failed.
#
# Environment: BUILD_DIR (default: build), LINT_STRICT (see scripts/lint.sh).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
BUILD_DIR="${BUILD_DIR:-build}"

"$REPO/scripts/build.sh"

failed=()
# Each suite's start, with the seconds since this script began: CI must stay well under 30 min.
stage() { echo "test: $1 (at ${SECONDS} s)"; }

stage "ctest"
if ! ctest --test-dir "$BUILD_DIR" --output-on-failure -j2; then
  failed+=("ctest")
fi

# The Python package arrow_zerobus_sdk_wrapper, installed into .venv from this checkout. pip runs
# only when a source it is built from changed since the last install (a hash of them is kept in
# the venv) or the package does not import. --no-build-isolation builds with the venv's pyarrow
# and nanobind. It packages the extension module, CLI and emulator built above in $BUILD_DIR
# (scripts/lib/python_package.sh says why) rather than compiling them again.
. "$REPO/scripts/lib/python_package.sh"
stage "python package"
if ! ensure_python_package test; then
  failed+=("pip-install")
fi

# pytest exits with 5 when it collects nothing, so it runs only when test files exist. The tests
# import the installed package (python/ is not on sys.path).
if [ -d tests/python ] && [ -n "$(find tests/python -name 'test_*.py' -print -quit)" ]; then
  stage "pytest"
  # The restart test runs this build's emulator binary as a process it kills and starts again.
  if ! ARROW_ZEROBUS_EMULATOR="$(cd "$BUILD_DIR" && pwd)/emulator/zerobus-emulator" \
      "$REPO/.venv/bin/python" -m pytest tests/python -q; then
    failed+=("pytest")
  fi
else
  echo "test: pytest skipped (no tests/python/test_*.py yet)"
fi

# The official SDK (from requirements-dev.txt) against this build's emulator binary, and the
# older 0.2.0 in its own venv (scripts/setup_legacy_sdk.sh: pip runs only when its pins changed).
if ! "$REPO/scripts/setup_legacy_sdk.sh"; then
  failed+=("legacy-sdk-venv")
fi
emulator_bin="$(cd "$BUILD_DIR" && pwd)/emulator/zerobus-emulator"
stage "conformance (official Zerobus Python SDK against $emulator_bin)"
if ! ARROW_ZEROBUS_EMULATOR="$emulator_bin" \
    "$REPO/.venv/bin/python" -m pytest tests/conformance -q; then
  failed+=("conformance")
fi

# The fuzz targets of tests/fuzz, briefly, so that a parser that regressed fails here: built with
# clang in build-fuzz, FUZZ_SECONDS per target (default 10), two at a time.
stage "fuzz"
if ! FUZZ_SECONDS="${FUZZ_SECONDS:-10}" "$REPO/scripts/fuzz.sh"; then
  failed+=("fuzz")
fi

# ThreadSanitizer, briefly: its canaries and the transport and wrapper send tests, built in
# build-tsan (scripts/sanitize.sh --thread runs the whole transport, wrapper and emulator set).
stage "ThreadSanitizer (quick)"
if ! "$REPO/scripts/sanitize.sh" --thread --quick; then
  failed+=("tsan")
fi

stage "lint"
if ! "$REPO/scripts/lint.sh"; then
  failed+=("lint")
fi

if [ "${#failed[@]}" -ne 0 ]; then
  echo "test: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "test: all passed in ${SECONDS} s"
