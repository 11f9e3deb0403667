#!/usr/bin/python3
"""Throughput and latency of bert-infer's remote backend (a Triton server on loopback)
against the local CPU backend, the wire's cost per batch, and Triton model instances.

    GST_PLUGIN_PATH=build/plugin scripts/triton/bench-remote.py [--model DIR] [--cues N]
        [--batches 8,32,128] [--instances 1,2,4] [--repeat 2]

Feeds N cues of benchmarks/make-captions.py's caption stream through
`appsrc ! tokenizer ! bert-infer ! appsink` as fast as the pipeline takes them and prints,
for each batch size and backend, captions/s (wall time from PLAYING to EOS, best of
--repeat runs, the runs of the two backends interleaved) and the p50/p99 of the batch
time each buffer's meta carries (inference-time: computing on the CPU; the whole request,
server included, for remote). Then, per batch size: bytes on the wire per request (the
HTTP bodies, counted by a pass-through proxy) and the wire's cost, the client's mean
request time less Triton's own (its statistics endpoint: queue and compute). Last,
captions/s at batch 32 with max-in-flight 4 for each --instances count, each instance
with cores/instances threads. Needs what the remote tests need (tests/remote/).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(SOURCE_DIR / "tests" / "remote"))
os.environ.setdefault("GST_BERT_SERVE_LIBRARY",
                      str(SOURCE_DIR / "build" / "kernels" / "remote" / "serve" /
                          "libgstbert-serve.so"))
import remote_fixture as fixture  # noqa: E402
from fault_proxy import FaultProxy  # noqa: E402

import numpy  # noqa: E402


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path,
                        default=fixture.SHARED_DIR / "models" / "all-MiniLM-L6-v2")
    parser.add_argument("--cues", type=int, default=2000)
    parser.add_argument("--batches", default="8,32,128")
    parser.add_argument("--instances", default="1,2,4")
    parser.add_argument("--repeat", type=int, default=2)
    return parser.parse_args()


def read_captions(work, count):
    path = Path(work) / "captions.txt"
    subprocess.run([sys.executable, str(SOURCE_DIR / "benchmarks" / "make-captions.py"),
                    str(path), "--shared", str(fixture.SHARED_DIR)], check=True,
                   stdout=subprocess.DEVNULL)
    return path.read_text(encoding="utf-8").splitlines()[:count]


def timed_run(model, texts, properties):
    start = time.monotonic()
    result = fixture.run_pipeline(model, texts, properties)
    wall = time.monotonic() - start
    if result.error or len(result.pts) != len(texts):
        raise SystemExit(f"run {properties} failed: {result.error}")
    return len(texts) / wall, result


def batch_times(result):
    """One time per batch: consecutive buffers of a batch carry the same value."""
    times = [value for index, value in enumerate(result.inference_ns)
             if index == 0 or value != result.inference_ns[index - 1]]
    return numpy.array(times, dtype=numpy.float64)


def server_stats(server):
    with urllib.request.urlopen(f"{server.url}/v2/models/{server.name}/stats") as response:
        stats = json.load(response)["model_stats"][0]["inference_stats"]["success"]
    return int(stats["count"]), int(stats["ns"])


def compare_backends(model, texts, server, batches, repeat):
    print("batch  backend  captions/s  batch p50 ms  batch p99 ms")
    for batch in batches:
        best = {}
        for _ in range(repeat):
            for name, properties in (("cpu", {"device": "cpu"}),
                                     ("remote", {"server": server.url})):
                rate, result = timed_run(model, texts, {"batch-size": batch, **properties})
                if rate > best.get(name, (0, None))[0]:
                    best[name] = (rate, result)
        for name, (rate, result) in best.items():
            percentiles = numpy.percentile(result.inference_ns, [50, 99]) / 1e6
            print(f"{batch:5d}  {name:7s}  {rate:10.0f}  {percentiles[0]:12.2f}  "
                  f"{percentiles[1]:12.2f}")


def wire_cost(model, texts, server, batches):
    print("batch  request B  response B  client ms/request  Triton ms/request  wire us/request")
    for batch in batches:
        with FaultProxy(server.port) as proxy:
            fixture.run_pipeline(model, texts, {"server": proxy.url, "batch-size": batch})
            requests = proxy.requests
            request_bytes, response_bytes = proxy.request_bytes, proxy.response_bytes
        count_before, ns_before = server_stats(server)
        _, result = timed_run(model, texts, {"server": server.url, "batch-size": batch,
                                             "max-in-flight": 1})
        count_after, ns_after = server_stats(server)
        client_ms = batch_times(result).mean() / 1e6
        triton_ms = (ns_after - ns_before) / max(count_after - count_before, 1) / 1e6
        print(f"{batch:5d}  {request_bytes / requests:9.0f}  {response_bytes / requests:10.0f}"
              f"  {client_ms:17.2f}  {triton_ms:17.2f}  {(client_ms - triton_ms) * 1e3:15.0f}")


def instance_scaling(model, texts, work, instances_list, repeat):
    cores = os.cpu_count()
    print("instances  threads each  captions/s (batch 32, max-in-flight 4)")
    for instances in instances_list:
        threads = max(cores // instances, 1)
        with fixture.TritonServer(model, work, instances=instances, threads=threads) as server:
            rate = max(timed_run(model, texts, {"server": server.url, "batch-size": 32,
                                                "max-in-flight": 4})[0]
                       for _ in range(repeat))
        print(f"{instances:9d}  {threads:12d}  {rate:10.0f}")


def main():
    args = parse_arguments()
    fixture.require_remote()
    batches = [int(value) for value in args.batches.split(",")]
    with tempfile.TemporaryDirectory(prefix="gst-bert-bench-remote-") as work:
        texts = read_captions(work, args.cues)
        print(f"{args.model.name}, {len(texts)} caption cues, {os.cpu_count()} cores")
        with fixture.TritonServer(args.model, work, threads=0) as server:
            compare_backends(args.model, texts, server, batches, args.repeat)
            wire_cost(args.model, texts, server, batches)
        instance_scaling(args.model, texts, work,
                         [int(value) for value in args.instances.split(",")], args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
