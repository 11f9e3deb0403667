#!/usr/bin/env python3
"""Counts the trie reads an exactly pruned Unigram Viterbi search would take.

Forward Viterbi (as bert_unigram.c and Hugging Face tokenizers run it: a trie walk from
every character start, strict > so that ties keep the first path found, unk where no
single-character piece) keeps its result when the walk from a position s is skipped
whenever best[s] + h(s) < LB, where h(s) is an upper bound of the best score of the rest
of the word from s and LB the score of some whole path. This script runs that search, in
Python, on the distinct whitespace words of a corpus's first megabyte (each "\u2581word",
as the Metaspace pre-tokenizer gives them; the pre-token cache leaves Viterbi the misses),
for several bounds, checks that every pruned search chooses the same path as the full one,
and prints per byte of the words: the trie reads (each walk's failing read included), the
"deep" reads (past a walk's second byte: those that miss the caches in a large trie) and
the walks.

The bounds (docs/tokenizer.md, "Pruning the lattice"):
  - char potentials: h(s) = the sum over the characters from s of u(c), the most any
    piece holding c scores per character (at least unk's score);
  - byte potentials: the same per byte, u(b) >= unk / 4;
  - + first-byte slack / + pair slack: plus the most that a piece starting with the
    position's first byte (first two bytes), or unk there, falls short of its bytes'
    potentials;
  - + cuts: a walk also stops at a trie node (past the first character) when even the
    piece below it that falls least short could not reach LB;
  - oracle: h exact (a backward Viterbi), LB the optimum: the most any bound could prune.
Pieces scoring above every single-character piece (sentencepiece's control and byte
pieces, score 0) are left out of the potentials; no position up to the last first byte of
one in the word is pruned. LB is the longest-match path's score (its walks reused by the
search), raised to the best whole path found as the search goes ("progressive"), or only
the latter.

Standard library only. Minutes of CPU for a 250,002-piece vocabulary:
    python3 benchmarks/tokenizer/simulate-unigram-pruning.py VOCAB/tokenizer.json CORPUS [--mb 1]
"""
import argparse
import collections
import json
import math

UNK_PENALTY = 10.0


def char_length(byte):
    return 1 if byte < 0x80 else 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4


class Model:
    def __init__(self, path):
        vocab = json.load(open(path, encoding="utf-8"))["model"]["vocab"]
        self.score = {}
        for piece, score in vocab:
            self.score.setdefault(piece.encode(), score)
        self.unk = min(s for _, s in vocab) - UNK_PENALTY
        self.prefixes = {p[:e] for p in self.score for e in range(1, len(p) + 1)}
        singles = [s for p, s in self.score.items() if len(p.decode()) == 1]
        highest = max(singles) if singles else math.inf
        self.left_out = {p for p, s in self.score.items() if s > highest}
        self.left_out_first = {p[0] for p in self.left_out}
        self.kept = {p: s for p, s in self.score.items() if p not in self.left_out}

    def walk(self, word, start):
        """(end, score) of every piece from start, unk last where no single character is
        one; the walk's reads (its failing read included)."""
        found, end = [], start
        while end < len(word) and word[start:end + 1] in self.prefixes:
            end += 1
            if word[start:end] in self.score:
                found.append((end, self.score[word[start:end]]))
        length = char_length(word[start])
        if not any(e - start == length for e, _ in found):
            found.append((min(len(word), start + length), self.unk))
        return found, end - start + 1


class Bounds:
    """Potentials per unit (characters or bytes) and the slack tables."""

    def __init__(self, model, by_bytes):
        self.model, self.by_bytes = model, by_bytes
        floor = model.unk / 4 if by_bytes and model.unk < 0 else model.unk
        self.u = collections.defaultdict(lambda: floor)
        for piece, score in model.kept.items():
            units = self.units(piece)
            for unit in units:
                self.u[unit] = max(self.u[unit], score / len(units))
        self.lowest = min(list(self.u.values()) + [floor])
        self.first, self.pair, self.below = {}, {}, collections.defaultdict(lambda: -math.inf)
        for piece, score in model.kept.items():
            slack = score - sum(self.u[x] for x in self.units(piece))
            self.first[piece[0]] = max(self.first.get(piece[0], -math.inf), slack)
            key = piece[:2] if len(piece) > 1 else piece[:1]
            self.pair[key] = max(self.pair.get(key, -math.inf), slack)
            for e in range(1, len(piece)):
                self.below[piece[:e]] = max(self.below[piece[:e]], slack)

    def units(self, text):
        return list(text) if self.by_bytes else list(text.decode())

    def rest(self, word):
        """rest[s]: the potentials' sum over word[s:], per character start."""
        rest, total, at = {len(word): 0.0}, 0.0, []
        position = 0
        for c in word.decode():
            at.append((position, c))
            position += len(c.encode())
        for position, c in reversed(at):
            units = list(c.encode()) if self.by_bytes else [c]
            total += sum(self.u[x] for x in units)
            rest[position] = total
        return rest

    def unk_slack(self, word, s):
        length = min(char_length(word[s]), len(word) - s)
        if not self.by_bytes:
            return self.model.unk - self.u[word[s:s + length].decode()]
        if length == 1:
            return self.model.unk - self.u[word[s]]
        return self.model.unk - self.u[word[s]] - self.u[word[s + 1]] + (length - 2) * max(0.0, -self.lowest)

    def first_slack(self, word, s):
        return max(self.first.get(word[s], -math.inf), self.unk_slack(word, s))

    def pair_slack(self, word, s):
        single = self.pair.get(word[s:s + 1], -math.inf)
        pair = self.pair.get(word[s:s + 2], -math.inf) if s + 1 < len(word) else -math.inf
        return max(single, pair, self.unk_slack(word, s))


def viterbi(word, walks, bound=None, floor=-math.inf, reused=(), progressive=False, cut=None):
    """The chosen path (its ends), reads, deep reads and walks of a pruned search."""
    n = len(word)
    best, source = {0: 0.0}, {}
    reads = deep = n_walks = 0
    for s in sorted(walks):
        if s not in best:
            continue
        if bound is not None and s > 0 and best[s] + bound(s) < floor:
            continue
        found, walk_reads = walks[s]
        if cut is not None and floor > -math.inf:
            found, walk_reads = cut(s, best[s], floor)
        if s not in reused:
            n_walks += 1
            reads += walk_reads
            deep += max(0, walk_reads - 2)
        for end, score in found:
            if end not in best or best[s] + score > best[end]:
                best[end], source[end] = best[s] + score, s
        if progressive and n in best:
            floor = max(floor, best[n] - 1e-9)
    path, end = [], n
    while end > 0:
        path.append(end)
        end = source[end]
    return path, reads, deep, n_walks


def longest_match(word, walks):
    """The longest-match path's score and the positions it walks from."""
    s, total, positions = 0, 0.0, set()
    while s < len(word):
        found, _ = walks[s]
        positions.add(s)
        end, score = max(found)
        total += score
        s = end
    return total, positions


def backward(word, walks):
    h = {len(word): 0.0}
    for s in sorted(walks, reverse=True):
        h[s] = max(score + h[end] for end, score in walks[s][0] if end in h)
    return h


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tokenizer_json")
    parser.add_argument("corpus")
    parser.add_argument("--mb", type=float, default=1.0, help="megabytes of the corpus read")
    args = parser.parse_args()
    model = Model(args.tokenizer_json)
    text = open(args.corpus, encoding="utf-8").read(int(args.mb * 1_000_000))
    words = sorted({("\u2581" + w).encode() for w in text.split()})
    chars, by_bytes = Bounds(model, False), Bounds(model, True)
    counts = collections.defaultdict(collections.Counter)
    n_bytes = 0

    for word in words:
        n_bytes += len(word)
        walks, position = {}, 0
        for c in word.decode():
            walks[position] = model.walk(word, position)
            position += len(c.encode())
        full, reads, deep, n_walks = viterbi(word, walks)
        counts["full search"].update(reads=reads, deep=deep, walks=n_walks)
        guard = max((i for i, b in enumerate(word) if b in model.left_out_first), default=0)
        optimum = backward(word, walks)
        lower, greedy = longest_match(word, walks)

        def unpruned_up_to_guard(bound):
            return lambda s: math.inf if s <= guard else bound(s)

        rest_c, rest_b = chars.rest(word), by_bytes.rest(word)

        def cut(s, best, floor):
            """The walk from s, stopped below nodes past the first character whose pieces
            all fall short of the floor."""
            found, reads = walks[s]
            if s <= guard:
                return found, reads
            length = char_length(word[s])
            kept, end = [], s
            while end < len(word) and word[s:end + 1] in model.prefixes:
                end += 1
                piece = word[s:end]
                if piece in model.score:
                    kept.append((end, model.score[piece]))
                if end - s >= length and best + rest_b[s] + by_bytes.below[piece] < floor:
                    return kept + [f for f in found if f[1] == model.unk], end - s
            return found, reads

        variants = {
            "char potentials": (lambda s: rest_c[s], "longest+progressive", None),
            "byte potentials": (lambda s: rest_b[s], "longest+progressive", None),
            "byte potentials + first-byte slack": (lambda s: rest_b[s] + by_bytes.first_slack(word, s),
                "longest+progressive", None),
            "byte potentials + pair slack": (lambda s: rest_b[s] + by_bytes.pair_slack(word, s),
                "longest+progressive", None),
            "byte potentials + pair slack, progressive LB only": (
                lambda s: rest_b[s] + by_bytes.pair_slack(word, s), "progressive", None),
            "byte potentials + pair slack, LB = optimum": (
                lambda s: rest_b[s] + by_bytes.pair_slack(word, s), "optimum", None),
            "byte potentials + pair slack + cuts": (lambda s: rest_b[s] + by_bytes.pair_slack(word, s),
                "longest+progressive", cut),
            "oracle: exact h, LB = optimum": (lambda s: optimum[s], "optimum", None),
        }
        for name, (bound, floor_kind, cutter) in variants.items():
            bound = unpruned_up_to_guard(bound)
            if floor_kind == "optimum":
                floor, reused, extra = optimum[0] - 1e-9, (), (0, 0, 0)
            elif floor_kind == "progressive":
                floor, reused, extra = -math.inf, (), (0, 0, 0)
            else:
                floor, reused = lower - 1e-9, greedy
                extra = (sum(walks[s][1] for s in greedy), sum(max(0, walks[s][1] - 2) for s in greedy),
                    len(greedy))
            path, reads, deep, n_walks = viterbi(word, walks, bound, floor, reused,
                floor_kind != "optimum", cutter)
            assert path == full, (name, word)
            counts[name].update(reads=reads + extra[0], deep=deep + extra[1], walks=n_walks + extra[2])

    print(f"{len(words)} distinct words, {n_bytes} bytes; every pruned search chose the full search's path")
    print(f"{'search':<52} {'reads/byte':>10} {'deep reads/byte':>16} {'walks/byte':>11}")
    for name, c in counts.items():
        print(f"{name:<52} {c['reads'] / n_bytes:>10.2f} {c['deep'] / n_bytes:>16.2f} {c['walks'] / n_bytes:>11.3f}")


if __name__ == "__main__":
    main()
