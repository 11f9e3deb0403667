#!/usr/bin/env python3
"""Makes the tiny MPNet folders of tests/engine/data and their PyTorch reference outputs.

usage: make-mpnet-models.py [OUT_DIR]   (default: tests/engine/data beside this script)

Needs torch, transformers (5.25 made the committed files) and sentence-transformers (6.3);
the tests that read the folders need none of them. As make-family-models.py does for the
other families, for every head (MPNetModel as a sentence encoder, MPNetForSequence-
Classification, MPNetForTokenClassification) x dtype (F32, F16, BF16) it writes
families/mpnet-HEAD-DTYPE/: config.json and model.safetensors from save_pretrained
(2 layers, hidden 32, 4 heads, vocabulary 1000, 256 positions; random weights spread
wider than the default init, the relative position bias widest, so that a missing or
misplaced bias shows), a WordPiece vocab.txt of as many tokens (the engine needs a
tokenizer; the parity test feeds ids), for the encoder all-mpnet-base-v2's modules
(mean Pooling, then Normalize), and reference.jsonl in the format test-engine-parity reads.

The references are computed as sentence-transformers computes them: every input in one
batch, padded on the right with MPNet's padding id 1 and masked, through the saved folder
loaded back in float32 and, for the encoder, sentence-transformers' own Pooling and
Normalize modules. Each input alone must give the same outputs (within 1e-5; MPNet's
position bias depends only on positions, so padding changes nothing), which the script
checks. Inputs run from 1 token to the 256 the position table allows, with 200 and 256
token ones whose relative distances pass MPNet's max_distance of 128, a padding id inside
a sequence (position padding_idx, as PyTorch numbers it), and type ids of 1 that MPNet
ignores.

It also writes e2e/mpnet-wordpiece (F16, hidden 16, all-mpnet-base-v2's 514 positions)
sized for tests/tokenizer/data/wordpiece-shapes/mpnet/tokenizer.json (WordPiece with
RobertaProcessing, as all-mpnet-base-v2's), which the element test copies in, with
e2e/mpnet-wordpiece/reference.json: the outputs for texts tokenized by Hugging Face
tokenizers, one of them over 200 tokens.
"""
import json
import os
import shutil
import sys

import torch
import transformers
from sentence_transformers.sentence_transformer.modules import Normalize, Pooling
from tokenizers import Tokenizer
from fixture_weights import randomize, reference_line, rounded

HERE = os.path.dirname(os.path.abspath(__file__))
TOKENIZER_DATA = os.path.join(HERE, "..", "tokenizer", "data")
VOCAB_SIZE = 1000
MAX_POSITIONS = 256  # usable positions; MPNet's table has padding_idx + 1 = 2 more
PADDING_ID = 1  # MPNetEmbeddings.padding_idx, whatever pad_token_id says
BIAS_SPREAD = {"relative_attention_bias": 1.0}  # the relative position bias drawn wider: it must show
DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}
HEADS = {"encoder": "MPNetModel", "sequence": "MPNetForSequenceClassification",
         "token": "MPNetForTokenClassification"}
SEQUENCE_LABELS = ["NEGATIVE", "NEUTRAL", "POSITIVE"]
TOKEN_LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
E2E_TOKENIZER = os.path.join("wordpiece-shapes", "mpnet")
E2E_TEXTS = ["Hello world, this is a caption.", "Ça va? Très bien, merci!", "Guten Morgen 123", "a",
             "   spaced   out   ", "日本語 and ünïcödé, a word the vocabulary lacks: zxqv.",
             " ".join(["The quick brown fox jumps over the lazy dog near the river bank."] * 6)]


def make_config(labels, hidden=32, heads=4, intermediate=64, vocab_size=VOCAB_SIZE,
                max_positions=MAX_POSITIONS):
    label_fields = {}
    if labels:
        label_fields = {"id2label": dict(enumerate(labels)),
                        "label2id": {name: i for i, name in enumerate(labels)}}
    return transformers.MPNetConfig(
        vocab_size=vocab_size, hidden_size=hidden, num_hidden_layers=2, num_attention_heads=heads,
        intermediate_size=intermediate, max_position_embeddings=max_positions + 2,
        relative_attention_num_buckets=32, layer_norm_eps=1e-5, pad_token_id=PADDING_ID, bos_token_id=0,
        eos_token_id=2, **label_fields)


def write_vocab(folder, vocab_size):
    """MPNet's special tokens, at MPNet's ids (all-mpnet-base-v2's [UNK] and <mask> moved
    in): a folder with only vocab.txt is read with MPNetTokenizer's, as transformers reads
    it, and every special token is in the vocabulary (none is added past vocab_size). The
    parity test feeds ids."""
    tokens = ["<s>", "<pad>", "</s>", "[UNK]", "<mask>"]
    tokens += ["w%d" % i for i in range(vocab_size - len(tokens))]
    with open(os.path.join(folder, "vocab.txt"), "w") as f:
        f.write("\n".join(tokens) + "\n")


def write_modules(folder, hidden):
    """all-mpnet-base-v2's modules.json and 1_Pooling/config.json."""
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
               {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]
    with open(os.path.join(folder, "modules.json"), "w") as f:
        json.dump(modules, f, indent=2)
    os.makedirs(os.path.join(folder, "1_Pooling"), exist_ok=True)
    with open(os.path.join(folder, "1_Pooling", "config.json"), "w") as f:
        json.dump({"word_embedding_dimension": hidden, "pooling_mode_cls_token": False,
                   "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
                   "pooling_mode_mean_sqrt_len_tokens": False}, f, indent=2)
    os.makedirs(os.path.join(folder, "2_Normalize"), exist_ok=True)


def inputs_for(seed):
    """(ids, type_ids) pairs, <s> first and </s> last from 2 tokens on."""
    generator = torch.Generator().manual_seed(1000 + seed)
    inputs = []
    for length in [1, 2, 5, 9, 17, 40, 130, 200, MAX_POSITIONS]:
        ids = torch.randint(5, VOCAB_SIZE, (length,), generator=generator).tolist()
        if length >= 2:
            ids[0], ids[-1] = 0, 2
        inputs.append((ids, [0] * length))
    ids = [0, 7, PADDING_ID, 9, PADDING_ID, 11, 2]  # padding ids inside: position padding_idx
    inputs.append((ids, [0] * len(ids)))
    ids = inputs[3][0]
    inputs.append((ids, [1] * len(ids)))  # type ids the model must ignore
    return inputs


def padded_batch(all_ids):
    longest = max(len(ids) for ids in all_ids)
    input_ids = torch.full((len(all_ids), longest), PADDING_ID, dtype=torch.long)
    attention_mask = torch.zeros((len(all_ids), longest), dtype=torch.long)
    for row, ids in enumerate(all_ids):
        input_ids[row, :len(ids)] = torch.tensor(ids)
        attention_mask[row, :len(ids)] = 1
    return input_ids, attention_mask


def run_batch(model, head, all_ids):
    """Per input, its outputs as lists: sentence-transformers' embedding and the first
    token's last hidden state, or logits, or token logits."""
    input_ids, attention_mask = padded_batch(all_ids)
    with torch.no_grad():
        output = model(input_ids=input_ids, attention_mask=attention_mask)
        if head == "encoder":
            features = {"token_embeddings": output.last_hidden_state, "attention_mask": attention_mask}
            hidden = model.config.hidden_size
            features = Normalize()(Pooling(hidden, pooling_mode="mean")(features))
            return [{"embedding": features["sentence_embedding"][row],
                     "first_token": output.last_hidden_state[row, 0]} for row in range(len(all_ids))]
        if head == "sequence":
            return [{"logits": output.logits[row]} for row in range(len(all_ids))]
        return [{"token_logits": output.logits[row, :len(ids)]} for row, ids in enumerate(all_ids)]


def check_alone_matches_batch(model, head, all_ids, batched):
    for ids, together in zip(all_ids, batched):
        alone = run_batch(model, head, [ids])[0]
        for key, value in together.items():
            difference = (alone[key] - value).abs().max().item()
            assert difference <= 1e-5, "%s: %d tokens alone differ by %g from the batch" % (
                key, len(ids), difference)


def load_float32(folder, head):
    model = getattr(transformers, HEADS[head]).from_pretrained(folder, dtype=torch.float32,
                                                               attn_implementation="eager")
    return model.eval()


def make_folder(out_dir, head, dtype_name, seed):
    labels = {"encoder": None, "sequence": SEQUENCE_LABELS, "token": TOKEN_LABELS}[head]
    folder = os.path.join(out_dir, "families", "mpnet-%s-%s" % (head, dtype_name))
    shutil.rmtree(folder, ignore_errors=True)
    torch.manual_seed(seed)
    config = make_config(labels)
    model = getattr(transformers, HEADS[head])(config)
    randomize(model, seed, BIAS_SPREAD)
    model.to(DTYPES[dtype_name]).save_pretrained(folder)
    write_vocab(folder, VOCAB_SIZE)
    if head == "encoder":
        write_modules(folder, config.hidden_size)
    model = load_float32(folder, head)
    inputs = inputs_for(seed)
    all_ids = [ids for ids, _ in inputs]
    batched = run_batch(model, head, all_ids)
    check_alone_matches_batch(model, head, all_ids, batched)
    with open(os.path.join(folder, "reference.jsonl"), "w") as f:
        for (ids, type_ids), outputs in zip(inputs, batched):
            f.write(json.dumps(reference_line(head, ids, type_ids, outputs, labels)) + "\n")


def make_e2e_folder(out_dir):
    tokenizer = Tokenizer.from_file(os.path.join(TOKENIZER_DATA, E2E_TOKENIZER, "tokenizer.json"))
    folder = os.path.join(out_dir, "e2e", "mpnet-wordpiece")
    shutil.rmtree(folder, ignore_errors=True)
    torch.manual_seed(99)
    config = make_config(None, hidden=16, heads=2, intermediate=32, vocab_size=tokenizer.get_vocab_size(True),
                         max_positions=512)
    model = transformers.MPNetModel(config)
    randomize(model, 99, BIAS_SPREAD)
    model.to(torch.float16).save_pretrained(folder)
    write_modules(folder, 16)
    model = load_float32(folder, "encoder")
    all_ids = [tokenizer.encode(text).ids for text in E2E_TEXTS]
    assert max(len(ids) for ids in all_ids) > 200 and any(PADDING_ID in ids[1:-1] for ids in all_ids)
    batched = run_batch(model, "encoder", all_ids)
    check_alone_matches_batch(model, "encoder", all_ids, batched)
    references = [dict(text=text, ids=ids, embedding=rounded(outputs["embedding"].tolist()))
                  for text, ids, outputs in zip(E2E_TEXTS, all_ids, batched)]
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump({"tokenizer": E2E_TOKENIZER, "lines": references}, f, indent=1)


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "data")
    seed = 200
    for head in HEADS:
        for dtype_name in DTYPES:
            make_folder(out_dir, head, dtype_name, seed)
            seed += 1
    make_e2e_folder(out_dir)


if __name__ == "__main__":
    main()
