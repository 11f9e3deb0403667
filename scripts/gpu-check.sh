#!/usr/bin/env bash
# gpu-check.sh [--only STEP[,STEP...]] [BUILD_DIR [BUNDLE_DIR]]
#
# The one-call GPU verification of the CUDA backend, for a machine with an NVIDIA GPU.
# Run from the repository root. BUILD_DIR (default build-gpu) holds a build made with
# CUDA (anywhere: the steps only run what is built); BUNDLE_DIR (default runtime-bundle)
# is an optional /work/shared/scripts/make-runtime-bundle.sh folder whose env.sh is sourced
# where GStreamer, json-glib or OpenBLAS are not installed. Steps, in order:
#   env       GPU, driver, libraries found (nvidia-smi, libcublasLt.so.13, compute-sanitizer)
#   tests     tests/cuda: test-cuda-module, -engine, -kernels, -jobs, -parity
#   sanitize  compute-sanitizer memcheck (kernels, jobs, module, parity on the tiny models),
#             racecheck, initcheck and synccheck (kernels, jobs)
#   bench     bench-cuda FP16 (both shapes), BF16 and FP32 (--quick)
#   peer      the PyTorch FP16 peer (scripts/gpu-peer-bench.py, copied from
#             /work/shared/scripts, or $GST_BERT_SHARED_DIR/scripts) on both shapes
# Everything is written under $OUT (default ./gpu-check-out): one log per step and
# summary.txt. Exit status: 0 when no test or sanitizer check failed.
set -u

steps="env,tests,sanitize,bench,peer"
if [ "${1:-}" = "--only" ]; then
  steps=${2:?--only needs a list of steps}
  shift 2
fi
build=${1:-build-gpu}
bundle=${2:-runtime-bundle}
out=${OUT:-gpu-check-out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
summary="$out/summary.txt"
: > "$summary"
failures=0
step_timeout=${GPU_CHECK_STEP_TIMEOUT:-420}

note () { echo "$*" | tee -a "$summary"; }
wants () { case ",$steps," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

# Runs "$@" with its output in $out/$name.log and records the outcome (77: skipped).
run_logged () {
  local name=$1; shift
  local start=$SECONDS status
  timeout "$step_timeout" "$@" > "$out/$name.log" 2>&1
  status=$?
  case $status in
    0) note "PASS $name ($((SECONDS - start)) s)" ;;
    77) note "SKIP $name: $(tail -n 1 "$out/$name.log")" ;;
    124) note "FAIL $name: timed out after $step_timeout s"; failures=$((failures + 1)) ;;
    *) note "FAIL $name (exit $status; see $name.log)"; failures=$((failures + 1)) ;;
  esac
}

# Where pip wheels (nvidia-cublas, CUDA 13 layout or the older one) put their libraries.
wheel_library_dirs () {
  python3 -c 'import site
for packages in site.getsitepackages():
    print(packages + "/nvidia/cu13/lib", packages + "/nvidia/cublas/lib")' 2>/dev/null
}

# libcublasLt.so.13 from the toolkit, the system, or a pip wheel.
find_cublaslt () {
  local dir
  if ldconfig -p 2>/dev/null | grep -q 'libcublasLt\.so\.13 '; then
    return 0
  fi
  for dir in ${CUDA_HOME:+"$CUDA_HOME/lib64"} /usr/local/cuda/lib64 /usr/local/cuda-13*/lib64 \
      /usr/local/cuda-13*/targets/x86_64-linux/lib /usr/local/cuda/targets/x86_64-linux/lib \
      $(wheel_library_dirs); do
    if [ -e "$dir/libcublasLt.so.13" ]; then
      export LD_LIBRARY_PATH="$dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
      return 0
    fi
  done
  return 1
}

find_sanitizer () {
  local candidate
  for candidate in "$(command -v compute-sanitizer 2>/dev/null)" ${CUDA_HOME:+"$CUDA_HOME/bin/compute-sanitizer"} \
      /usr/local/cuda/bin/compute-sanitizer /usr/local/cuda-*/bin/compute-sanitizer \
      /usr/local/cuda/compute-sanitizer/compute-sanitizer /opt/nvidia/*/compute-sanitizer/compute-sanitizer; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

# The PyTorch peer runs with the machine's own libraries, not the bundle's.
system_library_path=${LD_LIBRARY_PATH-}
if [ -f "$bundle/env.sh" ]; then
  # shellcheck disable=SC1091
  . "$bundle/env.sh"
fi
if [ -z "${GST_BERT_SHARED_DIR:-}" ]; then
  if [ -d ../shared/models ]; then
    GST_BERT_SHARED_DIR=$(cd ../shared && pwd)
  elif [ -d shared/models ]; then
    GST_BERT_SHARED_DIR=$(pwd)/shared
  fi
fi
export GST_BERT_SHARED_DIR
export GST_BERT_CUDA_MODULE_DIR="$(pwd)/$build/kernels/cuda"
cublaslt_found=yes
find_cublaslt || cublaslt_found=no
sanitizer=$(find_sanitizer) || sanitizer=""

note "gpu-check $(date -u +%Y-%m-%dT%H:%M:%SZ) in $(pwd), build $build"
if wants env; then
  { nvidia-smi || echo "nvidia-smi not found"; } > "$out/nvidia-smi.txt" 2>&1
  gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null)
  module="$GST_BERT_CUDA_MODULE_DIR/libgstbert-cuda.so"
  note "GPU: ${gpu:-nvidia-smi not found}"
  note "libcublasLt.so.13: $cublaslt_found; compute-sanitizer: ${sanitizer:-not found}"
  note "module: $module $([ -f "$module" ] && echo present || echo MISSING)"
  note "shared data: ${GST_BERT_SHARED_DIR:-not found (test-cuda-parity will skip)}"
  ldd "$module" > "$out/ldd-module.txt" 2>&1
fi

tests_dir="$build/tests/cuda"
if wants tests; then
  for test in test-cuda-module test-cuda-engine test-cuda-kernels test-cuda-jobs test-cuda-parity; do
    if [ -x "$tests_dir/$test" ]; then
      run_logged "$test" "$tests_dir/$test"
    else
      note "MISSING $tests_dir/$test (not built)"
    fi
  done
fi

if wants sanitize; then
  if [ -z "$sanitizer" ]; then
    note "SKIP sanitize: compute-sanitizer not found"
  else
    # sanitize TOOL TEST [SANITIZER OPTIONS] [-- TEST ARGUMENTS]
    sanitize () {
      local tool=$1 test=$2 options=() arguments=()
      shift 2
      while [ $# -gt 0 ] && [ "$1" != -- ]; do options+=("$1"); shift; done
      [ $# -gt 0 ] && shift && arguments=("$@")
      run_logged "$tool-$test" "$sanitizer" --tool "$tool" --error-exitcode 1 "${options[@]}" \
        "$tests_dir/$test" "${arguments[@]}"
    }
    for test in test-cuda-kernels test-cuda-jobs test-cuda-module; do
      sanitize memcheck "$test" --leak-check full
    done
    sanitize memcheck test-cuda-parity --leak-check full -- -s /cuda/parity/all-MiniLM-L6-v2
    for test in test-cuda-kernels test-cuda-jobs; do
      sanitize racecheck "$test" --racecheck-report all
      sanitize initcheck "$test"
      sanitize synccheck "$test"
    done
  fi
fi

bench="$build/benchmarks/cuda/bench-cuda"
if wants bench; then
  if [ -x "$bench" ]; then
    run_logged bench-cuda-fp16 "$bench" --precision fp16
    run_logged bench-cuda-bf16 "$bench" --precision bf16 --quick
    run_logged bench-cuda-fp32 "$bench" --precision fp32 --quick
  else
    note "MISSING $bench (not built)"
  fi
fi

if wants peer; then
  peer=""
  for candidate in scripts/gpu-peer-bench.py \
      ${GST_BERT_SHARED_DIR:+"$GST_BERT_SHARED_DIR/scripts/gpu-peer-bench.py"}; do
    [ -f "$candidate" ] && peer=$candidate && break
  done
  if [ -z "$peer" ]; then
    note "SKIP peer: gpu-peer-bench.py not found (copy /work/shared/scripts/gpu-peer-bench.py to scripts/)"
  elif ! LD_LIBRARY_PATH="$system_library_path" python3 -c \
      'import sys, torch, transformers; sys.exit(0 if torch.cuda.is_available() else 1)' > /dev/null 2>&1; then
    note "SKIP peer: python3 lacks torch or transformers, or torch sees no CUDA GPU"
  else
    run_logged peer-minilm-l6 env LD_LIBRARY_PATH="$system_library_path" python3 "$peer" --shape minilm-l6
    run_logged peer-bert-base env LD_LIBRARY_PATH="$system_library_path" python3 "$peer" --shape bert-base
  fi
fi

note "$failures failed"
[ "$failures" -eq 0 ]
