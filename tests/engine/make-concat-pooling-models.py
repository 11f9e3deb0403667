#!/usr/bin/env python3
"""Makes tests/engine/data/concat-pooling: sentence-transformers folders whose Pooling
concatenates several modes, with sentence-transformers' embeddings of them, for
test-engine-parity and test-concat-pooling-elements.py (which need no torch).

usage: make-concat-pooling-models.py [OUT_DIR]
       (default: tests/engine/data/concat-pooling beside this script)

Needs torch, transformers 5 and sentence-transformers 6 (transformers 5.25 and
sentence-transformers 6.3 made the committed files), e.g. /tmp/venv-torch/bin/python.

One random BERT (hidden 16, 2 layers, F32; the WordPiece vocabulary of tests/data/tiny-model,
max_seq_length 32) under three module stacks, the Pooling config.json in either form
sentence-transformers reads:
- cls-mean: the flags form (pooling_mode_cls_token and pooling_mode_mean_tokens true: 32
  values, cls first), then Normalize over the concatenation;
- mean-max-prompt: sentence-transformers 6's list form, "pooling_mode": ["mean", "max",
  "weightedmean", "cls"] (64 values, in the list's order, which is not the flags' order),
  include_prompt false, encoded with the prompt "query: " (its tokens left out of every
  mode: cls takes the first token after it, weightedmean keeps the positions counted from
  the prompt's first);
- max-mean-lasttoken-dense: the flags form with max, mean and lasttoken true (48 values in
  the flags' order: max, mean, lasttoken), then Dense 48 -> 8 Tanh, then Normalize.
Each folder's reference.jsonl holds, per text, the ids and type ids sentence-transformers ran
(the prompt's included, with prompt_length where the folder leaves it out) and its
embedding, all texts encoded in one padded batch of unequal lengths (one cut at 32 tokens);
the script checks that each text encoded alone gives the same. overrides.json holds the
cls-mean folder's embeddings with its Pooling set to "cls" alone and to "mean" alone (16
values): what bert-infer's pooling property must give on that folder.
"""
import json
import os
import shutil
import sys

import torch
import transformers
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import Dense, Normalize, Pooling, Transformer

from fixture_weights import randomize, rounded

HERE = os.path.dirname(os.path.abspath(__file__))
TINY_MODEL = os.path.join(HERE, "..", "data", "tiny-model")
HIDDEN = 16
MAX_SEQ_LENGTH = 32
TEXTS = ["hello world", "a", "", "the quick brown fox jump over the lazy dog",
         "Hello, WORLD! music playing", "the lazy dog " * 12]
PROMPT = "query: "
FLAGS = {"cls": "pooling_mode_cls_token", "max": "pooling_mode_max_tokens", "mean": "pooling_mode_mean_tokens",
         "mean_sqrt_len_tokens": "pooling_mode_mean_sqrt_len_tokens",
         "weightedmean": "pooling_mode_weightedmean_tokens", "lasttoken": "pooling_mode_lasttoken"}


def flags(*modes):
    return {"word_embedding_dimension": HIDDEN, **{flag: mode in modes for mode, flag in FLAGS.items()}}


# folder: (its Pooling config.json, its width, Dense out_features or None, Normalize, prompt)
FOLDERS = {
    "cls-mean": (flags("cls", "mean"), 2 * HIDDEN, None, True, None),
    "mean-max-prompt": ({"embedding_dimension": HIDDEN, "pooling_mode": ["mean", "max", "weightedmean", "cls"],
                         "include_prompt": False}, 4 * HIDDEN, None, False, PROMPT),
    "max-mean-lasttoken-dense": (flags("max", "mean", "lasttoken"), 3 * HIDDEN, 8, True, None),
}


def make_encoder(folder):
    tokenizer = transformers.BertTokenizerFast.from_pretrained(TINY_MODEL, model_max_length=MAX_SEQ_LENGTH)
    config = transformers.BertConfig(vocab_size=len(tokenizer), hidden_size=HIDDEN, num_hidden_layers=2,
                                     num_attention_heads=2, intermediate_size=32, max_position_embeddings=64,
                                     type_vocab_size=2)
    model = transformers.BertModel(config, add_pooling_layer=False)
    randomize(model, 41)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def make_dense(in_features, out_features):
    generator = torch.Generator().manual_seed(42)
    dense = Dense(in_features, out_features, activation_function=torch.nn.Tanh())
    with torch.no_grad():
        dense.linear.weight.copy_(0.3 * torch.randn(dense.linear.weight.shape, generator=generator))
        dense.linear.bias.copy_(0.3 * torch.randn(dense.linear.bias.shape, generator=generator))
    return dense


def make_folder(folder, raw, pooling_config, width, dense, normalize):
    modules = [Transformer(raw, max_seq_length=MAX_SEQ_LENGTH), Pooling(HIDDEN, pooling_mode="mean")]
    if dense:
        modules.append(make_dense(width, dense))
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


def embeddings(model, prompt):
    """encode() of TEXTS in one padded batch, checked against each text alone."""
    batch = model.encode(TEXTS, batch_size=len(TEXTS), convert_to_tensor=True, prompt=prompt)
    alone = torch.stack([model.encode([text], convert_to_tensor=True, prompt=prompt)[0] for text in TEXTS])
    assert torch.allclose(batch, alone, atol=1e-5, rtol=0), (batch - alone).abs().max()
    return batch


def write_reference(folder, model, prompt):
    features = model.preprocess(TEXTS, prompt=prompt)
    lengths = features["attention_mask"].sum(1).tolist()
    assert len(set(lengths)) == len(TEXTS) and max(lengths) == MAX_SEQ_LENGTH, lengths
    result = embeddings(model, prompt)
    with open(os.path.join(folder, "reference.jsonl"), "w", encoding="utf-8") as out:
        for row, (text, embedding) in enumerate(zip(TEXTS, result.tolist())):
            n = lengths[row]
            line = {"text": text, "ids": features["input_ids"][row][:n].tolist(),
                    "type_ids": features["token_type_ids"][row][:n].tolist()}
            if prompt is not None:
                line["prompt"] = prompt
                line["prompt_length"] = int(features["prompt_length"])
            line["embedding"] = rounded(embedding)
            out.write(json.dumps(line) + "\n")


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "data", "concat-pooling")
    os.makedirs(out_dir, exist_ok=True)
    raw = os.path.join(out_dir, "raw")
    make_encoder(raw)
    for name, (pooling_config, width, dense, normalize, prompt) in FOLDERS.items():
        folder = os.path.join(out_dir, name)
        make_folder(folder, raw, pooling_config, width, dense, normalize)
        model = load(folder)
        expected = dense if dense else width
        assert model.get_embedding_dimension() == expected, (name, model.get_embedding_dimension())
        write_reference(folder, model, prompt)
    shutil.rmtree(raw)
    model = load(os.path.join(out_dir, "cls-mean"))
    assert model[1].pooling_mode == ("cls", "mean"), model[1].pooling_mode
    overrides = {}
    for mode in ("cls", "mean"):
        model[1].pooling_mode = mode
        overrides[mode] = rounded(embeddings(model, None).tolist())
    with open(os.path.join(out_dir, "overrides.json"), "w", encoding="utf-8") as f:
        json.dump({"made_with": {"transformers": transformers.__version__,
                                 "sentence_transformers": __import__("sentence_transformers").__version__},
                   "folder": "cls-mean", "texts": TEXTS, "modes": overrides}, f, indent=None)
        f.write("\n")


if __name__ == "__main__":
    main()
