/* bert_numeric_chars.h: the characters Hugging Face tokenizers' Digits pre-tokenizer splits off. */
#ifndef BERT_NUMERIC_CHARS_H
#define BERT_NUMERIC_CHARS_H

#include <glib.h>
#include <stdint.h>

/* Rust's char::is_numeric (general category N: Nd, Nl, No) in the reference's Rust release. */
gboolean bert_is_numeric_char (uint32_t cp);

#endif
