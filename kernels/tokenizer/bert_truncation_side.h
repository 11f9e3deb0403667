/* bert_truncation_side.h: which end of a long text truncation keeps (tokenizer-private).
 *
 * transformers (5.24) truncates on the side its truncation_side says: tokenizer_config.json's
 * "truncation_side" ("right", the default, or "left"; any other value is an error), else,
 * where tokenizer.json has a truncation, its "direction" ("Right" or "Left"). It passes it
 * to Hugging Face tokenizers as the truncation direction: "left" keeps the end of the text,
 * dropping tokens from its start (Encoding::truncate with TruncationDirection::Left), for a
 * single text and for each text of a pair, whose lengths longest_first computes as on the
 * right. Kept tokens keep their offsets.
 */
#ifndef BERT_TRUNCATION_SIDE_H
#define BERT_TRUNCATION_SIDE_H

#include <json-glib/json-glib.h>

#include "bert_tokenizer.h"

G_BEGIN_DECLS

/* tokenizer_config.json's truncation_side into *keep_end (TRUE for "left"); absent or
 * null leaves it as it is. Errors name file and the field. */
gboolean bert_truncation_side_read (JsonObject *config, const char *file, gboolean *keep_end, GError **error);

/* tokenizer.json's truncation (NULL: none) into *keep_end: TRUE where its direction is
 * "Left". Other values are refused by bert_json_check_refusals. */
void bert_truncation_direction_read (JsonObject *truncation, gboolean *keep_end);

/* RobertaProcessing's trim_offsets runs after truncation and spares the one leading
 * space of each text's first token where add_prefix_space is set: after a cut on the left,
 * the first token kept, which the pipeline trimmed as a later one. Gives token (that first
 * token, its offsets into text) back the character trimmed from its start. */
void bert_truncation_untrim_first (const BertTokenizer *tokenizer, BertEncoding *encoding, uint32_t token,
    const char *text);

/* Removes the tokens [at, at + n) of encoding, moving those after them up; sequence_start
 * and sequence_length are left to the caller. */
void bert_encoding_drop_tokens (BertEncoding *encoding, uint32_t at, uint32_t n);

G_END_DECLS

#endif
