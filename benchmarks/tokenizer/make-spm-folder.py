#!/usr/bin/env python3
"""Writes an XLM-R tokenizer.json's vocabulary back as an XLM-R folder of sentencepiece.bpe.model.

Many XLM-R folders on the Hub have only the slow tokenizer's sentencepiece.bpe.model, which
the loader reads without the JSON (bert_sentencepiece_files.c). To time that load at XLM-R's
size offline, this turns make-large-unigram.py's tokenizer.json into such a folder: a
sentencepiece ModelProto of <unk> <s> </s> and the pieces between XLM-R's four fairseq
entries and <mask> (the order XLMRobertaTokenizer maps back to the same ids), their scores
(stored as 32-bit floats, as sentencepiece stores them), the Precompiled normaliser's
charsmap, and a config.json naming xlm-roberta.

  make-spm-folder.py TOKENIZER_JSON OUTPUT_FOLDER

Needs sentencepiece and protobuf (see docs/tokenizer.md).
"""
import argparse
import base64
import json
import os
import sys

from sentencepiece import sentencepiece_model_pb2

FAIRSEQ_FIRSTS = ["<s>", "<pad>", "</s>", "<unk>"]
NORMAL, UNKNOWN, CONTROL = 1, 2, 3


def charsmap(normalizer):
    """The Precompiled normaliser's charsmap, alone or in a Sequence (XLM-R's converter)."""
    steps = normalizer.get("normalizers", [normalizer]) if normalizer else []
    maps = [step["precompiled_charsmap"] for step in steps if step.get("type") == "Precompiled"]
    return base64.b64decode(maps[0]) if maps else b""


def model_proto(config):
    vocab = config["model"]["vocab"]
    if [piece for piece, _ in vocab[:4]] != FAIRSEQ_FIRSTS or vocab[-1][0] != "<mask>":
        sys.exit("not an XLM-R vocabulary: it must begin <s> <pad> </s> <unk> and end <mask>")
    proto = sentencepiece_model_pb2.ModelProto()
    for text, kind in (("<unk>", UNKNOWN), ("<s>", CONTROL), ("</s>", CONTROL)):
        piece = proto.pieces.add()
        piece.piece, piece.score, piece.type = text, 0.0, kind
    for text, score in vocab[4:-1]:
        piece = proto.pieces.add()
        piece.piece, piece.score, piece.type = text, score, NORMAL
    proto.trainer_spec.model_type = sentencepiece_model_pb2.TrainerSpec.UNIGRAM
    proto.trainer_spec.vocab_size = len(proto.pieces)
    proto.trainer_spec.unk_id = 0
    proto.normalizer_spec.name = "nmt_nfkc"
    proto.normalizer_spec.precompiled_charsmap = charsmap(config.get("normalizer"))
    return proto


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tokenizer_json", help="an XLM-R tokenizer.json (make-large-unigram.py's)")
    parser.add_argument("output", help="folder to write sentencepiece.bpe.model and config.json into")
    args = parser.parse_args()

    with open(args.tokenizer_json, encoding="utf-8") as f:
        proto = model_proto(json.load(f))
    os.makedirs(args.output, exist_ok=True)
    with open(os.path.join(args.output, "sentencepiece.bpe.model"), "wb") as f:
        f.write(proto.SerializeToString())
    with open(os.path.join(args.output, "config.json"), "w", encoding="utf-8") as f:
        json.dump({"model_type": "xlm-roberta"}, f)
    print(f"{args.output}/sentencepiece.bpe.model: {len(proto.pieces)} pieces")


if __name__ == "__main__":
    main()
