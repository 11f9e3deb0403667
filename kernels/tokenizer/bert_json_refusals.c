/* bert_json_refusals.c: refusing what Hugging Face tokenizers refuses, member by member as
 * its Tokenizer deserializer (tokenizer/serialization.rs) reads the file. */
#include "bert_json_refusals.h"

#include <stdarg.h>

#include "bert_json_variants.h"
#include "bert_tokenizer.h"

/* expected: a printf format of what tokenizers needs there. */
static gboolean G_GNUC_PRINTF (4, 5)
    refused (GError **error, const char *file, const char *field, const char *expected, ...)
{
  va_list args;
  char *needs;

  va_start (args, expected);
  needs = g_strdup_vprintf (expected, args);
  va_end (args);
  g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
      "%s: field '%s' is refused by Hugging Face tokenizers, which needs %s", file, field, needs);
  g_free (needs);
  return FALSE;
}

/* Only "1.0", as tokenizers says ("Unknown tokenizer version '2.0'"). */
static gboolean
check_version (JsonObject *root, const char *file, GError **error)
{
  JsonNode *version = json_object_get_member (root, "version");

  if (version == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (version) || json_node_get_value_type (version) != G_TYPE_STRING)
    return refused (error, file, "version", "the string \"1.0\"");
  if (g_strcmp0 (json_node_get_string (version), "1.0") != 0) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
        "%s: unknown tokenizer version '%s' (Hugging Face tokenizers reads \"1.0\" only)", file,
        json_node_get_string (version));
    return FALSE;
  }
  return TRUE;
}

/* An Option<T> member of the root: absent, null, or an object of T's form. */
static gboolean
check_part (JsonObject *root, const char *name, gboolean (*has_form) (JsonObject *), const char *file,
    const char *expected, GError **error)
{
  JsonNode *node = json_object_get_member (root, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node)
      || (JSON_NODE_HOLDS_OBJECT (node) && has_form (json_node_get_object (node))))
    return TRUE;
  return refused (error, file, name, "%s", expected);
}

static gboolean
check_added_tokens (JsonObject *root, const char *file, GError **error)
{
  JsonNode *node = json_object_get_member (root, "added_tokens");
  JsonArray *tokens = node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

  if (node == NULL)
    return TRUE;
  if (tokens == NULL)
    return refused (error, file, "added_tokens", "a list");
  for (guint i = 0; i < json_array_get_length (tokens); i++) {
    JsonNode *token = json_array_get_element (tokens, i);
    if (!JSON_NODE_HOLDS_OBJECT (token) || !bert_json_added_token_has_form (json_node_get_object (token))) {
      char *field = g_strdup_printf ("added_tokens[%u]", i);
      refused (error, file, field,
          "an object with id (an integer from 0), content (a string), single_word, lstrip, rstrip, "
          "normalized and special (booleans)");
      g_free (field);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
check_pre_tokenizer (JsonObject *root, const char *file, GError **error)
{
  JsonNode *node = json_object_get_member (root, "pre_tokenizer");

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node)
      || bert_json_pre_tokenizer_has_form (json_node_get_object (node)))
    return TRUE;
  return refused (error, file, "pre_tokenizer",
      "for ByteLevel add_prefix_space and trim_offsets (booleans) and use_regex (a boolean) or none; "
      "for Metaspace replacement (one character), prepend_scheme (\"always\", \"first\" or \"never\") or "
      "none, split, add_prefix_space (booleans or null; add_prefix_space false only with prepend_scheme "
      "\"never\") and str_rep (a string or null)");
}

/* The decoder is not used here, but one tokenizers refuses makes it refuse the file. */
static gboolean
check_decoder (JsonObject *root, const char *file, GError **error)
{
  JsonNode *node = json_object_get_member (root, "decoder");

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return refused (error, file, "decoder", "an object or null");
  JsonObject *decoder = json_node_get_object (node);
  if (bert_json_decoder_type (decoder) != NULL)
    return TRUE;
  char *expected = bert_json_decoder_expected (decoder);
  refused (error, file, "decoder", "a decoder it knows: %s", expected);
  g_free (expected);
  return FALSE;
}

/* A model whose type names one must have that one's members (an untyped model was read by
 * them already). */
static gboolean
check_model (JsonObject *root, gint64 taken_pieces, const char *file, GError **error)
{
  JsonNode *node = json_object_get_member (root, "model");
  JsonObject *model = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  JsonNode *type = model ? json_object_get_member (model, "type") : NULL;

  if (type == NULL || json_node_get_value_type (type) != G_TYPE_STRING
      || bert_json_model_has_form (model, json_node_get_string (type), taken_pieces))
    return TRUE;
  return refused (error, file, "model", "the members of a %s model", json_node_get_string (type));
}

gboolean
bert_json_normalizer_refused (JsonObject *normalizer, const char *file, const char *field, GError **error)
{
  char *expected = bert_json_normalizer_expected (normalizer);
  refused (error, file, field, "a normalizer it knows: %s", expected);
  g_free (expected);
  return FALSE;
}

gboolean
bert_json_check_refusals (JsonObject *root, gint64 taken_pieces, const char *file, GError **error)
{
  return check_version (root, file, error)
      && check_part (root, "truncation", bert_json_truncation_has_form, file,
          "null or an object with max_length and stride (integers from 0), strategy (LongestFirst, "
          "OnlyFirst or OnlySecond) and direction (Left or Right) or none",
          error)
      && check_part (root, "padding", bert_json_padding_has_form, file,
          "null or an object with strategy (\"BatchLongest\" or {\"Fixed\": n}), direction (Left or "
          "Right), pad_to_multiple_of (an integer or null), pad_id, pad_type_id (integers from 0) "
          "and pad_token (a string)",
          error)
      && check_added_tokens (root, file, error) && check_pre_tokenizer (root, file, error)
      && check_decoder (root, file, error) && check_model (root, taken_pieces, file, error);
}
