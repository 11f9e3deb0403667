#!/usr/bin/env python3
"""The real pipeline on the GPU against the CPU, for scripts/gpu-check.sh (device step).

usage: gpu-check-pipeline.py MODEL_DIR SUBTITLES...

For each subtitle file, runs
  gst-launch-1.0 filesrc ! subparse ! tokenizer ! bert-infer device=D precision=P ! bert-json ! filesink
with D = cpu, then cuda in FP16 and FP32, and compares the JSON lines: the same captions with the same
timestamps in the same order, and each embedding's cosine to the CPU's at least 0.9995 (FP16) or
0.99999 (FP32). Prints the lowest cosine and the wall time of each run; exits 1 on any difference.
gst-launch-1.0 and the plugins are taken from PATH and the GStreamer variables gpu-check.sh sets."""
import json
import math
import os
import subprocess
import sys
import tempfile
import time

MIN_COSINE = {"fp16": 0.9995, "fp32": 0.99999}


def run_pipeline(model, subtitles, device, precision, out_path):
    command = ["gst-launch-1.0", "-q", "filesrc", f"location={subtitles}", "!", "subparse", "!",
               "tokenizer", f"vocab={model}", "!", "bert-infer", f"model={model}", f"device={device}",
               f"precision={precision}", "!", "bert-json", "!", "filesink", f"location={out_path}"]
    start = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = time.monotonic() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    with open(out_path, encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()], seconds


def cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    norms = math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))
    return dot / max(norms, 1e-300)


def compare(name, cpu_lines, cuda_lines, min_cosine):
    if len(cpu_lines) != len(cuda_lines):
        return f"{name}: {len(cuda_lines)} lines on CUDA, {len(cpu_lines)} on the CPU"
    worst = 1.0
    for index, (cpu, cuda) in enumerate(zip(cpu_lines, cuda_lines)):
        for key in ("text", "pts", "duration"):
            if cpu.get(key) != cuda.get(key):
                return f"{name}: line {index} differs in {key}: {cuda.get(key)!r} vs {cpu.get(key)!r}"
        value = cosine(cpu["result"]["embedding"], cuda["result"]["embedding"])
        worst = min(worst, value)
        if not value >= min_cosine:
            return f"{name}: line {index} ({cpu['text'][:40]!r}) has cosine {value:.7f}, below {min_cosine}"
    print(f"{name}: {len(cpu_lines)} captions, lowest cosine {worst:.7f}")
    return None


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    model, subtitle_files = sys.argv[1], sys.argv[2:]
    problems = []
    with tempfile.TemporaryDirectory() as folder:
        for subtitles in subtitle_files:
            base = os.path.basename(subtitles)
            cpu_lines, cpu_seconds = run_pipeline(model, subtitles, "cpu", "fp32", os.path.join(folder, "cpu.jsonl"))
            print(f"{base}: cpu {cpu_seconds:.2f} s")
            for precision, min_cosine in MIN_COSINE.items():
                cuda_lines, seconds = run_pipeline(model, subtitles, "cuda", precision,
                                                   os.path.join(folder, f"cuda-{precision}.jsonl"))
                print(f"{base}: cuda {precision} {seconds:.2f} s")
                problem = compare(f"{base} cuda {precision}", cpu_lines, cuda_lines, min_cosine)
                if problem:
                    problems.append(problem)
    for problem in problems:
        print("FAIL", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
