#!/usr/bin/env python3
"""Makes the transformers references of truncation on the left for test-truncation-side.

For each variant of VARIANTS (a fixture tokenizer of data/ in a folder with a
tokenizer_config.json, which test-truncation-side writes the same way), loads the folder
with transformers' AutoTokenizer and encodes, for every case of data/pairs/cases.txt, its
first and its second text alone and the pair, with truncation=True (longest_first) and
max_length the case's (batched, as sentence-transformers calls it). Outputs, in data/truncation-side/:

  NAME-single.txt  per case two lines (the first text, the second), tokens id:type_id:start:end
  NAME-pairs.txt   per case a line of tokens id:type_id:sequence:start:end (sequence -1 for
                   special tokens), byte offsets into the token's own text

as test-tokenizer-pairs' references are written. transformers 5.25 with tokenizers 0.23.3
made the committed files:

  /tmp/venv-tokenizers/bin/python tests/tokenizer/make-truncation-side-references.py

The variants: truncation_side "left" in tokenizer_config.json for a WordPiece, a Unigram
and a byte-level BPE tokenizer.json and for a vocab.txt (transformers' BertTokenizer);
tokenizer.json's own truncation direction "Left" without truncation_side (transformers
then truncates on the left); and the same with truncation_side "right", which wins.
"""
import json
import os
import shutil
import tempfile

from transformers import AutoTokenizer

from length_records import read_pair_cases

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
OUT = os.path.join(DATA, "truncation-side")
JSON_TRUNCATION_FROM = '"truncation":null'
JSON_TRUNCATION_TO = '"truncation":{"max_length":512,"strategy":"LongestFirst","stride":0,"direction":"Left"}'
# name: (fixture, tokenizer_config.json, tokenizer.json edited to truncate on the left)
VARIANTS = {
    "wordpiece-left": ("wordpiece-bert", {"tokenizer_class": "PreTrainedTokenizerFast", "truncation_side": "left"},
                       False),
    "unigram-left": ("unigram-hf", {"tokenizer_class": "PreTrainedTokenizerFast", "truncation_side": "left"},
                     False),
    "bpe-left": ("bpe-roberta", {"tokenizer_class": "PreTrainedTokenizerFast", "truncation_side": "left"}, False),
    "vocab-left": ("vocab.txt", {"tokenizer_class": "BertTokenizer", "truncation_side": "left"}, False),
    "json-left": ("wordpiece-bert", {"tokenizer_class": "PreTrainedTokenizerFast"}, True),
    "json-left-config-right": ("wordpiece-bert", {"tokenizer_class": "PreTrainedTokenizerFast",
                                                  "truncation_side": "right"}, True),
}


def make_folder(folder, fixture, config, json_left):
    if fixture == "vocab.txt":
        shutil.copy(os.path.join(DATA, "vocab.txt"), folder)
    else:
        with open(os.path.join(DATA, fixture, "tokenizer.json"), encoding="utf-8") as f:
            text = f.read()
        if json_left:
            assert JSON_TRUNCATION_FROM in text
            text = text.replace(JSON_TRUNCATION_FROM, JSON_TRUNCATION_TO, 1)
        with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
            f.write(text)
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump(config, f)


def byte_positions(text):
    positions = [0]
    for c in text:
        positions.append(positions[-1] + len(c.encode("utf-8")))
    return positions


def describe(encoding, texts, with_sequence):
    positions = [byte_positions(text) for text in texts]
    tokens = []
    for token_id, type_id, sequence, special, (start, end) in zip(
            encoding.ids, encoding.type_ids, encoding.sequence_ids, encoding.special_tokens_mask,
            encoding.offsets):
        if sequence is None or special:
            tokens.append(f"{token_id}:{type_id}:-1:0:0" if with_sequence else f"{token_id}:{type_id}:0:0")
            continue
        span = f"{positions[sequence][start]}:{positions[sequence][end]}"
        tokens.append(f"{token_id}:{type_id}:{sequence}:{span}" if with_sequence else f"{token_id}:{type_id}:{span}")
    return " ".join(tokens)


def write_references(name, tokenizer, cases):
    with open(os.path.join(OUT, name + "-single.txt"), "w", encoding="utf-8") as single, \
            open(os.path.join(OUT, name + "-pairs.txt"), "w", encoding="utf-8") as pairs:
        for a, b, max_length in cases:
            for text in (a, b):
                encoding = tokenizer([text], truncation=True, max_length=max_length).encodings[0]
                single.write(describe(encoding, [text], False) + "\n")
            # Batched: a call with one pair takes an empty second text for none.
            encoding = tokenizer([a], [b], truncation="longest_first", max_length=max_length).encodings[0]
            pairs.write(describe(encoding, [a, b], True) + "\n")


def main():
    cases = read_pair_cases(os.path.join(DATA, "pairs", "cases.txt"))
    os.makedirs(OUT, exist_ok=True)
    for name, (fixture, config, json_left) in VARIANTS.items():
        with tempfile.TemporaryDirectory() as folder:
            make_folder(folder, fixture, config, json_left)
            tokenizer = AutoTokenizer.from_pretrained(folder)
            expected_side = config.get("truncation_side", "left" if json_left else "right")
            assert tokenizer.truncation_side == expected_side, (name, tokenizer.truncation_side)
            write_references(name, tokenizer, cases)


if __name__ == "__main__":
    main()
