#!/usr/bin/python3
"""The tokenizer element given a sentence-transformers folder saved before
sentence-transformers 2.0, whose tokenizer is in the subfolder modules.json names
(tests/engine/data/real-configs/transformer-subfolder: 0_Transformer/ holds vocab.txt and
a sentence_bert_config.json with max_seq_length 24).

`tokenizer vocab=DIR` must give the tokens of `tokenizer vocab=DIR/0_Transformer`, and
both sentence-transformers' ids (reference.json, made by
tests/engine/make-real-config-models.py: SentenceTransformer(DIR).tokenize, cut at the
subfolder's max_seq_length). The pipelines run through tests/engine/element_pipelines.py,
which fails the test where one posts an error or gives no EOS within 30 s. Exits 77
(skipped) where gi, numpy or the elements are missing.
"""
import json
import sys
import unittest
from pathlib import Path

ENGINE_TESTS = Path(__file__).resolve().parent.parent / "engine"
MODEL = ENGINE_TESTS / "data" / "real-configs" / "transformer-subfolder"

sys.path.insert(0, str(ENGINE_TESTS))
from element_pipelines import buffer_field, numpy, run_buffers  # noqa: E402  (exits 77 first where needed)


def token_ids(vocab, texts):
    """The ids of each text's token meta through `appsrc ! tokenizer vocab=VOCAB ! appsink`,
    one list per text, in order."""
    def ids_of(buffer):
        meta = buffer.get_custom_meta("GstBertTokenMeta")
        assert meta is not None, "a buffer left the tokenizer without a token meta"
        return buffer_field(meta.get_structure(), "ids", numpy.int32).tolist()
    ids = run_buffers(f'tokenizer vocab="{vocab}"', texts, ids_of)
    assert len(ids) == len(texts), f"{len(texts)} texts in, {len(ids)} buffers out"
    return ids


class ModuleFolder(unittest.TestCase):
    def test_folder_tokenized_as_its_transformer_subfolder(self):
        lines = json.loads((MODEL / "reference.json").read_text(encoding="utf-8"))["lines"]
        texts = [line["text"] for line in lines]
        from_folder = token_ids(MODEL, texts)
        self.assertEqual(from_folder, token_ids(MODEL / "0_Transformer", texts))
        self.assertEqual(from_folder, [line["ids"] for line in lines])
        self.assertEqual(max(len(ids) for ids in from_folder), 24, "not cut at max_seq_length 24")


if __name__ == "__main__":
    unittest.main()
