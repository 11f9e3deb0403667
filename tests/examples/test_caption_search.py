#!/usr/bin/python3
"""examples/python/caption-search.py: semantic search over captions, from Python.

On a tiny generated encoder, a query equal to a caption's text (its markup aside) must
come first with similarity 1 and that caption's times, whether the queries are arguments
or lines on standard input; without --model the script uses all-MiniLM-L6-v2 of the
models folder ($GST_BERT_MODELS_DIR, here a temporary one) and names
scripts/get-model.sh where it is missing. On the real all-MiniLM-L6-v2 of
$GST_BERT_SHARED_DIR, else of the user's models folder (skipped without either), queries sharing no keyword with their caption
must find it in examples/data/travel-vlog.srt and examples/data/moon-speech.srt.
"""
import os
import re
import shutil
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))
from example_test_util import (CAPTIONS_SRT, CAPTIONS_VTT, EXAMPLES_DIR, main,  # noqa: E402
                               make_model, require_elements, run, shared_model)

SCRIPT = EXAMPLES_DIR / "python" / "caption-search.py"
TRAVEL_VLOG = EXAMPLES_DIR / "data" / "travel-vlog.srt"
MOON_SPEECH = EXAMPLES_DIR / "data" / "moon-speech.srt"
MATCH = re.compile(r"  (-?\d\.\d{4})  (\S+) --> (\S+)  (.*)")


def parse_output(stdout):
    """{query: [(score, start, end, text), ...]} from the script's output."""
    results, query = {}, None
    for line in stdout.splitlines():
        if line.startswith("query: "):
            query = line[len("query: "):]
            results[query] = []
        else:
            match = MATCH.fullmatch(line)
            assert match and query is not None, f"unexpected line: {line!r}"
            score, start, end, text = match.groups()
            results[query].append((float(score), start, end, text))
    return results


class CaptionSearch(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.encoder = make_model(Path(cls.tmp.name) / "encoder", "--hidden", "48", "--heads", "3")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def search(self, subtitles, model, *queries, top=3, typed=None, env=None):
        """Runs the script with @queries as arguments, or @typed on its standard input."""
        result = run([sys.executable, SCRIPT, "--top", top, "--model", model, subtitles, *queries],
                     input=typed, env=env)
        self.assertEqual(result.returncode, 0, result.stderr)
        return parse_output(result.stdout)

    def test_caption_text_finds_its_caption(self):
        first = "Hello, world! Welcome to the stream."
        last = "The End \u2014 thanks for watching."       # <b>The End</b> in the file
        for subtitles in (CAPTIONS_SRT, CAPTIONS_VTT):
            results = self.search(subtitles, self.encoder, first, last, top=2)
            self.assertEqual(list(results), [first, last])
            self.assertEqual(results[first][0][1:], ("00:00:01,000", "00:00:03,500", first))
            self.assertEqual(results[last][0][1:], ("00:00:27,500", "00:00:30,000", last))
            for matches in results.values():
                self.assertEqual(len(matches), 2)
                self.assertAlmostEqual(matches[0][0], 1.0, places=3)
                self.assertLess(matches[1][0], 0.9999, "only one caption has that text")

    def test_queries_typed_one_a_line(self):
        first = "Hello, world! Welcome to the stream."
        last = "The End \u2014 thanks for watching."
        results = self.search(CAPTIONS_SRT, self.encoder, typed=f"{last}\n\n  \n{first}\n", top=1)
        self.assertEqual(list(results), [last, first], "blank lines are no queries")
        self.assertEqual(results[last][0][1:], ("00:00:27,500", "00:00:30,000", last))
        self.assertEqual(results[first][0][1:], ("00:00:01,000", "00:00:03,500", first))
        self.assertAlmostEqual(results[last][0][0], 1.0, places=3)

    def test_default_model_is_all_minilm_of_the_models_folder(self):
        first = "Hello, world! Welcome to the stream."
        models_dir = Path(self.tmp.name) / "models"
        env = dict(os.environ, GST_BERT_MODELS_DIR=str(models_dir))
        missing = run([sys.executable, SCRIPT, CAPTIONS_SRT, first], env=env)
        self.assertEqual(missing.returncode, 1)
        self.assertIn(f"no model folder {models_dir / 'all-MiniLM-L6-v2'}", missing.stderr)
        self.assertIn("scripts/get-model.sh all-MiniLM-L6-v2", missing.stderr)

        shutil.copytree(self.encoder, models_dir / "all-MiniLM-L6-v2")
        found = run([sys.executable, SCRIPT, "--top", "1", CAPTIONS_SRT, first], env=env)
        self.assertEqual(found.returncode, 0, found.stderr)
        score, *_ = parse_output(found.stdout)[first][0]
        self.assertAlmostEqual(score, 1.0, places=3)

    def test_needs_a_sentence_encoder(self):
        classifier = make_model(Path(self.tmp.name) / "classifier", "--head", "sequence")
        result = run([sys.executable, SCRIPT, "--model", classifier, CAPTIONS_SRT, "hello"])
        self.assertEqual(result.returncode, 1)
        self.assertIn("no embedding", result.stderr)

    def test_missing_model_is_named(self):
        missing = Path(self.tmp.name) / "no-such-model"
        result = run([sys.executable, SCRIPT, "--model", missing, CAPTIONS_SRT, "hello"])
        self.assertEqual(result.returncode, 1)
        self.assertIn(str(missing), result.stderr)

    def test_real_model_is_taken_from_the_models_folder_without_shared(self):
        models_dir = Path(self.tmp.name) / "fetched-models"
        (models_dir / "all-MiniLM-L6-v2").mkdir(parents=True)
        (models_dir / "all-MiniLM-L6-v2" / "model.safetensors").touch()
        with mock.patch.dict(os.environ, GST_BERT_SHARED_DIR="/nonexistent",
                             GST_BERT_MODELS_DIR=str(models_dir)):
            self.assertEqual(shared_model(self, "all-MiniLM-L6-v2"),
                             models_dir / "all-MiniLM-L6-v2")

    def test_meaning_not_words_with_minilm(self):
        model = shared_model(self, "all-MiniLM-L6-v2")
        expected = {
            "sea animals": "00:00:09,000",            # whales and dolphins
            "how much did it cost": "00:00:37,000",   # the ferry ticket, forty euros
            "bad weather": "00:00:21,000",            # rain and freezing wind
            "what did they eat": "00:00:29,000",      # fish soup for dinner
        }
        results = self.search(TRAVEL_VLOG, model, *expected)
        for query, start in expected.items():
            self.assertEqual(results[query][0][1], start, f"{query}: {results[query]}")
            scores = [match[0] for match in results[query]]
            self.assertEqual(scores, sorted(scores, reverse=True))

    def test_typed_queries_on_a_real_speech_with_minilm(self):
        model = shared_model(self, "all-MiniLM-L6-v2")
        expected = {
            "how much does it cost": "00:11:40,000",  # the space budget
            "employment": "00:10:55,000",             # tens of thousands of new jobs
            "mountain climbing": "00:16:50,000",      # George Mallory on Mount Everest
            "it is very hot": "00:13:40,000",         # almost as hot as it is here today
        }
        results = self.search(MOON_SPEECH, model, typed="\n".join(expected) + "\n")
        self.assertEqual(list(results), list(expected))
        for query, start in expected.items():
            self.assertEqual(results[query][0][1], start, f"{query}: {results[query]}")


if __name__ == "__main__":
    require_elements("filesrc", "subparse", "appsrc", "appsink", "tokenizer", "bert-infer")
    main()
