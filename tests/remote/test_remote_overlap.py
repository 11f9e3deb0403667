"""bert-infer on an asynchronous backend submits the next batch while one is in the engine,
and still pushes every buffer in order with its own result: tested with the remote backend
against a scripted KServe v2 responder on loopback (no Triton needed), which holds a
request until the next one arrives and answers out of order.

- overlap_and_order: request 2k is held until request 2k+1 has arrived, and the buffer of
  2k+1 is pushed only once the server has request 2k: the element must submit batch 2k+1
  while it waits for batch 2k (a worker that both submits and waits would stall until the
  hold limit, and the log would show it). Answers come back 2k+1 first; the buffers must
  leave in input order, each with its own result (the responder writes the sequence's
  token count into the embedding).
- flush_while_in_engine: a flush while the first batch is held drops its result; the
  buffer after the flush comes out alone, and the held request is answered or given up.
- flush_while_server_silent: a flush while the server holds a request and never answers
  (server-timeout=0) gives that request up: the buffer after the flush comes out within
  seconds, not once the held request ends.
- shutdown_while_in_engine: going to NULL with a batch held returns once the batch is
  answered, without a deadlock.
- endless_response_is_an_error: a server that answers with a body that never ends (not
  a Triton server: a stream on the wrong port) is an error naming the cause once the body
  runs past what the batch could hold, not memory growing until the process dies.
- shutdown_while_server_silent: going to NULL while the server holds a request and never
  answers (server-timeout=0: no time-out) returns within seconds: the request is given up,
  not waited for.

Nothing here depends on timing but the hold limit, which is only reached on failure.
Skips (77) without PyGObject, numpy or the remote backend.
"""
import http.server
import json
import struct
import sys
import tempfile
import threading

from remote_fixture import Gst, make_model, skip

HOLD_LIMIT_S = 20      # a held request is answered after this even if not released
WAIT_LIMIT_S = 60      # the test's own waits for the element
STOP_LIMIT_S = 10      # going to NULL with a request the server never answers
HIDDEN = 32            # make-test-model.py's default hidden size


class Responder:
    """A KServe v2 server for the encoder head that answers each sequence with an
    embedding [its token count, the request's index, 0, ...]."""

    def __init__(self, hold):
        """hold(responder, index): blocks before request index is answered."""
        self.hold = hold
        self.lock = threading.Lock()
        self.log = []                  # ("received" | "answered" | "abandoned", index), in order
        self.n_received = 0
        self.received = []             # one Event per request index, set on arrival
        self.release = threading.Event()
        responder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                header_length = int(self.headers["Inference-Header-Content-Length"])
                lengths = read_input(body, header_length, "LENGTHS")
                index = responder.arrive()
                responder.hold(responder, index)
                try:
                    self.answer(lengths, index)
                except (BrokenPipeError, ConnectionResetError):
                    # bert-infer gave the request up (a flush) and closed the connection.
                    responder.record("abandoned", index)
                    self.close_connection = True
                    return
                responder.record("answered", index)

            def answer(self, lengths, index):
                rows = b"".join(struct.pack(f"<{HIDDEN}f", length, index, *([0.0] * (HIDDEN - 2)))
                                for length in lengths)
                header = json.dumps({"outputs": [{
                    "name": "EMBEDDING", "datatype": "FP32", "shape": [len(lengths), HIDDEN],
                    "parameters": {"binary_data_size": len(rows)}}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Inference-Header-Content-Length", str(len(header)))
                self.send_header("Content-Length", str(len(header) + len(rows)))
                self.end_headers()
                self.wfile.write(header + rows)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def arrive(self):
        with self.lock:
            index = self.n_received
            self.n_received += 1
            self.log.append(("received", index))
        self.event(index).set()
        return index

    def event(self, index):
        with self.lock:
            while len(self.received) <= index:
                self.received.append(threading.Event())
            return self.received[index]

    def record(self, what, index):
        with self.lock:
            self.log.append((what, index))

    def position(self, entry):
        with self.lock:
            return self.log.index(entry) if entry in self.log else None

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def read_input(body, header_length, name):
    """An INT32 input of a request with the binary tensor data extension."""
    header = json.loads(body[:header_length])
    offset = header_length
    for tensor in header["inputs"]:
        size = tensor["parameters"]["binary_data_size"]
        if tensor["name"] == name:
            return list(struct.unpack(f"<{size // 4}i", body[offset:offset + size]))
        offset += size
    raise KeyError(name)


def hold_even_until_next(responder, index):
    if index % 2 == 0:
        responder.event(index + 1).wait(HOLD_LIMIT_S)


def hold_first_until_released(responder, index):
    if index == 0:
        responder.release.wait(HOLD_LIMIT_S)


class Element:
    """bert-infer on the remote backend with an appsink, fed from a pad of our own."""

    def __init__(self, model_dir, url, server_timeout_ms=10000):
        self.pipeline = Gst.Pipeline.new()
        self.infer = Gst.ElementFactory.make("bert-infer")
        sink = Gst.ElementFactory.make("appsink")
        for name, value in (("model", model_dir), ("device", "remote"), ("server", url),
                            ("batch-size", 1), ("max-in-flight", 2), ("retries", 0),
                            ("server-timeout", server_timeout_ms)):
            Gst.util_set_object_arg(self.infer, name, str(value))
        sink.set_property("sync", False)
        sink.set_property("emit-signals", True)
        sink.connect("new-sample", self.on_sample)
        self.pipeline.add(self.infer)
        self.pipeline.add(sink)
        self.infer.link(sink)
        self.pts = []
        self.token_counts = []
        self.src = Gst.Pad.new("src", Gst.PadDirection.SRC)
        self.src.link(self.infer.get_static_pad("sink"))

    def on_sample(self, sink):
        buffer = sink.emit("pull-sample").get_buffer()
        structure = buffer.get_custom_meta("GstBertResultMeta").get_structure()
        field = structure.get_value("embedding")
        first = struct.unpack("<f", field.extract_dup(0, 4))[0]
        self.pts.append(buffer.pts)
        self.token_counts.append(int(first))
        return Gst.FlowReturn.OK

    def start(self):
        assert self.pipeline.set_state(Gst.State.PLAYING) != Gst.StateChangeReturn.FAILURE
        self.src.set_active(True)
        self.src.push_event(Gst.Event.new_stream_start("overlap"))
        self.src.push_event(Gst.Event.new_caps(Gst.Caps.from_string("text/x-raw,format=utf8")))
        self.push_segment()

    def push_segment(self):
        segment = Gst.Segment()
        segment.init(Gst.Format.TIME)
        self.src.push_event(Gst.Event.new_segment(segment))

    def push(self, words, pts):
        """A text of @words one-letter words: words + 2 tokens with [CLS] and [SEP]."""
        buffer = Gst.Buffer.new_wrapped(" ".join(["x"] * words).encode())
        buffer.pts = pts
        assert self.src.push(buffer) == Gst.FlowReturn.OK

    def finish(self):
        self.src.push_event(Gst.Event.new_eos())
        message = self.pipeline.get_bus().timed_pop_filtered(
            WAIT_LIMIT_S * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
        assert message is not None, "no EOS"
        assert message.type == Gst.MessageType.EOS, message.parse_error()

    def stop(self):
        self.pipeline.set_state(Gst.State.NULL)
        self.src.set_active(False)


def overlap_and_order(model_dir):
    responder = Responder(hold_even_until_next)
    element = Element(model_dir, responder.url)
    try:
        element.start()
        for k in range(3):
            element.push(2 * k + 1, 2 * k)
            assert responder.event(2 * k).wait(WAIT_LIMIT_S), f"request {2 * k} never came"
            element.push(2 * k + 2, 2 * k + 1)
        element.finish()
    finally:
        element.stop()
        responder.close()
    for k in range(3):
        second = responder.position(("received", 2 * k + 1))
        first_answered = responder.position(("answered", 2 * k))
        assert second is not None and first_answered is not None and second < first_answered, \
            f"batch {2 * k + 1} was not submitted while batch {2 * k} ran: {responder.log}"
    assert element.pts == list(range(6)), f"buffers out of order: {element.pts}"
    assert element.token_counts == [k + 3 for k in range(6)], \
        f"results on the wrong buffers: {element.token_counts}"
    print(f"overlap_and_order: ok ({responder.log})")


def flush_while_in_engine(model_dir):
    responder = Responder(hold_first_until_released)
    element = Element(model_dir, responder.url)
    try:
        element.start()
        element.push(1, 0)
        assert responder.event(0).wait(WAIT_LIMIT_S), "request 0 never came"
        element.src.push_event(Gst.Event.new_flush_start())
        element.src.push_event(Gst.Event.new_flush_stop(True))
        element.push_segment()
        responder.release.set()
        element.push(4, 10)
        element.finish()
    finally:
        element.stop()
        responder.close()
    assert element.pts == [10], f"expected only the buffer after the flush: {element.pts}"
    assert element.token_counts == [6], element.token_counts
    # The flush gives the held request up, closing its connection: whether the answer
    # still reaches the socket before it closes is a race, so either end is right.
    assert responder.position(("answered", 0)) is not None or responder.position(("abandoned", 0)) is not None, \
        f"the flushed request was neither answered nor given up: {responder.log}"
    print("flush_while_in_engine: ok")


def flush_while_server_silent(model_dir):
    responder = Responder(hold_first_until_released)
    element = Element(model_dir, responder.url, server_timeout_ms=0)
    try:
        element.start()
        element.push(1, 0)
        assert responder.event(0).wait(WAIT_LIMIT_S), "request 0 never came"
        element.src.push_event(Gst.Event.new_flush_start())
        element.src.push_event(Gst.Event.new_flush_stop(True))
        element.push_segment()
        element.push(4, 10)
        element.src.push_event(Gst.Event.new_eos())
        message = element.pipeline.get_bus().timed_pop_filtered(
            STOP_LIMIT_S * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
        assert message is not None, \
            f"the buffer after the flush waited over {STOP_LIMIT_S} s for the flushed request"
        assert message.type == Gst.MessageType.EOS, message.parse_error()
    finally:
        element.stop()
        responder.close()
    assert element.pts == [10], f"expected only the buffer after the flush: {element.pts}"
    print("flush_while_server_silent: ok")


def shutdown_while_in_engine(model_dir):
    responder = Responder(hold_first_until_released)
    element = Element(model_dir, responder.url)
    try:
        element.start()
        element.push(1, 0)
        assert responder.event(0).wait(WAIT_LIMIT_S), "request 0 never came"
        stopping = threading.Thread(target=element.stop)
        stopping.start()
        responder.release.set()
        stopping.join(WAIT_LIMIT_S)
        assert not stopping.is_alive(), "the element did not reach NULL with a batch in flight"
    finally:
        responder.close()
    print("shutdown_while_in_engine: ok")


def shutdown_while_server_silent(model_dir):
    responder = Responder(hold_first_until_released)
    element = Element(model_dir, responder.url, server_timeout_ms=0)
    try:
        element.start()
        element.push(1, 0)
        assert responder.event(0).wait(WAIT_LIMIT_S), "request 0 never came"
        stopping = threading.Thread(target=element.stop)
        stopping.start()
        stopping.join(STOP_LIMIT_S)
        assert not stopping.is_alive(), \
            f"NULL not reached within {STOP_LIMIT_S} s while the server is silent"
    finally:
        responder.close()
        stopping.join(WAIT_LIMIT_S)
    print("shutdown_while_server_silent: ok")


class EndlessServer:
    """Answers every POST with a 200 whose chunked body never ends."""

    def __init__(self):
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b"x" * 65536
                try:
                    while True:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def endless_response_is_an_error(model_dir):
    server = EndlessServer()
    element = Element(model_dir, server.url, server_timeout_ms=WAIT_LIMIT_S * 1000)
    try:
        element.start()
        element.push(1, 0)
        element.src.push_event(Gst.Event.new_eos())
        message = element.pipeline.get_bus().timed_pop_filtered(
            WAIT_LIMIT_S * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
        assert message is not None, "no error while the body grows"
        assert message.type == Gst.MessageType.ERROR, "an endless body was taken as an answer"
        debug = message.parse_error()[1]
        assert "more than any answer to this batch holds" in debug, debug
    finally:
        element.stop()
        server.close()
    print("endless_response_is_an_error: ok")


def main():
    for name in ("bert-infer", "appsink"):
        if not Gst.ElementFactory.find(name):
            skip(f"GStreamer element {name} not found")
    infer = Gst.ElementFactory.make("bert-infer")
    Gst.util_set_object_arg(infer, "device", "remote")
    if infer.get_property("device").value_nick != "remote":
        skip("bert-infer has no device=remote (built without libcurl)")
    with tempfile.TemporaryDirectory(prefix="gst-bert-overlap-") as directory:
        model_dir = make_model(f"{directory}/model", "--hidden", str(HIDDEN), "--no-normalize")
        overlap_and_order(model_dir)
        flush_while_in_engine(model_dir)
        flush_while_server_silent(model_dir)
        shutdown_while_in_engine(model_dir)
        shutdown_while_server_silent(model_dir)
        endless_response_is_an_error(model_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
