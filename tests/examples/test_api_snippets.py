#!/usr/bin/python3
"""The Python of docs/api.md, run: reading every meta field as the page's table says,
bert-result bus messages, and token metas written from Python.

Uses tiny generated models of each head, so it always runs (77 without PyGObject,
appsrc or appsink).
"""
import array
import sys
import tempfile
import unittest
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from example_test_util import main, make_model, require_elements  # noqa: E402

Gst = None


def float_array(structure, name):
    field = structure.get_value(name)
    return array.array("f", field.extract_dup(0, field.get_size())) if field else None


def typed_array(structure, name, typecode):
    field = structure.get_value(name)
    return array.array(typecode, field.extract_dup(0, field.get_size()))


def string_list(structure, name):
    ok, values = structure.get_array(name)
    assert ok, f"{name} is not a list"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return [values.get_nth(i) for i in range(values.n_values)]


def run_buffers(model, buffers, post_messages=False):
    """appsrc ! bert-infer ! appsink on @buffers; the buffers out and the messages."""
    pipeline = Gst.parse_launch("appsrc name=src format=time caps=text/x-raw,format=utf8 ! "
                                "bert-infer name=infer ! appsink name=sink sync=false")
    pipeline.get_by_name("infer").set_property("model", str(model))
    pipeline.get_by_name("infer").set_property("post-messages", post_messages)
    pipeline.set_state(Gst.State.PLAYING)
    source, sink = pipeline.get_by_name("src"), pipeline.get_by_name("sink")
    for buffer in buffers:
        source.emit("push-buffer", buffer)
    source.emit("end-of-stream")
    out = []
    while (sample := sink.emit("try-pull-sample", 30 * Gst.SECOND)) is not None:
        out.append(sample.get_buffer())
    messages = []
    bus = pipeline.get_bus()
    while (message := bus.pop_filtered(Gst.MessageType.ELEMENT | Gst.MessageType.ERROR)):
        assert message.type != Gst.MessageType.ERROR, message.parse_error()
        messages.append(message.get_structure().copy())
    pipeline.set_state(Gst.State.NULL)
    return out, messages


def text_buffer(text, pts=0):
    buffer = Gst.Buffer.new_wrapped(text.encode())
    buffer.pts = pts
    return buffer


class ApiSnippets(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        tmp = Path(cls.tmp.name)
        cls.models = {head: make_model(tmp / head, "--head", head)
                      for head in ("encoder", "sequence", "multilabel", "token")}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_classifier_fields(self):
        (buffer,), _ = run_buffers(self.models["sequence"], [text_buffer("hello world")])
        s = buffer.get_custom_meta("GstBertResultMeta").get_structure()
        probs = float_array(s, "probs")
        self.assertEqual(len(probs), 3)
        self.assertEqual(len(float_array(s, "logits")), 3)
        self.assertIsNone(float_array(s, "embedding"))
        ok, index = s.get_int("label-index")
        self.assertTrue(ok)
        self.assertEqual(probs[index], max(probs))
        self.assertEqual(s.get_string("label"), f"label{index}")
        self.assertEqual(s.get_string("model"), "sequence")
        ok, time_ns = s.get_uint64("inference-time")
        self.assertTrue(ok and time_ns > 0)

    def test_token_meta_fields(self):
        (buffer,), _ = run_buffers(self.models["encoder"], [text_buffer("hello world")])
        s = buffer.get_custom_meta("GstBertTokenMeta").get_structure()
        ids = typed_array(s, "ids", "i")
        self.assertEqual(len(typed_array(s, "type-ids", "i")), len(ids))
        self.assertEqual(typed_array(s, "offsets", "I").tolist(), [0, 0, 0, 5, 6, 11, 0, 0])
        self.assertEqual(s.get_uint("n-tokens"), (True, len(ids)))
        self.assertEqual(s.get_boolean("truncated"), (True, False))
        embedding = float_array(buffer.get_custom_meta("GstBertResultMeta").get_structure(),
                                "embedding")
        self.assertAlmostEqual(sum(x * x for x in embedding), 1.0, places=5)

    def test_string_lists(self):
        (buffer,), _ = run_buffers(self.models["token"], [text_buffer("hello world")])
        s = buffer.get_custom_meta("GstBertResultMeta").get_structure()
        labels = string_list(s, "token-labels")
        self.assertEqual(len(labels), 4)
        self.assertEqual(len(float_array(s, "token-scores")), 4)
        spans = typed_array(s, "token-spans", "I")
        text = b"hello world"
        self.assertEqual([text[spans[2 * i]:spans[2 * i + 1]].decode() for i in range(4)],
                         ["", "hello", "world", ""])
        (buffer,), _ = run_buffers(self.models["multilabel"], [text_buffer("hello world")])
        s = buffer.get_custom_meta("GstBertResultMeta").get_structure()
        probs = float_array(s, "probs")
        expected = [f"label{i}" for i, p in enumerate(probs) if p > 0.5]
        if expected:
            self.assertEqual(string_list(s, "labels"), expected)
        else:
            self.assertEqual(s.get_int("label-index"), (True, -1))

    def test_bus_messages(self):
        buffers = [text_buffer("hello world", 0), text_buffer("the cat", Gst.SECOND)]
        out, messages = run_buffers(self.models["sequence"], buffers, post_messages=True)
        self.assertEqual([m.get_name() for m in messages], ["bert-result"] * 2)
        self.assertEqual([m.get_uint64("pts")[1] for m in messages], [0, Gst.SECOND])
        for message, buffer in zip(messages, out):
            result = buffer.get_custom_meta("GstBertResultMeta").get_structure()
            self.assertEqual(message.get_string("label"), result.get_string("label"))
            self.assertEqual(float_array(message, "probs"), float_array(result, "probs"))

    def test_tokens_written_from_python(self):
        vocab = (self.models["encoder"] / "vocab.txt").read_text().split("\n")
        buffer = Gst.Buffer.new_wrapped(b"hello world")
        s = buffer.add_custom_meta("GstBertTokenMeta").get_structure()
        ids = array.array("i", [vocab.index(t) for t in ("[CLS]", "hello", "world", "[SEP]")])
        s.set_value("ids", Gst.Buffer.new_wrapped(ids.tobytes()))
        s.set_value("type-ids", Gst.Buffer.new_wrapped(bytes(4 * len(ids))))
        s.set_value("offsets", Gst.Buffer.new_wrapped(
            array.array("I", [0, 0, 0, 5, 6, 11, 0, 0]).tobytes()))
        out, _ = run_buffers(self.models["encoder"], [buffer, text_buffer("hello world")])
        mine, its_own = (float_array(b.get_custom_meta("GstBertResultMeta").get_structure(),
                                     "embedding") for b in out)
        self.assertEqual(mine, its_own, "the same ids as bert-infer's own tokenizer gives")


if __name__ == "__main__":
    Gst = require_elements("appsrc", "appsink", "bert-infer")
    main()
