#!/usr/bin/python3
"""bert-infer cutting a longer token list from upstream as the model's tokenizer would.

`tokenizer max-length=512 ! bert-infer max-length=N` must run each text as `tokenizer
max-length=N ! bert-infer max-length=N` does: the same outputs (embeddings or logits) and the
result flagged truncated, on a RoBERTa folder (byte-level BPE, RobertaProcessing), an XLM-R
folder (Unigram, `<s> A </s>`), and with pair-text on a BERT reranker (WordPiece vocab.txt) and
an XLM-R NLI classifier (`<s> A </s></s> B </s>`), each truncating on the right and, with
tokenizer_config.json's truncation_side "left", on the left. Keeping the first N - 1 tokens and
the last, as bert-infer did, gives other ids for all but a BERT single text cut on the right.
Exits 77 (skipped) where gi, numpy or the elements are missing.
"""
import json
import shutil
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
TOKENIZER_DATA = HERE.parent / "tokenizer" / "data"

from element_pipelines import Gst, buffer_field, numpy, run_texts  # noqa: E402  (exits 77 first where needed)

TEXTS = [
    "the quick brown fox jumps over the lazy dog and the dog sleeps in the snow all day long",
    "Ça va? Très bien, merci! Nous allons à la plage demain matin avec les enfants.",
    "Der schnelle braune Fuchs springt über den faulen Hund, und der Hund schläft im Schnee.",
    "A dog runs through the snow.",
    "hi",
]
# (group, folder, output field, pair text or None)
FOLDERS = [
    ("e2e", "roberta-bpe", "embedding", None),
    ("e2e", "xlm-roberta-unigram", "embedding", None),
    ("pairs", "bert-wordpiece", "logits", "a dog playing in the snow with two children"),
    ("pairs", "xlm-roberta-unigram", "logits", "a dog playing in the snow with two children"),
]


def quoted(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def warning_details(description, text):
    """The details of bert-infer's warnings about cutting a token meta, posted while one text
    runs through the pipeline (others, such as the transformers 5 one, are left out)."""
    pipeline = Gst.parse_launch(f"appsrc name=src format=time caps=text/x-raw,format=utf8 ! {description} ! fakesink")
    assert pipeline.set_state(Gst.State.PLAYING) != Gst.StateChangeReturn.FAILURE
    src = pipeline.get_by_name("src")
    buffer = Gst.Buffer.new_wrapped(text.encode("utf-8"))
    buffer.pts = 0
    src.emit("push-buffer", buffer)
    src.emit("end-of-stream")
    details = []
    while True:
        message = pipeline.get_bus().timed_pop_filtered(
            30 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR | Gst.MessageType.WARNING)
        if message is None or message.type != Gst.MessageType.WARNING:
            break
        if "a token meta has" in message.parse_warning()[1]:
            details.append(message.parse_warning()[1])
    pipeline.set_state(Gst.State.NULL)
    assert message is not None and message.type == Gst.MessageType.EOS, message
    return details


class TokenCutPipelines(unittest.TestCase):
    def make_folder(self, folder, group, name, side):
        shutil.copytree(DATA / group / name, folder, dirs_exist_ok=True)
        reference = json.loads((DATA / group / name / "reference.json").read_text(encoding="utf-8"))
        if "tokenizer" in reference:
            shutil.copy(TOKENIZER_DATA / reference["tokenizer"] / "tokenizer.json", folder)
        config_path = Path(folder) / "tokenizer_config.json"
        config = json.loads(config_path.read_text()) if config_path.exists() else {}
        config["truncation_side"] = side
        config_path.write_text(json.dumps(config))

    def check(self, group, name, field, pair_text, side, max_length, position):
        with tempfile.TemporaryDirectory(prefix="gst-bert-token-cut-") as folder:
            self.make_folder(folder, group, name, side)
            pair = f" pair-text={quoted(pair_text)} pair-text-position={position}" if pair_text else ""
            infer = f"bert-infer model={folder} max-length={max_length} device=cpu"
            warnings = []
            cut = run_texts(f"tokenizer model={folder} max-length=512{pair} ! {infer}", TEXTS, warnings)
            direct = run_texts(f"tokenizer model={folder} max-length={max_length}{pair} ! {infer}", TEXTS)
        where = f"{name} {side} max-length {max_length}{pair}"
        self.assertEqual(len(cut), len(TEXTS), where)
        self.assertEqual(len(direct), len(TEXTS), where)
        n_cut = 0
        for (text, tokens, result), (_, direct_tokens, direct_result) in zip(cut, direct):
            n_tokens = len(buffer_field(tokens, "ids", numpy.int32))
            n_cut += n_tokens > max_length
            numpy.testing.assert_allclose(buffer_field(result, field, numpy.float32),
                                          buffer_field(direct_result, field, numpy.float32), atol=1e-6, rtol=0,
                                          err_msg=f"{where}: {text!r}")
            self.assertEqual(result.get_value("truncated"), direct_result.get_value("truncated"), f"{where}: {text!r}")
            self.assertEqual(result.get_value("truncated"), n_tokens > max_length, f"{where}: {text!r}")
        self.assertGreaterEqual(n_cut, 3, where)
        self.assertTrue(any("Text too long" in warning for warning in warnings), (where, warnings))

    def test_folders_both_sides(self):
        for group, name, field, pair_text in FOLDERS:
            for side in ("right", "left"):
                for max_length, position in ((9, "first"), (12, "second")):
                    with self.subTest(name=name, side=side, max_length=max_length):
                        self.check(group, name, field, pair_text, side, max_length, position)

    def test_pair_text_holding_the_middle_specials_warns(self):
        """A pair text holding `</s></s>` (its tokens have the empty spans of special tokens)
        fits XLM-R's pair template in two places: bert-infer cannot tell which the tokenizer
        made, keeps the first tokens and the last, and says so."""
        with tempfile.TemporaryDirectory(prefix="gst-bert-token-cut-") as folder:
            self.make_folder(folder, "pairs", "xlm-roberta-unigram", "right")
            details = warning_details(f"tokenizer model={folder} max-length=512 "
                                      f"pair-text={quoted('a dog </s></s> a cat')} ! "
                                      f"bert-infer model={folder} max-length=9 device=cpu", TEXTS[0])
        self.assertEqual(len(details), 1, details)
        self.assertIn("fit the tokenizer's pair template in 2 places", details[0])
        self.assertIn("kept the first 8 and the last", details[0])

    def test_warning_says_how_the_pair_was_cut(self):
        with tempfile.TemporaryDirectory(prefix="gst-bert-token-cut-") as folder:
            self.make_folder(folder, "pairs", "xlm-roberta-unigram", "left")
            details = warning_details(f"tokenizer model={folder} max-length=512 pair-text={quoted('a dog')} ! "
                                      f"bert-infer model={folder} max-length=9 device=cpu", TEXTS[0])
        self.assertEqual(len(details), 1, details)
        self.assertIn("the pair, longest first, each text losing its first tokens (truncation_side left)", details[0])


if __name__ == "__main__":
    unittest.main()
