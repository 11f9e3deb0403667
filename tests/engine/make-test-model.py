#!/usr/bin/python3
"""Writes a tiny deterministic BERT model folder for tests (numpy only, no pip packages).

usage: make-test-model.py OUT_DIR [--head encoder|sequence|multilabel|token]
                          [--dtype f32|f16|bf16] [--no-normalize]
                          [--pooling mean|cls|max|mean_sqrt_len_tokens|weightedmean|lasttoken]
                          [--prefix] [--no-sentence-transformers] [--seed N]
                          [--hidden 32] [--layers 2] [--heads 4] [--intermediate 64]
                          [--max-positions 64] [--labels 3] [--scale 0.5]
                          [--tokenizer-json FILE]

OUT_DIR gets the Hugging Face layout gst-bert loads: config.json, model.safetensors (in the
given dtype; tensor names with the "bert." prefix with --prefix, classifier without, as
transformers writes them), vocab.txt and tokenizer_config.json (lowercasing), and for the
encoder head the sentence-transformers files modules.json, 1_Pooling/config.json (the
pooling mode) and, unless --no-normalize, a 2_Normalize module. Heads: encoder (BertModel),
sequence (BertForSequenceClassification, softmax), multilabel (the same with problem_type
multi_label_classification, sigmoid), token (BertForTokenClassification).

The vocabulary holds the special tokens, ASCII letters, digits and punctuation with their
"##" continuations and a few hundred common English words, so any lowercase ASCII text
tokenizes without [UNK]; vocab_size is its length. Weights are uniform in [-scale, scale]
from numpy's seeded generator (LayerNorm weights around 1), large enough that attention is
far from uniform, so the same arguments always give the same bytes.

With --tokenizer-json, FILE (a Unigram or BPE tokenizer.json, as tests/tokenizer/data has)
is the tokenizer instead of vocab.txt, and vocab_size is its vocabulary's size: a BERT
encoder with another tokenizer, as paraphrase-multilingual-MiniLM-L12-v2 pairs BERT with
XLM-R's Unigram.

Compute reference outputs for the folder with reference_bert.py (beside this file).
"""
import argparse
import json
import os
import string

import numpy as np

WORDS = """the a an and or but of to in on at by for with from up down out over under is are was were be
been being am do does did have has had will would can could should may might must shall i you he she it we they
me him her us them my your his its our their this that these those there here what which who whom whose when
where why how all any both each few more most other some such no nor not only own same so than too very just
now then once again also still even ever never always often sometimes man woman men women child children boy
girl people person dog dogs cat cats bird horse car bus train plane boat bike street road city house home room
door window table chair bed kitchen water food ball music song guitar piano game team player soccer football
basketball tennis beach park field tree trees grass flower sky sun rain snow weather news sports day night time
year today morning evening good bad big small large little old new young long short high low hot cold happy sad
red blue green black white yellow one two three four five many first last next play plays playing played run
runs running walk walks walking sit sits sitting stand standing eat eats eating drink ride riding jump jumping
look looking talk talking say says said go goes going went come comes coming see sees seen make makes making
take takes taking get gets give gives hold holding cut cutting cook cooking dance dancing sing singing swim
swimming read reading write writing open close hello world thank thanks please yes okay well""".split()


# sentence-transformers' Pooling flags before its version 6, by mode name.
POOLING_FLAGS = {"cls": "pooling_mode_cls_token", "max": "pooling_mode_max_tokens",
                 "mean": "pooling_mode_mean_tokens", "mean_sqrt_len_tokens": "pooling_mode_mean_sqrt_len_tokens",
                 "weightedmean": "pooling_mode_weightedmean_tokens", "lasttoken": "pooling_mode_lasttoken"}

def build_vocab():
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    singles = list(string.ascii_lowercase + string.digits + string.punctuation)
    vocab = special + singles + ["##" + c for c in string.ascii_lowercase + string.digits]
    seen = set(vocab)
    for word in WORDS:
        if word not in seen:
            vocab.append(word)
            seen.add(word)
    return vocab


def tensor_list(args, num_labels):
    """(name, shape, kind) in file order; kind is 'random' or 'layernorm'."""
    prefix = "bert." if args.prefix else ""
    h, i = args.hidden, args.intermediate
    tensors = []

    def linear(name, out_features, in_features):
        tensors.append((prefix + name + ".weight", [out_features, in_features], "random"))
        tensors.append((prefix + name + ".bias", [out_features], "random"))

    def layer_norm(name):
        tensors.append((prefix + name + ".weight", [h], "layernorm"))
        tensors.append((prefix + name + ".bias", [h], "random"))

    tensors.append((prefix + "embeddings.word_embeddings.weight", [args.vocab_size, h], "random"))
    tensors.append((prefix + "embeddings.position_embeddings.weight", [args.max_positions, h], "random"))
    tensors.append((prefix + "embeddings.token_type_embeddings.weight", [2, h], "random"))
    layer_norm("embeddings.LayerNorm")
    for n in range(args.layers):
        p = "encoder.layer.%d." % n
        linear(p + "attention.self.query", h, h)
        linear(p + "attention.self.key", h, h)
        linear(p + "attention.self.value", h, h)
        linear(p + "attention.output.dense", h, h)
        layer_norm(p + "attention.output.LayerNorm")
        linear(p + "intermediate.dense", i, h)
        linear(p + "output.dense", h, i)
        layer_norm(p + "output.LayerNorm")
    if args.head != "token":
        linear("pooler.dense", h, h)
    if args.head != "encoder":
        tensors.append(("classifier.weight", [num_labels, h], "random"))
        tensors.append(("classifier.bias", [num_labels], "random"))
    return tensors


def to_storage(values, dtype):
    """float32 values to the bytes of dtype, rounding to nearest even."""
    if dtype == "f32":
        return values.astype("<f4").tobytes()
    if dtype == "f16":
        return values.astype("<f2").tobytes()
    bits = values.astype(np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype("<u2").tobytes()


def write_safetensors(path, tensors, args):
    rng = np.random.default_rng(args.seed)
    dtype_name = {"f32": "F32", "f16": "F16", "bf16": "BF16"}[args.dtype]
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, shape, kind in tensors:
        values = rng.uniform(-args.scale, args.scale, size=shape).astype(np.float32)
        if kind == "layernorm":
            values += 1.0
        blob = to_storage(values, args.dtype)
        header[name] = {"dtype": dtype_name, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=2)
        f.write("\n")


def write_config(out, args, num_labels):
    architectures = {"encoder": "BertModel", "sequence": "BertForSequenceClassification",
                     "multilabel": "BertForSequenceClassification", "token": "BertForTokenClassification"}
    config = {"architectures": [architectures[args.head]], "model_type": "bert",
              "hidden_size": args.hidden, "num_hidden_layers": args.layers,
              "num_attention_heads": args.heads, "intermediate_size": args.intermediate,
              "hidden_act": "gelu", "layer_norm_eps": 1e-12, "max_position_embeddings": args.max_positions,
              "type_vocab_size": 2, "vocab_size": args.vocab_size, "pad_token_id": 0,
              "position_embedding_type": "absolute"}
    if args.head != "encoder":
        names = ["label%d" % n for n in range(num_labels)]
        config["id2label"] = {str(n): name for n, name in enumerate(names)}
        config["label2id"] = {name: n for n, name in enumerate(names)}
    if args.head == "multilabel":
        config["problem_type"] = "multi_label_classification"
    write_json(os.path.join(out, "config.json"), config)


def write_sentence_transformers(out, args):
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    if not args.no_normalize:
        modules.append({"idx": 2, "name": "2", "path": "2_Normalize",
                        "type": "sentence_transformers.models.Normalize"})
    write_json(os.path.join(out, "modules.json"), modules)
    os.makedirs(os.path.join(out, "1_Pooling"), exist_ok=True)
    write_json(os.path.join(out, "1_Pooling", "config.json"), {
        "word_embedding_dimension": args.hidden,
        **{flag: args.pooling == mode for mode, flag in POOLING_FLAGS.items()}})
    write_json(os.path.join(out, "sentence_bert_config.json"),
               {"max_seq_length": args.max_positions, "do_lower_case": False})


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--head", choices=["encoder", "sequence", "multilabel", "token"], default="encoder")
    parser.add_argument("--dtype", choices=["f32", "f16", "bf16"], default="f32")
    parser.add_argument("--pooling", choices=list(POOLING_FLAGS), default="mean")
    parser.add_argument("--no-normalize", action="store_true")
    parser.add_argument("--prefix", action="store_true", help='tensor names start with "bert."')
    parser.add_argument("--no-sentence-transformers", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--intermediate", type=int, default=64)
    parser.add_argument("--max-positions", type=int, default=64)
    parser.add_argument("--labels", type=int, default=3)
    parser.add_argument("--scale", type=float, default=0.5)
    parser.add_argument("--tokenizer-json", help="a tokenizer.json to use instead of vocab.txt")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    vocab = build_vocab()
    args.vocab_size = len(vocab)
    num_labels = 0 if args.head == "encoder" else args.labels
    os.makedirs(args.out_dir, exist_ok=True)
    if args.tokenizer_json:
        with open(args.tokenizer_json, encoding="utf-8") as f:
            tokenizer = json.load(f)
        args.vocab_size = len(tokenizer["model"]["vocab"])
        write_json(os.path.join(args.out_dir, "tokenizer.json"), tokenizer)
    else:
        with open(os.path.join(args.out_dir, "vocab.txt"), "w") as f:
            f.write("\n".join(vocab) + "\n")
    if args.tokenizer_json:
        write_json(os.path.join(args.out_dir, "tokenizer_config.json"),
                   {"model_max_length": args.max_positions, "tokenizer_class": "XLMRobertaTokenizer"})
    else:
        write_json(os.path.join(args.out_dir, "tokenizer_config.json"),
                   {"do_lower_case": True, "model_max_length": args.max_positions,
                    "tokenizer_class": "BertTokenizer"})
    write_config(args.out_dir, args, num_labels)
    write_safetensors(os.path.join(args.out_dir, "model.safetensors"), tensor_list(args, num_labels), args)
    if args.head == "encoder" and not args.no_sentence_transformers:
        write_sentence_transformers(args.out_dir, args)


if __name__ == "__main__":
    main()
