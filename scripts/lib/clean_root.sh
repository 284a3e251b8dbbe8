# shellcheck shell=bash disable=SC2034 # sets variables for the script that sources it
# Sourced by scripts/check_wheel.sh: a clean Debian root (debootstrap bookworm, minbase, plus
# python3, python3-venv and ca-certificates only) kept in a cache directory and never written
# after its creation, and per-run roots made from it. Needs root (debootstrap, mount, chroot).
#
#   clean_root_lock FILE           takes the lock FILE on fd 9, or fails if another run holds it;
#                                  commands started afterwards must not inherit it (9>&-), or one
#                                  left running after a hard kill would keep holding it
#   clean_root_ensure BASE FRESH   creates BASE unless its marker says an earlier creation with
#                                  the same arguments finished (FRESH=1: recreates it anyway);
#                                  sets CLEAN_ROOT_ACTION (created or reused) and
#                                  CLEAN_ROOT_CREATED (when, and how long debootstrap took);
#                                  while debootstrap runs, CLEAN_ROOT_PID is its timeout process
#                                  (TERM to it ends the whole debootstrap)
#   clean_root_open BASE RUN       mounts a tmpfs on RUN (thrown away at once at the end, where
#                                  deleting files from the disk takes seconds) and makes RUN/root
#                                  in it: an overlay with BASE as its read-only lower layer and
#                                  RUN/upper taking every write (a copy of BASE where overlayfs is
#                                  unavailable); mounts /proc, /sys (read-only) and /dev into it;
#                                  copies in the host's resolv.conf, pip.conf and CA bundle (as
#                                  CLEAN_ROOT_CA, for PIP_CERT: PyPI is reached through that CA);
#                                  sets CLEAN_ROOT_METHOD (overlay or copy)
#   clean_root_release DIR         ends the processes whose root is DIR or below it (by their
#                                  id) and unmounts everything mounted on DIR or below, deepest
#                                  first
#   clean_root_discard RUN         releases RUN and removes it; refuses to remove it while
#                                  anything is still mounted below it

CLEAN_ROOT_SUITE=bookworm
CLEAN_ROOT_MIRROR=http://deb.debian.org/debian
CLEAN_ROOT_PACKAGES=python3,python3-venv,ca-certificates
CLEAN_ROOT_MARKER=.clean-root-complete
CLEAN_ROOT_CA=/etc/ssl/certs/host-ca-certificates.crt
CLEAN_ROOT_DEBOOTSTRAP_TIMEOUT=1800

clean_root_lock() {
  exec 9>"$1"
  flock -n 9
}

# The marker's first line: the debootstrap arguments, so that changing them recreates the root.
clean_root_arguments() {
  printf '%s %s --variant=minbase --include=%s\n' \
    "$CLEAN_ROOT_SUITE" "$CLEAN_ROOT_MIRROR" "$CLEAN_ROOT_PACKAGES"
}

# Mount points on DIR and below it, deepest first.
clean_root_mounts() {
  findmnt -rn -o TARGET | awk -v dir="$1" '$0 == dir || index($0, dir "/") == 1' | sort -r
}

clean_root_release() {
  local dir="$1" proc pids=() target _
  for proc in /proc/[0-9]*; do
    case "$(readlink "$proc/root" 2>/dev/null)" in
      "$dir" | "$dir"/*) pids+=("${proc#/proc/}") ;;
    esac
  done
  if [ "${#pids[@]}" -gt 0 ]; then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "${pids[@]}" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
  fi
  while read -r target; do
    [ -n "$target" ] || continue
    umount "$target" 2>/dev/null || umount -l "$target"
  done < <(clean_root_mounts "$dir")
}

clean_root_discard() {
  local run="$1"
  clean_root_release "$run"
  if [ -n "$(clean_root_mounts "$run")" ]; then
    echo "clean_root: still mounted on or below $run, not removing it:" >&2
    clean_root_mounts "$run" >&2
    return 1
  fi
  rm -rf --one-file-system "$run"
}

clean_root_ensure() {
  local base="$1" fresh="$2" start log="$1.debootstrap.log"
  if [ "$fresh" -eq 0 ] &&
    [ "$(head -n 1 "$base/$CLEAN_ROOT_MARKER" 2>/dev/null)" = "$(clean_root_arguments)" ]; then
    CLEAN_ROOT_ACTION=reused
    CLEAN_ROOT_CREATED="$(sed -n 2p "$base/$CLEAN_ROOT_MARKER")"
    return 0
  fi
  clean_root_release "$base"
  rm -rf --one-file-system "$base"
  mkdir -p "$(dirname "$base")"
  start=$SECONDS
  # In the background, so that Ctrl-C reaches the caller's trap at once (bash runs a trap only
  # once the foreground command is done); the caller's exit trap ends it (CLEAN_ROOT_PID) and
  # releases BASE.
  timeout -k 10 "$CLEAN_ROOT_DEBOOTSTRAP_TIMEOUT" debootstrap --variant=minbase \
    --include="$CLEAN_ROOT_PACKAGES" "$CLEAN_ROOT_SUITE" "$base" "$CLEAN_ROOT_MIRROR" \
    >"$log" 2>&1 9>&- &
  CLEAN_ROOT_PID=$!
  if ! wait "$CLEAN_ROOT_PID"; then
    echo "clean_root: debootstrap failed or took over $CLEAN_ROOT_DEBOOTSTRAP_TIMEOUT s; the end of $log:" >&2
    tail -n 20 "$log" >&2
    return 1
  fi
  CLEAN_ROOT_PID=""
  CLEAN_ROOT_ACTION=created
  CLEAN_ROOT_CREATED="on $(date -u '+%Y-%m-%d %H:%M UTC') by a $((SECONDS - start)) s debootstrap"
  {
    clean_root_arguments
    echo "$CLEAN_ROOT_CREATED"
  } >"$base/$CLEAN_ROOT_MARKER"
}

clean_root_open() {
  local base="$1" run="$2" root="$2/root"
  mount -t tmpfs -o size=4g,mode=0755 clean-root-run "$run"
  mkdir -p "$run/upper" "$run/work" "$root"
  if mount -t overlay overlay -o "lowerdir=$base,upperdir=$run/upper,workdir=$run/work" "$root" \
    2>/dev/null; then
    CLEAN_ROOT_METHOD=overlay
  else
    cp -a "$base/." "$root/"
    CLEAN_ROOT_METHOD=copy
  fi
  mount -t proc proc "$root/proc"
  mount -t sysfs -o ro sysfs "$root/sys"
  mount --rbind /dev "$root/dev"
  mount --make-rslave "$root/dev"
  cp -L /etc/resolv.conf "$root/etc/resolv.conf"
  cp -L /etc/ssl/certs/ca-certificates.crt "$root$CLEAN_ROOT_CA"
  if [ -f /etc/pip.conf ]; then cp -L /etc/pip.conf "$root/etc/pip.conf"; fi
}
