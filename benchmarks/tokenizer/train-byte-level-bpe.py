#!/usr/bin/env python3
"""Trains a RoBERTa-sized byte-level BPE on a text, to measure speed at a real vocabulary's scale.

  pip install tokenizers
  train-byte-level-bpe.py TEXT OUT_FOLDER [--vocab-size 50265]

The test fixture bpe-roberta has 2,000 tokens and 1,740 merges: its merge table fits the CPU's
first-level cache and words need few merges each. RoBERTa and GPT-2 have 50,265 tokens and
50,000 merges. This writes OUT_FOLDER/tokenizer.json set up as the fixture (ByteLevel with
add_prefix_space, RobertaProcessing with trim_offsets, <s> <pad> </s> <unk> <mask>), trained on
TEXT with Hugging Face tokenizers' BpeTrainer. The file is a few MB: not for the repository.
"""
import argparse
import os

from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors, trainers


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("text", help="training text, one sequence per line")
    parser.add_argument("out", help="folder to write tokenizer.json into")
    parser.add_argument("--vocab-size", type=int, default=50265)
    args = parser.parse_args()

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=args.vocab_size - 1, show_progress=False,
                                  special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train([args.text], trainer)
    tokenizer.add_special_tokens([AddedToken("<mask>", lstrip=True, normalized=False, special=True)])
    tokenizer.post_processor = processors.RobertaProcessing(
        ("</s>", tokenizer.token_to_id("</s>")), ("<s>", tokenizer.token_to_id("<s>")),
        trim_offsets=True, add_prefix_space=True)
    os.makedirs(args.out, exist_ok=True)
    tokenizer.save(os.path.join(args.out, "tokenizer.json"))
    print(f"{args.out}/tokenizer.json: {tokenizer.get_vocab_size()} tokens")


if __name__ == "__main__":
    main()
