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
import os
import shutil
import sys

from fixture_weights import rounded
from pooling_fixtures import (HERE, HIDDEN, embeddings, load, make_dense, make_encoder, make_folder,
                              pooling_flags, write_modes, write_reference)

PROMPT = "query: "


# folder: (its Pooling config.json, its width, Dense out_features or None, Normalize, prompt)
FOLDERS = {
    "cls-mean": (pooling_flags("cls", "mean"), 2 * HIDDEN, None, True, None),
    "mean-max-prompt": ({"embedding_dimension": HIDDEN, "pooling_mode": ["mean", "max", "weightedmean", "cls"],
                         "include_prompt": False}, 4 * HIDDEN, None, False, PROMPT),
    "max-mean-lasttoken-dense": (pooling_flags("max", "mean", "lasttoken"), 3 * HIDDEN, 8, True, None),
}


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "data", "concat-pooling")
    os.makedirs(out_dir, exist_ok=True)
    raw = os.path.join(out_dir, "raw")
    make_encoder(raw, 41)
    for name, (pooling_config, width, dense, normalize, prompt) in FOLDERS.items():
        folder = os.path.join(out_dir, name)
        make_folder(folder, raw, pooling_config, make_dense(width, dense, 42, 0.3) if dense else None, normalize)
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
        overrides[mode] = rounded(embeddings(model).tolist())
    write_modes(os.path.join(out_dir, "overrides.json"), "cls-mean", overrides)


if __name__ == "__main__":
    main()
