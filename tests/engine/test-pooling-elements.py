#!/usr/bin/python3
"""sentence-transformers' pooling modes mean_sqrt_len_tokens, weightedmean and lasttoken
through the elements, against sentence-transformers' embeddings (make-pooling-models.py).

- Each folder of data/pooling (mean-sqrt-len then Dense, weightedmean then Normalize,
  lasttoken alone) through `tokenizer ! bert-infer` and `bert-infer` alone: its texts of
  unequal lengths go as one batch, and must give the ids and embeddings of reference.jsonl
  (cosine >= 0.99999, max abs diff <= 1e-4).
- The same folders with their Pooling config.json in the other form sentence-transformers
  reads (the flags of version 5 for "pooling_mode", and back): the same embeddings.
- bert-infer's pooling property on the lasttoken folder, each of its six values against
  sentence-transformers with that mode (modes.json).
Exits 77 (skipped) where gi, numpy or the elements are missing.
"""
import json
import shutil
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
POOLING_DIR = HERE / "data" / "pooling"
FOLDERS = ("mean-sqrt-len", "weightedmean", "lasttoken")
FLAGS = {"cls": "pooling_mode_cls_token", "max": "pooling_mode_max_tokens", "mean": "pooling_mode_mean_tokens",
         "mean_sqrt_len_tokens": "pooling_mode_mean_sqrt_len_tokens",
         "weightedmean": "pooling_mode_weightedmean_tokens", "lasttoken": "pooling_mode_lasttoken"}
# bert-infer's pooling nicks for sentence-transformers' mode names.
NICKS = {"mean": "mean", "cls": "cls", "max": "max", "mean_sqrt_len_tokens": "mean-sqrt-len",
         "weightedmean": "weightedmean", "lasttoken": "lasttoken"}

from element_pipelines import (assert_embeddings_close, buffer_field, check_folder_against_reference,  # noqa: E402
                               numpy, reference_lines, run_texts)  # (exits 77 first where needed)


def embeddings(description, texts):
    return numpy.array([buffer_field(result, "embedding", numpy.float32)
                        for _, _, result in run_texts(description, texts)])


def other_form(config):
    """The Pooling config.json in the other form: flags for "pooling_mode", and back."""
    if "pooling_mode" in config:
        return {"word_embedding_dimension": config["embedding_dimension"],
                **{flag: mode == config["pooling_mode"] for mode, flag in FLAGS.items()}}
    mode, = [mode for mode, flag in FLAGS.items() if config.get(flag)]
    return {"embedding_dimension": config["word_embedding_dimension"], "pooling_mode": mode}


class PoolingModes(unittest.TestCase):
    def test_tokenizer_and_bert_infer_match_sentence_transformers(self):
        for name in FOLDERS:
            with self.subTest(folder=name):
                check_folder_against_reference(self, POOLING_DIR / name, reference_lines(POOLING_DIR / name))

    def test_bert_infer_alone_matches_sentence_transformers(self):
        for name in FOLDERS:
            lines = reference_lines(POOLING_DIR / name)
            got = embeddings(f"bert-infer model={POOLING_DIR / name} device=cpu", [line["text"] for line in lines])
            assert_embeddings_close(self, got, numpy.array([line["embedding"] for line in lines]), name)

    def test_either_config_form_pools_alike(self):
        for name in FOLDERS:
            texts = [line["text"] for line in reference_lines(POOLING_DIR / name)]
            with tempfile.TemporaryDirectory(prefix="gst-bert-pooling-") as work:
                folder = Path(work) / name
                shutil.copytree(POOLING_DIR / name, folder)
                config_path = folder / "1_Pooling" / "config.json"
                config = json.loads(config_path.read_text())
                config_path.write_text(json.dumps(other_form(config)))
                got = embeddings(f"bert-infer model={folder} device=cpu", texts)
            want = embeddings(f"bert-infer model={POOLING_DIR / name} device=cpu", texts)
            numpy.testing.assert_array_equal(got, want, name)

    def test_pooling_property_matches_sentence_transformers(self):
        document = json.loads((POOLING_DIR / "modes.json").read_text(encoding="utf-8"))
        folder = POOLING_DIR / document["folder"]
        for mode, want in document["modes"].items():
            got = embeddings(f"bert-infer model={folder} device=cpu pooling={NICKS[mode]}", document["texts"])
            assert_embeddings_close(self, got, numpy.array(want), f"pooling={NICKS[mode]}")


if __name__ == "__main__":
    unittest.main()
