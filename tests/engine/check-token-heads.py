#!/usr/bin/env python3
"""Differential check, by hand: token-classification folders whose config.json sets
problem_type, or carries a sentence-transformers CrossEncoder's activation_fn, through
bert-infer against transformers 5's token-classification pipeline.

usage: GST_PLUGIN_PATH=$PWD/build/plugin /tmp/venv-torch/bin/python tests/engine/check-token-heads.py

Needs torch and transformers 5 (5.25 checked) and gst-launch-1.0. For the RoBERTa, XLM-R and
DistilBERT token classifiers of data/families (F32) and ../shared's bert-tiny-random-ner
(BertForTokenClassification, where present), each variant writes problem_type
(single_label_classification, multi_label_classification, regression), config.json's
"sentence_transformers": {"activation_fn": ...} or config_sentence_transformers.json's
activation_fn (Sigmoid, Identity) into a copy, runs a text through `bert-infer ! bert-json`
and compares each token's label and score with the pipeline's postprocess on the same ids
(transformers/pipelines/token_classification.py: a softmax over each token's logits,
whatever problem_type says; a CrossEncoder setting is no part of it. sentence-transformers'
CrossEncoder would load such a folder as a sequence classifier with a pooler initialised at
random, no reference to compare with). Prints one line per variant; exits 1 where a label differs or a score by more than 1e-5.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import torch
import transformers

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("GST_BERT_SHARED_DIR", os.path.join(HERE, "..", "..", "..", "shared"))
# name: folder; BERT's is the shared bert-tiny-random-ner (BertForTokenClassification), where present
FOLDERS = {name: os.path.join(HERE, "data", "families", name)
           for name in ("roberta-token-f32", "xlm-roberta-token-f32", "distilbert-token-f32")}
FOLDERS["bert-tiny-random-ner"] = os.path.join(SHARED, "models", "bert-tiny-random-ner")
SIGMOID = "torch.nn.modules.activation.Sigmoid"
VARIANTS = {
    "plain": ({}, None),
    "single-label": ({"problem_type": "single_label_classification"}, None),
    "multi-label": ({"problem_type": "multi_label_classification"}, None),
    "regression": ({"problem_type": "regression"}, None),
    "cross-encoder-config": ({"sentence_transformers": {"activation_fn": SIGMOID}}, None),
    "cross-encoder-saved": ({}, {"activation_fn": "torch.nn.modules.linear.Identity"}),
    "multi-label-and-sigmoid": ({"problem_type": "multi_label_classification",
                                 "sentence_transformers": {"activation_fn": SIGMOID}}, None),
}
TEXT = "a b c d e f g h"


def gst_result(folder):
    source = os.path.join(folder, "in.txt")
    out = os.path.join(folder, "out.json")
    with open(source, "w") as f:
        f.write(TEXT + "\n")
    run = subprocess.run(["gst-launch-1.0", "-q", "filesrc", f"location={source}", "!", "text/x-raw,format=utf8",
                          "!", "bert-infer", f"model={folder}", "device=cpu", "!", "bert-json", "!", "filesink",
                          f"location={out}"], capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        return None, run.stderr.strip()
    with open(out) as f:
        return json.loads(f.readline()), run.stderr.strip()


def reference(folder, ids):
    """The token-classification pipeline's labels and scores (aggregation none) on ids."""
    model = transformers.AutoModelForTokenClassification.from_pretrained(folder, dtype=torch.float32).eval()
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids])).logits[0].double()
    scores = torch.softmax(logits, dim=-1)
    labels = scores.argmax(dim=-1).tolist()
    return [(model.config.id2label[label], scores[i, label].item()) for i, label in enumerate(labels)]


def main():
    failures = 0
    with tempfile.TemporaryDirectory(prefix="gst-bert-token-heads-") as scratch:
        for family, source in FOLDERS.items():
            if not os.path.isdir(source):
                print(f"{family:22} skipped: {source} is absent")
                continue
            for name, (fields, saved) in VARIANTS.items():
                folder = os.path.join(scratch, f"{family}-{name}")
                shutil.copytree(source, folder)
                with open(os.path.join(folder, "config.json")) as f:
                    config = json.load(f)
                config.update(fields)
                with open(os.path.join(folder, "config.json"), "w") as f:
                    json.dump(config, f)
                if saved is not None:
                    with open(os.path.join(folder, "config_sentence_transformers.json"), "w") as f:
                        json.dump(saved, f)
                got, log = gst_result(folder)
                if got is None:
                    print(f"{family:22} {name:24} gst-bert refuses: {log[:200]}")
                    continue
                want = reference(folder, got["tokens"]["ids"])
                labels = [(token["label"], token["score"]) for token in got["result"]["token_labels"]]
                same = len(labels) == len(want) and all(
                    a == b and abs(x - y) <= 1e-5 for (a, x), (b, y) in zip(labels, want))
                failures += not same
                print(f"{family:22} {name:24} {'same' if same else 'DIFFERS'}"
                      f"{' (warning: ' + log[:120] + ')' if log else ''}")
    print(f"{failures} variant(s) differing")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
