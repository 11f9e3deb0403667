"""Writes what transformers' truncation gives for the pair cases, as the truncation tests
read it (test-truncation-side, test-token-cut), from folders of a fixture tokenizer.json and a
tokenizer_config.json. The reference scripts beside this file import it.

  NAME-single.txt  per case two lines (the first text, the second), tokens id:type_id:start:end
  NAME-pairs.txt   per case a line of tokens id:type_id:sequence:start:end (sequence -1 for
                   special tokens), byte offsets into the token's own text
"""
import json
import os

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def byte_positions(text):
    positions = [0]
    for c in text:
        positions.append(positions[-1] + len(c.encode("utf-8")))
    return positions


def describe(encoding, texts, with_sequence):
    positions = [byte_positions(text) for text in texts]
    tokens = []
    for token_id, type_id, sequence, special, (start, end) in zip(
            encoding.ids, encoding.type_ids, encoding.sequence_ids, encoding.special_tokens_mask,
            encoding.offsets):
        if sequence is None or special:
            tokens.append(f"{token_id}:{type_id}:-1:0:0" if with_sequence else f"{token_id}:{type_id}:0:0")
            continue
        span = f"{positions[sequence][start]}:{positions[sequence][end]}"
        tokens.append(f"{token_id}:{type_id}:{sequence}:{span}" if with_sequence else f"{token_id}:{type_id}:{span}")
    return " ".join(tokens)


def make_fixture_folder(folder, fixture, config, edit):
    """folder: the tokenizer.json of data/FIXTURE, with its first edit[0] replaced by edit[1]
    where edit is not None, and config as its tokenizer_config.json."""
    with open(os.path.join(DATA, fixture, "tokenizer.json"), encoding="utf-8") as f:
        text = f.read()
    if edit:
        assert edit[0] in text
        text = text.replace(edit[0], edit[1], 1)
    with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump(config, f)


def write_references(out, name, tokenizer, cases):
    """Each case's texts alone and its pair, truncated to its max_length, into out/NAME-*.txt."""
    with open(os.path.join(out, name + "-single.txt"), "w", encoding="utf-8") as single, \
            open(os.path.join(out, name + "-pairs.txt"), "w", encoding="utf-8") as pairs:
        for a, b, max_length in cases:
            for text in (a, b):
                encoding = tokenizer([text], truncation=True, max_length=max_length).encodings[0]
                single.write(describe(encoding, [text], False) + "\n")
            # Batched: a call with one pair takes an empty second text for none.
            encoding = tokenizer([a], [b], truncation="longest_first", max_length=max_length).encodings[0]
            pairs.write(describe(encoding, [a, b], True) + "\n")
