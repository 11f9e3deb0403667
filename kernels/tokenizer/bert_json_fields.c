/* bert_json_fields.c: typed reads of JSON members for the tokenizer's loaders, with errors
 * naming the file and the field. */
#include "bert_json_fields.h"
#include "bert_tokenizer.h"

gboolean
bert_json_field_error (GError **error, const char *file, const char *field, const char *expected)
{
  g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT, "%s: field '%s' must be %s", file,
      field, expected);
  return FALSE;
}

/* The member, or NULL when absent or null. */
JsonNode *
bert_json_member (JsonObject *object, const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;
  return node && !JSON_NODE_HOLDS_NULL (node) ? node : NULL;
}

gboolean
bert_json_get_bool (JsonObject *object, const char *name, const char *file, const char *field,
    gboolean *value, GError **error)
{
  JsonNode *node = bert_json_member (object, name);
  if (node == NULL)
    return TRUE;
  if (json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return bert_json_field_error (error, file, field, "true or false");
  *value = json_node_get_boolean (node);
  return TRUE;
}

gboolean
bert_json_get_string (JsonObject *object, const char *name, const char *file, const char *field,
    const char **value, GError **error)
{
  JsonNode *node = bert_json_member (object, name);
  if (node == NULL)
    return TRUE;
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    return bert_json_field_error (error, file, field, "a string");
  *value = json_node_get_string (node);
  return TRUE;
}

gboolean
bert_json_get_object (JsonObject *object, const char *name, const char *file, const char *field,
    JsonObject **value, GError **error)
{
  JsonNode *node = bert_json_member (object, name);
  *value = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return bert_json_field_error (error, file, field, "an object");
  *value = json_node_get_object (node);
  return TRUE;
}

gboolean
bert_json_get_array (JsonObject *object, const char *name, const char *file, const char *field,
    JsonArray **value, GError **error)
{
  JsonNode *node = bert_json_member (object, name);
  *value = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return bert_json_field_error (error, file, field, "an array");
  *value = json_node_get_array (node);
  return TRUE;
}
