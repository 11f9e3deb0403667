#!/usr/bin/env python3
"""Makes tests/engine/data/settings: a matrix of model-folder settings that decide how long
an input may be, with sentence-transformers' result for each, for
test-settings-elements.py (which needs no torch).

usage: make-settings-models.py [OUT_DIR]   (default: tests/engine/data beside this script)

Needs torch, transformers 5 and sentence-transformers 6 (transformers 5.25 and
sentence-transformers 6.3 made the committed files). By hand, as a differential check of
gst-bert against the reference on freshly made references:

    /tmp/venv-torch/bin/python tests/engine/make-settings-models.py /tmp/settings-check
    GST_PLUGIN_PATH=$PWD/build/plugin /usr/bin/python3 tests/engine/test-settings-elements.py \\
        /tmp/settings-check/settings

Four base folders, each a sentence-transformers encoder (mean pooling) with 24 usable
positions:
- bert-vocab: BERT, WordPiece vocab.txt, made here;
- distilbert-json: DistilBERT, the WordPiece tokenizer.json of tests/tokenizer/data/wordpiece-bert;
- roberta-bpe, xlm-roberta-unigram: data/e2e's RoBERTa (byte-level BPE) and XLM-R (Unigram),
  whose position tables have 26 rows (positions start at padding_idx + 1 = 2).

Each case writes some of tokenizer_config.json's model_max_length, sentence_bert_config.json's
max_seq_length (each as raw JSON text: absent, null, 1e30, an integer past 64 bits, 0, -5,
"16", 16.0, 16.5, smaller, equal or larger than the positions) and tokenizer.json's
truncation.max_length, and may set the tokenizer element's and bert-infer's max-length
properties. cases.json holds, for every case, what sentence-transformers does with the
folder: the error it gives on loading, else for each text the ids it runs (and a shared table
of the embedding of each distinct id list), or the error it gives on that text (positions
past the table: an index error).

The properties have no sentence-transformers counterpart; the reference for them is the
folder's model with max_seq_length set to what the properties mean (gst-bert's rule, see
docs/models.md): the tokenizer's max-length M truncates as the tokenizer would at M, and
bert-infer cuts what comes to it at its max-length N, else at the folder's max_seq_length.
"""
import json
import os
import shutil
import sys
import traceback

import torch
import transformers
from safetensors.torch import save_file
from sentence_transformers import SentenceTransformer

from settings_folders import apply_settings
from fixture_weights import randomize

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
TOKENIZER_DATA = os.path.join(HERE, "..", "tokenizer", "data")
POSITIONS = 24
HIDDEN = 16

TEXTS = {
    "bert-vocab": ["hello world, a b c d e f g h i j. " * 6, "hello world", "a b c d e f g h i j a b c d e f g h"],
    "roberta-bpe": ["Hello world, this is a caption of a dog that runs in the snow. " * 5, "Hello world",
                    "a dog runs in the snow, and a cat sleeps"],
}
TEXTS["distilbert-json"] = TEXTS["bert-vocab"]
TEXTS["xlm-roberta-unigram"] = TEXTS["roberta-bpe"]

FAMILIES = {
    # name: (base folder under data/ or None to make it here, tokenizer.json folder or None, raw positions)
    "bert-vocab": (None, None, POSITIONS),
    "distilbert-json": (None, "wordpiece-bert", POSITIONS),
    "roberta-bpe": ("e2e/roberta-bpe", "bpe-roberta", POSITIONS + 2),
    "xlm-roberta-unigram": ("e2e/xlm-roberta-unigram", "unigram-nmt-nfkc", POSITIONS + 2),
}

BIG_INTEGER = str(10**30)  # past 64 bits, as transformers writes int(1e30)


def cases_for(family, raw_positions):
    """(name, settings) of the matrix for one family."""
    cases = [("plain", {})]
    for name, raw in [("absent-null", "null"), ("smaller", "12"), ("equal", str(POSITIONS)),
                      ("larger", "40"), ("float-1e30", "1e30"), ("integer-1e30", BIG_INTEGER),
                      ("zero", "0"), ("negative", "-5"), ("string", '"16"'), ("float-whole", "16.0"),
                      ("float-fraction", "16.5"), ("table-rows", str(raw_positions)),
                      ("huge", "1000000000")]:
        cases.append((f"model_max_length-{name}", {"model_max_length": raw}))
    cases.append(("max_len", {"max_len": "12"}))
    cases.append(("max_len-and-model_max_length", {"max_len": "12", "model_max_length": "20"}))
    cases.append(("max_len-and-model_max_length-null", {"max_len": "12", "model_max_length": "null"}))
    for name, raw in [("null", "null"), ("smaller", "10"), ("larger", "40"), ("string", '"16"'),
                      ("zero", "0"), ("float-whole", "16.0"), ("table-rows", str(raw_positions))]:
        cases.append((f"max_seq_length-{name}", {"max_seq_length": raw}))
    for name, mml, msl in [("sbert-smaller", "20", "10"), ("sbert-larger", "10", "20"),
                           ("sbert-null", "12", "null"), ("sbert-past-positions", "12", "40"),
                           ("no-limit-sbert", "1e30", "14")]:
        cases.append((f"both-{name}", {"model_max_length": mml, "max_seq_length": msl}))
    # sentence-transformers' older module file names, and the tokenizer's own kwargs there,
    # which win over max_seq_length and are not capped at the positions either
    legacy_name = "sentence_distilbert_config.json" if family == "bert-vocab" else \
        f"sentence_{family.split('-json')[0].split('-bpe')[0].split('-unigram')[0]}_config.json"
    for name, file_name, text in [
            ("legacy-module-file", legacy_name, '{"max_seq_length": 10}'),
            ("processor-kwargs", "sentence_bert_config.json",
             '{"max_seq_length": 20, "processor_kwargs": {"model_max_length": 10}}'),
            ("tokenizer-args", "sentence_bert_config.json",
             '{"max_seq_length": 20, "tokenizer_args": {"model_max_length": 12}}'),
            ("tokenizer-args-over-processor-kwargs", "sentence_bert_config.json",
             '{"tokenizer_args": {"model_max_length": 12}, "processor_kwargs": {"model_max_length": 10}}'),
            ("tokenizer-args-past-positions", "sentence_bert_config.json",
             '{"max_seq_length": 20, "tokenizer_args": {"model_max_length": 40}}'),
            ("tokenizer-args-null", "sentence_bert_config.json",
             '{"max_seq_length": 20, "tokenizer_args": {"model_max_length": null}}')]:
        cases.append((f"module-file-{name}", {"module_file": (file_name, text), "model_max_length": "16"}))
    if family != "bert-vocab":
        cases.append(("truncation-in-tokenizer-json", {"truncation": 8}))
        cases.append(("truncation-and-model_max_length", {"truncation": 8, "model_max_length": "12"}))
    for name, tokenizer_length, infer_length in [("tokenizer-shorter", 10, 20), ("infer-shorter", 20, 10),
                                                 ("tokenizer-only", 10, 0), ("tokenizer-past-limit", 40, 0),
                                                 ("infer-only", 0, 10), ("infer-past-positions", 0, 40)]:
        cases.append((f"properties-{name}", {"tokenizer_max_length": tokenizer_length,
                                             "infer_max_length": infer_length}))
    cases.append(("properties-with-model_max_length", {"model_max_length": "12", "tokenizer_max_length": 20,
                                                       "infer_max_length": 16}))
    return cases


def write_json(folder, name, value):
    path = os.path.join(folder, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(value, f, indent=1)


def wordpiece_tokens():
    with open(os.path.join(TOKENIZER_DATA, "wordpiece-bert", "tokenizer.json")) as f:
        return list(json.load(f)["model"]["vocab"])


def make_base(folder, family, seed):
    """The BERT and DistilBERT folders; RoBERTa's and XLM-R's are data/e2e's."""
    shutil.rmtree(folder, ignore_errors=True)
    tokens = wordpiece_tokens()
    torch.manual_seed(seed)
    if family == "bert-vocab":
        model = transformers.BertModel(transformers.BertConfig(
            vocab_size=len(tokens), hidden_size=HIDDEN, num_hidden_layers=2, num_attention_heads=2,
            intermediate_size=32, max_position_embeddings=POSITIONS), add_pooling_layer=False)
    else:
        model = transformers.DistilBertModel(transformers.DistilBertConfig(
            vocab_size=len(tokens), dim=HIDDEN, n_layers=2, n_heads=2, hidden_dim=32,
            max_position_embeddings=POSITIONS))
    randomize(model, seed)
    model.to(torch.float16).save_pretrained(folder)
    if family == "bert-vocab":
        with open(os.path.join(folder, "vocab.txt"), "w") as f:
            f.write("\n".join(tokens) + "\n")
    write_json(folder, "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}])
    write_json(folder, "1_Pooling/config.json", {"word_embedding_dimension": HIDDEN, "pooling_mode_cls_token": False,
                                                 "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False})


def base_folder(out_dir, family):
    base, _, _ = FAMILIES[family]
    return os.path.join(DATA, base) if base else os.path.join(out_dir, "settings", family)


def short_error(error):
    text = f"{type(error).__name__}: {error}".strip().splitlines()[0]
    return text[:200]


def reference_case(folder, texts, settings, embeddings):
    try:
        st = SentenceTransformer(folder, device="cpu", model_kwargs={"attn_implementation": "eager", "dtype": torch.float32})
    except Exception as error:  # the reference refuses the folder
        return {"load_error": short_error(error)}
    folder_limit = st.max_seq_length
    tokenizer_length = settings.get("tokenizer_max_length", 0)
    infer_length = settings.get("infer_max_length", 0)
    if tokenizer_length or infer_length:
        limits = [n for n in (tokenizer_length, infer_length or folder_limit) if n]
        st.max_seq_length = min(limits)
    results = []
    for text in texts:
        try:
            ids = st.tokenize([text])["input_ids"][0].tolist()
            with torch.no_grad():
                embedding = st.encode([text], convert_to_tensor=True)[0].tolist()
        except Exception as error:
            results.append({"error": short_error(error)})
            continue
        key = " ".join(map(str, ids))
        embeddings.setdefault(key, [float("%.7g" % v) for v in embedding])
        results.append({"ids": ids})
    return {"max_seq_length": folder_limit if isinstance(folder_limit, (int, float, str, type(None)))
            else repr(folder_limit), "texts": results}


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else DATA
    settings_dir = os.path.join(out_dir, "settings")
    os.makedirs(settings_dir, exist_ok=True)
    document = {"families": {}, "cases": []}
    for seed, family in enumerate(FAMILIES):
        if FAMILIES[family][0] is None:
            make_base(os.path.join(settings_dir, family), family, seed + 1)
        base, tokenizer, raw_positions = FAMILIES[family]
        embeddings = {}
        document["families"][family] = {"base": base or f"settings/{family}", "tokenizer": tokenizer,
                                        "positions": POSITIONS, "texts": TEXTS[family], "embeddings": embeddings}
        for name, settings in cases_for(family, raw_positions):
            work = os.path.join(settings_dir, "work")
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(base_folder(out_dir, family), work)
            apply_settings(work, family, settings, FAMILIES[family][1])
            try:
                outcome = reference_case(work, TEXTS[family], settings, embeddings)
            except Exception:
                traceback.print_exc()
                raise
            document["cases"].append({"family": family, "name": name, "settings": settings, **outcome})
            print(family, name, json.dumps(outcome)[:160], flush=True)
        shutil.rmtree(os.path.join(settings_dir, "work"), ignore_errors=True)
    with open(os.path.join(settings_dir, "cases.json"), "w") as f:
        json.dump({"made_with": {"transformers": transformers.__version__,
                                 "sentence_transformers": __import__("sentence_transformers").__version__},
                   **document}, f, indent=None, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
