#!/usr/bin/python3
"""tokenizer ! bert-infer on a RoBERTa folder that has vocab.json and merges.txt and no
tokenizer.json, against PyTorch.

tests/engine/data/e2e/roberta-bpe (make-family-models.py) is copied to a temporary folder
with, in place of the tokenizer.json its reference.json was made with
(tests/tokenizer/data/bpe-roberta), the slow tokenizer's files of the same tokenizer:
vocab.json and merges.txt from tests/tokenizer/data/roberta-slow, and the
special_tokens_map.json and tokenizer_config.json (add_prefix_space, as the fixture has it)
of its prefix-space variant. The texts of reference.json run through `appsrc ! tokenizer !
bert-infer device=cpu ! appsink`: the same ids as Hugging Face tokenizers gave from
tokenizer.json, and the same embeddings (cosine >= 0.99999, max abs diff <= 1e-4). Exits 77
(skipped) where gi, numpy or the elements are missing.
"""
import json
import shutil
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
E2E_DIR = HERE / "data" / "e2e"
SLOW_DIR = HERE.parent / "tokenizer" / "data" / "roberta-slow"

from element_pipelines import check_folder_against_reference  # noqa: E402  (exits 77 first where needed)


class RobertaSlowFilesPipeline(unittest.TestCase):
    def test_slow_files_give_the_tokenizer_json_embeddings(self):
        reference = json.loads((E2E_DIR / "roberta-bpe" / "reference.json").read_text(encoding="utf-8"))
        self.assertEqual(reference["tokenizer"], "bpe-roberta")
        with tempfile.TemporaryDirectory(prefix="gst-bert-roberta-slow-") as folder:
            shutil.copytree(E2E_DIR / "roberta-bpe", folder, dirs_exist_ok=True)
            for source in (SLOW_DIR / "vocab.json", SLOW_DIR / "merges.txt",
                           SLOW_DIR / "prefix-space" / "special_tokens_map.json",
                           SLOW_DIR / "prefix-space" / "tokenizer_config.json"):
                shutil.copy(source, folder)
            self.assertFalse((Path(folder) / "tokenizer.json").exists())
            check_folder_against_reference(self, folder, reference["lines"])


if __name__ == "__main__":
    unittest.main()
