#!/usr/bin/python3
"""Parity of the engine with reference_bert.py on generated models (always runs: numpy only).

usage: test-generated-models.py PARITY_EXE

For each variant (every head, every dtype, every pooling, names with and without the
"bert." prefix), writes a model with make-test-model.py into a temporary folder, computes
reference outputs for random inputs with reference_bert.py, and runs PARITY_EXE
(test-engine-parity) on them, which checks the engine alone, in one batch and in random
groups, once with the packed GEMM kernel (where the CPU has AVX-512) and once with
cblas_sgemm (GST_BERT_CPU_GEMM=blas). The reference is float64, so the tolerance is tighter than for PyTorch's fp32
references: max abs diff 2e-5 (the engine stays near 3e-6; GELU's tanh approximation,
for one, would be off by 1e-4 to 1e-3). Exits 1 when any variant fails.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference_bert  # noqa: E402

TOLERANCE = "2e-5"
VARIANTS = [
    ["--head", "encoder", "--dtype", "f32", "--pooling", "mean"],
    ["--head", "encoder", "--dtype", "f16", "--pooling", "cls", "--prefix"],
    ["--head", "encoder", "--dtype", "bf16", "--pooling", "max", "--no-normalize"],
    ["--head", "encoder", "--dtype", "f32", "--pooling", "mean_sqrt_len_tokens", "--no-normalize"],
    ["--head", "encoder", "--dtype", "f16", "--pooling", "weightedmean", "--prefix"],
    ["--head", "encoder", "--dtype", "bf16", "--pooling", "lasttoken", "--no-normalize"],
    ["--head", "encoder", "--dtype", "f32", "--no-sentence-transformers", "--hidden", "48", "--heads", "3"],
    ["--head", "sequence", "--dtype", "f32", "--prefix", "--labels", "2"],
    ["--head", "sequence", "--dtype", "f16", "--labels", "5"],
    ["--head", "multilabel", "--dtype", "bf16", "--prefix", "--labels", "4"],
    ["--head", "token", "--dtype", "f32", "--prefix", "--labels", "5"],
    ["--head", "token", "--dtype", "bf16", "--labels", "3", "--layers", "3"],
]


def run_variant(parity_exe, variant, index, tmp):
    folder = os.path.join(tmp, "model%d" % index)
    reference = os.path.join(tmp, "reference%d.jsonl" % index)
    subprocess.run([sys.executable, os.path.join(HERE, "make-test-model.py"), folder,
                    "--seed", str(index)] + variant, check=True)
    model = reference_bert.load_model(folder)
    with open(reference, "w") as f:
        for ids, type_ids in reference_bert.random_inputs(model, 24, index):
            line = {"ids": ids, "type_ids": type_ids}
            line.update(reference_bert.forward(model, ids, type_ids))
            f.write(json.dumps(line) + "\n")
    ok = True
    for gemm in ["packed", "blas"]:
        env = dict(os.environ, GST_BERT_CPU_GEMM=gemm)
        result = subprocess.run([parity_exe, "--tolerance", TOLERANCE, folder, reference], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        print("%s (%s GEMM): %s" % (" ".join(variant), gemm, "ok" if result.returncode == 0 else "FAIL"))
        print("  " + result.stdout.strip().replace("\n", "\n  "))
        ok = ok and result.returncode == 0
    return ok


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with tempfile.TemporaryDirectory(prefix="gst-bert-engine-") as tmp:
        results = [run_variant(sys.argv[1], variant, n, tmp) for n, variant in enumerate(VARIANTS)]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
