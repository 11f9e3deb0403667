#!/bin/sh
# Builds gst-bert with AddressSanitizer and UndefinedBehaviorSanitizer in build-asan and
# runs the test suite there. Ends with a line "N passed, N failed, N skipped".
#   scripts/test-sanitizers.sh [--without-shared]
# --without-shared: the tests that may read the shared data folder (../shared) see it as
# absent (GST_BERT_SHARED_DIR=/nonexistent), as in a user's fresh clone: each must skip
# (exit 77) without a leak or a failure. Only they run again: tests/meson.build gives the
# folder to the tests registered as reading it and points the others of its environments
# away from it, so those have already run as they would without it. A test registered
# with no GST_BERT_SHARED_DIR of its own inherits this script's, and may fall back to
# ../shared, so it runs again too. Its logs are without-shared-*.json, the others'
# sanitized-*.json, both in BUILD/meson-logs.
#
# - Every test runs except five suites: fuzz (the fuzzers have a sanitized build of their
#   own, tests/fuzz/run-fuzzers.sh, and fuzzing inside a sanitized test run would only be
#   slower), scripts (shell scripts, no plugin code), docs (the documentation's commands,
#   through gst-launch-1.0 and the examples the examples suite runs here) and eval (the STS Benchmark: 2,758
#   sentences, 75 s of CPU time here where the release build needs 4.5 s, through the same
#   code as the elements suite's all-MiniLM-L6-v2 pipeline test, which does run here)
#   and lint (checks of the sources and of what the release build links).
# - CUDA is off: nvcc does not build host code with -fsanitize, and there is no GPU here.
# - UBSan stops at the first report (halt_on_error), so undefined behaviour fails a test.
# - Timeouts are the release build's times 10 (--timeout-multiplier): instrumented code,
#   with whole stacks taken at every malloc, runs 10 to 40 times slower where it allocates
#   much (tokenizer-parity: 2.5 s in the release build, over 90 s here on a loaded 2-core
#   machine, where its 30 s timeout killed it). A timeout is for a hang, not for speed.
# - LeakSanitizer is on for the C tests, with no suppressions: GLib's and GStreamer's
#   one-time allocations stay reachable, so LSan does not report them, and the check
#   framework's forked test processes exit normally, so each test's leaks are reported.
# - Tests run by an interpreter (the Python tests and examples) load the sanitized plugin
#   into Debian's uninstrumented python3, so they run with libasan preloaded and leak
#   detection off (CPython does not free its heap at exit); they still catch
#   out-of-bounds access and UB in the plugin.
# - GST_REGISTRY_FORK=no: the registry scan runs in the (instrumented) test process instead
#   of gst-plugin-scanner, which cannot load a sanitized plugin.
set -eu
cd "$(dirname "$0")/.."
build=${ASAN_BUILD_DIR:-build-asan}
logbase=sanitized
wrapper=""
without_shared=no
no_shared_dir=/nonexistent # as tests/meson.build's no_shared_dir
case "${1:-}" in
  "") ;;
  --without-shared)
    logbase=without-shared
    without_shared=yes
    # A wrapper: the tests' own environment (tests/meson.build) sets GST_BERT_SHARED_DIR.
    wrapper="env GST_BERT_SHARED_DIR=$no_shared_dir" ;;
  *) echo "usage: scripts/test-sanitizers.sh [--without-shared]" >&2; exit 2 ;;
esac

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dbuildtype=debugoptimized -Dcuda=disabled >/dev/null
fi
ninja -C "$build"
rm -f "$build/meson-logs/$logbase"-*

export GST_REGISTRY_FORK=no
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# check_initialization_order and strict_init_order catch static-initialisation bugs;
# fast_unwind_on_malloc=0 gives whole stacks through the uninstrumented GLib.
# detect_odr_violation=0: tests that compare an element with the engine alone link the
# static engine and load the plugin, which holds its own copy; two copies by design.
asan_common=check_initialization_order=1:strict_init_order=1:fast_unwind_on_malloc=0:detect_odr_violation=0
status=0

# The tests' names: "native" ones run a program built here (instrumented), the others an
# interpreter (python3) that may load the sanitized plugin. Five suites are left out (above);
# with --without-shared, so are the tests whose environment points the shared folder away.
tests_of_kind () {
  meson introspect --tests "$build" | python3 -c '
import json, sys
build, want_native, only_shared, no_shared_dir = sys.argv[1] + "/", sys.argv[2] == "native", sys.argv[3] == "yes", sys.argv[4]
for test in json.load(sys.stdin):
    if any(suite.split(":")[-1] in ("fuzz", "scripts", "eval", "docs", "lint") for suite in test["suite"]):
        continue
    if only_shared and test["env"].get("GST_BERT_SHARED_DIR") == no_shared_dir:
        continue
    if test["cmd"][0].startswith(build) == want_native:
        print(test["name"])' "$(cd "$build" && pwd)" "$1" "$without_shared" "$no_shared_dir" | sort -u
}

native=$(tests_of_kind native)
if [ -n "$native" ]; then
  # shellcheck disable=SC2086
  ASAN_OPTIONS="$asan_common:detect_leaks=1" \
    meson test -C "$build" --print-errorlogs --num-processes 2 --timeout-multiplier 10 --logbase "$logbase-c" \
    ${wrapper:+--wrapper "$wrapper"} $native || status=$?
fi

interpreted=$(tests_of_kind interpreted)
if [ -n "$interpreted" ]; then
  # libasan is preloaded into the tests through the wrapper, not into meson itself: meson's
  # own forks could deadlock with it loaded (a run hung 25 minutes on 2026-12-07, a forked
  # meson child waiting on a lock before its exec).
  # shellcheck disable=SC2086
  ASAN_OPTIONS="$asan_common:detect_leaks=0" \
    meson test -C "$build" --print-errorlogs --num-processes 2 --timeout-multiplier 10 --logbase "$logbase-python" \
    --wrapper "${wrapper:-env} LD_PRELOAD=$(${CC:-cc} -print-file-name=libasan.so)" $interpreted || status=$?
fi

echo "Sanitized build ($build, ASan + UBSan${wrapper:+, without the shared data}):"
python3 scripts/summarize-tests.py "$build/meson-logs/$logbase"-*.json
exit $status
