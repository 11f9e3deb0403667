#!/usr/bin/env bash
# test-gpu-check-stage.sh SOURCE_ROOT BUILD_ROOT: scripts/gpu-check.sh's two halves where
# there is no GPU. prepare stages the build (no models, fast compression) into a temporary
# folder: every library the staged programs load is in it (ldd, glibc, libcuda and cuBLASLt
# aside) and the size check passes; with a 1 MiB limit it fails naming the limit. device
# then unpacks the stage, finds no GPU and stops before the first GPU step with status 3,
# leaving summary.txt and logs.tgz (the only two files) in $OUT; told to go on regardless
# (GPU_CHECK_ASSUME_GPU=1), it runs every step (those needing a GPU skip) with a 300 s
# budget (the graph tests and the graphs on/off bench among them; compute-sanitizer where
# there is one, else one SKIP line) and skips them all, saying so, with a 20 s one (10 s
# are kept back for the logs). Skips (77) where the CUDA module was not built (no nvcc).
set -u
source_root=$1
build_root=$2
if [ ! -f "$build_root/kernels/cuda/libgstbert-cuda.so" ]; then
  echo "the CUDA module is not built (nvcc absent or -Dcuda=disabled): nothing to stage"
  exit 77
fi
if nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then
  echo "a GPU is present: this test covers the machine without one (run scripts/gpu-check.sh device)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail () { echo "FAIL: $*"; exit 1; }

"$source_root/scripts/gpu-check.sh" prepare --build "$build_root" --stage "$work/stage" --no-models --fast \
  > "$work/prepare.log" 2>&1 || { cat "$work/prepare.log"; fail "prepare failed"; }
grep -q '^sizes: working tree' "$work/prepare.log" || fail "prepare printed no sizes"
[ -f "$work/stage/bundle.tar.xz" ] || fail "no bundle.tar.xz"
mkdir "$work/unpacked"
tar -C "$work/unpacked" -xJf "$work/stage/bundle.tar.xz"
for program in bin/gst-launch-1.0 bin/test-cuda-kernels bin/test-cuda-graphs bin/bench-cuda lib/gst-bert/libgstbert-cuda.so \
    plugins/libgstbert.so plugins/libgstsubparse.so libexec/gst-plugin-scanner lib/libopenblas.so.0 \
    lib/libgfortran.so.5 lib/libglib-2.0.so.0 scripts/gpu-check-pipeline.py; do
  [ -e "$work/unpacked/$program" ] || fail "$program is not staged"
done

GPU_CHECK_LIMIT_MIB=1 "$source_root/scripts/gpu-check.sh" prepare --build "$build_root" --stage "$work/small" \
  --no-models --fast > "$work/small.log" 2>&1 && fail "a 1 MiB limit passed"
grep -q 'reach 1 MiB' "$work/small.log" || { cat "$work/small.log"; fail "no message naming the limit"; }

mkdir "$work/out"
OUT=$work/out "$source_root/scripts/gpu-check.sh" device --stage "$work/stage" > "$work/device.log" 2>&1
status=$?
cat "$work/device.log"
[ $status -eq 3 ] || fail "device exited $status, not 3 (no GPU)"
grep -q '^PASS env' "$work/out/summary.txt" || fail "the env step did not pass"
grep -q '^STOPPED before the first GPU step' "$work/out/summary.txt" || fail "no STOPPED line"
[ "$(ls "$work/out")" = "$(printf 'logs.tgz\nsummary.txt')" ] || fail "OUT holds $(ls "$work/out" | tr '\n' ' ')"
tar -tzf "$work/out/logs.tgz" | grep -q 'env.log' || fail "logs.tgz has no env.log"
tar -xzOf "$work/out/logs.tgz" ./env.log | grep -q 'OUTSIDE THE STAGE\|MISSING' && fail "a library resolves outside the stage"
# assumed BUDGET: the device half told to go on without a GPU, into $work/out-BUDGET.
assumed () {
  mkdir "$work/out-$1"
  GPU_CHECK_ASSUME_GPU=1 GPU_CHECK_BUDGET=$1 OUT=$work/out-$1 "$source_root/scripts/gpu-check.sh" device \
    --stage "$work/stage" > "$work/assumed-$1.log" 2>&1
  cat "$work/out-$1/summary.txt"
  grep -q '^[0-9]* failed, [0-9]* s$' "$work/out-$1/summary.txt" || fail "budget $1: no closing line"
}
assumed 300
grep -q '^PASS kernels-module' "$work/out-300/summary.txt" || fail "kernels-module did not run"
grep -q '^SKIP kernels-kernels: no CUDA GPU' "$work/out-300/summary.txt" || fail "kernels-kernels did not skip"
grep -q '^SKIP kernels-graphs: no CUDA GPU' "$work/out-300/summary.txt" || fail "kernels-graphs did not run"
grep -q '^SKIP graphs-off: no CUDA GPU' "$work/out-300/summary.txt" || fail "the graphs-off bench did not run"
# compute-sanitizer, where this machine has none, is one clean SKIP line.
grep -qE '^(SKIP sanitize: compute-sanitizer not found|(PASS|SKIP) memcheck-graphs)' "$work/out-300/summary.txt" \
  || fail "no sanitize step, nor a line saying why"
assumed 20
grep -q '^SKIP kernels-module: the 20 s budget is spent' "$work/out-20/summary.txt" || fail "the budget did not cut"
grep -q '^SKIP bigger: the 20 s budget is spent' "$work/out-20/summary.txt" || fail "the budget did not cut"
echo "PASS"
