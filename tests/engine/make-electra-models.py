#!/usr/bin/env python3
"""Makes the tiny ELECTRA folders of tests/engine/data and their PyTorch reference outputs.

usage: make-electra-models.py [OUT_DIR]   (default: tests/engine/data beside this script)

Needs torch, transformers (5.25 made the committed files) and sentence-transformers (6.3);
the tests that read the folders need none of them. ELECTRA discriminators are BERT
encoders with their own tensor names (electra.), an embedding width (embedding_size) that
may differ from hidden_size, in which case a Linear layer (electra.embeddings_project)
maps the embeddings' LayerNorm output to hidden_size, and a sequence classification head
of two Linear layers with an erf GELU between them (ElectraClassificationHead, whatever
hidden_act says). It writes:

  families/electra-HEAD-DTYPE         ElectraModel as a sentence encoder (mean Pooling),
                                      ElectraForSequenceClassification (3 labels),
                                      ElectraForTokenClassification (5 labels), in F32, F16
                                      and BF16; embedding_size = hidden_size (16), as
                                      electra-base has them: no projection
  families/electra-small-HEAD-f32     the same heads with embedding_size 8 < hidden_size 16,
                                      as electra-small (128 < 256) has them: the projection;
                                      the encoder with CLS pooling and Normalize
  pairs/electra-wordpiece             a reranker as cross-encoder/ms-marco-electra-base is
                                      one: ElectraForSequenceClassification with one label,
                                      F16, embedding_size 8 < hidden_size 12, an
                                      ElectraTokenizer vocab.txt, and config.json's
                                      sentence-transformers CrossEncoder activation_fn
                                      (Sigmoid); reference.json as make-pair-models.py writes
                                      it (test-pair-elements.py reads it)

Each families folder has config.json and model.safetensors from save_pretrained (2 layers,
random weights spread wider than the default init), a WordPiece vocab.txt (the engine needs
a tokenizer; the parity test feeds ids) and reference.jsonl in the format
test-engine-parity reads: references computed as sentence-transformers computes them, every
input in one batch padded on the right and masked, through the saved folder loaded back in
float32 (so F16 and BF16 weights are widened as the engine widens them); each input alone
must give the same outputs, which the script checks. ELECTRA uses token type ids as BERT
does: one input has type ids 0 then 1, another all 1.
"""
import importlib.util
import json
import os
import shutil
import sys

import torch
import transformers
from sentence_transformers import CrossEncoder
from sentence_transformers.sentence_transformer.modules import Normalize, Pooling
from fixture_weights import randomize, reference_line

HERE = os.path.dirname(os.path.abspath(__file__))


def load_script(name, file_name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, file_name))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pairs = load_script("pairs", "make-pair-models.py")

VOCAB_SIZE = 40
MAX_POSITIONS = 24
CLS_ID, SEP_ID, PAD_ID = 2, 3, 0
DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}
HEADS = {"encoder": "ElectraModel", "sequence": "ElectraForSequenceClassification",
         "token": "ElectraForTokenClassification"}
SEQUENCE_LABELS = ["NEGATIVE", "NEUTRAL", "POSITIVE"]
TOKEN_LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
CROSS_ENCODER_ACTIVATION = "torch.nn.modules.activation.Sigmoid"


def make_config(labels, hidden, embedding_size, vocab_size=VOCAB_SIZE, max_positions=MAX_POSITIONS):
    label_fields = {}
    if labels:
        label_fields = {"id2label": dict(enumerate(labels)),
                        "label2id": {name: i for i, name in enumerate(labels)}}
    return transformers.ElectraConfig(
        vocab_size=vocab_size, embedding_size=embedding_size, hidden_size=hidden, num_hidden_layers=2,
        num_attention_heads=2, intermediate_size=2 * hidden, max_position_embeddings=max_positions,
        type_vocab_size=2, pad_token_id=PAD_ID, **label_fields)


def write_vocab(folder, vocab_size):
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokens += [chr(ord("a") + i) for i in range(vocab_size - len(tokens))]
    with open(os.path.join(folder, "vocab.txt"), "w") as f:
        f.write("\n".join(tokens) + "\n")


def write_modules(folder, hidden, pooling, normalize):
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    if normalize:
        modules.append({"idx": 2, "name": "2", "path": "2_Normalize",
                        "type": "sentence_transformers.models.Normalize"})
        os.makedirs(os.path.join(folder, "2_Normalize"), exist_ok=True)
    with open(os.path.join(folder, "modules.json"), "w") as f:
        json.dump(modules, f, indent=2)
    os.makedirs(os.path.join(folder, "1_Pooling"), exist_ok=True)
    with open(os.path.join(folder, "1_Pooling", "config.json"), "w") as f:
        json.dump({"word_embedding_dimension": hidden, "pooling_mode_cls_token": pooling == "cls",
                   "pooling_mode_mean_tokens": pooling == "mean", "pooling_mode_max_tokens": False}, f, indent=2)


def inputs_for(seed):
    """(ids, type_ids) pairs, [CLS] first and [SEP] last from 2 tokens on."""
    generator = torch.Generator().manual_seed(1000 + seed)
    inputs = []
    for length in [1, 2, 5, 9, 17, MAX_POSITIONS]:
        ids = torch.randint(5, VOCAB_SIZE, (length,), generator=generator).tolist()
        if length >= 2:
            ids[0], ids[-1] = CLS_ID, SEP_ID
        inputs.append((ids, [0] * length))
    ids = [CLS_ID, 7, 8, SEP_ID, 9, 10, 11, SEP_ID]  # a pair: type ids 0, then 1
    inputs.append((ids, [0] * 4 + [1] * 4))
    ids = inputs[3][0]
    inputs.append((ids, [1] * len(ids)))  # type ids all 1: row 1 of the type table
    return inputs


def padded_batch(inputs):
    longest = max(len(ids) for ids, _ in inputs)
    input_ids = torch.full((len(inputs), longest), PAD_ID, dtype=torch.long)
    type_ids = torch.zeros((len(inputs), longest), dtype=torch.long)
    attention_mask = torch.zeros((len(inputs), longest), dtype=torch.long)
    for row, (ids, types) in enumerate(inputs):
        input_ids[row, :len(ids)] = torch.tensor(ids)
        type_ids[row, :len(ids)] = torch.tensor(types)
        attention_mask[row, :len(ids)] = 1
    return input_ids, type_ids, attention_mask


def run_batch(model, head, inputs, pooling, normalize):
    """Per input, its outputs: sentence-transformers' embedding and the first token's last
    hidden state, or logits, or token logits."""
    input_ids, type_ids, attention_mask = padded_batch(inputs)
    with torch.no_grad():
        output = model(input_ids=input_ids, token_type_ids=type_ids, attention_mask=attention_mask)
        if head == "encoder":
            features = {"token_embeddings": output.last_hidden_state, "attention_mask": attention_mask}
            features = Pooling(model.config.hidden_size, pooling_mode=pooling)(features)
            if normalize:
                features = Normalize()(features)
            return [{"embedding": features["sentence_embedding"][row],
                     "first_token": output.last_hidden_state[row, 0]} for row in range(len(inputs))]
        if head == "sequence":
            return [{"logits": output.logits[row]} for row in range(len(inputs))]
        return [{"token_logits": output.logits[row, :len(ids)]} for row, (ids, _) in enumerate(inputs)]


def check_alone_matches_batch(model, head, inputs, batched, pooling, normalize):
    for one, together in zip(inputs, batched):
        alone = run_batch(model, head, [one], pooling, normalize)[0]
        for key, value in together.items():
            difference = (alone[key] - value).abs().max().item()
            assert difference <= 1e-5, "%s: %d tokens alone differ by %g from the batch" % (
                key, len(one[0]), difference)


def load_float32(folder, head):
    model = getattr(transformers, HEADS[head]).from_pretrained(folder, dtype=torch.float32,
                                                               attn_implementation="eager")
    return model.eval()


def make_folder(out_dir, name, head, dtype_name, embedding_size, pooling, normalize, seed):
    labels = {"encoder": None, "sequence": SEQUENCE_LABELS, "token": TOKEN_LABELS}[head]
    folder = os.path.join(out_dir, "families", name)
    shutil.rmtree(folder, ignore_errors=True)
    torch.manual_seed(seed)
    config = make_config(labels, 16, embedding_size)
    model = getattr(transformers, HEADS[head])(config)
    randomize(model, seed)
    model.to(DTYPES[dtype_name]).save_pretrained(folder)
    write_vocab(folder, VOCAB_SIZE)
    if head == "encoder":
        write_modules(folder, config.hidden_size, pooling, normalize)
    model = load_float32(folder, head)
    assert hasattr(model.base_model, "embeddings_project") == (embedding_size != config.hidden_size)
    inputs = inputs_for(seed)
    batched = run_batch(model, head, inputs, pooling, normalize)
    check_alone_matches_batch(model, head, inputs, batched, pooling, normalize)
    with open(os.path.join(folder, "reference.jsonl"), "w") as f:
        for (ids, type_ids), outputs in zip(inputs, batched):
            f.write(json.dumps(reference_line(head, ids, type_ids, outputs, labels)) + "\n")


def make_reranker(out_dir, seed):
    """pairs/electra-wordpiece: a one-label reranker scored by CrossEncoder's Sigmoid."""
    folder = os.path.join(out_dir, "pairs", "electra-wordpiece")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    vocab_size = pairs.write_wordpiece_vocab(folder)
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "ElectraTokenizer", "do_lower_case": True,
                   "model_max_length": pairs.MAX_POSITIONS}, f, indent=1)
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    config = make_config(None, 12, 8, vocab_size=vocab_size, max_positions=pairs.MAX_POSITIONS)
    config.num_labels = 1
    torch.manual_seed(seed)
    model = transformers.ElectraForSequenceClassification(config)
    randomize(model, seed)
    model.to(torch.float16).save_pretrained(folder)
    config_path = os.path.join(folder, "config.json")
    with open(config_path) as f:
        saved = json.load(f)
    saved["sentence_transformers"] = {"activation_fn": CROSS_ENCODER_ACTIVATION}
    with open(config_path, "w") as f:
        json.dump(saved, f, indent=2)
    model = pairs.families.load_float32(folder, "sequence")
    cases = pairs.references(model, tokenizer)
    check_cross_encoder_scores(folder, cases)
    with open(os.path.join(folder, "reference.json"), "w", encoding="utf-8") as f:
        json.dump({"cases": cases}, f, indent=1, ensure_ascii=False)


def check_cross_encoder_scores(folder, cases):
    """sentence-transformers' CrossEncoder on the folder scores each pair by the sigmoid of
    the reference's logit (the first case: no truncation)."""
    cross_encoder = CrossEncoder(folder, model_kwargs={"dtype": torch.float32})
    case = cases[0]
    scores = cross_encoder.predict([(case["pair_text"], line["text"]) for line in case["lines"]])
    for score, line in zip(scores, case["lines"]):
        expected = torch.sigmoid(torch.tensor(line["logits"][0])).item()
        assert abs(float(score) - expected) <= 1e-5, (line["text"], float(score), expected)


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "data")
    seed = 300
    for head in HEADS:
        for dtype_name in DTYPES:
            make_folder(out_dir, "electra-%s-%s" % (head, dtype_name), head, dtype_name, 16, "mean", False, seed)
            seed += 1
    for head in HEADS:
        make_folder(out_dir, "electra-small-%s-f32" % head, head, "f32", 8, "cls", True, seed)
        seed += 1
    make_reranker(out_dir, seed)


if __name__ == "__main__":
    main()
