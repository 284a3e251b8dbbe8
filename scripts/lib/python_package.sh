# Sourced by scripts/test.sh and the benchmark scripts: ensure_python_package installs the Python
# package into .venv with `pip install .` when the sources it is built from changed since the
# last install (a hash kept in .venv), so every caller measures or tests this checkout. Needs
# REPO. Returns pip's failure.
#
# The build is kept in build-python/<wheel tag> (PYTHON_BUILD_DIR, which scripts/build_wheel.sh
# shares), apart from the development build in build/, and without build isolation, so that the
# pyarrow and nanobind it was configured with stay where they are and a rebuild is incremental.
PYTHON_BUILD_DIR="$REPO/build-python/{wheel_tag}"
python_sources_hash() {
  (cd "$REPO" && find python src include emulator cli cmake CMakeLists.txt pyproject.toml -type f \
       \( -name '*.cc' -o -name '*.h' -o -name '*.in' -o -name '*.proto' -o -name '*.py' \
          -o -name '*.pyi' -o -name 'py.typed' -o -name '*.cmake' -o -name 'CMakeLists.txt' \
          -o -name '*.toml' \) -print0 \
    | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}

ensure_python_package() {
  local stamp="$REPO/.venv/.arrow_zerobus_python.sha256" want
  want="$(python_sources_hash)"
  if [ "$want" = "$(cat "$stamp" 2>/dev/null || true)" ] \
      && (cd /tmp && "$REPO/.venv/bin/python" -c 'import arrow_zerobus_sdk_wrapper') 2>/dev/null; then
    echo "Python package up to date"
    return 0
  fi
  echo "pip install . (the Python package)"
  rm -f "$stamp"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$REPO/.venv/bin/python" -m pip install --quiet \
    --no-build-isolation --config-settings=build-dir="$PYTHON_BUILD_DIR" "$REPO" || return 1
  printf '%s\n' "$want" >"$stamp"
}
