#!/bin/sh
# run-fuzzers.sh [--build-dir DIR] [SECONDS] [TARGET...]
#
# Builds the libFuzzer targets in a clang build of their own (ASan + UBSan, every
# source instrumented for coverage) and runs each TARGET (default: all) for SECONDS
# (default 60), FUZZ_JOBS (default 2) at a time. Each target starts from its seed
# corpus (tests/fuzz/corpus/TARGET) plus what earlier runs found (DIR/corpus/TARGET).
# Prints executions and findings per target, findings grouped by where they happen;
# exits 1 when any target found a crash, a leak, a timeout, an out-of-memory or a broken
# invariant, whose inputs are kept under DIR/findings/TARGET/.
# Exits 77 (skipped) where clang cannot link libFuzzer. DIR defaults to build-fuzz.
# FUZZ_SEED (default: random) fixes libFuzzer's seed, so that a run can be repeated; the
# test suite's short run sets it, so that the same commit fuzzes the same inputs.
# FUZZ_TARGET_SECONDS="TARGET=SECONDS ..." gives those targets other times than SECONDS
# (the suite's short run: more for the targets whose seeds take long to replay).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
all_targets="tokenizer-encode markup tokenizer-element vocab tokenizer-json bpe-files safetensors torch-bin config st-files spm-model"

dictionary_of () {
  case "$1" in
    tokenizer-encode|markup|tokenizer-element|vocab) echo "$here/text.dict" ;;
    safetensors) echo "$here/safetensors.dict" ;;
    spm-model) echo "$here/spm.dict" ;;
    torch-bin) echo "$here/torch-bin.dict" ;;
    *) echo "$here/json.dict" ;;
  esac
}

# What a finding is, for grouping duplicates: the kind of report and the first frame in
# gst-bert's own sources (kernels/, elements/, plugin/), or the broken invariant.
signature_of () {
  report=$(UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=fast_unwind_on_malloc=0 \
    "$1" "$2" 2>&1)
  kind=$(printf '%s\n' "$report" | sed -n 's/.*\(FUZZ INVARIANT BROKEN: .*\)/\1/p;
    s/.*ERROR: \(AddressSanitizer\|LeakSanitizer\|libFuzzer\): \([a-z-]*\).*/\1 \2/p;
    s/^[^ ]*\/\([^/]*:[0-9]*\):[0-9]*: runtime error: \(.*\)/UBSan: \2 (\1)/p' | head -n 1)
  frame=$(printf '%s\n' "$report" | grep -E ' in [a-z_0-9]+ .*/(kernels|elements|plugin)/' | head -n 1 | sed 's/.* in \([^ ]*\) .*\/\([^/]*:[0-9]*\):[0-9]*$/\1 (\2)/')
  echo "${kind:-unknown} at ${frame:-?}"
}

# One target, run by xargs. libFuzzer's fork mode keeps fuzzing past a finding, so one
# run reports every bug it meets; the findings are then grouped by signature.
run_one () {
  target=$1 seconds=$2 build=$3
  for pair in ${FUZZ_TARGET_SECONDS:-}; do
    [ "${pair%%=*}" = "$target" ] && seconds=${pair#*=}
  done
  binary="$build/tests/fuzz/fuzz-$target"
  corpus="$build/corpus/$target" findings="$build/findings/$target" log="$build/logs/$target.log"
  mkdir -p "$corpus" "$findings" "$build/logs" "$build/results"
  stamp="$build/logs/$target.start"
  touch "$stamp"
  scratch=$(mktemp -d /dev/shm/gst-bert-fuzz-XXXXXX 2>/dev/null || mktemp -d)
  export TMPDIR="$scratch"
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$binary" -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 ${FUZZ_SEED:+-seed=$FUZZ_SEED} \
    -artifact_prefix="$findings/" -dict="$(dictionary_of "$target")" \
    "$corpus" "$here/corpus/$target" >"$log" 2>&1
  rc=$?
  executions=$(grep -o '^#[0-9]*' "$log" | tail -n 1 | tr -d '#')
  new_findings=$(find "$findings" -type f -newer "$stamp" ! -name 'slow-unit-*' | sort)
  : >"$build/results/$target.findings"
  for finding in $new_findings; do
    echo "$(signature_of "$binary" "$finding")|$finding" >>"$build/results/$target.findings"
  done
  rm -rf "$scratch" "$stamp"
  count=$(printf '%s' "$new_findings" | grep -c .)
  [ "$rc" -ne 0 ] && [ "$count" -eq 0 ] && count=1
  echo "$target $seconds ${executions:-0} $(( ${executions:-0} / seconds )) $(ls "$corpus" | wc -l) $count $rc" >"$build/results/$target"
}

if [ "${1:-}" = "--run-one" ]; then
  run_one "$2" "$3" "$4"
  exit 0
fi

build="$root/build-fuzz"
if [ "${1:-}" = "--build-dir" ]; then
  build=$2
  shift 2
fi
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-$all_targets}
jobs=${FUZZ_JOBS:-2}

probe=$(mktemp -d)
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput (const uint8_t *d, size_t n) { return 0; }\n' >"$probe/probe.c"
if ! clang -fsanitize=fuzzer,address,undefined "$probe/probe.c" -o "$probe/probe" 2>/dev/null; then
  rm -rf "$probe"
  echo "SKIP: clang with libFuzzer and the sanitizer runtimes (libclang-rt-14-dev) is not installed"
  exit 77
fi
rm -rf "$probe"

mkdir -p "$build"
build=$(cd "$build" && pwd)
if [ ! -f "$build/build.ninja" ]; then
  echo "Setting up the fuzzing build in $build"
  CC=clang meson setup "$build" "$root" -Dwerror=true -Dbuildtype=debugoptimized -Db_lundef=false \
    -Db_sanitize=address,undefined -Dcuda=disabled -Dtests=enabled \
    -Dc_args="-fsanitize=fuzzer-no-link -fno-sanitize-recover=all" >"$build/setup.log" 2>&1 \
    || { cat "$build/setup.log"; exit 1; }
fi
ninja_targets="plugin/libgstbert.so"
for target in $targets; do
  ninja_targets="$ninja_targets tests/fuzz/fuzz-$target"
done
# shellcheck disable=SC2086
ninja -C "$build" $ninja_targets >"$build/build.log" 2>&1 || { tail -n 40 "$build/build.log"; exit 1; }

rm -rf "$build/results"
echo "Fuzzing $(echo $targets | wc -w) targets for $seconds s each${FUZZ_TARGET_SECONDS:+ (but $FUZZ_TARGET_SECONDS)}, $jobs at a time"
# shellcheck disable=SC2086
printf '%s\n' $targets | xargs -P "$jobs" -I{} "$0" --run-one {} "$seconds" "$build"

status=0
printf '%-18s %7s %12s %9s %7s %8s\n' target seconds executions exec/s corpus findings
for target in $targets; do
  if [ ! -f "$build/results/$target" ]; then
    echo "$target: no result (see $build/logs/$target.log)"
    status=1
    continue
  fi
  read -r name secs executions rate corpus new rc <"$build/results/$target"
  printf '%-18s %7s %12s %9s %7s %8s\n' "$name" "$secs" "$executions" "$rate" "$corpus" "$new"
  if [ "$new" -ne 0 ]; then
    status=1
    [ -s "$build/results/$target.findings" ] || echo "  exit $rc without a saved input: see $build/logs/$target.log"
    # One line per distinct finding: how many inputs hit it, and one to reproduce it with.
    cut -d'|' -f1 "$build/results/$target.findings" | sort | uniq -c | while read -r hits signature; do
      example=$(grep -F "$signature|" "$build/results/$target.findings" | head -n 1 | cut -d'|' -f2)
      echo "  $hits x $signature"
      echo "      reproduce: $build/tests/fuzz/fuzz-$target $example"
    done
  fi
done
[ $status -eq 0 ] && echo "No findings." || echo "Findings: see above and $build/findings/."
exit $status
