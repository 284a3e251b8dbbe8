# Sourced by scripts/test.sh and the benchmark scripts: ensure_python_package installs the Python
# package into .venv with `pip install .` when the sources it is built from changed since the
# last install (a hash kept in .venv), so every caller measures or tests this checkout. Needs
# REPO. Returns pip's failure.
#
# The build is kept in build-python/<wheel tag> (PYTHON_BUILD_DIR, which scripts/build_wheel.sh
# shares), apart from the development build in build/, and without build isolation, so that the
# pyarrow and nanobind it was configured with stay where they are and a rebuild is incremental.
#
# `ensure_python_package test` (scripts/test.sh) installs, through the same `pip install .`, the
# extension module, stubs, CLI and emulator that the development build ($BUILD_DIR, default
# build/) already built (cmake/prebuilt_python_package.cmake): compiling the library a second
# time for the package took minutes of every clean test run. Benchmarks use the default, a
# build from source with the wheel's -O3, as do scripts/build_wheel.sh and users.
PYTHON_BUILD_DIR="$REPO/build-python/{wheel_tag}"
python_sources_hash() {
  (cd "$REPO" && find python src include emulator cli cmake CMakeLists.txt pyproject.toml -type f \
       \( -name '*.cc' -o -name '*.h' -o -name '*.in' -o -name '*.proto' -o -name '*.py' \
          -o -name '*.pyi' -o -name 'py.typed' -o -name '*.cmake' -o -name 'CMakeLists.txt' \
          -o -name '*.toml' \) -print0 \
    | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}

ensure_python_package() {
  local flavor="${1:-release}" stamp="$REPO/.venv/.arrow_zerobus_python.sha256" want
  local build_settings=(--config-settings=build-dir="$PYTHON_BUILD_DIR")
  case "$flavor" in
    release) ;;
    test)
      local prebuilt
      prebuilt="$(cd "$REPO" && cd "${BUILD_DIR:-build}" && pwd)" || return 1
      build_settings=(--config-settings=build-dir="$PYTHON_BUILD_DIR-prebuilt"
                      --config-settings=cmake.define.ARROW_ZEROBUS_PREBUILT_PYTHON_DIR="$prebuilt") ;;
    *) echo "ensure_python_package: unknown flavor '$flavor' (release or test)" >&2; return 2 ;;
  esac
  want="$flavor $(python_sources_hash)"
  if [ "$want" = "$(cat "$stamp" 2>/dev/null || true)" ] \
      && (cd /tmp && "$REPO/.venv/bin/python" -c 'import arrow_zerobus_sdk_wrapper') 2>/dev/null; then
    echo "Python package up to date"
    return 0
  fi
  echo "pip install . (the Python package, $flavor build)"
  rm -f "$stamp"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$REPO/.venv/bin/python" -m pip install --quiet \
    --no-build-isolation "${build_settings[@]}" "$REPO" || return 1
  printf '%s\n' "$want" >"$stamp"
}
