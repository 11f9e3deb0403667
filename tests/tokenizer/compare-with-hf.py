#!/usr/bin/env python3
"""Compares gst-bert's tokenizer with Hugging Face tokenizers on wide text.

Tokenizes every line of the given text files (and, with --random, random strings drawn from
all Unicode planes) with Hugging Face tokenizers (pip install tokenizers) and with our
library through bert-tokenize, and reports every sequence whose ids or byte offsets differ.

  compare-with-hf.py --cli build-a/tests/tokenizer/bert-tokenize \
      --tokenizer ../shared/tokenizers/bert-base-multilingual-cased --text corpus.txt \
      [--random 20000] [--seed 1] [--show 5]

--tokenizer may be repeated; it is a folder holding tokenizer.json, or one without it that
transformers' AutoTokenizer reads (a RoBERTa's vocab.json and merges.txt: transformers needed). --all-options also
checks the 24 combinations of the normaliser's settings on each. --pairs compares sequence
pairs instead: each text paired with another drawn at random, encode (a, b) truncated
longest first to each --max-length given (default 512), with type ids and the sequence of
each token. Exit status 1 when anything differs.
"""
import argparse
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import unicodedata

from tokenizers import Tokenizer

# Characters that make random strings interesting: ASCII, whitespace and controls, marks
# of every combining class, CJK, Hangul, and the edges of the planes.
INTERESTING = ("abcXYZ019 \t\n\r\x00\x01\x0b\x1f\x7f\x85\xa0\xad\u0300\u0301\u0316\u0334\u0345"
               "\u093c\u094d\u0f71\u0f73\u1b44\u302e\u16ff0\U0001d165\U0001d15f\u00e9\u0130\u03a3"
               "\u4e00\uf900\U00020000\uac00\ud7a3\u2028\u3000\ufeff\ufffd\U000e0001\U0010ffff")


# Snippets: the special tokens, matched in the raw text, and near misses; those of the
# Unigram and byte-level BPE tokenizers (<mask> strips the space on its left), Metaspace's and
# ByteLevel's own characters, contractions, the quotes and space runs XLM-R's normaliser rewrites.
SNIPPETS = ["[CLS]", "[SEP]", "[MASK]", "[UNK]", "[PAD]", "[mask]", "[MASK", "##", "[[SEP]]",
            "<s>", "</s>", "<mask>", " <mask>", "<unk>", "<pad>", "<s", "\u2581", "\u0120", "'s",
            "'re", "'LL", "``", "''", "   ", "\r\n"]

# Characters of non-zero canonical combining class, kept or dropped by strip_accents, and
# precomposed characters that decompose into them: canonical reordering shows on these.
MARKS = [chr(cp) for cp in range(0x110000)
         if not 0xD800 <= cp <= 0xDFFF and unicodedata.combining(chr(cp))]
PRECOMPOSED = [chr(cp) for cp in range(0x110000)
               if not 0xD800 <= cp <= 0xDFFF
               and any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", chr(cp)))
               and unicodedata.normalize("NFD", chr(cp)) != chr(cp)]


def random_cluster(rng):
    """A base (or precomposed) character and a few combining marks in random order."""
    base = rng.choice(PRECOMPOSED) if rng.random() < 0.5 else rng.choice("aeoAEO ᄀ가中\u0915")
    return base + "".join(rng.choice(MARKS) for _ in range(rng.randrange(0, 6)))


def random_char(rng):
    roll = rng.random()
    if roll < 0.05:
        return rng.choice(SNIPPETS)
    if roll < 0.15:
        return random_cluster(rng)
    if roll < 0.35:
        return rng.choice(INTERESTING)
    if roll < 0.6:
        return chr(rng.randrange(0x20, 0x3000))
    while True:
        cp = rng.randrange(0, 0x110000)
        if not 0xD800 <= cp <= 0xDFFF:
            return chr(cp)


def random_texts(count, seed):
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        length = rng.choice([1, 2, 3, 5, 8, 20, 60, 150])
        texts.append("".join(random_char(rng) for _ in range(length)))
    return texts


def read_texts(paths):
    texts = []
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as f:
            texts.extend(line.rstrip("\n") for line in f)
    return texts


def byte_offsets(text):
    """Byte position of each character index (and of the end)."""
    positions = [0]
    for c in text:
        positions.append(positions[-1] + len(c.encode("utf-8")))
    return positions


def hf_tokens(tokenizer, texts):
    result = []
    for text, encoding in zip(texts, tokenizer.encode_batch(texts, add_special_tokens=True)):
        # Character offsets are byte offsets in ASCII text (most corpus lines): skip the map.
        position = range(len(text) + 1) if text.isascii() else byte_offsets(text)
        tokens = []
        for token_id, (start, end), special in zip(encoding.ids, encoding.offsets,
                                                    encoding.special_tokens_mask):
            if special and (start, end) == (0, 0):
                tokens.append((token_id, 0, 0))
            else:
                tokens.append((token_id, position[start], position[end]))
        result.append(tokens)
    return result


def run_bert_tokenize(cli, path, texts):
    """(encodings, None) where bert-tokenize loads path (a folder or a tokenizer.json) and
    encodes texts, else (None, its error)."""
    data = bytearray()
    for text in texts:
        encoded = text.encode("utf-8")
        data += b"%d\n%s\n" % (len(encoded), encoded)
    run = subprocess.run([cli, "--records", path], input=data, capture_output=True, check=False)
    if run.returncode != 0:
        return None, run.stderr.decode(errors="replace").strip()
    lines = run.stdout.decode().split("\n")[:-1]
    return [[tuple(int(v) for v in item.split(":")) for item in line.split()] for line in lines], None


def our_tokens(cli, folder, texts):
    encodings, error = run_bert_tokenize(cli, folder, texts)
    if error is not None:
        sys.exit(f"bert-tokenize failed on {folder}: {error}")
    if len(encodings) != len(texts):
        sys.exit(f"bert-tokenize gave {len(encodings)} lines for {len(texts)} texts")
    return encodings


def hf_pair_tokens(tokenizer, pairs, max_length):
    tokenizer.enable_truncation(max_length, strategy="longest_first")
    result = []
    # One by one: encode_batch of pairs ran out of memory on a byte-level BPE (0.23.3).
    for pair in pairs:
        encoding = tokenizer.encode(*pair)
        position = [byte_offsets(text) for text in pair]
        tokens = []
        for token_id, type_id, sequence, (start, end) in zip(encoding.ids, encoding.type_ids,
                                                             encoding.sequence_ids, encoding.offsets):
            if sequence is None:
                tokens.append((token_id, type_id, -1, 0, 0))
            else:
                tokens.append((token_id, type_id, sequence, position[sequence][start],
                               position[sequence][end]))
        result.append(tokens)
    return result


def our_pair_tokens(cli, folder, pairs, max_length):
    data = bytearray()
    for pair in pairs:
        for text in pair:
            encoded = text.encode("utf-8")
            data += b"%d\n%s\n" % (len(encoded), encoded)
    run = subprocess.run([cli, "--records", "--pairs", "--max-length", str(max_length), folder], input=data,
                         capture_output=True, check=False)
    if run.returncode != 0:
        sys.exit(f"bert-tokenize failed on {folder}: {run.stderr.decode(errors='replace')}")
    lines = run.stdout.decode().split("\n")[:-1]
    if len(lines) != len(pairs):
        sys.exit(f"bert-tokenize gave {len(lines)} lines for {len(pairs)} pairs")
    return [[tuple(int(v) for v in item.split(":")) for item in line.split()] for line in lines]


def hf_tokenizer(folder):
    """The folder's tokenizer.json, else the tokenizer transformers builds from its other files."""
    path = os.path.join(folder, "tokenizer.json")
    if os.path.exists(path):
        return Tokenizer.from_file(path)
    from transformers import AutoTokenizer
    return AutoTokenizer.from_pretrained(folder).backend_tokenizer


def compare_pairs(cli, folder, texts, show, max_lengths, seed, chunk=20000):
    tokenizer = hf_tokenizer(folder)
    tokenizer.no_padding()
    rng = random.Random(seed)
    pairs = [(text, rng.choice(texts)) for text in texts]
    mismatches = 0
    for max_length in max_lengths:
        for begin in range(0, len(pairs), chunk):
            part = pairs[begin:begin + chunk]
            expected = hf_pair_tokens(tokenizer, part, max_length)
            got = our_pair_tokens(cli, folder, part, max_length)
            for i in range(len(part)):
                if expected[i] != got[i]:
                    if mismatches < show:
                        print(f"  max_length {max_length}, pair {part[i]!r}\n    hf:  {expected[i]}\n"
                              f"    our: {got[i]}")
                    mismatches += 1
    return mismatches


def compare(cli, folder, texts, show, chunk=50000):
    tokenizer = hf_tokenizer(folder)
    tokenizer.no_truncation()
    tokenizer.no_padding()
    mismatches = 0
    for begin in range(0, len(texts), chunk):
        part = texts[begin:begin + chunk]
        expected = hf_tokens(tokenizer, part)
        got = our_tokens(cli, folder, part)
        for i in range(len(part)):
            if expected[i] != got[i]:
                if mismatches < show:
                    print(f"  text {part[i]!r}\n    hf:  {expected[i]}\n    our: {got[i]}")
                mismatches += 1
    return mismatches


def option_variants(folder, directory):
    """Copies of the folder's tokenizer.json with every BertNormalizer setting combination."""
    with open(os.path.join(folder, "tokenizer.json"), encoding="utf-8") as f:
        config = json.load(f)
    variants = []
    for clean, chinese, strip, lower in itertools.product([True, False], [True, False],
                                                          [None, True, False], [True, False]):
        config["normalizer"].update(clean_text=clean, handle_chinese_chars=chinese,
                                    strip_accents=strip, lowercase=lower)
        name = f"clean{int(clean)}-chinese{int(chinese)}-strip{strip}-lower{int(lower)}"
        variant = os.path.join(directory, name)
        os.makedirs(variant)
        with open(os.path.join(variant, "tokenizer.json"), "w", encoding="utf-8") as f:
            json.dump(config, f)
        variants.append(variant)
    return variants


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cli", required=True, help="path of bert-tokenize")
    parser.add_argument("--tokenizer", action="append", required=True, help="tokenizer folder")
    parser.add_argument("--text", action="append", default=[], help="text file, one per line")
    parser.add_argument("--random", type=int, default=0, help="number of random strings")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=5, help="mismatches shown per tokenizer")
    parser.add_argument("--all-options", action="store_true",
                        help="also every clean_text/handle_chinese_chars/strip_accents/lowercase "
                             "combination of each tokenizer")
    parser.add_argument("--pairs", action="store_true", help="compare sequence pairs")
    parser.add_argument("--max-length", type=int, action="append",
                        help="with --pairs: truncate each pair to N tokens (repeatable; default 512)")
    args = parser.parse_args()

    texts = read_texts(args.text) + random_texts(args.random, args.seed)
    scratch = tempfile.TemporaryDirectory()
    folders = list(args.tokenizer)
    if args.all_options:
        for i, folder in enumerate(args.tokenizer):
            folders += option_variants(folder, os.path.join(scratch.name, str(i)))
    total = 0
    for folder in folders:
        if args.pairs:
            max_lengths = args.max_length or [512]
            count = compare_pairs(args.cli, folder, texts, args.show, max_lengths, args.seed)
            print(f"{folder}: {count} of {len(texts) * len(max_lengths)} pairs differ", flush=True)
        else:
            count = compare(args.cli, folder, texts, args.show)
            print(f"{folder}: {count} of {len(texts)} sequences differ", flush=True)
        total += count
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    main()
