#!/usr/bin/env python3
"""Plots the benchmark figures of docs/performance.md from the benchmark programs' output.

usage: plot-benchmarks.py [--data docs/data] [--out docs/images]
       plot-benchmarks.py --precision-tables [--data docs/data]

Reads, in --data:
  bench-engine-*.txt   output of benchmarks/engine/bench-engine (one or more models each)
  live-latencies.txt   per-buffer latencies of bench-pipeline's live runs (--latencies)
  bench-pipeline.txt   bench-pipeline's summary, for the percentiles in the legend
  peers/               output of benchmarks/compare-peers.sh (gst-bert and the CPU peers on
                       the same sentences), when present
  precisions/          output of compare-peers.sh's precisions workload (gst-bert fp32, bf16
                       and int8 and the reduced-precision peers, several rounds), when present
and writes, in --out:
  engine-throughput.png   sentences/s against batch size, wall-clock and per CPU-second
  engine-latency.png      p50 and p99 batch latency against batch size
  live-latency.png        distribution (CDF) of the per-buffer latency of live streams
  peers-throughput.png    sentences/s against batch size: gst-bert's engine and pipeline,
                          ONNX Runtime and sentence-transformers, one panel per workload
  precisions-throughput.png  sentences/s against batch size, best round: gst-bert fp32, bf16
                          and int8 beside ONNX Runtime and OpenVINO, one panel per text
--precision-tables prints instead the tables of docs/performance.md's reduced-precision
section (best round per program and batch, and the ratios of the issue's speed bars) as
Markdown, from precisions/ (no matplotlib needed).

Making the data (from the repository root, a release build in build/, under real-time
priority as in docs/performance.md; `uptime` before and after each run goes to the .load
files), then the plots (matplotlib: pip install matplotlib):

  ninja -C build benchmarks/engine/bench-engine benchmarks/pipeline/bench-pipeline
  export GST_BERT_SHARED_DIR=../shared
  chrt -f 50 build/benchmarks/engine/bench-engine --model ../shared/models/all-MiniLM-L6-v2 \\
      --batch 1,2,4,8,16,32,64,128 --threads 2 --all > docs/data/bench-engine-minilm.txt
  chrt -f 50 build/benchmarks/engine/bench-engine --shape minilm --batch 1,2,4,8,16,32,64,128 \\
      --threads 2 --sentences 2048 > docs/data/bench-engine-shapes.txt
  chrt -f 50 build/benchmarks/engine/bench-engine --shape bert-base --batch 1,2,4,8,16,32,64,128 \\
      --threads 2 >> docs/data/bench-engine-shapes.txt
  rm -f docs/data/live-latencies.txt
  chrt -f 50 build/benchmarks/pipeline/bench-pipeline --cues 3000 --live-seconds 30 \\
      --overhead-buffers 50000 --latencies docs/data/live-latencies.txt \\
      > docs/data/bench-pipeline.txt
  benchmarks/compare-peers.sh build /tmp/peers && cp /tmp/peers/*.txt /tmp/peers/*.load \\
      docs/data/peers/ && rm docs/data/peers/captions.txt docs/data/peers/sts-sentences.txt
  PEER_PYTHON=/tmp/venv-peers/bin/python ROUNDS=3 benchmarks/compare-peers.sh build \\
      /tmp/precisions precisions && cp /tmp/precisions/precisions-*.txt \\
      /tmp/precisions/precisions-*.load docs/data/precisions/
  python3 benchmarks/plot-benchmarks.py
"""
import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

ENGINE_HEADER = re.compile(r"^(\S+): hidden (\d+), (\d+) layers.*?; (\w+) backend, (\d+) threads")
ENGINE_ROW = re.compile(r"^batch\s+(\d+)\s+([\d.]+) sentences/s\s+([\d.]+) tokens/s\s+"
                        r"p50\s+([\d.]+) ms\s+p99\s+([\d.]+) ms\s+cpu\s+([\d.]+) ms/batch")
PEER_ROW = re.compile(r"^batch\s+(\d+)\s+(sentence-transformers|onnxruntime)\s+([\d.]+) sentences/s")
PIPELINE_ROW = re.compile(r"^file: batch-size (\d+), \d+ cues in [\d.]+ s: ([\d.]+) sentences/s")
PEER_WORKLOADS = {"sts": "STS, first 256 sentences (512 at batch 128)",
                  "sts-all": "STS, all 2,758 sentences", "captions": "caption stream, 5,567 cues"}
PRECISION_FILE = re.compile(r"^precisions-(sts|captions)-(fp32|bf16|int8|peers)-r\d+\.txt$")
PRECISION_PEER_ROW = re.compile(r"^batch\s+(\d+)\s+(\S+)\s+([\d.]+) sentences/s")
PRECISION_TEXTS = {"sts": "STS sentences", "captions": "caption stream"}
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


def read_peer_runs(folder):
    """{workload: {program: {batch: sentences/s}}} from compare-peers.sh's outputs."""
    runs = defaultdict(lambda: defaultdict(dict))
    for path in sorted(folder.glob("*.txt")):
        workload = next((w for w in sorted(PEER_WORKLOADS, key=len, reverse=True)
                         if path.name.startswith(w + "-")), None)
        if workload is None:
            continue
        for line in path.read_text().splitlines():
            peer, engine, pipeline = PEER_ROW.match(line), ENGINE_ROW.match(line), PIPELINE_ROW.match(line)
            if peer:
                runs[workload][peer.group(2)][int(peer.group(1))] = float(peer.group(3))
            elif engine:
                runs[workload]["gst-bert engine"][int(engine.group(1))] = float(engine.group(2))
            elif pipeline:
                runs[workload]["gst-bert pipeline"][int(pipeline.group(1))] = float(pipeline.group(2))
    return runs


def read_precision_runs(folder):
    """{text: {program: {batch: best sentences/s over the rounds}}} from the precisions
    workload's outputs."""
    runs = defaultdict(lambda: defaultdict(dict))
    for path in sorted(folder.glob("precisions-*.txt")):
        name = PRECISION_FILE.match(path.name)
        if name is None:
            continue
        text, program = name.groups()
        for line in path.read_text().splitlines():
            engine, peer = ENGINE_ROW.match(line), PRECISION_PEER_ROW.match(line)
            if engine:
                batch, sentences, label = int(engine.group(1)), float(engine.group(2)), f"gst-bert {program}"
            elif peer and program == "peers":
                batch, sentences, label = int(peer.group(1)), float(peer.group(3)), peer.group(2)
            else:
                continue
            figures = runs[text][label]
            figures[batch] = max(figures.get(batch, 0.0), sentences)
    return runs


PRECISION_COLUMNS = ["ort-opt-fp32", "ort-opt-int8", "openvino-fp32", "openvino-bf16", "gst-bert fp32",
                     "gst-bert bf16", "gst-bert int8"]
PRECISION_RATIOS = [("bf16 / fp32", "gst-bert bf16", "gst-bert fp32"),
                    ("bf16 / OpenVINO bf16", "gst-bert bf16", "openvino-bf16"),
                    ("int8 / ORT int8", "gst-bert int8", "ort-opt-int8"),
                    ("int8 / bf16", "gst-bert int8", "gst-bert bf16")]


def print_precision_tables(runs):
    for text in [t for t in PRECISION_TEXTS if t in runs]:
        figures = runs[text]
        batches = sorted({b for program in figures.values() for b in program})
        print(f"{PRECISION_TEXTS[text]}, sentences/s, best round\n")
        print("| batch | " + " | ".join(PRECISION_COLUMNS + [r[0] for r in PRECISION_RATIOS]) + " |")
        print("|---" * (1 + len(PRECISION_COLUMNS) + len(PRECISION_RATIOS)) + "|")
        for b in batches:
            cells = [f"{figures[p][b]:.0f}" if b in figures.get(p, {}) else "" for p in PRECISION_COLUMNS]
            cells += [f"{figures[a][b] / figures[c][b]:.2f}" if b in figures.get(a, {}) and b in figures.get(c, {})
                      else "" for _, a, c in PRECISION_RATIOS]
            print(f"| {b} | " + " | ".join(cells) + " |")
        print()


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
    wall.set_title("Throughput (wall clock, real-time priority)")
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


def plot_peer_throughput(plt, runs, out):
    workloads = [w for w in PEER_WORKLOADS if w in runs]
    figure, panels = plt.subplots(1, len(workloads), figsize=(4.6 * len(workloads), 4.2), squeeze=False)
    for axes, workload in zip(panels[0], workloads):
        for program in ("gst-bert engine", "gst-bert pipeline", "onnxruntime", "sentence-transformers"):
            figures = runs[workload].get(program)
            if figures:
                batches = sorted(figures)
                axes.plot(batches, [figures[b] for b in batches], marker="o", label=program)
        axes.set_title(PEER_WORKLOADS[workload], fontsize=10)
        axes.set_ylabel("sentences / s")
        axes.set_ylim(bottom=0)
        batch_axis(axes)
        axes.legend(fontsize=8)
    figure.suptitle("all-MiniLM-L6-v2, fp32, 2 threads: gst-bert and the CPU peers", fontsize=11)
    figure.tight_layout()
    figure.savefig(out / "peers-throughput.png", dpi=90)
    plt.close(figure)


def plot_precision_throughput(plt, runs, out):
    texts = [t for t in PRECISION_TEXTS if t in runs]
    figure, panels = plt.subplots(1, len(texts), figsize=(5.2 * len(texts), 4.4), squeeze=False)
    for axes, text in zip(panels[0], texts):
        for program in sorted(runs[text], key=lambda p: (not p.startswith("gst-bert"), p)):
            figures = runs[text][program]
            batches = sorted(figures)
            style = "-" if program.startswith("gst-bert") else "--"
            axes.plot(batches, [figures[b] for b in batches], style, marker="o", label=program)
        axes.set_title(PRECISION_TEXTS[text], fontsize=10)
        axes.set_ylabel("sentences / s")
        axes.set_ylim(bottom=0)
        batch_axis(axes)
        axes.legend(fontsize=7)
    figure.suptitle("all-MiniLM-L6-v2, 2 threads: gst-bert's precisions and the reduced-precision "
                    "peers (best round)", fontsize=10)
    figure.tight_layout()
    figure.savefig(out / "precisions-throughput.png", dpi=90)
    plt.close(figure)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("docs/data"))
    parser.add_argument("--out", type=Path, default=Path("docs/images"))
    parser.add_argument("--precision-tables", action="store_true")
    args = parser.parse_args()
    if args.precision_tables:
        runs = read_precision_runs(args.data / "precisions")
        if not runs:
            sys.exit(f"{args.data}/precisions: no precisions-*.txt (see --help)")
        print_precision_tables(runs)
        return
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
    written = "engine-throughput.png, engine-latency.png, live-latency.png"
    peer_runs = read_peer_runs(args.data / "peers")
    if peer_runs:
        plot_peer_throughput(plt, peer_runs, args.out)
        written += ", peers-throughput.png"
    precision_runs = read_precision_runs(args.data / "precisions")
    if precision_runs:
        plot_precision_throughput(plt, precision_runs, args.out)
        written += ", precisions-throughput.png"
    print(f"wrote {args.out}/{written}")


if __name__ == "__main__":
    main()
