#!/bin/sh
# README's first command: installs what is missing (scripts/install-deps.sh), builds
# gst-bert, fetches all-MiniLM-L6-v2 into the default models folder where it is not there
# yet (scripts/get-model.sh), and runs it on real captions, excerpts of a 1962 speech
# (examples/data/moon-speech.srt):
#   filesrc ! subparse ! tokenizer ! bert-infer ! bert-json
# writes one JSON line per caption (text, times, tokens, embedding) to
# BUILD/demo-captions.jsonl and shows a few, then searches the captions by meaning
# for three queries (examples/python/caption-search.py).
# GST_BERT_MODEL=DIR runs another sentence encoder folder instead; GST_BERT_BUILD_DIR
# picks the build folder (default build).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh demo
build=${GST_BERT_BUILD_DIR:-build}
[ -f "$build/build.ninja" ] || meson setup "$build" > /dev/null
ninja -C "$build" > "$build/demo-ninja.log" 2>&1 || { cat "$build/demo-ninja.log"; exit 1; }
model=${GST_BERT_MODEL:-$(scripts/get-model.sh all-MiniLM-L6-v2)}

export GST_PLUGIN_PATH="$PWD/$build/plugin"
captions=examples/data/moon-speech.srt
out="$build/demo-captions.jsonl"
# The folder is named although tokenizer and bert-infer find all-MiniLM-L6-v2 in the
# default models folder by themselves, so that GST_BERT_MODEL and older builds work too.
echo "gst-launch-1.0 filesrc location=$captions ! subparse ! tokenizer ! bert-infer ! bert-json"
echo "  (model: $model)"
gst-launch-1.0 -q filesrc location="$captions" ! subparse ! tokenizer vocab="$model" ! \
  bert-infer model="$model" ! bert-json float-digits=4 ! filesink location="$out"

python3 - "$out" << 'PYTHON'
import html, json, re, sys
lines = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
for line in lines[:3] + lines[-2:]:
    embedding = line["result"]["embedding"]
    text = html.unescape(re.sub(r"<[^>]*>", "", line["text"])).replace("\n", " ")  # Pango markup
    print(f'{line["pts"] / 1e9:6.1f} s {len(line["tokens"]["ids"]):3d} tokens '
          f'[{", ".join(f"{x:.3f}" for x in embedding[:3])}, ... {len(embedding)} numbers] '
          f'{text[:48]}...')
print(f"{len(lines)} captions embedded: {sys.argv[1]}\n")
PYTHON

echo "Captions closest in meaning to three queries (examples/python/caption-search.py):"
examples/python/caption-search.py --top 2 --model "$model" "$captions" \
  "how much will it cost" "going to the moon" "a famous mountaineer"
