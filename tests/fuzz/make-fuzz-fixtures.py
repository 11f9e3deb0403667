#!/usr/bin/env python3
"""Writes the fuzzers' fixed model folder (tests/data/tiny-model/, which the fault tests share)
and their seed corpora (corpus/<target>/).

Run once and commit the output: the files are small (the largest, a safetensors seed, is under
10 KB) and deterministic (a fixed random seed), so the fuzz and fault tests need neither numpy
nor the shared model folders. Usage: make-fuzz-fixtures.py [OUT_DIR [MODEL_PARENT_DIR]]
(default: this folder and tests/data).
"""
import json
import os
import random
import struct
import sys

# The tiny BERT every fixture describes: big enough for two heads, a pooler and a few
# dozen real word pieces, small enough that a fuzzer loads and runs it in microseconds.
HIDDEN = 8
HEADS = 2
LAYERS = 1
INTERMEDIATE = 16
MAX_POSITIONS = 32
TYPE_VOCAB = 2

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = ["the", "a", "is", "it", "of", "and", "to", "in", "hello", "world", "music", "playing",
         "play", "##ing", "##s", "##ed", "un", "##aff", "##able", "cafe", "caf", "##e", "fox",
         "jump", "##ed", "over", "dog", "lazy", "quick", "brown", "straße", "ça", "va", "très",
         "bien", "привет", "мир", "你", "好", "世", "界", "日", "本", "##ly", "good", "bad"]


def vocabulary():
    tokens = list(SPECIAL_TOKENS)
    tokens += [chr(c) for c in range(ord("!"), ord("~") + 1)]
    tokens += ["##" + chr(c) for c in range(ord("a"), ord("z") + 1)]
    for word in WORDS:
        if word not in tokens:
            tokens.append(word)
    return tokens


def config(vocab_size, architecture="BertModel", extra=None):
    result = {
        "architectures": [architecture],
        "model_type": "bert",
        "hidden_size": HIDDEN,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
        "intermediate_size": INTERMEDIATE,
        "hidden_act": "gelu",
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": MAX_POSITIONS,
        "type_vocab_size": TYPE_VOCAB,
        "vocab_size": vocab_size,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
    }
    result.update(extra or {})
    return result


def tensor_shapes(vocab_size, num_labels=0, pooler=True):
    """(name, shape) of every tensor of a BertModel, in Hugging Face's naming."""
    shapes = [
        ("embeddings.word_embeddings.weight", [vocab_size, HIDDEN]),
        ("embeddings.position_embeddings.weight", [MAX_POSITIONS, HIDDEN]),
        ("embeddings.token_type_embeddings.weight", [TYPE_VOCAB, HIDDEN]),
        ("embeddings.LayerNorm.weight", [HIDDEN]),
        ("embeddings.LayerNorm.bias", [HIDDEN]),
    ]
    for layer in range(LAYERS):
        prefix = f"encoder.layer.{layer}."
        for name in ("attention.self.query", "attention.self.key", "attention.self.value",
                     "attention.output.dense"):
            shapes += [(prefix + name + ".weight", [HIDDEN, HIDDEN]), (prefix + name + ".bias", [HIDDEN])]
        shapes += [
            (prefix + "attention.output.LayerNorm.weight", [HIDDEN]),
            (prefix + "attention.output.LayerNorm.bias", [HIDDEN]),
            (prefix + "intermediate.dense.weight", [INTERMEDIATE, HIDDEN]),
            (prefix + "intermediate.dense.bias", [INTERMEDIATE]),
            (prefix + "output.dense.weight", [HIDDEN, INTERMEDIATE]),
            (prefix + "output.dense.bias", [HIDDEN]),
            (prefix + "output.LayerNorm.weight", [HIDDEN]),
            (prefix + "output.LayerNorm.bias", [HIDDEN]),
        ]
    if pooler:
        shapes += [("pooler.dense.weight", [HIDDEN, HIDDEN]), ("pooler.dense.bias", [HIDDEN])]
    if num_labels:
        shapes += [("classifier.weight", [num_labels, HIDDEN]), ("classifier.bias", [num_labels])]
    return shapes


def encode_values(values, dtype):
    if dtype == "F32":
        return struct.pack(f"<{len(values)}f", *values)
    if dtype == "F16":
        return struct.pack(f"<{len(values)}e", *values)
    # BF16: the upper half of the F32 bits.
    return b"".join(struct.pack("<I", v)[2:] for v in struct.unpack(f"<{len(values)}I",
                                                                       struct.pack(f"<{len(values)}f", *values)))


def safetensors(shapes, dtype="F32", prefix="", metadata=None, rng=None):
    rng = rng or random.Random(1)
    header = {}
    blobs = []
    offset = 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, shape in shapes:
        count = 1
        for dim in shape:
            count *= dim
        if name.endswith("LayerNorm.weight"):
            values = [1.0 + rng.uniform(-0.1, 0.1) for _ in range(count)]
        else:
            values = [rng.gauss(0.0, 0.5) for _ in range(count)]
        blob = encode_values(values, dtype)
        header[prefix + name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the format pads the header to 8 bytes with spaces
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def tokenizer_json(tokens, lowercase=True, post_processor="template"):
    ids = {token: index for index, token in enumerate(tokens)}
    added = [{"id": ids[t], "special": True, "content": t, "single_word": False, "lstrip": False,
              "rstrip": False, "normalized": False} for t in SPECIAL_TOKENS]
    if post_processor == "template":
        processor = {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {t: {"id": t, "ids": [ids[t]], "tokens": [t]} for t in ("[CLS]", "[SEP]")},
        }
    else:
        processor = {"type": "BertProcessing", "sep": ["[SEP]", ids["[SEP]"]], "cls": ["[CLS]", ids["[CLS]"]]}
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": lowercase},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": processor,
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": ids},
    }


def byte_level_alphabet():
    """GPT-2's byte-to-character map: printable bytes stand for themselves."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    extra = iter(range(256, 512))
    return [chr(b) if b in printable else chr(next(extra)) for b in range(256)]


def subword_added_tokens(specials):
    return [{"id": index, "special": True, "content": token, "single_word": False,
             "lstrip": token == "<mask>", "rstrip": False, "normalized": False}
            for index, token in enumerate(specials)]


def unigram_json(tokens):
    """An XLM-R-like Unigram tokenizer.json (no Precompiled charsmap: too large for a seed)."""
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    pieces = [[t, 0.0] for t in specials] + [["\u2581", -2.0], ["<0x41>", -9.0], ["<0xC3>", -9.0]]
    words = [t for t in tokens if not t.startswith("[") and not t.startswith("##")]
    pieces += [["\u2581" + t, -3.0 - i / 7] for i, t in enumerate(words)]
    pieces += [[t[2:], -4.0 - i / 5] for i, t in enumerate(tokens) if t.startswith("##")]
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": subword_added_tokens(specials),
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Strip", "strip_left": True, "strip_right": True}, {"type": "Lowercase"},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always",
                          "split": True},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                      {"Sequence": {"id": "A", "type_id": 0}},
                                      {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                           "pair": [{"Sequence": {"id": "A", "type_id": 0}}],
                           "special_tokens": {t: {"id": t, "ids": [specials.index(t)], "tokens": [t]}
                                              for t in ("<s>", "</s>")}},
        "decoder": None,
        "model": {"type": "Unigram", "unk_id": 3, "vocab": pieces, "byte_fallback": True},
    }


def bpe_json(tokens):
    """A RoBERTa-like byte-level BPE tokenizer.json: the byte alphabet and a few merges."""
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    vocab = {t: i for i, t in enumerate(specials + byte_level_alphabet())}
    merges = []
    for word in ["\u0120the", "\u0120a", "ing", "er"]:
        merged = word[0]
        for c in word[1:]:
            merges.append([merged, c])
            merged += c
            vocab.setdefault(merged, len(vocab))
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": subword_added_tokens(specials),
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                          "use_regex": True},
        "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0],
                           "trim_offsets": True, "add_prefix_space": True},
        "decoder": None,
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                  "ignore_merges": False, "vocab": vocab, "merges": merges},
    }


MODULES = [
    {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
    {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
]


def pooling(mode):
    return {"word_embedding_dimension": HIDDEN,
            "pooling_mode_cls_token": mode == "cls", "pooling_mode_mean_tokens": mode == "mean",
            "pooling_mode_max_tokens": mode == "max", "pooling_mode_mean_sqrt_len_tokens": False}


# Separates the files of one st-files fuzz input: modules.json, 1_Pooling/config.json,
# sentence_bert_config.json (fuzz-st-files.c splits on the same line).
ST_SEPARATOR = b"\n--8<--\n"

TEXTS = [
    "Hello, world!",
    "[Music playing]",
    "- Where are you going?\n- Home.",
    "The café's crème brûlée was naïve… but délicieux.",
    "Straße, Größe, Übermäßig, façade",
    "ΣΊΣΥΦΟΣ ΟΔΟΣ",
    "Привет, как дела?",
    "你好世界，日本語のテキスト",
    "İstanbul'da ıspanak",
    "emoji 👍🏽 and ZWJ 👩‍👩‍👧 family",
    "tab\tnewline\ncarriage\rreturn\x00nul\x7fdel",
    "a" * 120,
    "unaffable playing played jumps quickly",
    "e\u0301 a\u0300 combining marks, \ufffd replacement, \u200b zero width",
    "$+<=>^`|~ symbols",
]

INVALID_UTF8 = [
    b"\xff\xfe invalid lead bytes",
    b"truncated \xe4\xbd",
    b"overlong \xc0\xaf slash",
    b"surrogate \xed\xa0\x80 half",
    b"\xf4\x90\x80\x80 beyond U+10FFFF",
    b"mixed \xe4\xbd\xa0\x80\x80 continuation",
]

MARKUP = [
    "<i>Hello</i> <b>world</b>",
    "<span foreground=\"red\">alert</span> &amp; &lt;tag&gt;",
    "unclosed <i>italic",
    "<<<>>> &#x41;&#66; &bogus; &",
    "<span font_desc='Sans 12'>a<b>b</b>c</span>",
    "no markup at all",
]


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(path, "wb") as out:
        out.write(data)


def write_json(path, value):
    write(path, json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def write_model(out, tokens):
    model = os.path.join(out, "tiny-model")
    write_json(os.path.join(model, "config.json"), config(len(tokens)))
    write(os.path.join(model, "model.safetensors"), safetensors(tensor_shapes(len(tokens))))
    write(os.path.join(model, "vocab.txt"), "\n".join(tokens) + "\n")
    write_json(os.path.join(model, "tokenizer_config.json"),
               {"do_lower_case": True, "tokenizer_class": "BertTokenizer", "model_max_length": MAX_POSITIONS})
    write_json(os.path.join(model, "modules.json"), MODULES)
    write_json(os.path.join(model, "1_Pooling", "config.json"), pooling("mean"))
    write_json(os.path.join(model, "sentence_bert_config.json"), {"max_seq_length": 24, "do_lower_case": False})


def write_text_corpora(corpus):
    for index, text in enumerate(TEXTS):
        write(os.path.join(corpus, "tokenizer-encode", f"text-{index:02d}"), text)
    for index, data in enumerate(INVALID_UTF8):
        write(os.path.join(corpus, "tokenizer-encode", f"invalid-utf8-{index:02d}"), data)
    for index, text in enumerate(MARKUP):
        write(os.path.join(corpus, "tokenizer-encode", f"markup-{index:02d}"), text)
        write(os.path.join(corpus, "markup", f"markup-{index:02d}"), text)
    for index, data in enumerate(INVALID_UTF8[:3]):
        write(os.path.join(corpus, "markup", f"invalid-utf8-{index:02d}"), b"<b>" + data + b"</b> &amp;")
    write(os.path.join(corpus, "markup", "plain"), TEXTS[3])
    # The element fuzzer's first byte is the mode (bit 0 markup, bit 1 split-lines,
    # bits 2-7 max-length), its second where the rest is cut in two buffers.
    element = os.path.join(corpus, "tokenizer-element")
    for index, text in enumerate(MARKUP):
        write(os.path.join(element, f"markup-{index:02d}"), b"\x01\x80" + text.encode())
    for index, data in enumerate(INVALID_UTF8[:3]):
        write(os.path.join(element, f"markup-invalid-utf8-{index:02d}"), b"\x21\x40<b>" + data + b"</b>")
    lines = "\n".join(TEXTS[:6]) + "\r\nlast line without newline"
    write(os.path.join(element, "split-lines"), b"\x02\x60" + lines.encode())
    write(os.path.join(element, "split-lines-markup-max-length"), b"\x1b\xa0" + "\n".join(MARKUP).encode())
    write(os.path.join(element, "plain"), b"\x00\x00" + TEXTS[3].encode())


def write_tokenizer_corpora(corpus, tokens):
    vocab = "\n".join(tokens) + "\n"
    write(os.path.join(corpus, "vocab", "plain"), vocab)
    write(os.path.join(corpus, "vocab", "crlf"), vocab.replace("\n", "\r\n"))
    write(os.path.join(corpus, "vocab", "bom-no-final-newline"), "\ufeff" + vocab.rstrip("\n"))
    write(os.path.join(corpus, "vocab", "duplicates-blank-lines"), vocab + "\n\nthe\n [UNK] \n")
    write(os.path.join(corpus, "vocab", "no-unk"), "\n".join(t for t in tokens if t != "[UNK]") + "\n")
    for name, value in (("template-uncased", tokenizer_json(tokens)),
                        ("template-cased", tokenizer_json(tokens, lowercase=False)),
                        ("bert-processing", tokenizer_json(tokens, post_processor="bert")),
                        ("unigram-metaspace", unigram_json(tokens)), ("bpe-byte-level", bpe_json(tokens))):
        write(os.path.join(corpus, "tokenizer-json", name), json.dumps(value, ensure_ascii=False))
    # The same target loads its input as a tokenizer_config.json too.
    write_json(os.path.join(corpus, "tokenizer-json", "config-uncased"),
               {"do_lower_case": True, "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
                "cls_token": "[CLS]", "mask_token": "[MASK]", "tokenize_chinese_chars": True,
                "strip_accents": None, "tokenizer_class": "BertTokenizer", "model_max_length": 512})
    write_json(os.path.join(corpus, "tokenizer-json", "config-cased-accents"),
               {"do_lower_case": False, "tokenize_chinese_chars": False, "strip_accents": True,
                "model_max_length": 1000000000000000019884624838656})


def write_model_corpora(corpus, tokens):
    vocab_size = len(tokens)
    shapes = tensor_shapes(vocab_size)
    seeds = {
        "f32": safetensors(shapes),
        "f16-bert-prefix": safetensors(shapes, "F16", prefix="bert."),
        "bf16-metadata": safetensors(shapes, "BF16", metadata={"format": "pt"}),
        "f32-no-pooler": safetensors(tensor_shapes(vocab_size, pooler=False), rng=random.Random(2)),
    }
    for name, data in seeds.items():
        write(os.path.join(corpus, "safetensors", name), data)
    configs = {
        "encoder": config(vocab_size),
        "sequence-classifier": config(vocab_size, "BertForSequenceClassification",
                                      {"id2label": {"0": "NEGATIVE", "1": "POSITIVE"},
                                       "label2id": {"NEGATIVE": 0, "POSITIVE": 1}}),
        "multi-label": config(vocab_size, "BertForSequenceClassification",
                              {"id2label": {"0": "news", "1": "sports", "2": "music"},
                               "problem_type": "multi_label_classification"}),
        "token-classifier": config(vocab_size, "BertForTokenClassification",
                                   {"id2label": {"0": "O", "1": "B-PER", "2": "I-PER"}}),
        "gelu-new-relative": config(vocab_size, extra={"hidden_act": "gelu_new",
                                                       "position_embedding_type": "relative_key"}),
    }
    for name, value in configs.items():
        write(os.path.join(corpus, "config", name), json.dumps(value, indent=2))
    for mode in ("mean", "cls", "max"):
        parts = [json.dumps(MODULES), json.dumps(pooling(mode)), json.dumps({"max_seq_length": 16})]
        write(os.path.join(corpus, "st-files", f"pooling-{mode}"), ST_SEPARATOR.join(p.encode() for p in parts))
    write(os.path.join(corpus, "st-files", "no-normalize"),
          ST_SEPARATOR.join([json.dumps(MODULES[:2]).encode(), json.dumps(pooling("mean")).encode(), b"{}"]))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else here
    model_parent = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(here), "data")
    tokens = vocabulary()
    corpus = os.path.join(out, "corpus")
    write_model(model_parent, tokens)
    write_text_corpora(corpus)
    write_tokenizer_corpora(corpus, tokens)
    write_model_corpora(corpus, tokens)


if __name__ == "__main__":
    main()
