#!/usr/bin/python3
"""tokenizer ! bert-infer on an XLM-R folder that has sentencepiece.bpe.model and no
tokenizer.json, against PyTorch.

tests/engine/data/e2e/xlm-roberta-unigram (make-family-models.py) is copied to a temporary
folder with, in place of the tokenizer.json its reference.json was made with
(tests/tokenizer/data/unigram-nmt-nfkc, converted by transformers' XLMRobertaConverter from
a sentencepiece model), that sentencepiece model written back: its pieces (<unk> <s> </s>,
then the converter's from the fifth on, <mask> left out), their scores and the charsmap, in
sentencepiece's ModelProto wire format, and special_tokens_map.json as XLM-R repositories
have it. The texts of reference.json run through `appsrc ! tokenizer ! bert-infer
device=cpu ! appsink`: the same ids as Hugging Face tokenizers gave from tokenizer.json,
and the same embeddings (cosine >= 0.99999, max abs diff <= 1e-4). Exits 77 (skipped)
where gi, numpy or the elements are missing.
"""
import base64
import json
import shutil
import struct
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
E2E_DIR = HERE / "data" / "e2e"
TOKENIZER_DATA = HERE.parent / "tokenizer" / "data"

from element_pipelines import check_folder_against_reference  # noqa: E402  (exits 77 first where needed)

XLMR_MAP = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
            "pad_token": "<pad>", "cls_token": "<s>",
            "mask_token": {"content": "<mask>", "single_word": False, "lstrip": True, "rstrip": False,
                           "normalized": False}}


def varint(value):
    out = bytearray()
    while True:
        out.append((value & 0x7f) | (0x80 if value > 0x7f else 0))
        value >>= 7
        if not value:
            return bytes(out)


def field(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def piece(text, score, piece_type):
    return field(1, field(1, text.encode("utf-8")) + bytes([2 << 3 | 5]) + struct.pack("<f", score)
                 + bytes([3 << 3]) + varint(piece_type))


def sentencepiece_model(tokenizer_json):
    """The ModelProto XLMRobertaConverter read: pieces, a trainer_spec, the charsmap."""
    model = tokenizer_json["model"]
    precompiled = [step for step in tokenizer_json["normalizer"]["normalizers"] if step["type"] == "Precompiled"]
    data = piece("<unk>", 0.0, 2) + piece("<s>", 0.0, 3) + piece("</s>", 0.0, 3)
    data += b"".join(piece(text, score, 1) for text, score in model["vocab"][4:-1])
    data += field(2, bytes([3 << 3, 1]))  # trainer_spec: model_type unigram
    return data + field(3, field(1, b"nmt_nfkc") + field(2, base64.b64decode(precompiled[0]["precompiled_charsmap"])))


class SentencepieceFilesPipeline(unittest.TestCase):
    def test_sentencepiece_model_gives_the_tokenizer_json_embeddings(self):
        reference = json.loads((E2E_DIR / "xlm-roberta-unigram" / "reference.json").read_text(encoding="utf-8"))
        self.assertEqual(reference["tokenizer"], "unigram-nmt-nfkc")
        tokenizer_json = json.loads((TOKENIZER_DATA / "unigram-nmt-nfkc" / "tokenizer.json").read_text("utf-8"))
        with tempfile.TemporaryDirectory(prefix="gst-bert-spm-slow-") as folder:
            shutil.copytree(E2E_DIR / "xlm-roberta-unigram", folder, dirs_exist_ok=True)
            (Path(folder) / "sentencepiece.bpe.model").write_bytes(sentencepiece_model(tokenizer_json))
            (Path(folder) / "special_tokens_map.json").write_text(json.dumps(XLMR_MAP))
            self.assertFalse((Path(folder) / "tokenizer.json").exists())
            check_folder_against_reference(self, folder, reference["lines"])


if __name__ == "__main__":
    unittest.main()
