#!/usr/bin/env python3
"""Makes the tiny folders of tests/engine/data/real-configs: shapes of real Hub model
folders (docs/models.md, "Real model folders from public repositories") that gst-bert
read wrongly or refused, each with its PyTorch reference outputs.

usage: make-real-config-models.py [OUT_DIR [NAME...]]   (default: tests/engine/data beside this
       script, every folder; NAMEs: only those folders)

Needs torch, transformers (5.24 made the committed files) and sentence-transformers (6.2);
the tests that read the folders need none of them. Each folder keeps the real folder's
fields that matter and shrinks only its sizes (hidden 16, 2 layers, vocabulary 40):

- dense-wider: a BERT sentence encoder whose Dense module maps the pooled vector to more
  values than the hidden size (intsig-textin/acge_text_embedding: 1024 to 1792, Identity,
  no Normalize); the reference is sentence-transformers' embedding.
- pooling-no-mode: a Pooling config.json that sets no pooling_mode_* flag, which
  sentence-transformers 6 reads as mean pooling.
- gelu-python: a BertForSequenceClassification with hidden_act "gelu_python"
  (transformers' erf GELU written in Python).
- transformer-subfolder: a sentence-transformers folder as sentence-transformers before
  2.0 saved it (stlee1989/test, an msmarco-distilbert fine-tune of 2021): the DistilBERT
  in 0_Transformer/ with its vocab.txt and sentence_bert_config.json, a root config.json
  that is only {"__version__": ...}, mean pooling and a Dense module without bias whose
  weights are in pytorch_model.bin (torch.save); reference.json holds texts with
  sentence-transformers' ids and embeddings for them, for test-family-elements.py.
- one-label-no-id2label: a one-label BertForSequenceClassification (a cross-encoder's
  shape) whose config.json gives "num_labels": 1 and no id2label: transformers names the
  label LABEL_0 and its pipeline scores it by sigmoid.
- distilbert-sinusoidal: a DistilBERT sequence classifier with sinusoidal_pos_embds true
  and "architectures": null (BandaiNamcoResearchInc/DistilBERT-base-jp): the position
  table is the checkpoint's (sinusoids, left as transformers made them), the head is
  found from the tensors.
- regression: a one-label BertForSequenceClassification with "problem_type": "regression"
  (irtezachy/Multilingual-Tweet-Intimacy-Prediction, an XLM-R, has this head), which
  transformers' text-classification pipeline scores by the raw logit; the reference is
  that pipeline's postprocess. reference.json holds texts with the pipeline's label and
  score for them, for test-family-elements.py.
- cross-encoder-tanh: a three-label BertForSequenceClassification saved as a
  sentence-transformers 5 CrossEncoder names its activation in config.json
  ("sentence_transformers": {"activation_fn": "torch.nn.modules.activation.Tanh"}), with
  problem_type regression, which the CrossEncoder's activation overrides; the reference is
  CrossEncoder's scores.
- mpnet-is-decoder, distilbert-is-decoder: an MPNetModel and a DistilBertModel whose
  config.json says "is_decoder": true, which neither model reads (transformers builds
  their attention masks bidirectional whatever the flag: create_bidirectional_mask); the
  reference is transformers' mean of the last hidden state, and the script checks that
  the same weights without the flag give the same outputs bit for bit.

reference.jsonl holds, for a handful of token-id inputs, the outputs in the format
test-engine-parity reads.
"""
import json
import os
import shutil
import sys

import torch
import transformers
from safetensors.torch import save_file
from sentence_transformers import CrossEncoder, SentenceTransformer

HERE = os.path.dirname(os.path.abspath(__file__))
VOCAB_SIZE = 40
HIDDEN = 16
LABELS = ["NEGATIVE", "POSITIVE"]
MEAN_FLAGS = {"word_embedding_dimension": HIDDEN, "pooling_mode_cls_token": False,
              "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
              "pooling_mode_mean_sqrt_len_tokens": False}
TEXTS = ["a b c", "Hello, world!", "abc def ghi", "z y x w v u t s r q p o n m l k j i h g f e d c b a", "q"]


def bert_config(**fields):
    return transformers.BertConfig(vocab_size=VOCAB_SIZE, hidden_size=HIDDEN, num_hidden_layers=2,
                                   num_attention_heads=2, intermediate_size=32, max_position_embeddings=24,
                                   **fields)


def randomize(model, seed, keep=()):
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name in keep:
                continue
            noise = torch.randn(parameter.shape, generator=generator)
            if "LayerNorm" in name and name.endswith("weight"):
                parameter.copy_(1 + 0.2 * noise)
            else:
                parameter.copy_(0.2 * noise)


def write_vocab(folder, specials=("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")):
    tokens = list(specials)
    tokens += [chr(ord("a") + i) for i in range(VOCAB_SIZE - len(tokens))]
    with open(os.path.join(folder, "vocab.txt"), "w") as f:
        f.write("\n".join(tokens) + "\n")


def write_json(folder, name, value):
    os.makedirs(os.path.dirname(os.path.join(folder, name)), exist_ok=True)
    with open(os.path.join(folder, name), "w") as f:
        json.dump(value, f, indent=1)


def inputs(seed):
    generator = torch.Generator().manual_seed(seed)
    lines = []
    for length in [1, 2, 5, 9, 24]:
        ids = torch.randint(5, VOCAB_SIZE, (length,), generator=generator).tolist()
        if length >= 2:
            ids[0], ids[-1] = 2, 3
        lines.append((ids, [0] * length))
    lines.append((lines[3][0], [0, 0, 0, 0, 1, 1, 1, 1, 1]))
    return lines


def rounded(values):
    if isinstance(values, list):
        return [rounded(v) for v in values]
    return float("%.8g" % values)


def features(ids, type_ids):
    input_ids = torch.tensor([ids])
    return {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids),
            "token_type_ids": torch.tensor([type_ids])}


def write_reference(folder, compute, seed):
    with open(os.path.join(folder, "reference.jsonl"), "w") as f:
        for ids, type_ids in inputs(seed):
            line = {"ids": ids, "type_ids": type_ids}
            with torch.no_grad():
                line.update(compute(features(ids, type_ids)))
            f.write(json.dumps(line) + "\n")


def make_encoder(folder, seed, pooling, dense=None):
    """A BertModel saved with sentence-transformers module files; pooling is the Pooling
    config.json, dense (a Dense config.json) a module after it."""
    shutil.rmtree(folder, ignore_errors=True)
    torch.manual_seed(seed)
    model = transformers.BertModel(bert_config(), add_pooling_layer=False)
    randomize(model, seed)
    model.save_pretrained(folder)
    write_vocab(folder)
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    write_json(folder, "1_Pooling/config.json", pooling)
    if dense is not None:
        modules.append({"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"})
        write_json(folder, "2_Dense/config.json", dense)
        generator = torch.Generator().manual_seed(seed + 100)
        save_file({"linear.weight": 0.3 * torch.randn(dense["out_features"], dense["in_features"],
                                                      generator=generator),
                   "linear.bias": 0.3 * torch.randn(dense["out_features"], generator=generator)},
                  os.path.join(folder, "2_Dense", "model.safetensors"))
    write_json(folder, "modules.json", modules)
    st = SentenceTransformer(folder, device="cpu", model_kwargs={"attn_implementation": "eager"})
    write_reference(folder, lambda f: {"embedding": rounded(st.forward(f)["sentence_embedding"][0].tolist())},
                    seed)


def make_transformer_subfolder(folder, seed):
    shutil.rmtree(folder, ignore_errors=True)
    transformer = os.path.join(folder, "0_Transformer")
    torch.manual_seed(seed)
    model = transformers.DistilBertModel(transformers.DistilBertConfig(
        vocab_size=VOCAB_SIZE, dim=HIDDEN, n_layers=2, n_heads=2, hidden_dim=32, max_position_embeddings=24))
    randomize(model, seed)
    model.save_pretrained(transformer)
    write_vocab(transformer)
    write_json(transformer, "sentence_bert_config.json", {"max_seq_length": 24, "do_lower_case": False})
    write_json(folder, "config.json", {"__version__": "1.0.0"})
    write_json(folder, "modules.json", [
        {"idx": 0, "name": "0", "path": "0_Transformer", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"}])
    write_json(folder, "1_Pooling/config.json", {"word_embedding_dimension": HIDDEN, "pooling_mode_cls_token": False,
                                                 "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
                                                 "pooling_mode_mean_sqrt_len_tokens": False})
    write_json(folder, "2_Dense/config.json", {"in_features": HIDDEN, "out_features": HIDDEN, "bias": False,
                                               "activation_function": "torch.nn.modules.linear.Identity"})
    generator = torch.Generator().manual_seed(seed + 100)
    torch.save({"linear.weight": 0.3 * torch.randn(HIDDEN, HIDDEN, generator=generator)},
               os.path.join(folder, "2_Dense", "pytorch_model.bin"))
    st = SentenceTransformer(folder, device="cpu", model_kwargs={"attn_implementation": "eager"})

    def compute(f):
        features = {"input_ids": f["input_ids"], "attention_mask": f["attention_mask"]}
        return {"embedding": rounded(st.forward(features)["sentence_embedding"][0].tolist())}
    write_reference(folder, compute, seed)
    # For the element test: texts as sentence-transformers tokenizes and embeds them.
    lines = [{"text": text, "ids": st.tokenize([text])["input_ids"][0].tolist(),
              "embedding": rounded(st.encode([text], convert_to_tensor=True)[0].tolist())}
             for text in TEXTS]
    write_json(folder, "reference.json", {"lines": lines})


def make_one_label(folder, seed):
    shutil.rmtree(folder, ignore_errors=True)
    torch.manual_seed(seed)
    model = transformers.BertForSequenceClassification(bert_config(num_labels=1))
    randomize(model, seed)
    model.save_pretrained(folder)
    with open(os.path.join(folder, "config.json")) as f:
        saved = json.load(f)
    del saved["id2label"], saved["label2id"]
    saved["num_labels"] = 1
    write_json(folder, "config.json", saved)
    write_vocab(folder)
    model = transformers.BertForSequenceClassification.from_pretrained(folder, attn_implementation="eager").eval()

    def compute(f):
        logits = model(**f).logits[0]
        return {"logits": rounded(logits.tolist()), "probs": rounded(torch.sigmoid(logits).tolist()),
                "label": model.config.id2label[0]}
    write_reference(folder, compute, seed)


def make_gelu_python(folder, seed):
    shutil.rmtree(folder, ignore_errors=True)
    torch.manual_seed(seed)
    config = bert_config(hidden_act="gelu_python", id2label=dict(enumerate(LABELS)),
                         label2id={name: i for i, name in enumerate(LABELS)})
    model = transformers.BertForSequenceClassification(config)
    randomize(model, seed)
    model.save_pretrained(folder)
    write_vocab(folder)
    model = transformers.BertForSequenceClassification.from_pretrained(folder, attn_implementation="eager").eval()

    def compute(f):
        logits = model(**f).logits[0]
        return {"logits": rounded(logits.tolist()), "probs": rounded(torch.softmax(logits, -1).tolist()),
                "label": LABELS[int(logits.argmax())]}
    write_reference(folder, compute, seed)


def make_distilbert_sinusoidal(folder, seed):
    shutil.rmtree(folder, ignore_errors=True)
    torch.manual_seed(seed)
    config = transformers.DistilBertConfig(vocab_size=VOCAB_SIZE, dim=HIDDEN, n_layers=2, n_heads=2,
                                           hidden_dim=32, max_position_embeddings=24, sinusoidal_pos_embds=True,
                                           id2label=dict(enumerate(LABELS)),
                                           label2id={name: i for i, name in enumerate(LABELS)})
    model = transformers.DistilBertForSequenceClassification(config)
    randomize(model, seed, keep={"distilbert.embeddings.position_embeddings.weight"})
    model.save_pretrained(folder)
    with open(os.path.join(folder, "config.json")) as f:
        saved = json.load(f)
    saved["architectures"] = None
    write_json(folder, "config.json", saved)
    write_vocab(folder)
    model = transformers.DistilBertForSequenceClassification.from_pretrained(
        folder, attn_implementation="eager").eval()

    def compute(f):
        logits = model(input_ids=f["input_ids"], attention_mask=f["attention_mask"]).logits[0]
        return {"logits": rounded(logits.tolist()), "probs": rounded(torch.softmax(logits, -1).tolist()),
                "label": LABELS[int(logits.argmax())]}
    write_reference(folder, compute, seed)


def make_regression(folder, seed):
    shutil.rmtree(folder, ignore_errors=True)
    torch.manual_seed(seed)
    model = transformers.BertForSequenceClassification(bert_config(num_labels=1, problem_type="regression"))
    randomize(model, seed)
    model.save_pretrained(folder)
    write_vocab(folder)
    model = transformers.BertForSequenceClassification.from_pretrained(folder, attn_implementation="eager").eval()
    tokenizer = transformers.BertTokenizerFast(os.path.join(folder, "vocab.txt"), do_lower_case=False,
                                               model_max_length=24)
    tokenizer.save_pretrained(folder)
    pipe = transformers.TextClassificationPipeline(model=model, tokenizer=tokenizer)

    def compute(f):
        logits = model(**f).logits
        scores = pipe.postprocess({"logits": logits}, top_k=None)
        return {"logits": rounded(logits[0].tolist()), "probs": [rounded(scores[0]["score"])],
                "label": pipe.postprocess({"logits": logits})["label"]}
    write_reference(folder, compute, seed)
    # For the element test: texts as the pipeline tokenizes and scores them.
    lines = [dict(text=text, ids=tokenizer(text, truncation=True)["input_ids"], **pipe(text, truncation=True)[0])
             for text in TEXTS]
    for line in lines:
        line["score"] = rounded(line["score"])
    write_json(folder, "reference.json", {"lines": lines})


def make_cross_encoder_tanh(folder, seed):
    shutil.rmtree(folder, ignore_errors=True)
    torch.manual_seed(seed)
    labels = ["relevance", "fluency", "toxicity"]
    model = transformers.BertForSequenceClassification(bert_config(
        problem_type="regression", id2label=dict(enumerate(labels)),
        label2id={name: i for i, name in enumerate(labels)}))
    randomize(model, seed)
    model.save_pretrained(folder)
    with open(os.path.join(folder, "config.json")) as f:
        saved = json.load(f)
    saved["sentence_transformers"] = {"activation_fn": "torch.nn.modules.activation.Tanh", "version": "5.1.0"}
    write_json(folder, "config.json", saved)
    write_vocab(folder)
    cross_encoder = CrossEncoder(folder, device="cpu", model_kwargs={"attn_implementation": "eager"})
    assert isinstance(cross_encoder.activation_fn, torch.nn.Tanh)
    hf_model = cross_encoder.model.eval()

    def compute(f):
        logits = hf_model(**f).logits[0]
        return {"logits": rounded(logits.tolist()), "probs": rounded(cross_encoder.activation_fn(logits).tolist()),
                "label": labels[int(logits.argmax())]}
    write_reference(folder, compute, seed)


def make_is_decoder(folder, seed, family):
    """A plain encoder of family (mpnet or distilbert) saved with is_decoder true."""
    shutil.rmtree(folder, ignore_errors=True)
    torch.manual_seed(seed)
    if family == "mpnet":
        config = transformers.MPNetConfig(vocab_size=VOCAB_SIZE, hidden_size=HIDDEN, num_hidden_layers=2,
                                          num_attention_heads=2, intermediate_size=32, max_position_embeddings=30,
                                          is_decoder=True)
        model_class = transformers.MPNetModel
    else:
        config = transformers.DistilBertConfig(vocab_size=VOCAB_SIZE, dim=HIDDEN, n_layers=2, n_heads=2,
                                               hidden_dim=32, max_position_embeddings=24, is_decoder=True)
        model_class = transformers.DistilBertModel
    model = model_class(config)
    randomize(model, seed)
    model.save_pretrained(folder)
    with open(os.path.join(folder, "config.json")) as f:
        assert json.load(f)["is_decoder"] is True
    # MPNetTokenizer reads vocab.txt: MPNet's special tokens, all in the vocabulary
    write_vocab(folder, ("<s>", "<pad>", "</s>", "[UNK]", "<mask>") if family == "mpnet" else
                ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"))
    model = model_class.from_pretrained(folder, attn_implementation="eager").eval()
    encoder = model_class.from_pretrained(folder, attn_implementation="eager", is_decoder=False).eval()
    assert model.config.is_decoder and not encoder.config.is_decoder

    def compute(f):
        f = {"input_ids": f["input_ids"], "attention_mask": f["attention_mask"]}
        hidden = model(**f).last_hidden_state[0]
        assert torch.equal(hidden, encoder(**f).last_hidden_state[0]), "is_decoder changed the outputs"
        return {"embedding": rounded(hidden.mean(0).tolist()),
                "last_hidden_state_first_token": rounded(hidden[0].tolist())}
    write_reference(folder, compute, seed)


MAKERS = {
    "dense-wider": lambda folder: make_encoder(
        folder, 1, MEAN_FLAGS, {"in_features": HIDDEN, "out_features": 28, "bias": True,
                                "activation_function": "torch.nn.modules.linear.Identity"}),
    "pooling-no-mode": lambda folder: make_encoder(folder, 2, {"word_embedding_dimension": HIDDEN}),
    "gelu-python": lambda folder: make_gelu_python(folder, 3),
    "distilbert-sinusoidal": lambda folder: make_distilbert_sinusoidal(folder, 4),
    "one-label-no-id2label": lambda folder: make_one_label(folder, 5),
    "transformer-subfolder": lambda folder: make_transformer_subfolder(folder, 6),
    "regression": lambda folder: make_regression(folder, 7),
    "cross-encoder-tanh": lambda folder: make_cross_encoder_tanh(folder, 8),
    "mpnet-is-decoder": lambda folder: make_is_decoder(folder, 9, "mpnet"),
    "distilbert-is-decoder": lambda folder: make_is_decoder(folder, 10, "distilbert"),
}


def main():
    out_dir = os.path.join(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "data"), "real-configs")
    for name in sys.argv[2:] or MAKERS:
        MAKERS[name](os.path.join(out_dir, name))


if __name__ == "__main__":
    main()
