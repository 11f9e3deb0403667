#!/usr/bin/python3
"""Semantic search over the captions of a subtitle file, with gst-bert from Python.

usage: caption-search.py [--top N] SUBTITLES MODEL_DIR QUERY [QUERY...]

Embeds every caption of SUBTITLES with the sentence encoder MODEL_DIR

    filesrc ! subparse ! tokenizer ! bert-infer ! appsink

then each QUERY with the same model (appsrc ! tokenizer ! bert-infer ! appsink), and
prints the N captions (default 3) closest to each query by cosine similarity, with
their times. From the repository root, after `ninja -C build`:

    GST_PLUGIN_PATH=build/plugin examples/python/caption-search.py \\
        examples/data/travel-vlog.srt ../shared/models/all-MiniLM-L6-v2 "sea animals"

    query: sea animals
      0.6222  00:00:09,000 --> 00:00:12,500  Look over there: whales and dolphins just ...
      0.3749  00:00:13,000 --> 00:00:16,500  The captain says they follow the herring ...

Needs only Debian's python3-gi (PyGObject) and GStreamer's base plugins. The embeddings
are read from each buffer's GstBertResultMeta, a GstCustomMeta (docs/api.md).
"""
import argparse
import array
import html
import math
import re
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

TEXT_CAPS = "text/x-raw,format=utf8"


class PipelineError(Exception):
    pass


def embedding_of(buffer):
    """The buffer's sentence embedding (a float32 GstBuffer field of its result meta)."""
    meta = buffer.get_custom_meta("GstBertResultMeta")
    if meta is None:
        raise PipelineError("a buffer reached appsink without a GstBertResultMeta")
    field = meta.get_structure().get_value("embedding")
    if field is None:
        raise PipelineError("the model gives no embedding: use a sentence encoder")
    return array.array("f", field.extract_dup(0, field.get_size()))


def text_of(buffer):
    return buffer.extract_dup(0, buffer.get_size()).decode("utf-8", errors="replace")


def fail_on_error(pipeline):
    message = pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
    if message:
        error, details = message.parse_error()
        raise PipelineError(f"{message.src.get_name()}: {error.message}\n{details}")


def run(description, model_dir, texts=(), file=None):
    """Runs DESCRIPTION ! tokenizer ! bert-infer ! appsink to its end, reading @file with
    the filesrc named "file" or pushing @texts through the appsrc named "source";
    returns the buffers out."""
    pipeline = Gst.parse_launch(f"{description} ! tokenizer name=tokenizer ! "
                                "bert-infer name=infer ! appsink name=sink sync=false")
    # Paths are set as properties, not in the description, so that any path works.
    pipeline.get_by_name("tokenizer").set_property("vocab", model_dir)
    pipeline.get_by_name("infer").set_property("model", model_dir)
    if file:
        pipeline.get_by_name("file").set_property("location", file)
    sink = pipeline.get_by_name("sink")
    buffers = []
    try:
        if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            fail_on_error(pipeline)
            raise PipelineError("the pipeline did not start")
        push_texts(pipeline.get_by_name("source"), texts)
        # appsink would wait for ever after an error, so the bus is checked meanwhile.
        while not sink.get_property("eos"):
            sample = sink.emit("try-pull-sample", 100 * Gst.MSECOND)
            if sample:
                buffers.append(sample.get_buffer())
            else:
                fail_on_error(pipeline)
    finally:
        pipeline.set_state(Gst.State.NULL)
    return buffers


def push_texts(source, texts):
    if source is None:
        return
    for index, text in enumerate(texts):
        buffer = Gst.Buffer.new_wrapped(text.encode("utf-8"))
        buffer.pts = index * Gst.SECOND
        source.emit("push-buffer", buffer)
    source.emit("end-of-stream")


def embed_captions(subtitles, model_dir):
    buffers = run("filesrc name=file ! subparse", model_dir, file=subtitles)
    return [(buffer.pts, buffer.duration, text_of(buffer), embedding_of(buffer))
            for buffer in buffers]


def embed_queries(queries, model_dir):
    buffers = run(f"appsrc name=source format=time caps={TEXT_CAPS}", model_dir, queries)
    return [embedding_of(buffer) for buffer in buffers]


def cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    norms = math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))
    return dot / norms if norms else 0.0


def srt_time(nanoseconds):
    ms = nanoseconds // Gst.MSECOND
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def plain_text(markup):
    """subparse gives Pango markup: tags off, entities decoded, lines joined."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup)).replace("\n", " / ")


def print_matches(query, query_embedding, captions, top):
    print(f"query: {query}")
    ranked = sorted(captions, key=lambda caption: -cosine(query_embedding, caption[3]))
    for pts, duration, text, embedding in ranked[:top]:
        print(f"  {cosine(query_embedding, embedding):.4f}  {srt_time(pts)} --> "
              f"{srt_time(pts + duration)}  {plain_text(text)}")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--top", type=int, default=3, help="captions per query (default 3)")
    parser.add_argument("subtitles", help="a subtitle file subparse reads (.srt, .vtt, ...)")
    parser.add_argument("model_dir", help="a sentence encoder model folder")
    parser.add_argument("queries", nargs="+", metavar="query")
    return parser.parse_args()


def main():
    args = parse_args()
    Gst.init(None)
    try:
        captions = embed_captions(args.subtitles, args.model_dir)
        query_embeddings = embed_queries(args.queries, args.model_dir)
    except PipelineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for query, embedding in zip(args.queries, query_embeddings):
        print_matches(query, embedding, captions, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
