#!/usr/bin/env python3
"""Makes XLM-R and CamemBERT folders of sentencepiece.bpe.model and transformers' outputs.

Many XLM-R and CamemBERT repositories have no tokenizer.json, only the slow tokenizer's
sentencepiece.bpe.model (with special_tokens_map.json or tokenizer_config.json), which
transformers turns into a tokenizer in XLMRobertaTokenizer's or CamembertTokenizer's
constructor. This trains two small sentencepiece Unigram models offline, as
make-tokenizer-fixtures.py does, and writes under tests/tokenizer/data/spm-slow/:

  nfkc.model               nmt_nfkc, no byte pieces
  nfkc-cf-bytes.model      nmt_nfkc_cf with byte_fallback on (256 byte pieces)
  texts.txt                the first TEXTS records of data/parity-texts.txt (the hostile
                           strings, then sampled corpus lines) and a few of special tokens
  VARIANT/                 the other files of a folder (see VARIANTS; model.txt names its
                           .model) and transformers' outputs for the folder:
    expected.txt           per text, tokenizer(text): id:type_id:start:end
    expected-pairs.txt     for PAIR_VARIANTS, per case of data/pairs/cases.txt, tokenizer([a], [b], truncation
                           "longest_first", max_length): id:type_id:sequence:start:end
with byte offsets. test-spm-slow-files builds the same folders and compares.

  /tmp/venv-tokenizers/bin/python tests/tokenizer/make-spm-slow-fixtures.py
(transformers 5, tokenizers 0.23.3, sentencepiece, protobuf; no network).
"""
import importlib.util
import os
import shutil
import tempfile

import transformers
from transformers import AutoTokenizer

from length_records import read_records, write_records
from slow_fixtures import pair_cases, saved_token, transformers_lines, write_json_files, write_lines

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
OUT = os.path.join(DATA, "spm-slow")
VOCAB_SIZE = 1000
TEXTS = 100
# the variants whose pairs are compared too (the others differ from them in settings only)
PAIR_VARIANTS = ("xlmr-map", "xlmr-no-prefix", "camembert-map")


def load_script(name):
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), os.path.join(HERE, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FIXTURES = load_script("make-tokenizer-fixtures")

XLMR_MAP = {
    "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>", "pad_token": "<pad>",
    "cls_token": "<s>",
    "mask_token": {"content": "<mask>", "single_word": False, "lstrip": True, "rstrip": False,
                   "normalized": False},
}
VARIANTS = {
    # config.json alone names the class
    "xlmr-config": ("nfkc.model", {"config.json": {"model_type": "xlm-roberta"}}),
    # the usual fine-tune: special_tokens_map.json's <mask> strips the space on its left
    "xlmr-map": ("nfkc.model", {"config.json": {"model_type": "xlm-roberta"}, "special_tokens_map.json": XLMR_MAP}),
    # tokenizer_config.json as a transformers 4 slow tokenizer saved it: every token normalized
    "xlmr-saved-config": ("nfkc-cf-bytes.model", {"tokenizer_config.json": {
        **{key: saved_token(value) for key, value in XLMR_MAP.items() if key != "mask_token"},
        "mask_token": saved_token("<mask>", lstrip=True), "model_max_length": 512,
        "tokenizer_class": "XLMRobertaTokenizer"}}),
    "xlmr-no-prefix": ("nfkc-cf-bytes.model", {"tokenizer_config.json": {
        "tokenizer_class": "XLMRobertaTokenizerFast", "add_prefix_space": False}}),
    "camembert-config": ("nfkc.model", {"config.json": {"model_type": "camembert"}}),
    # camembert-base's special_tokens_map.json: its additional_special_tokens are not added
    "camembert-map": ("nfkc-cf-bytes.model", {"config.json": {"model_type": "camembert"},
                                              "special_tokens_map.json": {
        **XLMR_MAP, "mask_token": {"content": "<mask>", "single_word": False, "lstrip": True, "rstrip": False,
                                   "normalized": True},
        "additional_special_tokens": ["<s>NOTUSED", "</s>NOTUSED"]}}),
}
EXTRA_TEXTS = ["<s>NOTUSED a </s>NOTUSED", "<unk>NOTUSED", "x <mask>y", "a  <mask>  b", "<pad><unk> <s>",
               "tab\tsep\u3000ideographic\u00a0nbsp\u2009thin\u0085nel", " \u2581 lone \u2581\u2581 bars"]


def train(corpus, directory, name, rule, byte_fallback):
    import sentencepiece as spm
    # The model records its input and prefix as given: relative to the work directory, so that
    # the temporary directory's name does not make each run's file differ.
    cwd = os.getcwd()
    os.chdir(directory)
    try:
        # the byte pieces count in the vocabulary size
        spm.SentencePieceTrainer.train(
            input=os.path.relpath(corpus, directory), model_prefix=name,
            vocab_size=VOCAB_SIZE + (256 if byte_fallback else 0), model_type="unigram",
            normalization_rule_name=rule, byte_fallback=byte_fallback, character_coverage=0.98,
            num_threads=1, shuffle_input_sentence=False, minloglevel=2)
    finally:
        os.chdir(cwd)
    shutil.copy(os.path.join(directory, name + ".model"), os.path.join(OUT, name + ".model"))


def main():
    transformers.logging.set_verbosity_error()
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        corpus = FIXTURES.training_text(work)
        train(corpus, work, "nfkc", "nmt_nfkc", False)
        train(corpus, work, "nfkc-cf-bytes", "nmt_nfkc_cf", True)
    texts = read_records(os.path.join(DATA, "parity-texts.txt"))[:TEXTS] + EXTRA_TEXTS
    write_records(os.path.join(OUT, "texts.txt"), texts)
    pairs = pair_cases()
    for name, (model, files) in VARIANTS.items():
        variant = os.path.join(OUT, name)
        shutil.rmtree(variant, ignore_errors=True)
        os.makedirs(variant)
        with open(os.path.join(variant, "model.txt"), "w", encoding="utf-8") as f:
            f.write(model + "\n")
        with tempfile.TemporaryDirectory() as folder:
            shutil.copy(os.path.join(OUT, model), os.path.join(folder, "sentencepiece.bpe.model"))
            write_json_files(files, variant, folder)
            tokenizer = AutoTokenizer.from_pretrained(folder)
            assert type(tokenizer).__name__ in ("XLMRobertaTokenizer", "CamembertTokenizer"), type(tokenizer)
            singles, pair_lines = transformers_lines(tokenizer, texts, pairs if name in PAIR_VARIANTS else [])
        write_lines(variant, [("expected.txt", singles)] + ([("expected-pairs.txt", pair_lines)] if pair_lines else []))
        print(f"{variant}: {len(singles)} texts, {len(pair_lines)} pairs")


if __name__ == "__main__":
    main()
