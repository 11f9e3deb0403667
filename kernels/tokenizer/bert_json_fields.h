/* bert_json_fields.h: typed reads of JSON members shared by the tokenizer's loaders
 * (tokenizer.json, tokenizer_config.json, sentence_bert_config.json). Each returns FALSE
 * with a BERT_TOKENIZER_ERROR_FORMAT error naming the file and the field when the member
 * has another type. An absent or null member is not an error: get_bool and get_string
 * leave *value as it is, get_object and get_array set it to NULL.
 */
#ifndef BERT_JSON_FIELDS_H
#define BERT_JSON_FIELDS_H

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

gboolean bert_json_field_error (GError **error, const char *file, const char *field, const char *expected);
/* The member, or NULL when absent or null. */
JsonNode *bert_json_member (JsonObject *object, const char *name);
gboolean bert_json_get_bool (JsonObject *object, const char *name, const char *file, const char *field,
    gboolean *value, GError **error);
gboolean bert_json_get_string (JsonObject *object, const char *name, const char *file, const char *field,
    const char **value, GError **error);
gboolean bert_json_get_object (JsonObject *object, const char *name, const char *file, const char *field,
    JsonObject **value, GError **error);
gboolean bert_json_get_array (JsonObject *object, const char *name, const char *file, const char *field,
    JsonArray **value, GError **error);

G_END_DECLS

#endif
