#!/usr/bin/env bash
# Installs a build into a fresh prefix (`cmake --install`) and uses it from outside, as a C++ user
# would:
#   1. the prefix holds the public headers and nothing internal;
#   2. libarrow_zerobus.so exports the public API only (no gRPC, protobuf, abseil or internal
#      symbols);
#   3. examples/cpp_quickstart.cc, built out of tree with find_package(arrow_zerobus), runs against
#      the installed zerobus-emulator;
#   4. the same program, built with `pkg-config --cflags --libs arrow_zerobus`, runs too.
#
#   check_installed.sh <build dir> <python with pyarrow>
set -euo pipefail

build_dir="$1"
python="$2"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

fail() { echo "check_installed: FAIL: $*" >&2; exit 1; }
step() { echo "check_installed: $*"; }

step "cmake --install $build_dir --prefix $prefix"
cmake --install "$build_dir" --prefix "$prefix" --strip >"$work/install.log" \
  || { cat "$work/install.log" >&2; fail "cmake --install failed"; }

headers="$(cd "$prefix" && find . -name '*.h' | sort | tr '\n' ' ')"
want="./include/arrow_zerobus/config.h ./include/arrow_zerobus/status.h ./include/arrow_zerobus/telemetry.h ./include/arrow_zerobus/transmission_result.h ./include/arrow_zerobus/version.h ./include/arrow_zerobus/wrapper.h "
[ "$headers" = "$want" ] || fail "installed headers are [$headers], expected [$want]"
for tool in zerobus-arrow zerobus-emulator; do
  [ -x "$prefix/bin/$tool" ] || fail "$prefix/bin/$tool is not installed"
done
step "headers: only include/arrow_zerobus/ (6); tools: bin/zerobus-arrow, bin/zerobus-emulator"

library="$(find "$prefix" -name 'libarrow_zerobus.so.*.*.*' | head -n 1)"
[ -n "$library" ] || fail "no libarrow_zerobus.so.* under $prefix"
exported="$(nm -D --defined-only -C "$library" | awk '{ $1 = ""; $2 = ""; sub(/^ +/, ""); print }')"
# Every exported name is a public class's member or a public function of namespace arrow_zerobus
# (capitalized) or one of its operators: so nothing of gRPC, protobuf, abseil or the internal
# namespaces (lower case) is exported.
foreign="$(grep -vE '^(typeinfo (name )?for |vtable for )?arrow_zerobus::([A-Z]|operator<<)' \
            <<<"$exported" || true)"
[ -z "$foreign" ] || fail "libarrow_zerobus exports more than the public API:
$(head -n 20 <<<"$foreign")"
step "$(basename "$library") exports $(wc -l <<<"$exported") symbols, all public API"

step "out-of-tree CMake consumer (find_package(arrow_zerobus))"
cmake -S "$repo/tests/install/consumer" -B "$work/consumer" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix" -DPython3_EXECUTABLE="$python" \
  -DQUICKSTART_SOURCE="$repo/examples/cpp_quickstart.cc" >"$work/configure.log" 2>&1 \
  || { cat "$work/configure.log" >&2; fail "configuring the consumer failed"; }
grep -F "arrow_zerobus 0." "$work/configure.log"
cmake --build "$work/consumer" >"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; fail "building the consumer failed"; }
readelf -d "$work/consumer/cpp_quickstart" | grep -qF '[libarrow_zerobus.so.' \
  || fail "the consumer does not link libarrow_zerobus.so"
"$repo/tests/examples/run_with_emulator.sh" "$prefix/bin/zerobus-emulator" main.default.quickstart \
  "$work/consumer/cpp_quickstart" >"$work/run.log" 2>&1 \
  || { cat "$work/run.log" >&2; fail "the CMake-built quick start failed against the emulator"; }
tail -n 3 "$work/run.log"

step "pkg-config consumer"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
pkg-config --modversion arrow_zerobus
# shellcheck disable=SC2046  # pkg-config prints several flags, split on purpose
c++ -std=c++20 -o "$work/quickstart_pc" "$repo/examples/cpp_quickstart.cc" \
  $(pkg-config --cflags --libs arrow_zerobus) -Wl,-rpath,"$prefix/lib" 2>"$work/pc.log" \
  || { cat "$work/pc.log" >&2; fail "building with pkg-config failed"; }
"$repo/tests/examples/run_with_emulator.sh" "$prefix/bin/zerobus-emulator" main.default.quickstart \
  "$work/quickstart_pc" >"$work/run_pc.log" 2>&1 \
  || { cat "$work/run_pc.log" >&2; fail "the pkg-config-built quick start failed"; }
tail -n 3 "$work/run_pc.log"
step "PASS"
