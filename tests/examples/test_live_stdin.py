#!/usr/bin/python3
"""examples/live-stdin.sh: lines written to its standard input come back as results
while the input is still open.

Writes a line, waits for its JSON result, writes the next; then a burst of lines at
once; then closes the input and expects the pipeline to end cleanly. A result that
came only at end of input would fail the wait (the script batches with a 5 ms
batch-timeout, so a lone line must not wait for the next).
"""
import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from example_test_util import EXAMPLES_DIR, main, make_model, require_elements  # noqa: E402

SCRIPT = EXAMPLES_DIR / "live-stdin.sh"
# Generous for a loaded machine; the batch-timeout is 5 ms and the model tiny.
RESULT_TIMEOUT_S = 20


class LiveStdin(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        model = make_model(Path(self.tmp.name) / "sentiment", "--head", "sequence", "--labels", "2")
        self.process = subprocess.Popen([str(SCRIPT), str(model)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.process.stdout, selectors.EVENT_READ)
        self.pending = b""

    def tearDown(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if not self.process.stdin.closed:
            self.process.stdin.close()
        self.process.stdout.close()
        self.process.stderr.close()
        self.tmp.cleanup()

    def read_result(self):
        """The next JSON line of the script's output, waiting at most RESULT_TIMEOUT_S."""
        deadline = time.monotonic() + RESULT_TIMEOUT_S
        while b"\n" not in self.pending:
            left = deadline - time.monotonic()
            if left <= 0 or not self.selector.select(left):
                self.fail(f"no result within {RESULT_TIMEOUT_S} s; stderr: {self.stderr_so_far()}")
            data = os.read(self.process.stdout.fileno(), 65536)
            if not data:
                self.fail(f"output ended early; stderr: {self.stderr_so_far()}")
            self.pending += data
        line, self.pending = self.pending.split(b"\n", 1)
        return json.loads(line)

    def stderr_so_far(self):
        if self.process.poll() is None:
            return "(still running)"
        return self.process.stderr.read().decode(errors="replace")

    def write(self, text):
        self.process.stdin.write(text.encode())
        self.process.stdin.flush()

    def check_result(self, result, text):
        self.assertEqual(result["text"], text)
        self.assertIn(result["result"]["label"], ("label0", "label1"))
        self.assertAlmostEqual(sum(result["result"]["probs"]), 1.0, places=3)

    def test_each_line_is_answered_before_the_next(self):
        times = []
        for text in ["hello world", "the weather is good today", "thank you"]:
            self.write(text + "\n")
            result = self.read_result()
            self.check_result(result, text)
            times.append(result["pts"])
        # A result is written in PLAYING only, so the lines after the first are stamped;
        # the first may have come before the pipeline played, without a clock.
        self.assertNotIn(None, times[1:])
        self.assertLess(times[1], times[2], "stamped with their arrival times")

    def test_burst_then_end_of_input(self):
        texts = ["one", "two dogs", "three cats play", "four"]
        self.write("\n".join(texts) + "\n\nfive")      # a blank line; no newline at the end
        for text in texts:
            self.check_result(self.read_result(), text)
        self.process.stdin.close()
        self.check_result(self.read_result(), "five")
        self.assertEqual(self.process.wait(timeout=RESULT_TIMEOUT_S), 0, self.stderr_so_far())
        self.assertEqual(self.pending + self.process.stdout.read(), b"")


if __name__ == "__main__":
    require_elements("fdsrc", "fdsink", "tokenizer", "bert-infer", "bert-json")
    main()
