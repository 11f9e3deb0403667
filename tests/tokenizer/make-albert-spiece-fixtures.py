#!/usr/bin/env python3
"""Makes the fixtures of ALBERT folders with spiece.model and no tokenizer.json.

For each variant of tokenizer_config.json below, builds a folder of data/albert-unigram's
spiece.model (make-albert-fixtures.py; trained with sentencepiece's identity rule, so
without a charsmap) and that file, loads it with transformers' AutoTokenizer
(AlbertTokenizer, which builds its tokenizer from spiece.model) and writes under
data/albert-spiece/VARIANT/:

  spiece.model           only in nmt-nfkc: a model of its own, for nmt-nfkc and
                         nmt-nfkc-accents, trained here with sentencepiece's nmt_nfkc rule
                         (as albert-base-v2's), whose Precompiled charsmap AlbertTokenizer
                         adds to the normalisers; 3,000 pieces from 0.4 MB of
                         make-corpus.py's text (about 280 kB). With keep_accents there is
                         no NFKD before it, so the charsmap alone maps compatibility
                         characters (fullwidth forms, ligatures)
  tokenizer_config.json  the variant's settings
  expected.txt           per text of data/spm-slow/texts.txt, tokenizer(text): id:type_id:start:end
  expected-pairs.txt     per case of data/pairs/cases.txt, tokenizer([a], [b], truncation
                         "longest_first", max_length)

test-spm-slow-files builds the same folders and compares.

  /tmp/venv-tokenizers/bin/python tests/tokenizer/make-albert-spiece-fixtures.py
(transformers 5.25, tokenizers 0.23.3, sentencepiece; no network).
"""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile

import transformers
from transformers import AutoTokenizer

from length_records import read_records
from slow_fixtures import pair_cases, transformers_lines, write_json_files, write_lines

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
OUT = os.path.join(DATA, "albert-spiece")
MODEL = os.path.join(DATA, "albert-unigram", "spiece.model")


def load_script(name):
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), os.path.join(HERE, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ALBERT = load_script("make-albert-fixtures")
NMT_NFKC = "nmt-nfkc"
NMT_NFKC_CORPUS_MB = 0.4
NMT_NFKC_VOCAB_SIZE = 3000

VARIANTS = {
    "lower": {"tokenizer_class": "AlbertTokenizer"},
    "cased": {"tokenizer_class": "AlbertTokenizer", "do_lower_case": False},
    "lower-accents": {"tokenizer_class": "AlbertTokenizer", "keep_accents": True},
    "cased-accents": {"tokenizer_class": "AlbertTokenizer", "do_lower_case": False, "keep_accents": True},
    "no-prefix": {"tokenizer_class": "AlbertTokenizer", "add_prefix_space": False},
    NMT_NFKC: {"tokenizer_class": "AlbertTokenizer"},
    NMT_NFKC + "-accents": {"tokenizer_class": "AlbertTokenizer", "do_lower_case": False, "keep_accents": True},
}


def train_nmt_nfkc_model(path):
    """spiece.model with the nmt_nfkc charsmap, trained offline (num_threads 1, no shuffle:
    the same corpus gives the same model; the temporary paths the trainer records are
    replaced by their names, so the same file)."""
    from sentencepiece import sentencepiece_model_pb2

    with tempfile.TemporaryDirectory() as directory:
        corpus = os.path.join(directory, "corpus.txt")
        subprocess.run([sys.executable, os.path.join(HERE, "..", "..", "benchmarks", "tokenizer", "make-corpus.py"),
                        corpus, "--size", str(NMT_NFKC_CORPUS_MB), "--shared", os.path.join(directory, "none")],
                       check=True, stdout=subprocess.DEVNULL)
        model = sentencepiece_model_pb2.ModelProto()
        with open(ALBERT.train_spiece(corpus, directory, "nmt_nfkc", NMT_NFKC_VOCAB_SIZE), "rb") as f:
            model.ParseFromString(f.read())
    model.trainer_spec.input[:] = ["corpus.txt"]
    model.trainer_spec.model_prefix = "spiece"
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def main():
    transformers.logging.set_verbosity_error()
    texts = read_records(os.path.join(DATA, "spm-slow", "texts.txt"))
    pairs = pair_cases()
    for name, config in VARIANTS.items():
        variant = os.path.join(OUT, name)
        shutil.rmtree(variant, ignore_errors=True)
        os.makedirs(variant)
        model = MODEL
        if name.startswith(NMT_NFKC):
            model = os.path.join(OUT, NMT_NFKC, "spiece.model")
        if name == NMT_NFKC:
            train_nmt_nfkc_model(model)
        with tempfile.TemporaryDirectory() as folder:
            shutil.copy(model, os.path.join(folder, "spiece.model"))
            write_json_files({"tokenizer_config.json": config}, variant, folder)
            tokenizer = AutoTokenizer.from_pretrained(folder)
            assert type(tokenizer).__name__ == "AlbertTokenizer", type(tokenizer)
            singles, pair_lines = transformers_lines(tokenizer, texts, pairs)
        write_lines(variant, (("expected.txt", singles), ("expected-pairs.txt", pair_lines)))
        print(f"{variant}: {len(singles)} texts, {len(pair_lines)} pairs")


if __name__ == "__main__":
    main()
