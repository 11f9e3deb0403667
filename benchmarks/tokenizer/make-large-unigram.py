#!/usr/bin/env python3
"""Makes an XLM-R-sized Unigram tokenizer.json (250,002 pieces) offline, for benchmarks.

The multilingual models users run (XLM-R, paraphrase-multilingual-MiniLM-L12-v2,
multilingual-e5-small) have 250,002 pieces; the test fixtures have 4,002, whose lookup
structures stay in the CPU's caches. Without the Hub, this trains a sentencepiece Unigram
model (nmt_nfkc, as XLM-R) with a large vocabulary on make-corpus.py's multilingual text and
converts it with transformers' own XLMRobertaConverter, as make-tokenizer-fixtures.py does
for the fixtures. Where sentencepiece cannot reach the size on this text, the vocabulary is
extended with the corpus's most frequent words not yet in it (as "▁word" pieces), each
scored by its frequency below the model's lowest score, until it holds --pieces entries
(<s> <pad> </s> <unk>, the pieces, <mask> last, as XLM-R). It prints how many pieces
sentencepiece gave and how many were added.

  make-large-unigram.py OUTPUT_FOLDER [--train-mb 24] [--pieces 250002] [--corpus FILE]

Needs sentencepiece, tokenizers, transformers and protobuf (see docs/tokenizer.md).
"""
import argparse
import collections
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def make_corpus(directory, megabytes):
    corpus = os.path.join(directory, "corpus.txt")
    subprocess.run([sys.executable, os.path.join(HERE, "make-corpus.py"), corpus,
                    "--size", str(megabytes)], check=True)
    return corpus


def train(corpus, directory, pieces):
    import sentencepiece as spm

    prefix = os.path.join(directory, "large")
    # hard_vocab_limit off: the trainer stops where the text runs out of candidates instead
    # of failing. Its vocabulary holds <unk> <s> </s>; the converter puts <s> <pad> </s> <unk>
    # first and adds <mask> (XLM-R: 250,000 sentencepiece pieces, 250,002 entries).
    spm.SentencePieceTrainer.train(
        input=corpus, model_prefix=prefix, vocab_size=pieces - 2, model_type="unigram",
        normalization_rule_name="nmt_nfkc", character_coverage=0.9995,
        hard_vocab_limit=False, seed_sentencepiece_size=2000000, num_threads=2,
        shuffle_input_sentence=False, minloglevel=2)
    return prefix + ".model"


def convert(model):
    """tokenizer.json as the fixtures are made: make-tokenizer-fixtures.py's converter."""
    path = os.path.join(HERE, "..", "..", "tests", "tokenizer", "make-tokenizer-fixtures.py")
    spec = importlib.util.spec_from_file_location("make_tokenizer_fixtures", path)
    fixtures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fixtures)
    return json.loads(fixtures.xlm_roberta_tokenizer(model).to_str())


def frequent_words(corpus, known):
    counts = collections.Counter()
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            counts.update(line.split())
    return [(word, count) for word, count in counts.most_common()
            if len(word) <= 16 and "\u2581" + word not in known]


def extend(config, corpus, pieces):
    vocab = config["model"]["vocab"]
    mask = vocab.pop()
    assert mask[0] == "<mask>", mask
    lowest = min(score for _, score in vocab[4:])
    known = {piece for piece, _ in vocab}
    missing = pieces - 1 - len(vocab)
    added = frequent_words(corpus, known)[:max(missing, 0)]
    if len(added) < missing:
        sys.exit(f"only {len(vocab) + len(added) + 1} pieces: give more text (--train-mb)")
    top = added[0][1] if added else 1
    vocab.extend(["\u2581" + word, lowest - 1.0 - math.log(top / count)] for word, count in added)
    vocab.append(mask)
    for token in config["added_tokens"]:
        if token["content"] == "<mask>":
            token["id"] = len(vocab) - 1
    return len(added)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", help="folder to write tokenizer.json into")
    parser.add_argument("--train-mb", type=int, default=24, help="megabytes of corpus to train on")
    parser.add_argument("--pieces", type=int, default=250002, help="vocabulary size to reach")
    parser.add_argument("--corpus", help="train on this text instead of make-corpus.py's")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as work:
        corpus = args.corpus or make_corpus(work, args.train_mb)
        config = convert(train(corpus, work, args.pieces))
        trained = len(config["model"]["vocab"])
        added = extend(config, corpus, args.pieces)
    os.makedirs(args.output, exist_ok=True)
    with open(os.path.join(args.output, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, ensure_ascii=False, indent=2)
    print(f"{args.output}/tokenizer.json: {trained} entries from sentencepiece "
          f"(with <s> <pad> </s> <unk> <mask>), {added} frequent words added, "
          f"{len(config['model']['vocab'])} in all")


if __name__ == "__main__":
    main()
