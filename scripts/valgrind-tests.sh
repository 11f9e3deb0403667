#!/bin/sh
# Runs the GStreamer element tests (suite elements and the element fault tests) under
# valgrind memcheck and reports what leaked for certain ("definitely lost", which must be
# zero) and every memory error. Slow (tens of minutes), so not part of the suite.
#
#   scripts/valgrind-tests.sh [BUILD_DIR]     (default: build-valgrind, a debugoptimized build)
#
# GLib's suppressions apply. Debian ships none for GStreamer, and none is needed here:
# GStreamer's one-time allocations stay reachable, and only definite leaks are reported
# (upstream's gst.supp mostly covers old distributions, ALSA and GConf).
# G_SLICE=always-malloc and G_DEBUG=gc-friendly make GLib hand every block back to
# malloc so that memcheck sees it. Each process (the check framework forks
# one per test) writes its own log under BUILD_DIR/valgrind-logs/.
set -u
cd "$(dirname "$0")/.."
build=${1:-build-valgrind}
logs="$build/valgrind-logs"

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" -Dbuildtype=debugoptimized -Dcuda=disabled >/dev/null || exit 1
fi
ninja -C "$build" >/dev/null || { ninja -C "$build"; exit 1; }
rm -rf "$logs" "$build"/meson-logs/valgrind-*
mkdir -p "$logs"
logs=$(cd "$logs" && pwd)

# GST_BERT_SHARED_DIR is pointed away through the wrapper (the tests' own environment
# sets it): the tests that run the real 22-million-parameter MiniLM over the reference
# set then skip, as they do where the shared folder is absent. Under memcheck they take
# most of an hour and run no element code that the tiny-model tests do not.
wrapper="env GST_BERT_SHARED_DIR=/nonexistent valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite
  --errors-for-leak-kinds=definite --error-exitcode=99 --num-callers=40 --track-origins=no
  --suppressions=/usr/share/glib-2.0/valgrind/glib.supp
  --log-file=$logs/%p.log"
export G_SLICE=always-malloc G_DEBUG=gc-friendly
# The check framework's own per-test timeout, scaled as meson's is below.
export CK_TIMEOUT_MULTIPLIER=20
# The registry scan runs in the test process, so our plugin is loaded under memcheck too.
export GST_REGISTRY_FORK=no

status=0
start=$(date +%s)
meson test -C "$build" --wrapper "$wrapper" --timeout-multiplier 20 --num-processes 2 \
  --suite elements --logbase valgrind-elements || status=$?
meson test -C "$build" --wrapper "$wrapper" --timeout-multiplier 20 \
  element-faults --logbase valgrind-faults || status=$?

# Every process's totals: bytes definitely lost and memory errors other than leaks.
definite=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$logs"/*.log | tr -d , |
  awk '{ sum += $1 } END { print sum + 0 }')
errors=$(grep -l 'Invalid \(read\|write\|free\)\|uninitialised\|Mismatched free' "$logs"/*.log | wc -l)
processes=$(ls "$logs" | wc -l)
echo "valgrind memcheck: $processes processes in $(( $(date +%s) - start )) s;" \
  "definitely lost: $definite bytes; processes with memory errors: $errors"
if [ "$definite" -ne 0 ] || [ "$errors" -ne 0 ]; then
  grep -l 'definitely lost: [1-9]\|Invalid \(read\|write\|free\)\|uninitialised\|Mismatched free' \
    "$logs"/*.log | sed 's/^/  see /'
  status=1
fi
# meson appends the wrapper's program name to --logbase.
python3 scripts/summarize-tests.py "$build"/meson-logs/valgrind-*.json
exit $status
