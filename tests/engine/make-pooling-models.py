#!/usr/bin/env python3
"""Makes tests/engine/data/pooling: sentence-transformers folders pooling with the modes
mean_sqrt_len_tokens, weightedmean and lasttoken, with sentence-transformers' embeddings of
them, for test-engine-parity and test-pooling-elements.py (which need no torch).

usage: make-pooling-models.py [OUT_DIR]   (default: tests/engine/data/pooling beside this script)

Needs torch, transformers 5 and sentence-transformers 6 (transformers 5.25 and
sentence-transformers 6.3 made the committed files), e.g. /tmp/venv-torch/bin/python.

One random BERT (hidden 16, 2 layers, F32; the WordPiece vocabulary of tests/data/tiny-model,
max_seq_length 32) under three module stacks, each Pooling config.json in one of the two
forms sentence-transformers reads:
- mean-sqrt-len: the flags form (pooling_mode_mean_sqrt_len_tokens true), then Dense 16 -> 8
  Tanh, whose non-linearity keeps the 1 / sqrt(n) scale visible;
- weightedmean: sentence-transformers 6's form ("pooling_mode": "weightedmean",
  "embedding_dimension"), then Normalize;
- lasttoken: the flags form (pooling_mode_lasttoken true) and nothing after it.
Each folder's reference.jsonl holds, per text, the ids and type ids sentence-transformers ran
and its embedding, all texts encoded in one padded batch of unequal lengths (one cut at 32
tokens); the script checks that each text encoded alone gives the same (so the reference
does not depend on the padding, and the engine, which packs without padding, must match
it). modes.json holds the lasttoken folder's embeddings of those texts with its Pooling set
to each of the six modes: what bert-infer's pooling property must give on that folder.
"""
import json
import os
import shutil
import sys

import torch
import transformers
from safetensors.torch import save_file
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import Dense, Normalize, Pooling, Transformer

from fixture_weights import randomize, rounded

HERE = os.path.dirname(os.path.abspath(__file__))
TINY_MODEL = os.path.join(HERE, "..", "data", "tiny-model")
HIDDEN = 16
MAX_SEQ_LENGTH = 32
TEXTS = ["hello world", "a", "", "the quick brown fox jump over the lazy dog",
         "Hello, WORLD! music playing", "the lazy dog " * 12]
MODES = ["mean", "cls", "max", "mean_sqrt_len_tokens", "weightedmean", "lasttoken"]
FLAGS = {"cls": "pooling_mode_cls_token", "max": "pooling_mode_max_tokens", "mean": "pooling_mode_mean_tokens",
         "mean_sqrt_len_tokens": "pooling_mode_mean_sqrt_len_tokens",
         "weightedmean": "pooling_mode_weightedmean_tokens", "lasttoken": "pooling_mode_lasttoken"}
# folder: (its Pooling config.json, whether Dense 16 -> 8 Tanh follows, whether Normalize follows)
FOLDERS = {
    "mean-sqrt-len": ({"word_embedding_dimension": HIDDEN, **{flag: mode == "mean_sqrt_len_tokens"
                                                             for mode, flag in FLAGS.items()}}, True, False),
    "weightedmean": ({"embedding_dimension": HIDDEN, "pooling_mode": "weightedmean", "include_prompt": True},
                     False, True),
    "lasttoken": ({"word_embedding_dimension": HIDDEN, **{flag: mode == "lasttoken" for mode, flag in FLAGS.items()}},
                  False, False),
}


def make_encoder(folder):
    tokenizer = transformers.BertTokenizerFast.from_pretrained(TINY_MODEL, model_max_length=MAX_SEQ_LENGTH)
    config = transformers.BertConfig(vocab_size=len(tokenizer), hidden_size=HIDDEN, num_hidden_layers=2,
                                     num_attention_heads=2, intermediate_size=32, max_position_embeddings=64,
                                     type_vocab_size=2)
    model = transformers.BertModel(config, add_pooling_layer=False)
    randomize(model, 31)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def make_dense():
    generator = torch.Generator().manual_seed(32)
    dense = Dense(HIDDEN, 8, activation_function=torch.nn.Tanh())
    with torch.no_grad():
        dense.linear.weight.copy_(0.5 * torch.randn(dense.linear.weight.shape, generator=generator))
        dense.linear.bias.copy_(0.5 * torch.randn(dense.linear.bias.shape, generator=generator))
    return dense


def make_folder(folder, raw, pooling_config, dense, normalize):
    modules = [Transformer(raw, max_seq_length=MAX_SEQ_LENGTH), Pooling(HIDDEN, pooling_mode="mean")]
    if dense:
        modules.append(make_dense())
    if normalize:
        modules.append(Normalize())
    shutil.rmtree(folder, ignore_errors=True)
    SentenceTransformer(modules=modules, device="cpu").save(folder)
    for name in ("README.md", "special_tokens_map.json", "vocab.txt"):
        if os.path.exists(os.path.join(folder, name)):
            os.remove(os.path.join(folder, name))
    with open(os.path.join(folder, "1_Pooling", "config.json"), "w") as f:
        json.dump(pooling_config, f, indent=1)


def load(folder):
    """The folder as sentence-transformers reads it: the reference is what the folder holds."""
    return SentenceTransformer(folder, device="cpu", model_kwargs={"attn_implementation": "eager"}).eval()


def embeddings(model):
    """encode() of TEXTS in one padded batch, checked against each text alone."""
    batch = model.encode(TEXTS, batch_size=len(TEXTS), convert_to_tensor=True)
    alone = torch.stack([model.encode([text], convert_to_tensor=True)[0] for text in TEXTS])
    assert torch.allclose(batch, alone, atol=1e-5, rtol=0), (batch - alone).abs().max()
    return batch


def write_reference(folder, model):
    features = model.preprocess(TEXTS)
    lengths = features["attention_mask"].sum(1).tolist()
    assert len(set(lengths)) == len(TEXTS) and max(lengths) == MAX_SEQ_LENGTH, lengths
    with open(os.path.join(folder, "reference.jsonl"), "w", encoding="utf-8") as out:
        for row, (text, embedding) in enumerate(zip(TEXTS, embeddings(model).tolist())):
            n = lengths[row]
            line = {"text": text, "ids": features["input_ids"][row][:n].tolist(),
                    "type_ids": features["token_type_ids"][row][:n].tolist(), "embedding": rounded(embedding)}
            out.write(json.dumps(line) + "\n")


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "data", "pooling")
    os.makedirs(out_dir, exist_ok=True)
    raw = os.path.join(out_dir, "raw")
    make_encoder(raw)
    for name, (pooling_config, dense, normalize) in FOLDERS.items():
        folder = os.path.join(out_dir, name)
        make_folder(folder, raw, pooling_config, dense, normalize)
        write_reference(folder, load(folder))
    shutil.rmtree(raw)
    model = load(os.path.join(out_dir, "lasttoken"))
    by_mode = {}
    for mode in MODES:
        model[1].pooling_mode = mode
        by_mode[mode] = rounded(embeddings(model).tolist())
    assert by_mode["lasttoken"] != by_mode["mean"]
    with open(os.path.join(out_dir, "modes.json"), "w", encoding="utf-8") as f:
        json.dump({"made_with": {"transformers": transformers.__version__,
                                 "sentence_transformers": __import__("sentence_transformers").__version__},
                   "folder": "lasttoken", "texts": TEXTS, "modes": by_mode}, f, indent=None)
        f.write("\n")


if __name__ == "__main__":
    main()
