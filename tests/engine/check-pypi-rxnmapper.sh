#!/bin/sh
# Checks gst-bert on a real ALBERT checkpoint: the one PyPI's rxnmapper wheel (IBM RXN,
# MIT; 0.4.3) bundles, albert_heads_8_uspto_all_1310k, an AlbertForMaskedLM trained on
# 1.3 million USPTO reactions (hidden 256, embedding_size 128, 12 passes through one
# shared layer, 591 SMILES tokens; docs/models.md, "Real files from PyPI packages"). The
# wheel and the model's files against pinned sha256s; its pytorch_model.bin (torch.save's
# legacy format) as shipped, and converted to model.safetensors in F32, F16 and BF16;
# real reactions (the wheel's own test inputs, and longer joins of them, 13 to 512 tokens)
# tokenized by rxnmapper's SmilesTokenizer under transformers 4.57.1 (rxnmapper requires
# transformers < 5), through the engine against AlbertModel in transformers 4.57.1 and in
# the PYTHON's transformers 5; the elements on the tokens joined by spaces, through a
# tokenizer.json (WordPiece, WhitespaceSplit) made by Hugging Face tokenizers, since
# rxnmapper's tokenizer splits by a regular expression, which gst-bert's tokenizer does
# not run (Hugging Face's Split pre-tokenizer); the CPU's bf16 and int8. Not run by the test suite: it downloads 3 MB (the wheel)
# and transformers 4.57.1 with what it needs (into WORK_DIR, 139 MB installed) from PyPI;
# 2 minutes on 2 cores here (2026-12-07), the downloads included.
#
# usage: tests/engine/check-pypi-rxnmapper.sh [WORK_DIR]
#   (from the repository root, after a release build in build/; WORK_DIR defaults to
#   /tmp/pypi-rxnmapper)
# PYTHON names a Python with torch, transformers 5, tokenizers 0.23.3 and safetensors
# (default python3); the element checks run under /usr/bin/python3 (PyGObject) with
# GST_PLUGIN_PATH set to build/plugin.
set -eu
work=${1:-/tmp/pypi-rxnmapper}
python=${PYTHON:-python3}
export GST_PLUGIN_PATH="$PWD/build/plugin"
mkdir -p "$work/wheels"

echo "== the wheel and the model's files, against pinned sha256s"
wheel=$work/wheels/rxnmapper-0.4.3-py3-none-any.whl
[ -f "$wheel" ] || "$python" -m pip download --no-deps -d "$work/wheels" rxnmapper==0.4.3 >&2
echo "27876a4286881aafd286fd6f24a6a56a4ca6ba22d68e035a0ea120106c541ba5  $wheel" | sha256sum -c -
rm -rf "$work/unzipped"
unzip -q "$wheel" -d "$work/unzipped"
shipped=$work/unzipped/rxnmapper/models/transformers/albert_heads_8_uspto_all_1310k
(cd "$shipped" && sha256sum -c --quiet - && [ "$(find . -type f | wc -l)" -eq 6 ] && echo "6 files, as pinned") << 'EOF'
ea0f3144af1d13a5d5928cff01abd8e7c14ab831ff7b6d73a14d4162864a876f  config.json
8541f3f500dae71abe678d546bd035ca946e2d1c819f6b2cf41a97faedd7e6a2  pytorch_model.bin
303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3  special_tokens_map.json
44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a  tokenizer_config.json
440fdf4459c2f51c3f042ccad777342b06bf3f491c251b712ab2aada5ff7a2eb  training_args.bin
399868a653e85549ce150af4a1f6cd2776240c6a3d951ced2120565f00f027fd  vocab.txt
EOF

echo "== the folders: as shipped (pytorch_model.bin), and model.safetensors in F32, F16, BF16 with a tokenizer.json"
folder=$work/albert
rm -rf "$folder" "$folder"-*
mkdir -p "$folder"
for file in config.json pytorch_model.bin special_tokens_map.json tokenizer_config.json vocab.txt; do
  cp "$shipped/$file" "$folder/"
done
"$python" - "$folder" << 'EOF'
import os, shutil, sys
import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer, models, pre_tokenizers, processors

folder = sys.argv[1]
state = torch.load(os.path.join(folder, "pytorch_model.bin"), map_location="cpu", weights_only=True)
with open(os.path.join(folder, "vocab.txt"), encoding="utf-8") as f:
    vocab = {line.rstrip("\n"): index for index, line in enumerate(f)}
tokenizer = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
tokenizer.post_processor = processors.BertProcessing(("[SEP]", vocab["[SEP]"]), ("[CLS]", vocab["[CLS]"]))
tokenizer.add_special_tokens(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
tokenizer.enable_truncation(512)
for name, dtype in (("f32", torch.float32), ("f16", torch.float16), ("bf16", torch.bfloat16)):
    target = folder + "-" + name
    os.makedirs(target)
    for file in ("config.json", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt"):
        shutil.copy(os.path.join(folder, file), target)
    # the tied decoder weights are copies, as safetensors stores no shared storage
    save_file({key: tensor.to(dtype).clone().contiguous() for key, tensor in state.items()},
              os.path.join(target, "model.safetensors"))
    tokenizer.save(os.path.join(target, "tokenizer.json"))
print("%d tensors, %d tokens" % (len(state), len(vocab)))
EOF

echo "== transformers 4.57.1, which rxnmapper requires, into $work/transformers4"
[ -d "$work/transformers4/transformers" ] ||
  "$python" -m pip install -q --no-deps --target "$work/transformers4" transformers==4.57.1 tokenizers==0.22.1 \
    huggingface_hub==0.36.0 requests==2.34.2 urllib3==2.8.0 idna==3.21 certifi==2026.10.19.post1 \
    charset_normalizer==3.5.3 >&2

# The wheel's test reactions (those without atom maps), and 4 longer inputs joining them.
"$python" - "$work/unzipped" "$work/reactions.txt" << 'EOF'
import glob, os, re, sys
wheel, out = sys.argv[1:]
found = []
for path in sorted(glob.glob(os.path.join(wheel, "tests", "*.py"))):
    for smiles in re.findall(r'"([^"\s]+>>[^"]*)"', open(path, encoding="utf-8").read()):
        if len(smiles) > 4 and not re.search(r"\[[^\]]*:\d+\]", smiles) and smiles not in found:
            found.append(smiles)
plain = [smiles.split(" ")[0] for smiles in found]
joined = [".".join(r.split(">>")[0] for r in plain[:n]) + ">>" + ".".join(r.split(">>")[1] for r in plain[:n])
          for n in (6, 12, 18)]
joined.append(joined[-1].replace(">>", ".") + ">>" + joined[-1].split(">>")[1])
open(out, "w").write("\n".join(found + joined) + "\n")
print("%d reactions, %d joined" % (len(found), len(joined)))
EOF

echo "== rxnmapper's tokenizer and AlbertModel in transformers 4.57.1, and in this Python's transformers"
PYTHONPATH="$work/transformers4" "$python" tests/engine/rxnmapper-reference.py "$work/unzipped" "$folder" \
  "$work/reactions.txt" "$work/reference-transformers4.jsonl" 2> "$work/reference-transformers4.log"
for name in "" -f32 -f16 -bf16; do
  "$python" tests/engine/rxnmapper-reference.py "$work/unzipped" "$folder$name" "$work/reactions.txt" \
    "$work/reference$name.jsonl" --ids-from "$work/reference-transformers4.jsonl" 2> "$work/reference$name.log"
done

echo "== the engine: the shipped pytorch_model.bin against both, then each model.safetensors"
build/tests/engine/test-engine-parity "$folder" "$work/reference-transformers4.jsonl"
build/tests/engine/test-engine-parity "$folder" "$work/reference.jsonl"
for name in -f32 -f16 -bf16; do
  build/tests/engine/test-engine-parity "$folder$name" "$work/reference$name.jsonl"
done

echo "== the tokens joined by spaces, through the tokenizer.json, against Hugging Face tokenizers"
"$python" -c 'import json, sys
print("".join(json.loads(line)["text"] + "\n" for line in open(sys.argv[1])), end="")' \
  "$work/reference.jsonl" > "$work/spaced.txt"
RAYON_NUM_THREADS=1 "$python" tests/tokenizer/compare-with-hf.py --cli build/tests/tokenizer/bert-tokenize \
  --tokenizer "$folder-f32" --text "$work/spaced.txt" --random 20000 --seed 201

echo "== the elements, on the spaced tokens (ids against rxnmapper's tokenizer's)"
/usr/bin/python3 tests/engine/check-pypi-elements.py "$folder-f32" "$work/reference-f32.jsonl" -v

echo "== the CPU's bf16 and int8 products against its fp32 (skips without AVX512_BF16/VNNI)"
build/tests/engine/test-engine-precision --folder "$folder" "$work/reference.jsonl" || [ $? -eq 77 ]
