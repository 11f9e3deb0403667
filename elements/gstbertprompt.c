/* gstbertprompt.c: the prompt a model folder's texts get (see gstbertprompt.h). */
#include "gstbertprompt.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define PROMPTS_FILE_NAME "config_sentence_transformers.json"
/* Far above any real one (a few hundred bytes), well below what would be a mistake. */
#define PROMPTS_FILE_MAX_BYTES (1 << 20)

/* The names of @prompts' members, comma-separated, for an error message. */
static gchar *
list_prompt_names (JsonObject *prompts)
{
  GList *names = prompts ? json_object_get_members (prompts) : NULL;
  GString *list = g_string_new (NULL);

  for (GList *name = names; name != NULL; name = name->next)
    g_string_append_printf (list, "%s\"%s\"", list->len ? ", " : "", (const gchar *) name->data);
  g_list_free (names);
  if (list->len == 0)
    g_string_append (list, "none");
  return g_string_free (list, FALSE);
}

/* What a JSON value is, for an error message. */
static const gchar *
describe_node (JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return "null";
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "an object";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "an array";
  return json_node_get_value_type (node) == G_TYPE_STRING ? "a string" : "a number or boolean";
}

static gboolean
holds_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

/* The config's "prompts" (NULL when absent) and "default_prompt_name" (NULL when absent
 * or null), or FALSE when either is of another type: sentence-transformers fails to load
 * such a file, and guessing would run the model without the prompt it expects. */
static gboolean
read_prompts_config (JsonObject *config, const gchar *path, JsonObject **prompts, const gchar **default_name,
    GError **error)
{
  JsonNode *prompts_node = json_object_get_member (config, "prompts");
  JsonNode *name_node = json_object_get_member (config, "default_prompt_name");

  *prompts = NULL;
  *default_name = NULL;
  if (prompts_node != NULL && !JSON_NODE_HOLDS_OBJECT (prompts_node)) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%s: \"prompts\" is %s, not an object of prompt names and texts", path, describe_node (prompts_node));
    return FALSE;
  }
  if (name_node != NULL && !JSON_NODE_HOLDS_NULL (name_node) && !holds_string (name_node)) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%s: \"default_prompt_name\" is %s, not a prompt's name or null", path, describe_node (name_node));
    return FALSE;
  }
  *prompts = prompts_node ? json_node_get_object (prompts_node) : NULL;
  *default_name = name_node && holds_string (name_node) ? json_node_get_string (name_node) : NULL;
  return TRUE;
}

/* The text of the prompt @name, as sentence-transformers reads it: null is the empty
 * prompt; FALSE when @name is not among @prompts or its text is not a string. */
static gboolean
read_prompt_text (JsonObject *prompts, const gchar *name, gboolean is_default, const gchar *path,
    const gchar **text, GError **error)
{
  JsonNode *node = prompts ? json_object_get_member (prompts, name) : NULL;
  gchar *names;

  *text = NULL;
  if (node != NULL && (holds_string (node) || JSON_NODE_HOLDS_NULL (node))) {
    *text = holds_string (node) ? json_node_get_string (node) : "";
    return TRUE;
  }
  if (node != NULL) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: the prompt \"%s\" is %s, not a text", path,
        name, describe_node (node));
    return FALSE;
  }
  names = list_prompt_names (prompts);
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: no prompt named \"%s\" (%s: %s)", path, name,
      is_default ? "default_prompt_name; the prompts are" : "the prompts are", names);
  g_free (names);
  return FALSE;
}

/* The file's root object, or NULL (with @error) when it is unreadable or malformed. */
static JsonParser *
load_prompts_file (const gchar *path, GError **error)
{
  JsonParser *parser = json_parser_new_immutable ();
  gchar *contents = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, error)) {
    g_object_unref (parser);
    return NULL;
  }
  if (length > PROMPTS_FILE_MAX_BYTES || !json_parser_load_from_data (parser, contents, length, NULL)
      || json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not a JSON object (of at most %d bytes)", path,
        PROMPTS_FILE_MAX_BYTES);
    g_clear_object (&parser);
  }
  g_free (contents);
  return parser;
}

static gboolean
resolve_from_file (const gchar *path, const gchar *prompt_name, gchar **resolved, GError **error)
{
  JsonParser *parser = load_prompts_file (path, error);
  JsonObject *prompts;
  const gchar *default_name, *text = NULL;
  gboolean ok;

  if (parser == NULL)
    return FALSE;
  ok = read_prompts_config (json_node_get_object (json_parser_get_root (parser)), path, &prompts,
      &default_name, error);
  if (ok && (prompt_name != NULL || default_name != NULL))
    ok = read_prompt_text (prompts, prompt_name ? prompt_name : default_name, prompt_name == NULL, path,
        &text, error);
  *resolved = g_strdup (text);
  g_object_unref (parser);
  return ok;
}

/* A prompt set from C, or read from a file json-glib decoded (a lone surrogate "\ud800"
 * becomes invalid bytes), may hold any bytes: tokenizing would drop the invalid ones and
 * the invalid-UTF-8 warning would blame every buffer's text. */
static gboolean
check_utf8 (const gchar *prompt, const gchar *path, GError **error)
{
  const gchar *invalid;

  if (prompt == NULL || g_utf8_validate (prompt, -1, &invalid))
    return TRUE;
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
      "%s%s is not valid UTF-8: byte %" G_GSIZE_FORMAT " (0x%02x)", path ? path : "the prompt property",
      path ? ": the prompt" : "", (gsize) (invalid - prompt), (guint) (guchar) *invalid);
  return FALSE;
}

gboolean
gst_bert_prompt_resolve (const gchar *model_path, const gchar *prompt, const gchar *prompt_name,
    gchar **resolved, GError **error)
{
  gchar *path;
  gboolean ok;

  *resolved = NULL;
  if (prompt != NULL) {
    if (!check_utf8 (prompt, NULL, error))
      return FALSE;
    *resolved = g_strdup (prompt);
    return TRUE;
  }
  path = g_build_filename (model_path, PROMPTS_FILE_NAME, NULL);
  if (!g_file_test (model_path, G_FILE_TEST_IS_DIR) || !g_file_test (path, G_FILE_TEST_EXISTS)) {
    ok = prompt_name == NULL;
    if (!ok)
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
          "prompt-name \"%s\": %s has no " PROMPTS_FILE_NAME " to name prompts", prompt_name, model_path);
  } else {
    ok = resolve_from_file (path, prompt_name, resolved, error) && check_utf8 (*resolved, path, error);
  }
  if (!ok)
    g_clear_pointer (resolved, g_free);
  g_free (path);
  return ok;
}

/* As transformers' all_special_ids: the tokens the post-processor adds, [CLS], [SEP],
 * the padding and the unknown token. */
static gboolean
is_special (const BertTokenizer *tokenizer, int32_t id)
{
  guint n_prefix, n_suffix;
  const int32_t *prefix = bert_tokenizer_get_prefix_ids (tokenizer, &n_prefix);
  const int32_t *suffix = bert_tokenizer_get_suffix_ids (tokenizer, &n_suffix);

  for (guint i = 0; i < n_prefix; i++)
    if (prefix[i] == id)
      return TRUE;
  for (guint i = 0; i < n_suffix; i++)
    if (suffix[i] == id)
      return TRUE;
  return id == bert_tokenizer_get_cls_id (tokenizer) || id == bert_tokenizer_get_sep_id (tokenizer)
      || id == bert_tokenizer_get_pad_id (tokenizer) || id == bert_tokenizer_get_unk_id (tokenizer);
}

guint
gst_bert_prompt_count_tokens (const BertTokenizer *tokenizer, const gchar *prompt, guint max_length)
{
  BertEncoding encoding;
  guint n_tokens;

  if (prompt == NULL || prompt[0] == '\0')
    return 0;
  bert_encoding_init (&encoding);
  bert_tokenizer_encode (tokenizer, prompt, strlen (prompt), max_length, &encoding);
  n_tokens = encoding.n_tokens;
  if (n_tokens > 0 && is_special (tokenizer, encoding.ids[n_tokens - 1]))
    n_tokens--;
  bert_encoding_clear (&encoding);
  return n_tokens;
}

guint
gst_bert_prompt_length_get (GstBertPromptLength *cache, const BertTokenizer *tokenizer, const gchar *prompt,
    guint max_length)
{
  if (!cache->counted || cache->max_length != max_length) {
    cache->n_tokens = gst_bert_prompt_count_tokens (tokenizer, prompt, max_length);
    cache->max_length = max_length;
    cache->counted = TRUE;
  }
  return cache->n_tokens;
}
