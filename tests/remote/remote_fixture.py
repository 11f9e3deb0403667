"""What the remote suite's tests share: a real Triton server on loopback, started with
scripts/serve-triton.sh on free ports and stopped at the end, and pipelines
`appsrc ! tokenizer ! bert-infer ! appsink` that return each buffer's PTS and result.

Skips (exit 77) where PyGObject, numpy, the gst-bert plugin with the remote backend,
libgstbert-serve.so or nvidia-pytriton's tritonserver (scripts/serve-triton.sh --install)
is missing.
"""
import glob
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

SKIP = 77
SOURCE_DIR = Path(__file__).resolve().parents[2]
SERVE = SOURCE_DIR / "scripts" / "serve-triton.sh"
MAKE_MODEL = SOURCE_DIR / "tests" / "engine" / "make-test-model.py"
SHARED_DIR = Path(os.environ.get("GST_BERT_SHARED_DIR", SOURCE_DIR.parent / "shared"))
VENV = Path(os.environ.get("GST_BERT_TRITON_VENV", "/tmp/venv-triton"))
READY_TIMEOUT_S = 180
# Triton's Python backend sometimes aborts while it starts a stub on a loaded machine
# (boost::interprocess::lock_exception, an upstream bug: triton-inference-server/server
# issues 5949 and 8882); a start that dies so is tried again.
START_ATTEMPTS = 3

try:
    import numpy
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
except (ImportError, ValueError) as error:
    print(f"SKIP: needs PyGObject with Gst 1.0 and numpy: {error}")
    sys.exit(SKIP)

Gst.init(None)


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def require_remote():
    """Exits 77 unless everything a real remote test needs is here."""
    for name in ("appsrc", "appsink", "tokenizer", "bert-infer"):
        if not Gst.ElementFactory.find(name):
            skip(f"GStreamer element {name} not found")
    infer = Gst.ElementFactory.make("bert-infer")
    Gst.util_set_object_arg(infer, "device", "remote")
    if infer.get_property("device").value_nick != "remote":
        skip("bert-infer has no device=remote (built without libcurl)")
    library = os.environ.get("GST_BERT_SERVE_LIBRARY", "")
    if not library or not os.path.exists(library):
        skip(f"libgstbert-serve.so not built (GST_BERT_SERVE_LIBRARY={library!r}): "
             "gst-bert was built without libcurl")
    if not glob.glob(str(VENV / "lib" / "python3*" / "site-packages" / "pytriton" /
                         "tritonserver" / "bin" / "tritonserver")):
        skip(f"no tritonserver in {VENV}: run scripts/serve-triton.sh --install "
             "(pip installs nvidia-pytriton)")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_model(directory, *arguments):
    """A tiny deterministic model folder (tests/engine/make-test-model.py)."""
    subprocess.run([sys.executable, str(MAKE_MODEL), str(directory), *arguments], check=True,
                   stdout=subprocess.DEVNULL)
    return Path(directory)


class TritonExited(RuntimeError):
    pass


class TritonServer:
    """scripts/serve-triton.sh on 127.0.0.1 and a free port, in a process group of its own
    so that a kill reaches Triton's Python stub processes too."""

    def __init__(self, model_dir, work_dir, name=None, instances=1, threads=1):
        self.model_dir = Path(model_dir)
        self.name = name or self.model_dir.name
        self.work_dir = Path(work_dir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.instances = instances
        self.threads = threads
        self.process = None
        self.log_path = self.work_dir / f"triton-{self.port}.log"

    def start(self):
        for attempt in range(1, START_ATTEMPTS + 1):
            self.spawn()
            try:
                self.wait_ready()
                return self
            except TritonExited as error:
                self.signal_group(signal.SIGKILL)
                self.remove_shared_memory()
                if attempt == START_ATTEMPTS:
                    raise
                print(f"Triton start {attempt} failed, trying again: {error}", file=sys.stderr)
        return self

    def spawn(self):
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(SERVE), str(self.model_dir), "--name", self.name, "--dir",
                 str(self.work_dir / "triton"), "--http-port", str(self.port),
                 "--instances", str(self.instances), "--threads", str(self.threads)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def remove_shared_memory(self):
        """What the stubs of a killed server leave in /dev/shm (serve-triton.sh names it)."""
        for path in glob.glob(f"/dev/shm/gst_bert_{self.name}_{self.port}_*"):
            try:
                os.unlink(path)
            except OSError:
                pass

    def wait_ready(self):
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise TritonExited(f"Triton exited with {self.process.returncode}:\n"
                                   + self.log_tail())
            try:
                with urllib.request.urlopen(f"{self.url}/v2/models/{self.name}/ready",
                                            timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"Triton not ready in {READY_TIMEOUT_S} s:\n" + self.log_tail())

    def log_tail(self):
        return self.log_path.read_text(errors="replace")[-3000:]

    def kill(self):
        """SIGKILL to Triton and its stubs: a crash, nothing flushed."""
        self.signal_group(signal.SIGKILL)
        self.process.wait()
        self.remove_shared_memory()

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.signal_group(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def signal_group(self, number):
        try:
            os.killpg(self.process.pid, number)
        except ProcessLookupError:
            pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        # Stubs of a killed server may outlive it by a moment; the group is gone once
        # they are.
        self.signal_group(signal.SIGKILL)
        self.remove_shared_memory()


class PipelineResult:
    def __init__(self):
        self.pts = []           # in the order the buffers came out
        self.embeddings = []    # each buffer's result_vector
        self.labels = []        # each buffer's label fields (label_fields)
        self.backends = set()
        self.precisions = set()
        self.inference_ns = []  # each buffer's batch time (meta inference-time)
        self.error = None       # the bus's first ERROR, as text

    def embedding_matrix(self):
        return numpy.stack(self.embeddings) if self.embeddings else numpy.zeros((0, 0))


def run_pipeline(model_dir, texts, infer_properties, timeout_s=600, on_buffer=None):
    """Pushes texts (PTS = index) through appsrc ! tokenizer ! bert-infer ! appsink."""
    pipeline = Gst.parse_launch(
        "appsrc name=src format=time caps=text/x-raw,format=utf8 ! tokenizer name=tokenizer ! "
        "bert-infer name=infer ! appsink name=sink sync=false emit-signals=true")
    pipeline.get_by_name("tokenizer").set_property("vocab", str(model_dir))
    infer = pipeline.get_by_name("infer")
    infer.set_property("model", str(model_dir))
    for name, value in infer_properties.items():
        Gst.util_set_object_arg(infer, name, str(value))
    result = PipelineResult()

    def on_new_sample(sink):
        buffer = sink.emit("pull-sample").get_buffer()
        structure = buffer.get_custom_meta("GstBertResultMeta").get_structure()
        result.embeddings.append(result_vector(structure))
        result.labels.append(label_fields(structure))
        result.backends.add(structure.get_string("backend"))
        result.precisions.add(structure.get_string("precision"))
        result.inference_ns.append(structure.get_uint64("inference-time")[1])
        result.pts.append(buffer.pts)
        if on_buffer is not None:
            on_buffer(len(result.pts))
        return Gst.FlowReturn.OK

    pipeline.get_by_name("sink").connect("new-sample", on_new_sample)
    bus = pipeline.get_bus()
    try:
        if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            message = bus.pop_filtered(Gst.MessageType.ERROR)
            result.error = describe(message) if message else "the pipeline did not start"
            return result
        src = pipeline.get_by_name("src")
        for index, text in enumerate(texts):
            buffer = Gst.Buffer.new_wrapped(text.encode("utf-8"))
            buffer.pts = index
            if src.emit("push-buffer", buffer) != Gst.FlowReturn.OK:
                break
        src.emit("end-of-stream")
        message = bus.timed_pop_filtered(timeout_s * Gst.SECOND,
                                         Gst.MessageType.EOS | Gst.MessageType.ERROR)
        if message is None:
            result.error = f"no EOS or error in {timeout_s} s"
        elif message.type == Gst.MessageType.ERROR:
            result.error = describe(message)
    finally:
        pipeline.set_state(Gst.State.NULL)
    return result


def result_vector(structure):
    """A result's numbers end to end: the embedding, or logits and probabilities, or the
    token scores, whichever the head gives."""
    parts = []
    for name in ("embedding", "logits", "probs", "token-scores"):
        if structure.has_field(name):
            field = structure.get_value(name)
            parts.append(numpy.frombuffer(field.extract_dup(0, field.get_size()),
                                          dtype=numpy.float32))
    assert parts, f"a result meta with no numbers: {structure.to_string()}"
    return numpy.concatenate(parts)


def label_fields(structure):
    """A result's label fields as text: label-index, label and labels (which labels apply)
    of a sequence classifier, token-labels of a token classifier; PyGObject cannot read
    their GstValueArrays, the structure's text has them."""
    return tuple(re.findall(r"(?:^|, )((?:label|labels|label-index|token-labels)=[^,<]*"
                            r"(?:<[^>]*>)?)", structure.to_string()))


def describe(message):
    error, debug = message.parse_error()
    return f"{error.message} ({debug})"


def cosines(first, second):
    first = first.astype(numpy.float64)
    second = second.astype(numpy.float64)
    return numpy.einsum("ij,ij->i", first, second) / (
        numpy.linalg.norm(first, axis=1) * numpy.linalg.norm(second, axis=1))


def captions(count, seed=7):
    """Caption-like lines of 3 to 20 lowercase words, deterministic."""
    words = ("the a we news storm city council weather report tonight people said river "
             "police school water road minister game team market price rain fire train "
             "night morning north south east west bridge music children and of to in on "
             "at with for by from").split()
    generator = numpy.random.default_rng(seed)
    return [" ".join(generator.choice(words, size=generator.integers(3, 21)))
            for _ in range(count)]


def work_dir():
    return tempfile.TemporaryDirectory(prefix="gst-bert-remote-")
