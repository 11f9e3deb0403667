"""What the slow-folder fixture scripts share (make-roberta-slow-fixtures.py,
make-mpnet-slow-fixtures.py, make-spm-slow-fixtures.py, make-albert-spiece-fixtures.py).

Each builds folders of a slow tokenizer's files (no tokenizer.json), one per variant of its
settings files, loads them with transformers' AutoTokenizer and writes into each variant's
folder its settings files and transformers' encodings as lines: expected.txt, per text,
id:type_id:start:end; expected-pairs.txt, per pair case, id:type_id:sequence:start:end,
sequence -1 for special tokens; with byte offsets, 0:0 for special tokens.
"""
import json
import os
import shutil
import tempfile

from length_records import read_pair_cases

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def pair_cases():
    """The pair cases (a, b, max_length) of data/pairs/cases.txt."""
    return read_pair_cases(os.path.join(DATA, "pairs", "cases.txt"))


def saved_token(content, lstrip=False):
    """A special token as transformers 3 and 4 saved it in tokenizer_config.json."""
    return {"__type": "AddedToken", "content": content, "lstrip": lstrip, "normalized": True, "rstrip": False,
            "single_word": False}


def byte_positions(text):
    positions = [0]
    for c in text:
        positions.append(positions[-1] + len(c.encode("utf-8")))
    return positions


def tokens_line(ids, type_ids, sequence_ids, offsets, texts, with_sequence):
    """One encoding of texts (one text, or a pair) as a line, offsets in bytes of its text."""
    tokens = []
    for token_id, type_id, sequence, (start, end) in zip(ids, type_ids, sequence_ids, offsets):
        if sequence is None:
            start = end = 0
        else:
            positions = byte_positions(texts[sequence])
            start, end = positions[start], positions[end]
        sequence_field = f"{-1 if sequence is None else sequence}:" if with_sequence else ""
        tokens.append(f"{token_id}:{type_id}:{sequence_field}{start}:{end}")
    return " ".join(tokens)


def encoding_line(encoding, texts, with_sequence):
    """A tokenizers Encoding (a backend tokenizer's) as a line."""
    return tokens_line(encoding.ids, encoding.type_ids, encoding.sequence_ids, encoding.offsets, texts,
                       with_sequence)


def batch_encoding_line(encoding, texts, with_sequence):
    """transformers' BatchEncoding of one text, or of a batch of one, with token type ids and
    offsets, as a line."""
    batched = isinstance(encoding["input_ids"][0], list)
    fields = [encoding[name][0] if batched else encoding[name]
              for name in ("input_ids", "token_type_ids", "offset_mapping")]
    return tokens_line(fields[0], fields[1], encoding.sequence_ids(0), fields[2], texts, with_sequence)


def transformers_lines(tokenizer, texts, pairs):
    """tokenizer's lines for each text and for each pair case (a, b, max_length), cut longest
    first."""
    singles = [batch_encoding_line(tokenizer(text, return_token_type_ids=True, return_offsets_mapping=True),
                                   [text], False) for text in texts]
    # A batch of one: tokenizer(a, "") would encode a alone, as if no pair were given.
    pair_lines = [batch_encoding_line(tokenizer([a], [b], truncation="longest_first", max_length=max_length,
                                                return_token_type_ids=True, return_offsets_mapping=True),
                                      [a, b], True) for a, b, max_length in pairs]
    return singles, pair_lines


def write_json_files(files, *folders):
    """Writes each file of files ({name: JSON value}) into each of folders."""
    for file_name, content in files.items():
        for folder in folders:
            with open(os.path.join(folder, file_name), "w", encoding="utf-8") as f:
                json.dump(content, f, indent=2)


def write_lines(folder, outputs):
    """Writes each file of outputs ((name, lines)) into folder, a line each."""
    for file_name, lines in outputs:
        with open(os.path.join(folder, file_name), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")


def write_variants(out, variants, base_files, texts, pairs, references):
    """For each variant (name: its settings files) of variants, out/NAME/ with its settings
    files and the lines references(folder, texts, pairs) gives (singles, pair lines) for a
    folder of them and out's base_files."""
    for name, files in variants.items():
        variant = os.path.join(out, name)
        shutil.rmtree(variant, ignore_errors=True)
        os.makedirs(variant)
        with tempfile.TemporaryDirectory() as folder:
            for base in base_files:
                shutil.copy(os.path.join(out, base), folder)
            write_json_files(files, variant, folder)
            singles, pair_lines = references(folder, texts, pairs)
        write_lines(variant, (("expected.txt", singles), ("expected-pairs.txt", pair_lines)))
        print(f"{variant}: {len(singles)} texts, {len(pair_lines)} pairs")
