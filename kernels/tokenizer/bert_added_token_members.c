/* bert_added_token_members.c: AddedToken objects' members that Hugging Face ignores. See
 * bert_added_token_members.h. */
#include "bert_added_token_members.h"

#include <string.h>

static gboolean
is_added_token_member (const char *member, gboolean tokenizer_json)
{
  /* as tokenizers and transformers save them: "special" is AddedToken's, "__type" marks
   * transformers' object, "id" gives tokenizer.json's token its id */
  static const char *const members[] = { "content", "single_word", "lstrip", "rstrip", "normalized",
    "special", "__type" };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    if (strcmp (member, members[i]) == 0)
      return TRUE;
  return tokenizer_json && strcmp (member, "id") == 0;
}

/* Appends "'FIELD.MEMBER' ('CONTENT')" to found for each unknown member of NODE, where an
 * object. */
static void
add_unknown_members (GString *found, JsonNode *node, const char *field, gboolean tokenizer_json)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;
  JsonObject *token = json_node_get_object (node);
  JsonNode *content = json_object_get_member (token, "content");
  const char *text = content != NULL && json_node_get_value_type (content) == G_TYPE_STRING
      ? json_node_get_string (content)
      : "?";
  JsonObjectIter iter;
  const char *member;
  JsonNode *value;

  json_object_iter_init_ordered (&iter, token);
  while (json_object_iter_next_ordered (&iter, &member, &value))
    if (!is_added_token_member (member, tokenizer_json))
      g_string_append_printf (found, "%s'%s.%s' ('%s')", found->len > 0 ? ", " : "", field, member, text);
}

/* Each object of NODE, an array or an object of tokens, as FIELD[i] or FIELD.KEY. */
static void
add_unknown_members_of_each (GString *found, JsonNode *node, const char *field, gboolean tokenizer_json)
{
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node)) {
    JsonArray *tokens = json_node_get_array (node);
    for (guint i = 0; i < json_array_get_length (tokens); i++) {
      char *element = g_strdup_printf ("%s[%u]", field, i);
      add_unknown_members (found, json_array_get_element (tokens, i), element, tokenizer_json);
      g_free (element);
    }
  } else if (node != NULL && JSON_NODE_HOLDS_OBJECT (node)) {
    JsonObjectIter iter;
    const char *key;
    JsonNode *token;
    json_object_iter_init_ordered (&iter, json_node_get_object (node));
    while (json_object_iter_next_ordered (&iter, &key, &token)) {
      char *element = g_strdup_printf ("%s.%s", field, key);
      add_unknown_members (found, token, element, tokenizer_json);
      g_free (element);
    }
  }
}

static void
add_settings_file_members (GString *found, JsonObject *root)
{
  static const char *const lists[] = { "added_tokens_decoder", "additional_special_tokens",
    "extra_special_tokens" };
  JsonObjectIter iter;
  const char *key;
  JsonNode *node;

  json_object_iter_init_ordered (&iter, root);
  while (json_object_iter_next_ordered (&iter, &key, &node))
    if (g_str_has_suffix (key, "_token"))
      add_unknown_members (found, node, key, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    add_unknown_members_of_each (found, json_object_get_member (root, lists[i]), lists[i], FALSE);
}

char *
bert_added_token_members_warning (JsonObject *root, const char *file, gboolean tokenizer_json)
{
  GString *found = g_string_new (NULL);

  if (tokenizer_json)
    add_unknown_members_of_each (found, json_object_get_member (root, "added_tokens"), "added_tokens", TRUE);
  else
    add_settings_file_members (found, root);
  if (found->len == 0)
    return g_string_free (found, TRUE);
  char *warning = g_strdup_printf (
      "%s: AddedToken objects with members AddedToken lacks, which Hugging Face ignores and so does "
      "gst-bert: %s (an AddedToken has content, single_word, lstrip, rstrip, normalized and special%s; a "
      "misspelt flag is lost)",
      file, found->str, tokenizer_json ? ", and here id" : "");
  g_string_free (found, TRUE);
  return warning;
}
