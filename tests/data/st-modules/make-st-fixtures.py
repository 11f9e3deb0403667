#!/usr/bin/env python3
"""Makes the sentence-transformers fixtures of tests/data/st-modules with sentence-transformers itself.

usage: make-st-fixtures.py  (with a Python that has torch and sentence-transformers, e.g.
       /tmp/venv-lowprec/bin/python; the output is committed, tests only read it)

dense/: a random-weight BERT (hidden 16, 2 layers) on the WordPiece vocabulary of
tests/data/tiny-model, then Pooling (mean), Dense 16 -> 12 (Tanh), Dense 12 -> 6 (no
bias, Identity) and Normalize, with prompts {"query": "query: ", "passage": "passage: "}
in config_sentence_transformers.json. expected.json holds sentence-transformers'
encode() of TEXTS with no prompt, with prompt="query: " and with prompt_name="passage".
"""
import json
import os
import shutil
import sys

import torch
from sentence_transformers import SentenceTransformer, models
from transformers import BertConfig, BertModel, BertTokenizerFast

HERE = os.path.dirname(os.path.abspath(__file__))
TINY_MODEL = os.path.join(HERE, "..", "tiny-model")
TEXTS = ["hello world", "the quick brown fox jump over the lazy dog", "a", "Hello, WORLD! music playing"]


def make_encoder(folder):
    torch.manual_seed(15)
    tokenizer = BertTokenizerFast.from_pretrained(TINY_MODEL, model_max_length=64)
    vocab_size = len(tokenizer)
    config = BertConfig(vocab_size=vocab_size, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=64, type_vocab_size=2)
    model = BertModel(config, add_pooling_layer=False)
    for parameter in model.parameters():
        torch.nn.init.normal_(parameter, std=0.5)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def make_dense(out_dir):
    raw = out_dir + ".raw"
    make_encoder(raw)
    transformer = models.Transformer(raw, max_seq_length=64)
    pooling = models.Pooling(16, pooling_mode="mean")
    dense1 = models.Dense(16, 12, activation_function=torch.nn.Tanh())
    dense2 = models.Dense(12, 6, bias=False, activation_function=torch.nn.Identity())
    for dense in (dense1, dense2):
        torch.nn.init.normal_(dense.linear.weight, std=0.5)
        if dense.linear.bias is not None:
            torch.nn.init.normal_(dense.linear.bias, std=0.5)
    model = SentenceTransformer(modules=[transformer, pooling, dense1, dense2, models.Normalize()],
                                prompts={"query": "query: ", "passage": "passage: "}, device="cpu")
    shutil.rmtree(out_dir, ignore_errors=True)
    model.save(out_dir)
    shutil.rmtree(raw)
    os.remove(os.path.join(out_dir, "README.md"))  # a generated model card, 5 KB of boilerplate
    expected = {
        "texts": TEXTS,
        "plain": model.encode(TEXTS).tolist(),
        "prompt query: ": model.encode(TEXTS, prompt="query: ").tolist(),
        "prompt_name passage": model.encode(TEXTS, prompt_name="passage").tolist(),
    }
    with open(os.path.join(out_dir, "..", "dense-expected.json"), "w") as f:
        json.dump(expected, f, indent=1)


if __name__ == "__main__":
    make_dense(os.path.join(HERE, "dense"))
    sys.exit(0)
