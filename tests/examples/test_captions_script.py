#!/usr/bin/python3
"""examples/captions-to-jsonl.sh on the SubRip and WebVTT captions of examples/data.

Runs the script as its header says, with a tiny generated classifier and encoder, to a
file and to standard output, and checks one JSON line per cue, in order, with the cue's
timestamps, its tokens and the model's result.
"""
import json
import math
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from example_test_util import (CAPTION_TIMES_MS, CAPTIONS_SRT, CAPTIONS_VTT, EXAMPLES_DIR,  # noqa: E402
                               main, make_model, require_elements, run)

SCRIPT = EXAMPLES_DIR / "captions-to-jsonl.sh"
MS = 1000000


class CaptionsToJsonl(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.classifier = make_model(Path(cls.tmp.name) / "classifier", "--head", "sequence")
        cls.encoder = make_model(Path(cls.tmp.name) / "encoder", "--hidden", "48", "--heads", "3")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def check_lines(self, lines, where):
        self.assertEqual(len(lines), len(CAPTION_TIMES_MS), where)
        for line, (start, duration) in zip(lines, CAPTION_TIMES_MS):
            self.assertEqual((line["pts"], line["duration"]), (start * MS, duration * MS), where)
            ids = line["tokens"]["ids"]
            self.assertEqual((ids[0], ids[-1]), (2, 3), f"{where}: [CLS] ... [SEP]")
        self.assertEqual(lines[1]["text"], "<i>[Music playing]</i>", where)
        self.assertIn("\u2014 thanks for watching.", lines[-1]["text"], where)

    def test_classifier_to_file(self):
        for captions in (CAPTIONS_SRT, CAPTIONS_VTT):
            out = Path(self.tmp.name) / (captions.name + ".jsonl")
            result = run([SCRIPT, captions, self.classifier, out])
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(result.stdout, "")
            lines = [json.loads(text) for text in out.read_text(encoding="utf-8").splitlines()]
            self.check_lines(lines, captions.name)
            for line in lines:
                probs = line["result"]["probs"]
                self.assertAlmostEqual(sum(probs), 1.0, places=5)
                index = line["result"]["label_index"]
                self.assertEqual(probs[index], max(probs))
                self.assertEqual(line["result"]["label"], f"label{index}")

    def test_encoder_to_standard_output(self):
        result = run([SCRIPT, CAPTIONS_SRT, self.encoder])
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = [json.loads(text) for text in result.stdout.splitlines()]
        self.check_lines(lines, "standard output")
        for line in lines:
            embedding = line["result"]["embedding"]
            self.assertEqual(len(embedding), 48)
            self.assertAlmostEqual(math.sqrt(sum(x * x for x in embedding)), 1.0, places=5)
            self.assertEqual(line["result"]["model"], "encoder")

    def test_missing_model_fails_with_its_name(self):
        missing = Path(self.tmp.name) / "no-such-model"
        result = run([SCRIPT, CAPTIONS_SRT, missing])
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(str(missing), result.stderr + result.stdout)

    def test_usage(self):
        result = run([SCRIPT])
        self.assertEqual(result.returncode, 2)
        self.assertIn("usage:", result.stderr)


if __name__ == "__main__":
    require_elements("filesrc", "subparse", "filesink", "fdsink", "tokenizer", "bert-infer",
                     "bert-json")
    main()
