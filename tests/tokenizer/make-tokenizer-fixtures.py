#!/usr/bin/env python3
"""Makes the Unigram and byte-level BPE tokenizer fixtures and their Hugging Face outputs.

Trains small tokenizers offline on a multilingual text (the start of make-corpus.py's corpus:
the translations of this machine's gettext catalogues) and writes, under
tests/tokenizer/data/, one folder per tokenizer holding tokenizer.json, and expected.txt: the
Hugging Face tokenizers outputs for every text of parity-texts.txt (sampled corpus lines and
hostile strings), one line per text, tokens as id:type_id:start:end with byte offsets.
parity-texts.txt holds the texts as records: the length in bytes on a line, then the text and
a newline (texts may hold newlines and NULs), as bert-tokenize --records reads them.
test-subword-tokenizers compares with these without Python or network.

  python3 -m venv /tmp/venv-tokenizers
  /tmp/venv-tokenizers/bin/pip install tokenizers==0.23.3 sentencepiece transformers protobuf
  /tmp/venv-tokenizers/bin/python tests/tokenizer/make-tokenizer-fixtures.py [--out DIR]

With --update-expected only tokenizers is needed: the fixtures' tokenizer.json files and the
sampled lines of parity-texts.txt are kept, the texts become HOSTILE (as edited) plus those
lines, and every expected.txt is made again.

The fixtures:
  unigram-nmt-nfkc          sentencepiece unigram, nmt_nfkc, no byte pieces
  unigram-nmt-nfkc-cf       sentencepiece unigram, nmt_nfkc_cf, byte pieces (byte_fallback
                            off, as transformers' converter writes it)
  unigram-byte-fallback     the same with model.byte_fallback set to true
  unigram-hf                tokenizers' UnigramTrainer: Lowercase, Metaspace (prepend first)
  bpe-roberta               tokenizers' byte-level BPE, RobertaProcessing (trim_offsets)
  bpe-affixes               byte-level BPE with continuing_subword_prefix and
                            end_of_word_suffix, no trimming
The sentencepiece models become tokenizer.json through transformers' own XLMRobertaConverter
(so the Precompiled normaliser is the real thing), with XLM-R's added tokens (<mask> lstrip).
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

from length_records import read_records

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TRAIN_MB = 3
VOCAB_SIZE = 4000
SAMPLED_LINES = 160

HOSTILE = [
    "", " ", "   ", "\t\n\r", "a", "Hello world", "  leading and trailing  ", "many     spaces",
    "tabs\tand\nnewlines\r\nCRLF\r\n", "<s>", "</s>", "<s>inside</s>text", "a <mask> b",
    "a<mask>b", "   <mask>", "<unk> <pad>", "<s ", "<<s>>", "``quoted''", "don't we'll they're I'm",
    "'s's'S", "e\u0301 cafe\u0301 re\u0301sume\u0301", "\u0301 starts with a mark",
    "\uff21\u0301 fullwidth with mark", "\ufb01 ligature \ufb02", "\u2122 \u2460 \u00bd \u33a1",
    "\u00c5ngstr\u00f6m \u212b", "\u0130stanbul \u0049\u0307", "STRASSE stra\u00dfe \u1e9e",
    "\u1100\u1161\u11a8 \uac00\ub098\ub2e4 \u3131", "\u0915\u094d\u0937\u093f \u0928\u092e\u0938\u094d\u0924\u0947",
    "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35\u0e04\u0e23\u0e31\u0e1a", "\u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd",
    "\u4f60\u597d\u4e16\u754c \u3053\u3093\u306b\u3061\u306f \uff76\uff9e", "\U0001f468\u200d\U0001f469\u200d\U0001f467 \U0001f1eb\U0001f1f7 \u00a9\ufe0f 1\ufe0f\u20e3",
    "\U0001f44d\U0001f3fd thumbs", "\x00\x01\x1f\x7f\x85 controls", "\ufeffBOM and \u200b zero width \u200c\u200d",
    "\u00a0nbsp\u3000ideographic\u2028line\u2029para", "\ufffd replacement \U000e0001 tag",
    "\U0010ffff\U000f0000 private \ue000", "\u0378 unassigned \U0003fffe",
    "1234567890 3.14159 \u0661\u0662\u0663 \u00b2\u2153", "$+<=>^`|~ !!! ??? ...",
    "x" * 300, "\u00e9" * 120, "ab" * 150 + " " + "\u4e2d" * 40, "\u2581 already \u2581\u2581 metaspace",
    "\u0120 \u010a byte chars", "\U0001d400\U0001d41a\U0001d7ce math", "a\u0308\u0301\u0323 stacked",
    "\r\n\r\n", " \u0301", "\t\u0301", "I\u0307 \u00cc", "\u03a3\u0391\u03a3 \u03c3\u03c2",
    # Marks of Unicode 16 and 17 (the reference's grapheme clusters): the whole cluster is
    # looked up in the charsmap, so the mark goes with the letter the charsmap rewrites.
    "Z\u1ad0", "marks: K\u1ad3 \u02e3\u1adb O\u1ae2 \u02e3\u0897 Y\u1aea",
    # A conjunct (consonant, virama, consonant: rule GB9c) is one cluster, too long to be
    # looked up whole, so the accent after U+0958 stays.
    "\u0915\u094d\u0958\u0301 conjunct",
    # <mask> takes the vertical tab and space before it; trim_offsets then drops them.
    "\x0b <mask>", "x\x0c\x0b <mask>\x0b",
    # Case folding in place (a character becomes one of its own UTF-8 length) and where it
    # must not apply: a mark, ZWJ or Prepend joins the letter's cluster, CR LF is one cluster,
    # clusters of 4, 5 and 6 bytes, a fullwidth letter or a removal among folded ones.
    "HELLO WORLD", "ABC\u0301D", "UPPER\r\nLOWER \u03a9\u200d\u03a3 A\u200dB",
    "\u00c9COLE \u0416\u0301 A\u0301\u0302 \u03a9\u0301\u0302 \u0416\u0308\u0301",
    "AB \uff21\uff22 Cd", "\u0600A \u10a0\u10a1 Stra\u00dfe", "\u200bABC", "\x01AB  CD   EF  ",
]

EXPECTED = "expected.txt"
TEXTS = "parity-texts.txt"


def training_text(directory):
    corpus = os.path.join(directory, "corpus.txt")
    subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "tokenizer", "make-corpus.py"),
                    corpus, "--size", str(TRAIN_MB), "--shared", os.path.join(directory, "none")],
                   check=True)
    return corpus


def spm_fixture(train, directory, name, rule, byte_fallback):
    import sentencepiece as spm

    prefix = os.path.join(directory, name)
    spm.SentencePieceTrainer.train(
        input=train, model_prefix=prefix, vocab_size=VOCAB_SIZE, model_type="unigram",
        normalization_rule_name=rule, byte_fallback=byte_fallback, character_coverage=0.98,
        num_threads=1, shuffle_input_sentence=False, minloglevel=2)
    return xlm_roberta_tokenizer(prefix + ".model")


def xlm_roberta_tokenizer(model_file):
    """The tokenizers.Tokenizer transformers' XLM-R converter makes of a sentencepiece model
    (also used by benchmarks/tokenizer/make-large-unigram.py)."""
    from tokenizers import AddedToken
    from transformers.convert_slow_tokenizer import XLMRobertaConverter

    class SlowXLMRoberta:
        """What XLMRobertaConverter reads of a slow XLMRobertaTokenizer."""
        vocab_file = model_file

        def convert_tokens_to_ids(self, token):
            return {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}[token]

    tokenizer = XLMRobertaConverter(SlowXLMRoberta()).converted()
    # As transformers' XLMRobertaTokenizerFast registers them: <mask> strips space on its left.
    tokenizer.add_special_tokens([AddedToken("<pad>", normalized=False, special=True),
                                  AddedToken("<unk>", normalized=False, special=True),
                                  AddedToken("<mask>", lstrip=True, normalized=False, special=True)])
    return tokenizer


def hf_unigram(train):
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    tokenizer = Tokenizer(models.Unigram())
    tokenizer.normalizer = normalizers.Sequence([normalizers.Strip(), normalizers.Lowercase(),
                                                 normalizers.Replace("``", '"')])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="first")
    tokenizer.decoder = decoders.Metaspace(prepend_scheme="first")
    # Every character of the text needs a piece: more than VOCAB_SIZE here.
    trainer = trainers.UnigramTrainer(vocab_size=2 * VOCAB_SIZE, unk_token="<unk>",
                                      special_tokens=["<s>", "</s>", "<unk>"], show_progress=False)
    tokenizer.train([train], trainer)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", tokenizer.token_to_id("<s>")), ("</s>", tokenizer.token_to_id("</s>"))])
    return tokenizer


def hf_bpe(train, affixes):
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    options = {"continuing_subword_prefix": "##", "end_of_word_suffix": "</w>"} if affixes else {}
    tokenizer = Tokenizer(models.BPE(**options))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=not affixes)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE // 2, show_progress=False,
                                  special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), **options)
    tokenizer.train([train], trainer)
    tokenizer.add_special_tokens([AddedToken("<mask>", lstrip=True, normalized=False, special=True)])
    tokenizer.post_processor = processors.RobertaProcessing(
        ("</s>", tokenizer.token_to_id("</s>")), ("<s>", tokenizer.token_to_id("<s>")),
        trim_offsets=not affixes, add_prefix_space=not affixes)
    return tokenizer


def byte_offsets(text, offsets):
    positions = [0]
    for c in text:
        positions.append(positions[-1] + len(c.encode("utf-8")))
    return [(positions[s], positions[e]) for s, e in offsets]


def expected_line(tokenizer, text):
    encoding = tokenizer.encode(text)
    spans = byte_offsets(text, encoding.offsets)
    return " ".join(f"{i}:{t}:{s}:{e}" for i, t, (s, e) in zip(encoding.ids, encoding.type_ids, spans))


def parity_texts(train):
    with open(train, encoding="utf-8") as f:
        lines = f.read().split("\n")
    rng = random.Random(15)
    return HOSTILE + rng.sample([line for line in lines if line], SAMPLED_LINES)



def stored_fixtures(directory):
    """The fixtures as they are, and the parity texts with HOSTILE as it is now."""
    from tokenizers import Tokenizer
    fixtures = {name: Tokenizer.from_file(os.path.join(directory, name, "tokenizer.json"))
                for name in sorted(os.listdir(directory))
                if os.path.exists(os.path.join(directory, name, EXPECTED))}
    return fixtures, HOSTILE + read_records(os.path.join(directory, TEXTS))[-SAMPLED_LINES:]


def write_fixtures(directory, fixtures, texts, save_tokenizers=True):
    with open(os.path.join(directory, TEXTS), "wb") as f:
        for text in texts:
            data = text.encode("utf-8")
            f.write(b"%d\n%s\n" % (len(data), data))
    for name, tokenizer in fixtures.items():
        folder = os.path.join(directory, name)
        os.makedirs(folder, exist_ok=True)
        if save_tokenizers:
            tokenizer.save(os.path.join(folder, "tokenizer.json"), pretty=False)
        with open(os.path.join(folder, EXPECTED), "w", encoding="utf-8") as f:
            for text in texts:
                f.write(expected_line(tokenizer, text) + "\n")
        print(f"{folder}: {os.path.getsize(os.path.join(folder, 'tokenizer.json')) / 1e3:.0f} kB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(HERE, "data"))
    parser.add_argument("--update-expected", action="store_true",
                        help="keep the tokenizers and sampled lines; remake the expected outputs")
    args = parser.parse_args()
    if args.update_expected:
        fixtures, texts = stored_fixtures(args.out)
        write_fixtures(args.out, fixtures, texts, save_tokenizers=False)
        return
    with tempfile.TemporaryDirectory() as work:
        train = training_text(work)
        fixtures = {
            "unigram-nmt-nfkc": spm_fixture(train, work, "nfkc", "nmt_nfkc", False),
            "unigram-nmt-nfkc-cf": spm_fixture(train, work, "nfkc_cf", "nmt_nfkc_cf", True),
            "unigram-hf": hf_unigram(train),
            "bpe-roberta": hf_bpe(train, False),
            "bpe-affixes": hf_bpe(train, True),
        }
        texts = parity_texts(train)
    from tokenizers import Tokenizer
    fallback = json.loads(fixtures["unigram-nmt-nfkc-cf"].to_str())
    fallback["model"]["byte_fallback"] = True
    fixtures["unigram-byte-fallback"] = Tokenizer.from_str(json.dumps(fallback))
    write_fixtures(args.out, fixtures, texts)


if __name__ == "__main__":
    main()
