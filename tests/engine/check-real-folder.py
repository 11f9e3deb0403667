#!/usr/bin/env python3
"""Checks gst-bert on the shape of a real model folder whose weights are not at hand.

usage: check-real-folder.py SOURCE_DIR OUT_DIR [--parity BUILD/tests/engine/test-engine-parity]

SOURCE_DIR holds a real folder's small files: config.json and, where it has them,
modules.json, the Pooling and Dense modules' config.json (and a Dense module's real
model.safetensors), config_sentence_transformers.json, sentence_bert_config.json and
tokenizer_config.json; weights may be missing or Git LFS pointers. This script writes
OUT_DIR: a model made with transformers from that config.json, shrunk only in size (2
layers, a vocabulary of 1,200; hidden sizes kept), every other field as the source has
it, random weights (normal, std $NOISE, default 0.1), saved in the config's torch_dtype,
with the source's sentence-transformers module files (random Dense weights of the real
shapes where the source has none), a small vocab.txt, and reference.jsonl: for token-id
inputs of lengths 1 to 64 (and type ids 1 for BERT, ELECTRA and ALBERT), transformers' or
sentence-transformers' outputs. Then it runs test-engine-parity on OUT_DIR and exits
with its status: embeddings cosine >= 0.99999 and max abs diff <= 1e-4, logits within
1e-4, every label equal. A folder gst-bert refuses prints its error.

Needs torch, transformers and sentence-transformers (transformers 5.24 and
sentence-transformers 6.2 were used for docs/models.md, "Real model folders from public
repositories").
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

import torch
import transformers
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
SENTENCE_TRANSFORMERS_FILES = ["modules.json", "config_sentence_transformers.json", "sentence_bert_config.json",
                               "sentence_xlm-roberta_config.json", "sentence_distilbert_config.json",
                               "tokenizer_config.json"]
SMALL_VOCAB = 1200
MAX_LENGTH = 64
DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16}
TYPE_ID_FAMILIES = ("bert", "electra", "albert")  # their tokenizers give the model type ids


def shrunk(config):
    layers = "n_layers" if config.get("model_type") == "distilbert" else "num_hidden_layers"
    small = dict(config)
    small[layers] = min(config.get(layers, 12), 2)
    small["vocab_size"] = min(config.get("vocab_size", 30522), SMALL_VOCAB)
    return small, layers


def randomize(model, std):
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            noise = torch.randn(parameter.shape, generator=generator)
            is_norm = "LayerNorm" in name or "layer_norm" in name
            parameter.copy_(1 + 0.2 * noise if is_norm and name.endswith("weight") else std * noise)


def model_class(config):
    """The head the architectures name, as transformers' Auto classes load it, and the
    class that saves the checkpoint: the one named (a masked-LM checkpoint keeps its
    "roberta." prefix and lm_head tensors) where transformers has it."""
    name = (config.get("architectures") or [""])[0]
    if name.endswith("ForSequenceClassification"):
        head, auto = "sequence", transformers.AutoModelForSequenceClassification
    elif name.endswith("ForTokenClassification"):
        head, auto = "token", transformers.AutoModelForTokenClassification
    else:
        head, auto = "encoder", transformers.AutoModel
    return head, auto, getattr(transformers, name, auto)


def write_vocab(folder):
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "<unk>", "<s>", "</s>", "<pad>", "<mask>"]
    tokens += ["t%d" % i for i in range(30 - len(tokens))]
    with open(os.path.join(folder, "vocab.txt"), "w") as f:
        f.write("\n".join(tokens) + "\n")


def drop_tokenizer_class(folder):
    """The folder's tokenizer is write_vocab's vocab.txt, not the source's own files, so a
    tokenizer_class naming another tokenizer (CamembertTokenizer, XLMRobertaTokenizer, in
    tokenizer_config.json or config.json) would rightly be refused over it: the files keep
    their other settings only (the class names no part of the model)."""
    for name in ("tokenizer_config.json", "config.json"):
        path = os.path.join(folder, name)
        if not os.path.exists(path):
            continue
        with open(path) as f:
            settings = json.load(f)
        if settings.pop("tokenizer_class", None) is not None:
            with open(path, "w") as f:
                json.dump(settings, f, indent=1)


def is_weights_file(path):
    with open(path, "rb") as f:
        return not f.read(40).startswith(b"version https://git-lfs")


def copy_module(source, out, module):
    """A module's folder: its config.json (or a file committed in its place) and real
    weights; a Dense module without them gets random ones of its shape."""
    path = module.get("path")
    if not path:
        return
    source_path, out_path = os.path.join(source, path), os.path.join(out, path)
    os.makedirs(out_path, exist_ok=True)
    if os.path.isfile(source_path):
        shutil.copy(source_path, os.path.join(out_path, "config.json"))
    for name in os.listdir(source_path) if os.path.isdir(source_path) else []:
        file = os.path.join(source_path, name)
        if name.endswith(".json") or (name == "model.safetensors" and is_weights_file(file)):
            shutil.copy(file, out_path)
    weights = os.path.join(out_path, "model.safetensors")
    if module["type"].endswith("Dense") and not os.path.exists(weights):
        with open(os.path.join(out_path, "config.json")) as f:
            dense = json.load(f)
        generator = torch.Generator().manual_seed(3)
        tensors = {"linear.weight": 0.1 * torch.randn(dense["out_features"], dense["in_features"],
                                                      generator=generator)}
        if dense.get("bias", True):
            tensors["linear.bias"] = 0.1 * torch.randn(dense["out_features"], generator=generator)
        save_file(tensors, weights)


def make_folder(source, out, std):
    with open(os.path.join(source, "config.json")) as f:
        real = json.load(f)
    config, layers = shrunk(real)
    head, auto, saving_class = model_class(config)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    torch.manual_seed(0)
    model_config = transformers.AutoConfig.for_model(**config)
    model = saving_class(model_config) if saving_class is not auto else auto.from_config(model_config)
    randomize(model, std)
    model.to(DTYPES.get(real.get("torch_dtype") or real.get("dtype"), torch.float32)).save_pretrained(out)
    # The real config.json as it is but for the shrunk sizes, not transformers' rewrite.
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(dict(real, **{layers: config[layers], "vocab_size": config["vocab_size"]}), f, indent=2)
    write_vocab(out)
    for name in SENTENCE_TRANSFORMERS_FILES:
        if os.path.exists(os.path.join(source, name)):
            shutil.copy(os.path.join(source, name), out)
    drop_tokenizer_class(out)
    if os.path.exists(os.path.join(source, "modules.json")):
        with open(os.path.join(source, "modules.json")) as f:
            for module in json.load(f):
                copy_module(source, out, module)
    return config, head, auto


def inputs(config):
    positions = config["max_position_embeddings"]
    if config.get("model_type") in ("roberta", "xlm-roberta", "camembert"):
        positions -= config.get("pad_token_id", 1) + 1
    elif config.get("model_type") == "mpnet":
        positions -= 2  # MPNetEmbeddings' padding_idx is 1 whatever pad_token_id says
    longest = min(positions, MAX_LENGTH)
    generator = torch.Generator().manual_seed(7)
    lines = []
    for length in sorted({1, 2, 5, 9, 17, min(40, longest), longest}):
        lines.append((torch.randint(3, config["vocab_size"], (length,), generator=generator).tolist(), [0] * length))
    if config.get("model_type") in TYPE_ID_FAMILIES and config.get("type_vocab_size", 2) >= 2:
        ids = lines[3][0]
        lines.append((ids, [0] * 4 + [1] * (len(ids) - 4)))
    return lines


def rounded(values):
    return [rounded(v) for v in values] if isinstance(values, list) else float("%.8g" % values)


def cross_encoder_activation(folder, config):
    """The torch.nn activation a sentence-transformers CrossEncoder folder names, where
    CrossEncoder looks first: config_sentence_transformers.json, then config.json's two
    fields; None where none is named."""
    path = os.path.join(folder, "config_sentence_transformers.json")
    saved = json.load(open(path)) if os.path.exists(path) else {}
    name = saved.get("activation_fn")
    if name is None and "activation_fn" in config.get("sentence_transformers", {}):
        name = config["sentence_transformers"]["activation_fn"]
    elif name is None:
        name = config.get("sbert_ce_default_activation_function")
    return getattr(torch.nn, name.rsplit(".", 1)[1])() if name else None


def scores(model_config, activation, logits):
    """A sequence classifier's scores: the CrossEncoder's activation where it names one,
    else as transformers' text-classification pipeline gives them."""
    if activation is not None:
        return activation(logits)
    if model_config.problem_type == "regression":
        return logits
    if model_config.problem_type == "multi_label_classification" or model_config.num_labels == 1:
        return torch.sigmoid(logits)
    return torch.softmax(logits, -1)


def reference_line(config, head, model, sentence_model, ids, type_ids):
    input_ids = torch.tensor([ids])
    features = {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids)}
    if config.get("model_type") in TYPE_ID_FAMILIES:
        features["token_type_ids"] = torch.tensor([type_ids])
    line = {"ids": ids, "type_ids": type_ids}
    with torch.no_grad():
        if head == "encoder":
            hidden = model(**features).last_hidden_state[0]
            embedding = sentence_model.forward(dict(features))["sentence_embedding"][0] if sentence_model \
                else hidden.mean(0)
            line.update(embedding=rounded(embedding.float().tolist()),
                        last_hidden_state_first_token=rounded(hidden[0].tolist()))
            return line
        logits = model(**features).logits[0]
    names = model.config.id2label
    if head == "token":
        line.update(token_logits=rounded(logits.tolist()), token_labels=[names[int(i)] for i in logits.argmax(-1)])
        return line
    probs = scores(model.config, cross_encoder_activation(model.name_or_path, config), logits)
    line.update(logits=rounded(logits.tolist()), probs=rounded(probs.tolist()), label=names[int(logits.argmax())])
    return line


def write_reference(out, config, head, auto):
    model = auto.from_pretrained(out, dtype=torch.float32, attn_implementation="eager").eval()
    sentence_model = None
    if head == "encoder" and os.path.exists(os.path.join(out, "modules.json")):
        from sentence_transformers import SentenceTransformer
        try:
            # In fp32 whatever the stored dtype, as the engine computes.
            sentence_model = SentenceTransformer(
                out, device="cpu", model_kwargs={"dtype": torch.float32, "attn_implementation": "eager"})
        except Exception as error:  # noqa: BLE001 (the reference refuses the folder: say so)
            print("sentence-transformers refuses the folder: %s: %s" % (type(error).__name__, error))
            return False
    with open(os.path.join(out, "reference.jsonl"), "w") as f:
        for ids, type_ids in inputs(config):
            f.write(json.dumps(reference_line(config, head, model, sentence_model, ids, type_ids)) + "\n")
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source")
    parser.add_argument("out")
    parser.add_argument("--parity", default=os.path.join(HERE, "..", "..", "build", "tests", "engine",
                                                          "test-engine-parity"))
    args = parser.parse_args()
    config, head, auto = make_folder(args.source, args.out, float(os.environ.get("NOISE", "0.1")))
    reference = os.path.join(args.out, "reference.jsonl")
    if write_reference(args.out, config, head, auto):
        sys.exit(subprocess.run([args.parity, args.out, reference]).returncode)
    # No reference: gst-bert must refuse the folder too.
    open(reference, "w").close()
    if subprocess.run([args.parity, args.out, reference]).returncode == 0:
        print("gst-bert loads a folder the reference refuses")
        sys.exit(1)
    sys.exit(0)


if __name__ == "__main__":
    main()
