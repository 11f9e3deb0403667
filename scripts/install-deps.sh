#!/bin/sh
# Installs the Debian 12 packages gst-bert needs to build, test and run, where missing.
# python3-venv: scripts/get-model.sh installs huggingface_hub and pip-downloads in a
# virtual environment of its own (Debian's python3 has no pip or venv without it).
set -eu
packages="build-essential meson ninja-build pkg-config
  libglib2.0-dev libjson-glib-dev libopenblas-dev libcurl4-openssl-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-x
  python3 python3-gi python3-numpy python3-venv gir1.2-gstreamer-1.0
  clang libclang-rt-14-dev valgrind"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "Installing:$missing"
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
$sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
