#!/usr/bin/env python3
"""Pooling modules that concatenate several modes, through the elements, against
sentence-transformers' embeddings (make-concat-pooling-models.py; no torch needed here).

- Each folder of data/concat-pooling (cls+mean then Normalize, the list
  mean+max+weightedmean+cls without the prompt's tokens, max+mean+lasttoken then Dense and
  Normalize) through tokenizer ! bert-infer and bert-infer alone (the prompt "query: "
  where the reference has one): sentence-transformers' ids and embeddings, as wide as it
  makes them.
- bert-json writes the concatenation whole.
- bert-infer's pooling property on the cls-mean folder: one mode, 16 values, as
  sentence-transformers gives with that mode alone (overrides.json); on the folder with a
  Dense module after three modes it is refused, naming both widths.
Exits 77 (skipped) where gi, numpy or the elements are missing.
"""
import json
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE / "data" / "concat-pooling"
FOLDERS = ["cls-mean", "mean-max-prompt", "max-mean-lasttoken-dense"]
WIDTHS = {"cls-mean": 32, "mean-max-prompt": 64, "max-mean-lasttoken-dense": 8}

from element_pipelines import (assert_embeddings_close, buffer_field, numpy, reference_lines,  # noqa: E402
                               run_json, run_outcome, run_texts)  # (exits 77 first where needed)


def prompt_property(lines):
    prompts = {line.get("prompt") for line in lines}
    assert len(prompts) == 1, prompts
    prompt = prompts.pop()
    return f' prompt="{prompt}"' if prompt else ""


def embeddings(results):
    """The embedding of each buffer's result meta, as rows."""
    return numpy.array([buffer_field(result, "embedding", numpy.float32) for _, _, result in results])


class ConcatenatedPooling(unittest.TestCase):
    def test_tokenizer_and_bert_infer_match_sentence_transformers(self):
        for name in FOLDERS:
            lines = reference_lines(DATA_DIR / name)
            folder = DATA_DIR / name
            metas = run_texts(f"tokenizer vocab={folder}{prompt_property(lines)} ! bert-infer model={folder} device=cpu",
                              [line["text"] for line in lines])
            self.assertEqual([buffer_field(tokens, "ids", numpy.int32).tolist() for _, tokens, _ in metas],
                             [line["ids"] for line in lines], name)
            got = embeddings(metas)
            self.assertEqual(got.shape[1], WIDTHS[name], name)
            assert_embeddings_close(self, got, numpy.array([line["embedding"] for line in lines]), name)

    def test_bert_infer_alone_matches_sentence_transformers(self):
        for name in FOLDERS:
            lines = reference_lines(DATA_DIR / name)
            folder = DATA_DIR / name
            results = run_texts(f"bert-infer model={folder} device=cpu{prompt_property(lines)}",
                                [line["text"] for line in lines])
            got = embeddings(results)
            assert_embeddings_close(self, got, numpy.array([line["embedding"] for line in lines]), name)

    def test_bert_json_writes_the_whole_concatenation(self):
        lines = reference_lines(DATA_DIR / "cls-mean")
        objects = run_json(f"bert-infer model={DATA_DIR / 'cls-mean'} device=cpu", [line["text"] for line in lines])
        assert_embeddings_close(self, numpy.array([o["result"]["embedding"] for o in objects]),
                                numpy.array([line["embedding"] for line in lines]), "bert-json")

    def test_pooling_property_pools_one_mode(self):
        document = json.loads((DATA_DIR / "overrides.json").read_text(encoding="utf-8"))
        folder = DATA_DIR / document["folder"]
        for mode, want in document["modes"].items():
            results = run_texts(f"bert-infer model={folder} device=cpu pooling={mode}", document["texts"])
            got = embeddings(results)
            assert_embeddings_close(self, got, numpy.array(want), f"pooling={mode}")

    def test_pooling_property_refused_before_dense(self):
        folder = DATA_DIR / "max-mean-lasttoken-dense"
        outcome = run_outcome(f"bert-infer model={folder} device=cpu pooling=mean", ["hello world"],
                              lambda buffer: None)
        self.assertIn("error", outcome)
        self.assertIn("in_features 48", outcome["error"])
        self.assertIn("3 modes", outcome["error"])


if __name__ == "__main__":
    unittest.main()
