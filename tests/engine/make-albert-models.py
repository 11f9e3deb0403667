#!/usr/bin/env python3
"""Makes the tiny ALBERT folders of tests/engine/data and their PyTorch reference outputs.

usage: make-albert-models.py [OUT_DIR]   (default: tests/engine/data beside this script)

Needs torch, transformers (5.25 made the committed files) and sentence-transformers (6.3);
the tests that read the folders need none of them. ALBERT encoders are BERT encoders with
their own tensor names (albert.), embedding tables embedding_size wide that a Linear layer
(albert.encoder.embedding_hidden_mapping_in) always maps to hidden_size, even where the
two are equal, and layers shared: num_hidden_layers passes, pass i through the
inner_group_num layers of group int(i / (num_hidden_layers / num_hidden_groups)). The
sequence classifier is BERT's (albert.pooler, tanh, classifier). hidden_act is gelu_new.
It writes, with make-electra-models.py's helpers and reference format:

  families/albert-HEAD-DTYPE          AlbertModel as a sentence encoder (mean Pooling),
                                      AlbertForSequenceClassification (3 labels),
                                      AlbertForTokenClassification (5 labels), in F32, F16
                                      and BF16; embedding_size 8 < hidden_size 16, 3 passes
                                      through one shared layer, as albert-base-v2 runs 12
  families/albert-groups-HEAD-f32     the same heads with embedding_size = hidden_size 16
                                      (the mapping is still there), 3 passes, 2 groups of 2
                                      layers (inner_group_num 2): passes 0 and 1 run group 0,
                                      pass 2 group 1; the encoder with CLS pooling and
                                      Normalize
  e2e/albert-unigram                  AlbertModel (F16, hidden 12, embedding_size 8) sized
                                      for tests/tokenizer/data/albert-unigram's tokenizer,
                                      with reference.json: PyTorch's mean-pooled outputs for
                                      texts tokenized by Hugging Face tokenizers
                                      (test-family-elements.py copies the tokenizer in)

Each folder has config.json and model.safetensors from save_pretrained (random weights
spread wider than the default init), a WordPiece vocab.txt (the engine needs a tokenizer;
the parity test feeds ids) and reference.jsonl: every input in one batch, padded and
masked, through the saved folder loaded back in float32; each input alone must give the
same outputs, which the script checks. ALBERT uses token type ids as BERT does.
"""
import importlib.util
import json
import os
import shutil
import sys

import torch
import transformers
from fixture_weights import randomize, reference_line

HERE = os.path.dirname(os.path.abspath(__file__))


def load_script(name, file_name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, file_name))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


electra = load_script("electra", "make-electra-models.py")
families = load_script("families", "make-family-models.py")

VOCAB_SIZE = electra.VOCAB_SIZE
DTYPES = electra.DTYPES
HEADS = {"encoder": "AlbertModel", "sequence": "AlbertForSequenceClassification",
         "token": "AlbertForTokenClassification"}


def make_config(labels, embedding_size, num_hidden_groups, inner_group_num, hidden=16, vocab_size=VOCAB_SIZE):
    label_fields = {}
    if labels:
        label_fields = {"id2label": dict(enumerate(labels)),
                        "label2id": {name: i for i, name in enumerate(labels)}}
    return transformers.AlbertConfig(
        vocab_size=vocab_size, embedding_size=embedding_size, hidden_size=hidden, num_hidden_layers=3,
        num_hidden_groups=num_hidden_groups, inner_group_num=inner_group_num, num_attention_heads=2,
        intermediate_size=2 * hidden, max_position_embeddings=electra.MAX_POSITIONS, type_vocab_size=2,
        pad_token_id=electra.PAD_ID, **label_fields)


def make_folder(out_dir, name, head, dtype_name, embedding_size, groups, inner, pooling, normalize, seed):
    labels = {"encoder": None, "sequence": electra.SEQUENCE_LABELS, "token": electra.TOKEN_LABELS}[head]
    folder = os.path.join(out_dir, "families", name)
    shutil.rmtree(folder, ignore_errors=True)
    torch.manual_seed(seed)
    config = make_config(labels, embedding_size, groups, inner)
    model = getattr(transformers, HEADS[head])(config)
    randomize(model, seed)
    model.to(DTYPES[dtype_name]).save_pretrained(folder)
    electra.write_vocab(folder, VOCAB_SIZE)
    if head == "encoder":
        electra.write_modules(folder, config.hidden_size, pooling, normalize)
    model = getattr(transformers, HEADS[head]).from_pretrained(folder, dtype=torch.float32,
                                                               attn_implementation="eager").eval()
    assert model.config.hidden_act == "gelu_new"
    inputs = electra.inputs_for(seed)
    batched = electra.run_batch(model, head, inputs, pooling, normalize)
    electra.check_alone_matches_batch(model, head, inputs, batched, pooling, normalize)
    with open(os.path.join(folder, "reference.jsonl"), "w") as f:
        for (ids, type_ids), outputs in zip(inputs, batched):
            f.write(json.dumps(reference_line(head, ids, type_ids, outputs, labels)) + "\n")


def make_e2e_folder(out_dir):
    """e2e/albert-unigram: texts tokenized by tokenizers with the ALBERT fixture."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(os.path.join(families.TOKENIZER_DATA, "albert-unigram", "tokenizer.json"))
    folder = os.path.join(out_dir, "e2e", "albert-unigram")
    shutil.rmtree(folder, ignore_errors=True)
    torch.manual_seed(98)
    config = make_config(None, 8, 1, 1, hidden=12, vocab_size=tokenizer.get_vocab_size(True))
    config.max_position_embeddings = 64
    model = transformers.AlbertModel(config)
    randomize(model, 98)
    model.to(torch.float16).save_pretrained(folder)
    families.write_pooling(folder, 12)
    model = families.load_float32(folder, "encoder")
    references = []
    for text in families.E2E_TEXTS + ["``Quoted'' ÀCCENTS and CAPITALS", "tab\tseparated\nlines"]:
        ids = tokenizer.encode(text).ids
        assert ids[0] == 2 and ids[-1] == 3, ids
        references.append(dict(text=text, ids=ids, **families.forward(model, "encoder", ids, None)))
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump({"tokenizer": "albert-unigram", "lines": references}, f, indent=1)


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "data")
    seed = 400
    for head in HEADS:
        for dtype_name in DTYPES:
            make_folder(out_dir, "albert-%s-%s" % (head, dtype_name), head, dtype_name, 8, 1, 1, "mean", False,
                        seed)
            seed += 1
    for head in HEADS:
        make_folder(out_dir, "albert-groups-%s-f32" % head, head, "f32", 16, 2, 2, "cls", True, seed)
        seed += 1
    make_e2e_folder(out_dir)


if __name__ == "__main__":
    main()
