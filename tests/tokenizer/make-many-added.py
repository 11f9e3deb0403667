#!/usr/bin/env python3
"""Writes a copy of a tokenizer with many added tokens, as a user's add_tokens makes them.

Real tokenizers carry thousands of added tokens (domain and multilingual models add 10k-30k
with add_tokens). The tokens are drawn from a text: words of it, the bigger share not pieces
of the vocabulary (what a user would add), a few common words, runs of the same prefix
(tokens that are prefixes of each other), long tokens, tokens of spaces and of CJK; each is
added with Hugging Face tokenizers' own add_tokens, so the file is as HF writes it.

  make-many-added.py BASE_FOLDER TEXT OUT_FOLDER --count 10000 [--not-normalized] [--seed 1]
  make-many-added.py BASE_FOLDER TEXT OUT_FOLDER --count 300 --sprinkle OUT.txt
  make-many-added.py BASE_FOLDER TEXT OUT_FOLDER --count 0 --odd --sprinkle OUT.txt

--not-normalized adds them with "normalized": false (matched in the raw text). Normalized
tokens that normalise to nothing, or to the pattern of an earlier one, are left out (HF
cannot match them: it splits text between bytes, or picks either at random; gst-bert refuses
them) unless --keep-unmatchable. --sprinkle also
writes the first 200 kB of TEXT with the added tokens and near misses of them sprinkled in,
for compare-with-hf.py. --odd also adds, with add_tokens and add_special_tokens, tokens meant
to trip a matcher: overlapping and nested ones, one spanning a pre-tokenizer split, words of
the vocabulary, the subword prefix, spaces and newlines (raw), lstrip/rstrip/single_word
mixes, special and not.
"""
import argparse
import os
import random
import re

from tokenizers import AddedToken, Tokenizer


def candidate_words(text, vocab, rng):
    words = sorted(set(re.findall(r"\w{3,}", text)))
    rng.shuffle(words)
    unknown = [w for w in words if w not in vocab and w.lower() not in vocab]
    known = [w for w in words if w in vocab]
    return unknown, known


def odd_tokens(rng):
    """Prefix chains, long tokens, spaces, punctuation and CJK runs."""
    tokens = []
    for stem in ("token", "gst", "inter", "ab"):
        tokens += [stem[:i] + "xyz"[: j] for i in range(2, len(stem) + 1) for j in range(0, 4)]
    tokens += ["x" * n for n in (2, 3, 5, 8, 40, 200)]
    tokens += [" " * n for n in (2, 3, 4)] + ["\t", " \n", "  hello", "hello  "]
    tokens += ["<|%s|>" % name for name in ("user", "assistant", "end", "endoftext")]
    tokens += ["中文", "中文字", "日本語", "😀😀", "Ünïcödé", "İstanbul", "ß", "ﬁ"]
    tokens += ["".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(rng.randrange(1, 4)))
               for _ in range(200)]
    return tokens


def pick_tokens(count, text, vocab, rng):
    unknown, known = candidate_words(text, vocab, rng)
    odd = odd_tokens(rng)
    common = known[: max(1, count // 100)]
    chosen = odd[: max(0, count // 10)] + common
    chosen += unknown[: count - len(chosen)]
    seen, tokens = set(), []
    for token in chosen:
        if token not in seen:
            seen.add(token)
            tokens.append(token)
    return tokens[:count]


def odd_added():
    """Added tokens meant to trip a matcher, as (content, keyword arguments)."""
    return [("abc", {}), ("abcd", {}), ("bcd", {}), ("cde", {"single_word": True}),
            ("New York", {}), ("York", {"lstrip": True}), ("the", {}), ("The", {"normalized": False}),
            ("##s", {}), ("  ", {"normalized": False}), ("\n\n", {"normalized": False}),
            ("a\tb", {"normalized": False}), ("Caf\u00e9", {}), ("cafe\u0301x", {"normalized": False}),
            ("<tag>", {"special": True, "rstrip": True}), ("<tag>x", {"special": True}),
            ("[CLS]x", {"normalized": False}), ("\U0001F600", {}), ("\u00e9\u00e9", {"lstrip": True, "rstrip": True}),
            ("ing", {"single_word": True, "normalized": False}), ("x y", {"rstrip": True})]


def matchable(tokenizer, tokens):
    """Those whose normalised patterns are neither empty nor an earlier one's."""
    normalizer, seen, kept = tokenizer.normalizer, set(), []
    for token in tokens:
        pattern = normalizer.normalize_str(token) if normalizer else token
        if pattern and pattern not in seen:
            seen.add(pattern)
            kept.append(token)
    return kept


def sprinkle(text, tokens, rng, out):
    words = text[:200_000].split(" ")
    for i in range(0, len(words), 3):
        token = rng.choice(tokens)
        roll = rng.random()
        if roll < 0.3:
            token = token.upper()
        elif roll < 0.4:
            token = token[: max(1, len(token) - 1)]
        elif roll < 0.5:
            token = " " + token + " "
        words[i] = words[i] + rng.choice(["", " ", "x"]) + token
    with open(out, "w", encoding="utf-8") as f:
        f.write(" ".join(words))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("base", help="folder holding tokenizer.json")
    parser.add_argument("text")
    parser.add_argument("out")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--not-normalized", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep-unmatchable", action="store_true")
    parser.add_argument("--odd", action="store_true")
    parser.add_argument("--sprinkle", metavar="OUT")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    tokenizer = Tokenizer.from_file(os.path.join(args.base, "tokenizer.json"))
    with open(args.text, encoding="utf-8", errors="replace") as f:
        text = f.read(3_000_000)
    tokens = pick_tokens(args.count, text, tokenizer.get_vocab(), rng)
    if not args.not_normalized and not args.keep_unmatchable:
        tokens = matchable(tokenizer, tokens)
    tokenizer.add_tokens([AddedToken(t, normalized=not args.not_normalized) for t in tokens])
    if args.odd:
        odd = odd_added()
        contents = matchable(tokenizer, [c for c, flags in odd if flags.get("normalized", True)])
        odd = [(c, flags) for c, flags in odd if not flags.get("normalized", True) or c in contents]
        tokenizer.add_tokens([AddedToken(c, **flags) for c, flags in odd if not flags.get("special")])
        tokenizer.add_special_tokens([AddedToken(c, **flags) for c, flags in odd if flags.get("special")])
        tokens += [c for c, _ in odd]
    os.makedirs(args.out, exist_ok=True)
    tokenizer.save(os.path.join(args.out, "tokenizer.json"))
    print("%s: %d tokens asked, %d in the file" % (args.out, len(tokens),
                                                   len(tokenizer.get_added_tokens_decoder())))
    if args.sprinkle:
        sprinkle(text, tokens, rng, args.sprinkle)


if __name__ == "__main__":
    main()
