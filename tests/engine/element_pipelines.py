"""What the element tests of this folder share: the skip where gi, numpy or the elements
are missing (exit 77), texts pushed through a pipeline with their metas collected, and a
model folder's embeddings checked against its reference.json."""
import json
import sys

SKIP = 77

try:
    import numpy
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
except (ImportError, ValueError) as error:
    print(f"SKIP: needs PyGObject with Gst 1.0 and numpy: {error}")
    sys.exit(SKIP)

Gst.init(None)
for factory in ("appsrc", "appsink", "tokenizer", "bert-infer"):
    if not Gst.ElementFactory.find(factory):
        print(f"SKIP: GStreamer element {factory} is not available")
        sys.exit(SKIP)


def buffer_field(structure, name, dtype):
    array = structure.get_value(name)
    return numpy.frombuffer(array.extract_dup(0, array.get_size()), dtype=dtype)


def run_texts(description, texts, warnings=None):
    """The (text, token meta, result meta) of each text through the pipeline described;
    the warnings posted go into warnings when given."""
    def collect(buffer):
        text = buffer.extract_dup(0, buffer.get_size()).decode("utf-8")
        return (text, buffer.get_custom_meta("GstBertTokenMeta").get_structure().copy(),
                buffer.get_custom_meta("GstBertResultMeta").get_structure().copy())
    return run_buffers(description, texts, collect, warnings)


def run_json(description, texts):
    """The objects that the pipeline described, ending in bert-json, writes for texts."""
    return [json.loads(line) for line in run_buffers(
        f"{description} ! bert-json", texts, lambda buffer: buffer.extract_dup(0, buffer.get_size()).decode("utf-8"))]


def run_buffers(description, texts, collect, warnings=None):
    """collect (buffer) of each buffer out of the pipeline described, fed texts; the warnings
    posted (their messages) go into warnings when given. Fails the test where the pipeline
    fails."""
    outcome = run_outcome(description, texts, collect)
    assert "error" not in outcome, outcome.get("error")
    if warnings is not None:
        warnings.extend(message for message, _ in outcome["warnings"])
    return outcome["results"]


def run_outcome(description, texts, collect):
    """{"results": [collect (buffer) of each buffer out], "warnings": [(message, debug)]} of
    the pipeline described, fed texts; or {"error": text} where it does not start, posts an
    error or gives no EOS within 30 s."""
    pipeline = Gst.parse_launch(
        f"appsrc name=src format=time caps=text/x-raw,format=utf8 ! {description} ! appsink name=sink sync=false")
    results, warnings = [], []

    def on_new_sample(sink):
        results.append(collect(sink.emit("pull-sample").get_buffer()))
        return Gst.FlowReturn.OK

    sink = pipeline.get_by_name("sink")
    sink.set_property("emit-signals", True)
    sink.connect("new-sample", on_new_sample)
    bus = pipeline.get_bus()
    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        message = bus.pop_filtered(Gst.MessageType.ERROR)
        pipeline.set_state(Gst.State.NULL)
        error, debug = message.parse_error() if message else (None, "")
        return {"error": f"{error.message if error else 'state change failed'} {debug}"}
    src = pipeline.get_by_name("src")
    for index, text in enumerate(texts):
        buffer = Gst.Buffer.new_wrapped(text.encode("utf-8")) if text else Gst.Buffer.new()
        buffer.pts = index * Gst.SECOND
        buffer.duration = Gst.SECOND
        src.emit("push-buffer", buffer)
    src.emit("end-of-stream")
    outcome = None
    while outcome is None:
        message = bus.timed_pop_filtered(30 * Gst.SECOND,
                                         Gst.MessageType.EOS | Gst.MessageType.ERROR | Gst.MessageType.WARNING)
        if message is None:
            outcome = {"error": "no EOS within 30 s"}
        elif message.type == Gst.MessageType.WARNING:
            warning, debug = message.parse_warning()
            warnings.append((warning.message, debug))
        elif message.type == Gst.MessageType.ERROR:
            error, debug = message.parse_error()
            outcome = {"error": f"{error.message} {debug}"}
        else:
            outcome = {"results": results, "warnings": warnings}
    pipeline.set_state(Gst.State.NULL)
    return outcome


def reference_lines(folder):
    """The lines of folder's reference.jsonl, each a text with its ids and embedding."""
    with open(folder / "reference.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def assert_embedding_close(test, got, want, what):
    """Checks, with test's assertions, the embedding got against want: cosine >= 0.99999,
    max abs diff <= 1e-4."""
    got = numpy.asarray(got).astype(numpy.float64)
    want = numpy.asarray(want)
    cosine = got @ want / (numpy.linalg.norm(got) * numpy.linalg.norm(want))
    test.assertGreaterEqual(cosine, 0.99999, what)
    numpy.testing.assert_allclose(got, want, atol=1e-4, rtol=0, err_msg=what)


def assert_embeddings_close(test, got, want, what):
    """The same for each row of got against want's, of the same shape."""
    test.assertEqual(got.shape, want.shape, what)
    for row, (g, w) in enumerate(zip(got, want)):
        assert_embedding_close(test, g, w, f"{what}, text {row}")


def check_folder_against_reference(test, folder, lines):
    """Runs the texts of reference.json's lines through `tokenizer ! bert-infer device=cpu`
    on folder and checks, with test's assertions, one result per line with the line's ids
    and embedding (cosine >= 0.99999, max abs diff <= 1e-4)."""
    metas = run_texts(f"tokenizer vocab={folder} ! bert-infer model={folder} device=cpu",
                      [line["text"] for line in lines])
    test.assertEqual(len(metas), len(lines))
    for line, (_, tokens, result) in zip(lines, metas):
        test.assertEqual(buffer_field(tokens, "ids", numpy.int32).tolist(), line["ids"], line["text"])
        assert_embedding_close(test, buffer_field(result, "embedding", numpy.float32), line["embedding"],
                               line["text"])
