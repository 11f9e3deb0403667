#!/usr/bin/python3
"""An independent numpy reference of a BERT model folder's outputs (numpy only).

usage: reference_bert.py MODEL_DIR OUT.jsonl [--count N] [--seed S]

Reads config.json, model.safetensors (F32, F16 or BF16; names with or without "bert.")
and the sentence-transformers files, makes N random inputs (ids and token type ids;
lengths from 1 to max_position_embeddings, both ends included) and writes one JSON line
per input in the format of shared/reference/encoder/MODEL.jsonl: ids, type_ids and
embedding (pooled, normalised when 2_Normalize is there), or logits, probs and label, or
token_logits and token_labels. The forward pass is written from the BERT paper's and
transformers' definitions, in float64 from the stored values: erf GELU, post-LayerNorm
layers, softmax attention over the whole sequence, tanh pooler for sequence classifiers.

As a module: load_model(folder) and forward(model, ids, type_ids) -> dict.
"""
import argparse
import json
import math
import os

import numpy as np

_erf = np.vectorize(math.erf)


# sentence-transformers' Pooling flags before its version 6, in its order (the first true
# one is the mode: test folders set one).
POOLING_FLAGS = [("pooling_mode_cls_token", "cls"), ("pooling_mode_max_tokens", "max"),
                 ("pooling_mode_mean_tokens", "mean"), ("pooling_mode_mean_sqrt_len_tokens", "mean_sqrt_len_tokens"),
                 ("pooling_mode_weightedmean_tokens", "weightedmean"), ("pooling_mode_lasttoken", "lasttoken")]

def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    length = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] not in ("F32", "F16", "BF16"):
            continue
        begin, end = info["data_offsets"]
        raw = body[begin:end]
        if info["dtype"] == "F32":
            values = np.frombuffer(raw, "<f4")
        elif info["dtype"] == "F16":
            values = np.frombuffer(raw, "<f2")
        else:
            values = (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32)
        tensors[name] = values.astype(np.float64).reshape(info["shape"])
    return tensors


def read_json(path, default=None):
    if not os.path.exists(path):
        return default
    with open(path) as f:
        return json.load(f)


def load_model(folder):
    config = read_json(os.path.join(folder, "config.json"))
    tensors = read_safetensors(os.path.join(folder, "model.safetensors"))
    architectures = config.get("architectures") or []
    if "BertForSequenceClassification" in architectures:
        head = "sequence"
    elif "BertForTokenClassification" in architectures:
        head = "token"
    else:
        head = "encoder"
    pooling, normalize = "mean", False
    for module in read_json(os.path.join(folder, "modules.json"), []):
        if module["type"].endswith("Normalize"):
            normalize = True
        if module["type"].endswith("Pooling"):
            pooling_config = read_json(os.path.join(folder, module["path"], "config.json"))
            true_flags = [mode for flag, mode in POOLING_FLAGS if pooling_config.get(flag)]
            pooling = true_flags[0] if true_flags else "mean"
    id2label = config.get("id2label", {})
    return {"config": config, "tensors": tensors, "head": head, "pooling": pooling,
            "normalize": normalize, "labels": [id2label[str(i)] for i in range(len(id2label))]}


def weight(model, name):
    tensors = model["tensors"]
    return tensors[name] if name in tensors else tensors["bert." + name]


def linear(model, x, name):
    return x @ weight(model, name + ".weight").T + weight(model, name + ".bias")


def layer_norm(model, x, name):
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    eps = model["config"].get("layer_norm_eps", 1e-12)
    return (x - mean) / np.sqrt(variance + eps) * weight(model, name + ".weight") + weight(model, name + ".bias")


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def attention(model, x, prefix):
    n, hidden = x.shape
    heads = model["config"]["num_attention_heads"]
    d = hidden // heads

    def split(t):
        return t.reshape(n, heads, d).transpose(1, 0, 2)

    q = split(linear(model, x, prefix + "attention.self.query"))
    k = split(linear(model, x, prefix + "attention.self.key"))
    v = split(linear(model, x, prefix + "attention.self.value"))
    context = softmax(q @ k.transpose(0, 2, 1) / math.sqrt(d)) @ v
    return context.transpose(1, 0, 2).reshape(n, hidden)


def encode(model, ids, type_ids):
    x = (weight(model, "embeddings.word_embeddings.weight")[ids]
         + weight(model, "embeddings.position_embeddings.weight")[np.arange(len(ids))]
         + weight(model, "embeddings.token_type_embeddings.weight")[type_ids])
    x = layer_norm(model, x, "embeddings.LayerNorm")
    for n in range(model["config"]["num_hidden_layers"]):
        prefix = "encoder.layer.%d." % n
        attended = linear(model, attention(model, x, prefix), prefix + "attention.output.dense")
        x = layer_norm(model, x + attended, prefix + "attention.output.LayerNorm")
        inner = linear(model, x, prefix + "intermediate.dense")
        inner = 0.5 * inner * (1.0 + _erf(inner / math.sqrt(2.0)))
        x = layer_norm(model, x + linear(model, inner, prefix + "output.dense"), prefix + "output.LayerNorm")
    return x


def forward(model, ids, type_ids):
    hidden = encode(model, np.asarray(ids), np.asarray(type_ids))
    if model["head"] == "encoder":
        positions = np.arange(1, len(hidden) + 1)[:, None]
        pooled = {"mean": lambda: hidden.mean(0), "cls": lambda: hidden[0], "max": lambda: hidden.max(0),
                  "mean_sqrt_len_tokens": lambda: hidden.sum(0) / math.sqrt(len(hidden)),
                  "weightedmean": lambda: (hidden * positions).sum(0) / positions.sum(),
                  "lasttoken": lambda: hidden[-1]}[model["pooling"]]()
        if model["normalize"]:
            pooled = pooled / max(np.linalg.norm(pooled), 1e-12)
        return {"embedding": pooled.tolist()}
    if model["head"] == "sequence":
        pooled = np.tanh(linear(model, hidden[0], "pooler.dense"))
        logits = linear(model, pooled, "classifier")
        if model["config"].get("problem_type") == "multi_label_classification":
            probs = 1.0 / (1.0 + np.exp(-logits))
        else:
            probs = softmax(logits)
        return {"logits": logits.tolist(), "probs": probs.tolist(),
                "label": model["labels"][int(np.argmax(logits))]}
    logits = linear(model, hidden, "classifier")
    return {"token_logits": logits.tolist(),
            "token_labels": [model["labels"][int(i)] for i in np.argmax(logits, -1)]}


def random_inputs(model, count, seed):
    config = model["config"]
    rng = np.random.default_rng(seed)
    max_length = config["max_position_embeddings"]
    lengths = [1, max_length] + list(rng.integers(1, max_length + 1, size=max(count - 2, 0)))
    inputs = []
    for n, length in enumerate(lengths[:count]):
        ids = rng.integers(0, config["vocab_size"], size=length).tolist()
        if n % 3 == 2:
            split = int(rng.integers(0, length + 1))
            type_ids = [0] * split + [1] * (length - split)
        else:
            type_ids = [0] * length
        inputs.append((ids, type_ids))
    return inputs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_dir")
    parser.add_argument("out")
    parser.add_argument("--count", type=int, default=24)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    model = load_model(args.model_dir)
    with open(args.out, "w") as f:
        for ids, type_ids in random_inputs(model, args.count, args.seed):
            line = {"ids": ids, "type_ids": type_ids}
            line.update(forward(model, ids, type_ids))
            f.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    main()
