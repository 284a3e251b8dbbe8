#!/usr/bin/env bash
# Installs everything arrow-zerobus needs to build and test:
#   1. Debian packages (compiler, CMake, Ninja, gRPC/protobuf, curl, JSON, YAML, GoogleTest, Java, ...)
#   2. a Python virtual environment at <repo>/.venv with the tools in requirements-dev.txt
#      (pyarrow there provides the Arrow C++ headers and libraries the build links).
#
# Idempotent and quick when nothing is missing: apt runs only for packages not yet installed,
# pip runs only when requirements-dev.txt changed since the last successful install.
#
# Environment:
#   PYTHON   interpreter used to create the venv (default: python3, must be >= 3.11)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO/.venv"
REQUIREMENTS="$REPO/requirements-dev.txt"
STAMP="$VENV/.requirements.sha256"
PYTHON="${PYTHON:-python3}"

log() { printf 'setup: %s\n' "$*"; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libcurl4-openssl-dev libcpp-httplib-dev nlohmann-json3-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format
  clang-14 libclang-rt-14-dev  # the fuzz targets (scripts/fuzz.sh, tests/fuzz)
  openssl  # the conformance suite's test CA (tests/conformance/test_legacy_sdk_020.py)
  linux-perf  # scripts/profile_send_path.sh
  debootstrap  # scripts/check_wheel.sh: a clean Debian root to install the wheel in
  tzdata  # Arrow's time zone database: zoned timestamps into TIMESTAMP_NTZ and DATE columns
  openjdk-17-jre-headless  # PySpark's JVM: the Spark integration's tests (tests/python/test_spark.py)
)

# A venv is usable when its interpreter starts (it breaks if the base Python went away).
venv_ok() { [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c '' >/dev/null 2>&1; }

need_venv=0
if ! venv_ok; then
  need_venv=1
  # python3-venv is needed only for a Debian python3 without ensurepip; pyenv's and most other
  # builds of Python already carry it. Checked only when a venv must be created (keeps reruns fast).
  if ! command -v "$PYTHON" >/dev/null 2>&1; then
    APT_PACKAGES+=(python3 python3-venv)
  elif ! "$PYTHON" -c 'import ensurepip' >/dev/null 2>&1; then
    APT_PACKAGES+=(python3-venv)
  fi
fi

# The Python module (built by scripts/build.sh and pip) needs the interpreter's C headers: Debian's
# python3 has them in python3-dev, pyenv's and most other builds carry them.
if command -v "$PYTHON" >/dev/null 2>&1 && ! "$PYTHON" -c \
    'import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
    2>/dev/null; then
  APT_PACKAGES+=(python3-dev)
fi

# --- 1. Debian packages -------------------------------------------------------------------------
# One dpkg-query call for all packages (fast); a package dpkg does not know prints nothing.
declare -A installed=()
while read -r pkg want_flag err_flag state; do
  if [ "$want_flag $err_flag $state" = "install ok installed" ]; then
    installed["${pkg%%:*}"]=1
  fi
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${APT_PACKAGES[@]}" 2>/dev/null || true)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if [ -z "${installed[$pkg]:-}" ]; then
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  log "apt: all ${#APT_PACKAGES[@]} packages present"
else
  log "apt: installing ${missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  log "apt: done"
fi

# --- 2. Python virtual environment ---------------------------------------------------------------
export PIP_DISABLE_PIP_VERSION_CHECK=1
if [ "$need_venv" -eq 1 ]; then
  if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "setup: $PYTHON is older than 3.11 (set PYTHON=<interpreter>)" >&2
    exit 1
  fi
  log "venv: creating $VENV with $("$PYTHON" -c 'import sys; print(sys.version.split()[0])')"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
else
  log "venv: $VENV present"
fi

# --- 3. Python packages --------------------------------------------------------------------------
want="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"
if [ "$want" = "$have" ]; then
  log "pip: requirements-dev.txt unchanged, skipping"
else
  log "pip: installing requirements-dev.txt"
  "$VENV/bin/python" -m pip install --quiet -r "$REQUIREMENTS"
  printf '%s\n' "$want" >"$STAMP"
  log "pip: done ($("$VENV/bin/python" -c 'import pyarrow; print("pyarrow", pyarrow.__version__)'))"
fi
