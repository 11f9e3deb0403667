#!/usr/bin/python3
"""Cross-encoders through the elements: bert-infer pair-text against PyTorch.

Each folder of tests/engine/data/pairs (make-pair-models.py: a BERT reranker with a
WordPiece vocabulary, an XLM-R NLI classifier with the Unigram fixture's tokenizer.json,
copied in; make-electra-models.py: an ELECTRA reranker as cross-encoder/ms-marco-electra-base
is one, one label, its embeddings projected to hidden_size, an ElectraTokenizer vocab.txt,
config.json's CrossEncoder activation_fn Sigmoid) scores every caption of its reference.json paired with a fixed text, first
(a query) or second (a hypothesis), through `appsrc ! bert-infer pair-text=...
pair-text-position=... max-length=N device=cpu ! appsink`, and again with the pair made
by an upstream `tokenizer pair-text=...`. Ids and type ids must equal transformers'
tokenizer (a, b, truncation="longest_first", max_length=N), the logits PyTorch's
(max abs diff <= 1e-4), and the token offsets must point into the caption alone. A prompt
with pair-text is refused at READY, and pair-text on bert-infer with tokens from upstream
warns once. Exits 77
(skipped) where gi, numpy or the elements are missing.
"""
import json
import shutil
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAIRS_DIR = HERE / "data" / "pairs"
TOKENIZER_DATA = HERE.parent / "tokenizer" / "data"

from element_pipelines import Gst, buffer_field, numpy, run_texts  # noqa: E402  (exits 77 first where needed)


def quoted(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class PairPipelines(unittest.TestCase):
    def check_folder(self, name, upstream_tokenizer):
        reference = json.loads((PAIRS_DIR / name / "reference.json").read_text(encoding="utf-8"))
        with tempfile.TemporaryDirectory(prefix="gst-bert-pairs-") as folder:
            shutil.copytree(PAIRS_DIR / name, folder, dirs_exist_ok=True)
            if "tokenizer" in reference:
                shutil.copy(TOKENIZER_DATA / reference["tokenizer"] / "tokenizer.json", folder)
            for case in reference["cases"]:
                pair = (f"pair-text={quoted(case['pair_text'])} pair-text-position={case['position']} "
                        f"max-length={case['max_length']}")
                infer = f"bert-infer model={folder} device=cpu"
                description = (f"tokenizer model={folder} {pair} ! {infer}" if upstream_tokenizer
                               else f"{infer} {pair}")
                lines = case["lines"]
                results = run_texts(description, [line["text"] for line in lines])
                self.assertEqual(len(results), len(lines))
                for line, (text, tokens, result) in zip(lines, results):
                    where = f"{name} {case['position']} max-length {case['max_length']}: {line['text']!r}"
                    self.assertEqual(text, line["text"], where)
                    self.assertEqual(buffer_field(tokens, "ids", numpy.int32).tolist(), line["ids"], where)
                    self.assertEqual(buffer_field(tokens, "type-ids", numpy.int32).tolist(), line["type_ids"],
                                     where)
                    self.check_offsets(buffer_field(tokens, "offsets", numpy.uint32), text, where)
                    got = buffer_field(result, "logits", numpy.float32).astype(numpy.float64)
                    numpy.testing.assert_allclose(got, numpy.array(line["logits"]), atol=1e-4, rtol=0,
                                                  err_msg=where)
                    self.check_probs(buffer_field(result, "probs", numpy.float32), got, where)

    def check_probs(self, probs, logits, where):
        """probs as CrossEncoder.predict and the text-classification pipeline give them: the
        sigmoid of a one-label model's logit (a softmax over one logit is always 1), else
        the softmax."""
        if len(logits) == 1:
            expected = 1.0 / (1.0 + numpy.exp(-logits))
        else:
            expected = numpy.exp(logits - logits.max())
            expected /= expected.sum()
        numpy.testing.assert_allclose(probs, expected, atol=1e-5, rtol=0, err_msg=f"{where}: probs")

    def check_offsets(self, offsets, text, where):
        """Every span lies within the caption, and a caption with words has spans."""
        size = len(text.encode("utf-8"))
        spans = offsets.reshape(-1, 2)
        self.assertTrue(all(start <= end <= size for start, end in spans), f"{where}: {spans.tolist()}")
        if text.strip():
            self.assertTrue(any(end > 0 for _, end in spans), f"{where}: no span in the caption")

    def test_pair_text_with_prompt_refused_at_ready(self):
        element = Gst.ElementFactory.make("bert-infer")
        element.set_property("model", str(PAIRS_DIR / "bert-wordpiece"))
        element.set_property("pair-text", "a dog in the snow")
        element.set_property("prompt", "query: ")
        bus = Gst.Bus.new()
        element.set_bus(bus)
        self.assertEqual(element.set_state(Gst.State.READY), Gst.StateChangeReturn.FAILURE)
        message = bus.pop_filtered(Gst.MessageType.ERROR)
        element.set_state(Gst.State.NULL)
        self.assertIsNotNone(message, "no error message on the bus")
        error, debug = message.parse_error()
        self.assertIn('pair-text cannot be combined with the prompt "query: "', debug)

    def test_pair_text_not_applied_to_tokens_from_upstream_warns(self):
        folder = PAIRS_DIR / "bert-wordpiece"
        warnings = []
        results = run_texts(f"tokenizer model={folder} ! bert-infer model={folder} device=cpu "
                            f"pair-text=\"a dog\"", ["the cat sat", "a dog"], warnings)
        self.assertEqual(len(results), 2)
        self.assertEqual(warnings, ["pair-text applies only to texts bert-infer tokenizes itself: "
                                    "these came tokenized"])
        for _, tokens, _ in results:
            self.assertEqual(set(buffer_field(tokens, "type-ids", numpy.int32).tolist()), {0})

    def test_bert_reranker_tokenized_by_bert_infer(self):
        self.check_folder("bert-wordpiece", upstream_tokenizer=False)

    def test_bert_reranker_tokenized_upstream(self):
        self.check_folder("bert-wordpiece", upstream_tokenizer=True)

    def test_electra_reranker_tokenized_by_bert_infer(self):
        self.check_folder("electra-wordpiece", upstream_tokenizer=False)

    def test_electra_reranker_tokenized_upstream(self):
        self.check_folder("electra-wordpiece", upstream_tokenizer=True)

    def test_xlm_roberta_nli_tokenized_by_bert_infer(self):
        self.check_folder("xlm-roberta-unigram", upstream_tokenizer=False)

    def test_xlm_roberta_nli_tokenized_upstream(self):
        self.check_folder("xlm-roberta-unigram", upstream_tokenizer=True)


if __name__ == "__main__":
    unittest.main()
