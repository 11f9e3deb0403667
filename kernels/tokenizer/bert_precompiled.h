/* bert_precompiled.h: the Precompiled normaliser of SentencePiece models.
 *
 * tokenizer.json carries sentencepiece's precompiled_charsmap in base64: a little-endian
 * uint32 size, a Darts-clone double-array trie of that many bytes whose values index the
 * rest, NUL-separated normalised strings. The normaliser walks the text by extended
 * grapheme clusters as Hugging Face's does: a cluster shorter than 6 bytes is replaced
 * whole by the string of its shortest prefix in the trie, if any; otherwise each character
 * is looked up alone.
 */
#ifndef BERT_PRECOMPILED_H
#define BERT_PRECOMPILED_H

#include "bert_normalized.h"

typedef struct _BertPrecompiled BertPrecompiled;

/* Decodes the base64 charsmap; errors name file and field. An empty charsmap is allowed
 * and changes nothing. */
BertPrecompiled *bert_precompiled_new (const char *base64, const char *file, const char *field,
    GError **error);
void bert_precompiled_free (BertPrecompiled *precompiled);

/* Calls visit with each key the normaliser may match (a cluster's or a character's shortest
 * prefix in the trie, so at most 5 bytes) and its normalised string. FALSE, having stopped,
 * where the trie holds more paths that short than it has units, as only a hostile one can. */
typedef void (*BertPrecompiledVisit) (const char *key, guint key_length, const char *norm, gpointer data);
gboolean bert_precompiled_foreach_key (const BertPrecompiled *precompiled, BertPrecompiledVisit visit,
    gpointer data);

void bert_precompiled_normalize (const BertPrecompiled *precompiled, BertNormalized *normalized,
    GArray *scratch);

#endif
