#!/usr/bin/env python3
"""Generates kernels/tokenizer/bert_unicode_tables.c from Hugging Face tokenizers itself.

Hugging Face's BertNormalizer and BertPreTokenizer use Rust crates whose Unicode data lag the
current standard (unassigned code points count as control characters and are removed, marks
added since count as letters, ...). Rather than rebuilding those rules from today's Unicode
database, this script asks the reference, code point by code point:

  - clean_text: is the character removed, mapped to ' ', or kept?
  - handle_chinese_chars: does it get spaces around it (CJK ideograph)?
  - BertPreTokenizer: is it a split point (whitespace, removed) or isolated (punctuation)?
  - the NFD decomposition, whether strip_accents drops it (nonspacing mark), the strip_accents
    mapping (NFD minus marks), the lowercase mapping and both combined;
  - the canonical combining class, as far as canonical reordering reveals it (NFD sorts marks
    of a run by class; the class value itself comes from Python's unicodedata, checked against
    what the reference's reordering shows).

Usage: pip install tokenizers; python3 scripts/gen-unicode-tables.py kernels/tokenizer/bert_unicode_tables.c
"""
import sys
import unicodedata

import tokenizers
from tokenizers import normalizers, pre_tokenizers

BLOCK_SHIFT = 7
N_CODE_POINTS = 0x110000

FLAG_REMOVED = 1 << 0      # clean_text removes it (control, unassigned, U+0000, U+FFFD)
FLAG_CLEAN_SPACE = 1 << 1  # clean_text maps it to ' '
FLAG_SPLIT_SPACE = 1 << 2  # BertPreTokenizer splits on it and drops it
FLAG_PUNCT = 1 << 3        # BertPreTokenizer isolates it
FLAG_CJK = 1 << 4          # handle_chinese_chars puts spaces around it
FLAG_NONSPACING = 1 << 5   # strip_accents drops it after NFD
FLAG_REORDERS = 1 << 6     # its NFD holds a character of non-zero combining class
FLAG_HANGUL = 1 << 7       # a Hangul syllable: NFD splits it into jamo by arithmetic

MAX_SEQUENCE = 4           # BERT_UNICODE_MAX_SEQUENCE in bert_unicode.h
HANGUL_FIRST, HANGUL_COUNT = 0xAC00, 11172

# Probe marks of known combining class, used to see how the reference reorders.
PROBES = [0x0334, 0x093C, 0x094D, 0x05B0, 0x0F71, 0x0E38, 0x0327, 0x031B, 0x0316, 0x059A,
          0x0301, 0x0315, 0x035C, 0x035D, 0x0345]


def normalizer(strip_accents, lowercase, clean_text=False, chinese=False):
    return normalizers.BertNormalizer(clean_text=clean_text, handle_chinese_chars=chinese,
                                      strip_accents=strip_accents, lowercase=lowercase)


def code_points():
    for cp in range(N_CODE_POINTS):
        if not 0xD800 <= cp <= 0xDFFF:
            yield cp


def classify(cp, clean, chinese, pretok):
    c = chr(cp)
    flags = 0
    cleaned = clean.normalize_str("a" + c + "b")
    if cleaned == "ab":
        flags |= FLAG_REMOVED
    elif cleaned == "a b" and c != " ":
        flags |= FLAG_CLEAN_SPACE
    elif c == " ":
        flags |= FLAG_CLEAN_SPACE
    elif cleaned != "a" + c + "b":
        raise SystemExit(f"U+{cp:04X}: unexpected clean_text result {cleaned!r}")
    if chinese.normalize_str("a" + c + "b") == "a " + c + " b":
        flags |= FLAG_CJK
    pieces = [p for p, _ in pretok.pre_tokenize_str("a" + c + "b")]
    if pieces == ["a", "b"]:
        flags |= FLAG_SPLIT_SPACE
    elif pieces == ["a", c, "b"]:
        flags |= FLAG_PUNCT
    elif pieces != ["a" + c + "b"]:
        raise SystemExit(f"U+{cp:04X}: unexpected pre-tokenization {pieces!r}")
    return flags


def reference_ccc(cp, nfd):
    """The combining class as the reference's NFD reorders it (0 when it never moves)."""
    c = chr(cp)
    if nfd.normalize_str(c) != c:
        return 0
    moves_before_240 = nfd.normalize_str("a\u0345" + c) == "a" + c + "\u0345"
    lets_1_before = nfd.normalize_str("a" + c + "\u0334") == "a\u0334" + c
    if not (moves_before_240 or lets_1_before):
        return 0
    ccc = unicodedata.combining(c)
    for probe in PROBES:
        if probe == cp:
            continue
        p = chr(probe)
        pc = unicodedata.combining(p)
        moved = nfd.normalize_str("a" + p + c) == "a" + c + p
        let_before = nfd.normalize_str("a" + c + p) == "a" + p + c
        if moved != (0 < ccc < pc) or let_before != (0 < pc < ccc):
            raise SystemExit(f"U+{cp:04X}: reference reorders it unlike combining class {ccc}")
    return ccc


def hangul_jamo(cp):
    """The Unicode standard's arithmetic decomposition of a Hangul syllable."""
    index = cp - HANGUL_FIRST
    jamo = [0x1100 + index // 588, 0x1161 + (index % 588) // 28]
    if index % 28:
        jamo.append(0x11A7 + index % 28)
    return "".join(chr(j) for j in jamo)


def fold_hangul(table):
    """Hangul syllables decompose by arithmetic in C; check the reference does the same."""
    for cp in range(HANGUL_FIRST, HANGUL_FIRST + HANGUL_COUNT):
        flags, ccc, decomposed, stripped, lowered, both = table[cp]
        jamo = hangul_jamo(cp)
        if (decomposed, stripped, lowered, both) != (jamo, jamo, chr(cp), jamo):
            raise SystemExit(f"U+{cp:04X}: the reference does not decompose it as the standard")
        table[cp] = [flags | FLAG_HANGUL, ccc, chr(cp), chr(cp), chr(cp), chr(cp)]


def collect():
    clean = normalizer(False, False, clean_text=True)
    chinese = normalizer(False, False, chinese=True)
    strip = normalizer(True, False)
    lower = normalizer(False, True)
    strip_lower = normalizer(True, True)
    pretok = pre_tokenizers.BertPreTokenizer()
    nfd = normalizers.NFD()
    table = {}
    for cp in code_points():
        c = chr(cp)
        flags = classify(cp, clean, chinese, pretok)
        decomposed = nfd.normalize_str(c)
        stripped = strip.normalize_str(c)
        if decomposed == c and stripped == "":
            flags |= FLAG_NONSPACING
        table[cp] = [flags, reference_ccc(cp, nfd), decomposed, stripped,
                     lower.normalize_str(c), strip_lower.normalize_str(c)]
    for cp, entry in table.items():
        decomposed = entry[2]
        if any(table[ord(d)][1] for d in decomposed):
            entry[0] |= FLAG_REORDERS
        kept = "".join(d for d in decomposed if not table[ord(d)][0] & FLAG_NONSPACING)
        if kept != entry[3]:
            raise SystemExit(f"U+{cp:04X}: strip_accents is not NFD minus nonspacing marks")
    fold_hangul(table)
    return table


class SequencePool:
    """Mappings: a single character as (delta << 1), so that runs of letters share records;
    anything else as (index << 1) | 1 into a pool of [length, code points...]."""

    def __init__(self):
        self.data = []
        self.index = {}

    def add(self, cp, text):
        if len(text) == 1:
            return (ord(text) - cp) << 1
        key = tuple(ord(t) for t in text)
        if len(key) > MAX_SEQUENCE:
            raise SystemExit(f"U+{cp:04X} maps to {len(key)} characters; raise BERT_UNICODE_MAX_SEQUENCE")
        if key not in self.index:
            self.index[key] = len(self.data)
            self.data.append(len(key))
            self.data.extend(key)
        return (self.index[key] << 1) | 1


def build(table):
    pool = SequencePool()
    records = [(0, 0, 0, 0, 0, 0)]
    record_index = {records[0]: 0}
    per_cp = [0] * N_CODE_POINTS
    for cp, (flags, ccc, decomposed, stripped, lowered, both) in table.items():
        record = (flags, ccc, pool.add(cp, decomposed), pool.add(cp, stripped),
                  pool.add(cp, lowered), pool.add(cp, both))
        if record not in record_index:
            record_index[record] = len(records)
            records.append(record)
        per_cp[cp] = record_index[record]
    # Surrogates cannot come out of the UTF-8 decoder; give them the record of an unassigned
    # code point so the blocks stay uniform.
    unassigned = per_cp[0x0378]
    for cp in range(0xD800, 0xE000):
        per_cp[cp] = unassigned
    block_size = 1 << BLOCK_SHIFT
    blocks, block_index, stage1 = [], {}, []
    for start in range(0, N_CODE_POINTS, block_size):
        block = tuple(per_cp[start:start + block_size])
        if block not in block_index:
            block_index[block] = len(blocks)
            blocks.append(block)
        stage1.append(block_index[block])
    return stage1, [v for b in blocks for v in b], records, pool.data


def c_array(values, per_line=20):
    lines = []
    for i in range(0, len(values), per_line):
        lines.append("  " + ",".join(str(v) for v in values[i:i + per_line]) + ",")
    return "\n".join(lines)


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    stage1, stage2, records, sequences = build(collect())
    record_lines = ",\n".join("  {%d,%d,{%d,%d,%d,%d}}" % r for r in records)
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        out.write(f"""/* Generated by scripts/gen-unicode-tables.py from Hugging Face tokenizers {tokenizers.__version__}:
 * the character classes and mappings of its BertNormalizer and BertPreTokenizer, learned by
 * running them on every code point. Do not edit. */
#include "bert_unicode.h"

const uint16_t bert_unicode_stage1[{len(stage1)}] = {{
{c_array(stage1)}
}};

const uint16_t bert_unicode_stage2[{len(stage2)}] = {{
{c_array(stage2)}
}};

const BertUnicodeRecord bert_unicode_records[{len(records)}] = {{
{record_lines}
}};

const uint32_t bert_unicode_sequences[{len(sequences)}] = {{
{c_array(sequences, 12)}
}};
""")
    print(f"{len(stage1)} stage-1 entries, {len(stage2) >> BLOCK_SHIFT} blocks, "
          f"{len(records)} records, {len(sequences)} sequence words")


if __name__ == "__main__":
    main()
