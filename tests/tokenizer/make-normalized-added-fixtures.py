#!/usr/bin/env python3
"""Makes the fixtures of added tokens with "normalized": true and their Hugging Face outputs.

Each variant takes a fixture of make-tokenizer-fixtures.py (or, for WordPiece, a small
tokenizer trained here) and gives it other added tokens: special tokens made "normalized"
as roberta-base and the XLM-R tokenizers of transformers 3.x/4.x save them, and words added
with add_tokens (normalized by default), lstrip and rstrip among them. Writes, under
tests/tokenizer/data/normalized-added/:
  texts.txt            the texts, as length-prefixed records (see parity-texts.txt): written
                       cases, then sampled lines of parity-texts.txt with the tokens sprinkled in
  VARIANT/variant.json {"base": fixture folder, "added_tokens": [...]} (the base's tokenizer.json
                       with those added tokens is the variant), or VARIANT/tokenizer.json whole
  VARIANT/expected.txt Hugging Face tokenizers' output per text (id:type_id:start:end, bytes)
test-normalized-added compares with these.

  /tmp/venv-tokenizers/bin/python tests/tokenizer/make-normalized-added-fixtures.py
  /tmp/venv-tokenizers/bin/python tests/tokenizer/make-normalized-added-fixtures.py \
      --folders /tmp/normalized-added --sprinkle CORPUS OUT.txt

  /tmp/venv-tokenizers/bin/python tests/tokenizer/make-normalized-added-fixtures.py \
      --normalized-specials OUT FOLDER...

--normalized-specials writes only copies of real-format files for benchmarks: each
FOLDER's tokenizer.json with its added tokens normalized, as roberta-base has its specials
(OUT/NAME-specials), and with <mask> alone normalized, as transformers 3.x/4.x saved XLM-R
(OUT/NAME-mask). --folders also writes each variant's whole tokenizer.json into DIR/VARIANT/ (for
compare-with-hf.py); --sprinkle writes the first 300 kB (--sprinkle-kb) of CORPUS with every
variant's tokens and their look-alikes sprinkled in.
"""
import argparse
import json
import os
import random

from tokenizers import AddedToken, Tokenizer

from length_records import read_records

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
OUT = os.path.join(DATA, "normalized-added")


def fullwidth(text):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def small_form(text):
    """< and > as NFKC's other sources of them, the small forms."""
    return text.replace("<", "\ufe64").replace(">", "\ufe65")


def specials_normalized(tokenizer, names):
    """The base's added tokens with those named made normalized."""
    added = json.loads(tokenizer.to_str())["added_tokens"]
    for token in added:
        if token["content"] in names:
            token["normalized"] = True
    return added


def with_added(base, added_json, new_tokens):
    """The base with its added_tokens replaced, then new_tokens added as add_tokens does."""
    data = json.loads(base.to_str())
    data["added_tokens"] = added_json
    tokenizer = Tokenizer.from_str(json.dumps(data))
    tokenizer.add_tokens(new_tokens)
    return tokenizer


def load(name):
    return Tokenizer.from_file(os.path.join(DATA, name, "tokenizer.json"))


def wordpiece_uncased():
    """A small uncased WordPiece (BertNormalizer lowercasing and stripping accents)."""
    from tokenizers import models, normalizers, pre_tokenizers, processors, trainers
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=700, show_progress=False,
                                        special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    tokenizer.train_from_iterator(read_records(os.path.join(DATA, "parity-texts.txt")), trainer)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", tokenizer.token_to_id("[CLS]")), ("[SEP]", tokenizer.token_to_id("[SEP]"))])
    return tokenizer


def variants():
    """name: (base fixture or None, tokenizer)."""
    result = {}
    # XLM-R as transformers 3.x/4.x saved it: <mask> normalized, lstrip; Precompiled (NFKC),
    # Replace of space runs, Metaspace prepend always; words a user added.
    base = load("unigram-nmt-nfkc")
    added = specials_normalized(base, {"<mask>"})
    result["xlmr-mask-normalized"] = ("unigram-nmt-nfkc", with_added(base, added, [
        "Covid-19", "\uff44\uff4f\uff4d\uff41\uff49\uff4e", "New York", "<s>x",
        AddedToken("\u2460tag", rstrip=True), AddedToken("Hi!", lstrip=True, rstrip=True),
        AddedToken("York", single_word=True), AddedToken("<sw>", single_word=True, normalized=False)]))
    # tokenizers' own Unigram: Strip, Lowercase, Replace; Metaspace prepend first.
    base = load("unigram-hf")
    added = specials_normalized(base, {"</s>"})
    result["unigram-lowercase-first"] = ("unigram-hf", with_added(base, added, [
        "Hello", "WORLD", " spaced ", "``q", AddedToken("Stra\u00dfe", lstrip=True),
        AddedToken("<sep>", rstrip=True), AddedToken("\u00e9", single_word=True, lstrip=True)]))
    # nmt_nfkc_cf (case folding) with prepend always, <mask> normalized with rstrip.
    base = load("unigram-nmt-nfkc-cf")
    added = json.loads(base.to_str())["added_tokens"]
    for token in added:
        if token["content"] == "<mask>":
            token.update(normalized=True, lstrip=False, rstrip=True)
    result["unigram-casefold-always"] = ("unigram-nmt-nfkc-cf", with_added(base, added, [
        "Hello", "\uff2e\uff25\uff37", AddedToken("end.", lstrip=True)]))
    # roberta-base: its special tokens normalized (no normaliser: patterns are contents),
    # <mask> lstrip and not normalized; byte-level with add_prefix_space.
    base = load("bpe-roberta")
    added = specials_normalized(base, {"<s>", "<pad>", "</s>", "<unk>"})
    result["bpe-roberta-normalized"] = ("bpe-roberta", with_added(base, added, [
        " domain", "COVID", "na\u00efve", AddedToken("Hi!", lstrip=True, rstrip=True),
        AddedToken("ing", single_word=True)]))
    # Real files as saved: roberta-base and its fine-tunes (every special token normalized,
    # <mask> with lstrip; no normaliser), and XLM-R by transformers 4 (<mask> alone, lstrip),
    # where the encoders skip normalising text in which no pattern can start. Beside it a
    # raw "ab" over a normalized "xa" ("xab": the raw one wins), and normalized tokens that
    # NFKC makes from other characters, whole ("\u01c5a": "D\u017ea") or from inside one
    # ("\u017eab" inside "\u01c5ab", "ix" inside "\ufb01x").
    base = load("bpe-roberta")
    result["bpe-roberta-specials"] = (
        "bpe-roberta", with_added(base, specials_normalized(base, {"<s>", "<pad>", "</s>", "<unk>", "<mask>"}), []))
    base = load("unigram-nmt-nfkc")
    added = specials_normalized(base, {"<mask>"})
    result["xlmr-mask-only"] = ("unigram-nmt-nfkc", with_added(base, added, [
        AddedToken("ab", normalized=False), "xa", "D\u017ea", "\u017eab", "ix"]))
    # Lowercase's sources: the Kelvin sign lowercases to "k"; Replace makes '"' of "``".
    base = load("unigram-hf")
    result["unigram-lowercase-sources"] = ("unigram-hf", with_added(base, json.loads(base.to_str())["added_tokens"], [
        "kelvin", "``q", AddedToken("\u01c6x", lstrip=True)]))
    # WordPiece: [MASK] normalized ("[mask]" after BertNormalizer), accents stripped, CJK
    # spaced, a non-normalized token with lstrip and rstrip.
    tokenizer = wordpiece_uncased()
    tokenizer.add_special_tokens([AddedToken("[MASK]", normalized=True, special=True),
                                  AddedToken("[SPECIAL]", lstrip=True, rstrip=True, normalized=False,
                                             special=True)])
    tokenizer.add_tokens(["Caf\u00e9", "na\u00efve", "\u6771\u4eac", "New York",
                          AddedToken("<Hi>", lstrip=True, rstrip=True), AddedToken("Cat", single_word=True),
                          AddedToken("[w]", single_word=True, rstrip=True, normalized=False)])
    result["wordpiece-uncased"] = (None, tokenizer)
    # WordPiece with no normalized token starting with a space: most text skips normalising.
    tokenizer = wordpiece_uncased()
    tokenizer.add_special_tokens([AddedToken("[MASK]", normalized=True, special=True)])
    tokenizer.add_tokens(["kelvin", "\u00c9mile", AddedToken("[x]", lstrip=True)])
    result["wordpiece-mask-only"] = (None, tokenizer)
    return result


WRITTEN = [
    "a <mask> b", "a\uff1cmask\uff1eb", "x \uff1cmask\uff1e  y", "<mask>", "\uff1cmask\uff1e",
    "  \uff1cmask\uff1e  ", "<MASK> <Mask>", "[MASK] [mask] [Mask] \uff3bMASK\uff3d", " [MASK]x",
    "Covid-19 covid-19 COVID-19 \uff23\uff4f\uff56\uff49\uff44-19", "domain \uff44\uff4f\uff4d\uff41\uff49\uff4e DOMAIN",
    "New York  New  York New\u3000York new york", "<s>x a<s>x <s>xx", "\u2460tag   next \u2460TAG",
    "1tag \u2460tag", "Hi!  Hi! hi!Hi!", "  Hi!  ", "Hello world", "Helloworld", "hello WORLD World",
    "  Hello  ", " spaced  spaced ", "``q \"q ``Q", "Stra\u00dfe   STRASSE  stra\u00dfe", "a <sep>  b",
    "<sep>", "x</s>y </s>", "</s>", "HELLO\uff2e\uff25\uff37new", "The end. The END.  end.",
    "end.", "<s> domain</s>", " domain domain  domain", "COVID covid naive na\u00efve NA\u00cfVE",
    "<pad><unk><s></s>", "Caf\u00e9 cafe CAFE\u0301 caf\u00e9s", "\u6771\u4eac \u6771 \u4eac\u6771\u4eac\u90fd",
    "[SPECIAL] x [SPECIAL]y  [SPECIAL]  ", "<Hi>  <hi> <HI>x", "na\u00efve NAIVE na\u00efvely",
    "[CLS] [SEP] [UNK] [PAD]", "\t<mask>\n", "e\u0301 <mask>\u0301", "", " ", "x",
    # single_word: refused next to \w (letters, marks, digits, _), and then consuming its text
    "York Yorkshire NewYork York_ York1 (York) \u00e9York", "<sw> a<sw> <sw>b <sw><sw> \u00a0<sw>\u0301",
    "\u00e9 caf\u00e9 \u00e9\u0301 \u00e9. x \u00e9", "ing going ing, _ing ing\u00b2 \u0669ing",
    "Cat cats CAT! scat C\u00e0t \u0108at", "[w] a[w] [w]b [w]  x [w][w]", "Yo\u200dYork \u2160York",
    # <Hi>'s rstrip takes the space BertNormalizer puts before an ideograph, where the
    # pattern of \u6771\u4eac starts: the reference's next match starts inside it
    "P   <Hi> \u6771\u4eacS", "<Hi>\u6771\u4eac", "[SPECIAL]\u6771\u4eac [SPECIAL] \u6771\u4eac",
    # where the encoders skip normalising text in which no pattern can start: the forms NFKC
    # and Lowercase make a pattern's first character of, at a text's first and last byte,
    # next to raw tokens and across the pieces between them
    "\ufe64mask\ufe65 x\ufe64mask\ufe65y", "a \uff1cmask\uff1e", "\uff1cmask\uff1e a", "\u00a0\uff1cmask\uff1e",
    "<s>   \uff1cmask\uff1e", "\uff1cmask\uff1e   <s>", "<s>\uff1cmask\uff1e</s>", "x </s>  <mask>",
    "xab xa ab xxab abxa", "\u01c5a \u01c5ab D\u017eab \u017eab", "\ufb01x fix ix \ufb01",
    "\u212aelvin kelvin KELVIN Kelvin", "``q \u01c4x  \u01c5x \u01c6x", "\u00c9mile EMILE \u00e9mile Emile",
    "[x]  [X] a [x]", "no token here at all", "\uff1c", "<",

]



def snippets(tokenizers):
    """Every added token's content, its case and width variants, with spaces around."""
    found = set()
    for tokenizer in tokenizers:
        for token in json.loads(tokenizer.to_str())["added_tokens"]:
            content = token["content"]
            found.update({content, content.upper(), content.lower(), fullwidth(content),
                          small_form(content), " " + content + " ", "  " + content})
    return sorted(found)


def sprinkle(line, pieces, rng, count):
    for _ in range(count):
        at = rng.randrange(len(line) + 1)
        line = line[:at] + rng.choice(pieces) + line[at:]
    return line


def expected_line(tokenizer, text):
    encoding = tokenizer.encode(text)
    positions = [0]
    for c in text:
        positions.append(positions[-1] + len(c.encode("utf-8")))
    return " ".join(f"{i}:{t}:{positions[s]}:{positions[e]}"
                    for i, t, (s, e) in zip(encoding.ids, encoding.type_ids, encoding.offsets))


def write_normalized_specials(out, folders):
    """Each folder's tokenizer.json with every added token normalized (NAME-specials, as
    roberta-base and its fine-tunes have them) and, where it has one, with <mask> alone
    normalized (NAME-mask, as transformers 3.x/4.x saved XLM-R)."""
    for folder in folders:
        name = os.path.basename(os.path.normpath(folder))
        with open(os.path.join(folder, "tokenizer.json"), encoding="utf-8") as f:
            data = json.load(f)
        forms = {"specials": lambda content: True}
        if any(token["content"] == "<mask>" for token in data["added_tokens"]):
            forms["mask"] = lambda content: content == "<mask>"
        for suffix, chosen in forms.items():
            for token in data["added_tokens"]:
                token["normalized"] = token["normalized"] or chosen(token["content"])
            os.makedirs(os.path.join(out, f"{name}-{suffix}"), exist_ok=True)
            with open(os.path.join(out, f"{name}-{suffix}", "tokenizer.json"), "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False)
            with open(os.path.join(folder, "tokenizer.json"), encoding="utf-8") as f:
                data = json.load(f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folders", help="also write each variant's tokenizer.json under this folder")
    parser.add_argument("--sprinkle", nargs=2, metavar=("CORPUS", "OUT"),
                        help="write CORPUS's first 300 kB with the tokens sprinkled in to OUT")
    parser.add_argument("--sprinkle-kb", type=int, default=300,
                        help="with --sprinkle: how much of CORPUS, in kB (default 300)")
    parser.add_argument("--normalized-specials", nargs="+", metavar=("OUT", "FOLDER"),
                        help="write each FOLDER's tokenizer.json with its added tokens normalized to OUT "
                             "(for benchmarks), and nothing else")
    args = parser.parse_args()
    if args.normalized_specials:
        write_normalized_specials(args.normalized_specials[0], args.normalized_specials[1:])
        return
    found = variants()
    pieces = snippets(tokenizer for _, tokenizer in found.values())
    rng = random.Random(15)
    sampled = read_records(os.path.join(DATA, "parity-texts.txt"))[-60:]
    texts = WRITTEN + [sprinkle(line, pieces, rng, 3) for line in sampled]
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "texts.txt"), "wb") as f:
        for text in texts:
            data = text.encode("utf-8")
            f.write(b"%d\n%s\n" % (len(data), data))
    for name, (base, tokenizer) in found.items():
        folder = os.path.join(OUT, name)
        os.makedirs(folder, exist_ok=True)
        if base is None:
            tokenizer.save(os.path.join(folder, "tokenizer.json"), pretty=False)
        else:
            added = json.loads(tokenizer.to_str())["added_tokens"]
            with open(os.path.join(folder, "variant.json"), "w", encoding="utf-8") as f:
                json.dump({"base": base, "added_tokens": added}, f, ensure_ascii=False, indent=1)
                f.write("\n")
        with open(os.path.join(folder, "expected.txt"), "w", encoding="utf-8") as f:
            for text in texts:
                f.write(expected_line(tokenizer, text) + "\n")
        if args.folders:
            os.makedirs(os.path.join(args.folders, name), exist_ok=True)
            tokenizer.save(os.path.join(args.folders, name, "tokenizer.json"), pretty=False)
    if args.sprinkle:
        with open(args.sprinkle[0], encoding="utf-8") as f:
            lines = f.read(args.sprinkle_kb * 1000).split("\n")[:-1]
        with open(args.sprinkle[1], "w", encoding="utf-8") as f:
            for line in lines:
                f.write(sprinkle(line, pieces, rng, rng.randrange(4)) + "\n")


if __name__ == "__main__":
    main()
