"""The tokenizer tests' files of length-prefixed records, as length_records.c reads them.

A record is its text's length in bytes in decimal, a newline, the text (which may hold
newlines) and a newline; a pair case is its max_length on a line, then its two texts as
records. The fixture scripts beside this file import it.
"""


def _record(data, at):
    end = data.index(b"\n", at)
    length = int(data[at:end])
    return data[end + 1:end + 1 + length].decode("utf-8"), end + 1 + length + 1


def read_records(path):
    with open(path, "rb") as f:
        data = f.read()
    texts, at = [], 0
    while at < len(data):
        text, at = _record(data, at)
        texts.append(text)
    return texts


def write_records(path, texts):
    with open(path, "wb") as f:
        for text in texts:
            data = text.encode("utf-8")
            f.write(b"%d\n%s\n" % (len(data), data))


def read_pair_cases(path):
    """(first text, second text, max_length) of each case."""
    with open(path, "rb") as f:
        data = f.read()
    cases, at = [], 0
    while at < len(data):
        end = data.index(b"\n", at)
        max_length = int(data[at:end])
        first, at = _record(data, end + 1)
        second, at = _record(data, at)
        cases.append((first, second, max_length))
    return cases
