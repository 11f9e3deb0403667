#!/usr/bin/env python3
"""Copies a model folder for scripts/gpu-check.sh, small enough to travel to a GPU machine.

usage: gpu-check-models.py SOURCE_DIR DEST_DIR [--f16] [--vocab N] [--planes]
       gpu-check-models.py --unplanes FOLDER...

  --f16      F32 tensors stored as F16 (halves the real model). A tensor with a finite value
             beyond +-65504 would become inf: it is refused, naming the tensor.
  --vocab N  keeps the first N rows of the word embeddings (config.json's vocab_size becomes
             N, vocab.txt its first N lines, tokenizer.json is left out so that the tokenizer
             is read from vocab.txt). For random test models, whose rows are all alike.
  --planes   writes model.safetensors.planes instead: the tensor data with the first byte of
             every 16-bit pair first, then the second, which xz compresses 5% better than
             F16 as stored (the high bytes, sign and exponent, repeat). --unplanes turns each
             FOLDER's model.safetensors.planes back into model.safetensors, byte for byte.
Other tensors (and the ids some models store, I64) keep their dtype (F16 and BF16 test models
stay what they test). The small files of the folder (config, tokenizer, pooling) are copied; README and other prose are not.
--f16 needs numpy; --unplanes needs nothing beyond Python."""
import json
import os
import shutil
import struct
import sys

F16_MAX = 65504.0
WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"
SMALL_FILES = ("config.json", "config_sentence_transformers.json", "modules.json", "sentence_bert_config.json",
               "special_tokens_map.json", "tokenizer_config.json", "tokenizer.json", "vocab.txt")
ELEMENT_BYTES = {"F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4}


def read_safetensors(path):
    with open(path, "rb") as file:
        header_bytes = struct.unpack("<Q", file.read(8))[0]
        header = json.loads(file.read(header_bytes))
        data = file.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        tensors[name] = (info["dtype"], info["shape"], data[start:end])
    return tensors


def write_safetensors(path, tensors, planes=False):
    header, offset, blobs = {}, 0, []
    for name, (dtype, shape, blob) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    header_bytes = json.dumps(header, separators=(",", ":")).encode()
    header_bytes += b" " * (-len(header_bytes) % 8)
    body = b"".join(blobs)
    with open(path + (".planes" if planes else ""), "wb") as file:
        if planes:
            body, length = to_planes(body)
            file.write(struct.pack("<QQ", len(header_bytes), length) + header_bytes + body)
        else:
            file.write(struct.pack("<Q", len(header_bytes)) + header_bytes + body)


def to_planes(blob):
    body = blob + b"\0" * (len(blob) % 2)
    return body[0::2] + body[1::2], len(blob)


def from_planes(planes, length):
    half = len(planes) // 2
    body = bytearray(len(planes))
    body[0::2] = planes[:half]
    body[1::2] = planes[half:]
    return bytes(body[:length])


def unplanes(folder):
    path = os.path.join(folder, "model.safetensors.planes")
    with open(path, "rb") as file:
        header_bytes, length = struct.unpack("<QQ", file.read(16))
        header = file.read(header_bytes)
        planes = file.read()
    with open(os.path.join(folder, "model.safetensors"), "wb") as file:
        file.write(struct.pack("<Q", header_bytes) + header + from_planes(planes, length))
    os.remove(path)


def to_f16(name, blob, source):
    import numpy
    values = numpy.frombuffer(blob, dtype="<f4")
    finite = values[numpy.isfinite(values)]
    largest = float(numpy.abs(finite).max()) if finite.size else 0.0
    if largest > F16_MAX:
        sys.exit(f"{source}: tensor {name} has a value of magnitude {largest:g}, beyond F16's {F16_MAX:g}; "
                 "copy it without --f16")
    return values.astype("<f2").tobytes()


def trimmed_rows(dtype, shape, blob, rows):
    row_bytes = shape[1] * ELEMENT_BYTES[dtype]
    return [rows, shape[1]], blob[:rows * row_bytes]


def main():
    args = sys.argv[1:]
    if args[:1] == ["--unplanes"]:
        for folder in args[1:]:
            unplanes(folder)
        return
    f16 = "--f16" in args
    vocab = int(args[args.index("--vocab") + 1]) if "--vocab" in args else None
    positional = [a for i, a in enumerate(args) if not a.startswith("--") and (i == 0 or args[i - 1] != "--vocab")]
    if len(positional) != 2:
        sys.exit(__doc__)
    source, dest = positional
    os.makedirs(dest, exist_ok=True)
    tensors = read_safetensors(os.path.join(source, "model.safetensors"))
    for name, (dtype, shape, blob) in list(tensors.items()):
        if f16 and dtype == "F32":
            dtype, blob = "F16", to_f16(name, blob, source)
        if vocab is not None and name.endswith(WORD_EMBEDDINGS) and shape[0] > vocab:
            shape, blob = trimmed_rows(dtype, shape, blob, vocab)
        tensors[name] = (dtype, shape, blob)
    write_safetensors(os.path.join(dest, "model.safetensors"), tensors, "--planes" in args)

    for file_name in SMALL_FILES:
        path = os.path.join(source, file_name)
        if not os.path.exists(path) or (vocab is not None and file_name == "tokenizer.json"):
            continue
        shutil.copyfile(path, os.path.join(dest, file_name))
    if os.path.isdir(os.path.join(source, "1_Pooling")):
        shutil.copytree(os.path.join(source, "1_Pooling"), os.path.join(dest, "1_Pooling"), dirs_exist_ok=True)
    if vocab is not None:
        with open(os.path.join(source, "config.json")) as file:
            config = json.load(file)
        config["vocab_size"] = min(vocab, config["vocab_size"])
        with open(os.path.join(dest, "config.json"), "w") as file:
            json.dump(config, file, indent=2)
        with open(os.path.join(source, "vocab.txt"), encoding="utf-8") as file:
            lines = file.readlines()[:vocab]
        with open(os.path.join(dest, "vocab.txt"), "w", encoding="utf-8") as file:
            file.writelines(lines)


if __name__ == "__main__":
    main()
