#!/usr/bin/env python3
"""Writes the seeds that start the tokenizer-json, config and safetensors fuzzers inside the
newest readers: NFC/NFKC/NFKD and StripAccents normalisers, nested Sequences, tokenizer.json's
truncation direction and tokenizer_config.json's truncation_side, and the shapes a hostile file
gives them (empty patterns, huge numbers, duplicate keys). Each seed is the 60-token WordPiece
seed corpus/tokenizer-json/wordpiece-bare with one part changed, so it stays small; the
safetensors seeds are corpus/safetensors/f32 with transformers' legacy LayerNorm names
(gamma, beta).

Run once and commit the output; deterministic. Usage: make-edge-seeds.py (writes corpus/).
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def base():
    with open(os.path.join(CORPUS, "tokenizer-json", "wordpiece-bare"), encoding="utf-8") as f:
        return json.load(f)


def with_parts(**parts):
    result = base()
    result.update(parts)
    return result


def sequence(*stages):
    return {"type": "Sequence", "normalizers": list(stages)}


def nested(depth, leaf):
    for _ in range(depth):
        leaf = sequence(leaf)
    return leaf


BERT_PRE = {"type": "BertPreTokenizer"}

TOKENIZER_SEEDS = {
    "normal-form-nfc": with_parts(normalizer=sequence({"type": "NFC"}, {"type": "Lowercase"}),
                                  pre_tokenizer=BERT_PRE),
    "normal-form-nfkc": with_parts(normalizer={"type": "NFKC"}, pre_tokenizer=BERT_PRE),
    "normal-form-nfkd-strip": with_parts(
        normalizer=sequence({"type": "NFKD"}, {"type": "StripAccents"}, {"type": "Lowercase"}),
        pre_tokenizer={"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"},
                                                             {"type": "Digits", "individual_digits": True},
                                                             {"type": "Punctuation", "behavior": "Isolated"}]}),
    "normal-form-nfd-strip": with_parts(normalizer=sequence({"type": "NFD"}, {"type": "StripAccents"}),
                                        pre_tokenizer={"type": "Whitespace"}),
    "nested-sequences": with_parts(normalizer=nested(12, {"type": "NFC"}),
                                   pre_tokenizer={"type": "Sequence", "pretokenizers": [
                                       {"type": "Sequence", "pretokenizers": [BERT_PRE]}]}),
    "truncation-left": with_parts(truncation={"direction": "Left", "max_length": 8, "strategy": "LongestFirst",
                                              "stride": 0}),
    "truncation-right-huge": with_parts(truncation={"direction": "Right", "max_length": 18446744073709551615,
                                                    "strategy": "LongestFirst", "stride": 0}),
    "replace-empty-pattern": with_parts(normalizer=sequence(
        {"type": "Replace", "pattern": {"String": ""}, "content": "x"}, {"type": "NFKC"})),
    "config-truncation-side-left": {"truncation_side": "left", "do_lower_case": True, "model_max_length": 8},
    "config-truncation-side-bad": {"truncation_side": "middle", "model_max_length": -1},
    "config-transformers5": {"tokenizer_class": "BertTokenizer", "do_lower_case": False, "strip_accents": True,
                             "tokenize_chinese_chars": False, "cls_token": "[CLS]", "sep_token": "[SEP]"},
}


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def renamed_safetensors(renamings):
    """corpus/safetensors/f32 with its tensor names renamed (header length rewritten)."""
    with open(os.path.join(CORPUS, "safetensors", "f32"), "rb") as f:
        data = f.read()
    length = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + length])
    renamed = {}
    for name, value in header.items():
        for old, new in renamings:
            name = name.replace(old, new)
        renamed.setdefault(name, value)
    text = json.dumps(renamed).encode()
    return struct.pack("<Q", len(text)) + text + data[8 + length:]


def main():
    # transformers' legacy LayerNorm names (bert_tensor_names.c), and one layer's weight under both.
    legacy = renamed_safetensors([("LayerNorm.weight", "LayerNorm.gamma"), ("LayerNorm.bias", "LayerNorm.beta")])
    with open(os.path.join(CORPUS, "safetensors", "legacy-gamma-beta"), "wb") as f:
        f.write(legacy)
    both = renamed_safetensors([("embeddings.LayerNorm.bias", "embeddings.LayerNorm.beta")])
    with open(os.path.join(CORPUS, "safetensors", "legacy-beta-one-layer"), "wb") as f:
        f.write(both)
    for name, value in TOKENIZER_SEEDS.items():
        write(os.path.join(CORPUS, "tokenizer-json", name), json.dumps(value, indent=1, ensure_ascii=False) + "\n")
    # Duplicate keys: json.dumps cannot write them, JSON-GLib keeps the last.
    write(os.path.join(CORPUS, "tokenizer-json", "duplicate-normalizer"),
          json.dumps(base(), indent=1, ensure_ascii=False)[:-2]
          + ',\n "normalizer": {"type": "NFKC"},\n "normalizer": {"type": "NFD"}\n}\n')


if __name__ == "__main__":
    main()
