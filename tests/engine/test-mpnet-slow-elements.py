#!/usr/bin/python3
"""tokenizer ! bert-infer on an MPNet folder that has vocab.txt and no tokenizer.json,
against PyTorch.

tests/engine/data/e2e/mpnet-wordpiece (make-mpnet-models.py) is copied to a temporary
folder with, in place of the tokenizer.json its reference.json was made with
(tests/tokenizer/data/wordpiece-shapes/mpnet: BertNormalizer, BertPreTokenizer,
RobertaProcessing, the shape MPNetTokenizer builds), that file's vocabulary as vocab.txt,
one token a line in id order; its config.json's model_type mpnet makes it an
MPNetTokenizer folder. The texts of reference.json run through `appsrc ! tokenizer !
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
MPNET_DIR = HERE / "data" / "e2e" / "mpnet-wordpiece"
TOKENIZER_JSON = HERE.parent / "tokenizer" / "data" / "wordpiece-shapes" / "mpnet" / "tokenizer.json"

from element_pipelines import check_folder_against_reference  # noqa: E402  (exits 77 first where needed)


class MPNetVocabTxtPipeline(unittest.TestCase):
    def test_vocab_txt_gives_the_tokenizer_json_embeddings(self):
        reference = json.loads((MPNET_DIR / "reference.json").read_text(encoding="utf-8"))
        self.assertEqual(reference["tokenizer"], "wordpiece-shapes/mpnet")
        vocab = json.loads(TOKENIZER_JSON.read_text(encoding="utf-8"))["model"]["vocab"]
        tokens = sorted(vocab, key=vocab.get)
        self.assertEqual([vocab[token] for token in tokens], list(range(len(tokens))))
        with tempfile.TemporaryDirectory(prefix="gst-bert-mpnet-slow-") as folder:
            shutil.copytree(MPNET_DIR, folder, dirs_exist_ok=True)
            (Path(folder) / "vocab.txt").write_text("\n".join(tokens) + "\n", encoding="utf-8")
            self.assertFalse((Path(folder) / "tokenizer.json").exists())
            check_folder_against_reference(self, folder, reference["lines"])


if __name__ == "__main__":
    unittest.main()
