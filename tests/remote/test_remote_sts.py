#!/usr/bin/python3
"""STS Benchmark through the remote path: the 1,379 test pairs of ../shared's STS-B through
`appsrc ! tokenizer ! bert-infer device=remote ! appsink` with all-MiniLM-L6-v2 served by
a real Triton server must give Spearman 82.05 (82.00 to 82.10), as the local pipeline and
sentence-transformers do (docs/evaluation.md). The CSV reading and the statistics are the
eval suite's own (sts-eval.py). Exits 77 where the model, the CSV, Triton or the remote
backend is missing.
"""
import importlib.util
import sys

import remote_fixture as fixture

fixture.require_remote()
MODEL = fixture.SHARED_DIR / "models" / "all-MiniLM-L6-v2"
CSV = fixture.SHARED_DIR / "eval" / "stsbenchmark" / "sts-test.csv"
PAIRS = 1379
MIN_FIGURE, MAX_FIGURE = 82.00, 82.10


def load_sts_eval():
    for path in (fixture.SOURCE_DIR / "tests" / "eval" / "sts-eval.py",
                 fixture.SOURCE_DIR / "scripts" / "sts-eval.py"):
        if path.exists():
            spec = importlib.util.spec_from_file_location("sts_eval", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    fixture.skip("sts-eval.py not found")


def main():
    if not (MODEL / "model.safetensors").exists() or not CSV.exists():
        fixture.skip(f"{MODEL} or {CSV} is not there")
    sts = load_sts_eval()
    gold, first, second = sts.read_pairs(CSV)
    with fixture.work_dir() as work:
        with fixture.TritonServer(MODEL, work, threads=0) as server:
            result = fixture.run_pipeline(MODEL, first + second, {
                "device": "remote", "server": server.url, "batch-size": 64, "server-timeout": 0})
            if result.error is not None:
                # The server's log says why a connection failed; it goes with the work dir.
                print(f"error: {result.error}\nTriton's log:\n{server.log_tail()}",
                      file=sys.stderr)
                return 1
    if result.pts != list(range(2 * len(gold))) or result.backends != {"remote"}:
        print(f"error: {len(result.pts)} results of {2 * len(gold)}, out of order or not "
              f"remote ({result.backends})", file=sys.stderr)
        return 1
    embeddings = result.embedding_matrix()
    pairs = len(gold)
    figure = 100.0 * sts.spearman(sts.cosine(embeddings[:pairs], embeddings[pairs:]), gold)
    print(f"STS Benchmark test through Triton: Spearman {figure:.2f} ({pairs} pairs)")
    if pairs != PAIRS or not MIN_FIGURE <= figure <= MAX_FIGURE:
        print(f"error: expected {PAIRS} pairs and {MIN_FIGURE} to {MAX_FIGURE}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
