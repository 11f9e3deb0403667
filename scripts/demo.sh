#!/bin/sh
# Installs what is missing, builds gst-bert and runs the demo pipeline: the captions of a
# SubRip file tokenized, embedded with all-MiniLM-L6-v2 and printed as JSON lines.
# The model is taken from $GST_BERT_MODEL, ../shared/models/all-MiniLM-L6-v2 or models/,
# and fetched from Hugging Face (scripts/fetch-model.sh) when none is there.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null

model="${GST_BERT_MODEL:-}"
for candidate in ../shared/models/all-MiniLM-L6-v2 models/all-MiniLM-L6-v2; do
  [ -z "$model" ] && [ -f "$candidate/model.safetensors" ] && model="$candidate"
done
if [ -z "$model" ]; then
  scripts/fetch-model.sh sentence-transformers/all-MiniLM-L6-v2 models/all-MiniLM-L6-v2
  model=models/all-MiniLM-L6-v2
fi

export GST_PLUGIN_PATH="$PWD/build/plugin"
set -x
gst-launch-1.0 -q filesrc location=examples/data/captions.srt ! subparse ! \
  tokenizer vocab="$model" ! bert-infer model="$model" device=auto ! \
  bert-json ! fdsink fd=1
