#!/usr/bin/python3
"""Semantic search over the captions of a subtitle file, with gst-bert from Python.

usage: caption-search.py [--top N] [--model DIR] [--query-prompt TEXT] [--caption-prompt TEXT]
                         SUBTITLES [QUERY...]

Embeds every caption of SUBTITLES with a sentence encoder

    filesrc ! subparse ! tokenizer ! bert-infer ! appsink

then each query with the same model, through a second pipeline that stays open
(appsrc ! tokenizer ! bert-infer ! appsink), and prints the N captions (default 3)
closest to it by cosine similarity, with their times. The queries are the QUERY
arguments or, without any, the lines typed on standard input (one query a line,
answered as it is entered; Ctrl-D ends). The model is DIR, by default all-MiniLM-L6-v2
where scripts/get-model.sh puts it and bert-infer looks for it
($GST_BERT_MODELS_DIR, else $XDG_DATA_HOME/gst-bert/models). From the repository root,
after `ninja -C build` and `scripts/get-model.sh all-MiniLM-L6-v2`:

    export GST_PLUGIN_PATH=$PWD/build/plugin
    examples/python/caption-search.py --top 2 examples/data/moon-speech.srt "how much does it cost"

    query: how much does it cost
      0.2670  00:11:40,000 --> 00:11:50,000  To be sure, all this costs us all a good deal ...
      0.1077  00:10:55,000 --> 00:11:04,615  The space effort itself, while still in its ...

    examples/python/caption-search.py examples/data/moon-speech.srt    # then type queries

Models trained with instructions want a prompt before each text, one for queries and one
for the texts searched: --query-prompt "query: " --caption-prompt "passage: " for
multilingual-e5 (the tokenizer's `prompt` property: the caption's text and times stay as
they are). Without them, the model folder's default prompt applies, if it has one.

Needs only Debian's python3-gi (PyGObject) and GStreamer's base plugins. The embeddings
are read from each buffer's GstBertResultMeta, a GstCustomMeta (docs/api.md).
"""
import argparse
import array
import html
import math
import os
import re
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

TEXT_CAPS = "text/x-raw,format=utf8"
DEFAULT_MODEL = "all-MiniLM-L6-v2"


class PipelineError(Exception):
    pass


def default_model_dir():
    """Where scripts/get-model.sh puts all-MiniLM-L6-v2 and bert-infer looks for it."""
    models_dir = os.environ.get("GST_BERT_MODELS_DIR") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"),
        "gst-bert", "models")
    return os.path.join(models_dir, DEFAULT_MODEL)


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


def start(description, model_dir, prompt, file=None):
    """DESCRIPTION ! tokenizer ! bert-infer ! appsink, playing, reading @file with the
    filesrc named "file", each text tokenized after @prompt (None: the folder's default
    prompt, if any); returns the pipeline and its sink."""
    pipeline = Gst.parse_launch(f"{description} ! tokenizer name=tokenizer ! "
                                "bert-infer name=infer ! appsink name=sink sync=false")
    # Paths are set as properties, not in the description, so that any path works.
    pipeline.get_by_name("tokenizer").set_property("vocab", model_dir)
    pipeline.get_by_name("infer").set_property("model", model_dir)
    if prompt is not None:
        pipeline.get_by_name("tokenizer").set_property("prompt", prompt)
    if file:
        pipeline.get_by_name("file").set_property("location", file)
    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        fail_on_error(pipeline)
        pipeline.set_state(Gst.State.NULL)
        raise PipelineError("the pipeline did not start")
    return pipeline, pipeline.get_by_name("sink")


def pull(pipeline, sink):
    """The next buffer out of @sink, or None at its end; raises on a pipeline error
    (appsink would wait for ever after one, so the bus is checked meanwhile)."""
    while not sink.get_property("eos"):
        sample = sink.emit("try-pull-sample", 100 * Gst.MSECOND)
        if sample:
            return sample.get_buffer()
        fail_on_error(pipeline)
    return None


def embed_captions(subtitles, model_dir, prompt):
    pipeline, sink = start("filesrc name=file ! subparse", model_dir, prompt, file=subtitles)
    captions = []
    try:
        while (buffer := pull(pipeline, sink)) is not None:
            captions.append((buffer.pts, buffer.duration, text_of(buffer), embedding_of(buffer)))
    finally:
        pipeline.set_state(Gst.State.NULL)
    return captions


class QueryEmbedder:
    """A query pipeline kept playing, so that each query costs one encoder run."""

    def __init__(self, model_dir, prompt):
        self.pipeline, self.sink = start(f"appsrc name=source format=time caps={TEXT_CAPS}",
                                         model_dir, prompt)
        self.source = self.pipeline.get_by_name("source")
        self.count = 0

    def embed(self, text):
        buffer = Gst.Buffer.new_wrapped(text.encode("utf-8"))
        buffer.pts = self.count * Gst.SECOND
        self.count += 1
        self.source.emit("push-buffer", buffer)
        return embedding_of(pull(self.pipeline, self.sink))

    def close(self):
        self.pipeline.set_state(Gst.State.NULL)


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
              f"{srt_time(pts + duration)}  {plain_text(text)}", flush=True)


def typed_queries(subtitles, caption_count):
    """The non-blank lines of standard input, with a prompt where a person types them."""
    interactive = sys.stdin.isatty()
    if interactive:
        print(f"{caption_count} captions of {subtitles}; type a query and Enter, Ctrl-D ends.",
              file=sys.stderr)
    while True:
        if interactive:
            print("> ", end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line:
            return
        if line.strip():
            yield line.strip()


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--top", type=int, default=3, help="captions per query (default 3)")
    parser.add_argument("--model", help="a sentence encoder model folder (default: "
                        f"{DEFAULT_MODEL} in the models folder, {default_model_dir()})")
    parser.add_argument("--query-prompt", metavar="TEXT",
                        help='put before each query for the model ("query: " for multilingual-e5)')
    parser.add_argument("--caption-prompt", metavar="TEXT",
                        help='put before each caption for the model ("passage: " for multilingual-e5)')
    parser.add_argument("subtitles", help="a subtitle file subparse reads (.srt, .vtt, ...)")
    parser.add_argument("queries", nargs="*", metavar="query",
                        help="queries; without any, one query a line on standard input")
    return parser.parse_args()


def main():
    args = parse_args()
    model_dir = args.model or default_model_dir()
    if not args.model and not os.path.isdir(model_dir):
        print(f"error: no model folder {model_dir}: fetch it with "
              f"scripts/get-model.sh {DEFAULT_MODEL}, or give --model DIR", file=sys.stderr)
        return 1
    Gst.init(None)
    try:
        captions = embed_captions(args.subtitles, model_dir, args.caption_prompt)
        queries = QueryEmbedder(model_dir, args.query_prompt)
        try:
            for query in args.queries or typed_queries(args.subtitles, len(captions)):
                print_matches(query, queries.embed(query), captions, args.top)
        finally:
            queries.close()
    except PipelineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
