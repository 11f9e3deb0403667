#!/usr/bin/python3
"""sentence-transformers modules in a model folder: Dense, Normalize after it, pooling, prompts.

Runs bert-infer on tests/data/st-modules/dense (BERT, mean pooling, Dense 16 -> 12 Tanh,
Dense 12 -> 6 without bias, Identity, Normalize: made by make-st-fixtures.py with
sentence-transformers) and compares with sentence-transformers' own encode(), saved in
dense-expected.json; then breaks copies of that folder and checks that each is refused
with an error naming the problem. The prompt and prompt-name properties of tokenizer and
bert-infer are checked against encode(prompt=...) and encode(prompt_name=...), and pooling
without the prompt's tokens (include_prompt false) against encode(prompt=...) of the
prompt-bert and prompt-xlmr folders (prompt-expected.json). Exits 77 (skipped) where gi,
numpy or appsrc is missing.
"""
import json
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

SKIP = 77
SOURCE_DIR = Path(__file__).resolve().parents[2]
FIXTURES = SOURCE_DIR / "tests" / "data" / "st-modules"
DENSE_MODEL = FIXTURES / "dense"
# The engine computes in fp32 as PyTorch does; 1e-5 leaves room for summation order.
TOLERANCE = 1e-5

try:
    import numpy
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
except (ImportError, ValueError) as error:
    print(f"SKIP: needs PyGObject with Gst 1.0 and numpy: {error}")
    sys.exit(SKIP)

Gst.init(None)
for factory in ("appsrc", "appsink", "bert-infer"):
    if not Gst.ElementFactory.find(factory):
        print(f"SKIP: GStreamer element {factory} is not installed")
        sys.exit(SKIP)


class PipelineError(Exception):
    pass


def run_pipeline(description, texts, warnings=None, caps="text/x-raw,format=utf8"):
    """Pushes texts through `appsrc ! DESCRIPTION ! appsink`; the buffers that come out,
    or PipelineError with the bus error's message and debug text. Warnings posted go to
    the list `warnings` when given."""
    pipeline = Gst.parse_launch(f"appsrc name=src format=time caps={caps} ! {description} "
                                "! appsink name=sink sync=false")
    buffers = []

    def on_new_sample(sink):
        buffers.append(sink.emit("pull-sample").get_buffer())
        return Gst.FlowReturn.OK

    sink = pipeline.get_by_name("sink")
    sink.set_property("emit-signals", True)
    sink.connect("new-sample", on_new_sample)
    pipeline.set_state(Gst.State.PLAYING)
    src = pipeline.get_by_name("src")
    for index, text in enumerate(texts):
        data = text.encode("utf-8")
        buffer = Gst.Buffer.new_wrapped(data) if data else Gst.Buffer.new()
        buffer.pts = index * Gst.SECOND
        buffer.duration = Gst.SECOND
        src.emit("push-buffer", buffer)
    src.emit("end-of-stream")
    bus = pipeline.get_bus()
    while True:
        message = bus.timed_pop_filtered(60 * Gst.SECOND,
                                         Gst.MessageType.EOS | Gst.MessageType.ERROR | Gst.MessageType.WARNING)
        if message is None or message.type != Gst.MessageType.WARNING:
            break
        if warnings is not None:
            warnings.append(message.parse_warning()[0].message)
    pipeline.set_state(Gst.State.NULL)
    assert message is not None, "pipeline did not finish in 60 s"
    if message.type == Gst.MessageType.ERROR:
        error, debug = message.parse_error()
        raise PipelineError(f"{error.message} ({debug})")
    return buffers


def embeddings(buffers):
    rows = []
    for buffer in buffers:
        meta = buffer.get_custom_meta("GstBertResultMeta")
        assert meta is not None, "buffer has no GstBertResultMeta"
        array = meta.get_structure().get_value("embedding")
        rows.append(numpy.frombuffer(array.extract_dup(0, array.get_size()), dtype=numpy.float32))
    return numpy.array(rows)


def expected():
    return json.loads((FIXTURES / "dense-expected.json").read_text())


class DenseModule(unittest.TestCase):
    def test_matches_sentence_transformers(self):
        reference = expected()
        buffers = run_pipeline(f"bert-infer model={DENSE_MODEL} device=cpu", reference["texts"])
        self.assertEqual(len(buffers), len(reference["texts"]))
        got = embeddings(buffers)
        want = numpy.array(reference["plain"], dtype=numpy.float32)
        # The embedding is the last Dense module's out_features wide, normalised after it.
        self.assertEqual(got.shape, (len(reference["texts"]), 6))
        numpy.testing.assert_allclose(numpy.linalg.norm(got, axis=1), 1.0, atol=1e-6)
        self.assertLess(numpy.abs(got - want).max(), TOLERANCE)
        self.assertEqual([b.pts for b in buffers], [i * Gst.SECOND for i in range(len(buffers))])

    def test_normalize_after_dense(self):
        """normalize=no gives the Dense output as is: its direction is the reference's."""
        reference = expected()
        got = embeddings(run_pipeline(f"bert-infer model={DENSE_MODEL} device=cpu normalize=no",
                                      reference["texts"]))
        self.assertGreater(numpy.abs(numpy.linalg.norm(got, axis=1) - 1.0).max(), 1e-3)
        unit = got / numpy.linalg.norm(got, axis=1, keepdims=True)
        self.assertLess(numpy.abs(unit - numpy.array(reference["plain"])).max(), TOLERANCE)


def edit_json(path, change):
    """Rewrites the JSON file at path with change applied to its document."""
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def rewrite_safetensors(path, dtype):
    """Rewrites the F32 tensors of a safetensors file in F16 or BF16 (round to nearest even)."""
    data = path.read_bytes()
    header_length = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + header_length])
    body = data[8 + header_length:]
    new_header, blobs, offset = {}, [], 0
    for name, entry in header.items():
        if name == "__metadata__":
            new_header[name] = entry
            continue
        begin, end = entry["data_offsets"]
        values = numpy.frombuffer(body[begin:end], dtype="<f4")
        if dtype == "F16":
            blob = values.astype("<f2").tobytes()
        else:
            bits = values.view(numpy.uint32).astype(numpy.uint64)
            blob = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype("<u2").tobytes()
        new_header[name] = {"dtype": dtype, "shape": entry["shape"], "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(new_header).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(len(text).to_bytes(8, "little") + text + b"".join(blobs))


class DenseWeightDtypes(unittest.TestCase):
    def test_f16_and_bf16_dense_weights(self):
        """Dense weights stored in F16 or BF16 are read as such (then computed in fp32):
        the result stays within their rounding of sentence-transformers'."""
        reference = expected()
        want = numpy.array(reference["plain"], dtype=numpy.float32)
        for dtype, tolerance in (("F16", 1e-3), ("BF16", 1e-2)):
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp) / "model"
                shutil.copytree(DENSE_MODEL, folder)
                for module in ("2_Dense", "3_Dense"):
                    rewrite_safetensors(folder / module / "model.safetensors", dtype)
                got = embeddings(run_pipeline(f"bert-infer model={folder} device=cpu", reference["texts"]))
            difference = numpy.abs(got - want).max()
            self.assertLess(difference, tolerance, dtype)
            self.assertGreater(difference, 0.0, f"{dtype}: the weights were not rewritten")


class BrokenFolders(unittest.TestCase):
    """Copies of the Dense fixture, each broken one way, refused at start with the reason."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.folder = Path(self.tmp.name) / "model"
        shutil.copytree(DENSE_MODEL, self.folder)

    def tearDown(self):
        self.tmp.cleanup()

    def edit_json(self, relative, change):
        edit_json(self.folder / relative, change)

    def assert_refused(self, *fragments):
        with self.assertRaises(PipelineError) as raised:
            run_pipeline(f"bert-infer model={self.folder} device=cpu", ["hello world"])
        for fragment in fragments:
            self.assertIn(fragment, str(raised.exception))

    def test_unknown_activation(self):
        self.edit_json("2_Dense/config.json",
                       lambda c: c.update(activation_function="torch.nn.modules.activation.Softplus"))
        self.assert_refused("2_Dense", "torch.nn.modules.activation.Softplus")

    def test_pytorch_model_bin_not_a_torch_zip(self):
        (self.folder / "3_Dense" / "model.safetensors").rename(self.folder / "3_Dense" / "pytorch_model.bin")
        self.assert_refused("3_Dense/pytorch_model.bin: not a zip archive")

    def test_in_features_not_the_pooled_width(self):
        self.edit_json("3_Dense/config.json", lambda c: c.update(in_features=16))
        self.assert_refused("3_Dense", "in_features is 16", "12 values")

    def test_weight_shape_not_the_config(self):
        self.edit_json("3_Dense/config.json", lambda c: c.update(out_features=5))
        self.assert_refused("3_Dense", "linear.weight", "[6, 12]", "[5, 12]")

    def test_bias_missing(self):
        self.edit_json("3_Dense/config.json", lambda c: c.update(bias=True))
        self.assert_refused("3_Dense", "linear.bias", "missing")

    def test_residual(self):
        self.edit_json("2_Dense/config.json", lambda c: c.update(use_residual=True))
        self.assert_refused("2_Dense", "use_residual")

    def test_dense_after_normalize(self):
        self.edit_json("modules.json", lambda m: m.insert(2, m.pop(4)))
        self.assert_refused("modules.json", "Dense module '2_Dense'", "before Normalize")

    def test_unknown_module_type(self):
        self.edit_json("modules.json", lambda m: m[2].update(type="sentence_transformers.models.LayerNorm"))
        self.assert_refused("modules.json", "sentence_transformers.models.LayerNorm")

    def test_empty_pooling_mode_list(self):
        """sentence-transformers fails on it at its first text; concatenations are
        accepted (tests/engine/test-concat-pooling-elements.py)."""
        self.edit_json("1_Pooling/config.json", lambda c: c.update(pooling_mode=[]))
        self.assert_refused("1_Pooling", "lists 0 modes")

    def test_dense_after_concatenated_pooling(self):
        """The Dense module takes 16 values; the two modes give 32."""
        self.edit_json("1_Pooling/config.json", lambda c: c.update(pooling_mode=["mean", "max"]))
        self.assert_refused("2_Dense", "in_features is 16", "32 values", "2 modes")

    def test_unknown_pooling_mode(self):
        self.edit_json("1_Pooling/config.json", lambda c: c.update(pooling_mode="mean_tokens"))
        self.assert_refused("1_Pooling", "pooling_mode mean_tokens", "weightedmean or lasttoken")

    def test_second_transformer_module(self):
        """sentence-transformers would run a second encoder on the first one's output."""
        self.edit_json("modules.json", lambda m: m.insert(1, dict(m[0], idx=1, name="again")))
        self.assert_refused("modules.json", "second Transformer module")

    def test_pooling_dimension_not_the_hidden_size(self):
        self.edit_json("1_Pooling/config.json", lambda c: c.update(word_embedding_dimension=24))
        self.assert_refused("1_Pooling", "word_embedding_dimension is 24", "hidden size is 16")

    def test_include_prompt_not_a_boolean(self):
        self.edit_json("1_Pooling/config.json", lambda c: c.update(include_prompt="false"))
        self.assert_refused("1_Pooling", "include_prompt is not a boolean")


def token_meta(buffer):
    structure = buffer.get_custom_meta("GstBertTokenMeta").get_structure()
    array = structure.get_value("offsets")
    offsets = numpy.frombuffer(array.extract_dup(0, array.get_size()), dtype=numpy.uint32).reshape(-1, 2)
    array = structure.get_value("ids")
    ids = numpy.frombuffer(array.extract_dup(0, array.get_size()), dtype=numpy.int32)
    return ids.tolist(), offsets.tolist()


def buffer_text(buffer):
    return buffer.extract_dup(0, buffer.get_size()).decode("utf-8")


def folder_with_default_prompt(tmp, name):
    """A copy of the Dense fixture in tmp whose default_prompt_name is name."""
    folder = Path(tmp) / "model"
    shutil.copytree(DENSE_MODEL, folder)
    edit_json(folder / "config_sentence_transformers.json", lambda config: config.update(default_prompt_name=name))
    return folder


class Prompts(unittest.TestCase):
    """The prompt goes before the text for tokenizing only, as sentence-transformers puts it."""

    def assert_embeddings(self, buffers, key):
        want = numpy.array(expected()[key], dtype=numpy.float32)
        self.assertLess(numpy.abs(embeddings(buffers) - want).max(), TOLERANCE)

    def test_bert_infer_prompt(self):
        texts = expected()["texts"]
        buffers = run_pipeline(f'bert-infer model={DENSE_MODEL} device=cpu prompt="query: "', texts)
        self.assert_embeddings(buffers, "prompt query: ")
        # The text passes unchanged, and the prompt changes the result.
        self.assertEqual([buffer_text(b) for b in buffers], texts)
        self.assertGreater(numpy.abs(embeddings(buffers) - numpy.array(expected()["plain"])).max(), 1e-3)

    def test_bert_infer_prompt_name(self):
        texts = expected()["texts"]
        self.assert_embeddings(run_pipeline(f"bert-infer model={DENSE_MODEL} device=cpu prompt-name=passage", texts),
                               "prompt_name passage")

    def test_tokenizer_prompt_name_then_bert_infer(self):
        texts = expected()["texts"]
        warnings = []
        buffers = run_pipeline(f"tokenizer model={DENSE_MODEL} prompt-name=query ! bert-infer model={DENSE_MODEL} "
                               "device=cpu", texts, warnings)
        self.assert_embeddings(buffers, "prompt query: ")
        self.assertEqual(warnings, [])

    def test_offsets_stay_the_captions(self):
        """The caption's tokens keep their spans; the prompt's get [0, 0]."""
        plain = run_pipeline(f"tokenizer model={DENSE_MODEL}", ["hello world"])[0]
        prompted = run_pipeline(f'tokenizer model={DENSE_MODEL} prompt="hello "', ["hello world"])[0]
        plain_ids, plain_offsets = token_meta(plain)
        ids, offsets = token_meta(prompted)
        self.assertEqual(buffer_text(prompted), "hello world")
        self.assertEqual(ids, plain_ids[:1] + plain_ids[1:2] + plain_ids[1:])
        self.assertEqual(offsets, [[0, 0], [0, 0], [0, 5], [6, 11], [0, 0]])
        self.assertEqual(offsets[2:], plain_offsets[1:])

    def test_markup_prompt_is_text(self):
        """In pango markup the prompt is escaped: "<b>" stays three characters of text
        before the caption's markup, and offsets point into the caption's markup."""
        caps = "text/x-raw,format=pango-markup"
        plain = run_pipeline(f'tokenizer model={DENSE_MODEL} prompt="<b> "', ["<i>hello</i> world"], caps=caps)[0]
        ids, offsets = token_meta(plain)
        reference = run_pipeline(f"tokenizer model={DENSE_MODEL}", ["<b> hello"])[0]
        reference_ids, _ = token_meta(reference)
        self.assertEqual(ids[:4], reference_ids[:4])  # [CLS] < b >
        self.assertEqual(offsets[:4], [[0, 0]] * 4)
        self.assertEqual(offsets[4:6], [[3, 8], [13, 18]])

    def test_unknown_prompt_name_lists_the_folders(self):
        with self.assertRaises(PipelineError) as raised:
            run_pipeline(f"bert-infer model={DENSE_MODEL} device=cpu prompt-name=question", ["hello"])
        for fragment in ('"question"', '"query"', '"passage"', "config_sentence_transformers.json"):
            self.assertIn(fragment, str(raised.exception))
        with self.assertRaises(PipelineError) as raised:
            run_pipeline(f"tokenizer model={DENSE_MODEL} prompt-name=question", ["hello"])
        self.assertIn('"passage"', str(raised.exception))

    def test_default_prompt_name(self):
        texts = expected()["texts"]
        with tempfile.TemporaryDirectory() as tmp:
            folder = folder_with_default_prompt(tmp, "query")
            self.assert_embeddings(run_pipeline(f"bert-infer model={folder} device=cpu", texts), "prompt query: ")
            # An empty prompt turns the default off, as encode(prompt="") does.
            self.assert_embeddings(run_pipeline(f'bert-infer model={folder} device=cpu prompt=""', texts), "plain")

    def test_tokens_from_upstream_get_no_prompt_and_a_warning(self):
        texts = expected()["texts"]
        warnings = []
        buffers = run_pipeline(f'tokenizer model={DENSE_MODEL} ! bert-infer model={DENSE_MODEL} device=cpu '
                               'prompt="query: "', texts, warnings)
        self.assert_embeddings(buffers, "plain")
        self.assertEqual(len(warnings), 1)
        self.assertIn("prompt", warnings[0])


    def test_same_prompt_in_both_elements_is_not_warned(self):
        """tokenizer ! bert-infer of a folder with a default prompt: both apply it, and the
        tokens came with it, so there is nothing to warn about; the token meta carries the
        prompt. Tokens of another prompt than bert-infer's are warned, naming both."""
        texts = expected()["texts"]
        with tempfile.TemporaryDirectory() as tmp:
            folder = folder_with_default_prompt(tmp, "query")
            for description in (f"tokenizer model={folder} ! bert-infer model={folder} device=cpu",
                                f"tokenizer model={folder} prompt-name=query ! bert-infer model={folder} "
                                "device=cpu prompt-name=query"):
                warnings = []
                buffers = run_pipeline(description, texts, warnings)
                self.assert_embeddings(buffers, "prompt query: ")
                self.assertEqual(warnings, [], description)
                structure = buffers[0].get_custom_meta("GstBertTokenMeta").get_structure()
                self.assertEqual(structure.get_value("prompt"), "query: ")
            warnings = []
            buffers = run_pipeline(f"tokenizer model={folder} prompt-name=passage ! bert-infer model={folder} "
                                   "device=cpu", texts, warnings)
            self.assert_embeddings(buffers, "prompt_name passage")
            self.assertEqual(len(warnings), 1)
            self.assertIn('"passage: "', warnings[0])
            self.assertIn('"query: "', warnings[0])


PROMPT_FOLDERS = {"bert": FIXTURES / "prompt-bert", "xlmr": FIXTURES / "prompt-xlmr"}
# Cosine with sentence-transformers' own embedding, as for the families' parity.
MIN_COSINE = 0.99999


def prompt_expected():
    return json.loads((FIXTURES / "prompt-expected.json").read_text())


def pooling_folder(tmp, family, mode):
    """A copy of the family's include_prompt false folder pooling with @mode."""
    folder = Path(tmp) / f"{family}-{mode}"
    shutil.copytree(PROMPT_FOLDERS[family], folder)
    edit_json(folder / "1_Pooling" / "config.json", lambda config: config.update(pooling_mode=mode))
    return folder


class PoolingWithoutPrompt(unittest.TestCase):
    """include_prompt false: bert-infer's embeddings against sentence-transformers'
    encode(prompt=...) of the same folders (make-st-fixtures.py), for every pooling mode
    (weightedmean keeps the prompt's positions in its weights), a BERT (WordPiece) and an XLM-R (Unigram) model, one padded batch of captions
    of unequal lengths, one of them cut at max_seq_length."""

    def assert_matches(self, got, want, what):
        want = numpy.array(want, dtype=numpy.float32)
        self.assertEqual(got.shape, want.shape, what)
        for row, (g, w) in enumerate(zip(got, want)):
            if numpy.isnan(w).any() or not numpy.linalg.norm(w):
                # Nothing left to pool: zeros (mean), NaN (max's -inf normalised).
                numpy.testing.assert_array_equal(g, w, f"{what}, text {row}")
                continue
            cosine = numpy.dot(g, w) / (numpy.linalg.norm(g) * numpy.linalg.norm(w))
            self.assertGreaterEqual(cosine, MIN_COSINE, f"{what}, text {row}")

    def run_family(self, family, mode, description):
        """Runs @description ({model} the folder, {prompt} the prompt property) with no
        prompt and with each of the reference's."""
        reference = prompt_expected()
        with tempfile.TemporaryDirectory() as tmp:
            folder = pooling_folder(tmp, family, mode)
            for prompt in [None] + reference["prompts"]:
                warnings = []
                prompt_property = "" if prompt is None else f' prompt="{prompt}"'
                got = embeddings(run_pipeline(description.format(model=folder, prompt=prompt_property),
                                              reference["texts"], warnings))
                want = reference[family][mode]["plain" if prompt is None else prompt]
                self.assert_matches(got, want, f"{family} {mode} prompt {prompt!r}")
                # A text the prompt leaves no token of (mean pooling's zeros: "hello wor"
                # + "ld" join into fewer BERT tokens than the prompt counts alone) is said.
                mean = numpy.array(reference[family]["mean"]["plain" if prompt is None else prompt])
                leaves_nothing = bool((mean == 0).all(axis=1).any())
                warned = any("no token of the text to pool" in warning for warning in warnings)
                self.assertEqual(warned, leaves_nothing, f"{family} {mode} prompt {prompt!r}: {warnings}")

    def test_bert_infer_matches_sentence_transformers(self):
        for family in PROMPT_FOLDERS:
            for mode in ("mean", "cls", "max", "mean_sqrt_len_tokens", "weightedmean", "lasttoken"):
                self.run_family(family, mode, "bert-infer model={model} device=cpu{prompt}")

    def test_prompt_from_the_tokenizer_element(self):
        """The tokenizer counts the prompt and the token meta carries it to bert-infer."""
        for family in PROMPT_FOLDERS:
            self.run_family(family, "mean", "tokenizer model={model}{prompt} ! bert-infer model={model} device=cpu")

    def test_the_prompt_changes_nothing_but_pooling(self):
        """include_prompt false pools fewer tokens: another result than with it true."""
        reference = prompt_expected()
        with tempfile.TemporaryDirectory() as tmp:
            folder = pooling_folder(tmp, "bert", "mean")
            config_path = folder / "1_Pooling" / "config.json"
            config_path.write_text(json.dumps({"pooling_mode": "mean", "include_prompt": True}))
            got = embeddings(run_pipeline(f'bert-infer model={folder} device=cpu prompt="query: "',
                                          reference["texts"][:2]))
        want = numpy.array(reference["bert"]["mean"]["query: "][:2])
        self.assertGreater(numpy.abs(got - want).max(), 1e-3)

    def test_token_meta_carries_the_prompt_length(self):
        reference = prompt_expected()
        for family, folder in PROMPT_FOLDERS.items():
            for prompt in reference["prompts"]:
                for element in ("tokenizer", "bert-infer device=cpu"):
                    buffer = run_pipeline(f'{element} model={folder} prompt="{prompt}"', ["hello"])[0]
                    structure = buffer.get_custom_meta("GstBertTokenMeta").get_structure()
                    self.assertEqual(structure.get_value("prompt-length"),
                                     reference[family]["mean"]["prompt_length " + prompt], (family, prompt, element))
            buffer = run_pipeline(f"tokenizer model={folder}", ["hello"])[0]
            self.assertFalse(buffer.get_custom_meta("GstBertTokenMeta").get_structure().has_field("prompt-length"))


    def test_remote_backend_refuses(self):
        """The remote backend pools on its server, which cannot leave the prompt out: an
        error before any request (the port is a closed one)."""
        infer = Gst.ElementFactory.make("bert-infer")
        Gst.util_set_object_arg(infer, "device", "remote")
        if infer.get_property("device").value_nick != "remote":
            self.skipTest("bert-infer has no device=remote (built without libcurl)")
        with self.assertRaises(PipelineError) as raised:
            run_pipeline(f'bert-infer model={PROMPT_FOLDERS["bert"]} server=http://127.0.0.1:9 remote-model=m '
                         'prompt="query: "', ["hello"])
        for fragment in ("remote backend cannot pool without the prompt", "include_prompt false"):
            self.assertIn(fragment, str(raised.exception))


class PoolingModeNames(unittest.TestCase):
    """sentence-transformers 6's "pooling_mode" names give the pooling the older flags do."""

    def test_cls_by_name_equals_cls_by_flag(self):
        with tempfile.TemporaryDirectory() as tmp:
            by_name, by_flag = Path(tmp) / "name", Path(tmp) / "flag"
            shutil.copytree(DENSE_MODEL, by_name)
            shutil.copytree(DENSE_MODEL, by_flag)
            (by_name / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode": ["cls"]}))
            (by_flag / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True}))
            texts = expected()["texts"]
            got_name = embeddings(run_pipeline(f"bert-infer model={by_name} device=cpu", texts))
            got_flag = embeddings(run_pipeline(f"bert-infer model={by_flag} device=cpu", texts))
            mean = numpy.array(expected()["plain"])
        numpy.testing.assert_array_equal(got_name, got_flag)
        self.assertGreater(numpy.abs(got_name - mean).max(), 1e-3)


if __name__ == "__main__":
    unittest.main()
