#!/usr/bin/python3
"""examples/c/bert-sentences: results read through the public C metadata API.

usage: test_bert_sentences.py PROGRAM

Runs PROGRAM on tiny generated models of each head with sentences of whole vocabulary
words (one token each, so the ids are known without a tokenizer) and compares what it
prints, sentence by sentence, with tests/engine/reference_bert.py: embedding norms and
the cosine similarity table, label and probability, the label of each token.
"""
import os
import re
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "engine"))
from example_test_util import main, make_model, require_elements, run  # noqa: E402
import reference_bert  # noqa: E402

PROGRAM = None
SENTENCES = ["the dog is running in the park", "a man is playing the guitar",
             "the dog is running in the park", "it is cold today"]
# Printed with 4 decimals; the engine is within 1e-5 of the reference.
TOLERANCE = 2e-4


def reference(folder, sentence):
    """The reference outputs of @sentence, whose words are all in the vocabulary."""
    vocab = (folder / "vocab.txt").read_text().split("\n")
    ids = [vocab.index("[CLS]")] + [vocab.index(word) for word in sentence.split()]
    ids.append(vocab.index("[SEP]"))
    return reference_bert.forward(reference_bert.load_model(str(folder)), ids, [0] * len(ids))


def split_sentences(stdout):
    """{index: [lines under "[index] sentence"]} and the lines of the similarity table."""
    blocks, table, current = {}, [], None
    for line in stdout.splitlines():
        header = re.fullmatch(r"\[(\d+)\] (.*)", line)
        if header:
            current = blocks.setdefault(int(header.group(1)), [])
            current.append(header.group(2))
        elif line == "cosine similarity":
            current = table
        else:
            current.append(line.strip())
    return blocks, table


class BertSentences(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_program(self, folder, sentences):
        result = run([PROGRAM, folder, *sentences])
        self.assertEqual(result.returncode, 0, result.stderr)
        blocks, table = split_sentences(result.stdout)
        self.assertEqual([blocks[i][0] for i in range(len(sentences))], list(sentences))
        return blocks, table

    def test_embeddings_and_similarities(self):
        folder = make_model(Path(self.tmp.name) / "encoder", "--head", "encoder")
        blocks, table = self.run_program(folder, SENTENCES)
        embeddings = []
        for index, sentence in enumerate(SENTENCES):
            self.assertEqual(blocks[index][1], "embedding of 32 values, norm 1.0000")
            embeddings.append(reference(folder, sentence)["embedding"])
        self.assertEqual(len(table), len(SENTENCES))
        for i, row in enumerate(table):
            values = [float(value) for value in row.split()[1:]]
            for j, value in enumerate(values):
                expected = sum(a * b for a, b in zip(embeddings[i], embeddings[j]))
                self.assertAlmostEqual(value, expected, delta=TOLERANCE, msg=f"[{i}][{j}]")
        self.assertEqual(table[0].split()[3], "1.0000", "the same sentence twice")

    def test_label_and_probability(self):
        folder = make_model(Path(self.tmp.name) / "sentiment", "--head", "sequence", "--labels", "3")
        blocks, table = self.run_program(folder, SENTENCES)
        self.assertEqual(table, [], "no similarities without embeddings")
        for index, sentence in enumerate(SENTENCES):
            expected = reference(folder, sentence)
            label, probability = re.fullmatch(r"label (\S+) \((\S+)\)", blocks[index][1]).groups()
            self.assertEqual(label, expected["label"], sentence)
            self.assertAlmostEqual(float(probability), max(expected["probs"]), delta=TOLERANCE)

    def test_token_labels(self):
        folder = make_model(Path(self.tmp.name) / "ner", "--head", "token", "--labels", "5")
        sentence = SENTENCES[1]
        blocks, _ = self.run_program(folder, [sentence])
        expected = reference(folder, sentence)
        words = sentence.split()
        self.assertEqual(len(blocks[0]), 1 + len(words), "one line per word, none for specials")
        for word, line, logits, label in zip(words, blocks[0][1:], expected["token_logits"][1:],
                                             expected["token_labels"][1:]):
            printed_word, printed_label = re.fullmatch(r"(\S+)\s+(\S+) \(\S+\)", line).groups()
            self.assertEqual(printed_word, word)
            top_two = sorted(logits)[-2:]
            if top_two[1] - top_two[0] > 1e-3:       # a near tie may fall either way
                self.assertEqual(printed_label, label, word)

    def test_default_sentences(self):
        folder = make_model(Path(self.tmp.name) / "default", "--head", "encoder")
        result = run([PROGRAM, folder])
        self.assertEqual(result.returncode, 0, result.stderr)
        blocks, table = split_sentences(result.stdout)
        self.assertEqual(len(blocks), 4)
        self.assertEqual(len(table), 4)

    def test_missing_model_is_an_error(self):
        missing = Path(self.tmp.name) / "no-such-model"
        result = run([PROGRAM, missing, "hello"])
        self.assertEqual(result.returncode, 1)
        self.assertIn(str(missing), result.stderr)

    def test_plugin_not_found_is_an_error(self):
        empty = Path(self.tmp.name) / "no-plugins"
        empty.mkdir()
        env = dict(os.environ, GST_PLUGIN_PATH=str(empty),
                   GST_REGISTRY=str(Path(self.tmp.name) / "no-plugins.bin"))
        result = run([PROGRAM, empty, "hello"], env=env)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("could not make the pipeline: no element \"tokenizer\"", result.stderr)

    def test_usage(self):
        result = run([PROGRAM])
        self.assertEqual(result.returncode, 2)
        self.assertIn("usage:", result.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} PROGRAM")
    PROGRAM = sys.argv.pop(1)
    require_elements("appsrc", "appsink", "tokenizer", "bert-infer")
    main()
