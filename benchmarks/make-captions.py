#!/usr/bin/env python3
"""Writes a caption-like stream, one cue per line, built from the STS Benchmark test sentences.

We have no real, redistributable English subtitle file of a few thousand cues (the subtitle
files shipped in the sdists of pysrt, pysubs2, webvtt-py, srt, ttconv, pycaption and aeidon
are French or Spanish film subtitles of about 1,300 cues, or a few dozen cues of format
tests). This stream stands in for the one issue 10 quotes (5,567 captions, 17.7 tokens on
average, a few long cues): the words of the STS test sentences, in file order, are cut into
consecutive cues whose lengths in words follow a log-normal law (median 11.5 words, sigma
0.38, clipped to 1..28) like spoken dialogue, and 0.4% of the cues (chosen at random) are long
runs of 35 to 60 words, like the narration blocks real subtitle files hold. The parameters
were chosen so that the stream matches the issue's figures: 17.5 tokens per cue on average
(17.7 there), and padded batches in stream order hold 1.65x, 2.15x and 2.83x the real tokens
at batch 8, 32 and 128 (1.6x, 2.1x, 2.7x there). The word stream
wraps around when it runs out. The seed is fixed, so the file is the same on every machine.

  make-captions.py OUTPUT [--shared ../shared] [--cues 5567] [--seed 10]

With the tokenizers package importable, also prints the stream's statistics in tokens
(all-MiniLM-L6-v2's tokenizer, [CLS] and [SEP] included, truncated at 256) and how many
tokens padded batches of 8, 32 and 128 in stream order hold for each real one.
"""
import argparse
import math
import os
import random

MEDIAN_WORDS, SIGMA, MAX_WORDS = 11.5, 0.38, 28
LONG_CUE_SHARE, LONG_CUE_WORDS = 0.004, (35, 60)


def sts_words(shared):
    path = os.path.join(shared, "eval", "stsbenchmark", "sts-test.csv")
    words = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            for sentence in line.rstrip("\n").split("\t")[5:7]:
                words.extend(sentence.split())
    return words


def cue_lengths(n_cues, rng):
    lengths = []
    for _ in range(n_cues):
        if rng.random() < LONG_CUE_SHARE:
            lengths.append(rng.randint(*LONG_CUE_WORDS))
        else:
            lengths.append(min(MAX_WORDS, max(1, round(rng.lognormvariate(math.log(MEDIAN_WORDS), SIGMA)))))
    return lengths


def make_cues(words, lengths):
    cues, position = [], 0
    for length in lengths:
        cue = [words[(position + i) % len(words)] for i in range(length)]
        position += length
        cues.append(" ".join(cue))
    return cues


def print_token_statistics(cues, shared):
    try:
        from tokenizers import Tokenizer
    except ImportError:
        return
    tokenizer = Tokenizer.from_file(os.path.join(shared, "models", "all-MiniLM-L6-v2", "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(256)
    lengths = [len(e.ids) for e in tokenizer.encode_batch(cues)]
    ordered = sorted(lengths)
    print(f"{len(lengths)} cues, tokens mean {sum(lengths) / len(lengths):.1f}, "
          f"p50 {ordered[len(ordered) // 2]}, p99 {ordered[int(0.99 * len(ordered))]}, max {ordered[-1]}, "
          f"{sum(1 for n in lengths if n > 64)} over 64")
    for batch in (8, 32, 128):
        padded = sum(len(lengths[i:i + batch]) * max(lengths[i:i + batch]) for i in range(0, len(lengths), batch))
        print(f"batch {batch:3d}: padded batches hold {padded / sum(lengths):.2f}x the real tokens")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output")
    parser.add_argument("--shared", default=os.environ.get("GST_BERT_SHARED_DIR", "../shared"))
    parser.add_argument("--cues", type=int, default=5567)
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    cues = make_cues(sts_words(args.shared), cue_lengths(args.cues, rng))
    with open(args.output, "w", encoding="utf-8") as f:
        f.write("\n".join(cues) + "\n")
    print_token_statistics(cues, args.shared)


if __name__ == "__main__":
    main()
