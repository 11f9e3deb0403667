/* bert_tokenizer_identity.h: a name for what a tokenizer maps text to.
 *
 * Token ids mean something only to a model with the same vocabulary: `tokenizer` with
 * one model in front of `bert-infer` with another runs the second on wrong ids, silently
 * whenever the vocabulary sizes allow it. The identity lets the two compare.
 */
#ifndef BERT_TOKENIZER_IDENTITY_H
#define BERT_TOKENIZER_IDENTITY_H

#include "bert_tokenizer.h"

G_BEGIN_DECLS

/* A hash (32 hex digits of SHA-256) of everything that decides the ids of a text: each
 * id's token text, the normalizer options and the special tokens around a sequence.
 * Two tokenizers with the same identity give the same ids, whatever files they were
 * read from (tokenizer.json or vocab.txt). To free. */
char *bert_tokenizer_compute_identity (const BertTokenizer *tokenizer);

G_END_DECLS

#endif
