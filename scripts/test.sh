#!/bin/sh
# Builds gst-bert and runs the whole test suite: every suite in a release build (build/,
# the fuzzers' short run included), then every suite but the fuzzers again in an
# AddressSanitizer + UndefinedBehaviorSanitizer build (build-asan/,
# scripts/test-sanitizers.sh). Where the shared data folder ../shared is there, the
# sanitized tests that may read it run once more with it hidden, as a user's fresh clone has
# it: they must skip there cleanly (scripts/test-sanitizers.sh --without-shared).
# Ends with a line "N passed, N failed, N skipped" counting every run.
#
# Installs nothing: where a Debian package is missing it names it and the command that
# installs it, scripts/install-deps.sh tests (the README's test command runs it first).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh --check tests
[ -f build/build.ninja ] || meson setup build -Dwerror=true >/dev/null
ninja -C build
status=0
meson test -C build --print-errorlogs --num-processes 2 || status=$?
echo "Release build (build):"
python3 scripts/summarize-tests.py build/meson-logs/testlog.json

if scripts/test-sanitizers.sh; then :; else status=1; fi
sanitizer_logs=$(ls build-asan/meson-logs/sanitized-*.json 2>/dev/null || true)
if [ -d ../shared ]; then
  if scripts/test-sanitizers.sh --without-shared; then :; else status=1; fi
  sanitizer_logs="$sanitizer_logs $(ls build-asan/meson-logs/without-shared-*.json 2>/dev/null || true)"
else
  echo "(no ../shared: the runs above were without it already)"
fi

echo "All runs:"
# shellcheck disable=SC2086
python3 scripts/summarize-tests.py build/meson-logs/testlog.json $sanitizer_logs
exit $status
