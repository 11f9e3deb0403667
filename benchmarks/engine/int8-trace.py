#!/usr/bin/env python3
"""The engine's int8 on one sequence against PyTorch emulations of its scheme, step by step.

Reads what build/benchmarks/engine/int8-trace wrote for the sequence (every layer's
activations in the engine, at int8 and at fp32) and runs the same ids through the
model in transformers, with the encoder's Linear products replaced by emulations:

  engine  the scheme as the kernels document it (bert_cpu_gemm_int8.c): per output
          feature q_w = rint (w * (127 / max |w|)) in [-127, 127], per row
          q_x = rint (x * (127 / max |x|)), exact int32 sums, then in fp32
          fma (float (sum), scale_w * scale_x, bias); bf16 products round x and W to
          nearest even and sum in fp32.
  div     benchmarks/engine/int8-smoothing-emulation.py's: q = round (v / (max / 127)),
          exact sums, (sum * scale_x) * scale_w + bias.
  deq     the first emulation (docs/models.md): the same q, dequantized
          (q * scale), then an fp32 torch.nn.functional.linear.

Each uses the engine's rule for which products stay bf16 (the last third of the layers
but the output product). Printed:
  1. each product of the engine's int8 pass on the engine's own inputs against the
     engine scheme (teacher-forced): whether the kernels follow their documented scheme;
  2. each layer of the engine's int8 pass on the engine's own inputs against the same
     layer emulated (teacher-forced): what a layer adds; and how much one layer's
     output moves, in int8 and in fp32, when its input moves a little;
  3. the free-running chains: per layer, the relative error of the hidden states to
     fp32, for the engine and each emulation, and the final cosine to fp32;
  4. how much the final cosine moves when each product's input is perturbed by a few
     units in the last place (seeds), in the engine scheme: the spread that any two
     implementations differing only in fp32 rounding can show.

MPNet models only (the products are found by transformers' MPNet module names; the C
program runs any encoder with mean pooling). Not in CI: needs torch and transformers (/tmp/venv-torch) and the model folder.

  build/benchmarks/engine/int8-trace MODEL REF.jsonl LINE /tmp/trace-int8 int8
  build/benchmarks/engine/int8-trace MODEL REF.jsonl LINE /tmp/trace-fp32 fp32
  /tmp/venv-torch/bin/python benchmarks/engine/int8-trace.py MODEL REF.jsonl LINE \\
      /tmp/trace-int8 /tmp/trace-fp32
"""

import argparse
import json
import math
import os

import numpy as np
import torch
import transformers

PRODUCTS = ("qkv", "attention_output", "intermediate", "output")
# The engine's dump holding each product's input.
PRODUCT_INPUT = {"qkv": "in", "attention_output": "context", "intermediate": "attention_layernorm",
                 "output": "activation"}


def read_dump(folder):
    out = {}
    for line in open(os.path.join(folder, "index.txt"), encoding="utf-8"):
        name, rows, columns = line.split()
        data = np.fromfile(os.path.join(folder, name + ".f32"), dtype="<f4")
        out[name] = torch.from_numpy(data.reshape(int(rows), int(columns)).copy())
    return out


def read_formats(folder):
    formats = {}
    for line in open(os.path.join(folder, "formats.txt"), encoding="utf-8"):
        layer, product, fmt = line.split()
        formats[(int(layer), product)] = fmt
    return formats


def bf16(t):
    return t.to(torch.bfloat16).to(torch.float32)


def quantize_engine(v):
    """Per row of v: (q as float, scale), as bert_cpu_gemm_int8.c does in fp32."""
    max_abs = v.abs().amax(-1, keepdim=True)
    inverse = torch.where(max_abs > 0, torch.tensor(127.0) / max_abs, torch.tensor(0.0))
    return torch.round(v * inverse), max_abs / torch.tensor(127.0)


def quantize_div(v):
    scale = v.abs().amax(-1, keepdim=True) / 127.0
    return torch.round(v / torch.where(scale > 0, scale, 1.0)), scale


def product(x, weight, bias, fmt, style, noise=None):
    """One Linear product y = x W^T + b in fmt ('int8', 'bf16', 'fp32') and style."""
    if noise is not None:
        x = x * (1 + noise * torch.randn_like(x))
    if fmt == "fp32":
        return x @ weight.T + bias
    if fmt == "bf16":
        return ((bf16(x).double() @ bf16(weight).double().T) + bias.double()).float()
    if style == "engine":
        qw, sw = quantize_engine(weight)
        qw = qw.clamp(-127, 127)
        qx, sx = quantize_engine(x)
        sums = (qx.double() @ qw.double().T).float()  # exact int32, rounded to fp32 as vcvtdq2ps
        scale = (sx * sw.T).float()  # fp32 product, as the kernel's vmulps
        return (sums.double() * scale.double() + bias.double()).float()  # one rounding, as vfmadd
    qw, sw = quantize_div(weight)
    qx, sx = quantize_div(x)
    if style == "div":
        return (qx.double() @ qw.double().T).float() * sx * sw.T + bias
    return torch.nn.functional.linear(qx * sx, qw * sw, bias)  # deq


class EmulatedLinear(torch.nn.Module):
    def __init__(self, linear, fmt):
        super().__init__()
        self.weight = linear.weight.detach().clone()
        self.bias = linear.bias.detach().clone()
        self.fmt = fmt
        self.style = "fp32"
        self.noise = None

    def forward(self, x):
        shape = x.shape
        y = product(x.reshape(-1, shape[-1]), self.weight, self.bias,
                    "fp32" if self.style == "fp32" else self.fmt, self.style, self.noise)
        return y.reshape(*shape[:-1], y.shape[-1])


def wrap(model, formats):
    lins = []
    for i, layer in enumerate(model.encoder.layer):
        attn = layer.attention.attn
        for name in ("q", "k", "v"):
            setattr(attn, name, EmulatedLinear(getattr(attn, name), formats[(i, "qkv")]))
        attn.o = EmulatedLinear(attn.o, formats[(i, "attention_output")])
        layer.intermediate.dense = EmulatedLinear(layer.intermediate.dense, formats[(i, "intermediate")])
        layer.output.dense = EmulatedLinear(layer.output.dense, formats[(i, "output")])
        lins += [attn.q, attn.k, attn.v, attn.o, layer.intermediate.dense, layer.output.dense]
    return lins


def layer_weights(model, i, name):
    layer = model.encoder.layer[i]
    attn = layer.attention.attn
    if name == "qkv":
        return (torch.cat([attn.q.weight, attn.k.weight, attn.v.weight]),
                torch.cat([attn.q.bias, attn.k.bias, attn.v.bias]))
    lin = {"attention_output": attn.o, "intermediate": layer.intermediate.dense,
           "output": layer.output.dense}[name]
    return lin.weight, lin.bias


def relative(a, b):
    return ((a.double() - b.double()).norm() / b.double().norm()).item()


def check_products(model, dump, formats, n_layers):
    print("1. products on the engine's inputs: engine int8 kernels vs the documented scheme")
    print("   layer product  format  max|diff|/max|y|  elements > 1e-5 rel  "
          "row scales (min..max)  zero rows  |x*127/max| > 127.5")
    worst = 0.0
    for i in range(n_layers):
        for name in PRODUCTS:
            x = dump[f"{i:02d}.{PRODUCT_INPUT[name]}"]
            y = dump[f"{i:02d}.{name}"]
            weight, bias = layer_weights(model, i, name)
            fmt = formats[(i, name)]
            want = product(x, weight, bias, fmt, "engine")
            diff = (y - want).abs()
            top = y.abs().max()
            worst = max(worst, (diff.max() / top).item())
            max_abs = x.abs().amax(-1, keepdim=True)
            over = (x * torch.where(max_abs > 0, 127.0 / max_abs, 0.0)).abs().max().item() > 127.5
            print(f"   {i:5d} {name:17s} {fmt:5s} {(diff.max() / top).item():10.2e} "
                  f"{int((diff > 1e-5 * top).sum()):10d}      {(max_abs.min() / 127).item():.3g}.."
                  f"{(max_abs.max() / 127).item():.3g}  {int((max_abs == 0).sum()):5d}  {over}")
    print(f"   worst max|diff|/max|y| over every product: {worst:.2e}")


def run_layer(model, i, hidden, position_bias):
    out = model.encoder.layer[i](hidden[None], None, position_bias=position_bias)
    return (out[0] if isinstance(out, tuple) else out)[0]


def free_chain(model, ids):
    """Hidden states after each layer and the normalized mean embedding."""
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=torch.ones_like(ids), output_hidden_states=True)
    states = [h[0] for h in out.hidden_states[1:]]
    return states, torch.nn.functional.normalize(states[-1].mean(0), dim=0)


def set_style(lins, style, noise=None):
    for lin in lins:
        lin.style = style
        lin.noise = noise


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("reference", help="the JSONL int8-trace read the ids from")
    ap.add_argument("line", type=int)
    ap.add_argument("int8_dump")
    ap.add_argument("fp32_dump")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--sweep-layer", type=int, default=1, help="the layer whose input is moved in 2.")
    ap.add_argument("--noise", type=float, default=3e-7,
                    help="relative perturbation of every product input (fp32's ulp: 6e-8 to 1.2e-7)")
    args = ap.parse_args()
    torch.set_num_threads(2)
    row = json.loads(open(args.reference, encoding="utf-8").read().splitlines()[args.line - 1])
    ids = torch.tensor([row["ids"]])
    engine = read_dump(args.int8_dump)
    engine32 = read_dump(args.fp32_dump)
    formats = read_formats(args.int8_dump)
    model = transformers.AutoModel.from_pretrained(args.model, dtype=torch.float32).eval()
    if model.config.model_type != "mpnet":
        raise SystemExit(f"{args.model}: model_type {model.config.model_type}, this script reads MPNet only")
    n_layers = model.config.num_hidden_layers
    lins = wrap(model, formats)

    set_style(lins, "fp32")
    fp32_states, fp32_embedding = free_chain(model, ids)
    print(f"{args.model}, line {args.line}: {ids.shape[1]} tokens")
    print(f"0. engine fp32 vs transformers fp32: worst layer relative error "
          f"{max(relative(engine32[f'{i:02d}.out'], fp32_states[i]) for i in range(n_layers)):.1e}; "
          f"traced vs engine embedding max |diff| "
          f"{(engine['embedding'] - engine['engine_embedding']).abs().max().item():.1e}")

    with torch.no_grad():
        check_products(model, engine, formats, n_layers)

        print("2. layers on the engine's inputs: engine int8 vs the engine scheme emulated")
        position_bias = model.encoder.compute_position_bias(engine["00.in"][None])
        for i in range(n_layers):
            hidden = engine[f"{i:02d}.in"]
            set_style(lins, "fp32")
            exact = run_layer(model, i, hidden, position_bias)
            set_style(lins, "engine")
            got = run_layer(model, i, hidden, position_bias)
            print(f"   layer {i:2d}: relative difference {relative(engine[f'{i:02d}.out'], got):.2e} "
                  f"(the emulated layer's error to fp32 on the same input: {relative(got, exact):.2e})")

        layer = args.sweep_layer
        print(f"   layer {layer} on the engine's input times (1 + d N(0,1)): relative change of its output")
        hidden = engine[f"{layer:02d}.in"]
        base = {}
        for style in ("engine", "fp32"):
            set_style(lins, style)
            base[style] = run_layer(model, layer, hidden, position_bias)
        for d in (1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3):
            torch.manual_seed(0)
            moved = hidden * (1 + d * torch.randn_like(hidden))
            changes = []
            for style in ("engine", "fp32"):
                set_style(lins, style)
                changes.append(relative(run_layer(model, layer, moved, position_bias), base[style]))
            print(f"     d {d:.0e}: int8 {changes[0]:.2e}, fp32 {changes[1]:.2e}")

        print("3. free-running: relative error of each layer's output to fp32")
        chains = {"engine (C)": ([engine[f"{i:02d}.out"] for i in range(n_layers)],
                                 engine["engine_embedding"][0])}
        for style in ("engine", "div", "deq"):
            set_style(lins, style)
            chains[f"emulated {style}"] = free_chain(model, ids)
        print("   layer " + "".join(f"{name:>18s}" for name in chains))
        for i in range(n_layers):
            print(f"   {i:5d} " + "".join(f"{relative(states[i], fp32_states[i]):18.4f}"
                                      for states, _ in chains.values()))
        print("   cosine" + "".join(f"{(emb @ fp32_embedding).item():18.5f}" for _, emb in chains.values()))
        c_states, c_embedding = chains["engine (C)"]
        e_states, e_embedding = chains["emulated engine"]
        print("   engine (C) vs emulated engine, per layer: "
              + " ".join(f"{relative(c_states[i], e_states[i]):.1e}" for i in range(n_layers))
              + f"; embeddings' cosine {(c_embedding @ e_embedding).item():.6f}")
        per_token = torch.nn.functional.cosine_similarity(c_states[-1], fp32_states[-1], dim=1)
        worst = per_token.argsort()[:3].tolist()
        print("   engine (C) last layer, worst tokens' cosine to fp32: "
              + ", ".join(f"token {t} (id {row['ids'][t]}) {per_token[t].item():.4f}" for t in worst))

        print(f"4. every product input times (1 + {args.noise:g} N(0,1)), cosine to fp32 over seeds:")
        for style in ("engine", "div"):
            cosines = []
            for seed in range(args.seeds):
                torch.manual_seed(seed)
                set_style(lins, style, args.noise)
                cosines.append((free_chain(model, ids)[1] @ fp32_embedding).item())
            mean = sum(cosines) / len(cosines)
            sd = math.sqrt(sum((c - mean) ** 2 for c in cosines) / (len(cosines) - 1))
            below = sum(c < 0.99 for c in cosines)
            print(f"   emulated {style:6s} {args.seeds} seeds: min {min(cosines):.5f} max {max(cosines):.5f} "
                  f"mean {mean:.5f} sd {sd:.5f}, {below} below 0.99")

if __name__ == "__main__":
    main()
