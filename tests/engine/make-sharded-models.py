#!/usr/bin/env python3
"""Writes the sharded-checkpoint fixtures of tests/engine/data/sharded.

usage: make-sharded-models.py   (needs torch, safetensors and transformers; torch 2.15,
                                 transformers 5.24 and huggingface_hub 2.4 made the
                                 committed files)

Both hold the weights of tests/data/tiny-model (11 KB) split with max_shard_size 2 KB
(a larger tensor gets a shard of its own), as the index and shards only:
test-engine-sharded copies the rest of the folder from tiny-model and checks that the
outputs are those of the single file, bit for bit.

- safetensors/: what transformers itself writes, BertModel.save_pretrained with
  max_shard_size: model.safetensors.index.json and model-0000N-of-0000M.safetensors.
- torch-bin/: pytorch_model.bin.index.json and pytorch_model-0000N-of-0000M.bin, as
  transformers 4 wrote with safe_serialization=False (transformers 5 writes no .bin):
  huggingface_hub's split_torch_state_dict_into_shards with transformers 4's file name
  pattern, each shard torch.save'd, the index as transformers 4's json.dumps.
"""
import json
import os
import shutil

import torch
from huggingface_hub import split_torch_state_dict_into_shards
from safetensors.torch import load_file
from transformers import BertModel

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "..", "data", "tiny-model")
OUT = os.path.join(HERE, "data", "sharded")
MAX_SHARD_SIZE = "2KB"


def keep_only_weights(folder, index_name):
    for name in os.listdir(folder):
        if name != index_name and not name.startswith(("model-", "pytorch_model-")):
            os.remove(os.path.join(folder, name))


def write_safetensors_shards():
    folder = os.path.join(OUT, "safetensors")
    shutil.rmtree(folder, ignore_errors=True)
    BertModel.from_pretrained(SOURCE).save_pretrained(folder, max_shard_size=MAX_SHARD_SIZE)
    keep_only_weights(folder, "model.safetensors.index.json")


def write_torch_bin_shards():
    folder = os.path.join(OUT, "torch-bin")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    state = load_file(os.path.join(SOURCE, "model.safetensors"))
    split = split_torch_state_dict_into_shards(
        state, filename_pattern="pytorch_model{suffix}.bin", max_shard_size=MAX_SHARD_SIZE)
    for shard, names in split.filename_to_tensors.items():
        torch.save({name: state[name].contiguous() for name in names}, os.path.join(folder, shard))
    index = {"metadata": split.metadata, "weight_map": split.tensor_to_filename}
    with open(os.path.join(folder, "pytorch_model.bin.index.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(index, indent=2, sort_keys=True) + "\n")


def main():
    write_safetensors_shards()
    write_torch_bin_shards()


if __name__ == "__main__":
    main()
