/* bert_word_chars.h: the word characters (the regex class \w) around a single_word added
 * token, as Hugging Face tokenizers classes them. */
#ifndef BERT_WORD_CHARS_H
#define BERT_WORD_CHARS_H

#include <glib.h>
#include <stdint.h>

/* Alphabetic, marks, decimal digits, connector punctuation and joiners, in the Unicode
 * version of the reference's regex engine. */
gboolean bert_is_word_char (uint32_t cp);

#endif
