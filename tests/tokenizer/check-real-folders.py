#!/usr/bin/env python3
"""Checks gst-bert's tokenizer on real tokenizer folders against Hugging Face.

For each folder (tokenizer files of a Hub model as a public repository commits them:
tokenizer.json, tokenizer_config.json, special_tokens_map.json, vocab.txt, vocab.json and
merges.txt, sentencepiece.bpe.model, config.json), says whether gst-bert (bert-tokenize),
Hugging Face tokenizers (Tokenizer.from_file of its tokenizer.json) and transformers
(AutoTokenizer) load it, and where gst-bert and one of them both load, tokenizes the texts
of --text and --random strings with both and counts the sequences whose ids or byte offsets
differ. The reference is the one that tokenizes as gst-bert means to: transformers'
AutoTokenizer where the folder has no tokenizer.json, else the tokenizer.json as
tokenizers reads it; where transformers builds another tokenizer from the same folder (see
docs/tokenizer.md, "Folders and transformers 5"), that comparison is made too, and gst-bert
must have warned. Prints a Markdown table, one row per folder:

  check-real-folders.py --cli build/tests/tokenizer/bert-tokenize \
      --text /tmp/bench-corpus-2.txt --random 5000 --seed 1 /tmp/realtok/*/

A folder may hold a file SOURCE, "OWNER/REPO COMMIT PATH [NOTE]", where its files came from.
Needs tokenizers and transformers (pip install tokenizers transformers sentencepiece).
Exit status 1 when a comparison differs.
"""
import argparse
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import warnings

from tokenizers import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("compare_with_hf", os.path.join(HERE, "compare-with-hf.py"))
compare_with_hf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compare_with_hf)

TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt",
                   "vocab.json", "merges.txt", "sentencepiece.bpe.model", "added_tokens.json",
                   "config.json"]


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def digest(folder):
    """The first 12 hex digits of the sha256 of the folder's tokenizer files, in a fixed order."""
    sha = hashlib.sha256()
    for name in TOKENIZER_FILES[:-1]:
        path = os.path.join(folder, name)
        if os.path.exists(path):
            sha.update(name.encode() + b"\0")
            with open(path, "rb") as f:
                sha.update(f.read())
    return sha.hexdigest()[:12]


def shape(folder):
    """The files the tokenizer comes from, its model type and the class transformers picks."""
    files = [name for name in TOKENIZER_FILES[:-1] if os.path.exists(os.path.join(folder, name))]
    document = read_json(os.path.join(folder, "tokenizer.json")) or {}
    parts = [" + ".join(files)]
    model = (document.get("model") or {}).get("type")
    if model:
        parts.append(model)
    tokenizer_config = read_json(os.path.join(folder, "tokenizer_config.json")) or {}
    config = read_json(os.path.join(folder, "config.json")) or {}
    klass = tokenizer_config.get("tokenizer_class") or config.get("tokenizer_class")
    if klass:
        parts.append(klass)
    elif config.get("model_type"):
        parts.append(f"model_type {config['model_type']}")
    return ", ".join(parts)


def source(folder):
    try:
        with open(os.path.join(folder, "SOURCE"), encoding="utf-8") as f:
            repo, commit, path, *note = f.read().split(maxsplit=3)
        return f"{repo}@{commit[:10]}:{path}" + (f" {note[0].strip()}" if note else "")
    except (OSError, ValueError):
        return "?"


def gst_bert_load(cli, folder):
    """(None, warning) where bert-tokenize loads the folder, else (its error, None)."""
    run = subprocess.run([cli, "--records", folder], input=b"2\nHi\n", capture_output=True, check=False)
    stderr = run.stderr.decode(errors="replace").strip()
    if run.returncode != 0:
        return stderr or f"exit status {run.returncode}", None
    return None, stderr or None


def first_line(message, limit=160):
    line = str(message).strip().split("\n")[0]
    return line if len(line) <= limit else line[:limit - 3] + "..."


def tokenizers_load(folder):
    path = os.path.join(folder, "tokenizer.json")
    if not os.path.exists(path):
        return None, "no tokenizer.json"
    try:
        return Tokenizer.from_file(path), None
    except Exception as error:  # the reference's refusals are what we report
        return None, first_line(error)


def transformers_load(folder):
    """AutoTokenizer's tokenizer, or for a folder of vocab.txt naming no model type or class
    (which AutoTokenizer cannot place) BertTokenizer's, as gst-bert reads such a folder."""
    from transformers import AutoTokenizer, BertTokenizer
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tokenizer = AutoTokenizer.from_pretrained(folder)
        return tokenizer.backend_tokenizer, type(tokenizer).__name__, None
    except Exception as error:  # the reference's refusals are what we report
        refusal = first_line(f"{type(error).__name__}: {error}")
    present = {name for name in TOKENIZER_FILES if os.path.exists(os.path.join(folder, name))}
    tokenizer_config = read_json(os.path.join(folder, "tokenizer_config.json")) or {}
    config = read_json(os.path.join(folder, "config.json")) or {}
    if "vocab.txt" in present and "tokenizer.json" not in present and "model_type" not in config \
            and "tokenizer_class" not in config \
            and tokenizer_config.get("tokenizer_class") in (None, "BertTokenizer", "BertTokenizerFast"):
        tokenizer = BertTokenizer.from_pretrained(folder)
        return tokenizer.backend_tokenizer, "BertTokenizer (no model_type)", None
    return None, None, refusal


def differences(cli, folder, tokenizer, texts, pairs, seed, show):
    """The number of texts (or pairs) whose encodings differ between tokenizer and gst-bert."""
    tokenizer.no_truncation()
    tokenizer.no_padding()
    count = 0
    chunk = 50000
    for begin in range(0, len(texts), chunk):
        part = texts[begin:begin + chunk]
        if pairs:
            rng = compare_with_hf.random.Random(seed)
            part = [(text, rng.choice(texts)) for text in part]
            expected = compare_with_hf.hf_pair_tokens(tokenizer, part, 512)
            got = compare_with_hf.our_pair_tokens(cli, folder, part, 512)
        else:
            expected = compare_with_hf.hf_tokens(tokenizer, part)
            got = compare_with_hf.our_tokens(cli, folder, part)
        for i, (want, have) in enumerate(zip(expected, got)):
            if want != have:
                if count < show:
                    print(f"  {folder}: {part[i]!r}\n    hf:  {want[:24]}\n    our: {have[:24]}",
                          file=sys.stderr)
                count += 1
    return count


def same_tokenizer(a, b):
    return json.loads(a.to_str()) == json.loads(b.to_str())


def check(cli, folder, texts, args):
    """One row of the table, and whether a comparison differed."""
    row = {"folder": os.path.basename(os.path.normpath(folder)), "source": source(folder),
           "sha256": digest(folder), "shape": shape(folder)}
    error, warning = gst_bert_load(cli, folder)
    from_file, file_error = tokenizers_load(folder)
    backend, klass, auto_error = transformers_load(folder)
    row["gst-bert"] = f"refused: {first_line(error)}" if error else ("loads, warns" if warning else "loads")
    row["tokenizers"] = "loads" if from_file else f"refused: {file_error}"
    row["transformers"] = klass if backend else f"refused: {auto_error}"
    results = []
    failed = False
    if not error:
        references = []
        if from_file:
            references.append(("tokenizer.json", from_file))
            if backend and not same_tokenizer(from_file, backend):
                references.append((f"{klass}", backend))
        elif backend:
            references.append((f"{klass}", backend))
        for name, tokenizer in references:
            count = differences(cli, folder, tokenizer, texts, args.pairs, args.seed, args.show)
            rebuilt = name != "tokenizer.json" and from_file is not None
            if rebuilt and count and warning:
                results.append(f"{count} vs {name} (warned)")
            else:
                results.append(f"{count} vs {name}")
                failed = failed or count > 0
    row["compared"] = len(texts) if results else 0
    row["differences"] = "; ".join(results) if results else "-"
    return row, failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cli", required=True, help="path of bert-tokenize")
    parser.add_argument("--text", action="append", default=[], help="text file, one per line")
    parser.add_argument("--random", type=int, default=0, help="number of random strings")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pairs", action="store_true", help="compare sequence pairs (max length 512)")
    parser.add_argument("--show", type=int, default=3, help="differences shown per folder, on stderr")
    parser.add_argument("folder", nargs="+")
    args = parser.parse_args()

    texts = compare_with_hf.read_texts(args.text) + compare_with_hf.random_texts(args.random, args.seed)
    columns = ["folder", "source", "sha256", "shape", "gst-bert", "tokenizers", "transformers",
               "compared", "differences"]
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    any_failed = False
    for folder in args.folder:
        row, failed = check(args.cli, folder, texts, args)
        any_failed = any_failed or failed
        print("| " + " | ".join(str(row[c]).replace("|", "\\|") for c in columns) + " |", flush=True)
    sys.exit(1 if any_failed else 0)


if __name__ == "__main__":
    main()
