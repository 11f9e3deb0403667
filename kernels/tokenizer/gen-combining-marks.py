#!/usr/bin/env python3
"""Generates bert_combining_marks.c: the characters Hugging Face tokenizers' StripAccents
normaliser removes (unicode-normalization-alignments' is_combining_mark: the marks Mn, Mc
and Me of that crate's Unicode version, not today's).

The set is probed from tokenizers itself (pip install tokenizers): every code point that
StripAccents turns into nothing.

  gen-combining-marks.py > kernels/tokenizer/bert_combining_marks.c
"""
from tokenizers import normalizers

from code_point_ranges import all_code_points, print_table, runs


def mark_ranges():
    strip = normalizers.StripAccents()
    return runs(cp for cp in all_code_points() if strip.normalize_str(chr(cp)) == "")


def main():
    print_table("bert_combining_marks.c", "gen-combining-marks.py", "bert_combining_marks.h", "marks",
                "mark_ranges", "bert_is_combining_mark", mark_ranges())


if __name__ == "__main__":
    main()
