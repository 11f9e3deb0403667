#!/bin/sh
# Embeds or classifies every caption of a subtitle file and writes one JSON line per
# caption: its text, timestamps, tokens and the model's result.
#
#   examples/captions-to-jsonl.sh SUBTITLES MODEL_DIR [OUT.jsonl]
#
# SUBTITLES: a file subparse reads (SubRip .srt, WebVTT .vtt, SubViewer, MicroDVD, ...);
# it tells the format from the content. MODEL_DIR: a Hugging Face BERT folder
# (docs/models.md): a sentence encoder gives embeddings, a classifier labels.
# Without OUT.jsonl the lines go to standard output.
# The plugin is taken from $GST_PLUGIN_PATH, else from build/plugin of this checkout.
set -eu
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 SUBTITLES MODEL_DIR [OUT.jsonl]" >&2
  exit 2
fi
captions="$1"
model="$2"
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH:-$(dirname "$0")/../build/plugin}"

# subparse gives Pango markup (<i>, &amp;): tokenizer strips it for the model, and
# bert-json writes the caption as it was. Nothing syncs to the clock, so a file is
# processed at full speed rather than in real time.
run() {
  gst-launch-1.0 -q filesrc location="$captions" ! subparse ! \
    tokenizer vocab="$model" ! bert-infer model="$model" ! \
    bert-json ! "$@"
}
if [ $# -eq 3 ]; then
  run filesink location="$3"
else
  run fdsink fd=1
fi
