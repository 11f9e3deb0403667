#!/usr/bin/env python3
"""Makes the tiny cross-encoder folders of tests/engine/data/pairs and their PyTorch logits.

usage: make-pair-models.py [OUT_DIR]   (default: tests/engine/data beside this script)

Needs torch and transformers (5.24 made the committed files); test-pair-elements.py, which
reads the folders, needs neither. Two sequence classifiers with random F16 weights (hidden
12), as sentence-transformers' CrossEncoder runs them:

  pairs/bert-wordpiece       BertForSequenceClassification, one label (a reranker's score,
                             as cross-encoder/ms-marco-MiniLM-L-6-v2), a WordPiece vocab.txt
                             made here; type ids 0 then 1
  pairs/xlm-roberta-unigram  XLMRobertaForSequenceClassification, three labels (NLI), for
                             the Unigram fixture tests/tokenizer/data/unigram-nmt-nfkc (the
                             test copies its tokenizer.json in); type ids all 0

reference.json holds, for each case (a fixed text, whether it goes first or second, a
max_length), the captions' ids and type ids from transformers' tokenizer ([a], [b],
truncation="longest_first", max_length=N), CrossEncoder's call, and the logits PyTorch
gives for them (the saved folder loaded back in float32).
"""
import importlib.util
import json
import os
import shutil
import sys

import torch
import transformers

HERE = os.path.dirname(os.path.abspath(__file__))
TOKENIZER_DATA = os.path.join(HERE, "..", "tokenizer", "data")

_spec = importlib.util.spec_from_file_location("families", os.path.join(HERE, "make-family-models.py"))
families = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(families)

MAX_POSITIONS = 32
CAPTIONS = ["A dog runs through the snow.", "Two people are eating dinner at a table.",
            "the cat sat on the mat", "", "Ça va? Très bien, merci!",
            "the quick brown fox jumps over the lazy dog and the dog sleeps in the snow all day long"]
QUERY = "a dog in the snow"
HYPOTHESIS = "This example is about animals."
# The last two cut the caption, the fixed text or both.
CASES = [(QUERY, "first", MAX_POSITIONS), (HYPOTHESIS, "second", MAX_POSITIONS), (QUERY, "first", 12),
         (HYPOTHESIS, "second", 9)]
WORDS = sorted(set(" ".join(CAPTIONS + [QUERY, HYPOTHESIS]).lower().replace(".", " ").replace("?", " ")
                   .replace("!", " ").replace(",", " ").split()))


def write_wordpiece_vocab(folder):
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", "?", "!"]
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    tokens += letters + ["##" + letter for letter in letters]
    tokens += [word for word in WORDS if word not in tokens]
    with open(os.path.join(folder, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(tokens) + "\n")
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "BertTokenizer", "do_lower_case": True, "model_max_length": MAX_POSITIONS},
                  f, indent=1)
    return len(tokens)


def bert_config(vocab_size):
    return transformers.BertConfig(
        vocab_size=vocab_size, hidden_size=12, num_hidden_layers=2, num_attention_heads=2, intermediate_size=24,
        max_position_embeddings=MAX_POSITIONS, type_vocab_size=2, num_labels=1)


def xlm_roberta_config(vocab_size):
    labels = ["entailment", "neutral", "contradiction"]
    return transformers.XLMRobertaConfig(
        vocab_size=vocab_size, hidden_size=12, num_hidden_layers=2, num_attention_heads=2, intermediate_size=24,
        max_position_embeddings=MAX_POSITIONS + 2, type_vocab_size=1, layer_norm_eps=1e-5, pad_token_id=1,
        bos_token_id=0, eos_token_id=2, id2label=dict(enumerate(labels)),
        label2id={name: i for i, name in enumerate(labels)})


def references(model, tokenizer):
    cases = []
    for pair_text, position, max_length in CASES:
        lines = []
        for caption in CAPTIONS:
            a, b = (pair_text, caption) if position == "first" else (caption, pair_text)
            # Lists, as CrossEncoder passes them: tokenizer (a, "") would encode a alone.
            encoded = tokenizer([a], [b], truncation="longest_first", max_length=max_length)
            ids = encoded["input_ids"][0]
            type_ids = encoded["token_type_ids"][0] if "token_type_ids" in encoded else [0] * len(ids)
            with torch.no_grad():
                logits = model(input_ids=torch.tensor([ids]), token_type_ids=torch.tensor([type_ids]),
                               attention_mask=torch.ones(1, len(ids), dtype=torch.long)).logits[0]
            lines.append({"text": caption, "ids": ids, "type_ids": type_ids,
                          "logits": families.rounded(logits.tolist())})
        cases.append({"pair_text": pair_text, "position": position, "max_length": max_length, "lines": lines})
    return cases


def make_folder(out_dir, name, config, tokenizer, seed, extra=None):
    folder = os.path.join(out_dir, "pairs", name)
    torch.manual_seed(seed)
    model = transformers.AutoModelForSequenceClassification.from_config(config)
    families.randomize(model, seed)
    model.to(torch.float16).save_pretrained(folder)
    model = families.load_float32(folder, "sequence")
    reference = dict(extra or {}, cases=references(model, tokenizer))
    with open(os.path.join(folder, "reference.json"), "w", encoding="utf-8") as f:
        json.dump(reference, f, indent=1, ensure_ascii=False)


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "data")
    shutil.rmtree(os.path.join(out_dir, "pairs"), ignore_errors=True)
    bert_folder = os.path.join(out_dir, "pairs", "bert-wordpiece")
    os.makedirs(bert_folder)
    vocab_size = write_wordpiece_vocab(bert_folder)
    bert_tokenizer = transformers.AutoTokenizer.from_pretrained(bert_folder)
    make_folder(out_dir, "bert-wordpiece", bert_config(vocab_size), bert_tokenizer, 7)

    tokenizer_file = os.path.join(TOKENIZER_DATA, "unigram-nmt-nfkc", "tokenizer.json")
    unigram_tokenizer = transformers.PreTrainedTokenizerFast(tokenizer_file=tokenizer_file)
    make_folder(out_dir, "xlm-roberta-unigram", xlm_roberta_config(len(unigram_tokenizer)), unigram_tokenizer, 8,
                {"tokenizer": "unigram-nmt-nfkc"})


if __name__ == "__main__":
    main()
