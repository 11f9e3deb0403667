#!/usr/bin/env python3
"""Writes the pytorch_model.bin fixtures of tests/engine/data/torch-bin and torch-bin-legacy.

usage: make-torch-bin-models.py   (needs torch and safetensors; torch 2.15 made the
                                   committed files)

Each fixture is the weights of a committed model folder (SOURCES below) saved again with
torch.save, bit for bit: for every model.safetensors of the source (the encoder's and a
Dense module's), torch-bin/NAME/SAME_PATH/pytorch_model.bin holds the same tensors as the
state dict torch.save writes (an OrderedDict with _metadata, as module.state_dict() gives,
so that BUILD is exercised). test-engine-torch-bin compares the two files tensor by tensor
and the model's outputs from each. bert-bf16 has no committed source: its folder is the
tiny BERT of tests/data/tiny-model in bfloat16, safetensors and all. distilbert-f32 also
holds two tensors that share the word embeddings' storage (tied weights): the whole of it,
and its row 2 (a storage offset).

torch-bin-legacy/NAME/pytorch_model.bin, for the names in LEGACY, holds the same state dict
in the format of torch.save before PyTorch 1.6 (_use_new_zipfile_serialization=False):
F32, F16 and BF16, and the shared storages of distilbert-f32.

It also writes the seeds of the fuzz target torch-bin (tests/fuzz/corpus/torch-bin): the
tiny model fuzz-torch-bin loads, saved as above, as a plain dict in pickle protocol 4
(FRAME, MEMOIZE, STACK_GLOBAL, SHORT_BINUNICODE), and in bfloat16; and in the legacy
format, in pickle protocols 2 and 4.
"""
import collections
import os
import shutil

import torch
from safetensors.torch import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
TESTS_DATA = os.path.join(HERE, "..", "data")
OUT = os.path.join(DATA, "torch-bin")
LEGACY_OUT = os.path.join(DATA, "torch-bin-legacy")
LEGACY_MAGIC = b"\x8a\x0a" + (0x1950A86A20F9469CFC6C).to_bytes(10, "little")
LEGACY = ("bert-f32", "bert-f16", "bert-bf16", "distilbert-f32")
FUZZ_CORPUS = os.path.join(HERE, "..", "fuzz", "corpus", "torch-bin")
SOURCES = {
    "bert-f32": os.path.join(TESTS_DATA, "tiny-model"),
    "bert-f16": os.path.join(DATA, "pairs", "bert-wordpiece"),
    "bert-bf16": os.path.join(OUT, "bert-bf16"),
    "distilbert-f32": os.path.join(DATA, "families", "distilbert-sequence-f32"),
    "distilbert-f16": os.path.join(DATA, "families", "distilbert-sequence-f16"),
    "distilbert-bf16": os.path.join(DATA, "families", "distilbert-sequence-bf16"),
    "roberta-f32": os.path.join(DATA, "families", "roberta-token-f32"),
    "roberta-f16": os.path.join(DATA, "families", "roberta-token-f16"),
    "roberta-bf16": os.path.join(DATA, "families", "roberta-token-bf16"),
    "dense": os.path.join(TESTS_DATA, "st-modules", "dense"),
}


def make_bert_bf16(folder):
    source = SOURCES["bert-f32"]
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(source, folder)
    tensors = {name: tensor.to(torch.bfloat16) for name, tensor in load_file(f"{source}/model.safetensors").items()}
    save_file(tensors, f"{folder}/model.safetensors")


def state_dict_of(path):
    state = collections.OrderedDict(load_file(path))
    state._metadata = collections.OrderedDict({"": {"version": 1}})
    return state


def save_legacy(state, path, **kwargs):
    torch.save(state, path, _use_new_zipfile_serialization=False, **kwargs)
    with open(path, "rb") as f:
        start = f.read(24)
    # The legacy format opens with a pickle of the magic number (after a FRAME in protocol 4).
    assert start.startswith(b"\x80") and LEGACY_MAGIC in start, path


def write_fixture(name, source, legacy=False):
    out = os.path.join(LEGACY_OUT if legacy else OUT, name)
    for root, _, files in os.walk(source):
        if "model.safetensors" not in files:
            continue
        state = state_dict_of(os.path.join(root, "model.safetensors"))
        if name == "distilbert-f32" and root == source:
            words = state["distilbert.embeddings.word_embeddings.weight"]
            state["tied.word_embeddings"] = words
            state["tied.row"] = words[2]
        target = os.path.join(out, os.path.relpath(root, source))
        os.makedirs(target, exist_ok=True)
        (save_legacy if legacy else torch.save)(state, os.path.join(target, "pytorch_model.bin"))


def write_fuzz_seeds():
    os.makedirs(FUZZ_CORPUS, exist_ok=True)
    state = state_dict_of(os.path.join(SOURCES["bert-f32"], "model.safetensors"))
    torch.save(state, os.path.join(FUZZ_CORPUS, "f32"))
    torch.save(dict(state), os.path.join(FUZZ_CORPUS, "f32-protocol4"), pickle_protocol=4)
    torch.save(collections.OrderedDict((name, tensor.to(torch.bfloat16)) for name, tensor in state.items()),
               os.path.join(FUZZ_CORPUS, "bf16"))
    save_legacy(state, os.path.join(FUZZ_CORPUS, "legacy-f32"))
    save_legacy(dict(state), os.path.join(FUZZ_CORPUS, "legacy-f32-protocol4"), pickle_protocol=4)


def main():
    make_bert_bf16(SOURCES["bert-bf16"])
    for name, source in SOURCES.items():
        write_fixture(name, source)
    for name in LEGACY:
        write_fixture(name, SOURCES[name], legacy=True)
    write_fuzz_seeds()


if __name__ == "__main__":
    main()
