#!/usr/bin/python3
"""Parity through a real Triton server: `tokenizer ! bert-infer device=remote` gives the
local CPU backend's embeddings (cosine >= 0.99999, same order, same PTS), on a generated
tiny model (always) and on the real all-MiniLM-L6-v2 (where ../shared has it), and its
logits, probabilities, the labels that apply, token labels and scores on tiny classifiers
of each head; the meta
says "remote"; server=URL alone selects the remote backend; a pooling override reaches the
server; folders whose Pooling concatenates modes (tests/engine/data/concat-pooling) are
pooled so by the server, as wide, and a one-mode override on them gives one mode's width. Exits 77 where Triton or the remote backend is missing (remote_fixture.py).
"""
import os
import unittest

import remote_fixture as fixture

fixture.require_remote()
MIN_COSINE = 0.99999
CONCAT_DIR = fixture.SOURCE_DIR / "tests" / "engine" / "data" / "concat-pooling"
TEXTS = fixture.captions(300, seed=3) + ["a", "the news at night and in the morning " * 6]


class RemoteParityTest(unittest.TestCase):
    def check_parity(self, model_dir, server, texts, remote_only=None, **properties):
        local = fixture.run_pipeline(model_dir, texts, {"device": "cpu", **properties})
        remote = fixture.run_pipeline(model_dir, texts, {
            "server": server.url, "remote-model": server.name, "server-timeout": 0,
            **(remote_only or {}),
            **properties})
        self.assertIsNone(local.error)
        self.assertIsNone(remote.error)
        self.assertEqual(remote.pts, list(range(len(texts))))
        self.assertEqual(local.labels, remote.labels)
        if "tiny-remote" not in str(model_dir) and "MiniLM" not in str(model_dir) \
                and CONCAT_DIR not in model_dir.parents:
            self.assertTrue(all(local.labels), "a classifier's results without labels")
        self.assertEqual(local.backends, {"cpu"})
        self.assertEqual(remote.backends, {"remote"})
        # The server's engine computes in fp32, as the local CPU backend by default.
        self.assertEqual(local.precisions, {"fp32"})
        self.assertEqual(remote.precisions, {"fp32"})
        self.assertEqual([vector.size for vector in local.embeddings],
                         [vector.size for vector in remote.embeddings])
        worst = min(fixture.cosines(first[None, :], second[None, :])[0]
                    for first, second in zip(local.embeddings, remote.embeddings))
        print(f"{model_dir.name}: {len(texts)} texts, worst cosine {worst:.9f} "
              f"{properties or ''}")
        self.assertGreaterEqual(worst, MIN_COSINE)

    def test_tiny_model(self):
        with fixture.work_dir() as work:
            model = fixture.make_model(f"{work}/tiny-remote", "--hidden", "32")
            with fixture.TritonServer(model, work) as server:
                self.check_parity(model, server, TEXTS, **{"batch-size": 16})
                self.check_parity(model, server, TEXTS[:64], pooling="cls")
                self.check_parity(model, server, TEXTS[:64], **{"max-in-flight": 4,
                                                                 "batch-size": 4})

    def test_concatenated_pooling(self):
        for name, width in (("cls-mean", 32), ("max-mean-lasttoken-dense", 8)):
            model = CONCAT_DIR / name
            with fixture.work_dir() as work:
                with fixture.TritonServer(model, work) as server:
                    self.check_parity(model, server, TEXTS[:64], **{"batch-size": 8})
                    if name == "cls-mean":
                        self.check_parity(model, server, TEXTS[:64], pooling="cls")
            local = fixture.run_pipeline(model, TEXTS[:2], {"device": "cpu"})
            self.assertEqual([vector.size for vector in local.embeddings], [width, width])

    def test_classifier_heads(self):
        with fixture.work_dir() as work:
            for head in ("sequence", "multilabel", "token"):
                model = fixture.make_model(f"{work}/tiny-{head}", "--head", head,
                                           "--labels", "5")
                with fixture.TritonServer(model, work) as server:
                    self.check_parity(model, server, TEXTS[:100], **{"batch-size": 8})

    def test_all_minilm_l6_v2(self):
        model = fixture.SHARED_DIR / "models" / "all-MiniLM-L6-v2"
        if os.environ.get("GST_BERT_REMOTE_QUICK") == "1":
            self.skipTest("the real model is left to the release build's run")
        if not (model / "model.safetensors").exists():
            self.skipTest(f"{model} is not there")
        with fixture.work_dir() as work:
            with fixture.TritonServer(model, work, threads=0) as server:
                self.check_parity(model, server, TEXTS, remote_only={"device": "remote"})

    def test_device_remote_without_server_is_an_error(self):
        with fixture.work_dir() as work:
            model = fixture.make_model(f"{work}/tiny-remote")
            result = fixture.run_pipeline(model, TEXTS[:4], {"device": "remote"})
            self.assertIn("needs a server URL", result.error or "")


if __name__ == "__main__":
    unittest.main(verbosity=2)
