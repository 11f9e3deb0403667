#!/usr/bin/env python3
"""Differential check, by hand: special tokens named by a RoBERTa (byte-level BPE) or XLM-R
(Unigram) folder's special_tokens_map.json and tokenizer_config.json, transformers 5 against
gst-bert's tokenizer (bert-tokenize).

usage: /tmp/venv-tokenizers/bin/python tests/tokenizer/check-special-tokens-folders.py \\
           [BERT_TOKENIZE]   (default: build/tests/tokenizer/bert-tokenize)

Needs transformers 5 (5.25 checked; no torch). Each variant is a folder with
tests/tokenizer/data's bpe-roberta or unigram-nmt-nfkc tokenizer.json, a config.json naming
the model type and the settings files of the variant. A text and a pair go through
AutoTokenizer and through bert-tokenize; where the ids differ, gst-bert must warn (its
tokenizer's warning, which bert-tokenize prints on stderr). Prints one line per variant and
exits 1 where gst-bert differs without a word.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from transformers import AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
BERT_TOKENIZE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "build", "tests",
                                                                      "tokenizer", "bert-tokenize")
FAMILIES = {"roberta": "bpe-roberta", "xlm-roberta": "unigram-nmt-nfkc"}
# name: (special_tokens_map.json, tokenizer_config.json), None where absent
VARIANTS = {
    "plain": (None, None),
    "same-names": ({"cls_token": "<s>", "sep_token": "</s>", "bos_token": "<s>", "eos_token": "</s>"}, None),
    "file-prefix-space": (None, {"add_prefix_space": True}),
    "map-swapped": ({"cls_token": "</s>", "sep_token": "<s>"}, {"add_prefix_space": True}),
    "map-cls-mask": ({"cls_token": "<mask>"}, {"add_prefix_space": True}),
    "map-sep-unk": ({"sep_token": "<unk>"}, {"add_prefix_space": True}),
    "map-pad-other": ({"pad_token": "<unk>"}, {"add_prefix_space": True}),
    "map-bos-eos-other": ({"bos_token": "<mask>", "eos_token": "<unk>"}, {"add_prefix_space": True}),
    "config-cls-mask": (None, {"cls_token": "<mask>", "add_prefix_space": True}),
    "config-sep-eos-unk": (None, {"sep_token": "<unk>", "eos_token": "<unk>", "add_prefix_space": True}),
    "config-added-special": (None, {"added_tokens_decoder": {"5": {
        "content": "!", "special": True, "lstrip": False, "rstrip": False, "normalized": False,
        "single_word": False}}, "cls_token": "!", "add_prefix_space": True}),
    "config-unk-other": (None, {"unk_token": "<pad>", "add_prefix_space": True}),
    "generic-class": ({"cls_token": "<mask>"}, {"tokenizer_class": "PreTrainedTokenizerFast"}),
}
TEXT, PAIR = "Hello world, this is zzqx!", "a dog"


def gst_ids(folder):
    """(single ids, pair ids, warning) from bert-tokenize, or (None, None, error)."""
    ids = []
    warning = ""
    for pairs, text in ((False, TEXT + "\n"), (True, TEXT + "\n" + PAIR + "\n")):
        run = subprocess.run([BERT_TOKENIZE] + (["--pairs"] if pairs else []) + [folder], input=text,
                             capture_output=True, text=True)
        if run.returncode != 0:
            return None, None, run.stderr.strip()
        ids.append([int(token.split(":")[0]) for token in run.stdout.split()])
        warning = run.stderr.strip()
    return ids[0], ids[1], warning


def main():
    silent = 0
    with tempfile.TemporaryDirectory(prefix="gst-bert-specials-") as scratch:
        for family, fixture in FAMILIES.items():
            for name, (special_tokens_map, tokenizer_config) in VARIANTS.items():
                folder = os.path.join(scratch, f"{family}-{name}")
                os.makedirs(folder)
                shutil.copy(os.path.join(DATA, fixture, "tokenizer.json"), folder)
                with open(os.path.join(folder, "config.json"), "w") as f:
                    json.dump({"model_type": family}, f)
                for file_name, value in (("special_tokens_map.json", special_tokens_map),
                                         ("tokenizer_config.json", tokenizer_config)):
                    if value is not None:
                        with open(os.path.join(folder, file_name), "w") as f:
                            json.dump(value, f)
                tokenizer = AutoTokenizer.from_pretrained(folder)
                want = (tokenizer(TEXT)["input_ids"], tokenizer(TEXT, PAIR)["input_ids"])
                single, pair, warning = gst_ids(folder)
                same = (single, pair) == want
                verdict = "same" if same else ("differs, warned" if warning else "DIFFERS SILENTLY")
                silent += not same and not warning
                print(f"{family:12} {name:22} {type(tokenizer).__name__:22} {verdict}")
    print(f"{silent} variant(s) differing without a warning")
    return 1 if silent else 0


if __name__ == "__main__":
    sys.exit(main())
