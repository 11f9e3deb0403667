#!/usr/bin/env python3
"""PyTorch emulation of the CPU engine's int8 products, with and without smoothing.

The engine's int8 scheme (docs/engine.md, "Reduced precision on the CPU"): each encoder
Linear product quantizes its input rows symmetrically per row (scale max |x| / 127) and
its weights per output feature (scale max |w| / 127), sums the int8 products exactly in
int32, and applies scale_x * scale_w and the bias in fp32; the products kept in bf16
round input and weights to bf16 and sum in fp32. Everything else stays fp32.

Smoothing (SmoothQuant-style) divides each input column j by s_j before the row
quantization and multiplies the weight's column j by s_j before the weight quantization,
so the fp32 product is unchanged and only what is quantized moves. Choices of s_j
(alpha = the migration strength):
  none      s_j = 1 (the engine today);
  weights   from the weights alone, on the products fed by a LayerNorm (Q/K/V,
            intermediate): max |x_j| estimated as 3 |gamma_j| + |beta_j|,
            s_j = a_j^alpha / max|W_:,j|^(1 - alpha);
  calib     every product: max |x_j| measured by one fp32 pass over fixed token ids
            (deterministic pseudo-random ids, no data file), same formula.

Prints, per model and variant, the worst and mean cosine of the pooled embedding to the
model's own fp32 embedding (also checked against the reference file). With --seeds N,
each variant runs N more times with every int8 or bf16 product's input multiplied by
(1 + noise N(0, 1)) (--noise, a few units in fp32's last place): a quantized forward
pass is a discontinuous function of its inputs, so implementations that differ only in
fp32 rounding give different cosines (benchmarks/engine/int8-trace.py), and this
prints their spread: each line's mean over the seeds, the worst of those means, and how
many lines have a mean below 0.99. Not in CI: needs
torch and transformers (/tmp/venv-torch) and the model folders.

  /tmp/venv-torch/bin/python benchmarks/engine/int8-smoothing-emulation.py \
      --model MINILM_FOLDER --lines ../shared/reference/encoder/all-MiniLM-L6-v2.jsonl \
      --model MPNET_FOLDER --lines reference-512.jsonl
"""

import argparse
import json
import math

import torch
import transformers


def bf16(t):
    return t.to(torch.bfloat16).to(torch.float32)


class EmulatedLinear(torch.nn.Module):
    """A Linear layer run in 'fp32', 'bf16' or 'int8' (the engine's scheme)."""

    def __init__(self, linear):
        super().__init__()
        self.weight = linear.weight.detach().clone()
        self.bias = linear.bias.detach().clone() if linear.bias is not None else None
        self.mode = "fp32"
        self.column_scale = None  # s_j, or None for 1
        self.record = False
        self.input_absmax = None
        self.noise = 0.0

    def forward(self, x):
        if self.noise and self.mode != "fp32":
            x = x * (1 + self.noise * torch.randn_like(x))
        if self.record:
            m = x.detach().abs().reshape(-1, x.shape[-1]).amax(0)
            self.input_absmax = m if self.input_absmax is None else torch.maximum(self.input_absmax, m)
        if self.mode == "fp32":
            y = x @ self.weight.T
        elif self.mode == "bf16":
            y = bf16(x) @ bf16(self.weight).T
        else:
            w = self.weight
            if self.column_scale is not None:
                x = x / self.column_scale
                w = w * self.column_scale
            sw = w.abs().amax(1, keepdim=True) / 127.0
            qw = torch.round(w / torch.where(sw > 0, sw, 1.0))
            sx = x.abs().amax(-1, keepdim=True) / 127.0
            qx = torch.round(x / torch.where(sx > 0, sx, 1.0))
            # int32 sums are exact; float64 is exact for them too
            y = (qx.double() @ qw.double().T).float() * sx * sw.T
        if self.bias is not None:
            y = y + self.bias
        return y


def layer_products(model):
    """Per encoder layer: dict kind -> (parent module, attribute name, feeding LayerNorm)."""
    cfg = model.config
    base = model
    layers = base.encoder.layer
    emb_ln = base.embeddings.LayerNorm
    out = []
    for i, layer in enumerate(layers):
        prev_ln = emb_ln if i == 0 else layers[i - 1].output.LayerNorm
        if cfg.model_type == "mpnet":
            attn = layer.attention.attn
            qkv = [(attn, "q"), (attn, "k"), (attn, "v")]
            ao = (attn, "o")
            mid_ln = layer.attention.LayerNorm
        else:
            sa = layer.attention.self
            qkv = [(sa, "query"), (sa, "key"), (sa, "value")]
            ao = (layer.attention.output, "dense")
            mid_ln = layer.attention.output.LayerNorm
        out.append(
            {
                "qkv": [(p, n, prev_ln) for p, n in qkv],
                "attn_out": [(ao[0], ao[1], None)],
                "inter": [(layer.intermediate, "dense", mid_ln)],
                "out": [(layer.output, "dense", None)],
            }
        )
    return out


def wrap(model):
    products = layer_products(model)
    for layer in products:
        for kind, items in layer.items():
            for parent, name, ln in items:
                setattr(parent, name, EmulatedLinear(getattr(parent, name)))
    return products


def each(products):
    for i, layer in enumerate(products):
        for kind, items in layer.items():
            for parent, name, ln in items:
                yield i, kind, getattr(parent, name), ln


def embed(model, ids_list, pool, type_ids_list=None):
    vecs = []
    with torch.no_grad():
        for n, ids in enumerate(ids_list):
            t = torch.tensor([ids])
            extra = {}
            if type_ids_list is not None and model.config.model_type != "mpnet":
                extra["token_type_ids"] = torch.tensor([type_ids_list[n]])
            h = model(input_ids=t, attention_mask=torch.ones_like(t), **extra).last_hidden_state[0]
            v = h[0] if pool == "cls" else h.mean(0)
            vecs.append(torch.nn.functional.normalize(v, dim=0))
    return torch.stack(vecs)


def calibrate(model, products, vocab_size, n_tokens, pool):
    """One fp32 pass over fixed pseudo-random ids; records max |x_j| per product input."""
    ids = [1000 + (i * 7919) % (vocab_size - 1000) for i in range(n_tokens)]
    for _, _, lin, _ in each(products):
        lin.mode = "fp32"
        lin.record = True
        lin.input_absmax = None
    embed(model, [ids], pool)
    for _, _, lin, _ in each(products):
        lin.record = False


def set_variant(products, smoothing, alpha, bf16_rule, n_layers):
    """bf16_rule: which products stay bf16 ('last-third': the engine's rule, Q/K/V,
    attention output and intermediate of the last third of the layers; 'last-third-all':
    all four there; 'last-layer': the three of the last layer only; 'none')."""
    first_bf16 = {"last-third": n_layers - math.ceil(n_layers / 3),
                  "last-third-all": n_layers - math.ceil(n_layers / 3),
                  "last-layer": n_layers - 1, "none": n_layers}[bf16_rule]
    for i, layer in enumerate(products):
        for kind, items in layer.items():
            lins = [getattr(parent, name) for parent, name, _ in items]
            ln = items[0][2]
            if i >= first_bf16 and (kind != "out" or bf16_rule == "last-third-all"):
                mode = "bf16"
            else:
                mode = "int8"
            # Q, K and V are one fused product in the engine: one input, one s_j.
            wmax = torch.stack([lin.weight.abs().amax(0) for lin in lins]).amax(0).clamp_min(1e-8)
            scale = None
            if smoothing == "weights" and ln is not None:
                a = (3.0 * ln.weight.detach().abs() + ln.bias.detach().abs()).clamp_min(1e-5)
                scale = a**alpha / wmax ** (1 - alpha)
            elif smoothing == "calib":
                a = lins[0].input_absmax.clamp_min(1e-5)
                scale = a**alpha / wmax ** (1 - alpha)
            for lin in lins:
                lin.mode = mode
                lin.column_scale = scale


def print_spread(model, products, ids_list, type_ids_list, ref, args):
    runs = []
    for seed in range(args.seeds):
        torch.manual_seed(seed)
        for _, _, lin, _ in each(products):
            lin.noise = args.noise
        runs.append((embed(model, ids_list, args.pool, type_ids_list) * ref).sum(1))
    for _, _, lin, _ in each(products):
        lin.noise = 0.0
    runs = torch.stack(runs)
    mean, sd = runs.mean(0), runs.std(0)
    worst = mean.argmin().item()
    print(f"      {args.seeds} seeds, noise {args.noise:g}: worst line mean {mean[worst].item():.5f} "
          f"(input {worst}, sd {sd[worst].item():.5f}, min {runs[:, worst].min().item():.5f}, "
          f"max {runs[:, worst].max().item():.5f}); worst per seed {runs.min(1).values.min().item():.5f} "
          f"to {runs.min(1).values.max().item():.5f}; lines with mean below 0.99: "
          f"{(mean < 0.99).sum().item()}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", action="append", required=True)
    ap.add_argument("--lines", action="append", required=True, help="JSON lines with ids, embedding")
    ap.add_argument("--pool", default="mean")
    ap.add_argument("--alpha", type=float, action="append")
    ap.add_argument("--calib-tokens", type=int, default=128)
    ap.add_argument("--rules", default="last-third,none,last-third-all")
    ap.add_argument("--smoothing", default="none,weights,calib")
    ap.add_argument("--seeds", type=int, default=0, help="perturbed runs per variant (see above)")
    ap.add_argument("--noise", type=float, default=3e-7, help="relative perturbation of product inputs")
    args = ap.parse_args()
    alphas = args.alpha or [0.5]
    torch.set_num_threads(2)
    for folder, lines in zip(args.model, args.lines):
        rows = [json.loads(line) for line in open(lines, encoding="utf-8")]
        rows = [r for r in rows if "embedding" in r]
        ids_list = [r["ids"] for r in rows]
        type_ids_list = [r.get("type_ids", [0] * len(r["ids"])) for r in rows]
        model = transformers.AutoModel.from_pretrained(folder, dtype=torch.float32).eval()
        products = wrap(model)
        n_layers = len(products)
        for _, _, lin, _ in each(products):
            lin.mode = "fp32"
        ref = embed(model, ids_list, args.pool, type_ids_list)
        file_ref = torch.tensor([r["embedding"] for r in rows])
        print(f"{folder}: {len(rows)} inputs, fp32 vs file min cosine "
              f"{(ref * file_ref).sum(1).min().item():.7f}", flush=True)
        calibrate(model, products, model.config.vocab_size, args.calib_tokens, args.pool)
        for rule in args.rules.split(","):
            for smoothing in args.smoothing.split(","):
                for alpha in alphas if smoothing != "none" else [None]:
                    set_variant(products, smoothing, alpha, rule, n_layers)
                    got = embed(model, ids_list, args.pool, type_ids_list)
                    cos = (got * ref).sum(1)
                    worst = cos.argmin().item()
                    print(f"  bf16 {rule:14s} smoothing {smoothing:8s} alpha {alpha}: "
                          f"worst {cos.min().item():.5f} (input {worst}, "
                          f"{len(ids_list[worst])} tokens) mean {cos.mean().item():.5f} "
                          f"below 0.99: {(cos < 0.99).sum().item()}", flush=True)
                    if args.seeds > 0:
                        print_spread(model, products, ids_list, type_ids_list, ref, args)


if __name__ == "__main__":
    main()
