#!/usr/bin/python3
"""The tokenizer element given a sentence-transformers folder saved before
sentence-transformers 2.0, whose tokenizer is in the subfolder modules.json names
(tests/engine/data/real-configs/transformer-subfolder: 0_Transformer/ holds vocab.txt and
a sentence_bert_config.json with max_seq_length 24).

`tokenizer vocab=DIR` must give the tokens of `tokenizer vocab=DIR/0_Transformer`, and
both sentence-transformers' ids (reference.json, made by
tests/engine/make-real-config-models.py: SentenceTransformer(DIR).tokenize, cut at the
subfolder's max_seq_length). Exits 77 (skipped) where gi or the elements are missing.
"""
import array
import json
import sys
import unittest
from pathlib import Path

SKIP = 77
MODEL = Path(__file__).resolve().parent.parent / "engine" / "data" / "real-configs" / "transformer-subfolder"

try:
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
except (ImportError, ValueError) as error:
    print(f"SKIP: needs PyGObject with Gst 1.0: {error}")
    sys.exit(SKIP)

Gst.init(None)
for factory in ("appsrc", "appsink", "tokenizer"):
    if not Gst.ElementFactory.find(factory):
        print(f"SKIP: GStreamer element {factory} is not available")
        sys.exit(SKIP)


def token_ids(vocab, texts):
    """The ids of each text's token meta through `appsrc ! tokenizer vocab=VOCAB ! appsink`."""
    pipeline = Gst.parse_launch(
        f"appsrc name=src format=time caps=text/x-raw,format=utf8 ! tokenizer name=tokenizer ! "
        "appsink name=sink sync=false emit-signals=true")
    pipeline.get_by_name("tokenizer").set_property("vocab", str(vocab))
    ids = []

    def on_new_sample(sink):
        meta = sink.emit("pull-sample").get_buffer().get_custom_meta("GstBertTokenMeta").get_structure()
        field = meta.get_value("ids")
        ids.append(array.array("i", field.extract_dup(0, field.get_size())).tolist())
        return Gst.FlowReturn.OK

    pipeline.get_by_name("sink").connect("new-sample", on_new_sample)
    assert pipeline.set_state(Gst.State.PLAYING) != Gst.StateChangeReturn.FAILURE
    src = pipeline.get_by_name("src")
    for index, text in enumerate(texts):
        buffer = Gst.Buffer.new_wrapped(text.encode("utf-8"))
        buffer.pts = index * Gst.SECOND
        buffer.duration = Gst.SECOND
        src.emit("push-buffer", buffer)
    src.emit("end-of-stream")
    message = pipeline.get_bus().timed_pop_filtered(30 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    assert message is not None, "no EOS within 30 s"
    assert message.type == Gst.MessageType.EOS, message.parse_error()
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
