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
import os
import shutil
import sys

from fixture_weights import rounded
from pooling_fixtures import (HERE, HIDDEN, embeddings, load, make_dense, make_encoder, make_folder,
                              pooling_flags, write_modes, write_reference)

MODES = ["mean", "cls", "max", "mean_sqrt_len_tokens", "weightedmean", "lasttoken"]
# folder: (its Pooling config.json, whether Dense 16 -> 8 Tanh follows, whether Normalize follows)
FOLDERS = {
    "mean-sqrt-len": (pooling_flags("mean_sqrt_len_tokens"), True, False),
    "weightedmean": ({"embedding_dimension": HIDDEN, "pooling_mode": "weightedmean", "include_prompt": True},
                     False, True),
    "lasttoken": (pooling_flags("lasttoken"), False, False),
}


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "data", "pooling")
    os.makedirs(out_dir, exist_ok=True)
    raw = os.path.join(out_dir, "raw")
    make_encoder(raw, 31)
    for name, (pooling_config, dense, normalize) in FOLDERS.items():
        folder = os.path.join(out_dir, name)
        make_folder(folder, raw, pooling_config, make_dense(HIDDEN, 8, 32, 0.5) if dense else None, normalize)
        write_reference(folder, load(folder))
    shutil.rmtree(raw)
    model = load(os.path.join(out_dir, "lasttoken"))
    by_mode = {}
    for mode in MODES:
        model[1].pooling_mode = mode
        by_mode[mode] = rounded(embeddings(model).tolist())
    assert by_mode["lasttoken"] != by_mode["mean"]
    write_modes(os.path.join(out_dir, "modes.json"), "lasttoken", by_mode)


if __name__ == "__main__":
    main()
