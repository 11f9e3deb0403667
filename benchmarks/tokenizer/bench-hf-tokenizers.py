#!/usr/bin/env python3
"""Hugging Face tokenizers' encode_batch on a text file, for a side-by-side with bench-tokenizer.

  pip install tokenizers
  bench-hf-tokenizers.py TOKENIZER_FOLDER TEXT_FILE [--passes 3] [--batch 1000]

Encodes every line of the file (one sequence per line, special tokens added, no truncation or
padding) with encode_batch, in batches of --batch lines, using all cores (rayon; set
RAYON_NUM_THREADS to change). Prints the tokenizer's load time and the process's peak
resident memory after it (the Python interpreter and the tokenizers module alone: about
15 MB), then the best pass's wall time and the CPU time the process used, as MB/s and lines/s.
"""
import argparse
import os
import resource
import time

from tokenizers import Tokenizer


def run_pass(tokenizer, lines, batch):
    wall, cpu = time.perf_counter(), time.process_time()
    tokens = 0
    for begin in range(0, len(lines), batch):
        for encoding in tokenizer.encode_batch(lines[begin:begin + batch]):
            tokens += len(encoding.ids)
    return time.perf_counter() - wall, time.process_time() - cpu, tokens


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tokenizer", help="folder holding tokenizer.json")
    parser.add_argument("text")
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--batch", type=int, default=1000, help="lines per encode_batch call")
    args = parser.parse_args()

    wall, cpu = time.perf_counter(), time.process_time()
    tokenizer = Tokenizer.from_file(os.path.join(args.tokenizer, "tokenizer.json"))
    load_wall, load_cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tokenizer.no_truncation()
    tokenizer.no_padding()
    with open(args.text, encoding="utf-8", errors="replace") as f:
        data = f.read()
    lines = data.split("\n")[:-1] if data.endswith("\n") else data.split("\n")
    size = len(data.encode("utf-8")) / 1e6

    results = [run_pass(tokenizer, lines, args.batch) for _ in range(args.passes)]
    wall, cpu, tokens = min(results)
    print(f"tokenizer: {args.tokenizer}\nloaded in {load_cpu:.3f} s CPU ({load_wall:.3f} s wall), "
          f"peak resident {peak_mb:.1f} MB\ntext: {args.text} ({size:.1f} MB, {len(lines)} lines)")
    threads = os.environ.get("RAYON_NUM_THREADS", f"{os.cpu_count()} (all cores)")
    print(f"HF tokenizers encode_batch, {threads} threads, best of {args.passes} passes: "
          f"{wall:.3f} s wall, {size / wall:.1f} MB/s, {len(lines) / wall:.0f} lines/s; "
          f"{cpu:.3f} s CPU, {size / cpu:.1f} MB per CPU-second; {tokens / 1e6 / wall:.2f} M tokens/s")


if __name__ == "__main__":
    main()
