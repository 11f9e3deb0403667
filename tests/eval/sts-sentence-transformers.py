#!/usr/bin/env python3
"""The STS Benchmark figure of tests/eval/sts-eval.py, computed by sentence-transformers
itself: the reference that gst-bert's figure is checked against.

    tests/eval/sts-sentence-transformers.py --model DIR [--csv FILE] [--batch-size N]

Reads the pairs as sts-eval.py does (tab-separated, not CSV-quoted: fields 5 to 7 as
they are), embeds both sentences of every pair with SentenceTransformer(DIR) on the CPU
in fp32 (`model.encode`, the folder's own max_seq_length), and prints the Spearman rank
correlation (x100, scipy.stats.spearmanr) of the pairs' cosine similarities with the
gold scores, in sts-eval.py's format. Needs torch, sentence-transformers and scipy (not
Debian's python3: a virtual environment); not run by the test suite.
"""
import argparse
import os
import sys
from pathlib import Path

import numpy
from scipy.stats import spearmanr
from sentence_transformers import SentenceTransformer

SHARED_DIR = Path(os.environ.get("GST_BERT_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared"))
SCORE_COLUMN, FIRST_COLUMN, SECOND_COLUMN = 4, 5, 6


def read_pairs(csv_path):
    gold, first, second = [], [], []
    with open(csv_path, encoding="utf-8", newline="\n") as lines:
        for number, line in enumerate(lines, start=1):
            fields = line.rstrip("\n").split("\t")
            if len(fields) <= SECOND_COLUMN:
                sys.exit(f"{csv_path}:{number}: {len(fields)} tab-separated fields, expected at least 7")
            gold.append(float(fields[SCORE_COLUMN]))
            first.append(fields[FIRST_COLUMN])
            second.append(fields[SECOND_COLUMN])
    return numpy.array(gold), first, second


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True, help="sentence-transformers folder")
    parser.add_argument("--csv", type=Path, default=SHARED_DIR / "eval" / "stsbenchmark" / "sts-test.csv")
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    gold, first, second = read_pairs(args.csv)
    model = SentenceTransformer(str(args.model), device="cpu")
    embeddings = model.encode(first + second, batch_size=args.batch_size, convert_to_numpy=True).astype(numpy.float64)
    pairs = len(gold)
    a, b = embeddings[:pairs], embeddings[pairs:]
    cosines = numpy.einsum("ij,ij->i", a, b) / (numpy.linalg.norm(a, axis=1) * numpy.linalg.norm(b, axis=1))
    figure = 100.0 * spearmanr(cosines, gold).statistic
    print(f"STS Benchmark test: Spearman {figure:.2f} ({figure:.4f}; {pairs} pairs, sentence-transformers, "
          f"max_seq_length {model.max_seq_length})")


if __name__ == "__main__":
    main()
