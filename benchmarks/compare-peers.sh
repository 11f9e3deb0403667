#!/bin/sh
# compare-peers.sh: gst-bert's engine and pipeline and the CPU peers (sentence-transformers,
# ONNX Runtime, through shared/scripts/peer-bench.py) back to back on the same sentences,
# all-MiniLM-L6-v2, fp32, 2 threads; then the machine's GEMM limit (bench-gemm).
#
# usage: benchmarks/compare-peers.sh BUILD_DIR OUT_DIR [sts|sts-all|captions|gemm|precisions ...]
#   PEER_PYTHON  python with requirements-peers.txt (default /work/venv-peers/bin/python)
#   GST_BERT_SHARED_DIR  the shared folder (default ../shared)
#   CHRT         prefix for every measured command (default "chrt -f 50" where it works:
#                real-time priority, so that other jobs on the machine do not take the cores)
# Workloads: sts: the first 256 STS test sentences (512 at batch 128), batch 1/8/32/128, as
# peer-bench measures by default; sts-all: all 2,758, batch 1/8/32/128; captions: the
# 5,567 cues of make-captions.py, all of them, batch 8/32/128. The pipeline
# (filesrc ! subparse ! tokenizer ! bert-infer batch-size=B ! fakesink) takes every sentence
# of the workload once. Each program's output goes to OUT_DIR/WORKLOAD-PROGRAM.txt, with
# `uptime` before and after it in OUT_DIR/WORKLOAD-PROGRAM.load.
# precisions: gst-bert's engine at fp32, bf16 and int8 (bench-engine --precision) and the
# peers of benchmarks/peer-lowprec.py (ONNX Runtime optimized fp32 and int8, OpenVINO
# fp32 and bf16), interleaved, ROUNDS rounds (default 3), on the STS sentences and on the
# captions, batch 1/8/32/128 over max (256, 4 x batch) sentences each; keep the best round.
set -eu
build=$(realpath "$1")
out=$(realpath "$2")
shift 2
here=$(dirname "$(realpath "$0")")
shared=$(realpath "${GST_BERT_SHARED_DIR:-$here/../../shared}")
python=${PEER_PYTHON:-/work/venv-peers/bin/python}
model=$shared/models/all-MiniLM-L6-v2
export GST_BERT_SHARED_DIR="$shared"
if [ -z "${CHRT+set}" ]; then
  CHRT=""
  chrt -f 50 true 2>/dev/null && CHRT="chrt -f 50"
fi
mkdir -p "$out"

# measure NAME COMMAND...: runs COMMAND under $CHRT, output to NAME.txt, uptime to NAME.load.
measure () {
  name=$1
  shift
  uptime > "$out/$name.load"
  echo "== $name: $*" | tee "$out/$name.txt"
  $CHRT "$@" 2>&1 | grep -v -e "Loading weights" -e "Warning" | tee -a "$out/$name.txt"
  uptime >> "$out/$name.load"
}

# pipeline_batches WORKLOAD TEXT BATCH...: sh has no local variables, so no name that
# measure sets.
pipeline_batches () {
  workload=$1 cues=$2
  shift 2
  for batch in "$@"; do
    measure "$workload-pipeline-b$batch" "$build/benchmarks/pipeline/bench-pipeline" --only file \
        --text "$cues" --batch-size "$batch"
  done
}

sts_text=$out/sts-sentences.txt
cut -f 6,7 "$shared/eval/stsbenchmark/sts-test.csv" | tr '\t' '\n' > "$sts_text"
captions=$out/captions.txt
[ -f "$captions" ] || "$python" "$here/make-captions.py" "$captions" --shared "$shared" \
    > "$out/captions-stats.txt"

for w in ${*:-sts sts-all captions gemm}; do
  case $w in
    sts)
      measure sts-peers "$python" "$shared/scripts/peer-bench.py" "$model"
      measure sts-engine "$build/benchmarks/engine/bench-engine" --model "$model" ;;
    sts-all)
      measure sts-all-peers "$python" "$shared/scripts/peer-bench.py" "$model" --all
      measure sts-all-engine "$build/benchmarks/engine/bench-engine" --model "$model" --all
      pipeline_batches sts-all "$sts_text" 1 8 32 128 ;;
    captions)
      for batch in 8 32 128; do
        measure "captions-peers-b$batch" "$python" "$shared/scripts/peer-bench.py" "$model" \
            "$captions" --all --batch "$batch"
      done
      measure captions-engine "$build/benchmarks/engine/bench-engine" --model "$model" \
          --text "$captions" --all --batch 8,32,128
      pipeline_batches captions "$captions" 8 32 128 ;;
    precisions)
      for round in $(seq "${ROUNDS:-3}"); do
        for text in sts captions; do
          file=$sts_text
          [ "$text" = captions ] && file=$captions
          for precision in fp32 bf16 int8; do
            measure "precisions-$text-$precision-r$round" "$build/benchmarks/engine/bench-engine" \
                --model "$model" --text "$file" --precision "$precision" --batch 1,8,32,128
          done
          measure "precisions-$text-peers-r$round" "$python" "$here/peer-lowprec.py" "$model" "$file"
        done
      done ;;
    gemm)
      measure gemm-haswell env OPENBLAS_CORETYPE=Haswell "$build/benchmarks/engine/bench-gemm"
      measure gemm-skylakex env OPENBLAS_CORETYPE=SkylakeX "$build/benchmarks/engine/bench-gemm" ;;
    *)
      echo "unknown workload $w" >&2
      exit 2 ;;
  esac
done
