#!/usr/bin/env python3
"""Makes the tiny folders of tests/engine/data/activations: encoders whose FFN activation
(config.json's hidden_act; DistilBERT's activation) is another than the erf GELU, each
with its PyTorch reference outputs.

usage: make-activation-models.py [OUT_DIR [NAME...]]   (default: tests/engine/data beside
       this script, every folder; NAMEs: only those folders)

Needs torch and transformers (5.25 made the committed files); the tests that read the
folders need neither. Each folder is FAMILY-ACTIVATION-HEAD: a random-weight model
(hidden 16, 2 layers, intermediate 32, vocabulary 40) saved by save_pretrained in F32,
with a small vocab.txt and reference.jsonl: for a handful of token-id inputs,
transformers' outputs in the format test-engine-parity reads (sentence encoders: the mean
of the last hidden state, which the engine's default mean pooling gives, and the first
token's hidden state). One folder per name of transformers' ACT2FN that the engine
computes and models use: the tanh GELUs (gelu_new, gelu_pytorch_tanh, gelu_fast,
gelu_accurate), relu, silu, swish and quick_gelu, and a DistilBERT with activation relu.

The FFN's up-projection is drawn wider than the other weights (standard deviation 0.6),
so that its outputs spread over [-6, 6], where the activations differ most, and the
down-projection and attention output a little wider (0.4) to carry the difference. The script
checks that each folder's reference differs from the same weights under the erf GELU
by more than 5 times the parity tolerance (1e-4), so that a model run with the erf GELU
fails its test.
"""
import json
import os
import shutil
import sys

import torch
import transformers
from fixture_weights import randomize, rounded

HERE = os.path.dirname(os.path.abspath(__file__))
VOCAB_SIZE = 40
MAX_POSITIONS = 24
SEQUENCE_LABELS = ["NEGATIVE", "NEUTRAL", "POSITIVE"]
TOKEN_LABELS = ["O", "B-PER", "I-PER", "B-LOC"]
HEADS = {"encoder": "AutoModel", "sequence": "AutoModelForSequenceClassification",
         "token": "AutoModelForTokenClassification"}
TOLERANCE = 1e-4
# The last layer's FFN LayerNorm weights, scaled up so that the activation's effect on
# the outputs stands clear of the tolerance.
LAST_FFN_NORMS = ("layer.1.output.LayerNorm.weight", "layer.1.output_layer_norm.weight")
LAST_NORM_SCALE = 2

# folder name: (family, activation, head, seed)
FOLDERS = {
    "bert-gelu-new-encoder": ("bert", "gelu_new", "encoder", 1),
    "bert-gelu-pytorch-tanh-token": ("bert", "gelu_pytorch_tanh", "token", 2),
    "bert-gelu-fast-token": ("bert", "gelu_fast", "token", 3),
    "bert-gelu-accurate-encoder": ("bert", "gelu_accurate", "encoder", 4),
    "bert-relu-sequence": ("bert", "relu", "sequence", 5),
    "bert-silu-encoder": ("bert", "silu", "encoder", 6),
    "bert-swish-token": ("bert", "swish", "token", 7),
    "bert-quick-gelu-encoder": ("bert", "quick_gelu", "encoder", 8),
    "distilbert-relu-sequence": ("distilbert", "relu", "sequence", 9),
}


def make_config(family, activation, head):
    labels = {"encoder": [], "sequence": SEQUENCE_LABELS, "token": TOKEN_LABELS}[head]
    label_fields = {}
    if labels:
        label_fields = {"id2label": dict(enumerate(labels)), "label2id": {name: i for i, name in enumerate(labels)}}
    if family == "distilbert":
        return transformers.DistilBertConfig(vocab_size=VOCAB_SIZE, dim=16, n_layers=2, n_heads=2, hidden_dim=32,
                                             max_position_embeddings=MAX_POSITIONS, activation=activation,
                                             **label_fields)
    return transformers.BertConfig(vocab_size=VOCAB_SIZE, hidden_size=16, num_hidden_layers=2,
                                   num_attention_heads=2, intermediate_size=32,
                                   max_position_embeddings=MAX_POSITIONS, hidden_act=activation, **label_fields)


def write_vocab(folder):
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokens += [chr(ord("a") + i) for i in range(VOCAB_SIZE - len(tokens))]
    with open(os.path.join(folder, "vocab.txt"), "w") as f:
        f.write("\n".join(tokens) + "\n")


def inputs(family, seed):
    """(ids, type_ids) pairs, [CLS] first and [SEP] last; the longest takes every position."""
    generator = torch.Generator().manual_seed(1000 + seed)
    lines = []
    for length in [1, 2, 5, 9, MAX_POSITIONS]:
        ids = torch.randint(5, VOCAB_SIZE, (length,), generator=generator).tolist()
        if length >= 2:
            ids[0], ids[-1] = 2, 3
        lines.append((ids, [0] * length))
    if family == "bert":
        lines.append((lines[3][0], [0, 0, 0, 0, 1, 1, 1, 1, 1]))
    return lines


def forward(model, family, head, ids, type_ids):
    features = {"input_ids": torch.tensor([ids])}
    features["attention_mask"] = torch.ones_like(features["input_ids"])
    if family == "bert":
        features["token_type_ids"] = torch.tensor([type_ids])
    with torch.no_grad():
        if head == "encoder":
            hidden = model(**features).last_hidden_state[0]
            return {"embedding": rounded(hidden.mean(0).tolist()),
                    "last_hidden_state_first_token": rounded(hidden[0].tolist())}
        logits = model(**features).logits[0]
    labels = model.config.id2label
    if head == "sequence":
        return {"logits": rounded(logits.tolist()), "probs": rounded(torch.softmax(logits, -1).tolist()),
                "label": labels[int(logits.argmax())]}
    return {"token_logits": rounded(logits.tolist()), "token_labels": [labels[int(i)] for i in logits.argmax(-1)]}


def outputs(line):
    """Every number of a reference line's outputs, flattened."""
    values = []
    for key, value in line.items():
        if key in ("ids", "type_ids") or not isinstance(value, list):
            continue
        values += [v for row in value for v in (row if isinstance(row, list) else [row]) if isinstance(v, float)]
    return values


def load(folder, head, **overrides):
    return getattr(transformers, HEADS[head]).from_pretrained(
        folder, dtype=torch.float32, attn_implementation="eager", **overrides).eval()


def make_folder(out_dir, name):
    family, activation, head, seed = FOLDERS[name]
    folder = os.path.join(out_dir, name)
    shutil.rmtree(folder, ignore_errors=True)
    torch.manual_seed(seed)
    model = getattr(transformers, HEADS[head]).from_config(make_config(family, activation, head))
    randomize(model, seed, spreads={"intermediate.dense.weight": 0.6, "output.dense.weight": 0.4,
                                    "ffn.lin1.weight": 0.6, "ffn.lin2.weight": 0.4})
    with torch.no_grad():
        for parameter_name, parameter in model.named_parameters():
            if parameter_name.endswith(LAST_FFN_NORMS):
                parameter.mul_(LAST_NORM_SCALE)
    model.save_pretrained(folder)
    write_vocab(folder)
    model = load(folder, head)
    erf_field = {"activation" if family == "distilbert" else "hidden_act": "gelu"}
    erf_model = load(folder, head, **erf_field)
    assert getattr(model.config, next(iter(erf_field))) == activation
    worst = 0.0
    with open(os.path.join(folder, "reference.jsonl"), "w") as f:
        for ids, type_ids in inputs(family, seed):
            line = {"ids": ids, "type_ids": type_ids}
            line.update(forward(model, family, head, ids, type_ids))
            erf_line = forward(erf_model, family, head, ids, type_ids)
            worst = max(worst, max(abs(a - b) for a, b in zip(outputs(line), outputs(erf_line))))
            f.write(json.dumps(line) + "\n")
    assert worst > 5 * TOLERANCE, "%s: the erf GELU gives the same outputs (max diff %g)" % (name, worst)
    print("%s: max |difference| to the erf GELU %.3g" % (name, worst))


def main():
    out_dir = os.path.join(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "data"), "activations")
    for name in sys.argv[2:] or FOLDERS:
        make_folder(out_dir, name)


if __name__ == "__main__":
    main()
