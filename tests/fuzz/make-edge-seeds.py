#!/usr/bin/env python3
"""Writes the seeds that start the tokenizer-json, config and safetensors fuzzers inside the
newest readers: NFC/NFKC/NFKD and StripAccents normalisers, nested Sequences, tokenizer.json's
truncation direction and tokenizer_config.json's truncation_side, and the shapes a hostile file
gives them (empty patterns, huge numbers, duplicate keys). Each seed is the 60-token WordPiece
seed corpus/tokenizer-json/wordpiece-bare with one part changed, so it stays small; the
safetensors seeds are corpus/safetensors/f32 with transformers' legacy LayerNorm names
(gamma, beta). The config and vocab seeds start fuzz-config and fuzz-vocab in MPNet's
readers (relative position bias, vocab.txt folders) and at RoBERTa's largest pad_token_id.
The spm-model seed albert-unigram is tests/tokenizer/data/albert-unigram's spiece.model
(fuzz-spm-model also loads each input as an ALBERT folder's), and the tokenizer-json seed
config-electra the tokenizer_config.json of tests/engine/data/pairs/electra-wordpiece
(ElectraTokenizer, read as BERT's vocab.txt).

Run once and commit the output; deterministic. Usage: make-edge-seeds.py (writes corpus/).
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def base():
    with open(os.path.join(CORPUS, "tokenizer-json", "wordpiece-bare"), encoding="utf-8") as f:
        return json.load(f)


def with_parts(**parts):
    result = base()
    result.update(parts)
    return result


def sequence(*stages):
    return {"type": "Sequence", "normalizers": list(stages)}


def nested(depth, leaf):
    for _ in range(depth):
        leaf = sequence(leaf)
    return leaf


BERT_PRE = {"type": "BertPreTokenizer"}

TOKENIZER_SEEDS = {
    "normal-form-nfc": with_parts(normalizer=sequence({"type": "NFC"}, {"type": "Lowercase"}),
                                  pre_tokenizer=BERT_PRE),
    "normal-form-nfkc": with_parts(normalizer={"type": "NFKC"}, pre_tokenizer=BERT_PRE),
    "normal-form-nfkd-strip": with_parts(
        normalizer=sequence({"type": "NFKD"}, {"type": "StripAccents"}, {"type": "Lowercase"}),
        pre_tokenizer={"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"},
                                                             {"type": "Digits", "individual_digits": True},
                                                             {"type": "Punctuation", "behavior": "Isolated"}]}),
    "normal-form-nfd-strip": with_parts(normalizer=sequence({"type": "NFD"}, {"type": "StripAccents"}),
                                        pre_tokenizer={"type": "Whitespace"}),
    "nested-sequences": with_parts(normalizer=nested(12, {"type": "NFC"}),
                                   pre_tokenizer={"type": "Sequence", "pretokenizers": [
                                       {"type": "Sequence", "pretokenizers": [BERT_PRE]}]}),
    "truncation-left": with_parts(truncation={"direction": "Left", "max_length": 8, "strategy": "LongestFirst",
                                              "stride": 0}),
    "truncation-right-huge": with_parts(truncation={"direction": "Right", "max_length": 18446744073709551615,
                                                    "strategy": "LongestFirst", "stride": 0}),
    "replace-empty-pattern": with_parts(normalizer=sequence(
        {"type": "Replace", "pattern": {"String": ""}, "content": "x"}, {"type": "NFKC"})),
    "config-truncation-side-left": {"truncation_side": "left", "do_lower_case": True, "model_max_length": 8},
    "config-truncation-side-bad": {"truncation_side": "middle", "model_max_length": -1},
    "config-transformers5": {"tokenizer_class": "BertTokenizer", "do_lower_case": False, "strip_accents": True,
                             "tokenize_chinese_chars": False, "cls_token": "[CLS]", "sep_token": "[SEP]"},
}


MPNET_MODEL = os.path.join(HERE, "..", "engine", "data", "families", "mpnet-token-f32")
ELECTRA_MODEL = os.path.join(HERE, "..", "engine", "data", "families", "electra-small-sequence-f32")


def family_config(model, **parts):
    """The config.json of a family model fuzz-config also loads its inputs beside."""
    with open(os.path.join(model, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    config.update(parts)
    return config


def mpnet_config(**parts):
    return family_config(MPNET_MODEL, **parts)


def electra_config(**parts):
    return family_config(ELECTRA_MODEL, **parts)


# fuzz-config loads an input naming MPNet beside that model's weights (relative position
# bias, positions from 2), one naming ELECTRA beside an ELECTRA classifier's (embeddings 8
# wide, projected to 16); the RoBERTa seed has the largest pad_token_id an int64 holds.
CONFIG_SEEDS = {
    "mpnet-token": mpnet_config(),
    "mpnet-cross-encoder": mpnet_config(architectures=["MPNetForSequenceClassification"],
                                        id2label={"0": "LABEL_0"}, label2id={"LABEL_0": 0},
                                        sentence_transformers={"activation_fn": "torch.nn.modules.activation.Sigmoid"}),
    "mpnet-buckets-past-table": mpnet_config(relative_attention_num_buckets=65536, max_position_embeddings=3),
    "electra-sequence": electra_config(),
    "electra-no-embedding-size": {key: value for key, value in electra_config().items() if key != "embedding_size"},
    "electra-embedding-size-hidden": electra_config(embedding_size=16),
    "electra-reranker": electra_config(id2label={"0": "LABEL_0"}, label2id={"LABEL_0": 0},
                                       sentence_transformers={"activation_fn": "torch.nn.modules.activation.Sigmoid"}),
    "roberta-pad-int64-max": {"model_type": "roberta", "hidden_size": 8, "num_hidden_layers": 1,
                              "num_attention_heads": 2, "intermediate_size": 16, "max_position_embeddings": 34,
                              "type_vocab_size": 1, "vocab_size": 167, "pad_token_id": 9223372036854775807},
}


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def renamed_safetensors(renamings):
    """corpus/safetensors/f32 with its tensor names renamed (header length rewritten)."""
    with open(os.path.join(CORPUS, "safetensors", "f32"), "rb") as f:
        data = f.read()
    length = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + length])
    renamed = {}
    for name, value in header.items():
        for old, new in renamings:
            name = name.replace(old, new)
        renamed.setdefault(name, value)
    text = json.dumps(renamed).encode()
    return struct.pack("<Q", len(text)) + text + data[8 + length:]


ALBERT_SPIECE = os.path.join(HERE, "..", "tokenizer", "data", "albert-unigram", "spiece.model")
ELECTRA_TOKENIZER_CONFIG = os.path.join(HERE, "..", "engine", "data", "pairs", "electra-wordpiece",
                                        "tokenizer_config.json")


def copy_seed(source, target, name):
    with open(source, "rb") as f:
        data = f.read()
    assert len(data) < 12 * 1024, (source, len(data))
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    with open(os.path.join(CORPUS, target, name), "wb") as f:
        f.write(data)


def main():
    copy_seed(ALBERT_SPIECE, "spm-model", "albert-unigram")
    copy_seed(ELECTRA_TOKENIZER_CONFIG, "tokenizer-json", "config-electra")
    # transformers' legacy LayerNorm names (bert_tensor_names.c), and one layer's weight under both.
    legacy = renamed_safetensors([("LayerNorm.weight", "LayerNorm.gamma"), ("LayerNorm.bias", "LayerNorm.beta")])
    with open(os.path.join(CORPUS, "safetensors", "legacy-gamma-beta"), "wb") as f:
        f.write(legacy)
    both = renamed_safetensors([("embeddings.LayerNorm.bias", "embeddings.LayerNorm.beta")])
    with open(os.path.join(CORPUS, "safetensors", "legacy-beta-one-layer"), "wb") as f:
        f.write(both)
    for name, value in TOKENIZER_SEEDS.items():
        write(os.path.join(CORPUS, "tokenizer-json", name), json.dumps(value, indent=1, ensure_ascii=False) + "\n")
    for name, value in CONFIG_SEEDS.items():
        write(os.path.join(CORPUS, "config", name), json.dumps(value, indent=1) + "\n")
    # fuzz-vocab also reads its input as an MPNet folder's vocab.txt: the model's own, and a
    # short one with the line ends and trailing spaces WordPiece::read_file trims.
    with open(os.path.join(MPNET_MODEL, "vocab.txt"), encoding="utf-8") as f:
        mpnet_vocab = f.read()
    write(os.path.join(CORPUS, "vocab", "mpnet"), mpnet_vocab)
    write(os.path.join(CORPUS, "vocab", "mpnet-trimmed-ends"),
          "\r\n".join(mpnet_vocab.split("\n")[:12]) + "\r\nhello\u00a0\r\n\u3000\nworld \n##s\t")
    # What json-glib reads beyond JSON (C comments, strings in single quotes) around the
    # length settings that bert_max_length.c scans the text for, with a nested member of
    # the same name past 64 bits (one file is tokenizer_config.json and
    # sentence_bert_config.json in turn).
    write(os.path.join(CORPUS, "tokenizer-json", "config-length-comments"),
          '{"model_max_length": 8 /* " */, "x": {"model_max_length": 99999999999999999999999},\n'
          " 'tokenizer_args': {'model_max_length': 12}, \"max_seq_length\": 10}\n")
    # What json-glib misreads and the guards refuse (bert_json_guards.h): "\u0000" in a
    # string (json.dumps writes the escape), numbers in hex, octal or binary, and a quote in a
    # comment before deep nesting; and sentence_bert_config.json's tokenizer_args as a list,
    # an AddedToken with a misspelt member (tokenizer_config.json).
    write(os.path.join(CORPUS, "config", "mpnet-model-type-nul"),
          json.dumps(mpnet_config(model_type="mpnet\u0000x"), indent=1) + "\n")
    write(os.path.join(CORPUS, "config", "mpnet-hex-octal-sizes"),
          json.dumps(mpnet_config(), indent=1).replace('"max_position_embeddings": 258',
                                                      '"max_position_embeddings": 0x102')
          .replace('"num_hidden_layers": ', '"num_hidden_layers": 0') + "\n")
    write(os.path.join(CORPUS, "tokenizer-json", "config-class-nul"),
          json.dumps({"tokenizer_class": "BertTokenizer\u0000Japanese", "do_lower_case": True}) + "\n")
    write(os.path.join(CORPUS, "tokenizer-json", "config-hex-length"),
          '{"model_max_length": 0x10, "max_seq_length": 0b11, "do_lower_case": true}\n')
    write(os.path.join(CORPUS, "tokenizer-json", "comment-hides-nesting"),
          '{"a": /* " */ ' + "[" * 70 + "]" * 70 + ' /* " */}\n')
    write(os.path.join(CORPUS, "tokenizer-json", "config-added-token-member"),
          json.dumps({"mask_token": {"content": "[MASK]", "lstirp": True, "__type": "AddedToken"},
                      "unk_token": {"content": "[UNK]", "special": True}}) + "\n")
    write(os.path.join(CORPUS, "tokenizer-json", "sbert-tokenizer-args-list"),
          json.dumps({"max_seq_length": 8, "tokenizer_args": [["model_max_length", 4]]}) + "\n")
    write(os.path.join(CORPUS, "tokenizer-json", "wordpiece-hex-id"),
          json.dumps(base(), indent=1, ensure_ascii=False).replace('"id": 0,', '"id": 0x0,', 1) + "\n")
    with open(os.path.join(CORPUS, "st-files", "pooling-mean"), encoding="utf-8") as f:
        modules_and_pooling = f.read().rsplit("\n--8<--\n", 1)[0]
    write(os.path.join(CORPUS, "st-files", "tokenizer-args-null"),
          modules_and_pooling + '\n--8<--\n{"max_seq_length": 8, "tokenizer_args": null}')
    # Duplicate keys: json.dumps cannot write them, JSON-GLib keeps the last.
    write(os.path.join(CORPUS, "tokenizer-json", "duplicate-normalizer"),
          json.dumps(base(), indent=1, ensure_ascii=False)[:-2]
          + ',\n "normalizer": {"type": "NFKC"},\n "normalizer": {"type": "NFD"}\n}\n')


if __name__ == "__main__":
    main()
