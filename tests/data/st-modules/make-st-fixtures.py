#!/usr/bin/env python3
"""Makes the sentence-transformers fixtures of tests/data/st-modules with sentence-transformers itself.

usage: make-st-fixtures.py [--prompt-only | --prompt-expected-only]  (with a Python that has torch and
       sentence-transformers, e.g. /tmp/venv-torch/bin/python; the output is committed, tests only
       read it; --prompt-expected-only remakes prompt-expected.json from the committed prompt
       folders: training the Unigram tokenizer again need not give the same one)

dense/: a random-weight BERT (hidden 16, 2 layers) on the WordPiece vocabulary of
tests/data/tiny-model, then Pooling (mean), Dense 16 -> 12 (Tanh), Dense 12 -> 6 (no
bias, Identity) and Normalize, with prompts {"query": "query: ", "passage": "passage: "}
in config_sentence_transformers.json. expected.json holds sentence-transformers'
encode() of TEXTS with no prompt, with prompt="query: " and with prompt_name="passage".

prompt-bert/ and prompt-xlmr/: Pooling with include_prompt false (INSTRUCTOR-style), then
Normalize. prompt-bert is a random BERT on that WordPiece vocabulary; prompt-xlmr a random
XLM-R on a small Unigram tokenizer trained here (Metaspace, <s> A </s>), so that the prompt
tokenized alone ("query: " gives a trailing "▁") counts otherwise than in front of a
caption. prompt-expected.json holds, per folder and pooling mode (all six of
sentence-transformers': the test rewrites 1_Pooling/config.json), encode() of PROMPT_TEXTS in one padded batch with no prompt
and with each of PROMPTS, and the prompt_length sentence-transformers counted.
"""
import json
import os
import shutil
import sys

import torch
from sentence_transformers import SentenceTransformer, models
from tokenizers import Tokenizer, decoders, pre_tokenizers, processors, trainers
from tokenizers import models as tokenizer_models
from transformers import BertConfig, BertModel, BertTokenizerFast, PreTrainedTokenizerFast, XLMRobertaConfig
from transformers import XLMRobertaModel

HERE = os.path.dirname(os.path.abspath(__file__))
TINY_MODEL = os.path.join(HERE, "..", "tiny-model")
TEXTS = ["hello world", "the quick brown fox jump over the lazy dog", "a", "Hello, WORLD! music playing"]


def make_encoder(folder):
    torch.manual_seed(15)
    tokenizer = BertTokenizerFast.from_pretrained(TINY_MODEL, model_max_length=64)
    vocab_size = len(tokenizer)
    config = BertConfig(vocab_size=vocab_size, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=64, type_vocab_size=2)
    model = BertModel(config, add_pooling_layer=False)
    for parameter in model.parameters():
        torch.nn.init.normal_(parameter, std=0.5)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def make_dense(out_dir):
    raw = out_dir + ".raw"
    make_encoder(raw)
    transformer = models.Transformer(raw, max_seq_length=64)
    pooling = models.Pooling(16, pooling_mode="mean")
    dense1 = models.Dense(16, 12, activation_function=torch.nn.Tanh())
    dense2 = models.Dense(12, 6, bias=False, activation_function=torch.nn.Identity())
    for dense in (dense1, dense2):
        torch.nn.init.normal_(dense.linear.weight, std=0.5)
        if dense.linear.bias is not None:
            torch.nn.init.normal_(dense.linear.bias, std=0.5)
    model = SentenceTransformer(modules=[transformer, pooling, dense1, dense2, models.Normalize()],
                                prompts={"query": "query: ", "passage": "passage: "}, device="cpu")
    shutil.rmtree(out_dir, ignore_errors=True)
    model.save(out_dir)
    shutil.rmtree(raw)
    os.remove(os.path.join(out_dir, "README.md"))  # a generated model card, 5 KB of boilerplate
    expected = {
        "texts": TEXTS,
        "plain": model.encode(TEXTS).tolist(),
        "prompt query: ": model.encode(TEXTS, prompt="query: ").tolist(),
        "prompt_name passage": model.encode(TEXTS, prompt_name="passage").tolist(),
    }
    with open(os.path.join(out_dir, "..", "dense-expected.json"), "w") as f:
        json.dump(expected, f, indent=1)


# Captions of unequal lengths (one padded batch), one so long that max_seq_length cuts it
# (the prompt then being much of the sequence), and "ld", which joins the prompt
# "hello wor" into fewer tokens than that prompt counts alone: nothing is left to pool.
PROMPT_TEXTS = ["hello world", "a", "", "the quick brown fox jump over the lazy dog " * 6,
                "Hello, WORLD! music playing", "ld"]
PROMPTS = ["query: ", "Represent the caption for retrieving similar captions: ", "hello wor"]
PROMPT_MAX_SEQ_LENGTH = 24
POOLING_MODES = ["mean", "cls", "max", "mean_sqrt_len_tokens", "weightedmean", "lasttoken"]
UNIGRAM_TRAINING = (TEXTS + PROMPT_TEXTS + PROMPTS + [
    "Represent the document for retrieval", "music playing softly in the background",
    "le renard brun saute par-dessus le chien paresseux", "der schnelle braune Fuchs springt",
    "el zorro marr\u00f3n salta sobre el perro perezoso", "query passage caption subtitle speaker",
]) * 4


def unigram_tokenizer():
    tokenizer = Tokenizer(tokenizer_models.Unigram())
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(prepend_scheme="always")
    trainer = trainers.UnigramTrainer(vocab_size=160, unk_token="<unk>", show_progress=False,
                                      special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    tokenizer.train_from_iterator(UNIGRAM_TRAINING, trainer)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", tokenizer.token_to_id("<s>")), ("</s>", tokenizer.token_to_id("</s>"))])
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", cls_token="<s>",
                                   sep_token="</s>", unk_token="<unk>", pad_token="<pad>", mask_token="<mask>",
                                   model_max_length=PROMPT_MAX_SEQ_LENGTH)


def make_prompt_encoder(folder, family):
    torch.manual_seed(16 if family == "bert" else 17)
    if family == "bert":
        tokenizer = BertTokenizerFast.from_pretrained(TINY_MODEL, model_max_length=PROMPT_MAX_SEQ_LENGTH)
        config = BertConfig(vocab_size=len(tokenizer), hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                            intermediate_size=32, max_position_embeddings=64, type_vocab_size=2)
        model = BertModel(config, add_pooling_layer=False)
    else:
        tokenizer = unigram_tokenizer()
        config = XLMRobertaConfig(vocab_size=len(tokenizer), hidden_size=16, num_hidden_layers=2,
                                  num_attention_heads=2, intermediate_size=32, max_position_embeddings=66,
                                  type_vocab_size=1, pad_token_id=tokenizer.pad_token_id,
                                  bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
        model = XLMRobertaModel(config, add_pooling_layer=False)
    # LayerNorms near identity: with random gains and biases as large as the weights, the
    # last one's bias outweighs the tokens and every pooling looks alike.
    for name, parameter in model.named_parameters():
        if "LayerNorm" in name:
            torch.nn.init.normal_(parameter, mean=1.0 if name.endswith("weight") else 0.0, std=0.1)
        else:
            torch.nn.init.normal_(parameter, std=0.5)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def prompt_outputs(model):
    """encode() of PROMPT_TEXTS with each prompt, and the prompt_length it counted."""
    transformer = model[0]
    outputs = {"plain": model.encode(PROMPT_TEXTS, batch_size=len(PROMPT_TEXTS)).tolist()}
    for prompt in PROMPTS:
        outputs[prompt] = model.encode(PROMPT_TEXTS, prompt=prompt, batch_size=len(PROMPT_TEXTS)).tolist()
        outputs["prompt_length " + prompt] = transformer._get_prompt_length(prompt)
    return outputs


def make_prompt(out_dir, family):
    raw = out_dir + ".raw"
    make_prompt_encoder(raw, family)
    transformer = models.Transformer(raw, max_seq_length=PROMPT_MAX_SEQ_LENGTH)
    model = SentenceTransformer(modules=[transformer, models.Pooling(16, pooling_mode="mean", include_prompt=False),
                                         models.Normalize()],
                                prompts={"query": PROMPTS[0], "instruct": PROMPTS[1]}, device="cpu")
    shutil.rmtree(out_dir, ignore_errors=True)
    model.save(out_dir)
    shutil.rmtree(raw)
    os.remove(os.path.join(out_dir, "README.md"))
    return prompt_expected(out_dir)


def prompt_expected(out_dir):
    """prompt-expected.json's part for one folder: the reference is what the folder holds."""
    model = SentenceTransformer(out_dir, device="cpu")
    assert model[0].max_seq_length == PROMPT_MAX_SEQ_LENGTH and not model[1].include_prompt
    expected = {}
    for mode in POOLING_MODES:
        model[1].pooling_mode = mode
        expected[mode] = prompt_outputs(model)
    # Unequal lengths, so that the batch really is padded.
    lengths = model.preprocess([PROMPTS[0] + t for t in PROMPT_TEXTS])["attention_mask"].sum(1).tolist()
    assert len(set(lengths)) > 2 and max(lengths) == PROMPT_MAX_SEQ_LENGTH, lengths
    return expected


def make_prompt_fixtures(folders=True):
    make = make_prompt if folders else lambda out_dir, family: prompt_expected(out_dir)
    expected = {"texts": PROMPT_TEXTS, "prompts": PROMPTS,
                "bert": make(os.path.join(HERE, "prompt-bert"), "bert"),
                "xlmr": make(os.path.join(HERE, "prompt-xlmr"), "xlmr")}
    with open(os.path.join(HERE, "prompt-expected.json"), "w") as f:
        json.dump(expected, f, indent=1)


if __name__ == "__main__":
    if sys.argv[1:] in (["--prompt-only"], ["--prompt-expected-only"]):
        make_prompt_fixtures(folders=sys.argv[1] == "--prompt-only")
        sys.exit(0)
    make_dense(os.path.join(HERE, "dense"))
    make_prompt_fixtures()
    sys.exit(0)
