#!/bin/sh
# Installs what is missing, builds gst-bert and runs the whole test suite: every suite
# in a release build (build/, the fuzzers' short run included), then every suite but
# the fuzzers again in an AddressSanitizer + UndefinedBehaviorSanitizer build
# (build-asan/, scripts/test-sanitizers.sh).
# Ends with a line "N passed, N failed, N skipped" counting both runs.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# Triton Inference Server for the remote suite, from PyPI (docs/remote.md); without it
# that suite skips.
scripts/serve-triton.sh --install || echo "Triton not installed: the remote suite skips"
[ -f build/build.ninja ] || meson setup build -Dwerror=true >/dev/null
ninja -C build
status=0
meson test -C build --print-errorlogs --num-processes 2 || status=$?
echo "Release build (build):"
python3 scripts/summarize-tests.py build/meson-logs/testlog.json

rm -f build-asan/meson-logs/sanitized-*.json
if scripts/test-sanitizers.sh; then :; else status=1; fi
sanitizer_logs=$(ls build-asan/meson-logs/sanitized-*.json 2>/dev/null || true)

echo "All runs:"
# shellcheck disable=SC2086
python3 scripts/summarize-tests.py build/meson-logs/testlog.json $sanitizer_logs
exit $status
