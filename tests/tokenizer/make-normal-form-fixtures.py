#!/usr/bin/env python3
"""Makes the fixtures of the NFC, NFKC and NFKD normalisers and their Hugging Face outputs.

Trains small tokenizers offline with tokenizers' own trainers on the text the other fixtures
are trained on (make-tokenizer-fixtures.py) plus the texts below, which are full of what the
normal forms rewrite, and writes, under tests/tokenizer/data/normal-forms/, texts.txt (the
texts of parity-texts.txt, then those, as length records) and one folder per tokenizer
holding tokenizer.json, expected.txt (the outputs for every text of texts.txt, one line per
text, id:type_id:start:end with byte offsets) and pairs.txt (the outputs for every pair of
data/pairs/cases.txt, as make-pair-references.py writes them). test-normal-forms compares with
these.

  /tmp/venv-tokenizers/bin/python tests/tokenizer/make-normal-form-fixtures.py [--out DIR]

The fixtures:
  wordpiece-nfkc        NFKC, Whitespace, TemplateProcessing; "km" a normalized added token
  wordpiece-nfkc-lower  Sequence[NFKC, Lowercase], WhitespaceSplit
  wordpiece-nfc         NFC, Whitespace
  wordpiece-nfkd        NFKD, Whitespace
  bpe-nfkc              byte-level BPE (RoBERTa's shape), NFKC
  bpe-nfc               byte-level BPE, NFC; "été" a normalized added token
  unigram-nfkc          Unigram, NFKC, Metaspace
  unigram-nfkc-runs     Unigram, Sequence[NFKC, Replace(" {2,}", " ")], Metaspace (the encoders
                        then scan raw text for where a normalized added token may start);
                        "km" and "\u00e9t\u00e9" normalized added tokens
"""
import argparse
import importlib.util
import os
import tempfile

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

from length_records import read_records, write_records

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")


def sibling(name):
    """A script of this folder as a module (their names hold hyphens)."""
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), os.path.join(HERE, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


wordpiece_fixtures = sibling("make-wordpiece-fixtures")
make_tokenizer_fixtures = wordpiece_fixtures.make_tokenizer_fixtures

# Ligatures, full-width and half-width forms, super- and subscripts, squared units, Hangul
# syllables and conjoining jamo, composed and decomposed Latin, marks in every order, and
# what composes only in part or not at all (exclusions, singletons, blocked marks).
TEXTS = [
    "\ufb01nancial \ufb02ow \ufb00 \ufb03x \ufb04 \ufb05 \ufb06 of\ufb01ce",
    "\uff26\uff35\uff2c\uff2c\uff0d\uff37\uff29\uff24\uff34\uff28 \uff54\uff45\uff58\uff54 "
    "\uff11\uff12\uff13\uff01\uff1f \uff08\uff41\uff09",
    "x\u00b2 + y\u00b3 = z\u2074, H\u2082O, \u207d\u00b9\u207e \u00bd \u00bc \u00be \u2153",
    "5\u339e 3\u338f 10\u3396 \u3231 \u337b \u2121 \u2122 \u2103 \u33a1 km \uff4b\uff4d",
    "\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8 \u1112\u119e\u11ab\uae00 \u1100\uac00 \uac00\u11a8 "
    "\u1100\u1161\u11a8 \u1100\u1161 \uac00\u11a7 \u3131\u3134\u3137 \uff8a\uff9d\uff78\uff9e\uff99",
    "caf\u00e9 cafe\u0301 \u00c5 A\u030a \u212b \u2126 \u03a9 \u01c5 \u01c6 \u01c4 \u1e9b\u0323",
    "e\u0301\u0327 e\u0327\u0301 a\u0323\u0302 a\u0302\u0323 o\u0308\u0304 q\u0307\u0323 "
    "\u1e0b\u0323 d\u0307\u0323 d\u0323\u0307 a\u0301\u0301\u0301",
    "\u0301leading mark, ab\u0f73\u0f75 \u0344x \u0958 \u2126 \u0340\u0341 \u0b47\u0b3e \u0b47\u0b56",
    "\uff76\uff9e\uff77\uff9e \uff78\uff9e \uff9f\uff9e \u30ac \u30ab\u3099 \uff76\u3099 \u304b\u309a",
    "\u210c\U0001d522\U0001d529\U0001d529\U0001d52c \U0001d401\U0001d428\U0001d425\U0001d41d "
    "\u2177 \u216b \u2460 \u2474 \u249c \ufe35 \ufe4f \u2026",
    "\ufdfa \ufdfb \ufef7 \ufdf2 \u0627\u0644\u0644\u0647",
    "D\u017ea \u01c5ungla \u0133ssel \u013fl \u0149 \u017ft \u1e9e \u00df \u0130stanbul",
    "The \ufb01rst \uff21\uff29 model scored \u2159 on \u2460\u2461\u2462 \u2014 \u00e9t\u00e9 "
    "e\u0301te\u0301 \u00a0non\u2011breaking\u2002space\u3000here",
    "\u1100\u1100\u1161\u1161\u11a8\u11a8 \uac00\u1161 \u11a8\uac00 \u1161\u11a8",
    "\u0391\u0301\u0345 \u1fb3\u0301 \u03b1\u0345\u0301 \u03c9\u0314\u0342\u0345 \u1f67\u0345",
    "\u0915\u093c \u0958 \u09c7\u09be \u0dd9\u0dcf\u0dca \u1025\u102e \u0cc6\u0cc2\u0cd5",
    # the normalized added tokens made from other characters only
    "10\u339e",
    "\uff4b\uff4d!",
    "d\u00e9j\u00e0 e\u0301te\u0301",
]

BASE_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def byte_level_bpe(train, normalizer):
    """RoBERTa's shape, as make-tokenizer-fixtures.py's hf_bpe, with normalizer."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.normalizer = normalizer
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=wordpiece_fixtures.VOCAB_SIZE // 2, show_progress=False,
                                  special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train([train], trainer)
    tokenizer.post_processor = processors.RobertaProcessing(
        ("</s>", tokenizer.token_to_id("</s>")), ("<s>", tokenizer.token_to_id("<s>")),
        trim_offsets=True, add_prefix_space=True)
    return tokenizer


def with_added(tokenizer, *contents):
    tokenizer.add_tokens([AddedToken(content, normalized=True) for content in contents])
    return tokenizer


def unigram(train, normalizer):
    tokenizer = Tokenizer(models.Unigram())
    tokenizer.normalizer = normalizer
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="first")
    tokenizer.decoder = decoders.Metaspace(prepend_scheme="first")
    trainer = trainers.UnigramTrainer(vocab_size=2 * make_tokenizer_fixtures.VOCAB_SIZE, unk_token="<unk>",
                                      special_tokens=["<s>", "</s>", "<unk>"], show_progress=False)
    tokenizer.train([train], trainer)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", tokenizer.token_to_id("<s>")), ("</s>", tokenizer.token_to_id("</s>"))])
    return tokenizer


def fixtures(train):
    trained, template = wordpiece_fixtures.trained, wordpiece_fixtures.template
    whitespace = pre_tokenizers.Whitespace
    nfkc_lower = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    nfkc_runs = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    return {
        "wordpiece-nfkc": with_added(template(trained(train, normalizers.NFKC(), whitespace()), "[CLS]",
                                              "[SEP]"), "km"),
        "wordpiece-nfkc-lower": trained(train, nfkc_lower, pre_tokenizers.WhitespaceSplit()),
        "wordpiece-nfc": trained(train, normalizers.NFC(), whitespace()),
        "wordpiece-nfkd": trained(train, normalizers.NFKD(), whitespace()),
        "bpe-nfkc": byte_level_bpe(train, normalizers.NFKC()),
        "bpe-nfc": with_added(byte_level_bpe(train, normalizers.NFC()), "\u00e9t\u00e9"),
        "unigram-nfkc": unigram(train, normalizers.NFKC()),
        "unigram-nfkc-runs": with_added(unigram(train, nfkc_runs), "km", "\u00e9t\u00e9"),
    }


def training_text(work):
    """The other fixtures' text, and TEXTS many times so that their pieces are learnt."""
    train = make_tokenizer_fixtures.training_text(work)
    with open(train, "a", encoding="utf-8") as f:
        for _ in range(50):
            f.write("\n".join(TEXTS) + "\n")
    return train


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(DATA, "normal-forms"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    texts = read_records(os.path.join(DATA, "parity-texts.txt")) + TEXTS
    write_records(os.path.join(args.out, "texts.txt"), texts)
    pairs = wordpiece_fixtures.pair_cases()
    with tempfile.TemporaryDirectory() as work:
        made = fixtures(training_text(work))
    for name, tokenizer in made.items():
        wordpiece_fixtures.write(args.out, name, tokenizer, texts, pairs)


if __name__ == "__main__":
    main()
