/* bert_json_refusals.h: what Hugging Face tokenizers (0.23) refuses in a tokenizer.json that
 * the readers, which read only what they use, would let through.
 *
 * tokenizers reads the whole file before it builds anything: a "version" other than "1.0",
 * a truncation or padding without one of its members, an added token without one of its
 * flags, a decoder it does not know (this library does not decode) or a model of a known
 * type without the members that type needs make it refuse the file. So does this library,
 * naming the field and what tokenizers expects there.
 */
#ifndef BERT_JSON_REFUSALS_H
#define BERT_JSON_REFUSALS_H

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* FALSE, with a BERT_TOKENIZER_ERROR_FORMAT naming file and field, where tokenizers refuses
 * root. taken_pieces: as for bert_json_model_type. */
gboolean bert_json_check_refusals (JsonObject *root, gint64 taken_pieces, const char *file, GError **error);

/* The error for a normaliser tokenizers refuses (bert_json_normalizer_type gave NULL). */
gboolean bert_json_normalizer_refused (JsonObject *normalizer, const char *file, const char *field,
    GError **error);

G_END_DECLS

#endif
