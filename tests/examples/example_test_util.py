"""What the tests of examples/ share: the paths, tiny generated models, skipping.

Each test runs an example as its documentation says, on a model that
tests/engine/make-test-model.py writes into a temporary folder (numpy only), so the
suite runs without ../shared; checks that need a real model use
$GST_BERT_SHARED_DIR/models, else the user's models folder (where scripts/demo.sh and
scripts/get-model.sh put all-MiniLM-L6-v2), and skip without either. A test exits 77
(skipped) with a message naming what is missing: PyGObject, a GStreamer element, or a
real model.
"""
import os
import subprocess
import sys
import unittest
from pathlib import Path

SKIP = 77
SOURCE_DIR = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = SOURCE_DIR / "examples"
CAPTIONS_SRT = EXAMPLES_DIR / "data" / "captions.srt"
CAPTIONS_VTT = EXAMPLES_DIR / "data" / "captions.vtt"
MAKE_TEST_MODEL = SOURCE_DIR / "tests" / "engine" / "make-test-model.py"

# The cues of captions.srt and captions.vtt: start and duration, in ms.
CAPTION_TIMES_MS = [(1000, 2500), (4000, 2000)] + [(6500 + 3000 * n, 2500) for n in range(8)]

def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def require_elements(*factories):
    """Exits 77 unless PyGObject and every GStreamer element named are there; returns
    the initialised Gst module."""
    try:
        import gi
        gi.require_version("Gst", "1.0")
        from gi.repository import Gst
    except (ImportError, ValueError) as error:
        skip(f"needs PyGObject with Gst 1.0: {error}")
    Gst.init(None)
    for factory in factories:
        if not Gst.ElementFactory.find(factory):
            skip(f"GStreamer element {factory} is not installed")
    return Gst


def make_model(folder, *arguments):
    """A tiny model folder (make-test-model.py OUT_DIR ARGUMENTS); returns its path."""
    subprocess.run([sys.executable, str(MAKE_TEST_MODEL), str(folder), *arguments], check=True)
    return Path(folder)


def models_folder():
    """Where the elements look for a model they are not given: $GST_BERT_MODELS_DIR, else
    ${XDG_DATA_HOME:-~/.local/share}/gst-bert/models."""
    if os.environ.get("GST_BERT_MODELS_DIR"):
        return Path(os.environ["GST_BERT_MODELS_DIR"])
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "gst-bert" / "models"


def shared_model(test, name):
    """$GST_BERT_SHARED_DIR/models/NAME, else NAME in the models folder (a user's fetched
    model), or skips @test naming both paths."""
    shared = Path(os.environ.get("GST_BERT_SHARED_DIR", "/nonexistent")) / "models" / name
    for folder in (shared, models_folder() / name):
        if (folder / "model.safetensors").exists():
            return folder
    test.skipTest(f"{shared} and {models_folder() / name} have no model.safetensors "
                  f"(set GST_BERT_SHARED_DIR, or run scripts/get-model.sh {name})")


def run(command, timeout=60, **kwargs):
    """Runs @command to its end; its CompletedProcess, with text output."""
    return subprocess.run([str(part) for part in command], capture_output=True, text=True,
                          timeout=timeout, **kwargs)


def main():
    unittest.main(verbosity=2)
