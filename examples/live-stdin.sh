#!/bin/sh
# Classifies or embeds each line typed on standard input as soon as it is entered, and
# prints the result as a JSON line: a live text source.
#
#   examples/live-stdin.sh MODEL_DIR
#   some-chat-client | examples/live-stdin.sh MODEL_DIR
#
# A batch of bert-infer waits at most batch-timeout (here 5 ms) for more lines, so a
# lone line is answered at once and a burst of lines runs as one batch. Ctrl-D (end of
# input) ends the pipeline after the last result. MODEL_DIR: a Hugging Face BERT folder
# (docs/models.md). The plugin is taken from $GST_PLUGIN_PATH, else from build/plugin
# of this checkout.
set -eu
if [ $# -ne 1 ]; then
  echo "usage: $0 MODEL_DIR" >&2
  exit 2
fi
model="$1"
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH:-$(dirname "$0")/../build/plugin}"

# fdsrc reads whatever the terminal or pipe has; tokenizer split-lines makes one buffer
# per line, stamped with the running time its bytes arrived at (do-timestamp; text that
# a pipe delivers before the pipeline plays has no clock yet: "pts":null). fdsink
# neither syncs nor waits for a first buffer to preroll (async=false), so the pipeline
# plays at once and each result is written as soon as bert-infer pushes it.
exec gst-launch-1.0 -q fdsrc fd=0 do-timestamp=true ! \
  tokenizer vocab="$model" split-lines=true ! \
  bert-infer model="$model" batch-timeout=5000000 ! \
  bert-json float-digits=4 ! fdsink fd=1 sync=false async=false
