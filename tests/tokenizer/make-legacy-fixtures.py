#!/usr/bin/env python3
"""Writes the tokenizer fixtures again in the legacy forms of older tokenizers releases.

Files written by Hugging Face tokenizers before 0.9 have no model.type (bert-base-uncased,
distilbert-base-uncased, gpt2 and xlm-roberta-base on the Hub), and older ones carry other
old forms: BPE merges as "left right" strings, gpt2's empty continuing_subword_prefix and
end_of_word_suffix, no byte_fallback, fuse_unk or ignore_merges, Metaspace's str_rep and
add_prefix_space instead of prepend_scheme, truncation without direction. tokenizers 0.23
still reads them as the typed originals. For every fixture folder of tests/tokenizer/data/
holding expected.txt, this writes OUT/NAME-untyped/tokenizer.json (model.type removed), and
for some also OUT/NAME-legacy/tokenizer.json (every old form that applies). Each edit is
made on the file's text, so every other byte (scores included) stays as it was.
test-legacy-tokenizer-json checks that each encodes as its original; compare-with-hf.py
checks them against tokenizers itself. Python's standard library only:

  python3 tests/tokenizer/make-legacy-fixtures.py --out /tmp/legacy-fixtures

--from DIR writes only the untyped copy of every tokenizer folder of DIR (../shared/tokenizers,
real files of the Hub) instead.

With --wordpiece it (re)makes the WordPiece fixture data/wordpiece-bert (tokenizer.json and
expected.txt, from data/vocab.txt) with tokenizers 0.23.3 instead:

  /tmp/venv-tokenizers/bin/python tests/tokenizer/make-legacy-fixtures.py --wordpiece
"""
import argparse
import importlib.util
import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")


def replace_once(text, old, new):
    if text.count(old) != 1:
        raise SystemExit(f"make-legacy-fixtures: {old!r} is in the fixture {text.count(old)} times, not once")
    return text.replace(old, new)


def untyped(text):
    """The model without its "type" (the serializer wrote it first)."""
    match = re.search(r'"model":(\s*)\{(\s*)"type":\s*"(BPE|WordPiece|Unigram)",\s*', text)
    if match is None:
        raise SystemExit("make-legacy-fixtures: no typed model")
    return text[:match.start()] + '"model":' + match.group(1) + "{" + match.group(2) + text[match.end():]


def merges_as_strings(text):
    """BPE merges as "left right" strings after a "#version" line, as merges.txt has them."""
    start = text.index('"merges":[') + len('"merges":')
    merges, length = json.JSONDecoder().raw_decode(text[start:])
    lines = ["#version: 0.2"] + [f"{left} {right}" for left, right in merges]
    return text[:start] + json.dumps(lines, ensure_ascii=False, separators=(",", ":")) + text[start + length:]


def legacy(name, text):
    """Every old form that applies to the fixture; None where none beyond the missing type."""
    if not name.startswith(("bpe-", "unigram-", "wordpiece-")):
        return None  # no old form is made of it (albert-unigram keeps transformers' layout)
    text = untyped(text)
    text = replace_once(text, '"truncation":null', '"truncation":{"max_length":100000,"strategy":"LongestFirst","stride":0}')
    if name.startswith("bpe-"):
        text = replace_once(text, ',"fuse_unk":false,"byte_fallback":false,"ignore_merges":false', "")
        if '"continuing_subword_prefix":null' in text:  # gpt2's file
            text = replace_once(text, '"continuing_subword_prefix":null', '"continuing_subword_prefix":""')
            text = replace_once(text, '"end_of_word_suffix":null', '"end_of_word_suffix":""')
        return merges_as_strings(text)
    if name.startswith("unigram-"):
        if '"byte_fallback":false' in text:
            text = replace_once(text, ',"byte_fallback":false', "")
        scheme = re.search(r'"prepend_scheme":"(always|first)","split":true', text)
        if scheme is None or scheme.group(1) != "always":
            return None  # the old Metaspace could not say "first"
        return text.replace(scheme.group(0), '"str_rep":"\u2581","add_prefix_space":true')
    if name.startswith("wordpiece-"):
        # BertNormalizer and BertProcessing are read by their members too
        text = replace_once(text, '"normalizer":{"type":"BertNormalizer",', '"normalizer":{')
        return replace_once(text, '"post_processor":{"type":"BertProcessing",', '"post_processor":{')
    return None


def write_variants(out, source=None):
    """The fixtures' variants, or with source only the untyped copy of every tokenizer
    folder there."""
    origin = source or DATA
    names = sorted(name for name in os.listdir(origin)
                   if os.path.exists(os.path.join(origin, name, "tokenizer.json" if source else "expected.txt")))
    for name in names:
        with open(os.path.join(origin, name, "tokenizer.json"), encoding="utf-8") as f:
            text = f.read()
        variants = {"untyped": untyped(text), "legacy": None if source else legacy(name, text)}
        for kind, variant in variants.items():
            if variant is None:
                continue
            folder = os.path.join(out, f"{name}-{kind}")
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
                f.write(variant)


def make_wordpiece_fixture():
    from tokenizers import BertWordPieceTokenizer

    spec = importlib.util.spec_from_file_location("fixtures", os.path.join(HERE, "make-tokenizer-fixtures.py"))
    fixtures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fixtures)
    tokenizer = BertWordPieceTokenizer(os.path.join(DATA, "vocab.txt"), lowercase=True)
    texts = fixtures.read_records(os.path.join(DATA, fixtures.TEXTS))
    folder = os.path.join(DATA, "wordpiece-bert")
    os.makedirs(folder, exist_ok=True)
    tokenizer.save(os.path.join(folder, "tokenizer.json"), pretty=False)
    with open(os.path.join(folder, fixtures.EXPECTED), "w", encoding="utf-8") as f:
        for text in texts:
            f.write(fixtures.expected_line(tokenizer, text) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", help="folder for the legacy variants")
    parser.add_argument("--from", dest="source",
                        help="with --out: only untyped copies of every tokenizer folder of SOURCE")
    parser.add_argument("--stamp", help="file to touch when done (for meson)")
    parser.add_argument("--wordpiece", action="store_true", help="remake data/wordpiece-bert")
    args = parser.parse_args()
    if args.wordpiece:
        make_wordpiece_fixture()
    if args.out:
        write_variants(args.out, args.source)
    if args.stamp:
        open(args.stamp, "w").close()


if __name__ == "__main__":
    main()
