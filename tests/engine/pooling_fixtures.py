"""What make-pooling-models.py and make-concat-pooling-models.py share: one random BERT
(hidden 16, 2 layers, F32; the WordPiece vocabulary of tests/data/tiny-model,
max_seq_length 32) saved under sentence-transformers module stacks, and
sentence-transformers' embeddings of TEXTS as the folders' references."""
import json
import os
import shutil

import torch
import transformers
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import Dense, Normalize, Pooling, Transformer

from fixture_weights import randomize, rounded

HERE = os.path.dirname(os.path.abspath(__file__))
TINY_MODEL = os.path.join(HERE, "..", "data", "tiny-model")
HIDDEN = 16
MAX_SEQ_LENGTH = 32
# of unequal lengths in tokens, the last cut at MAX_SEQ_LENGTH
TEXTS = ["hello world", "a", "", "the quick brown fox jump over the lazy dog",
         "Hello, WORLD! music playing", "the lazy dog " * 12]
# each mode's flag in the flags form of the Pooling config.json
FLAGS = {"cls": "pooling_mode_cls_token", "max": "pooling_mode_max_tokens", "mean": "pooling_mode_mean_tokens",
         "mean_sqrt_len_tokens": "pooling_mode_mean_sqrt_len_tokens",
         "weightedmean": "pooling_mode_weightedmean_tokens", "lasttoken": "pooling_mode_lasttoken"}


def pooling_flags(*modes):
    """A Pooling config.json of the flags form, true for modes."""
    return {"word_embedding_dimension": HIDDEN, **{flag: mode in modes for mode, flag in FLAGS.items()}}


def make_encoder(folder, seed):
    """The random BERT, its weights drawn from seed, saved with its tokenizer in folder."""
    tokenizer = transformers.BertTokenizerFast.from_pretrained(TINY_MODEL, model_max_length=MAX_SEQ_LENGTH)
    config = transformers.BertConfig(vocab_size=len(tokenizer), hidden_size=HIDDEN, num_hidden_layers=2,
                                     num_attention_heads=2, intermediate_size=32, max_position_embeddings=64,
                                     type_vocab_size=2)
    model = transformers.BertModel(config, add_pooling_layer=False)
    randomize(model, seed)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def make_dense(in_features, out_features, seed, spread):
    """Dense in_features -> out_features with Tanh, weights and bias drawn from N(0, spread^2)."""
    generator = torch.Generator().manual_seed(seed)
    dense = Dense(in_features, out_features, activation_function=torch.nn.Tanh())
    with torch.no_grad():
        dense.linear.weight.copy_(spread * torch.randn(dense.linear.weight.shape, generator=generator))
        dense.linear.bias.copy_(spread * torch.randn(dense.linear.bias.shape, generator=generator))
    return dense


def make_folder(folder, raw, pooling_config, dense, normalize):
    """folder: the encoder of raw, a Pooling module with pooling_config as its config.json, then
    dense (a Dense module, or None) and Normalize where normalize."""
    # Loading raw adds BertModel's pooler, drawn from torch's global generator and saved with
    # the rest (no embedding uses it): seeded, so that each run writes the same file.
    torch.manual_seed(0)
    modules = [Transformer(raw, max_seq_length=MAX_SEQ_LENGTH), Pooling(HIDDEN, pooling_mode="mean")]
    if dense is not None:
        modules.append(dense)
    if normalize:
        modules.append(Normalize())
    shutil.rmtree(folder, ignore_errors=True)
    SentenceTransformer(modules=modules, device="cpu").save(folder)
    for name in ("README.md", "special_tokens_map.json", "vocab.txt"):
        if os.path.exists(os.path.join(folder, name)):
            os.remove(os.path.join(folder, name))
    with open(os.path.join(folder, "1_Pooling", "config.json"), "w") as f:
        json.dump(pooling_config, f, indent=1)


def load(folder):
    """The folder as sentence-transformers reads it: the reference is what the folder holds."""
    return SentenceTransformer(folder, device="cpu", model_kwargs={"attn_implementation": "eager"}).eval()


def embeddings(model, prompt=None):
    """encode() of TEXTS in one padded batch, checked against each text alone."""
    batch = model.encode(TEXTS, batch_size=len(TEXTS), convert_to_tensor=True, prompt=prompt)
    alone = torch.stack([model.encode([text], convert_to_tensor=True, prompt=prompt)[0] for text in TEXTS])
    assert torch.allclose(batch, alone, atol=1e-5, rtol=0), (batch - alone).abs().max()
    return batch


def write_reference(folder, model, prompt=None):
    """folder/reference.jsonl: per text, the ids and type ids sentence-transformers ran (the
    prompt's included, with the prompt and its length where there is one) and its embedding."""
    features = model.preprocess(TEXTS, prompt=prompt)
    lengths = features["attention_mask"].sum(1).tolist()
    assert len(set(lengths)) == len(TEXTS) and max(lengths) == MAX_SEQ_LENGTH, lengths
    result = embeddings(model, prompt)
    with open(os.path.join(folder, "reference.jsonl"), "w", encoding="utf-8") as out:
        for row, (text, embedding) in enumerate(zip(TEXTS, result.tolist())):
            n = lengths[row]
            line = {"text": text, "ids": features["input_ids"][row][:n].tolist(),
                    "type_ids": features["token_type_ids"][row][:n].tolist()}
            if prompt is not None:
                line["prompt"] = prompt
                line["prompt_length"] = int(features["prompt_length"])
            line["embedding"] = rounded(embedding)
            out.write(json.dumps(line) + "\n")


def write_modes(path, folder, modes):
    """path: the embeddings of TEXTS by the folder (a name) with its Pooling set to each mode
    ({mode: embeddings}), and the versions that made them."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"made_with": {"transformers": transformers.__version__,
                                 "sentence_transformers": __import__("sentence_transformers").__version__},
                   "folder": folder, "texts": TEXTS, "modes": modes}, f, indent=None)
        f.write("\n")
