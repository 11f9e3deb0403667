#!/usr/bin/env python3
"""Writes sentence-transformers' embeddings of real texts with a real model folder, in the
reference format of test-engine-parity and check-pypi-elements.py.

usage: sentence-transformers-reference.py FOLDER TEXT_FILE OUT.jsonl [--lines N] [--max-seq-length N]

FOLDER is a sentence-transformers folder (modules.json and its modules); TEXT_FILE holds
one text a line. Each text is encoded alone by SentenceTransformer(FOLDER) on the CPU in
fp32, truncated to the folder's max_seq_length or to --max-seq-length; each line of
OUT.jsonl holds the text, the ids and type ids the model ran on, its sentence embedding
(after every module: pooling, Dense, Normalize) and the first token's last hidden state.

Needs torch and sentence-transformers (6.3 was used for docs/models.md, "Real files from
PyPI packages").
"""
import argparse
import json

import torch
from sentence_transformers import SentenceTransformer


def rounded(values):
    return [float("%.8g" % value) for value in values]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder")
    parser.add_argument("text_file")
    parser.add_argument("out")
    parser.add_argument("--lines", type=int, default=0, help="the first N texts only (default all)")
    parser.add_argument("--max-seq-length", type=int, help="truncation (default the folder's)")
    args = parser.parse_args()
    model = SentenceTransformer(args.folder, device="cpu", model_kwargs={"attn_implementation": "eager"}).eval()
    if args.max_seq_length:
        model.max_seq_length = args.max_seq_length
    with open(args.text_file, encoding="utf-8") as f:
        texts = [line.rstrip("\n") for line in f if line.strip()]
    if args.lines:
        texts = texts[:args.lines]
    with open(args.out, "w", encoding="utf-8") as out, torch.no_grad():
        for text in texts:
            features = model.preprocess([text])
            result = model(features)
            ids = features["input_ids"][0].tolist()
            type_ids = features.get("token_type_ids", torch.zeros_like(features["input_ids"]))[0].tolist()
            out.write(json.dumps({"text": text, "ids": ids, "type_ids": type_ids,
                                  "embedding": rounded(result["sentence_embedding"][0].tolist()),
                                  "last_hidden_state_first_token": rounded(result["token_embeddings"][0][0].tolist())},
                                 ensure_ascii=False) + "\n")
    print("%s: %d texts, %d to %d tokens (max_seq_length %d)"
          % (args.out, len(texts), min(len(json.loads(line)["ids"]) for line in open(args.out)),
             max(len(json.loads(line)["ids"]) for line in open(args.out)), model.max_seq_length))


if __name__ == "__main__":
    main()
