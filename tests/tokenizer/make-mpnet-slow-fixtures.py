#!/usr/bin/env python3
"""Makes MPNet folders of vocab.txt (no tokenizer.json) and transformers' outputs on them.

MPNet folders of sentence-transformers (all-mpnet-base-v2's kind) may have only vocab.txt,
tokenizer_config.json ("tokenizer_class": "MPNetTokenizer") and special_tokens_map.json,
which transformers turns into a tokenizer in MPNetTokenizer's constructor: BERT's
WordPiece, normaliser and pre-tokenizer with RoBERTa's <s> A </s> template. From the
vocabulary of data/wordpiece-shapes/mpnet/tokenizer.json this writes, under
tests/tokenizer/data/mpnet-slow/:

  vocab.txt                that vocabulary laid out as all-mpnet-base-v2's is: <s> <pad>
                           </s> <unk> first, then [UNK] and the pieces, <mask> last
  texts.txt                data/parity-texts.txt's texts and a few of special tokens, as
                           records (length in bytes on a line, the text, a newline)
  VARIANT/                 the other files of a folder (config.json, special_tokens_map.json,
                           tokenizer_config.json: see VARIANTS), and transformers' outputs
                           for the folder made of them and vocab.txt:
    expected.txt           per text of texts.txt, tokenizer(text): id:type_id:start:end
    expected-pairs.txt     per case of data/pairs/cases.txt, tokenizer([a], [b], truncation
                           "longest_first", max_length): id:type_id:sequence:start:end,
                           sequence -1 for special tokens
with byte offsets (type ids from the backend tokenizer: MPNet's model takes none, and
they are all 0). test-mpnet-slow-files builds the same folders and compares.

  /tmp/venv-torch/bin/python tests/tokenizer/make-mpnet-slow-fixtures.py
(transformers 5.25 and tokenizers 0.23.3; no network).
"""
import json
import os

import transformers
from transformers import AutoTokenizer

from length_records import read_records, write_records
from slow_fixtures import DATA, encoding_line, pair_cases, write_variants

OUT = os.path.join(DATA, "mpnet-slow")

# all-mpnet-base-v2's own tokenizer_config.json and special_tokens_map.json (unk_token is
# [UNK], not the <unk> its vocabulary also holds; <mask> strips the space before it).
ALL_MPNET_CONFIG = {
    "do_lower_case": True, "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
    "unk_token": "[UNK]", "pad_token": "<pad>", "mask_token": "<mask>", "tokenize_chinese_chars": True,
    "strip_accents": None, "model_max_length": 512, "special_tokens_map_file": None,
    "name_or_path": "microsoft/mpnet-base", "tokenizer_class": "MPNetTokenizer"}
ALL_MPNET_SPECIAL_MAP = {
    "bos_token": "<s>", "eos_token": "</s>", "unk_token": "[UNK]", "sep_token": "</s>", "pad_token": "<pad>",
    "cls_token": "<s>",
    "mask_token": {"content": "<mask>", "single_word": False, "lstrip": True, "rstrip": False,
                   "normalized": False}}
MPNET_CONFIG = {"architectures": ["MPNetModel"], "model_type": "mpnet"}
VARIANTS = {
    "all-mpnet": {"config.json": MPNET_CONFIG, "tokenizer_config.json": ALL_MPNET_CONFIG,
                  "special_tokens_map.json": ALL_MPNET_SPECIAL_MAP},
    # the class from config.json's model_type, MPNetTokenizer's defaults for everything
    "model-type": {"config.json": MPNET_CONFIG},
    # the Fast twin named, a cased tokenizer that strips accents and splits no CJK, <unk>
    "cased": {"tokenizer_config.json": {"tokenizer_class": "MPNetTokenizerFast", "do_lower_case": False,
                                        "strip_accents": True, "tokenize_chinese_chars": False,
                                        "unk_token": "<unk>"}},
    # special tokens outside the vocabulary take the next ids (pad, then mask); a
    # normalized one is matched in the lowercased text
    "new-specials": {
        "config.json": MPNET_CONFIG,
        "tokenizer_config.json": {"tokenizer_class": "MPNetTokenizer", "pad_token": "<p2>"},
        "special_tokens_map.json": {"mask_token": {"content": "<m2>", "lstrip": False, "rstrip": True,
                                                   "normalized": True, "single_word": False}}},
    # members AddedToken lacks, which transformers ignores ("Ignored unknown kwarg option"):
    # <mask>'s misspelt "singel_word" leaves it matched inside words ("a<mask>b"); gst-bert warns
    "unknown-members": {
        "config.json": MPNET_CONFIG,
        "tokenizer_config.json": dict(ALL_MPNET_CONFIG, unk_token={"content": "[UNK]", "foo": 1,
                                                                   "__type": "AddedToken"}),
        "special_tokens_map.json": dict(ALL_MPNET_SPECIAL_MAP, mask_token={
            "content": "<mask>", "singel_word": True, "lstrip": True, "rstrip": False, "normalized": False})},
}
EXTRA_TEXTS = ["<s> a </s>", "a <mask> b", "a  <mask>  b", "<mask><mask> <mask>", "<unk> [UNK] [unk]",
               "x<p2>y <P2>", "<m2> <M2>x y  <m2>", "Hello <MASK> WORLD", "<pad>", "naïve Café 東京 ÅNGSTRÖM"]


def write_vocab(path):
    with open(os.path.join(DATA, "wordpiece-shapes", "mpnet", "tokenizer.json"), encoding="utf-8") as f:
        vocab = json.load(f)["model"]["vocab"]
    first = ["<s>", "<pad>", "</s>", "<unk>"]
    pieces = [token for token, _ in sorted(vocab.items(), key=lambda item: item[1])
              if token not in first + ["<mask>"]]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(first + pieces + ["<mask>"]) + "\n")


def references(folder, texts, pairs):
    """transformers' ids and offsets; the backend tokenizer's encodings give the type ids
    that MPNetTokenizer does not return, and its ids and offsets are checked to be the
    tokenizer's own."""
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert type(tokenizer).__name__ == "MPNetTokenizer", type(tokenizer)
    backend = tokenizer.backend_tokenizer
    singles = []
    for text in texts:
        encoding = backend.encode(text)
        own = tokenizer(text, return_offsets_mapping=True)
        assert (own["input_ids"], [tuple(o) for o in own["offset_mapping"]]) == (encoding.ids, encoding.offsets)
        singles.append(encoding_line(encoding, [text], False))
    pair_lines = []
    for a, b, max_length in pairs:
        backend.enable_truncation(max_length, strategy="longest_first")
        encoding = backend.encode(a, b)
        own = tokenizer([a], [b], truncation="longest_first", max_length=max_length)
        assert own["input_ids"][0] == encoding.ids, (a, b, max_length)
        pair_lines.append(encoding_line(encoding, [a, b], True))
    backend.no_truncation()
    return singles, pair_lines


def main():
    transformers.logging.set_verbosity_error()
    os.makedirs(OUT, exist_ok=True)
    write_vocab(os.path.join(OUT, "vocab.txt"))
    texts = read_records(os.path.join(DATA, "parity-texts.txt")) + EXTRA_TEXTS
    write_records(os.path.join(OUT, "texts.txt"), texts)
    write_variants(OUT, VARIANTS, ("vocab.txt",), texts, pair_cases(), references)

if __name__ == "__main__":
    main()
