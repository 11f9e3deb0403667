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
from truncation_references import DATA, make_fixture_folder, write_references

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
    if fixture != "vocab.txt":
        make_fixture_folder(folder, fixture, config, (JSON_TRUNCATION_FROM, JSON_TRUNCATION_TO) if json_left else None)
        return
    shutil.copy(os.path.join(DATA, "vocab.txt"), folder)
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump(config, f)


def main():
    cases = read_pair_cases(os.path.join(DATA, "pairs", "cases.txt"))
    os.makedirs(OUT, exist_ok=True)
    for name, (fixture, config, json_left) in VARIANTS.items():
        with tempfile.TemporaryDirectory() as folder:
            make_folder(folder, fixture, config, json_left)
            tokenizer = AutoTokenizer.from_pretrained(folder)
            expected_side = config.get("truncation_side", "left" if json_left else "right")
            assert tokenizer.truncation_side == expected_side, (name, tokenizer.truncation_side)
            write_references(OUT, name, tokenizer, cases)


if __name__ == "__main__":
    main()
