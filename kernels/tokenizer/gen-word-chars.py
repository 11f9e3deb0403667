#!/usr/bin/env python3
"""Generates bert_word_chars.c: the characters of the regex class \\w that Hugging Face
tokenizers tests around a single_word added token (its regex crate's Unicode tables).

The class is probed from tokenizers itself (pip install tokenizers), so it follows the
Unicode version of the reference: for every code point c, whether an added token with
single_word is still found right after c and right before it.

  gen-word-chars.py TOKENIZER_JSON > kernels/tokenizer/bert_word_chars.c

TOKENIZER_JSON: any tokenizer.json without a normaliser (tests/tokenizer/data/bpe-roberta/).
"""
import sys

from tokenizers import AddedToken, Tokenizer

from code_point_ranges import print_table, runs

PROBE = "\u2603\u2603"


def word_ranges(path):
    tokenizer = Tokenizer.from_file(path)
    tokenizer.add_tokens([AddedToken(PROBE, single_word=True, normalized=False)])
    probe = tokenizer.token_to_id(PROBE)
    cps = [cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF and cp != 0x2603]
    before = tokenizer.encode_batch([chr(cp) + PROBE for cp in cps], add_special_tokens=False)
    after = tokenizer.encode_batch([PROBE + chr(cp) for cp in cps], add_special_tokens=False)
    word = []
    for cp, b, a in zip(cps, before, after):
        if (probe in b.ids) != (probe in a.ids):
            sys.exit(f"U+{cp:04X} is a word character on one side only")
        if probe not in b.ids:
            word.append(cp)
    return runs(word)


def main():
    print_table("bert_word_chars.c", "gen-word-chars.py", "bert_word_chars.h", "\\w characters", "word_ranges",
                "bert_is_word_char", word_ranges(sys.argv[1]))


if __name__ == "__main__":
    main()
