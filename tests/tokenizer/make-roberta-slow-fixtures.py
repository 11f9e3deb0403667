#!/usr/bin/env python3
"""Makes RoBERTa folders of the slow tokenizer's files and transformers' outputs on them.

Many RoBERTa repositories have no tokenizer.json, only vocab.json, merges.txt,
special_tokens_map.json and maybe tokenizer_config.json, which transformers turns into a
tokenizer in RobertaTokenizer's constructor. From the fixture data/bpe-roberta/tokenizer.json
this writes, under tests/tokenizer/data/roberta-slow/:

  vocab.json, merges.txt   its vocabulary and merges, as the slow tokenizer saves them
  texts.txt                data/parity-texts.txt's texts and a few of special tokens, as
                           records (length in bytes on a line, the text, a newline)
  VARIANT/                 the other files of a folder (config.json, special_tokens_map.json,
                           tokenizer_config.json: see VARIANTS), and transformers' outputs
                           for the folder made of them and the two files above:
    expected.txt           per text of texts.txt, tokenizer(text): id:type_id:start:end
    expected-pairs.txt     per case of data/pairs/cases.txt, tokenizer([a], [b], truncation
                           "longest_first", max_length): id:type_id:sequence:start:end,
                           sequence -1 for special tokens
with byte offsets. test-roberta-slow-files builds the same folders and compares.

  /tmp/venv-tokenizers/bin/python tests/tokenizer/make-roberta-slow-fixtures.py
(transformers 5 and tokenizers 0.23.3; no network).
"""
import json
import os

import transformers
from transformers import AutoTokenizer

from length_records import read_records, write_records
from slow_fixtures import DATA, pair_cases, saved_token, transformers_lines, write_variants

OUT = os.path.join(DATA, "roberta-slow")

# special_tokens_map.json as RoBERTa repositories have it (<mask> strips the space before it).
ROBERTA_SPECIAL_MAP = {
    "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>", "pad_token": "<pad>",
    "cls_token": "<s>",
    "mask_token": {"content": "<mask>", "single_word": False, "lstrip": True, "rstrip": False,
                   "normalized": False},
}
ROBERTA_CONFIG = {"architectures": ["RobertaForMaskedLM"], "model_type": "roberta"}
VARIANTS = {
    # cardiffnlp/twitter-roberta-base-sentiment-latest's kind: no tokenizer_config.json
    "special-map": {"config.json": ROBERTA_CONFIG, "special_tokens_map.json": ROBERTA_SPECIAL_MAP},
    "prefix-space": {"config.json": ROBERTA_CONFIG, "special_tokens_map.json": ROBERTA_SPECIAL_MAP,
                     "tokenizer_config.json": {"add_prefix_space": True, "model_max_length": 512}},
    # the class named by tokenizer_config.json, no config.json, no special_tokens_map.json
    "no-trim": {"tokenizer_config.json": {"tokenizer_class": "RobertaTokenizerFast", "trim_offsets": False,
                                          "add_prefix_space": False}},
    # special tokens outside the vocabulary take the next ids in transformers' order (unk,
    # then pad, then mask); special_tokens_map.json wins over tokenizer_config.json; of two
    # with the same text (bos, cls) the later one's lstrip stands.
    "new-specials": {
        "config.json": ROBERTA_CONFIG,
        "tokenizer_config.json": {"tokenizer_class": "RobertaTokenizer", "unk_token": "<unk>",
                                  "pad_token": {"__type": "AddedToken", "content": "<pad>", "lstrip": False,
                                                "rstrip": False, "normalized": True, "single_word": False}},
        "special_tokens_map.json": {"bos_token": "<s>", "unk_token": "<u2>", "pad_token": "<p2>",
                                    "cls_token": {"content": "<s>", "lstrip": True},
                                    "mask_token": {"content": "<mask>", "lstrip": True, "rstrip": True}},
    },
}


# tokenizer_config.json as a slow RobertaTokenizer's save_pretrained wrote it, with no
# special_tokens_map.json: every special token normalized (the same, with no normaliser).
VARIANTS["saved-config"] = {
    "config.json": ROBERTA_CONFIG,
    "tokenizer_config.json": {
        "errors": "replace", "bos_token": saved_token("<s>"), "eos_token": saved_token("</s>"),
        "sep_token": saved_token("</s>"), "cls_token": saved_token("<s>"), "unk_token": saved_token("<unk>"),
        "pad_token": saved_token("<pad>"), "mask_token": saved_token("<mask>", lstrip=True),
        "add_prefix_space": False, "trim_offsets": True, "model_max_length": 512, "special_tokens_map_file": None,
        "name_or_path": "roberta-base", "tokenizer_class": "RobertaTokenizer"},
}
EXTRA_TEXTS = ["<u2>", "a <u2> b <p2>", "x<p2>y", "  <s> a", "a <s>", "<pad> <unk>", "a  <mask>  b",
               "<mask><mask> <mask>"]


def write_slow_files(folder):
    with open(os.path.join(DATA, "bpe-roberta", "tokenizer.json"), encoding="utf-8") as f:
        model = json.load(f)["model"]
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(model["vocab"], f, ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for left, right in model["merges"]:
            f.write(f"{left} {right}\n")


def references(folder, texts, pairs):
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert type(tokenizer).__name__ == "RobertaTokenizer", type(tokenizer)
    return transformers_lines(tokenizer, texts, pairs)


def main():
    transformers.logging.set_verbosity_error()
    os.makedirs(OUT, exist_ok=True)
    write_slow_files(OUT)
    texts = read_records(os.path.join(DATA, "parity-texts.txt")) + EXTRA_TEXTS
    write_records(os.path.join(OUT, "texts.txt"), texts)
    write_variants(OUT, VARIANTS, ("vocab.json", "merges.txt"), texts, pair_cases(), references)

if __name__ == "__main__":
    main()
