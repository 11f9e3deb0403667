#!/bin/sh
# Downloads a Hugging Face BERT model folder (the files gst-bert reads) into DEST.
#   scripts/fetch-model.sh [REPO_ID] [DEST]
# REPO_ID defaults to sentence-transformers/all-MiniLM-L6-v2, DEST to models/<name>.
# Known files of all-MiniLM-L6-v2 are checked against their published sha256.
# This is the only place gst-bert touches the network; the plugin never downloads.
set -eu
repo="${1:-sentence-transformers/all-MiniLM-L6-v2}"
dest="${2:-models/$(basename "$repo")}"
base="https://huggingface.co/$repo/resolve/main"
required="config.json model.safetensors"
optional="tokenizer.json vocab.txt tokenizer_config.json special_tokens_map.json
  modules.json sentence_bert_config.json 1_Pooling/config.json"

mkdir -p "$dest/1_Pooling"
fetch() {
  curl --fail --location --silent --show-error --retry 3 -o "$dest/$1.part" "$base/$1" &&
    mv "$dest/$1.part" "$dest/$1"
}
for f in $required; do
  echo "fetching $repo/$f"
  fetch "$f" || { echo "error: could not download $base/$f" >&2; exit 1; }
done
for f in $optional; do
  fetch "$f" 2>/dev/null && echo "fetched $repo/$f" || rm -f "$dest/$f.part"
done
[ -f "$dest/1_Pooling/config.json" ] || rmdir "$dest/1_Pooling"
[ -f "$dest/tokenizer.json" ] || [ -f "$dest/vocab.txt" ] ||
  { echo "error: $repo has neither tokenizer.json nor vocab.txt" >&2; exit 1; }

if [ "$repo" = "sentence-transformers/all-MiniLM-L6-v2" ]; then
  (cd "$dest" && sha256sum -c --quiet <<'SUMS'
53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db  model.safetensors
953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41  config.json
be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037  tokenizer.json
07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3  vocab.txt
SUMS
  ) || { echo "error: checksum mismatch in $dest" >&2; exit 1; }
fi
echo "model ready in $dest"
