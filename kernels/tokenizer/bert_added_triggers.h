/* bert_added_triggers.h: the characters of raw text from which a normaliser may make the
 * first character of a normalized added token's pattern.
 *
 * Hugging Face normalises each piece of text between raw added tokens, then searches it for
 * the normalized ones: the encoders skip both for a piece holding none of these characters,
 * where no pattern can start after normalisation. The set is derived from each normaliser's
 * behaviour and errs on the side of too many: a character that might is in.
 */
#ifndef BERT_ADDED_TRIGGERS_H
#define BERT_ADDED_TRIGGERS_H

#include "bert_char_set.h"
#include "bert_tokenizer_private.h"

/* For the tokenizer's normalized_added, through its pipeline's normaliser steps or its
 * BertNormalizer (options and mode set); the result is finished. */
void bert_added_triggers_derive (const BertTokenizer *tokenizer, BertCharSet *triggers);

#endif
