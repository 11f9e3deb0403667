#!/usr/bin/env python3
"""Generates bert_numeric_chars.c: the characters Hugging Face tokenizers' Digits
pre-tokenizer splits off (Rust's char::is_numeric: the numbers Nd, Nl and No of the Rust
release tokenizers was built with, newer than the Unicode of its regex engine).

The set is probed from tokenizers itself (pip install tokenizers): every code point that
Digits(individual_digits=True) makes a pre-token of its own between two letters.

  gen-numeric-chars.py > kernels/tokenizer/bert_numeric_chars.c
"""
from tokenizers import pre_tokenizers

from code_point_ranges import all_code_points, print_table, runs


def numeric_ranges():
    digits = pre_tokenizers.Digits(individual_digits=True)
    return runs(cp for cp in all_code_points() if len(digits.pre_tokenize_str("a" + chr(cp) + "a")) == 3)


def main():
    print_table("bert_numeric_chars.c", "gen-numeric-chars.py", "bert_numeric_chars.h", "numeric characters",
                "numeric_ranges", "bert_is_numeric_char", numeric_ranges())


if __name__ == "__main__":
    main()
