/* bert_slow_tokenizer_config.c: the settings a slow tokenizer's folder gives transformers.
 * See bert_slow_tokenizer_config.h.
 *
 * What transformers 5 does, and so this: AutoTokenizer picks the class from
 * tokenizer_config.json's tokenizer_class, else config.json's tokenizer_class, else its
 * model_type, unless tokenizer_config.json's auto_map names code of the folder's own. The
 * class's constructor takes the special tokens of tokenizer_config.json, then of
 * special_tokens_map.json over them, each a string or an AddedToken object with its flags.
 * An added_tokens.json, added_tokens_decoder, add_bos_token or add_eos_token,
 * split_special_tokens, a non-empty additional_special_tokens or extra_special_tokens, or
 * any other "..._token" key, would give more special tokens or another post-processor.
 */
#include "bert_slow_tokenizer_config.h"

#include "bert_json_guards.h"
#include "bert_json_fields.h"
#include "bert_model_file.h"
#include "bert_tokenizer.h"

#include <string.h>

static const char *const special_keys[BERT_N_SPECIAL] = { "bos_token", "eos_token", "unk_token", "sep_token",
  "pad_token", "cls_token", "mask_token" };

gboolean
bert_slow_tokenizer_format_error (GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT, message);
  g_free (message);
  return FALSE;
}

static gboolean
refuse (const BertSlowTokenizerConfig *config, const char *found, GError **error)
{
  g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_UNSUPPORTED,
      "%s: the folder has %s but no tokenizer.json, and %s; %s, so save a tokenizer.json with transformers: "
      "python3 -c \"from transformers import AutoTokenizer; "
      "AutoTokenizer.from_pretrained('%s').save_pretrained('%s')\"",
      config->folder, config->family->files, found, config->family->built, config->folder, config->folder);
  return FALSE;
}

/* FILE (a path: its name is shown) WHAT KEY, as in "tokenizer_config.json sets add_bos_token". */
static gboolean
refuse_setting (const BertSlowTokenizerConfig *config, const char *file, const char *what, const char *key,
    GError **error)
{
  char *name = g_path_get_basename (file);
  char *found = g_strdup_printf ("%s %s %s", name, what, key);
  refuse (config, found, error);
  g_free (found);
  g_free (name);
  return FALSE;
}

/* ---- the JSON files ---- */

JsonNode *
bert_slow_tokenizer_read_json_object (const char *path, GError **error)
{
  JsonParser *parser = json_parser_new_immutable ();
  GError *local_error = NULL;
  JsonNode *root = NULL;
  char *text = NULL;
  gsize length = 0;
  char *misreading = NULL;

  if (!bert_model_file_read (path, BERT_MODEL_FILE_MAX_JSON_BYTES, &text, &length, &local_error)) {
    g_set_error_literal (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FILE, local_error->message);
  } else if ((misreading = bert_json_find_misreading (text, length)) != NULL) {
    bert_slow_tokenizer_format_error (error, "%s:%s", path, misreading);
  } else if (!json_parser_load_from_data (parser, text, length, &local_error)) {
    /* json-glib's message reads "<data>:LINE:COLUMN: ..." */
    const char *message = local_error->message;
    if (g_str_has_prefix (message, "<data>:"))
      message += strlen ("<data>:");
    bert_slow_tokenizer_format_error (error, "%s:%s", path, message);
  } else if (json_parser_get_root (parser) == NULL
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    bert_slow_tokenizer_format_error (error, "%s: the top level is not a JSON object", path);
  } else {
    root = json_node_ref (json_parser_get_root (parser));
  }
  g_clear_error (&local_error);
  g_free (misreading);
  g_free (text);
  g_object_unref (parser);
  return root;
}

gboolean
bert_slow_tokenizer_read_optional_json (const char *folder, const char *name, JsonNode **root, GError **error)
{
  char *path = g_build_filename (folder, name, NULL);
  gboolean absent = !bert_model_file_exists (path);
  *root = absent ? NULL : bert_slow_tokenizer_read_json_object (path, error);
  g_free (path);
  return absent || *root != NULL;
}

static JsonObject *
object_of (JsonNode *node)
{
  return node ? json_node_get_object (node) : NULL;
}

/* ---- the tokenizer class ---- */

static const BertSlowTokenizerClass *
class_named (const BertSlowTokenizerFamily *family, const char *name)
{
  for (guint i = 0; i < family->n_classes; i++) {
    const char *class_name = family->classes[i].name;
    gsize length = strlen (class_name);
    if (strncmp (name, class_name, length) == 0
        && (name[length] == '\0' || strcmp (name + length, "Fast") == 0))
      return &family->classes[i];
  }
  return NULL;
}

static const BertSlowTokenizerClass *
class_of_model_type (const BertSlowTokenizerFamily *family, const char *model_type)
{
  for (guint i = 0; model_type != NULL && i < family->n_classes; i++)
    if (strcmp (model_type, family->classes[i].model_type) == 0)
      return &family->classes[i];
  return NULL;
}

gboolean
bert_tokenizer_class_read (JsonObject *tokenizer_config, JsonObject *model_config, const char *folder,
    const char **name, const char **source, const char **model_type, GError **error)
{
  char *tokenizer_config_path = g_build_filename (folder, "tokenizer_config.json", NULL);
  char *config_path = g_build_filename (folder, "config.json", NULL);
  const char *declared = NULL, *config_declared = NULL;
  gboolean ok = bert_json_get_string (tokenizer_config, "tokenizer_class", tokenizer_config_path,
                    "tokenizer_class", &declared, error)
      && bert_json_get_string (model_config, "tokenizer_class", config_path, "tokenizer_class",
          &config_declared, error)
      && bert_json_get_string (model_config, "model_type", config_path, "model_type", model_type, error);

  g_free (tokenizer_config_path);
  g_free (config_path);
  *name = declared ? declared : config_declared;
  *source = declared ? "tokenizer_config.json" : "config.json";
  return ok;
}

/* The class AutoTokenizer would build from the folder, if one of the family's. */
static gboolean
find_class (BertSlowTokenizerConfig *config, GError **error)
{
  JsonObject *tokenizer_config = object_of (config->tokenizer_config),
             *model_config = object_of (config->config);
  const char *name = NULL, *source = NULL, *model_type = NULL;
  char *found;

  if (!bert_tokenizer_class_read (tokenizer_config, model_config, config->folder, &name, &source, &model_type,
          error))
    return FALSE;
  if (bert_json_member (tokenizer_config, "auto_map") != NULL)
    return refuse (config, "tokenizer_config.json names a tokenizer of its own code (auto_map)", error);
  if (name != NULL) {
    if ((config->class = class_named (config->family, name)) != NULL)
      return TRUE;
    found = g_strdup_printf ("its tokenizer class is %s (%s)", name, source);
  } else if ((config->class = class_of_model_type (config->family, model_type)) != NULL) {
    return TRUE;
  } else if (model_type != NULL) {
    found = g_strdup_printf ("config.json's model_type is '%s' and no tokenizer_class is given", model_type);
  } else {
    found = g_strdup ("neither tokenizer_config.json's tokenizer_class nor config.json's model_type names "
                      "its tokenizer");
  }
  refuse (config, found, error);
  g_free (found);
  return FALSE;
}

/* transformers adds the tokens of an added_tokens.json (a slow tokenizer's legacy file). */
static gboolean
refuse_added_tokens_file (const BertSlowTokenizerConfig *config, GError **error)
{
  return !bert_model_file_exists_in (config->folder, "added_tokens.json")
      || refuse (config, "it has added_tokens.json", error);
}

/* ---- the special tokens ---- */

/* Settings that make transformers build something else (more special tokens, another
 * post-processor) are refused, not ignored. CamembertTokenizer ignores
 * special_tokens_map.json's additional_special_tokens (camembert-base's <s>NOTUSED
 * </s>NOTUSED). */
static gboolean
refuse_other_settings (const BertSlowTokenizerConfig *config, JsonObject *object, const char *file,
    gboolean is_map, GError **error)
{
  static const char *const refused[] = { "added_tokens_decoder", "add_bos_token", "add_eos_token" };
  static const char *const lists[] = { "additional_special_tokens", "extra_special_tokens" };
  gboolean ignored_list = is_map && config->class->ignores_map_additional_special_tokens;
  gboolean split_special = FALSE;
  JsonObjectIter iter;
  const char *key;
  JsonNode *node;

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    if (json_object_has_member (object, refused[i]))
      return refuse_setting (config, file, "sets", refused[i], error);
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++) {
    node = bert_json_member (object, lists[i]);
    if (node != NULL && !(ignored_list && i == 0)
        && !(JSON_NODE_HOLDS_ARRAY (node) && json_array_get_length (json_node_get_array (node)) == 0))
      return refuse_setting (config, file, "sets", lists[i], error);
  }
  if (!bert_json_get_bool (object, "split_special_tokens", file, "split_special_tokens", &split_special,
          error))
    return FALSE;
  if (split_special)
    return refuse_setting (config, file, "sets", "split_special_tokens", error);
  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &key, &node)) {
    gboolean named = FALSE;
    for (guint i = 0; i < BERT_N_SPECIAL; i++)
      named = named || strcmp (key, special_keys[i]) == 0;
    if (!named && g_str_has_suffix (key, "_token") && !JSON_NODE_HOLDS_NULL (node))
      return refuse_setting (config, file, "names a special token", key, error);
  }
  return TRUE;
}

/* What the family accepts of special token I as read. */
static gboolean
check_special (const BertSlowTokenizerConfig *config, guint i, const BertSpecialToken *token,
    const char *file, GError **error)
{
  const char *default_content = config->class->defaults[i].content;

  if (config->family->fixed_texts && strcmp (token->content, default_content) != 0) {
    char *what = g_strdup_printf ("sets %s to '%s', not", special_keys[i], token->content);
    refuse_setting (config, file, what, default_content, error);
    g_free (what);
    return FALSE;
  }
  if ((config->family->plain_tokens & (1u << i)) && (token->single_word || token->lstrip || token->rstrip))
    return refuse_setting (config, file, "sets single_word, lstrip or rstrip on", special_keys[i], error);
  return TRUE;
}

gboolean
bert_special_tokens_map_check_nulls (JsonObject *map, const char *file, GError **error)
{
  for (guint i = 0; i < BERT_N_SPECIAL; i++) {
    JsonNode *node = json_object_get_member (map, special_keys[i]);
    if (node != NULL && JSON_NODE_HOLDS_NULL (node))
      return bert_slow_tokenizer_format_error (error,
          "%s: field '%s' is null, which takes the token away in transformers (without unk_token it "
          "fails on words outside the vocabulary, without mask_token or pad_token their text is no "
          "longer one token); give the token or leave the field out",
          file, special_keys[i]);
  }
  return TRUE;
}

/* An AddedToken object's members; an error names the member ("mask_token.lstrip"). Members
 * AddedToken lacks are ignored, as in transformers (bert_added_token_members.h warns). */
static gboolean
read_added_token (JsonObject *added, const char *key, const char *file, BertSpecialToken *read,
    GError **error)
{
  static const char *flags[] = { "single_word", "lstrip", "rstrip", "normalized" };
  gboolean *values[] = { &read->single_word, &read->lstrip, &read->rstrip, &read->normalized };
  char *field = g_strdup_printf ("%s.content", key);
  gboolean ok = bert_json_get_string (added, "content", file, field, &read->content, error);

  for (guint i = 0; ok && i < G_N_ELEMENTS (flags); i++) {
    g_free (field);
    field = g_strdup_printf ("%s.%s", key, flags[i]);
    ok = bert_json_get_bool (added, flags[i], file, field, values[i], error);
  }
  g_free (field);
  return ok;
}

/* "<mask>" or {"content": "<mask>", "lstrip": true, ...}, as transformers' AddedToken: a
 * string takes the flags of the class's default; null, as absent, leaves the token as it is
 * (in tokenizer_config.json: special_tokens_map.json's null is refused before). */
static gboolean
read_special (BertSlowTokenizerConfig *config, JsonObject *object, guint i, const char *file, GError **error)
{
  const char *key = special_keys[i];
  JsonNode *node = bert_json_member (object, key);
  BertSpecialToken read = { 0 };

  if (node == NULL)
    return TRUE;
  if (JSON_NODE_HOLDS_OBJECT (node)) {
    if (!read_added_token (json_node_get_object (node), key, file, &read, error))
      return FALSE;
  } else if (json_node_get_value_type (node) == G_TYPE_STRING) {
    read = config->class->defaults[i];
    read.content = json_node_get_string (node);
  }
  if (read.content == NULL || read.content[0] == '\0')
    return bert_json_field_error (error, file, key, "a non-empty string or an object with \"content\"");
  if (!check_special (config, i, &read, file, error))
    return FALSE;
  config->special[i] = read;
  return TRUE;
}

/* The special tokens of the folder's file NAME (ROOT), where it has one. */
static gboolean
read_file_specials (BertSlowTokenizerConfig *config, JsonNode *root, const char *name, gboolean is_map,
    GError **error)
{
  if (root == NULL)
    return TRUE;
  char *file = g_build_filename (config->folder, name, NULL);
  JsonObject *object = json_node_get_object (root);
  gboolean ok = (!is_map || bert_special_tokens_map_check_nulls (object, file, error))
      && refuse_other_settings (config, object, file, is_map, error);
  for (guint i = 0; ok && i < BERT_N_SPECIAL; i++)
    ok = read_special (config, object, i, file, error);
  g_free (file);
  return ok;
}

JsonObject *
bert_special_token_to_added_token (const BertSpecialToken *token, gint64 id)
{
  JsonObject *added = json_object_new ();
  json_object_set_int_member (added, "id", id);
  json_object_set_string_member (added, "content", token->content);
  json_object_set_boolean_member (added, "single_word", token->single_word);
  json_object_set_boolean_member (added, "lstrip", token->lstrip);
  json_object_set_boolean_member (added, "rstrip", token->rstrip);
  json_object_set_boolean_member (added, "normalized", token->normalized);
  json_object_set_boolean_member (added, "special", TRUE);
  return added;
}

/* ---- text files ---- */

gboolean
bert_slow_tokenizer_read_lines (const char *path, BertSlowTokenizerLineFunc read_line, gpointer data,
    guint *n_lines, GError **error)
{
  GError *local_error = NULL;
  char *text = NULL;
  gsize length = 0;
  guint line = 0;
  gboolean ok = TRUE;

  if (!bert_model_file_read (path, BERT_MODEL_FILE_MAX_VOCAB_BYTES, &text, &length, &local_error)) {
    g_set_error_literal (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FILE, local_error->message);
    g_error_free (local_error);
    return FALSE;
  }
  for (const char *start = text, *end = text + length; ok && start < end; line++) {
    const char *newline = memchr (start, '\n', end - start);
    gsize line_length = (newline ? newline : end) - start;
    if (newline != NULL && line_length > 0 && start[line_length - 1] == '\r')
      line_length--;
    if (!g_utf8_validate_len (start, line_length, NULL) || memchr (start, '\0', line_length) != NULL)
      ok = bert_slow_tokenizer_format_error (error, "%s:%u: not a line of UTF-8 text", path, line + 1);
    else
      ok = read_line (start, line_length, line + 1, data, error);
    start = newline ? newline + 1 : end;
  }
  g_free (text);
  *n_lines = line;
  return ok;
}

/* ---- the added tokens ---- */

/* The first of the special tokens with the same text as special token i. */
static guint
first_of_text (const BertSpecialToken *special, guint i)
{
  guint first = 0;
  while (strcmp (special[first].content, special[i].content) != 0)
    first++;
  return first;
}

/* Without a normaliser, normalized matters only between tokens of both kinds: matching on
 * the normalised text is matching on the text. */
JsonArray *
bert_slow_tokenizer_added_tokens (const BertSpecialToken *special, JsonObject *vocab, gboolean normalizer,
    gint64 *cls_id, gint64 *sep_id)
{
  JsonArray *added = json_array_new ();
  gint64 ids[BERT_N_SPECIAL], next_id = json_object_get_size (vocab);
  guint last[BERT_N_SPECIAL];
  gboolean mixed = FALSE;

  for (guint i = 0; i < BERT_N_SPECIAL; i++) {
    const char *content = special[i].content;
    guint first = first_of_text (special, i);
    if (first < i)
      ids[i] = ids[first];
    else
      ids[i] =
          json_object_has_member (vocab, content) ? json_object_get_int_member (vocab, content) : next_id++;
    last[first] = i;
    mixed = mixed || special[i].normalized != special[0].normalized;
  }
  for (guint i = 0; i < BERT_N_SPECIAL; i++) {
    if (first_of_text (special, i) == i) {
      BertSpecialToken token = special[last[i]];
      token.normalized = (normalizer || mixed) && token.normalized;
      json_array_add_object_element (added, bert_special_token_to_added_token (&token, ids[i]));
    }
  }
  *cls_id = ids[BERT_SPECIAL_CLS];
  *sep_id = ids[BERT_SPECIAL_SEP];
  return added;
}

/* ---- the whole ---- */

gboolean
bert_slow_tokenizer_config_read (BertSlowTokenizerConfig *config, const char *folder,
    JsonNode *tokenizer_config, const BertSlowTokenizerFamily *family, GError **error)
{
  memset (config, 0, sizeof *config);
  config->folder = folder;
  config->family = family;
  config->tokenizer_config = tokenizer_config ? json_node_ref (tokenizer_config) : NULL;
  if (!bert_slow_tokenizer_read_optional_json (folder, "config.json", &config->config, error)
      || !find_class (config, error) || !refuse_added_tokens_file (config, error)
      || !bert_slow_tokenizer_read_optional_json (folder, "special_tokens_map.json", &config->special_map,
          error))
    return FALSE;
  memcpy (config->special, config->class->defaults, sizeof config->special);
  return read_file_specials (config, config->tokenizer_config, "tokenizer_config.json", FALSE, error)
      && read_file_specials (config, config->special_map, "special_tokens_map.json", TRUE, error);
}

void
bert_slow_tokenizer_config_clear (BertSlowTokenizerConfig *config)
{
  g_clear_pointer (&config->special_map, json_node_unref);
  g_clear_pointer (&config->config, json_node_unref);
  g_clear_pointer (&config->tokenizer_config, json_node_unref);
}

gboolean
bert_slow_tokenizer_config_get_bool (const BertSlowTokenizerConfig *config, const char *key, gboolean *value,
    GError **error)
{
  char *file = g_build_filename (config->folder, "tokenizer_config.json", NULL);
  gboolean ok = bert_json_get_bool (object_of (config->tokenizer_config), key, file, key, value, error);
  g_free (file);
  return ok;
}

static JsonNode *
special_pair (const char *content, gint64 id)
{
  JsonArray *pair = json_array_sized_new (2);
  json_array_add_string_element (pair, content);
  json_array_add_int_element (pair, id);
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, pair);
  return node;
}

JsonObject *
bert_slow_tokenizer_roberta_processing (const BertSpecialToken *special, gint64 cls_id, gint64 sep_id,
    gboolean trim_offsets, gboolean add_prefix_space)
{
  JsonObject *post_processor = json_object_new ();
  json_object_set_string_member (post_processor, "type", "RobertaProcessing");
  json_object_set_member (post_processor, "sep", special_pair (special[BERT_SPECIAL_SEP].content, sep_id));
  json_object_set_member (post_processor, "cls", special_pair (special[BERT_SPECIAL_CLS].content, cls_id));
  json_object_set_boolean_member (post_processor, "trim_offsets", trim_offsets);
  json_object_set_boolean_member (post_processor, "add_prefix_space", add_prefix_space);
  return post_processor;
}
