#!/usr/bin/env python3
"""Makes the transformers references of test-token-cut: what a tokenizer gives at a smaller
max_length, which bert_token_cut must make of the same text's longer encoding.

For each variant of VARIANTS (a fixture tokenizer.json of data/, maybe edited, in a folder with a
tokenizer_config.json; test-token-cut writes the same folder), loads the folder with
transformers' AutoTokenizer and encodes, for every case of data/pairs/cases.txt, its first and
second text alone and the pair, with truncation=True (longest_first) at the case's max_length.
Outputs, in data/token-cut/:

  NAME-single.txt  per case two lines (the first text, the second), tokens id:type_id:start:end
  NAME-pairs.txt   per case a line of tokens id:type_id:sequence:start:end (sequence -1 for
                   special tokens), byte offsets into the token's own text

transformers 5.25 with tokenizers 0.23.3 made the committed files:

  /tmp/venv-tokenizers/bin/python tests/tokenizer/make-token-cut-references.py

The variants: WordPiece (BertProcessing), Unigram (XLM-R's template) and byte-level BPE
(RobertaProcessing with trim_offsets), each truncating on the right and on the left; a
WordPiece without post-processor (no special tokens); and a Unigram whose pair template puts
its special tokens elsewhere, with other type ids.
"""
import os
import tempfile

from transformers import AutoTokenizer

from length_records import read_pair_cases
from truncation_references import DATA, make_fixture_folder, write_references

OUT = os.path.join(DATA, "token-cut")
FAST = {"tokenizer_class": "PreTrainedTokenizerFast"}
LEFT = {"tokenizer_class": "PreTrainedTokenizerFast", "truncation_side": "left"}
BERT_POST = '"post_processor":{"type":"BertProcessing","sep":["[SEP]",3],"cls":["[CLS]",2]}'
PAIR_FROM = ('"pair":[{"SpecialToken":{"id":"<s>","type_id":0}},{"Sequence":{"id":"A","type_id":0}},'
             '{"SpecialToken":{"id":"</s>","type_id":0}},{"SpecialToken":{"id":"</s>","type_id":0}},'
             '{"Sequence":{"id":"B","type_id":0}},{"SpecialToken":{"id":"</s>","type_id":0}}]')
PAIR_TO = ('"pair":[{"Sequence":{"id":"A","type_id":2}},{"SpecialToken":{"id":"</s>","type_id":3}},'
           '{"Sequence":{"id":"B","type_id":1}},{"SpecialToken":{"id":"<s>","type_id":1}},'
           '{"SpecialToken":{"id":"</s>","type_id":1}}]')
# name: (fixture, tokenizer_config.json, (text replaced in tokenizer.json, by) or None)
VARIANTS = {
    "wordpiece-right": ("wordpiece-bert", FAST, None),
    "wordpiece-left": ("wordpiece-bert", LEFT, None),
    "unigram-right": ("unigram-hf", FAST, None),
    "unigram-left": ("unigram-hf", LEFT, None),
    "bpe-right": ("bpe-roberta", FAST, None),
    "bpe-left": ("bpe-roberta", LEFT, None),
    "wordpiece-no-specials-left": ("wordpiece-bert", LEFT, (BERT_POST, '"post_processor":null')),
    "unigram-pair-template-left": ("unigram-hf", LEFT, (PAIR_FROM, PAIR_TO)),
}


def main():
    cases = read_pair_cases(os.path.join(DATA, "pairs", "cases.txt"))
    os.makedirs(OUT, exist_ok=True)
    for name, (fixture, config, edit) in VARIANTS.items():
        with tempfile.TemporaryDirectory() as folder:
            make_fixture_folder(folder, fixture, config, edit)
            tokenizer = AutoTokenizer.from_pretrained(folder)
            assert tokenizer.truncation_side == config.get("truncation_side", "right"), name
            write_references(OUT, name, tokenizer, cases)


if __name__ == "__main__":
    main()
