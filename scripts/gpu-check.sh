#!/usr/bin/env bash
# gpu-check.sh prepare [--build DIR] [--stage DIR] [--no-models] [--fast]
# gpu-check.sh device [--stage DIR]
# gpu-check.sh [local]    (prepare, then device: on a machine without a GPU it stops there)
#
# The one-call GPU verification of the CUDA backend, in two halves (docs/cuda.md).
#
# prepare, here: builds BUILD_DIR (default build-gpu) for sm_90 (H100, H200) and stages ONE
# ignored folder, STAGE (default gpu-stage), that a GPU machine needs besides the working
# tree: bundle.tar.xz (the plugin, the CUDA module, the CUDA test and benchmark programs,
# gst-launch-1.0 and gst-plugin-scanner, the GStreamer elements the pipeline uses, every
# shared library all of these load except glibc, libcuda and cuBLASLt, found with ldd, and
# the PyTorch peer script) and models.tar.xz (an F16 copy of all-MiniLM-L6-v2 and the tiny
# random models with their vocabularies trimmed, made by scripts/gpu-check-models.py from
# ../shared or $GST_BERT_SHARED_DIR; kept between runs while its sources are unchanged).
# It fails when the stage and the working tree together reach GPU_CHECK_LIMIT_MIB (60).
# --no-models stages no models (parity then covers none); --fast compresses at xz -0.
#
# device, on the GPU machine (no GStreamer, no nvcc needed there): unpacks the stage, finds
# libcublasLt.so.13 (CUDA toolkit, system, or PyTorch's nvidia-cublas wheel), then runs in
# priority order within GPU_CHECK_BUDGET seconds (540), each step cut to what is left:
#   env       GPU, driver, where every library resolves, cuBLASLt, compute-sanitizer, torch
#   kernels   test-cuda-module, -engine, -kernels, -jobs, -graphs
#   parity    test-cuda-parity: every staged model, all-MiniLM-L6-v2 included, CUDA vs CPU
#   pipeline  filesrc ! subparse ! tokenizer ! bert-infer device=cuda|cpu ! bert-json on the
#             example captions with all-MiniLM-L6-v2, embeddings compared line by line
#   bench     bench-cuda FP16 (both shapes), BF16 and FP32 (--quick); MiniLM-L6 FP16
#             with CUDA graphs on and off (GST_BERT_CUDA_GRAPHS=0), one after the other,
#             for the launch overhead at batch 1 to 32
#   peer      the PyTorch FP16 SDPA peer (gpu-peer-bench.py) on MiniLM and BERT-base
#   sanitize  compute-sanitizer memcheck, racecheck, synccheck on the kernel, job and graph
#             tests (skipped, said in summary.txt, where the machine has no compute-sanitizer)
#   bigger    bench-cuda on BERT-large (hidden 1024, 24 layers) and long sequences
# It writes exactly two files into $OUT (default ${TMPDIR:-/tmp}/gst-bert-gpu-check-out):
# summary.txt and logs.tgz, both rewritten after every step.
# Exit status: 0 every step passed (or skipped), 1 a step failed, 2 bad usage or a stage
# that cannot be used, 3 no usable GPU: stopped before the first GPU step
# (GPU_CHECK_ASSUME_GPU=1 goes on regardless, to test the steps and the budget).
set -u

repo=$(cd "$(dirname "$0")/.." && pwd)
limit_mib=${GPU_CHECK_LIMIT_MIB:-60}
budget=${GPU_CHECK_BUDGET:-540}
# Kept back from the budget for packing the logs at the end.
reserve_seconds=10

# In the device step the reason also goes to summary.txt, which is what comes back.
die () {
  echo "gpu-check: $*" >&2
  [ -n "${summary:-}" ] && echo "STOPPED: $*" >> "$summary" && pack_logs
  exit 2
}

# ---------------------------------------------------------------- prepare (no GPU needed)

# Libraries a GPU machine provides itself: glibc, the driver's libcuda, and cuBLASLt
# (500 MB, found on the device by find_cublaslt).
provided_by_device () {
  case $1 in
    linux-vdso.so.*|ld-linux-x86-64.so.*|libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*) return 0 ;;
    libresolv.so.*|libutil.so.*|libanl.so.*|libcuda.so.*|libcublasLt.so.*|libcublas.so.*) return 0 ;;
  esac
  return 1
}

# Prints "NAME PATH" for every library ELF... loads (transitively, as ldd resolves them);
# fails naming any that ldd cannot find.
library_closure () {
  local elf name arrow path rest status=0
  for elf in "$@"; do
    while read -r name arrow path rest; do
      [ "$arrow" = "=>" ] || continue
      provided_by_device "$name" && continue
      if [ "$path" = "not" ]; then
        echo "gpu-check: $elf needs $name, which ldd does not find" >&2
        status=1
        continue
      fi
      echo "$name $path"
    done < <(ldd "$elf")
  done | sort -u
  return $status
}

gstreamer_file () {
  local candidate
  for candidate in /usr/lib/x86_64-linux-gnu/$1 /usr/lib64/$1 /usr/lib/$1; do
    [ -e "$candidate" ] && echo "$candidate" && return 0
  done
  die "$1 not found (is GStreamer installed? scripts/install-deps.sh)"
}

build_for_gpu () {
  local build=$1
  if [ ! -f "$build/build.ninja" ]; then
    # No remote backend: libcurl and its TLS stack (5 MB compressed) would not fit, and
    # the GPU check does not use it.
    nice meson setup "$build" -Dcuda=enabled -Dcuda-architectures=90 -Dtests=enabled -Dremote=disabled > /dev/null \
      || die "meson setup $build failed"
  fi
  nice ninja -C "$build" -j2 > /dev/null || die "ninja -C $build failed"
  [ -f "$build/kernels/cuda/libgstbert-cuda.so" ] || die "$build has no CUDA module (nvcc absent? -Dcuda=enabled)"
}

# The working tree that travels with a device command: tracked files and untracked ones
# git does not ignore.
working_tree_bytes () {
  (cd "$repo" && git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -c %s -- 2>/dev/null) \
    | awk '{ sum += $1 } END { print sum + 0 }'
}

stage_bundle () {
  local build=$1 stage=$2 xz_level=$3 root
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/lib/gst-bert" "$root/plugins" "$root/libexec" "$root/scripts"
  find "$build/tests/cuda" -maxdepth 1 -type f -name 'test-cuda-*' -perm -u+x -exec cp {} "$root/bin/" \;
  cp "$build/benchmarks/cuda/bench-cuda" "$(command -v gst-launch-1.0)" "$root/bin/"
  cp "$build/kernels/cuda/libgstbert-cuda.so" "$root/lib/gst-bert/"
  cp "$build/plugin/libgstbert.so" "$(gstreamer_file gstreamer-1.0/libgstcoreelements.so)" \
    "$(gstreamer_file gstreamer-1.0/libgstsubparse.so)" "$root/plugins/"
  cp "$(gstreamer_file gstreamer1.0/gstreamer-1.0/gst-plugin-scanner)" "$root/libexec/"
  cp "$repo/scripts/gpu-check-pipeline.py" "$root/scripts/"
  peer=${GST_BERT_SHARED_DIR:-$repo/../shared}/scripts/gpu-peer-bench.py
  [ -f "$peer" ] && cp "$peer" "$root/scripts/"
  library_closure "$root"/bin/* "$root"/lib/gst-bert/*.so "$root"/plugins/*.so "$root"/libexec/* > "$root/libraries.txt" \
    || { rm -rf "$root"; die "libraries missing (above)"; }
  while read -r name path; do
    cp -L "$path" "$root/lib/$name"
  done < "$root/libraries.txt"
  # Symbols only serve debuggers, which the device check does not use.
  strip --strip-unneeded "$root"/bin/* "$root"/lib/*.so* "$root"/lib/gst-bert/*.so "$root"/plugins/*.so "$root"/libexec/* 2> /dev/null
  tar -C "$root" -cf - . | xz -T2 "-$xz_level" > "$stage/bundle.tar.xz.part" && mv "$stage/bundle.tar.xz.part" "$stage/bundle.tar.xz"
  echo "bundle: $(ls "$root/bin" | wc -l) programs, $(wc -l < "$root/libraries.txt") libraries" > "$stage/bundle.txt"
  rm -rf "$root"
}

# The models, rebuilt only when their sources or the script that makes them change.
stage_models () {
  local stage=$1 xz_level=$2 shared=${GST_BERT_SHARED_DIR:-$repo/../shared} stamp root name storage
  if [ ! -d "$shared/models/bert-tiny-random" ]; then
    echo "gpu-check: no models at $shared/models (set GST_BERT_SHARED_DIR): parity will cover none" >&2
    rm -f "$stage/models.tar.xz" "$stage/models.stamp"
    return 0
  fi
  stamp=$( (sha256sum "$repo/scripts/gpu-check-models.py"; echo "xz $xz_level";
    ls -l --time-style=+%s "$shared"/models/*/model.safetensors) | sha256sum | cut -d' ' -f1)
  if [ -f "$stage/models.tar.xz" ] && [ "$(cat "$stage/models.stamp" 2>/dev/null)" = "$stamp" ]; then
    return 0
  fi
  root=$(mktemp -d)
  if [ -d "$shared/models/all-MiniLM-L6-v2" ]; then
    /usr/bin/python3 "$repo/scripts/gpu-check-models.py" "$shared/models/all-MiniLM-L6-v2" \
      "$root/models/all-MiniLM-L6-v2" --f16 --planes || { rm -rf "$root"; die "all-MiniLM-L6-v2 could not be staged"; }
  fi
  # bert-tiny-random keeps F32 storage, cls-bf16 BF16 and sentiment F16; the other two
  # classifiers become F16 to fit (their heads are what they test).
  for name in bert-tiny-random bert-tiny-random-cls-bf16 bert-tiny-random-sentiment \
      bert-tiny-random-topics-multilabel bert-tiny-random-ner; do
    [ -d "$shared/models/$name" ] || continue
    case $name in *-topics-multilabel|*-ner) storage=--f16 ;; *) storage="" ;; esac
    # shellcheck disable=SC2086
    /usr/bin/python3 "$repo/scripts/gpu-check-models.py" "$shared/models/$name" "$root/models/$name" \
      --vocab 1024 $storage || { rm -rf "$root"; die "$name could not be staged"; }
  done
  tar -C "$root" -cf - models | xz -T2 "-$xz_level" > "$stage/models.tar.xz.part" \
    && mv "$stage/models.tar.xz.part" "$stage/models.tar.xz" && echo "$stamp" > "$stage/models.stamp"
  rm -rf "$root"
}

check_sizes () {
  local stage=$1 tree stage_bytes total limit
  tree=$(working_tree_bytes)
  stage_bytes=$(du -sb "$stage" | cut -f1)
  total=$((tree + stage_bytes))
  limit=$((limit_mib * 1024 * 1024))
  awk -v tree="$tree" -v stage="$stage_bytes" -v name="$(basename "$stage")" -v limit="$limit_mib" 'BEGIN {
    printf "sizes: working tree %.1f MiB + %s %.1f MiB = %.1f MiB (limit %d MiB)\n",
      tree / 1048576, name, stage / 1048576, (tree + stage) / 1048576, limit }' | tee "$stage/sizes.txt"
  if [ "$total" -ge "$limit" ]; then
    echo "gpu-check: the stage and the working tree reach ${limit_mib} MiB; a device call carries at most 64 MiB" >&2
    return 1
  fi
}

prepare () {
  local build=$repo/build-gpu stage=$repo/gpu-stage models=yes xz_level=6
  while [ $# -gt 0 ]; do
    case $1 in
      --build) build=${2:?--build needs a folder}; shift 2 ;;
      --stage) stage=${2:?--stage needs a folder}; shift 2 ;;
      --no-models) models=no; shift ;;
      --fast) xz_level=0; shift ;;
      *) die "prepare: unknown argument $1" ;;
    esac
  done
  command -v xz > /dev/null || die "xz not found"
  build_for_gpu "$build"
  build=$(cd "$build" && pwd)
  mkdir -p "$stage"
  stage_bundle "$build" "$stage" "$xz_level"
  if [ $models = yes ]; then
    stage_models "$stage" "$xz_level"
  else
    rm -f "$stage/models.tar.xz" "$stage/models.stamp"
  fi
  check_sizes "$stage" || return 1
  prepared_stage=$stage
  echo "staged in $stage: run 'scripts/gpu-check.sh device' on the GPU machine, carrying $(basename "$stage")"
}

# ---------------------------------------------------------------- device (the GPU machine)

prepared_stage=""
started=$SECONDS
failures=0
out=""
logs=""
root=""
summary=""

note () { echo "$*" | tee -a "$summary"; }

# Rewrites logs.tgz from the logs so far; what comes back is complete after every step.
pack_logs () {
  tar -C "$logs" -czf "$out/logs.tgz.part" . 2>/dev/null && mv "$out/logs.tgz.part" "$out/logs.tgz"
}

seconds_left () { echo $((budget - reserve_seconds - (SECONDS - started))); }

# step NAME CAP COMMAND...: runs COMMAND with its output in NAME.log, for at most CAP
# seconds and what is left of the budget; records PASS, FAIL or SKIP (exit 77).
step () {
  local name=$1 cap=$2 left limit start status
  shift 2
  left=$(seconds_left)
  if [ "$left" -lt 15 ]; then
    note "SKIP $name: the ${budget} s budget is spent"
    return 0
  fi
  limit=$((cap < left ? cap : left))
  start=$SECONDS
  # Through bash, so that COMMAND may be one of this script's functions (exported).
  timeout -k 5 "$limit" bash -c '"$@"' "$name" "$@" > "$logs/$name.log" 2>&1
  status=$?
  case $status in
    0) note "PASS $name ($((SECONDS - start)) s)" ;;
    77) note "SKIP $name: $(tail -n 1 "$logs/$name.log")" ;;
    124|137) note "FAIL $name: cut at $limit s (budget or cap)"; failures=$((failures + 1)) ;;
    *) note "FAIL $name (exit $status): $(grep -m1 -iE 'error|fail|assert' "$logs/$name.log" | cut -c1-200)"
       failures=$((failures + 1)) ;;
  esac
  pack_logs
}

# Where pip wheels (nvidia-cublas, CUDA 13 layout or the older one) put their libraries.
wheel_library_dirs () {
  python3 -c 'import site, sys
for packages in site.getsitepackages() + [site.getusersitepackages()]:
    print(packages + "/nvidia/cu13/lib", packages + "/nvidia/cublas/lib")' 2>/dev/null
}

# Prints the folder of libcublasLt.so.13.
find_cublaslt () {
  local dir
  for dir in ${CUDA_HOME:+"$CUDA_HOME/lib64"} /usr/local/cuda/lib64 /usr/local/cuda-13*/lib64 \
      /usr/local/cuda-13*/targets/x86_64-linux/lib /usr/local/cuda/targets/x86_64-linux/lib \
      $(wheel_library_dirs) /usr/lib/x86_64-linux-gnu; do
    if [ -e "$dir/libcublasLt.so.13" ]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

find_sanitizer () {
  local candidate
  for candidate in "$(command -v compute-sanitizer 2>/dev/null)" ${CUDA_HOME:+"$CUDA_HOME/bin/compute-sanitizer"} \
      /usr/local/cuda/bin/compute-sanitizer /usr/local/cuda-*/bin/compute-sanitizer \
      /opt/nvidia/*/compute-sanitizer/compute-sanitizer; do
    [ -n "$candidate" ] && [ -x "$candidate" ] && echo "$candidate" && return 0
  done
  return 1
}

unpack () {
  local archive=$1 into=$2
  if command -v xz > /dev/null; then
    tar -C "$into" -xJf "$archive"
  else
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$archive" "$into"
  fi
}

# Every library the staged programs load must come from the stage, except what the
# device provides; prints where each resolves.
check_resolution () {
  local root=$1 elf name arrow path rest status=0
  for elf in "$root"/bin/* "$root"/lib/gst-bert/*.so "$root"/plugins/*.so "$root"/libexec/*; do
    while read -r name arrow path rest; do
      [ "$arrow" = "=>" ] || continue
      echo "$(basename "$elf"): $name => $path"
      if [ "$path" = "not" ]; then
        echo "MISSING $name for $(basename "$elf")"
        status=1
      elif ! provided_by_device "$name" && [ "${path#"$root"/}" = "$path" ] \
          && ! grep -qs "^$name: the machine's" "$root/system-runtime.txt"; then
        echo "OUTSIDE THE STAGE $name => $path for $(basename "$elf")"
        status=1
      fi
    done < <(ldd "$elf")
  done
  return $status
}

environment () {
  local root=$1 cublaslt=$2 sanitizer=$3
  echo "== date"; date -u
  echo "== nvidia-smi"; nvidia-smi || echo "nvidia-smi not found"
  echo "== os"; uname -a; cat /etc/os-release 2>/dev/null | head -2; ldd --version | head -1
  echo "== cuBLASLt: ${cublaslt:-NOT FOUND}; compute-sanitizer: ${sanitizer:-not found}"
  echo "== C++ runtime"; cat "$root/system-runtime.txt" 2>/dev/null || echo "the stage's"
  echo "== torch"; LD_LIBRARY_PATH= python3 -c 'import torch, transformers; print(torch.__version__, torch.version.cuda, transformers.__version__, torch.cuda.is_available())' 2>&1
  echo "== library resolution"; check_resolution "$root"
}

export -f provided_by_device check_resolution environment

# The C++ runtime is the one library where newer is safe and older is not: the machine's
# own tools (python3 with torch, compute-sanitizer) would load the stage's older copy
# through LD_LIBRARY_PATH. Where the machine has its own, the stage's copy is dropped.
prefer_system_runtime () {
  local root=$1 name
  for name in libstdc++.so.6 libgcc_s.so.1; do
    if [ -f "$root/lib/$name" ] && ldconfig -p 2>/dev/null | grep -q "^[[:space:]]*$name "; then
      rm "$root/lib/$name"
      echo "$name: the machine's" >> "$root/system-runtime.txt"
    fi
  done
}

gpu_present () {
  nvidia-smi -L 2>/dev/null | grep -q '^GPU '
}

device () {
  local stage=$repo/gpu-stage cublaslt sanitizer models_dir
  while [ $# -gt 0 ]; do
    case $1 in
      --stage) stage=${2:?--stage needs a folder}; shift 2 ;;
      *) die "device: unknown argument $1" ;;
    esac
  done
  [ -f "$stage/bundle.tar.xz" ] || die "no $stage/bundle.tar.xz: run 'scripts/gpu-check.sh prepare' here first and carry $(basename "$stage")"
  out=${OUT:-${TMPDIR:-/tmp}/gst-bert-gpu-check-out}
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
  rm -f "$out/summary.txt" "$out/logs.tgz"
  summary=$out/summary.txt
  logs=$(mktemp -d)
  root=$(mktemp -d "${TMPDIR:-/tmp}/gst-bert-gpu-check.XXXXXX")
  trap 'rm -rf "$root" "$logs"' EXIT
  unpack "$stage/bundle.tar.xz" "$root" || die "cannot unpack $stage/bundle.tar.xz"
  models_dir=$root/models
  if [ -f "$stage/models.tar.xz" ]; then
    unpack "$stage/models.tar.xz" "$root" || die "cannot unpack $stage/models.tar.xz"
    for planes in "$models_dir"/*/model.safetensors.planes; do
      [ -f "$planes" ] || continue
      python3 "$repo/scripts/gpu-check-models.py" --unplanes "$(dirname "$planes")" || die "cannot restore $planes"
    done
  fi

  prefer_system_runtime "$root"
  export LD_LIBRARY_PATH="$root/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export PATH="$root/bin:$PATH"
  export GST_PLUGIN_SYSTEM_PATH_1_0="$root/plugins" GST_PLUGIN_PATH="" GST_PLUGIN_SCANNER="$root/libexec/gst-plugin-scanner"
  export GST_REGISTRY="$root/registry.bin" GST_BERT_CUDA_MODULE_DIR="$root/lib/gst-bert" GST_BERT_SHARED_DIR="$root"
  cublaslt=$(find_cublaslt) || cublaslt=""
  [ -n "$cublaslt" ] && export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$cublaslt"
  sanitizer=$(find_sanitizer) || sanitizer=""

  note "gpu-check device $(date -u +%Y-%m-%dT%H:%M:%SZ), budget ${budget} s, commit $(cd "$repo" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  note "GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo 'nvidia-smi not found')"
  note "cuBLASLt: ${cublaslt:-NOT FOUND}; compute-sanitizer: ${sanitizer:-not found}"
  note "models: $(ls "$models_dir" 2>/dev/null | tr '\n' ' ')"
  step env 30 environment "$root" "$cublaslt" "$sanitizer"
  # GPU_CHECK_ASSUME_GPU=1: go on without one, to test this script's steps and budget.
  if [ "${GPU_CHECK_ASSUME_GPU:-0}" != 1 ] && { ! gpu_present || [ -z "$cublaslt" ]; }; then
    note "STOPPED before the first GPU step: $(gpu_present && echo "libcublasLt.so.13 not found" || echo "no GPU (nvidia-smi lists none)")"
    pack_logs
    return 3
  fi

  for test in module engine kernels jobs graphs; do
    step "kernels-$test" 90 "$root/bin/test-cuda-$test"
  done
  step parity 200 "$root/bin/test-cuda-parity" --verbose
  step pipeline 90 python3 "$root/scripts/gpu-check-pipeline.py" "$models_dir/all-MiniLM-L6-v2" \
    "$repo/examples/data/moon-speech.srt" "$repo/examples/data/travel-vlog.srt"
  step bench-fp16 150 "$root/bin/bench-cuda" --precision fp16
  step graphs-on 45 "$root/bin/bench-cuda" --shape minilm-l6 --precision fp16 --quick
  step graphs-off 45 env GST_BERT_CUDA_GRAPHS=0 "$root/bin/bench-cuda" --shape minilm-l6 --precision fp16 --quick
  step bench-bf16 60 "$root/bin/bench-cuda" --precision bf16 --quick
  step bench-fp32 60 "$root/bin/bench-cuda" --precision fp32 --quick
  if [ -f "$root/scripts/gpu-peer-bench.py" ]; then
    step peer-minilm 90 env LD_LIBRARY_PATH= python3 "$root/scripts/gpu-peer-bench.py" "$models_dir/all-MiniLM-L6-v2"
    step peer-bert-base 90 env LD_LIBRARY_PATH= python3 "$root/scripts/gpu-peer-bench.py" --shape bert-base
  else
    note "SKIP peer: gpu-peer-bench.py was not staged (no ../shared/scripts where prepare ran)"
  fi
  if [ -n "$sanitizer" ]; then
    step memcheck-kernels 120 "$sanitizer" --tool memcheck --error-exitcode 1 "$root/bin/test-cuda-kernels"
    step memcheck-jobs 90 "$sanitizer" --tool memcheck --leak-check full --error-exitcode 1 "$root/bin/test-cuda-jobs"
    step memcheck-graphs 60 "$sanitizer" --tool memcheck --error-exitcode 1 "$root/bin/test-cuda-graphs"
    step racecheck-kernels 120 "$sanitizer" --tool racecheck --error-exitcode 1 "$root/bin/test-cuda-kernels"
    step synccheck-jobs 60 "$sanitizer" --tool synccheck --error-exitcode 1 "$root/bin/test-cuda-jobs"
  else
    note "SKIP sanitize: compute-sanitizer not found"
  fi
  step bigger 120 "$root/bin/bench-cuda" --shape bert-large --quick
  note "$failures failed, $((SECONDS - started)) s"
  pack_logs
  [ "$failures" -eq 0 ]
}

case ${1:-local} in
  prepare) shift; prepare "$@" ;;
  device) shift; device "$@" ;;
  local) shift $(($# > 0)); prepare "$@" && device --stage "$prepared_stage" ;;
  *) die "usage: gpu-check.sh prepare [--build DIR] [--stage DIR] [--no-models] [--fast] | device [--stage DIR] | local" ;;
esac
