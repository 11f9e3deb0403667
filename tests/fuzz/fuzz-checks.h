/* fuzz-checks.h: the invariants the fuzz targets check on tokenizers and models. */
#ifndef FUZZ_CHECKS_H
#define FUZZ_CHECKS_H

#include "bert_engine.h"
#include "fuzz-common.h"

/* Encodes text with tokenizer and checks what every encoding must satisfy: [CLS] first
 * and [SEP] last (or the template's special tokens), ids inside the vocabulary, offsets
 * inside the text, non-empty and in order (ends in order only, where the tokenizer trims
 * offsets as RoBERTa's does), at most max_length tokens, and truncation keeping a prefix
 * of the full encoding. */
void fuzz_check_encode (const BertTokenizer *tokenizer, const char *text, size_t len, guint max_length);

/* Encodes the pair (a, b) truncated to max_length and checks it against each text's own
 * encoding: each text keeps the first of its tokens, as many as longest-first truncation
 * gives it, marked as its sequence, with offsets inside its own text, between the pair
 * template's special tokens; truncated says whether any were dropped. */
void fuzz_check_encode_pair (const BertTokenizer *tokenizer, const char *a, size_t a_len, const char *b,
    size_t b_len, guint max_length);

/* Encodes a few fixed texts with a freshly loaded tokenizer. */
void fuzz_check_tokenizer (const BertTokenizer *tokenizer);

/* Loads the tokenizer at path (a folder or a file, as the elements take it): an error must
 * name path, and a tokenizer that loads goes through fuzz_check_tokenizer. */
void fuzz_check_tokenizer_path (const char *path);

/* Loads the model folder; when it loads, runs a two-sequence batch on the CPU and
 * checks the output's shape against the model's config. */
void fuzz_check_model_folder (const char *folder);

#endif
