#!/usr/bin/env python3
"""Plots the benchmark figures of docs/performance.md from the benchmark programs' output.

usage: plot-benchmarks.py [--data docs/data] [--out docs/images]

Reads, in --data:
  bench-engine-*.txt   output of benchmarks/engine/bench-engine (one or more models each)
  live-latencies.txt   per-buffer latencies of bench-pipeline's live runs (--latencies)
  bench-pipeline.txt   bench-pipeline's summary, for the percentiles in the legend
and writes, in --out:
  engine-throughput.png   sentences/s against batch size, wall-clock and per CPU-second
  engine-latency.png      p50 and p99 batch latency against batch size
  live-latency.png        distribution (CDF) of the per-buffer latency of live streams

Making the data (from the repository root, a release build in build/; --threads and the
batch list as in docs/performance.md), then the plots (matplotlib: pip install matplotlib):

  ninja -C build benchmarks/engine/bench-engine benchmarks/pipeline/bench-pipeline
  export GST_BERT_SHARED_DIR=../shared
  build/benchmarks/engine/bench-engine --model ../shared/models/all-MiniLM-L6-v2 \\
      --batch 1,2,4,8,16,32,64,128 --threads 2 > docs/data/bench-engine-minilm.txt
  build/benchmarks/engine/bench-engine --shape all --batch 1,2,4,8,16,32,64,128 \\
      --threads 2 > docs/data/bench-engine-shapes.txt
  rm -f docs/data/live-latencies.txt
  build/benchmarks/pipeline/bench-pipeline --cues 3000 --live-seconds 30 \\
      --overhead-buffers 50000 --latencies docs/data/live-latencies.txt \\
      > docs/data/bench-pipeline.txt
  python3 scripts/plot-benchmarks.py
"""
import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

ENGINE_HEADER = re.compile(r"^(\S+): hidden (\d+), (\d+) layers.*?; (\w+) backend, (\d+) threads")
ENGINE_ROW = re.compile(r"^batch\s+(\d+)\s+([\d.]+) sentences/s\s+([\d.]+) tokens/s\s+"
                        r"p50\s+([\d.]+) ms\s+p99\s+([\d.]+) ms\s+cpu\s+([\d.]+) ms/batch")
LIVE_SUMMARY = re.compile(r"^live (\S+) buffers/s: (\d+) buffers, latency p50 ([\d.]+) ms, "
                          r"p99 ([\d.]+) ms, max ([\d.]+) ms")


def read_engine_runs(paths):
    """{label: [row dicts by batch size]} from bench-engine outputs."""
    runs = {}
    for path in paths:
        rows = None
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            header = ENGINE_HEADER.match(line)
            row = ENGINE_ROW.match(line)
            if header:
                name, hidden, layers, backend, threads = header.groups()
                label = f"{name} ({hidden}x{layers}, {backend}, {threads} threads)"
                rows = runs.setdefault(label, [])
            elif row:
                if rows is None:
                    sys.exit(f"{path}:{number}: a batch line before any model line")
                batch, sentences, tokens, p50, p99, cpu_ms = row.groups()
                rows.append({"batch": int(batch), "sentences": float(sentences),
                             "p50": float(p50), "p99": float(p99), "cpu_ms": float(cpu_ms)})
    return runs


def read_live_latencies(path):
    """{rate: [ms, ...]} from bench-pipeline --latencies."""
    latencies = defaultdict(list)
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        fields = line.split()
        if len(fields) != 2:
            sys.exit(f"{path}:{number}: expected 'RATE MS', got {line!r}")
        latencies[float(fields[0])].append(float(fields[1]))
    return latencies


def read_live_summaries(path):
    summaries = {}
    if path.exists():
        for line in path.read_text().splitlines():
            match = LIVE_SUMMARY.match(line)
            if match:
                rate, _, p50, p99, worst = match.groups()
                summaries[float(rate)] = (float(p50), float(p99), float(worst))
    return summaries


def batch_axis(axes):
    axes.set_xscale("log", base=2)
    axes.set_xlabel("batch size (sentences)")
    axes.xaxis.set_major_formatter(lambda value, _: f"{value:g}")
    axes.grid(True, which="both", alpha=0.3)


def plot_engine_throughput(plt, runs, out):
    figure, (wall, cpu) = plt.subplots(1, 2, figsize=(11, 4.2))
    for label, rows in runs.items():
        batches = [row["batch"] for row in rows]
        wall.plot(batches, [row["sentences"] for row in rows], marker="o", label=label)
        # Sentences per second of CPU time (all threads): what the machine's load
        # inflates least; an idle core would give about this much each.
        cpu.plot(batches, [1000.0 * row["batch"] / row["cpu_ms"] for row in rows],
                 marker="o", label=label)
    wall.set_title("Throughput (wall clock, loaded machine)")
    wall.set_ylabel("sentences / s")
    cpu.set_title("Throughput per CPU-second")
    cpu.set_ylabel("sentences / CPU-second")
    for axes in (wall, cpu):
        batch_axis(axes)
        axes.set_yscale("log")
        axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(out / "engine-throughput.png", dpi=90)
    plt.close(figure)


def plot_engine_latency(plt, runs, out):
    figure, axes = plt.subplots(figsize=(6.5, 4.2))
    for label, rows in runs.items():
        batches = [row["batch"] for row in rows]
        line, = axes.plot(batches, [row["p50"] for row in rows], marker="o", label=f"{label} p50")
        axes.plot(batches, [row["p99"] for row in rows], marker="v", linestyle="--",
                  color=line.get_color(), label="p99")
    axes.set_title("Batch latency of the engine")
    axes.set_ylabel("ms per batch")
    axes.set_yscale("log")
    batch_axis(axes)
    axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(out / "engine-latency.png", dpi=90)
    plt.close(figure)


def plot_live_latency(plt, latencies, summaries, out):
    figure, axes = plt.subplots(figsize=(6.5, 4.2))
    for rate in sorted(latencies):
        values = sorted(latencies[rate])
        fractions = [(i + 1) / len(values) for i in range(len(values))]
        label = f"{rate:g} buffer/s ({len(values)} buffers)"
        if rate in summaries:
            p50, p99, _ = summaries[rate]
            label += f": p50 {p50:g} ms, p99 {p99:g} ms"
        axes.step(values, fractions, where="post", label=label)
    axes.set_title("Live latency, push to sink (all-MiniLM-L6-v2, batch-timeout 20 ms)")
    axes.title.set_fontsize(10)
    axes.set_xlabel("latency (ms)")
    axes.set_ylabel("fraction of buffers at or below")
    axes.set_ylim(0, 1.01)
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    figure.savefig(out / "live-latency.png", dpi=90)
    plt.close(figure)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("docs/data"))
    parser.add_argument("--out", type=Path, default=Path("docs/images"))
    args = parser.parse_args()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("needs matplotlib: pip install matplotlib")

    engine_files = sorted(args.data.glob("bench-engine-*.txt"))
    live_file = args.data / "live-latencies.txt"
    if not engine_files or not live_file.exists():
        sys.exit(f"{args.data}: needs bench-engine-*.txt and live-latencies.txt (see --help)")
    args.out.mkdir(parents=True, exist_ok=True)
    runs = read_engine_runs(engine_files)
    plot_engine_throughput(plt, runs, args.out)
    plot_engine_latency(plt, runs, args.out)
    plot_live_latency(plt, read_live_latencies(live_file),
                      read_live_summaries(args.data / "bench-pipeline.txt"), args.out)
    print(f"wrote {args.out}/engine-throughput.png, engine-latency.png, live-latency.png")


if __name__ == "__main__":
    main()
