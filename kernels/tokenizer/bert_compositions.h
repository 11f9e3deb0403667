/* bert_compositions.h: the compatibility decompositions and canonical compositions of Hugging
 * Face tokenizers' NFKD, NFC and NFKC normalisers, generated from tokenizers itself
 * (gen-compositions.py), so in the Unicode version of its unicode-normalization-alignments
 * crate. */
#ifndef BERT_COMPOSITIONS_H
#define BERT_COMPOSITIONS_H

#include <glib.h>
#include <stdint.h>
#include <string.h>

/* The longest compatibility decomposition (U+FDFA); the generated table checks it. */
#define BERT_COMPATIBILITY_MAX_PARTS 18

/* Writes cp's full compatibility decomposition into parts and returns its length, or returns
 * 0 where it is the canonical one (bert_unicode_tables.c's NFD, or Hangul's). */
unsigned bert_compatibility_decompose (uint32_t cp, uint32_t *parts);

/* Whether cp is the second of some composition but Hangul's. */
gboolean bert_is_composition_second (uint32_t cp);

/* The primary composite of first and second, or 0; Hangul syllables not included. */
uint32_t bert_compose_pair (uint32_t first, uint32_t second);

#endif
