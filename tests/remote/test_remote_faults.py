#!/usr/bin/python3
"""Bad responses from a fault-injecting proxy (fault_proxy.py) in front of a real Triton
server, a refused connection, an unknown model: each is an error on the bus naming the
server, the model and the cause (retries=0), never a crash or an out-of-bounds read; with
retries, transient faults (HTTP 503, a truncated body, a time-out) are sent again and every
buffer comes out, in order, with the right result. Exits 77 where Triton or the remote
backend is missing (remote_fixture.py).
"""
import unittest

import remote_fixture as fixture
from fault_proxy import FaultProxy

fixture.require_remote()
TEXTS = fixture.captions(96, seed=5)
MIN_COSINE = 0.99999


class RemoteFaultTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = fixture.work_dir()
        cls.model = fixture.make_model(f"{cls.work.name}/tiny-faults", "--hidden", "32")
        local = fixture.run_pipeline(cls.model, TEXTS, {"device": "cpu"})
        assert local.error is None, local.error
        cls.local = local.embedding_matrix()
        cls.server = fixture.TritonServer(cls.model, cls.work.name).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.work.cleanup()

    def run_through(self, url, **properties):
        settings = {"server": url, "batch-size": 16, "retries": 0, "server-timeout": 60000}
        settings.update(properties)
        return fixture.run_pipeline(self.model, TEXTS, settings, timeout_s=120)

    def run_with_fault(self, mode, faulty_requests=None, delay_s=0.0, **properties):
        with FaultProxy(self.server.port, mode, faulty_requests, delay_s) as proxy:
            return self.run_through(proxy.url, **properties), proxy

    def assert_error(self, result, url, *causes):
        self.assertIsNotNone(result.error, "the fault went unnoticed")
        print(f"error: {result.error[result.error.find('Triton server'):][:240]}")
        self.assertIn(f"Triton server {url}", result.error)
        self.assertIn("model 'tiny-faults'", result.error)
        for cause in causes:
            self.assertIn(cause, result.error)
        self.assertEqual(result.pts, list(range(len(result.pts))))

    def assert_all_out(self, result):
        self.assertIsNone(result.error)
        self.assertEqual(result.pts, list(range(len(TEXTS))))
        self.assertGreaterEqual(
            fixture.cosines(self.local, result.embedding_matrix()).min(), MIN_COSINE)

    def test_truncated_body_is_an_error(self):
        result, proxy = self.run_with_fault("truncate")
        self.assert_error(result, proxy.url, "partial")

    def test_wrong_shape_is_refused(self):
        result, proxy = self.run_with_fault("shape")
        self.assert_error(result, proxy.url, "response output EMBEDDING has shape [17,32]; "
                          "the batch needs [16,32]")

    def test_short_binary_part_is_refused(self):
        result, proxy = self.run_with_fault("short")
        self.assert_error(result, proxy.url, "malformed response: output EMBEDDING needs 2048 "
                          "bytes at offset 0, the body's binary part has 2044")

    def test_slow_response_times_out(self):
        result, proxy = self.run_with_fault("slow", delay_s=1.5, **{"server-timeout": 300})
        self.assert_error(result, proxy.url, "no response within server-timeout 300 ms")

    def test_slow_response_times_out_after_retries(self):
        result, proxy = self.run_with_fault("slow", delay_s=1.0, retries=1,
                                            **{"server-timeout": 300})
        self.assert_error(result, proxy.url, "server-timeout 300 ms", "(retries exhausted)")
        self.assertGreaterEqual(proxy.requests, 2)

    def test_http_error_is_an_error(self):
        result, proxy = self.run_with_fault("unavailable")
        self.assert_error(result, proxy.url, "HTTP 503: injected: server unavailable")

    def test_refused_connection_is_an_error(self):
        url = f"http://127.0.0.1:{fixture.free_port()}"
        result = self.run_through(url)
        self.assert_error(result, url, "connect")

    def test_unknown_model_is_an_error(self):
        result = self.run_through(self.server.url, **{"remote-model": "no-such-model",
                                                      "retries": 3})
        self.assertIsNotNone(result.error)
        self.assertIn(f"Triton server {self.server.url}, model 'no-such-model': HTTP 404",
                      result.error)
        self.assertIn("unknown model", result.error)

    def test_retries_ride_over_transient_faults(self):
        # A time-out well above a loaded machine's batch time, below the slow faults' delay.
        for mode in ("unavailable", "truncate", "slow"):
            with self.subTest(mode=mode):
                result, proxy = self.run_with_fault(mode, faulty_requests=2, delay_s=6.0,
                                                    retries=2, **{"server-timeout": 3000})
                self.assert_all_out(result)
                self.assertGreater(proxy.requests, len(TEXTS) // 16)


if __name__ == "__main__":
    unittest.main(verbosity=2)
