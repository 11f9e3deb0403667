#!/usr/bin/env python3
"""Makes the fixture of a CamemBERT tokenizer.json as transformers 5 saved it, and its
Hugging Face outputs.

Real CamemBERT fine-tunes saved with transformers 5 (found in public repositories, e.g.
mary-ammar/french-sentiment-camembert) hold a tokenizer.json unlike the converter's: the
piece <unk> twice (ids 3 and 4, the second scored -100, as CamembertTokenizer's constructor
lists them), no Precompiled normaliser but Sequence[Replace(Regex("\\s{2,}|[\\n\\r\\t]"), " "),
Strip(right)], and a split Metaspace alone as pre-tokenizer. This script gives the same shape
to the pieces of data/unigram-nmt-nfkc (a sentencepiece model, as the other Unigram fixtures)
and writes data/camembert-t5/: tokenizer.json, texts.txt (data/parity-texts.txt's texts and the
whitespace cases below, as length-prefixed records) and expected.txt (their outputs, one line
per text, as make-tokenizer-fixtures.py writes them). test-subword-tokenizers compares with these.

  /tmp/venv-tokenizers/bin/python tests/tokenizer/make-camembert5-fixtures.py
"""
import importlib.util
import json
import os

from tokenizers import AddedToken, Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

from length_records import read_records

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")

# Runs of White_Space (Oniguruma's \s) and lone tabs, newlines, carriage returns.
WHITESPACE_CASES = ["a  b", "a\tb", "a\nb", "a\rb", "a \u00a0b", "a\u00a0b", "a\u3000\u3000b", "a\u2028b",
                    "\t", "  ", "a \t \n b  ", "\u0085\u0085x", "x\u000b\u000cy", "<unk>  <unk>\t<s>"]


_spec = importlib.util.spec_from_file_location("make_tokenizer_fixtures",
                                               os.path.join(HERE, "make-tokenizer-fixtures.py"))
make_tokenizer_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_tokenizer_fixtures)


def camembert_t5():
    with open(os.path.join(DATA, "unigram-nmt-nfkc", "tokenizer.json"), encoding="utf-8") as f:
        pieces = [tuple(piece) for piece in json.load(f)["model"]["vocab"][4:]]
    vocab = [("<s>NOTUSED", 0.0), ("<pad>", 0.0), ("</s>NOTUSED", 0.0), ("<unk>", 0.0), ("<unk>", -100.0),
             ("<s>", 0.0), ("</s>", 0.0)] + pieces + [("<mask>", 0.0)]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=3, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([normalizers.Replace(Regex(r"\s{2,}|[\n\r\t]"), " "),
                                                 normalizers.Strip(left=False, right=True)])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tokenizer.add_special_tokens([AddedToken(token, normalized=False, special=True)
                                  for token in ["<s>NOTUSED", "<pad>", "</s>NOTUSED", "<unk>", "<s>", "</s>",
                                                "<mask>", "<unk>NOTUSED"]])
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", 5), ("</s>", 6)])
    assert tokenizer.token_to_id("<unk>") == 4
    return tokenizer


def main():
    tokenizer = camembert_t5()
    folder = os.path.join(DATA, "camembert-t5")
    os.makedirs(folder, exist_ok=True)
    tokenizer.save(os.path.join(folder, "tokenizer.json"), pretty=False)
    texts = read_records(os.path.join(DATA, "parity-texts.txt")) + WHITESPACE_CASES
    with open(os.path.join(folder, "expected.txt"), "w", encoding="utf-8") as f:
        for text in texts:
            f.write(make_tokenizer_fixtures.expected_line(tokenizer, text) + "\n")
    with open(os.path.join(folder, "texts.txt"), "wb") as f:
        for text in texts:
            data = text.encode("utf-8")
            f.write(b"%d\n%s\n" % (len(data), data))
    print(f"{folder}: {os.path.getsize(os.path.join(folder, 'tokenizer.json')) / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
