#!/usr/bin/env python3
"""Makes the Hugging Face references of sequence pairs for test-tokenizer-pairs.

For a fixed list of pairs (texts of data/parity-texts.txt, with empty texts, and max_length
values that cut the first text, the second or both, or are smaller than the special tokens),
writes what tokenizers 0.23.3 gives for tokenizer.encode(a, b) with truncation longest_first
to max_length, for every tokenizer: the fixtures of data/ (and data/vocab.txt, as
BertWordPieceTokenizer reads it), a fixture with an unusual pair template (PAIR_VARIANT), and
the shared tokenizers (../shared/tokenizers/NAME, when present). Outputs:

  data/pairs/cases.txt   per pair: max_length on a line, then a and b as records (length in
                         bytes on a line, the text, a newline), as bert-tokenize --pairs reads
  data/pairs/NAME.txt    per pair a line of tokens id:type_id:sequence:start:end, sequence
                         -1 for special tokens, byte offsets into the token's own text

  /tmp/venv-lowprec/bin/python tests/tokenizer/make-pair-references.py [--shared ../shared]
"""
import argparse
import json
import os
import random

from tokenizers import Tokenizer
from tokenizers.implementations import BertWordPieceTokenizer

from length_records import read_records

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
PAIRS = os.path.join(DATA, "pairs")
FIXTURES = ["unigram-nmt-nfkc", "unigram-nmt-nfkc-cf", "unigram-byte-fallback", "unigram-hf", "bpe-roberta",
            "bpe-affixes"]
SHARED = ["all-MiniLM-L6-v2", "bert-base-cased", "bert-base-chinese", "bert-base-multilingual-cased",
          "uncased-vocab-cased-rules"]

# unigram-hf with this pair template instead of its own (test-tokenizer-pairs.c makes the
# same edit): no special token before $A, types other than 0 and 1, specials after $B only.
PAIR_FROM = ('"pair":[{"SpecialToken":{"id":"<s>","type_id":0}},{"Sequence":{"id":"A","type_id":0}},'
             '{"SpecialToken":{"id":"</s>","type_id":0}},{"SpecialToken":{"id":"</s>","type_id":0}},'
             '{"Sequence":{"id":"B","type_id":0}},{"SpecialToken":{"id":"</s>","type_id":0}}]')
PAIR_TO = ('"pair":[{"Sequence":{"id":"A","type_id":2}},{"SpecialToken":{"id":"</s>","type_id":3}},'
           '{"Sequence":{"id":"B","type_id":1}},{"SpecialToken":{"id":"<s>","type_id":1}},'
           '{"SpecialToken":{"id":"</s>","type_id":1}}]')
PAIR_VARIANT = "unigram-hf-pair-template"

LONG = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
EXPLICIT = [
    ("", "", 512), ("", "hello world", 512), ("hello world", "", 512), ("", LONG, 8), (LONG, "", 8),
    ("", "", 1), ("a", "b", 1), ("a", "b", 2), ("a b c", "d e f", 3), ("a b c", "d e f", 4),
    ("a b c", "d e f", 5), ("a b c", "d e f", 6), (LONG, LONG, 9), (LONG, LONG, 10), (LONG, LONG + " x", 9),
    (LONG + " x", LONG, 9), (LONG + " x y", LONG, 11), (LONG, "short", 9), ("short", LONG, 9),
    ("short", LONG, 12), (LONG, "short", 12), ("Hello, world!", "[SEP] <s> </s> [CLS]", 512),
    ("How many people live in Berlin?", "Berlin has a population of 3,520,031 registered inhabitants.", 512),
    ("How many people live in Berlin?", "Berlin has a population of 3,520,031 registered inhabitants.", 16),
]
MAX_LENGTHS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17, 24, 31, 512]
N_RANDOM = 50



def cases():
    texts = read_records(os.path.join(DATA, "parity-texts.txt"))
    rng = random.Random(15)
    drawn = []
    for _ in range(N_RANDOM):
        a, b = rng.choice(texts), rng.choice(texts)
        # Long texts only where they are cut: the references stay small.
        limit = rng.choice(MAX_LENGTHS[:-1]) if len(a) + len(b) > 60 else rng.choice(MAX_LENGTHS)
        drawn.append((a, b, limit))
    return EXPLICIT + drawn


def byte_positions(text):
    positions = [0]
    for c in text:
        positions.append(positions[-1] + len(c.encode("utf-8")))
    return positions


def reference_line(tokenizer, a, b, max_length):
    tokenizer.enable_truncation(max_length, strategy="longest_first")
    encoding = tokenizer.encode(a, b)
    assert all(mask == 1 for mask in encoding.attention_mask)
    positions = [byte_positions(a), byte_positions(b)]
    tokens = []
    for token_id, type_id, sequence, (start, end) in zip(encoding.ids, encoding.type_ids,
                                                         encoding.sequence_ids, encoding.offsets):
        if sequence is None:
            tokens.append(f"{token_id}:{type_id}:-1:0:0")
        else:
            tokens.append(f"{token_id}:{type_id}:{sequence}:{positions[sequence][start]}:"
                          f"{positions[sequence][end]}")
    return " ".join(tokens)


def tokenizers(shared):
    found = {name: Tokenizer.from_file(os.path.join(DATA, name, "tokenizer.json")) for name in FIXTURES}
    with open(os.path.join(DATA, "unigram-hf", "tokenizer.json"), encoding="utf-8") as f:
        config = f.read()
    assert PAIR_FROM in config
    found[PAIR_VARIANT] = Tokenizer.from_str(config.replace(PAIR_FROM, PAIR_TO))
    found["vocab"] = BertWordPieceTokenizer(os.path.join(DATA, "vocab.txt"))._tokenizer
    for name in SHARED:
        path = os.path.join(shared, "tokenizers", name, "tokenizer.json")
        if os.path.exists(path):
            found[name] = Tokenizer.from_file(path)
        else:
            print(f"{path} not found: its reference is not remade")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", default=os.path.join(HERE, "..", "..", "..", "shared"))
    args = parser.parse_args()
    pairs = cases()
    os.makedirs(PAIRS, exist_ok=True)
    with open(os.path.join(PAIRS, "cases.txt"), "wb") as f:
        for a, b, max_length in pairs:
            f.write(b"%d\n" % max_length)
            for text in (a, b):
                data = text.encode("utf-8")
                f.write(b"%d\n%s\n" % (len(data), data))
    for name, tokenizer in tokenizers(args.shared).items():
        tokenizer.no_padding()
        path = os.path.join(PAIRS, name + ".txt")
        with open(path, "w", encoding="utf-8") as f:
            for a, b, max_length in pairs:
                f.write(reference_line(tokenizer, a, b, max_length) + "\n")
        print(f"{path}: {os.path.getsize(path) / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
