#!/usr/bin/python3
"""A Triton server killed (SIGKILL) and restarted in the middle of a stream of 10,000
captions: with retries on, every buffer comes out once, in order, with the local CPU
backend's embedding; with retries off, the error reaches the bus, naming the server and
the model, and what came out before it is an in-order prefix with nothing repeated.
Exits 77 where Triton or the remote backend is missing (remote_fixture.py).
"""
import threading
import unittest

import remote_fixture as fixture

fixture.require_remote()
N_CAPTIONS = 10000
KILL_AFTER = 3000
MIN_COSINE = 0.99999


class Restarter:
    """Kills the server once KILL_AFTER buffers are out, and starts it again."""

    def __init__(self, server, restart):
        self.server = server
        self.restart = restart
        self.reached = threading.Event()
        self.thread = threading.Thread(target=self.run)
        self.error = None

    def on_buffer(self, count):
        if count == KILL_AFTER:
            self.reached.set()

    def run(self):
        if not self.reached.wait(timeout=600):
            return
        self.server.kill()
        if self.restart:
            try:
                self.server.start()
            except RuntimeError as error:
                self.error = error


class RemoteRestartTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = fixture.work_dir()
        cls.model = fixture.make_model(f"{cls.work.name}/tiny-restart", "--hidden", "32")
        cls.texts = fixture.captions(N_CAPTIONS, seed=11)
        local = fixture.run_pipeline(cls.model, cls.texts, {"device": "cpu"})
        assert local.error is None, local.error
        cls.local = local.embedding_matrix()

    @classmethod
    def tearDownClass(cls):
        cls.work.cleanup()

    def run_with_restart(self, retries, restart):
        with fixture.TritonServer(self.model, self.work.name) as server:
            restarter = Restarter(server, restart)
            restarter.thread.start()
            result = fixture.run_pipeline(self.model, self.texts, {
                "server": server.url, "retries": retries, "server-timeout": 60000,
                "batch-size": 32}, on_buffer=restarter.on_buffer)
            restarter.reached.set()
            restarter.thread.join()
            self.assertIsNone(restarter.error)
        return result

    def test_restart_with_retries_loses_nothing(self):
        result = self.run_with_restart(retries=40, restart=True)
        self.assertIsNone(result.error)
        self.assertEqual(result.pts, list(range(N_CAPTIONS)))
        worst = fixture.cosines(self.local, result.embedding_matrix()).min()
        print(f"{N_CAPTIONS} captions, server killed after {KILL_AFTER} and restarted: all "
              f"out once, in order, worst cosine {worst:.9f}")
        self.assertGreaterEqual(worst, MIN_COSINE)

    def test_kill_without_retries_is_an_error_on_the_bus(self):
        result = self.run_with_restart(retries=0, restart=False)
        self.assertIsNotNone(result.error, "a dead server went unnoticed")
        self.assertIn("Triton server http://127.0.0.1:", result.error)
        self.assertIn("model 'tiny-restart'", result.error)
        n_out = len(result.pts)
        print(f"retries=0: {n_out} buffers out before the error: {result.error[:300]}")
        self.assertGreaterEqual(n_out, KILL_AFTER)
        self.assertLess(n_out, N_CAPTIONS)
        self.assertEqual(result.pts, list(range(n_out)))


if __name__ == "__main__":
    unittest.main(verbosity=2)
