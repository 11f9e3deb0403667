#!/usr/bin/env python3
"""Counts the work a Unigram Viterbi search must do on a text, whatever the code.

For each distinct Metaspace word of the text ("▁" + a whitespace-separated word: the
pre-token cache answers repeats), the search finds every vocabulary piece that starts at
each character. A trie walk from each character takes one step per byte of the longest
prefix of the text there that begins some piece; an Aho-Corasick automaton over the word
would take one transition per byte, at most one failure hop per byte, and one output
hop per piece found. Both offer every piece found to the Viterbi lattice. Prints the
words, bytes, walk steps and pieces found, per byte, and the automaton's range, so that
the two can be compared without writing the automaton.

  count-unigram-steps.py TOKENIZER_JSON TEXT [--bytes 1000000]

Only the standard library; the text is split on whitespace without normalising it.
"""
import argparse
import collections
import json


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tokenizer_json")
    parser.add_argument("text")
    parser.add_argument("--bytes", type=int, default=1_000_000, help="characters of TEXT to read")
    args = parser.parse_args()

    with open(args.tokenizer_json, encoding="utf-8") as file:
        model = json.load(file)["model"]
    if model.get("type") != "Unigram":
        raise SystemExit(f"{args.tokenizer_json}: not a Unigram model")
    pieces = {piece.encode() for piece, _ in model["vocab"]}
    prefixes = {piece[:end] for piece in pieces for end in range(1, len(piece) + 1)}
    with open(args.text, encoding="utf-8") as file:
        words = collections.Counter(("\u2581" + word).encode() for word in file.read(args.bytes).split())

    n_bytes = steps = found = 0
    for word in words:
        n_bytes += len(word)
        for start in range(len(word)):
            if word[start] & 0xC0 == 0x80:  # not a character's first byte
                continue
            end = start
            while end < len(word) and word[start:end + 1] in prefixes:
                end += 1
                steps += 1
                found += word[start:end] in pieces
    print(f"{len(pieces)} pieces, {len(prefixes)} trie nodes; {len(words)} distinct words, {n_bytes} bytes")
    print(f"trie walks: {steps} steps ({steps / n_bytes:.2f} per byte); pieces found: {found} "
          f"({found / n_bytes:.2f} per byte)")
    print(f"an automaton: {(n_bytes + found) / n_bytes:.2f} to {(2 * n_bytes + found) / n_bytes:.2f} "
          f"steps per byte")


if __name__ == "__main__":
    main()
