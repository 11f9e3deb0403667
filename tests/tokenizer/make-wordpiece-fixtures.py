#!/usr/bin/env python3
"""Makes the WordPiece fixtures of the shapes the tokenizers library's own tutorials build,
and their Hugging Face outputs.

Builds small WordPiece vocabularies offline from the text the other fixtures are trained on
(make-tokenizer-fixtures.py) and writes, under
tests/tokenizer/data/wordpiece-shapes/, one folder per tokenizer holding tokenizer.json, expected.txt (the
outputs for every text of parity-texts.txt, one line per text, id:type_id:start:end with
byte offsets) and pairs.txt (the outputs for every pair of data/pairs/cases.txt, as
make-pair-references.py writes them). test-wordpiece-pipeline compares with these.

Rerunning it reproduces the committed files byte for byte. tokenizers' WordPieceTrainer does
not: it breaks ties between equally frequent pairs and characters in the order of its hash
maps, seeded at random in every process (two runs of 0.23.3, even with RAYON_NUM_THREADS=1,
gave 479 of 1,500 ids and one piece apart). So the vocabulary is counted here, in a fixed
order: the words each fixture's normaliser and pre-tokenizer make of the text, their
LIMIT_ALPHABET most frequent characters (alone and as continuations), then the most
frequent word starts and continuations of those characters, ties by text.

  /tmp/venv-tokenizers/bin/python tests/tokenizer/make-wordpiece-fixtures.py [--out DIR | --check]

--check makes them in a temporary folder and compares them byte for byte with the committed
ones (exit 1 naming each file that differs; 77, skipped, where tokenizers is missing): the
test wordpiece-fixtures-reproducible.

The fixtures:
  tutorial     Sequence[NFD, Lowercase, StripAccents], Whitespace, TemplateProcessing
                         ("Building a tokenizer, block by block")
  cased        Sequence[NFD, StripAccents], BertPreTokenizer, TemplateProcessing with its
               own specials, prefix "@@", max_input_chars_per_word 12
  split        no normaliser, WhitespaceSplit, no post-processor
  bare         no normaliser, no pre-tokenizer, no post-processor
  raw-bert     no normaliser, BertPreTokenizer, BertProcessing (the fused path)
  bert-whitespace  BertNormalizer (BERT's uncased defaults), Whitespace, TemplateProcessing
  bert-sequence    Sequence[BertNormalizer(lowercase=False), Strip], WhitespaceSplit, no
                   post-processor
  digits           Lowercase, Sequence[Whitespace, Digits(individual_digits=True)] (the
                   quicktour's), TemplateProcessing
  punctuation      no normaliser, Sequence[WhitespaceSplit, Punctuation, Digits], no
                   post-processor
  punct-runs       NFD, Sequence[Punctuation("contiguous"), WhitespaceSplit], TemplateProcessing
  punct-removed    no normaliser, Punctuation("removed"), no post-processor
  mpnet            MPNet's (all-mpnet-base-v2): BertNormalizer, BertPreTokenizer,
                   RobertaProcessing (<s> A </s>, pairs <s> A </s></s> B </s>), <mask> with lstrip
"""
import argparse
import collections
import filecmp
import importlib.util
import os
import sys
import tempfile

try:
    from tokenizers import AddedToken, Tokenizer, models, normalizers, pre_tokenizers, processors
except ImportError as error:
    print(f"SKIP: needs Hugging Face tokenizers: {error}")
    sys.exit(77)

from length_records import read_records

HERE = os.path.dirname(os.path.abspath(__file__))


def sibling(name):
    """A script of this folder as a module (their names hold hyphens)."""
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), os.path.join(HERE, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_tokenizer_fixtures = sibling("make-tokenizer-fixtures")
reference_line = sibling("make-pair-references").reference_line
DATA = os.path.join(HERE, "data")
VOCAB_SIZE = 1500
# the rarer characters left out: words holding them are [UNK]
LIMIT_ALPHABET = 400
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


# Pieces are counted in words of at most this many characters (longer ones are rare and
# would only cost time).
MAX_COUNTED_WORD = 16


def words_of(train, normalizer, pre_tokenizer):
    """How often each word is in the text, as the normaliser and pre-tokenizer give them."""
    counts = collections.Counter()
    with open(train, encoding="utf-8") as f:
        for line in f:
            text = normalizer.normalize_str(line) if normalizer is not None else line
            counts.update(word for word, _ in pre_tokenizer.pre_tokenize_str(text))
    return counts


def most_frequent(counts, n):
    return [piece for piece, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]]


def vocabulary(words, prefix, specials):
    """specials, the alphabet (each character alone and as a continuation), then the most
    frequent word starts and continuations made of it, up to VOCAB_SIZE, in a fixed order."""
    characters = collections.Counter()
    for word, count in words.items():
        for character in word:
            characters[character] += count
    alphabet = set(most_frequent(characters, LIMIT_ALPHABET))
    pieces = collections.Counter()
    for word, count in words.items():
        if len(word) > MAX_COUNTED_WORD or not set(word) <= alphabet:
            continue
        for end in range(2, len(word) + 1):
            pieces[word[:end]] += count
        for start in range(1, len(word)):
            for end in range(start + 2, len(word) + 1):
                pieces[prefix + word[start:end]] += count
    ordered = list(specials) + sorted(alphabet) + sorted(prefix + c for c in alphabet)
    ordered += most_frequent(pieces, VOCAB_SIZE - len(ordered))
    return {piece: index for index, piece in enumerate(ordered)}


def trained(train, normalizer, pre_tokenizer, prefix="##", max_chars=100, specials=SPECIALS):
    # Without a pre-tokenizer whole lines would be words: count with one, then drop it.
    words = words_of(train, normalizer, pre_tokenizer or pre_tokenizers.WhitespaceSplit())
    tokenizer = Tokenizer(models.WordPiece(vocabulary(words, prefix, specials), unk_token=specials[1],
                                           continuing_subword_prefix=prefix, max_input_chars_per_word=max_chars))
    tokenizer.normalizer = normalizer
    tokenizer.pre_tokenizer = pre_tokenizer
    return tokenizer


def template(tokenizer, cls, sep):
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{cls} $A {sep}", pair=f"{cls} $A {sep} $B:1 {sep}:1",
        special_tokens=[(cls, tokenizer.token_to_id(cls)), (sep, tokenizer.token_to_id(sep))])
    return tokenizer


def mpnet(train):
    """MPNet's shape: BERT's stages, RoBERTa's post-processor and specials."""
    specials = ["<s>", "[UNK]", "</s>", "<pad>", "<mask>"]
    tokenizer = trained(train, normalizers.BertNormalizer(), pre_tokenizers.BertPreTokenizer(), specials=specials)
    tokenizer.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True)])
    tokenizer.post_processor = processors.RobertaProcessing(("</s>", tokenizer.token_to_id("</s>")),
                                                            ("<s>", tokenizer.token_to_id("<s>")),
                                                            trim_offsets=True, add_prefix_space=False)
    return tokenizer


def fixtures(train):
    tutorial = trained(train, normalizers.Sequence([normalizers.NFD(), normalizers.Lowercase(),
                                                    normalizers.StripAccents()]),
                       pre_tokenizers.Whitespace())
    cased_specials = ["<pad>", "<unk>", "<cls>", "<sep>", "<mask>"]
    cased = trained(train, normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents()]),
                    pre_tokenizers.BertPreTokenizer(), prefix="@@", max_chars=12, specials=cased_specials)
    raw_bert = trained(train, None, pre_tokenizers.BertPreTokenizer())
    raw_bert.post_processor = processors.BertProcessing(("[SEP]", raw_bert.token_to_id("[SEP]")),
                                                        ("[CLS]", raw_bert.token_to_id("[CLS]")))
    bert_whitespace = trained(train, normalizers.BertNormalizer(), pre_tokenizers.Whitespace())
    bert_sequence = trained(train, normalizers.Sequence([normalizers.BertNormalizer(lowercase=False),
                                                         normalizers.Strip()]),
                            pre_tokenizers.WhitespaceSplit())
    digits = trained(train, normalizers.Lowercase(),
                     pre_tokenizers.Sequence([pre_tokenizers.Whitespace(),
                                              pre_tokenizers.Digits(individual_digits=True)]))
    punct_runs = trained(train, normalizers.NFD(),
                         pre_tokenizers.Sequence([pre_tokenizers.Punctuation("contiguous"),
                                                  pre_tokenizers.WhitespaceSplit()]))
    return {
        "digits": template(digits, "[CLS]", "[SEP]"),
        "punctuation": trained(train, None, pre_tokenizers.Sequence([
            pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation(), pre_tokenizers.Digits()])),
        "punct-runs": template(punct_runs, "[CLS]", "[SEP]"),
        "punct-removed": trained(train, None, pre_tokenizers.Punctuation("removed")),
        "bert-whitespace": template(bert_whitespace, "[CLS]", "[SEP]"),
        "bert-sequence": bert_sequence,
        "tutorial": template(tutorial, "[CLS]", "[SEP]"),
        "cased": template(cased, "<cls>", "<sep>"),
        "split": trained(train, None, pre_tokenizers.WhitespaceSplit()),
        "bare": trained(train, None, None),
        "raw-bert": raw_bert,
        "mpnet": mpnet(train),
    }


def pair_cases():
    with open(os.path.join(DATA, "pairs", "cases.txt"), "rb") as f:
        data = f.read()
    cases, at = [], 0
    while at < len(data):
        end = data.index(b"\n", at)
        max_length = int(data[at:end])
        at = end + 1
        texts = []
        for _ in range(2):
            end = data.index(b"\n", at)
            length = int(data[at:end])
            texts.append(data[end + 1:end + 1 + length].decode("utf-8"))
            at = end + 1 + length + 1
        cases.append((texts[0], texts[1], max_length))
    return cases


def write(out, name, tokenizer, texts, pairs):
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    tokenizer.save(os.path.join(folder, "tokenizer.json"), pretty=False)
    with open(os.path.join(folder, "expected.txt"), "w", encoding="utf-8") as f:
        for text in texts:
            f.write(make_tokenizer_fixtures.expected_line(tokenizer, text) + "\n")
    tokenizer.no_padding()
    with open(os.path.join(folder, "pairs.txt"), "w", encoding="utf-8") as f:
        for a, b, max_length in pairs:
            f.write(reference_line(tokenizer, a, b, max_length) + "\n")
    tokenizer.no_truncation()
    print(f"{folder}: {os.path.getsize(os.path.join(folder, 'tokenizer.json')) / 1e3:.0f} kB")


def make(out):
    texts = read_records(os.path.join(DATA, "parity-texts.txt"))
    pairs = pair_cases()
    with tempfile.TemporaryDirectory() as work:
        made = fixtures(make_tokenizer_fixtures.training_text(work))
    for name, tokenizer in made.items():
        write(out, name, tokenizer, texts, pairs)
    return made


def check():
    """0 where a new run writes the committed files, else 1, naming those that differ."""
    committed = os.path.join(DATA, "wordpiece-shapes")
    with tempfile.TemporaryDirectory() as out:
        differing = [os.path.join(committed, name, file)
                     for name in make(out) for file in ("tokenizer.json", "expected.txt", "pairs.txt")
                     if not filecmp.cmp(os.path.join(out, name, file), os.path.join(committed, name, file),
                                        shallow=False)]
    for path in differing:
        print(f"{path}: a new run of make-wordpiece-fixtures.py writes it otherwise")
    return 1 if differing else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(DATA, "wordpiece-shapes"))
    parser.add_argument("--check", action="store_true", help="compare a new run with the committed files")
    args = parser.parse_args()
    if args.check:
        sys.exit(check())
    make(args.out)


if __name__ == "__main__":
    main()
