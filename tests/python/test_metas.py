#!/usr/bin/python3
"""The gst-bert metas read from Python (PyGObject), as an application would.

Runs pipelines ending in appsink and reads the metas into numpy: token ids and byte
offsets on a small fixture vocabulary, the Hugging Face reference tokenizations and
bert-infer's results on the tiny shared models where GST_BERT_SHARED_DIR has them, and
the README demo (subparse -> tokenizer -> bert-json). Exits 77 (skipped) where gi,
numpy, appsrc or appsink is missing.
"""
import json
import os
import sys
import unittest
import warnings
from pathlib import Path

SKIP = 77
SOURCE_DIR = Path(__file__).resolve().parents[2]
FIXTURE_VOCAB = SOURCE_DIR / "tests" / "data" / "vocab.txt"
CAPTIONS = SOURCE_DIR / "examples" / "data" / "captions.srt"
TINY_MODEL = SOURCE_DIR / "tests" / "data" / "tiny-model"

try:
    import numpy
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
except (ImportError, ValueError) as error:
    print(f"SKIP: needs PyGObject with Gst 1.0 and numpy: {error}")
    sys.exit(SKIP)

Gst.init(None)
for factory in ("appsrc", "appsink"):
    if not Gst.ElementFactory.find(factory):
        print(f"SKIP: GStreamer element {factory} is not installed")
        sys.exit(SKIP)

# Ids of tests/data/vocab.txt (its line numbers, from 0).
CLS, SEP, HELLO, WORLD, THE, CAT, SAT = 2, 3, 5, 6, 7, 8, 9


def buffer_field(structure, name, dtype):
    """A numeric array field of a meta (a Gst.Buffer) as a numpy array."""
    array = structure.get_value(name)
    assert isinstance(array, Gst.Buffer), f"{name} is {type(array)}, not Gst.Buffer"
    return numpy.frombuffer(array.extract_dup(0, array.get_size()), dtype=dtype)


def token_meta(buffer):
    meta = buffer.get_custom_meta("GstBertTokenMeta")
    assert meta is not None, "buffer has no GstBertTokenMeta"
    s = meta.get_structure()
    return {
        "ids": buffer_field(s, "ids", numpy.int32),
        "type_ids": buffer_field(s, "type-ids", numpy.int32),
        "offsets": buffer_field(s, "offsets", numpy.uint32).reshape(-1, 2),
        "n_tokens": s.get_uint("n-tokens")[1],
        "truncated": s.get_boolean("truncated")[1],
    }


def run_pipeline(description, texts=()):
    """Runs `appsrc ! DESCRIPTION ! appsink` (or DESCRIPTION ! appsink when there are
    no texts to push) to EOS; returns the buffers that reached appsink."""
    if texts:
        description = f"appsrc name=src format=time caps=text/x-raw,format=utf8 ! {description}"
    pipeline = Gst.parse_launch(f"{description} ! appsink name=sink sync=false")
    buffers = []

    def on_new_sample(sink):
        buffers.append(sink.emit("pull-sample").get_buffer())
        return Gst.FlowReturn.OK

    sink = pipeline.get_by_name("sink")
    sink.set_property("emit-signals", True)
    sink.connect("new-sample", on_new_sample)
    assert pipeline.set_state(Gst.State.PLAYING) != Gst.StateChangeReturn.FAILURE
    if texts:
        src = pipeline.get_by_name("src")
        for index, text in enumerate(texts):
            data = text.encode("utf-8")
            buffer = Gst.Buffer.new_wrapped(data) if data else Gst.Buffer.new()
            buffer.pts = index * Gst.SECOND
            assert src.emit("push-buffer", buffer) == Gst.FlowReturn.OK
        src.emit("end-of-stream")
    message = pipeline.get_bus().timed_pop_filtered(
        60 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    assert message is not None, "pipeline did not finish in 60 s"
    if message.type == Gst.MessageType.ERROR:
        error, debug = message.parse_error()
        raise AssertionError(f"{error.message} ({debug})")
    return buffers


def char_to_byte_offsets(text, offsets):
    """Reference offsets count code points; the meta's count UTF-8 bytes."""
    return [[len(text[:start].encode("utf-8")), len(text[:end].encode("utf-8"))]
            for start, end in offsets]


class TokenMetaFromPython(unittest.TestCase):
    def test_ids_and_offsets(self):
        buffers = run_pipeline(f"tokenizer vocab={FIXTURE_VOCAB}", ["the cat sat", "hello world"])
        self.assertEqual(len(buffers), 2)
        first = token_meta(buffers[0])
        self.assertEqual(first["ids"].tolist(), [CLS, THE, CAT, SAT, SEP])
        self.assertEqual(first["type_ids"].tolist(), [0] * 5)
        self.assertEqual(first["offsets"].tolist(), [[0, 0], [0, 3], [4, 7], [8, 11], [0, 0]])
        self.assertEqual(first["n_tokens"], 5)
        self.assertFalse(first["truncated"])
        second = token_meta(buffers[1])
        self.assertEqual(second["ids"].tolist(), [CLS, HELLO, WORLD, SEP])
        self.assertEqual(buffers[1].pts, Gst.SECOND)

    def test_vocabulary_identity(self):
        """The token meta names its vocabulary: the same for the same vocabulary, whether
        set as model or as vocab, as 32 hex digits."""
        first = run_pipeline(f"tokenizer model={FIXTURE_VOCAB}", ["the cat"])[0]
        second = run_pipeline(f"tokenizer vocab={FIXTURE_VOCAB}", ["hello"])[0]
        vocabulary = first.get_custom_meta("GstBertTokenMeta").get_structure().get_string("vocabulary")
        self.assertRegex(vocabulary, "^[0-9a-f]{32}$")
        self.assertEqual(
            second.get_custom_meta("GstBertTokenMeta").get_structure().get_string("vocabulary"),
            vocabulary)

    def test_truncated_flag(self):
        buffers = run_pipeline(f"tokenizer vocab={FIXTURE_VOCAB} max-length=3", ["hello world"])
        meta = token_meta(buffers[0])
        self.assertEqual(meta["ids"].tolist(), [CLS, HELLO, SEP])
        self.assertTrue(meta["truncated"])

    def test_reference_tokenizations(self):
        shared = Path(os.environ.get("GST_BERT_SHARED_DIR", "/nonexistent"))
        reference = shared / "reference" / "tokenizer" / "all-MiniLM-L6-v2.jsonl"
        if not reference.exists():
            self.skipTest(f"{reference} not found")
        lines = [json.loads(line) for line in reference.read_text(encoding="utf-8").splitlines()]
        folder = shared / "tokenizers" / "all-MiniLM-L6-v2"
        buffers = run_pipeline(f"tokenizer vocab={folder} max-length=8192",
                               [line["text"] for line in lines])
        self.assertEqual(len(buffers), len(lines))
        for number, (line, buffer) in enumerate(zip(lines, buffers), start=1):
            meta = token_meta(buffer)
            where = f"{reference}:{number}"
            self.assertEqual(meta["ids"].tolist(), line["ids"], where)
            self.assertEqual(meta["type_ids"].tolist(), line["type_ids"], where)
            self.assertEqual(meta["offsets"].tolist(),
                             char_to_byte_offsets(line["text"], line["offsets"]), where)

    def test_readme_demo_one_json_line_per_caption(self):
        if not Gst.ElementFactory.find("subparse"):
            self.skipTest("GStreamer element subparse is not installed")
        buffers = run_pipeline(f"filesrc location={CAPTIONS} ! subparse ! "
                               f"tokenizer vocab={FIXTURE_VOCAB} ! bert-json")
        lines = [json.loads(b.extract_dup(0, b.get_size()).decode("utf-8")) for b in buffers]
        self.assertEqual(len(lines), 10)
        self.assertEqual(lines[0]["pts"], Gst.SECOND)
        self.assertEqual(lines[0]["duration"], 2500 * Gst.MSECOND)
        self.assertEqual([line["pts"] for line in lines], sorted(line["pts"] for line in lines))
        self.assertEqual(lines[1]["text"], "<i>[Music playing]</i>")
        for line in lines:
            ids = line["tokens"]["ids"]
            self.assertEqual((ids[0], ids[-1]), (CLS, SEP))
            for start, end in line["tokens"]["offsets"]:
                self.assertLessEqual(end, len(line["text"].encode("utf-8")))


def float_field(structure, name):
    return buffer_field(structure, name, numpy.float32)


def string_list_field(structure, name):
    ok, array = structure.get_array(name)
    assert ok, f"{name} is not a GValueArray"
    # GLib deprecates GValueArray, yet it is how PyGObject reads a GstValueArray field.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return [array.get_nth(i) for i in range(array.n_values)]


class ResultMetaFromPython(unittest.TestCase):
    """bert-infer's results read from Python, against the shared PyTorch references."""

    LINES = 8

    def model_folder(self, name):
        shared = Path(os.environ.get("GST_BERT_SHARED_DIR", "/nonexistent"))
        folder = shared / "models" / name
        if not folder.exists() or not Gst.ElementFactory.find("bert-infer"):
            self.skipTest(f"{folder} or bert-infer not found")
        return folder

    def run_model(self, name):
        folder = self.model_folder(name)
        reference = folder.parents[1] / "reference" / "encoder" / f"{name}.jsonl"
        if not reference.exists():
            self.skipTest(f"{reference} not found")
        lines = [json.loads(line) for line in reference.read_text(encoding="utf-8").splitlines()]
        lines = [line for line in lines if "text" in line][:self.LINES]
        config = json.loads((folder / "config.json").read_text())
        buffers = run_pipeline(f"tokenizer vocab={folder} ! bert-infer model={folder} device=cpu",
                               [line["text"] for line in lines])
        self.assertEqual(len(buffers), len(lines))
        results = []
        for buffer in buffers:
            meta = buffer.get_custom_meta("GstBertResultMeta")
            self.assertIsNotNone(meta, "buffer has no GstBertResultMeta")
            results.append(meta.get_structure())
        return lines, results, config.get("id2label", {})

    def test_embedding(self):
        lines, results, _ = self.run_model("bert-tiny-random")
        for line, result in zip(lines, results):
            self.assertEqual(result.get_string("model"), "bert-tiny-random")
            self.assertEqual(result.get_boolean("truncated"), (True, False))
            numpy.testing.assert_allclose(float_field(result, "embedding"), line["embedding"],
                                          atol=1e-4, err_msg=line["text"])

    def test_truncated_flag(self):
        """A text past the model's 512 positions, passed whole by the tokenizer, is cut
        by bert-infer: the token meta is whole and unflagged, the result flagged."""
        folder = self.model_folder("bert-tiny-random")
        buffers = run_pipeline(
            f"tokenizer vocab={folder} max-length=8192 ! bert-infer model={folder} device=cpu",
            ["hello world " * 300, "hello world"])
        long, short = buffers
        self.assertEqual(token_meta(long)["n_tokens"], 602)
        self.assertFalse(token_meta(long)["truncated"])
        result = long.get_custom_meta("GstBertResultMeta").get_structure()
        self.assertEqual(result.get_boolean("truncated"), (True, True))
        result = short.get_custom_meta("GstBertResultMeta").get_structure()
        self.assertEqual(result.get_boolean("truncated"), (True, False))

    def test_classification(self):
        lines, results, id2label = self.run_model("bert-tiny-random-sentiment")
        for line, result in zip(lines, results):
            probs = float_field(result, "probs")
            numpy.testing.assert_allclose(probs, line["probs"], atol=1e-4, err_msg=line["text"])
            numpy.testing.assert_allclose(float_field(result, "logits"), line["logits"],
                                          atol=1e-3, err_msg=line["text"])
            index = result.get_int("label-index")[1]
            self.assertEqual(index, int(numpy.argmax(probs)))
            self.assertEqual(result.get_string("label"), id2label[str(index)])

    def test_multi_label(self):
        lines, results, _ = self.run_model("bert-tiny-random-topics-multilabel")
        for line, result in zip(lines, results):
            expected = [label for label, prob in zip(
                self.label_names("bert-tiny-random-topics-multilabel"), line["probs"])
                if prob > 0.5]
            self.assertEqual(string_list_field(result, "labels"), expected, line["text"])

    def label_names(self, name):
        shared = Path(os.environ["GST_BERT_SHARED_DIR"])
        id2label = json.loads((shared / "models" / name / "config.json").read_text())["id2label"]
        return [id2label[str(i)] for i in range(len(id2label))]

    def test_token_labels(self):
        lines, results, id2label = self.run_model("bert-tiny-random-ner")
        for line, result in zip(lines, results):
            labels = string_list_field(result, "token-labels")
            scores = float_field(result, "token-scores")
            spans = buffer_field(result, "token-spans", numpy.uint32).reshape(-1, 2)
            self.assertEqual(len(labels), len(line["ids"]), line["text"])
            self.assertEqual((len(scores), len(spans)), (len(labels), len(labels)))
            for label, logits, expected in zip(labels, line["token_logits"], line["token_labels"]):
                top_two = sorted(logits)[-2:]
                if top_two[1] - top_two[0] > 1e-3:   # a near tie may fall either way
                    self.assertEqual(label, expected, line["text"])
            self.assertTrue(all(0.0 < score <= 1.0 for score in scores))


def result_metas(buffer):
    """Every GstBertResultMeta of @buffer, in order, as structures. get_custom_meta gives
    the first only, and PyGObject cannot iterate metas: the metas are copied onto an
    empty buffer of our own, then read and removed one by one."""
    copy = Gst.Buffer.new()
    copy.copy_into(buffer, Gst.BufferCopyFlags.META, 0, Gst.CLOCK_TIME_NONE)
    results = []
    while (meta := copy.get_custom_meta("GstBertResultMeta")) is not None:
        results.append(meta.get_structure().copy())
        assert copy.remove_meta(meta.meta)
    return results


class EveryResultFromPython(unittest.TestCase):
    def test_two_bert_infer_in_a_row(self):
        """Each bert-infer attaches its own result, keyed by model and element name."""
        common = f"model={TINY_MODEL} device=cpu batch-size=1"
        buffers = run_pipeline(f"bert-infer name=first {common} pooling=mean ! "
                               f"bert-infer name=second {common} pooling=cls", ["hello world"])
        results = result_metas(buffers[0])
        self.assertEqual([r.get_string("element") for r in results], ["first", "second"])
        self.assertEqual([r.get_string("model") for r in results], ["tiny-model"] * 2)
        alone = run_pipeline(f"bert-infer {common} pooling=cls", ["hello world"])
        cls = buffer_field(alone[0].get_custom_meta("GstBertResultMeta").get_structure(),
                           "embedding", numpy.float32)
        self.assertEqual(buffer_field(results[1], "embedding", numpy.float32).tolist(),
                         cls.tolist())


if __name__ == "__main__":
    unittest.main(verbosity=2)
