"""The CPU peers a speed-minded user would pick, on the same sentences as peer-bench.py:
ONNX Runtime with its transformer fusions (onnxruntime.transformers.optimizer) in fp32 and,
quantized by quantize_dynamic (int8 weights, dynamic int8 activations), in int8; OpenVINO
reading the same exported ONNX graph in fp32 and with INFERENCE_PRECISION_HINT bf16. All with
2 threads, batches in input order padded to their longest sentence, Hugging Face tokenization,
mean pooling and L2 norm included in the timing, as shared/scripts/peer-bench.py does for its
peers (whose export this reuses: the same graph and file name in the temporary folder).
set-up: python3 -m venv /tmp/venv-NAME && /tmp/venv-NAME/bin/pip install -r shared/scripts/requirements-peers.txt
usage:  /tmp/venv-NAME/bin/python benchmarks/peer-lowprec.py MODEL_DIR TEXT_FILE [--batch B] [--engine NAME]
Prints sentences/s and ms per batch at batch 1, 8, 32 and 128 (or B) over the first
max(256, 4B) sentences, for each peer (or --engine ort-opt-fp32|ort-opt-int8|openvino-fp32|
openvino-bf16), after checking each against the exported graph in plain ONNX Runtime fp32
(min cosine over the first 256 sentences)."""
import os, sys, time, tempfile
import numpy as np, onnx, torch
import onnxruntime as ort
import openvino as ov
from onnxruntime.quantization import quantize_dynamic, QuantType
from onnxruntime.transformers import optimizer
from transformers import AutoTokenizer, AutoModel

args = sys.argv[1:]
def option(name):
    if name not in args: return None
    i = args.index(name); value = args[i + 1]; del args[i:i + 2]; return value
batch_sizes = [int(option("--batch"))] if "--batch" in args else [1, 8, 32, 128]
engine = option("--engine")
model_dir, text_file = args[0], args[1]
sentences = [l for l in open(text_file, encoding="utf-8").read().split("\n") if l.strip()]
torch.set_num_threads(2)
tok = AutoTokenizer.from_pretrained(model_dir)
max_length = 256  # all-MiniLM-L6-v2's max_seq_length, as sentence-transformers truncates
tmp = tempfile.gettempdir()
base = os.path.join(tmp, os.path.basename(os.path.normpath(model_dir)))
onnx_path = base + ".onnx"
if not os.path.exists(onnx_path):  # the export of peer-bench.py
    bert = AutoModel.from_pretrained(model_dir, attn_implementation="eager").eval().requires_grad_(False)
    class Encoder(torch.nn.Module):
        def forward(self, i, a, t): return bert(input_ids=i, attention_mask=a, token_type_ids=t).last_hidden_state
    x = tok(["a b c", "d"], padding=True, return_tensors="pt")
    torch.onnx.export(Encoder(), (x["input_ids"], x["attention_mask"], x["token_type_ids"]), onnx_path, dynamo=False,
                      input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
                      dynamic_axes={k: {0: "b", 1: "t"} for k in ["input_ids", "attention_mask", "token_type_ids", "last_hidden_state"]},
                      opset_version=17)
config = AutoModel.from_pretrained(model_dir).config
opt_path, int8_path = base + "-opt.onnx", base + "-opt-int8.onnx"
if not os.path.exists(opt_path):
    optimizer.optimize_model(onnx_path, model_type="bert", num_heads=config.num_attention_heads,
                             hidden_size=config.hidden_size).save_model_to_file(opt_path)
if not os.path.exists(int8_path):
    quantize_dynamic(opt_path, int8_path, weight_type=QuantType.QInt8,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})

def ort_session(path):
    so = ort.SessionOptions(); so.intra_op_num_threads = 2; so.inter_op_num_threads = 1
    session = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    return lambda feeds: session.run(None, {k: v for k, v in feeds.items() if k in names})[0]

def openvino_model(hint):
    compiled = ov.Core().compile_model(onnx_path, "CPU", {"INFERENCE_PRECISION_HINT": hint,
                                                          "INFERENCE_NUM_THREADS": 2})
    return lambda feeds: compiled(feeds)[0]

def embedder(run):
    def embed(texts):
        x = tok(texts, padding=True, truncation=True, max_length=max_length, return_tensors="np")
        h = run({k: x[k].astype(np.int64) for k in ["input_ids", "attention_mask", "token_type_ids"]})
        m = x["attention_mask"][..., None].astype(np.float32)
        e = (h * m).sum(1) / m.sum(1)
        return e / np.linalg.norm(e, axis=1, keepdims=True)
    return embed

peers = {"ort-opt-fp32": lambda: ort_session(opt_path), "ort-opt-int8": lambda: ort_session(int8_path),
         "openvino-fp32": lambda: openvino_model("f32"), "openvino-bf16": lambda: openvino_model("bf16")}
reference = embedder(ort_session(onnx_path))(sentences[:256])
for name, make in peers.items():
    if engine and name != engine: continue
    fn = embedder(make())
    cos = (fn(sentences[:256]) * reference).sum(1)
    print(f"{name}: min cosine to the plain ONNX Runtime fp32 graph {cos.min():.5f}")
    for B in batch_sizes:
        n = min(len(sentences), max(256, 4 * B)); work = sentences[:n]
        fn(work[:B]); t = time.perf_counter()
        for i in range(0, n, B): fn(work[i:i + B])
        s = time.perf_counter() - t
        print(f"batch {B:3d} {name:22s} {n / s:7.1f} sentences/s  {1000 * s / ((n + B - 1) // B):7.2f} ms/batch")
