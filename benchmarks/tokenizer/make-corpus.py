#!/usr/bin/env python3
"""Builds a large multilingual text corpus, one sequence per line, from what this machine has.

Sources, all offline:
  - the translations of every gettext catalogue under /usr/share/locale (about 200 languages:
    the user-visible messages of Debian's programs, in Latin, Cyrillic, Greek, Arabic,
    Hebrew, Indic, Thai, CJK, Hangul, Ethiopic and more scripts);
  - the locale definitions of /usr/share/i18n/locales (native names of languages, months...);
  - Python's own CJK test texts (test/cjkencodings/*-utf8.txt);
  - the texts of gst-bert's shared reference inputs and the model READMEs, when present.

Lines are deduplicated, shuffled with a fixed seed (so languages mix as in a live stream) and
the list is repeated until the output reaches --size megabytes.

  make-corpus.py OUTPUT [--size 64] [--shared ../shared]
"""
import argparse
import gettext
import glob
import json
import os
import random
import sys
import sysconfig


def catalogue_lines(path):
    try:
        with open(path, "rb") as f:
            catalogue = gettext.GNUTranslations(f)
    except Exception:  # a broken or foreign .mo file: skip it
        return []
    lines = []
    for key, value in catalogue._catalog.items():
        if key == "" or (isinstance(key, tuple) and key[0] == ""):
            continue  # the header
        lines.extend(value.split("\n"))
    return lines


def text_file_lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read().split("\n")


def shared_lines(shared):
    lines = []
    inputs = os.path.join(shared, "reference", "inputs.jsonl")
    if os.path.exists(inputs):
        with open(inputs, encoding="utf-8") as f:
            lines.extend(json.loads(line) for line in f)
    for readme in glob.glob(os.path.join(shared, "models", "*", "README.md")):
        lines.extend(text_file_lines(readme))
    return lines


def collect(shared):
    lines = []
    for path in sorted(glob.glob("/usr/share/locale/*/LC_MESSAGES/*.mo")):
        lines.extend(catalogue_lines(path))
    for path in sorted(glob.glob("/usr/share/i18n/locales/*")):
        if os.path.isfile(path):
            lines.extend(text_file_lines(path))
    test_dir = os.path.join(sysconfig.get_paths()["stdlib"], "test", "cjkencodings")
    for path in sorted(glob.glob(os.path.join(test_dir, "*-utf8.txt"))):
        lines.extend(text_file_lines(path))
    lines.extend(shared_lines(shared))
    unique = sorted({line.strip() for line in lines if line.strip()})
    random.Random(1).shuffle(unique)
    return unique


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output")
    parser.add_argument("--size", type=float, default=64, help="megabytes to write")
    parser.add_argument("--shared", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                         "..", "shared"))
    args = parser.parse_args()
    lines = collect(args.shared)
    if not lines:
        sys.exit("no text found")
    target = int(args.size * 1e6)
    written = 0
    with open(args.output, "w", encoding="utf-8") as out:
        while written < target:
            for line in lines:
                data = line + "\n"
                out.write(data)
                written += len(data.encode("utf-8"))
                if written >= target:
                    break
    print(f"{args.output}: {written / 1e6:.1f} MB from {len(lines)} distinct lines")


if __name__ == "__main__":
    main()
