#!/usr/bin/python3
"""tokenizer ! bert-infer on a RoBERTa folder with a byte-level BPE tokenizer, an XLM-R
folder with a Unigram (SentencePiece) tokenizer, an MPNet folder with all-mpnet-base-v2's
kind of tokenizer.json (WordPiece, RobertaProcessing; made by make-mpnet-models.py, with its
Normalize module and a text of over 200 tokens) and an ALBERT folder with an ALBERT Unigram
tokenizer.json (make-albert-models.py, tests/tokenizer/make-albert-fixtures.py), against
PyTorch.

Each folder of tests/engine/data/e2e (make-family-models.py, make-mpnet-models.py,
make-albert-models.py) is
copied to a temporary folder with the tokenizer.json of tests/tokenizer/data its
reference.json names; the texts of reference.json run through `appsrc ! tokenizer !
bert-infer device=cpu ! appsink`. The token ids must equal Hugging Face tokenizers' and
the embeddings PyTorch's (mean pooling of F16 weights computed in fp32, normalised for
MPNet): cosine >= 0.99999, max abs diff <= 1e-4. Also: bert-infer refuses a folder of an
unsupported model_type at READY, naming it and the supported ones; a sentence-transformers
folder with its encoder in 0_Transformer/ (data/real-configs/transformer-subfolder) gives
sentence-transformers' ids and embeddings through `bert-infer` alone and through `tokenizer
vocab=DIR/0_Transformer ! bert-infer`, truncated at that subfolder's max_seq_length; a
problem_type regression folder (data/real-configs/regression) gives, in the result meta
and through bert-json, the raw logit as its score and its label always named, as
transformers' text-classification pipeline does; a DistilBERT token classifier whose
config.json names a CrossEncoder activation_fn gives the per-token labels and scores it
gives without it (a softmax per token) and bert-infer posts a warning naming the file and
field.
Exits 77 (skipped) where gi, numpy or the elements are missing.
"""
import json
import shutil
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
E2E_DIR = HERE / "data" / "e2e"
SUBFOLDER_MODEL = HERE / "data" / "real-configs" / "transformer-subfolder"
REGRESSION_MODEL = HERE / "data" / "real-configs" / "regression"
TOKEN_MODEL = HERE / "data" / "families" / "distilbert-token-f32"
TOKENIZER_DATA = HERE.parent / "tokenizer" / "data"

from element_pipelines import Gst, buffer_field, check_folder_against_reference, numpy, run_json, run_outcome, run_texts  # noqa: E402,E501  (exits 77 first where needed)


class FamilyPipelines(unittest.TestCase):
    def check_folder(self, name):
        reference = json.loads((E2E_DIR / name / "reference.json").read_text(encoding="utf-8"))
        with tempfile.TemporaryDirectory(prefix="gst-bert-family-") as folder:
            shutil.copytree(E2E_DIR / name, folder, dirs_exist_ok=True)
            shutil.copy(TOKENIZER_DATA / reference["tokenizer"] / "tokenizer.json", folder)
            check_folder_against_reference(self, folder, reference["lines"])

    def test_unsupported_model_type_refused_at_ready(self):
        for model_type in ("deberta-v2", "modernbert"):
            with tempfile.TemporaryDirectory(prefix="gst-bert-family-") as folder:
                shutil.copytree(E2E_DIR / "roberta-bpe", folder, dirs_exist_ok=True)
                shutil.copy(TOKENIZER_DATA / "bpe-roberta" / "tokenizer.json", folder)
                config = json.loads((Path(folder) / "config.json").read_text())
                config["model_type"] = model_type
                (Path(folder) / "config.json").write_text(json.dumps(config))
                element = Gst.ElementFactory.make("bert-infer")
                element.set_property("model", folder)
                bus = Gst.Bus.new()
                element.set_bus(bus)
                self.assertEqual(element.set_state(Gst.State.READY), Gst.StateChangeReturn.FAILURE)
                message = bus.pop_filtered(Gst.MessageType.ERROR)
                element.set_state(Gst.State.NULL)
            self.assertIsNotNone(message, "no error message on the bus")
            error, debug = message.parse_error()
            text = f"{error.message} {debug}"
            self.assertIn(f'"{model_type}"', text)
            self.assertIn("bert, distilbert, roberta, xlm-roberta, camembert, mpnet, electra, albert", text)

    def check_subfolder_pipeline(self, description):
        lines = json.loads((SUBFOLDER_MODEL / "reference.json").read_text(encoding="utf-8"))["lines"]
        metas = run_texts(description, [line["text"] for line in lines])
        self.assertEqual(len(metas), len(lines))
        for line, (_, tokens, result) in zip(lines, metas):
            self.assertEqual(buffer_field(tokens, "ids", numpy.int32).tolist(), line["ids"], line["text"])
            numpy.testing.assert_allclose(buffer_field(result, "embedding", numpy.float32), line["embedding"],
                                          atol=1e-4, rtol=0, err_msg=line["text"])

    def test_transformer_subfolder_tokenized_by_bert_infer(self):
        self.check_subfolder_pipeline(f"bert-infer model={SUBFOLDER_MODEL} device=cpu")

    def test_transformer_subfolder_with_tokenizer_element(self):
        self.check_subfolder_pipeline(
            f"tokenizer vocab={SUBFOLDER_MODEL / '0_Transformer'} ! bert-infer model={SUBFOLDER_MODEL} device=cpu")

    def test_regression_scores_are_raw_logits(self):
        lines = json.loads((REGRESSION_MODEL / "reference.json").read_text(encoding="utf-8"))["lines"]
        texts = [line["text"] for line in lines]
        description = f"bert-infer model={REGRESSION_MODEL} device=cpu"
        self.assertTrue(any(line["score"] < 0 for line in lines), "no negative score: a sigmoid would pass")
        metas = run_texts(description, texts)
        self.assertEqual(len(metas), len(lines))
        for line, (_, tokens, result) in zip(lines, metas):
            self.assertEqual(buffer_field(tokens, "ids", numpy.int32).tolist(), line["ids"], line["text"])
            numpy.testing.assert_allclose(buffer_field(result, "probs", numpy.float32), [line["score"]],
                                          atol=1e-4, rtol=0, err_msg=line["text"])
            self.assertEqual(result.get_value("label"), line["label"], line["text"])
        objects = run_json(description, texts)
        self.assertEqual(len(objects), len(lines))
        for line, printed in zip(lines, objects):
            self.assertEqual(printed["text"], line["text"])
            result = printed["result"]
            self.assertEqual(result["label"], line["label"], line["text"])
            self.assertEqual(result["label_index"], 0, line["text"])
            self.assertNotIn("labels", result, line["text"])
            numpy.testing.assert_allclose(result["probs"], [line["score"]], atol=1e-4, rtol=0, err_msg=line["text"])

    def test_token_classifier_activation_fn_warned(self):
        texts = ["a b c", "abc def ghi"]

        def token_results(folder):
            def collect(buffer):
                printed = json.loads(buffer.extract_dup(0, buffer.get_size()).decode("utf-8"))
                return [(token["label"], token["score"]) for token in printed["result"]["token_labels"]]
            return run_outcome(f"tokenizer vocab={folder} ! bert-infer model={folder} device=cpu ! bert-json",
                               texts, collect)
        plain = token_results(TOKEN_MODEL)
        self.assertNotIn("error", plain)
        self.assertEqual(plain["warnings"], [])
        with tempfile.TemporaryDirectory(prefix="gst-bert-family-") as folder:
            shutil.copytree(TOKEN_MODEL, folder, dirs_exist_ok=True)
            config_path = Path(folder) / "config.json"
            config = json.loads(config_path.read_text())
            config["sentence_transformers"] = {"activation_fn": "torch.nn.modules.activation.Sigmoid"}
            config_path.write_text(json.dumps(config))
            warned = token_results(folder)
        self.assertNotIn("error", warned)
        self.assertEqual(len(warned["warnings"]), 1, warned["warnings"])
        message, debug = warned["warnings"][0]
        self.assertIn(f"{config_path}: sentence_transformers.activation_fn", debug)
        self.assertIn("softmax", debug)
        self.assertEqual(len(warned["results"]), len(texts))
        self.assertEqual(warned["results"], plain["results"])
        scores = [score for tokens in warned["results"] for _, score in tokens]
        self.assertTrue(scores and all(0 < score < 1 for score in scores), scores)

    def test_roberta_with_byte_level_bpe(self):
        self.check_folder("roberta-bpe")

    def test_albert_with_unigram(self):
        self.check_folder("albert-unigram")

    def test_xlm_roberta_with_unigram(self):
        self.check_folder("xlm-roberta-unigram")

    def test_mpnet_with_wordpiece(self):
        self.check_folder("mpnet-wordpiece")


if __name__ == "__main__":
    unittest.main()
