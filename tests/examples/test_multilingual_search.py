#!/usr/bin/python3
"""examples/README.md's search across languages, on a stand-in for its model.

The README fetches paraphrase-multilingual-MiniLM-L12-v2 (a BERT encoder with XLM-R's
Unigram tokenizer), which cannot be fetched here. The test puts under that name, in a
temporary models folder, a random-weight BERT encoder with a Unigram tokenizer.json made
by sentencepiece and transformers' XLM-R converter (tests/tokenizer/data/unigram-nmt-nfkc),
then runs the README's two commands on examples/data/genesis-en-fr-de.srt:
captions-to-jsonl.sh must give every caption, in order, with its text and times, tokens
framed by <s> and </s> and a unit-length embedding of the model's width;
caption-search.py must find a caption of each language from its own text (similarity 1)
and answer a query in a fourth language. Random weights say nothing of meaning: what the
real model finds is not checked here.
"""
import html
import json
import math
import os
import re
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from example_test_util import EXAMPLES_DIR, SOURCE_DIR, main, make_model, require_elements, run  # noqa: E402

MODEL_NAME = "paraphrase-multilingual-MiniLM-L12-v2"
SUBTITLES = EXAMPLES_DIR / "data" / "genesis-en-fr-de.srt"
UNIGRAM = SOURCE_DIR / "tests" / "tokenizer" / "data" / "unigram-nmt-nfkc" / "tokenizer.json"
HIDDEN = 32
BOS, EOS = 0, 2  # <s> and </s> of the XLM-R template
MATCH = re.compile(r"  (-?\d\.\d{4})  (\S+) --> (\S+)  (.*)")


def read_srt(path):
    """[(start_ns, duration_ns, text)] of a SubRip file, text lines joined by newlines."""
    cues = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        lines = block.split("\n")
        times = [re.fullmatch(r"(\d+):(\d+):(\d+),(\d+)", t.strip()).groups() for t in lines[1].split("-->")]
        start, end = [((int(h) * 60 + int(m)) * 60 + int(s)) * 10**9 + int(ms) * 10**6 for h, m, s, ms in times]
        cues.append((start, end - start, "\n".join(lines[2:])))
    return cues


class MultilingualSearch(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.models_dir = Path(cls.tmp.name) / "models"
        make_model(cls.models_dir / MODEL_NAME, "--tokenizer-json", str(UNIGRAM), "--hidden", str(HIDDEN),
                   "--max-positions", "128")
        cls.env = dict(os.environ, GST_BERT_MODELS_DIR=str(cls.models_dir))
        cls.cues = read_srt(SUBTITLES)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_the_file_has_three_languages(self):
        self.assertEqual(len(self.cues), 15)
        texts = " ".join(text for _, _, text in self.cues)
        for word in ("light", "lumière", "Licht"):
            self.assertIn(word, texts)

    def test_every_caption_comes_out_in_order(self):
        out = Path(self.tmp.name) / "genesis.jsonl"
        result = run([EXAMPLES_DIR / "captions-to-jsonl.sh", SUBTITLES, MODEL_NAME, out], env=self.env)
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        self.assertEqual(len(lines), len(self.cues))
        for line, (start, duration, text) in zip(lines, self.cues):
            self.assertEqual((line["pts"], line["duration"]), (start, duration))
            self.assertEqual(html.unescape(line["text"]), text)
            ids = line["tokens"]["ids"]
            self.assertEqual((ids[0], ids[-1]), (BOS, EOS))
            self.assertGreater(len(ids), 4)
            embedding = line["result"]["embedding"]
            self.assertEqual(len(embedding), HIDDEN)
            self.assertAlmostEqual(math.sqrt(sum(x * x for x in embedding)), 1.0, places=5)

    def search(self, *queries, top=3, options=()):
        result = run([sys.executable, EXAMPLES_DIR / "python" / "caption-search.py", "--model", MODEL_NAME,
                      "--top", top, *options, SUBTITLES, *queries], env=self.env)
        self.assertEqual(result.returncode, 0, result.stderr)
        results, query = {}, None
        for line in result.stdout.splitlines():
            if line.startswith("query: "):
                query = line[len("query: "):]
                results[query] = []
            else:
                score, start, end, text = MATCH.fullmatch(line).groups()
                results[query].append((float(score), start, end, text))
        return results

    def test_a_caption_of_each_language_finds_itself(self):
        wanted = {index: self.cues[index][2].replace("\n", " ") for index in (2, 7, 12)}
        results = self.search(*wanted.values(), top=2)
        for index, query in wanted.items():
            score, start, _, text = results[query][0]
            self.assertAlmostEqual(score, 1.0, places=3)
            self.assertEqual(text, self.cues[index][2].replace("\n", " / "))
            self.assertLess(results[query][1][0], 0.9999)

    def test_prompts_of_an_instruction_model(self):
        """multilingual-e5 wants "query: " before queries and "passage: " before captions:
        a caption searched for with the same prompt on both sides finds itself, with other
        prompts (or none on the captions) it does not, so each prompt reached its texts."""
        caption = self.cues[7][2].replace("\n", " ")
        same = self.search(caption, top=1, options=("--query-prompt", "query: ", "--caption-prompt", "query: "))
        self.assertAlmostEqual(same[caption][0][0], 1.0, places=3)
        for options in (("--query-prompt", "query: "), ("--query-prompt", "query: ", "--caption-prompt", "passage: ")):
            other = self.search(caption, top=1, options=options)
            self.assertLess(other[caption][0][0], 0.9999, options)

    def test_a_query_in_another_language_runs(self):
        results = self.search("¿Cuándo apareció la luz?")
        matches = results["¿Cuándo apareció la luz?"]
        self.assertEqual(len(matches), 3)
        self.assertTrue(all(-1.0 <= score <= 1.0 for score, *_ in matches))
        self.assertEqual(matches, sorted(matches, key=lambda match: -match[0]))


if __name__ == "__main__":
    require_elements("filesrc", "subparse", "appsrc", "appsink", "tokenizer", "bert-infer", "bert-json")
    main()
