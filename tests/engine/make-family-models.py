#!/usr/bin/env python3
"""Makes the tiny DistilBERT, RoBERTa, XLM-R and CamemBERT folders of tests/engine/data
and their PyTorch reference outputs.

usage: make-family-models.py [OUT_DIR]   (default: tests/engine/data beside this script)

Needs torch and transformers (5.24 made the committed files); the tests that read the
folders need neither. For every architecture x head x dtype (F32, F16, BF16) it writes
families/ARCH-HEAD-DTYPE/: config.json and model.safetensors from transformers'
save_pretrained (random weights, spread wider than the default init so that a wrong
position, head or LayerNorm shows), a small WordPiece vocab.txt (the engine needs a
tokenizer; the parity test feeds ids), sentence-transformers mean pooling for the
encoder, and reference.jsonl: for a handful of token-id inputs, PyTorch's outputs in the
format test-engine-parity reads.

The reference loads the saved folder back in float32, so F16 and BF16 weights are
widened exactly as the engine widens them and both compute in fp32: the same tolerance
(1e-4) holds for every dtype. Inputs include a sequence of the longest length the
position table allows, and for RoBERTa a padding token inside a sequence (PyTorch gives
it position padding_idx and does not count it). DistilBERT and RoBERTa tokenizers give
their models no token type ids, so the references use none, and one input's type ids
are 1 to check that the engine ignores them.

It also writes e2e/roberta-bpe and e2e/xlm-roberta-unigram (F16, hidden 12) sized for
the byte-level BPE and Unigram fixtures of tests/tokenizer/data, which the element test
copies in, with e2e/*/reference.json: PyTorch's outputs for texts tokenized by Hugging
Face tokenizers.
"""
import json
import os
import shutil
import sys

import torch
import transformers
from tokenizers import Tokenizer
from fixture_weights import randomize, rounded

HERE = os.path.dirname(os.path.abspath(__file__))
TOKENIZER_DATA = os.path.join(HERE, "..", "tokenizer", "data")
VOCAB_SIZE = 40
MAX_POSITIONS = 24  # usable positions; RoBERTa's table has padding_idx + 1 more
DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}
HEADS = {"encoder": "AutoModel", "sequence": "AutoModelForSequenceClassification",
         "token": "AutoModelForTokenClassification"}
SEQUENCE_LABELS = ["NEGATIVE", "NEUTRAL", "POSITIVE"]
TOKEN_LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
E2E_TEXTS = ["Hello world, this is a caption.", "Ça va? Très bien, merci!", "Guten Morgen 123",
             "a", "   spaced   out   "]


def make_config(arch, labels, hidden=16, heads=2, intermediate=32, vocab_size=VOCAB_SIZE):
    label_fields = {}
    if labels:
        label_fields = {"id2label": dict(enumerate(labels)),
                        "label2id": {name: i for i, name in enumerate(labels)}}
    if arch == "distilbert":
        return transformers.DistilBertConfig(
            vocab_size=vocab_size, dim=hidden, n_layers=2, n_heads=heads, hidden_dim=intermediate,
            max_position_embeddings=MAX_POSITIONS, **label_fields)
    config_class = {"roberta": transformers.RobertaConfig, "xlm-roberta": transformers.XLMRobertaConfig,
                    "camembert": transformers.CamembertConfig}[arch]
    return config_class(
        vocab_size=vocab_size, hidden_size=hidden, num_hidden_layers=2, num_attention_heads=heads,
        intermediate_size=intermediate, max_position_embeddings=MAX_POSITIONS + 2, type_vocab_size=1,
        layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=0, eos_token_id=2, **label_fields)


def write_vocab(folder, vocab_size):
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokens += [chr(ord("a") + i) for i in range(vocab_size - len(tokens))]
    with open(os.path.join(folder, "vocab.txt"), "w") as f:
        f.write("\n".join(tokens) + "\n")


def write_pooling(folder, hidden):
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    with open(os.path.join(folder, "modules.json"), "w") as f:
        json.dump(modules, f, indent=2)
    os.makedirs(os.path.join(folder, "1_Pooling"), exist_ok=True)
    with open(os.path.join(folder, "1_Pooling", "config.json"), "w") as f:
        json.dump({"word_embedding_dimension": hidden, "pooling_mode_cls_token": False,
                   "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False}, f, indent=2)


def inputs_for(arch, seed):
    """(ids, type_ids) pairs: BOS/CLS first and EOS/SEP last where the family has them."""
    generator = torch.Generator().manual_seed(1000 + seed)
    bos, eos = (2, 3) if arch == "distilbert" else (0, 2)
    lengths = [1, 2, 5, 9, 17, MAX_POSITIONS]
    inputs = []
    for length in lengths:
        ids = torch.randint(3, VOCAB_SIZE, (length,), generator=generator).tolist()
        if length >= 2:
            ids[0], ids[-1] = bos, eos
        inputs.append((ids, [0] * length))
    if arch != "distilbert":
        ids = [0, 7, 1, 9, 1, 11, 2]  # padding tokens (id 1) inside: position padding_idx
        inputs.append((ids, [0] * len(ids)))
    ids = inputs[3][0]
    inputs.append((ids, [1] * len(ids)))  # type ids the model must ignore
    return inputs


def forward(model, head, ids, labels):
    input_ids = torch.tensor([ids])
    with torch.no_grad():
        if head == "encoder":
            hidden = model(input_ids=input_ids, attention_mask=torch.ones_like(input_ids)).last_hidden_state[0]
            return {"embedding": rounded(hidden.mean(0).tolist()),
                    "last_hidden_state_first_token": rounded(hidden[0].tolist())}
        logits = model(input_ids=input_ids, attention_mask=torch.ones_like(input_ids)).logits[0]
    if head == "sequence":
        return {"logits": rounded(logits.tolist()), "probs": rounded(torch.softmax(logits, -1).tolist()),
                "label": labels[int(logits.argmax())]}
    return {"token_logits": rounded(logits.tolist()), "token_labels": [labels[int(i)] for i in logits.argmax(-1)]}


def load_float32(folder, head):
    model = getattr(transformers, HEADS[head]).from_pretrained(folder, dtype=torch.float32,
                                                               attn_implementation="eager")
    return model.eval()


def make_folder(out_dir, arch, head, dtype_name, seed):
    labels = {"encoder": None, "sequence": SEQUENCE_LABELS, "token": TOKEN_LABELS}[head]
    folder = os.path.join(out_dir, "families", "%s-%s-%s" % (arch, head, dtype_name))
    shutil.rmtree(folder, ignore_errors=True)
    torch.manual_seed(seed)
    config = make_config(arch, labels)
    model = getattr(transformers, HEADS[head]).from_config(config)
    randomize(model, seed)
    model.to(DTYPES[dtype_name]).save_pretrained(folder)
    write_vocab(folder, VOCAB_SIZE)
    if head == "encoder":
        write_pooling(folder, config.hidden_size if arch != "distilbert" else config.dim)
    model = load_float32(folder, head)
    with open(os.path.join(folder, "reference.jsonl"), "w") as f:
        for ids, type_ids in inputs_for(arch, seed):
            line = {"ids": ids, "type_ids": type_ids}
            line.update(forward(model, head, ids, labels))
            f.write(json.dumps(line) + "\n")


def make_e2e_folder(out_dir, name, arch, tokenizer_dir):
    tokenizer = Tokenizer.from_file(os.path.join(TOKENIZER_DATA, tokenizer_dir, "tokenizer.json"))
    folder = os.path.join(out_dir, "e2e", name)
    shutil.rmtree(folder, ignore_errors=True)
    torch.manual_seed(99)
    config = make_config(arch, None, hidden=12, heads=2, intermediate=24,
                         vocab_size=tokenizer.get_vocab_size(True))
    model = transformers.AutoModel.from_config(config)
    randomize(model, 99)
    model.to(torch.float16).save_pretrained(folder)
    write_pooling(folder, 12)
    model = load_float32(folder, "encoder")
    references = []
    for text in E2E_TEXTS:
        ids = tokenizer.encode(text).ids
        references.append(dict(text=text, ids=ids, **forward(model, "encoder", ids, None)))
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump({"tokenizer": tokenizer_dir, "lines": references}, f, indent=1)


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "data")
    seed = 0
    for arch in ["distilbert", "roberta", "xlm-roberta", "camembert"]:
        for head in HEADS:
            for dtype_name in DTYPES:
                make_folder(out_dir, arch, head, dtype_name, seed)
                seed += 1
    make_e2e_folder(out_dir, "roberta-bpe", "roberta", "bpe-roberta")
    make_e2e_folder(out_dir, "xlm-roberta-unigram", "xlm-roberta", "unigram-nmt-nfkc")


if __name__ == "__main__":
    main()
