#!/usr/bin/env python3
"""Checks gst-bert's NFD, NFKD, NFC and NFKC normalised text against Hugging Face tokenizers'
on every code point, on every character's canonical decomposition, and on random strings of
the characters the normal forms rewrite, marks in every order and conjoining jamo, and of
long runs of marks.

Each form's text comes from bert-tokenize --normalized on a tokenizer.json holding that
normaliser alone (written to a scratch folder), the reference's from normalize_str.

  /tmp/venv-tokenizers/bin/python tests/tokenizer/check-normal-forms.py \\
      --cli build/tests/tokenizer/bert-tokenize [--random N] [--seed S]
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile

from tokenizers import Tokenizer, models, normalizers

FORMS = {"NFD": normalizers.NFD(), "NFKD": normalizers.NFKD(), "NFC": normalizers.NFC(),
         "NFKC": normalizers.NFKC()}
# marks of several combining classes, and the second parts of starter + starter compositions
MARKS = [0x300, 0x301, 0x308, 0x323, 0x327, 0x328, 0x304, 0x345, 0x5B0, 0x316, 0x1DCE, 0x3099, 0x309A,
         0x0B3E, 0x0CD5, 0x102E, 0x0F71, 0x0F72, 0x0F74]
JAMO = list(range(0x1100, 0x1113)) + list(range(0x1161, 0x1176)) + list(range(0x11A7, 0x11C3))


def code_points():
    """Every code point a line can hold: no surrogates, no line breaks, no NUL."""
    return [cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF and cp not in (0, 0x0A, 0x0D)]


def texts(count, seed):
    nfd, nfkd, nfc = FORMS["NFD"], FORMS["NFKD"], FORMS["NFC"]
    cps = code_points()
    lines = [chr(cp) for cp in cps]
    lines += [d for d in (nfd.normalize_str(chr(cp)) for cp in cps) if len(d) > 1]
    rewritten = [cp for cp in cps if nfkd.normalize_str(chr(cp)) != chr(cp) or nfc.normalize_str(chr(cp)) != chr(cp)]
    pool = rewritten + MARKS * 40 + JAMO * 5 + list(range(0x41, 0x7B)) * 5 + [0xAC00, 0xAC01, 0xAC1C]
    rng = random.Random(seed)
    lines += ["".join(chr(rng.choice(pool)) for _ in range(rng.randint(1, 8))) for _ in range(count)]
    # runs of marks longer than the insertion sort takes
    lines += ["a" + "".join(chr(rng.choice(MARKS)) for _ in range(rng.randint(17, 80))) for _ in range(count // 100)]
    return lines


def gst_bert_texts(cli, form, lines, work):
    folder = os.path.join(work, form)
    os.makedirs(folder)
    tokenizer = Tokenizer(models.WordPiece(vocab={"[UNK]": 0, "a": 1}, unk_token="[UNK]"))
    tokenizer.normalizer = FORMS[form]
    tokenizer.save(os.path.join(folder, "tokenizer.json"))
    data = ("\n".join(lines) + "\n").encode("utf-8")
    out = subprocess.run([cli, "--normalized", folder], input=data, capture_output=True, check=True).stdout
    return out.decode("utf-8").split("\n")[:len(lines)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cli", required=True, help="path of bert-tokenize")
    parser.add_argument("--random", type=int, default=200000, help="number of random strings")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    lines = texts(args.random, args.seed)
    failed = False
    with tempfile.TemporaryDirectory() as work:
        for form, normalizer in FORMS.items():
            got = gst_bert_texts(args.cli, form, lines, work)
            differ = [(line, text) for line, text in zip(lines, got) if normalizer.normalize_str(line) != text]
            for line, text in differ[:5]:
                print(f"{form}: {line!r}: {normalizer.normalize_str(line)!r} expected, {text!r} given")
            print(f"{form}: {len(differ)} of {len(lines)} texts differ")
            failed = failed or bool(differ) or len(got) != len(lines)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
