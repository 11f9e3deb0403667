#!/usr/bin/env bash
# run-emulated.sh [kernels|module|jobs|graphs|engine|parity|all]...
#
# Builds the CUDA backend's kernels, module and tests against the CPU emulation in this
# folder and runs the chosen test programs (default: kernels module jobs). No GPU and no nvcc
# are used: the .cu files are compiled as C++ (launches rewritten by launches_to_calls.py),
# threads are fibers, cuBLASLt is an OpenBLAS GEMM. A check of kernel logic, not a GPU
# verification (README.md says what it can and cannot catch).
#
#   kernels  tests/cuda/test-cuda-kernels: every kernel against its CPU twin
#   module   tests/cuda/test-cuda-module: the backend table, model checks, create
#   jobs     tests/cuda/test-cuda-jobs: jobs in flight against one at a time, bad input
#   graphs   tests/cuda/test-cuda-graphs: small batches as graphs (captured once per
#            bucket, replayed) against the same batches launch by launch
#   engine   tests/cuda/test-cuda-engine: device=cuda and auto through the engine
#   parity   tests/cuda/test-cuda-parity on the tiny shared models: the forward pass and
#            heads against the engine's CPU backend (GST_BERT_SHARED_DIR, default ../shared)
# engine and parity link BUILD_DIR's engine libraries.
#
# Environment: BUILD_DIR (a meson build of this tree, for 'engine'; default build),
# EMULATED_DIR (where to build; default ${TMPDIR:-/tmp}/gst-bert-emulated),
# SANITIZE (e.g. address,undefined; default none: with it the module test takes minutes).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
out=${EMULATED_DIR:-${TMPDIR:-/tmp}/gst-bert-emulated}
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(kernels module jobs graphs)
[ "${targets[*]}" = all ] && targets=(kernels module jobs graphs engine parity)
mkdir -p "$out"

sanitize_flags=""
[ -n "${SANITIZE:-}" ] && sanitize_flags="-fsanitize=$SANITIZE -fno-omit-frame-pointer"
cat > "$out/config.h" <<EOF
#define BERT_CUDA_MODULE_BUILD_DIR "$out"
#define BERT_CUDA_MODULE_INSTALL_DIR "$out"
#define BERT_CUDA_MODULE_NAME "libgstbert-cuda.so"
EOF
includes="-I$here/include -I$out -I$root/kernels/cuda -I$root/kernels/engine -I$root/kernels/testing -I$root/kernels/tokenizer
  -I$root/tests/cuda $(pkg-config --cflags glib-2.0 gmodule-2.0 openblas)"
cxx="g++ -std=c++17 -fPIC -O2 -g -Wall -Wno-unknown-pragmas $sanitize_flags $includes"
cc="gcc -std=c11 -D_GNU_SOURCE -fPIC -O2 -g -Wall $sanitize_flags $includes -DBERT_TEST_DATA_DIR=\"$root/tests/data\""
libs="$(pkg-config --libs glib-2.0 gmodule-2.0 openblas) -lm -lpthread"

runtime_objects=()
$cxx -c "$here/emulator.cc" -o "$out/emulator.o"
runtime_objects+=("$out/emulator.o")
for kernels in elementwise layernorm attention heads; do
  python3 "$here/launches_to_calls.py" "$root/kernels/cuda/bert_cuda_$kernels.cu" > "$out/bert_cuda_$kernels.cc"
  $cxx -c "$out/bert_cuda_$kernels.cc" -o "$out/bert_cuda_$kernels.o"
  runtime_objects+=("$out/bert_cuda_$kernels.o")
done
for source in "$root"/kernels/cuda/bert_cuda_check.c "$root"/kernels/testing/*.c "$here/emulated_matmul.c" \
    "$root"/tests/cuda/{cuda-test-util,cpu-twins}.c; do
  name=$(basename "$source" .c)
  $cc -c "$source" -o "$out/$name.o"
  runtime_objects+=("$out/$name.o")
done
module_objects=()
for name in bert_cuda_backend bert_cuda_forward bert_cuda_graph bert_cuda_weights bert_cuda_dense; do
  $cc -c "$root/kernels/cuda/$name.c" -o "$out/$name.o"
  module_objects+=("$out/$name.o")
done
g++ $sanitize_flags -shared -o "$out/libgstbert-cuda.so" "${module_objects[@]}" "${runtime_objects[@]}" $libs

# The test programs and the module each carry the emulator, as each carries its own
# static cudart on a GPU; AddressSanitizer would call that an ODR violation.
export ASAN_OPTIONS=detect_odr_violation=0
export GST_BERT_CUDA_MODULE_DIR="$out"
export GST_BERT_SHARED_DIR=${GST_BERT_SHARED_DIR:-$root/../shared}
status=0
for target in "${targets[@]}"; do
  extra_libs=""
  test_args=()
  engine_libs="$build_dir/kernels/engine/libbertengine.a $build_dir/kernels/tokenizer/libberttokenizer.a
    $(pkg-config --libs json-glib-1.0)"
  # The engine calls the remote backend where BUILD_DIR built it (with libcurl).
  if [ -f "$build_dir/kernels/remote/libbertremote.a" ]; then
    engine_libs="$engine_libs $build_dir/kernels/remote/libbertremote.a $(pkg-config --libs libcurl)"
  fi
  case $target in
    engine) extra_libs=$engine_libs ;;
    # all-MiniLM-L6-v2 takes hours on emulated fibers; the tiny models cover every head.
    parity) extra_libs=$engine_libs; test_args=(-s /cuda/parity/all-MiniLM-L6-v2) ;;
  esac
  $cc -c "$root/tests/cuda/test-cuda-$target.c" -o "$out/test-cuda-$target.o"
  g++ $sanitize_flags -o "$out/test-cuda-$target" "$out/test-cuda-$target.o" "${runtime_objects[@]}" $extra_libs $libs
  echo "== emulated test-cuda-$target"
  "$out/test-cuda-$target" "${test_args[@]}" || status=$?
done
exit $status
