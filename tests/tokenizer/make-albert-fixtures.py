#!/usr/bin/env python3
"""Makes the ALBERT tokenizer fixture of tests/tokenizer/data/albert-unigram.

ALBERT folders (albert-base-v2 and its fine-tunes) ship a SentencePiece Unigram model,
spiece.model, and mostly a tokenizer.json that transformers made of it: AlbertTokenizer
(transformers 5) or AlbertConverter (earlier) write normalizers Replace ``->" and ''->",
NFKD and StripAccents (keep_accents false), Lowercase (do_lower_case true) and the model's
Precompiled charsmap; pre-tokenizers WhitespaceSplit then Metaspace (prepend always);
TemplateProcessing [CLS] $A [SEP] / [CLS] $A [SEP] $B:1 [SEP]:1. This trains a small
sentencepiece Unigram model offline on the corpus make-tokenizer-fixtures.py trains on, with
ALBERT's special pieces at ALBERT's ids (<pad> 0, <unk> 1, [CLS] 2, [SEP] 3, [MASK] 4),
loads it as transformers 5 loads such a folder, and writes under data/albert-unigram/ (or
--out). The committed fixture is trained with --rule identity: sentencepiece's nmt_nfkc
charsmap alone weighs about 240 kB in each file, and the Precompiled normalizer is covered
by the XLM-R fixtures and, for a slow ALBERT folder, by data/albert-spiece/nmt-nfkc
(make-albert-spiece-fixtures.py); --rule nmt_nfkc makes albert-base-v2's pipeline with it,
which compare-with-hf.py checked (docs/tokenizer.md).

  spiece.model          the sentencepiece model (the slow folder's file)
  tokenizer.json        what AlbertTokenizer.save_pretrained writes of it
  tokenizer_config.json its tokenizer_config.json
  expected.txt          per record of data/parity-texts.txt, tokenizers' encode(text):
                        id:type_id:start:end with byte offsets (test-subword-tokenizers)

  /tmp/venv-tokenizers/bin/python tests/tokenizer/make-albert-fixtures.py
(transformers 5.25, tokenizers 0.23.3, sentencepiece; no network).
"""
import argparse
import importlib.util
import os
import shutil
import tempfile

from tokenizers import Tokenizer
from transformers import AlbertTokenizer

from length_records import read_records

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
OUT = os.path.join(DATA, "albert-unigram")
VOCAB_SIZE = 1000


def load_script(name):
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), os.path.join(HERE, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FIXTURES = load_script("make-tokenizer-fixtures")


def train_spiece(train, directory, rule, vocab_size=VOCAB_SIZE):
    import sentencepiece as spm

    prefix = os.path.join(directory, "spiece")
    spm.SentencePieceTrainer.train(
        input=train, model_prefix=prefix, vocab_size=vocab_size, model_type="unigram",
        normalization_rule_name=rule, character_coverage=0.98, pad_id=0, unk_id=1, bos_id=-1,
        eos_id=-1, control_symbols=["[CLS]", "[SEP]", "[MASK]"], num_threads=1,
        shuffle_input_sentence=False, minloglevel=2)
    return prefix + ".model"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=OUT)
    parser.add_argument("--rule", default="identity", help="sentencepiece normalization_rule_name")
    args = parser.parse_args()
    out = args.out
    with tempfile.TemporaryDirectory() as directory:
        model_file = train_spiece(FIXTURES.training_text(directory), directory, args.rule)
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        shutil.copy(model_file, os.path.join(out, "spiece.model"))
    tokenizer = AlbertTokenizer.from_pretrained(out)
    assert [tokenizer.convert_tokens_to_ids(t) for t in ["<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"]] == [
        0, 1, 2, 3, 4]
    tokenizer.save_pretrained(out)
    fast = Tokenizer.from_file(os.path.join(out, "tokenizer.json"))
    texts = FIXTURES.HOSTILE + read_records(os.path.join(DATA, FIXTURES.TEXTS))[-FIXTURES.SAMPLED_LINES:]
    with open(os.path.join(out, "expected.txt"), "w", encoding="utf-8") as f:
        for text in texts:
            f.write(FIXTURES.expected_line(fast, text) + "\n")
    print(f"{out}: {os.path.getsize(os.path.join(out, 'tokenizer.json')) / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
