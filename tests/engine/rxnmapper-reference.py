#!/usr/bin/env python3
"""Writes transformers' encoder outputs of chemical reactions with the real ALBERT that
PyPI's rxnmapper wheel bundles, its inputs tokenized by rxnmapper's own SmilesTokenizer,
in the reference format of test-engine-parity and check-pypi-elements.py.

usage: rxnmapper-reference.py UNZIPPED_WHEEL FOLDER REACTIONS OUT.jsonl [--ids-from REF.jsonl]
       [--max-length N]

UNZIPPED_WHEEL is the rxnmapper wheel unzipped (its rxnmapper/tokenization_smiles.py is
imported; the SMILES regular expression is read from rxnmapper/smiles_utils.py as text,
since that module needs RDKit); FOLDER the model folder (config.json, the shipped
pytorch_model.bin or a model.safetensors in F32, F16 or BF16, run in fp32); REACTIONS
one reaction SMILES a line. Each reaction is tokenized as rxnmapper tokenizes it ([CLS]
tokens [SEP], truncated to --max-length, default 512) and run alone through AlbertModel
on the CPU in fp32. Each line of OUT.jsonl holds "text": the tokens joined by single
spaces (what the elements read through the folder's WhitespaceSplit tokenizer.json,
check-pypi-rxnmapper.sh), "smiles": the reaction, the ids and type ids, "embedding": the
mean of the last hidden states (gst-bert's pooling where a folder has no modules.json)
and the first token's last hidden state.

rxnmapper requires transformers < 5: its SmilesTokenizer subclasses the slow
BertTokenizer. With --ids-from the ids come from an earlier reference instead, so that
another transformers (5.x) runs the model on the same ids without the tokenizer.
Needs torch and transformers.
"""
import argparse
import ast
import json
import os
import re
import sys
import types

import torch
import transformers


def rxnmapper_tokenizer(wheel, folder):
    """rxnmapper's SmilesTokenizer, imported from the wheel without its package __init__
    (which imports RDKit and pkg_resources)."""
    package = types.ModuleType("rxnmapper")
    package.__path__ = [os.path.join(wheel, "rxnmapper")]
    sys.modules["rxnmapper"] = package
    with open(os.path.join(wheel, "rxnmapper", "smiles_utils.py"), encoding="utf-8") as f:
        pattern = re.search(r"^SMI_REGEX_PATTERN = (r\".*\")$", f.read(), re.M).group(1)
    smiles_utils = types.ModuleType("rxnmapper.smiles_utils")
    smiles_utils.SMI_REGEX_PATTERN = ast.literal_eval(pattern)
    sys.modules["rxnmapper.smiles_utils"] = smiles_utils
    from rxnmapper.tokenization_smiles import SmilesTokenizer

    return SmilesTokenizer(os.path.join(folder, "vocab.txt"))


def inputs(args):
    with open(args.reactions, encoding="utf-8") as f:
        reactions = [line.rstrip("\n") for line in f if line.strip()]
    if args.ids_from:
        with open(args.ids_from, encoding="utf-8") as f:
            earlier = [json.loads(line) for line in f]
        if [line["smiles"] for line in earlier] != reactions:
            sys.exit("%s: its reactions are not those of %s" % (args.ids_from, args.reactions))
        return [(line["smiles"], line["text"], line["ids"]) for line in earlier]
    tokenizer = rxnmapper_tokenizer(args.wheel, args.folder)
    result = []
    for smiles in reactions:
        ids = tokenizer(smiles, truncation=True, max_length=args.max_length)["input_ids"]
        tokens = tokenizer.tokenize(smiles)[:len(ids) - 2]
        if any(" " in token for token in tokens):
            sys.exit("%r: a token holds a space, so the spaced text cannot give its ids" % smiles)
        result.append((smiles, " ".join(tokens), ids))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("wheel")
    parser.add_argument("folder")
    parser.add_argument("reactions")
    parser.add_argument("out")
    parser.add_argument("--ids-from", help="take the ids (and texts) from this earlier reference")
    parser.add_argument("--max-length", type=int, default=512)
    args = parser.parse_args()
    # fp32 whatever the file stores (transformers 5 would keep F16 or BF16 weights as they are)
    dtype = {"dtype" if int(transformers.__version__.split(".")[0]) >= 5 else "torch_dtype": torch.float32}
    model = transformers.AlbertModel.from_pretrained(args.folder, attn_implementation="eager", **dtype).eval()
    lines = inputs(args)
    with open(args.out, "w", encoding="utf-8") as out, torch.no_grad():
        for smiles, text, ids in lines:
            hidden = model(input_ids=torch.tensor([ids]), token_type_ids=torch.zeros(1, len(ids), dtype=torch.long),
                           attention_mask=torch.ones(1, len(ids), dtype=torch.long)).last_hidden_state[0]
            line = {"text": text, "smiles": smiles, "ids": ids, "type_ids": [0] * len(ids),
                    "embedding": [float("%.8g" % value) for value in hidden.mean(dim=0).tolist()],
                    "last_hidden_state_first_token": [float("%.8g" % value) for value in hidden[0].tolist()]}
            out.write(json.dumps(line) + "\n")
    lengths = [len(ids) for _, _, ids in lines]
    print("%s: %d reactions, %d to %d tokens (transformers %s)"
          % (args.out, len(lines), min(lengths), max(lengths), transformers.__version__))


if __name__ == "__main__":
    main()
