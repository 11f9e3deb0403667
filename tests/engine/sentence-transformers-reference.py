#!/usr/bin/env python3
"""Writes sentence-transformers' embeddings of real texts with a real model folder, in the
reference format of test-engine-parity and check-pypi-elements.py.

usage: sentence-transformers-reference.py FOLDER TEXT_FILE OUT.jsonl [--lines N] [--select N,N,...]
       [--max-seq-length N] [--digits N] [--no-first-token]

FOLDER is a sentence-transformers folder (modules.json and its modules); TEXT_FILE holds
one text a line. Each text is encoded alone by SentenceTransformer(FOLDER) on the CPU in
fp32, truncated to the folder's max_seq_length or to --max-seq-length; each line of
OUT.jsonl holds the text, the ids and type ids the model ran on, its sentence embedding
(after every module: pooling, Dense, Normalize) and the first token's last hidden state.
For a reference small enough to commit, --select keeps some texts (their line numbers,
from 1, among the non-empty lines), --digits rounds to fewer significant digits than 8
and --no-first-token leaves the hidden state out.

Needs torch and sentence-transformers (6.3 was used for docs/models.md, "Real files from
PyPI packages").
"""
import argparse
import json

import torch
from sentence_transformers import SentenceTransformer


def rounded(values, digits):
    return [float("%.*g" % (digits, value)) for value in values]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder")
    parser.add_argument("text_file")
    parser.add_argument("out")
    parser.add_argument("--lines", type=int, default=0, help="the first N texts only (default all)")
    parser.add_argument("--select", help="these texts only: line numbers from 1, comma-separated")
    parser.add_argument("--max-seq-length", type=int, help="truncation (default the folder's)")
    parser.add_argument("--digits", type=int, default=8, help="significant digits (default 8)")
    parser.add_argument("--no-first-token", action="store_true", help="leave out the first token's hidden state")
    args = parser.parse_args()
    model = SentenceTransformer(args.folder, device="cpu", model_kwargs={"attn_implementation": "eager"}).eval()
    if args.max_seq_length:
        model.max_seq_length = args.max_seq_length
    with open(args.text_file, encoding="utf-8") as f:
        texts = [line.rstrip("\n") for line in f if line.strip()]
    if args.lines:
        texts = texts[:args.lines]
    if args.select:
        texts = [texts[int(number) - 1] for number in args.select.split(",")]
    with open(args.out, "w", encoding="utf-8") as out, torch.no_grad():
        for text in texts:
            features = model.preprocess([text])
            result = model(features)
            ids = features["input_ids"][0].tolist()
            type_ids = features.get("token_type_ids", torch.zeros_like(features["input_ids"]))[0].tolist()
            line = {"text": text, "ids": ids, "type_ids": type_ids,
                    "embedding": rounded(result["sentence_embedding"][0].tolist(), args.digits)}
            if not args.no_first_token:
                line["last_hidden_state_first_token"] = rounded(result["token_embeddings"][0][0].tolist(), args.digits)
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    print("%s: %d texts, %d to %d tokens (max_seq_length %d)"
          % (args.out, len(texts), min(len(json.loads(line)["ids"]) for line in open(args.out)),
             max(len(json.loads(line)["ids"]) for line in open(args.out)), model.max_seq_length))


if __name__ == "__main__":
    main()
