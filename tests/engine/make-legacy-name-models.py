#!/usr/bin/env python3
"""Makes tests/engine/data/legacy-names: committed model folders with their LayerNorm
tensors under the names of the original Google BERT conversions, and what transformers
makes of them.

usage: make-legacy-name-models.py   (needs torch, safetensors and transformers; 5.24
                                     made the committed files)

For each source in SOURCES, legacy-names/NAME/ is a copy of the source folder whose
model.safetensors holds the same tensors, bit for bit, with every LayerNorm.weight and
LayerNorm.bias named LayerNorm.gamma and LayerNorm.beta, as google-bert/bert-base-uncased
has them; the BERT one also holds the MLM head's LayerNorm (cls.predictions.transform),
which a classifier does not read. NAME-bin/ is the same folder with pytorch_model.bin
(torch.save) in place of model.safetensors; for BERT also NAME-bin-legacy/ (torch.save's
format before PyTorch 1.6) and NAME-sharded/ (transformers' own save_pretrained of the model
it loaded from NAME/, in shards: it writes the legacy names back). reference.jsonl, in each, holds transformers'
outputs for the folder loaded by from_pretrained, in the format test-engine-parity reads,
on the inputs of make-family-models.py. The script checks that transformers loads every
folder without a missing tensor and gives the outputs of its source, bit for bit.

renames.json lists checkpoint keys with the name transformers' renamings give each
(test-engine-legacy-names checks bert_tensor_names_rename against it); the script also
checks that transformers applies no other renaming to the BERT, DistilBERT, RoBERTa,
XLM-R and CamemBERT classes the engine runs.
"""
import importlib.util
import json
import os
import shutil

import torch
import transformers
from safetensors.torch import load_file, save_file
from transformers.conversion_mapping import get_checkpoint_conversion_mapping, get_model_conversion_mapping
from transformers.core_model_loading import rename_source_key

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
OUT = os.path.join(DATA, "legacy-names")
SOURCES = {
    "bert-sequence-f16": (os.path.join(DATA, "pairs", "bert-wordpiece"), "sequence"),
    "distilbert-sequence-f32": (os.path.join(DATA, "families", "distilbert-sequence-f32"), "sequence"),
    "roberta-token-bf16": (os.path.join(DATA, "families", "roberta-token-bf16"), "token"),
}
HEADS = {"sequence": transformers.AutoModelForSequenceClassification,
         "token": transformers.AutoModelForTokenClassification}
MLM_LAYER_NORM = "cls.predictions.transform.LayerNorm."
FAMILY_CLASSES = [prefix + suffix for prefix in ("Bert", "DistilBert", "Roberta", "XLMRoberta", "Camembert")
                  for suffix in ("Model", "ForSequenceClassification", "ForTokenClassification")]
RENAMED_KEYS = [
    "embeddings.LayerNorm.gamma", "bert.embeddings.LayerNorm.beta",
    "encoder.layer.0.attention.output.LayerNorm.gamma", "roberta.encoder.layer.11.output.LayerNorm.beta",
    "distilbert.embeddings.LayerNorm.gamma", "distilbert.transformer.layer.0.sa_layer_norm.gamma",
    "distilbert.transformer.layer.0.output_layer_norm.beta", "cls.predictions.transform.LayerNorm.gamma",
    "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias", "embeddings.LayerNorm_gamma",
    "embeddings.LayerNorm/beta", "embeddings.LayerNorm\u00e9gamma", "embeddings.LayerNorm\U0001f600beta",
    "embeddings.LayerNorm\ngamma", "embeddings.LayerNorm..gamma", "embeddings.LayerNorm.gammas",
    "embeddings.LayerNorm.gamma_", "embeddings.LayerNorm.gamma2", "embeddings.LayerNorm.gamma\u00e9",
    "embeddings.LayerNorm.gamma\u2192", "embeddings.LayerNorm.gamma.x", "embeddings.layernorm.gamma",
    "LayerNormLayerNorm.gamma", "LayerNorm.gammaX.LayerNorm.gamma", "a.LayerNorm.gamma.b.LayerNorm.beta",
    "LayerNorm.beta", "gamma", "",
]


def load_families_module():
    spec = importlib.util.spec_from_file_location("families", os.path.join(HERE, "make-family-models.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


families = load_families_module()


def legacy_name(name):
    if name.endswith("LayerNorm.weight"):
        return name[:-len("weight")] + "gamma"
    if name.endswith("LayerNorm.bias"):
        return name[:-len("bias")] + "beta"
    return name


def legacy_tensors(source, arch):
    tensors = {legacy_name(name): tensor for name, tensor in load_file(os.path.join(source, "model.safetensors")).items()}
    if arch == "bert":
        generator = torch.Generator().manual_seed(7)
        hidden = tensors["bert.embeddings.LayerNorm.gamma"].shape[0]
        dtype = tensors["bert.embeddings.LayerNorm.gamma"].dtype
        for part in ("gamma", "beta"):
            tensors[MLM_LAYER_NORM + part] = torch.randn(hidden, generator=generator).to(dtype)
    assert any(name.endswith("LayerNorm.gamma") for name in tensors), source
    return tensors


def copy_folder(source, folder):
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("model.safetensors", "reference*"))


def outputs(model, arch, head, inputs):
    labels = model.config.id2label
    lines = []
    for ids, type_ids in inputs:
        input_ids = torch.tensor([ids])
        kwargs = {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids)}
        if arch == "bert":
            kwargs["token_type_ids"] = torch.tensor([type_ids])
        with torch.no_grad():
            logits = model(**kwargs).logits[0]
        line = {"ids": ids, "type_ids": type_ids}
        if head == "sequence":
            # One label (or several that may all apply): sigmoids, as the engine and
            # transformers' text-classification pipeline give them.
            one_each = len(labels) == 1 or model.config.problem_type == "multi_label_classification"
            probs = torch.sigmoid(logits) if one_each else torch.softmax(logits, -1)
            line.update(logits=families.rounded(logits.tolist()), probs=families.rounded(probs.tolist()),
                        label=labels[int(logits.argmax())])
        else:
            line.update(token_logits=families.rounded(logits.tolist()),
                        token_labels=[labels[int(i)] for i in logits.argmax(-1)])
        lines.append((line, logits))
    return lines


def load(folder, head):
    model, info = HEADS[head].from_pretrained(folder, dtype=torch.float32, attn_implementation="eager",
                                              output_loading_info=True)
    assert not info["missing_keys"] and not info["mismatched_keys"], (folder, info)
    return model.eval()


def check_family_conversions():
    legacy = [repr(transform) for transform in get_checkpoint_conversion_mapping("legacy")]
    for class_name in FAMILY_CLASSES:
        family = class_name.split("Model")[0].split("For")[0]
        if family == "DistilBert":
            config = transformers.DistilBertConfig(vocab_size=10, dim=16, n_layers=1, n_heads=2, hidden_dim=32)
        else:
            config = getattr(transformers, family + "Config")(
                vocab_size=10, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)
        model = getattr(transformers, class_name)(config)
        conversions = [repr(transform) for transform in get_model_conversion_mapping(model)]
        assert conversions == legacy, (class_name, conversions)


def write_renames():
    legacy = get_checkpoint_conversion_mapping("legacy")
    pairs = [[key, rename_source_key(key, legacy, [])[0]] for key in RENAMED_KEYS]
    with open(os.path.join(OUT, "renames.json"), "w", encoding="utf-8") as f:
        f.write("[\n" + ",\n".join(json.dumps(pair, ensure_ascii=False) for pair in pairs) + "\n]\n")


def save_sharded(source, folder, head):
    """transformers' save_pretrained in shards of the model it loaded from source."""
    copy_folder(source, folder)
    os.remove(os.path.join(folder, "config.json"))
    HEADS[head].from_pretrained(source, dtype="auto").save_pretrained(folder, max_shard_size="4KB")
    with open(os.path.join(folder, "model.safetensors.index.json")) as f:
        names = json.load(f)["weight_map"]
    assert len(set(names.values())) > 1 and any(name.endswith("LayerNorm.gamma") for name in names), folder


def make_fixture(name, source, head, seed):
    arch = name.split("-")[0]
    folder = os.path.join(OUT, name)
    forms = {"": folder, "-bin": os.path.join(OUT, name + "-bin")}
    tensors = legacy_tensors(source, arch)
    copy_folder(source, folder)
    save_file(tensors, os.path.join(folder, "model.safetensors"))
    copy_folder(source, forms["-bin"])
    torch.save(tensors, os.path.join(forms["-bin"], "pytorch_model.bin"))
    if arch == "bert":
        forms["-bin-legacy"] = os.path.join(OUT, name + "-bin-legacy")
        copy_folder(source, forms["-bin-legacy"])
        torch.save(tensors, os.path.join(forms["-bin-legacy"], "pytorch_model.bin"),
                   _use_new_zipfile_serialization=False)
        forms["-sharded"] = os.path.join(OUT, name + "-sharded")
        save_sharded(folder, forms["-sharded"], head)
    inputs = families.inputs_for(arch, seed)
    expected = outputs(load(source, head), arch, head, inputs)
    for target in forms.values():
        got = outputs(load(target, head), arch, head, inputs)
        assert all(torch.equal(a[1], b[1]) for a, b in zip(expected, got)), target
        with open(os.path.join(target, "reference.jsonl"), "w") as f:
            for line, _ in got:
                f.write(json.dumps(line) + "\n")


def main():
    check_family_conversions()
    os.makedirs(OUT, exist_ok=True)
    write_renames()
    for seed, (name, (source, head)) in enumerate(SOURCES.items()):
        make_fixture(name, source, head, seed)


if __name__ == "__main__":
    main()
