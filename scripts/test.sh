#!/bin/sh
# Installs what is missing, builds gst-bert and runs the whole test suite.
# Ends with a line "N passed, N failed, N skipped".
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build
status=0
meson test -C build --print-errorlogs --num-processes 2 || status=$?
python3 scripts/summarize-tests.py build/meson-logs/testlog.json
exit $status
