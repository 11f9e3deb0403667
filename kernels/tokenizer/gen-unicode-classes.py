#!/usr/bin/env python3
"""Generates bert_unicode_classes.c: per code point, what the Unigram and byte-level BPE
pipelines need to know that bert_unicode_tables.c does not say.

  gen-unicode-classes.py --segmentation-tables unicode-segmentation/src/tables.rs \
      [--ucd /usr/share/unicode] > kernels/tokenizer/bert_unicode_classes.c

- The byte-level pre-tokenizer's regex classes (\\p{L}, \\p{N}, \\s, anything else) are probed
  from Hugging Face tokenizers itself (pip install tokenizers), so they follow the Unicode
  version of its regex engine (Oniguruma), not today's.
- The grapheme cluster break property, Extended_Pictographic and Indic_Conjunct_Break (for
  the Precompiled normaliser, which works grapheme by grapheme) come from the tables of the
  Rust crate the reference segments with, unicode-segmentation (tokenizers 0.23.3 links
  1.13.x: Unicode 17.0; `git clone https://github.com/unicode-rs/unicode-segmentation`,
  tag v1.13.2, src/tables.rs). Debian's Unicode 15.0 files lack the marks added since
  (U+1AD0.. join the letter before them in the reference) and Indic_Conjunct_Break.
- White_Space (Rust's char::is_whitespace, for Strip and trim_offsets) comes from the
  Unicode Character Database files that Debian's unicode-data package installs
  (apt-get install unicode-data); it has not changed since.
"""
import argparse
import os
import re
import sys

from tokenizers import pre_tokenizers

GCB = ["Other", "CR", "LF", "Control", "Extend", "ZWJ", "Regional_Indicator", "Prepend",
       "SpacingMark", "L", "V", "T", "LV", "LVT"]
EXT_PICT = 1 << 4
BYTE_CLASS_SHIFT = 5  # 0 other, 1 letter, 2 number, 3 whitespace
WHITE_SPACE = 1 << 7
INCB_SHIFT = 8  # Indic_Conjunct_Break: 0 none, 1 Consonant, 2 Linker, 3 Extend
BLOCK_SHIFT = 7
MAX_CP = 0x110000


def ranges(path, wanted):
    """(first, last, value) for every line of a UCD property file whose value is wanted."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#")[0].strip()
            if not line:
                continue
            cps, value = [part.strip() for part in line.split(";")[:2]]
            if value not in wanted:
                continue
            first, _, last = cps.partition("..")
            yield int(first, 16), int(last or first, 16), value


def char_value(text):
    """A Rust char literal's code point: '\\u{94d}'."""
    return int(re.fullmatch(r"'\\u\{([0-9a-fA-F]+)\}'", text.strip()).group(1), 16)


def segmentation_values(path):
    """Grapheme classes per code point from unicode-segmentation's tables.rs."""
    with open(path, encoding="utf-8") as f:
        source = f.read()
    values = [0] * MAX_CP
    table = re.search(r"grapheme_cat_table: &\[\(char, char, GraphemeCat\)\] = &\[(.*?)\];",
                      source, re.S).group(1)
    for first, last, name in re.findall(r"\(('[^']+'),\s*('[^']+'),\s*GC_(\w+)\)", table):
        if name == "Extended_Pictographic":
            value = EXT_PICT
        elif name == "InCB_Consonant":
            value = 1 << INCB_SHIFT
        else:
            value = GCB.index("Other" if name == "Any" else name)
        for cp in range(char_value(first), char_value(last) + 1):
            values[cp] |= value
    extend = re.search(r"InCB_Extend_table: &\[\(char, char\)\] = &\[(.*?)\];", source,
                       re.S).group(1)
    for first, last in re.findall(r"\(('[^']+'),\s*('[^']+')\)", extend):
        for cp in range(char_value(first), char_value(last) + 1):
            values[cp] |= 3 << INCB_SHIFT
    linkers = re.search(r"fn is_incb_linker\(c: char\) -> bool \{(.*?)\}\n", source,
                        re.S).group(1)
    for literal in re.findall(r"'[^']+'", linkers):
        cp = char_value(literal)
        values[cp] = (values[cp] & ~(3 << INCB_SHIFT)) | 2 << INCB_SHIFT
    return values


def byte_level_class(pre, cp):
    c = chr(cp)
    if len(pre.pre_tokenize_str("a" + c)) == 1:
        return 1
    if len(pre.pre_tokenize_str("1" + c)) == 1:
        return 2
    if len(pre.pre_tokenize_str("!" + c)) == 1:
        return 0
    return 3


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--segmentation-tables", required=True,
                        help="src/tables.rs of the unicode-segmentation crate")
    parser.add_argument("--ucd", default="/usr/share/unicode")
    args = parser.parse_args()
    values = segmentation_values(args.segmentation_tables)
    for first, last, _ in ranges(os.path.join(args.ucd, "PropList.txt"), {"White_Space"}):
        for cp in range(first, last + 1):
            values[cp] |= WHITE_SPACE
    pre = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    for cp in range(MAX_CP):
        if 0xD800 <= cp < 0xE000:
            continue
        values[cp] |= byte_level_class(pre, cp) << BYTE_CLASS_SHIFT

    blocks, stage1, index = [], [], {}
    for start in range(0, MAX_CP, 1 << BLOCK_SHIFT):
        block = tuple(values[start:start + (1 << BLOCK_SHIFT)])
        if block not in index:
            index[block] = len(blocks)
            blocks.append(block)
        stage1.append(index[block])

    out = sys.stdout
    out.write("/* bert_unicode_classes.c: generated by gen-unicode-classes.py; do not edit.\n"
              " * Grapheme break property, Extended_Pictographic, byte-level regex class,\n"
              " * White_Space and Indic_Conjunct_Break per code point (see\n"
              " * bert_unicode_classes.h). */\n"
              "#include \"bert_unicode_classes.h\"\n\n")
    out.write(f"const uint16_t bert_unicode_class_stage1[{len(stage1)}] = {{\n")
    for i in range(0, len(stage1), 16):
        out.write("  " + ", ".join(str(v) for v in stage1[i:i + 16]) + ",\n")
    out.write("};\n\n")
    out.write(f"const uint16_t bert_unicode_class_stage2[{len(blocks) << BLOCK_SHIFT}] = {{\n")
    for block in blocks:
        for i in range(0, len(block), 32):
            out.write("  " + ", ".join(str(v) for v in block[i:i + 32]) + ",\n")
    out.write("};\n")


if __name__ == "__main__":
    main()
