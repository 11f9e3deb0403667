#!/usr/bin/env python3
"""Writes the texts that sit on the edges of the WordPiece shapes' fast paths and Hugging
Face's outputs for them, from the fixtures already in data/wordpiece-shapes.

The normaliser steps copy whole the runs of text they leave unchanged and rewrite only what
lies between (NFD from the start of the cluster of the first character it changes,
StripAccents and BertNormalizer's removals and rewrites character by character); the
splitters read roles from tables of the BMP; StripAccents reads the BMP's marks from a
bitmap. These texts put the characters each step changes next to, inside and at both ends
of runs it leaves as they are, marks before the first starter, marks out of order, marks
that decompose into marks, and characters past the BMP. The fixtures themselves are only
read (make-wordpiece-fixtures.py makes them).

  /tmp/venv-tokenizers/bin/python tests/tokenizer/make-run-edge-references.py

writes data/wordpiece-shapes/run-edges.txt (the texts, as length-prefixed records) and, in
each fixture's folder, run-edges-expected.txt (one line per text, as expected.txt).
"""
import importlib.util
import os

from tokenizers import Tokenizer

from length_records import write_records

HERE = os.path.dirname(os.path.abspath(__file__))
SHAPES = os.path.join(HERE, "data", "wordpiece-shapes")
FIXTURES = ["tutorial", "cased", "bert-whitespace", "bert-sequence", "digits", "punctuation", "punct-runs"]

TEXTS = [
    # precomposed letters NFD changes, at the start, middle and end of ASCII runs
    "Élan vital, ÉCOLE normale, café, naïve, Zoë",
    "abcdefgÉhijklmnop abcdefghÉ ABCDEFGHIJé é",
    "ÀÁÂÃÄÅ ÇÈÉÊË ìíîï ñòóôõö ùúûü ýÿ",
    # decomposed letters (NFD leaves them), and a changed letter right after them
    "cafe\u0301 CAFE\u0301S e\u0301É A\u0301B",
    # marks before any starter, marks that decompose into marks, marks out of order
    "\u0301abc \u0344x x\u0301\u0344y",
    "a\u0323\u0302 a\u0302\u0323 ệ Ệ q\u0307\u0323 q\u0323\u0307",
    "x\u0315\u0300\u05ae\u0300b a\u0f74\u0f73 a\u0f73\u0f74",
    # Hangul, Devanagari with nukta, the Angstrom sign, Greek with two marks
    "한국어 text 한글 ABC",
    "\u0958\u0959 abc \u212b \u1f52 Ὢ ὢ",
    # marks of the BMP far from the usual blocks, between ASCII letters
    "x\u20d0y z\ufe20w a\u1dc0b c\u302ad e\u0903f g\u093fh",
    # past the BMP: musical symbols that decompose into marks, a mark, letters, emoji
    "\U0001d15e\U0001d160 a\U0001d167b \U0001d400\U0001d401 abc \U0001f600 \U00020000x",
    # BertNormalizer: controls, tabs and newlines, no-break spaces, U+FFFD, CJK between ASCII
    "a\x01b\x7fc\td\ne\rf g\u00a0h\u2003i \ufffdj \u200dk",
    "abc中文def 日本語テキスト x漢y",
    # Lowercase: characters that lower to another length or to several, between ASCII
    "İstanbul ΣΑΣ ẞtraße KELVIN\u212a Ǆ ǅ ǆ ﬁne",
    # digits of other scripts, runs of digits and punctuation
    "abc١٢٣def 12x 4.5 ⅻ ½ ²³ ٣.١٤",
    "e.g. «quoted» — dash… (paren) [x]{y} ¿qué? ¡sí!",
    # long ASCII runs with one changed character past eight bytes
    "The quick brown fox jumps over the lazy dög again and again and again",
    "",
    "   ",
    "\u0301",
]


def expected_line():
    spec = importlib.util.spec_from_file_location("make_tokenizer_fixtures",
                                                  os.path.join(HERE, "make-tokenizer-fixtures.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.expected_line


def main():
    line_of = expected_line()
    write_records(os.path.join(SHAPES, "run-edges.txt"), TEXTS)
    for name in FIXTURES:
        tokenizer = Tokenizer.from_file(os.path.join(SHAPES, name, "tokenizer.json"))
        with open(os.path.join(SHAPES, name, "run-edges-expected.txt"), "w", encoding="utf-8") as f:
            for text in TEXTS:
                f.write(line_of(tokenizer, text) + "\n")
        print(f"{name}: {len(TEXTS)} texts")


if __name__ == "__main__":
    main()
