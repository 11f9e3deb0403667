#!/usr/bin/env python3
"""Mutates tokenizer.json files and checks that gst-bert accepts exactly what Hugging Face accepts.

Every fixture given is rewritten many ways: each member of its parts (normalizer,
pre_tokenizer, model, post_processor, decoder, truncation, padding, the first added token,
and the file's top level) deleted, made null or given a value of every other JSON type, each
"type" removed or made unknown, and each part replaced by a list of known variants (every
decoder tokenizers has, typed and untyped, well and badly formed; the normalisers under
their types and without; versions; truncation and padding forms). Each mutation is loaded by
Hugging Face tokenizers (Tokenizer.from_str) and by bert-tokenize, and falls in one of:

  both refuse          fine
  both accept          fine when both encode the sample texts alike (ids and byte offsets)
  only HF accepts      a form gst-bert does not support (listed; fine when it names it)
  only gst-bert accepts   a difference: gst-bert must refuse what the reference refuses
  both accept, differ  a difference

Exit status 1 on any difference, 77 (skipped) where the tokenizers package is missing (it
tries $GST_BERT_TOKENIZERS_PYTHON, default /tmp/venv-tokenizers/bin/python, first).

  /tmp/venv-tokenizers/bin/python tests/tokenizer/tokenizer-json-differential.py \\
      --cli build/tests/tokenizer/bert-tokenize tests/tokenizer/data/*/tokenizer.json
"""
import argparse
import copy
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))

try:
    import tokenizers
except ImportError:
    # the meson test runs Debian's python3: try the virtual environment the docs use
    VENV_PYTHON = os.environ.get("GST_BERT_TOKENIZERS_PYTHON", "/tmp/venv-tokenizers/bin/python")
    if os.path.exists(VENV_PYTHON) and os.path.realpath(VENV_PYTHON) != os.path.realpath(sys.executable):
        os.execv(VENV_PYTHON, [VENV_PYTHON] + sys.argv)
    print("tokenizer-json-differential: skipped: needs Hugging Face tokenizers (pip install "
          "tokenizers==0.23.3), in this python or in $GST_BERT_TOKENIZERS_PYTHON "
          "(default /tmp/venv-tokenizers/bin/python)")
    sys.exit(SKIP)

# Values a member is replaced by, one mutation each: every JSON type.
RETYPES = [None, True, 0, 1, -1, 1.5, "x", "", [], {}]
REMOVED = object()

# Members whose content is data (every token, merge or byte): only the member itself is mutated.
DATA_MEMBERS = {"vocab", "merges", "precompiled_charsmap", "ids", "tokens"}

DECODERS = [
    None, {}, [], 1, "WordPiece",
    {"type": "WordPiece", "prefix": "##", "cleanup": True},
    {"type": "WordPiece"}, {"type": "WordPiece", "prefix": "##"}, {"prefix": "##", "cleanup": True},
    {"type": "WordPiece", "prefix": 1, "cleanup": True}, {"type": "Foo", "prefix": "##", "cleanup": True},
    {"type": 1, "prefix": "##", "cleanup": True}, {"type": None, "prefix": "##", "cleanup": True},
    {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
    {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True},
    {"type": "ByteLevel", "add_prefix_space": True}, {"type": "ByteLevel"},
    {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": None},
    {"add_prefix_space": True, "trim_offsets": True, "use_regex": True},
    {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
    {"type": "Metaspace", "replacement": "\u2581"}, {"type": "Metaspace"},
    {"type": "Metaspace", "replacement": "ab"}, {"type": "Metaspace", "replacement": ""},
    {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "sometimes"},
    {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": False},
    {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": False, "prepend_scheme": "never"},
    {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": True, "str_rep": "\u2581"},
    {"type": "Metaspace", "replacement": "\u2581", "split": None},
    {"type": "Metaspace", "replacement": "\u2581", "str_rep": 1},
    {"replacement": "\u2581", "prepend_scheme": "always", "split": True},
    {"type": "BPEDecoder", "suffix": "</w>"}, {"type": "BPEDecoder"}, {"suffix": "</w>"},
    {"type": "CTC", "pad_token": "<pad>", "word_delimiter_token": "|", "cleanup": True}, {"type": "CTC"},
    {"pad_token": "<pad>", "word_delimiter_token": "|", "cleanup": True},
    {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
    {"type": "Replace", "pattern": {"Regex": "\u2581+"}, "content": " "},
    {"type": "Replace", "pattern": {"Regex": "("}, "content": " "},
    {"type": "Replace", "pattern": {"String": "a", "Regex": "b"}, "content": " "},
    {"type": "Replace", "pattern": "a", "content": " "}, {"type": "Replace", "pattern": {"String": "a"}},
    {"pattern": {"String": "\u2581"}, "content": " "},
    {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Fuse", "extra": 1},
    {"type": "Strip", "content": " ", "start": 1, "stop": 0}, {"type": "Strip"},
    {"type": "Strip", "content": "ab", "start": 1, "stop": 0},
    {"type": "Strip", "content": " ", "start": -1, "stop": 0},
    {"type": "Strip", "content": " ", "start": 1.0, "stop": 0},
    {"content": " ", "start": 1, "stop": 0},
    {"type": "Sequence", "decoders": []}, {"type": "Sequence"}, {"decoders": []},
    {"type": "Sequence", "decoders": [{"type": "ByteFallback"}, {"type": "Fuse"}]},
    {"type": "Sequence", "decoders": [{"type": "Foo"}]},
    {"type": "Sequence", "decoders": [{"prefix": "##", "cleanup": True}]},
    {"type": "Sequence", "decoders": [{"type": "Sequence", "decoders": [{"type": "ByteLevel"}]}]},
    {"type": "Sequence", "decoders": {}},
]

NORMALIZERS = [
    None, {}, [], 1,
    {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True, "strip_accents": None,
     "lowercase": True},
    {"type": "Bert", "clean_text": True, "handle_chinese_chars": True, "strip_accents": None, "lowercase": True},
    {"type": "Bert", "clean_text": True, "handle_chinese_chars": True, "lowercase": True},
    {"type": "Bert", "clean_text": True, "handle_chinese_chars": True, "strip_accents": None},
    {"type": "Foo", "clean_text": True, "handle_chinese_chars": True, "strip_accents": None, "lowercase": True},
    {"type": 1, "clean_text": True, "handle_chinese_chars": True, "strip_accents": None, "lowercase": True},
    {"type": None, "clean_text": True, "handle_chinese_chars": True, "strip_accents": None, "lowercase": True},
    {"clean_text": True, "handle_chinese_chars": True, "lowercase": False},
    {"type": "BertNormalizer", "strip_left": True, "strip_right": True},
    {"type": "Foo", "strip_left": True, "strip_right": True},
    {"type": "Strip", "strip_left": True, "strip_right": True}, {"type": "Strip"},
    {"type": "Strip", "strip_left": True, "strip_right": True, "clean_text": True,
     "handle_chinese_chars": True, "lowercase": True},
    {"type": "Lowercase"}, {"type": "Lowercase", "clean_text": True}, {"type": "NFKC"}, {"type": "Foo"},
    {"type": "Prepend", "prepend": "\u2581"}, {"type": "Foo", "prepend": "\u2581"}, {"prepend": "\u2581"},
    {"type": "Prepend"},
    {"type": "Replace", "pattern": {"String": "a"}, "content": "b"},
    {"type": "Foo", "pattern": {"String": "a"}, "content": "b"},
    {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
    {"type": "Replace", "pattern": {"Regex": "("}, "content": " "},
    {"type": "Sequence", "normalizers": []}, {"type": "Sequence"}, {"normalizers": []},
    {"type": "Foo", "normalizers": [{"type": "Lowercase"}]},
    {"type": "Sequence", "normalizers": [{"type": "Lowercase"}, {"type": "Strip", "strip_left": True,
                                                                  "strip_right": True}]},
    {"type": "Sequence", "normalizers": [{"type": "Foo"}]},
    {"type": "Sequence", "normalizers": [{"type": "Foo", "prepend": "\u2581"}]},
    {"type": "Sequence", "normalizers": [{"type": "Bert", "clean_text": True, "handle_chinese_chars": True,
                                          "strip_accents": None, "lowercase": True}]},
    {"type": "Precompiled", "precompiled_charsmap": None}, {"type": "Precompiled"},
    {"type": "Precompiled", "precompiled_charsmap": ""},
]

VERSIONS = [REMOVED, "1.0", "1", "1.0 ", "2.0", "", None, 1, 1.0, []]

TRUNCATIONS = [
    None, {}, 1, {"max_length": 100},
    {"max_length": 100, "strategy": "LongestFirst", "stride": 0},
    {"max_length": 100, "strategy": "LongestFirst", "stride": 0, "direction": "Right"},
    {"max_length": 100, "strategy": "LongestFirst", "stride": 0, "direction": "Left"},
    {"max_length": 100, "strategy": "OnlyFirst", "stride": 0, "direction": "Right"},
    {"max_length": 100, "strategy": "Foo", "stride": 0}, {"max_length": 100, "stride": 0},
    {"max_length": 100, "strategy": "LongestFirst"}, {"strategy": "LongestFirst", "stride": 0},
    {"max_length": 100, "strategy": "LongestFirst", "stride": 0, "direction": "Up"},
    {"max_length": 100, "strategy": "LongestFirst", "stride": 100},
    {"max_length": 0, "strategy": "LongestFirst", "stride": 0},
    {"max_length": 5, "strategy": "LongestFirst", "stride": 0},
    {"max_length": 100.0, "strategy": "LongestFirst", "stride": 0},
    {"max_length": -1, "strategy": "LongestFirst", "stride": 0},
]

PADDINGS = [
    None, {}, 1,
    {"strategy": "BatchLongest", "direction": "Right", "pad_to_multiple_of": None, "pad_id": 0,
     "pad_type_id": 0, "pad_token": "[PAD]"},
    {"strategy": {"Fixed": 128}, "direction": "Right", "pad_to_multiple_of": None, "pad_id": 0,
     "pad_type_id": 0, "pad_token": "[PAD]"},
    {"strategy": "Fixed", "direction": "Right", "pad_to_multiple_of": None, "pad_id": 0, "pad_type_id": 0,
     "pad_token": "[PAD]"},
    {"strategy": "BatchLongest", "direction": "Right", "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"},
    {"strategy": "BatchLongest", "direction": "Right", "pad_to_multiple_of": 8, "pad_id": 0,
     "pad_type_id": 0, "pad_token": "[PAD]"},
    {"strategy": "BatchLongest", "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"},
    {"pad_id": 0}, {"pad_id": 5}, {"pad_id": -1},
]


def members_mutations(value, path):
    """(label, function) mutations of value's members, recursively but not into data."""
    if isinstance(value, dict):
        for key, member in value.items():
            here = path + [key]
            yield ("delete " + "/".join(map(str, here)), here, REMOVED)
            if key == "type":
                yield ("unknown type " + "/".join(map(str, here)), here, "Foo")
            for other in RETYPES:
                if type(other) is not type(member) or other != member:
                    yield (f"{'/'.join(map(str, here))} = {json.dumps(other)}", here, other)
            if key not in DATA_MEMBERS:
                yield from members_mutations(member, here)
    elif isinstance(value, list):
        for i, member in enumerate(value[:3]):
            yield from members_mutations(member, path + [i])


def set_path(document, path, value):
    target = document
    for key in path[:-1]:
        target = target[key]
    if value is REMOVED:
        del target[path[-1]]
    else:
        target[path[-1]] = value


def mutations(document):
    parts = ["normalizer", "pre_tokenizer", "post_processor", "decoder", "truncation", "padding", "model"]
    for part in parts:
        if document.get(part) is not None:
            yield from members_mutations(document[part], [part])
    if document.get("added_tokens"):
        yield from members_mutations(document["added_tokens"][0], ["added_tokens", 0])
    for key in list(document):
        for other in (REMOVED, None, 1, "x", [], {}):
            yield (f"top {key} = {'removed' if other is REMOVED else json.dumps(other)}", [key], other)
    for part, variants in (("decoder", DECODERS), ("normalizer", NORMALIZERS), ("version", VERSIONS),
                           ("truncation", TRUNCATIONS), ("padding", PADDINGS)):
        for variant in variants:
            shown = "removed" if variant is REMOVED else json.dumps(variant, ensure_ascii=False)
            yield (f"{part} := {shown}", [part], variant)


def load_compare_module():
    spec = importlib.util.spec_from_file_location("compare_with_hf", os.path.join(HERE, "compare-with-hf.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def hf_result(compare, text, texts):
    """(encodings, None) where Hugging Face loads the file, else (None, its error); in a child
    process, as some refusals are panics that abort the process."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        try:
            hf = tokenizers.Tokenizer.from_str(text)
            hf.no_truncation()
            hf.no_padding()
            result = {"tokens": compare.hf_tokens(hf, texts)}
        except BaseException as error:  # a panic in the Rust code arrives as PanicException
            result = {"error": str(error).split("\n")[0]}
        with os.fdopen(writer, "w") as f:
            json.dump(result, f)
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    if not data:
        return None, f"aborted (wait status {status})"
    result = json.loads(data)
    if "error" in result:
        return None, result["error"]
    return [[tuple(token) for token in tokens] for tokens in result["tokens"]], None


def our_result(cli, path, texts):
    """(encodings, None) where bert-tokenize loads the file, else (None, its error)."""
    data = bytearray()
    for text in texts:
        encoded = text.encode("utf-8")
        data += b"%d\n%s\n" % (len(encoded), encoded)
    run = subprocess.run([cli, "--records", path], input=data, capture_output=True, check=False)
    if run.returncode != 0:
        return None, run.stderr.decode(errors="replace").strip()
    lines = run.stdout.decode().split("\n")[:-1]
    return [[tuple(int(v) for v in item.split(":")) for item in line.split()] for line in lines], None


def difference(texts, expected, got):
    for text, want, have in zip(texts, expected, got):
        if want != have:
            return f"text {text!r}: hf {want}, ours {have}"
    return None if len(got) == len(texts) else f"{len(got)} encodings for {len(texts)} texts"


def check_fixture(compare, cli, fixture, texts, scratch, counts, show):
    with open(fixture, encoding="utf-8") as f:
        original = json.load(f)
    path = os.path.join(scratch, "tokenizer.json")
    seen = set()
    for label, where, value in mutations(original):
        document = copy.deepcopy(original)
        try:
            set_path(document, where, value)
        except (KeyError, IndexError):
            continue
        text = json.dumps(document, ensure_ascii=False)
        if text in seen:
            continue
        seen.add(text)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        expected, hf_error = hf_result(compare, text, texts)
        got, our_error = our_result(cli, path, texts)
        if expected is None and got is None:
            kind, detail = "both refuse", our_error
        elif expected is None:
            kind, detail = "only gst-bert accepts", f"HF: {hf_error}"
        elif got is None:
            kind, detail = "only HF accepts", our_error
        else:
            detail = difference(texts, expected, got)
            kind = "both accept, differ" if detail else "both accept"
        counts[kind] = counts.get(kind, 0) + 1
        if kind in show:
            print(f"{fixture}: {kind}: {label}\n    {detail}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cli", required=True, help="path of bert-tokenize")
    parser.add_argument("--texts", default=os.path.join(HERE, "data", "parity-texts.txt"),
                        help="texts encoded by both where both accept (first 40 lines, plus random ones)")
    parser.add_argument("--list-unsupported", action="store_true",
                        help="also list the mutations only Hugging Face accepts")
    parser.add_argument("fixture", nargs="+", help="tokenizer.json files")
    args = parser.parse_args()
    if tokenizers.__version__ != "0.23.3":
        print(f"note: tokenizers {tokenizers.__version__}, the reference is 0.23.3")

    compare = load_compare_module()
    texts = compare.read_texts([args.texts])[:40] + compare.random_texts(20, 15)
    show = {"only gst-bert accepts", "both accept, differ"}
    if args.list_unsupported:
        show.add("only HF accepts")
    counts = {}
    with tempfile.TemporaryDirectory() as scratch:
        for fixture in args.fixture:
            check_fixture(compare, args.cli, fixture, texts, scratch, counts, show)
    print(", ".join(f"{kind}: {counts.get(kind, 0)}" for kind in
                    ("both refuse", "both accept", "only HF accepts", "only gst-bert accepts",
                     "both accept, differ")))
    sys.exit(1 if any(counts.get(kind) for kind in show - {"only HF accepts"}) else 0)


if __name__ == "__main__":
    main()
