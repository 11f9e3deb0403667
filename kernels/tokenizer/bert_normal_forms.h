/* bert_normal_forms.h: the NFKD, NFC and NFKC normalisers of Hugging Face tokenizers over a
 * BertNormalized, offsets included (NFD is bert_normalized_nfd).
 *
 * The reference (unicode-normalization-alignments) decomposes each character, its first
 * part replacing it and the others inserted after it, sorts each run of marks by combining
 * class, the parts taking their changes with them, and then (NFC, NFKC) recomposes: a
 * composite takes the changes of its two parts less one. The transform then hands out
 * spans by position, as bert_normalized_add does.
 */
#ifndef BERT_NORMAL_FORMS_H
#define BERT_NORMAL_FORMS_H

#include "bert_char_set.h"
#include "bert_normalized.h"

void bert_normalized_nfkd (BertNormalized *normalized);
void bert_normalized_nfc (BertNormalized *normalized);
void bert_normalized_nfkc (BertNormalized *normalized);

#define BERT_CODE_POINTS 0x110000

/* Normalized added tokens: adds to triggers every character from which the normal form
 * (compatible: NFKD, NFKC; composed: NFC, NFKC) may make a member. A member is kept, a part
 * of some character's decomposition, or (composed) a composite, whose canonical parts are
 * then some characters' parts: a character whose decomposition holds a member or a part
 * of one's is added. */
void bert_normal_form_add_sources (BertCharSet *triggers, gboolean compatible, gboolean composed);

#endif
