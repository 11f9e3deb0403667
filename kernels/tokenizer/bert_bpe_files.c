/* bert_bpe_files.c: the tokenizer.json document of a RoBERTa folder that has only the slow
 * tokenizer's files. See bert_bpe_files.h.
 *
 * What transformers 5 does, and so this: AutoTokenizer picks the class from
 * tokenizer_config.json's tokenizer_class, else config.json's tokenizer_class, else its
 * model_type. RobertaTokenizer builds BPE(vocab.json, merges.txt) with empty affixes and no
 * unk_token, a ByteLevel pre-tokenizer with add_prefix_space, and RobertaProcessing with
 * trim_offsets and add_prefix_space. Its special tokens come from tokenizer_config.json,
 * then special_tokens_map.json over it, else RobertaTokenizer's defaults; they are added in
 * the order bos, eos, unk, sep, pad, cls, mask, each keeping its vocab.json id or taking
 * the next id past the vocabulary, and where two name the same text the later one's
 * flags (lstrip, rstrip, ...) stand. tokenizers reads the files: vocab.json a JSON object,
 * merges.txt "a b" lines (a final CR dropped) where a line starting "#version" is skipped
 * wherever it is and anything else, a blank line included, is an error.
 */
#include "bert_bpe_files.h"

#include "bert_json_depth.h"
#include "bert_json_fields.h"
#include "bert_model_file.h"
#include "bert_tokenizer.h"

#include <string.h>

/* transformers' SPECIAL_TOKENS_ATTRIBUTES, in its order, with RobertaTokenizer's defaults. */
enum {
  SPECIAL_BOS,
  SPECIAL_EOS,
  SPECIAL_UNK,
  SPECIAL_SEP,
  SPECIAL_PAD,
  SPECIAL_CLS,
  SPECIAL_MASK,
  N_SPECIAL
};
static const char *const special_keys[N_SPECIAL] = { "bos_token", "eos_token", "unk_token", "sep_token",
  "pad_token", "cls_token", "mask_token" };
static const char *const special_defaults[N_SPECIAL] = { "<s>", "</s>", "<unk>", "</s>", "<pad>", "<s>",
  "<mask>" };

typedef struct {
  char *content;
  gboolean single_word, lstrip, rstrip, normalized;
} SpecialToken;

typedef struct {
  SpecialToken special[N_SPECIAL];
  gboolean add_prefix_space, trim_offsets;
} RobertaSettings;

gboolean
bert_bpe_files_exist (const char *folder)
{
  char *vocab_path = g_build_filename (folder, "vocab.json", NULL);
  char *merges_path = g_build_filename (folder, "merges.txt", NULL);
  gboolean exist = bert_model_file_exists (vocab_path) && bert_model_file_exists (merges_path);
  g_free (vocab_path);
  g_free (merges_path);
  return exist;
}

static gboolean format_error (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
format_error (GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT, message);
  g_free (message);
  return FALSE;
}

/* ---- the JSON files ---- */

/* The top-level object of the JSON file at path, or NULL with an error naming the line. */
static JsonNode *
read_json_object (const char *path, GError **error)
{
  JsonParser *parser = json_parser_new_immutable ();
  GError *local_error = NULL;
  JsonNode *root = NULL;
  char *text = NULL;
  gsize length = 0;
  guint deep_line;

  if (!bert_model_file_read (path, BERT_MODEL_FILE_MAX_JSON_BYTES, &text, &length, &local_error)) {
    g_set_error_literal (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FILE, local_error->message);
    g_error_free (local_error);
  } else if ((deep_line = bert_json_find_excess_nesting (text, length)) != 0) {
    format_error (error, "%s:%u: nested deeper than %d levels", path, deep_line, BERT_JSON_MAX_DEPTH);
  } else if (!json_parser_load_from_data (parser, text, length, &local_error)) {
    /* json-glib's message reads "<data>:LINE:COLUMN: ..." */
    const char *message = local_error->message;
    if (g_str_has_prefix (message, "<data>:"))
      message += strlen ("<data>:");
    format_error (error, "%s:%s", path, message);
    g_error_free (local_error);
  } else if (json_parser_get_root (parser) == NULL
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    format_error (error, "%s: the top level is not a JSON object", path);
  } else {
    root = json_node_ref (json_parser_get_root (parser));
  }
  g_free (text);
  g_object_unref (parser);
  return root;
}

/* The folder's file as an object, or NULL (and no error) when it is absent. */
static gboolean
read_optional_json (const char *folder, const char *name, JsonNode **root, GError **error)
{
  char *path = g_build_filename (folder, name, NULL);
  *root = NULL;
  if (bert_model_file_exists (path))
    *root = read_json_object (path, error);
  gboolean ok = *root != NULL || !bert_model_file_exists (path);
  g_free (path);
  return ok;
}

static JsonObject *
object_of (JsonNode *node)
{
  return node ? json_node_get_object (node) : NULL;
}

/* ---- the tokenizer class ---- */

static gboolean
refuse_class (GError **error, const char *folder, const char *found)
{
  g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_UNSUPPORTED,
      "%s: the folder has vocab.json and merges.txt but no tokenizer.json, and %s; only RobertaTokenizer "
      "is built from these files, so save a tokenizer.json with transformers: python3 -c \"from transformers "
      "import AutoTokenizer; AutoTokenizer.from_pretrained('%s').save_pretrained('%s')\"",
      folder, found, folder, folder);
  return FALSE;
}

/* Whether AutoTokenizer would build a RobertaTokenizer from the folder. */
static gboolean
check_roberta (const char *folder, JsonObject *tokenizer_config, JsonObject *config, GError **error)
{
  const char *declared = NULL, *config_declared = NULL, *model_type = NULL;
  char *tokenizer_config_path = g_build_filename (folder, "tokenizer_config.json", NULL);
  char *config_path = g_build_filename (folder, "config.json", NULL);
  char *found;
  gboolean ok = bert_json_get_string (tokenizer_config, "tokenizer_class", tokenizer_config_path,
                    "tokenizer_class", &declared, error)
      && bert_json_get_string (config, "tokenizer_class", config_path, "tokenizer_class", &config_declared,
          error)
      && bert_json_get_string (config, "model_type", config_path, "model_type", &model_type, error);

  g_free (tokenizer_config_path);
  g_free (config_path);
  if (!ok)
    return FALSE;
  if (bert_json_member (tokenizer_config, "auto_map") != NULL)
    return refuse_class (error, folder, "tokenizer_config.json names a tokenizer of its own code (auto_map)");
  if (declared != NULL || config_declared != NULL) {
    const char *name = declared ? declared : config_declared;
    if (strcmp (name, "RobertaTokenizer") == 0 || strcmp (name, "RobertaTokenizerFast") == 0)
      return TRUE;
    found = g_strdup_printf ("its tokenizer class is %s (%s)", name,
        declared ? "tokenizer_config.json" : "config.json");
  } else if (g_strcmp0 (model_type, "roberta") == 0) {
    return TRUE;
  } else if (model_type != NULL) {
    found = g_strdup_printf ("config.json's model_type is '%s' and no tokenizer_class is given", model_type);
  } else {
    found = g_strdup ("neither tokenizer_config.json's tokenizer_class nor config.json's model_type names "
                      "its tokenizer");
  }
  ok = refuse_class (error, folder, found);
  g_free (found);
  return ok;
}

/* ---- settings from tokenizer_config.json and special_tokens_map.json ---- */

static void
settings_init (RobertaSettings *settings)
{
  memset (settings, 0, sizeof *settings);
  for (guint i = 0; i < N_SPECIAL; i++)
    settings->special[i].content = g_strdup (special_defaults[i]);
  settings->trim_offsets = TRUE;
}

static void
settings_clear (RobertaSettings *settings)
{
  for (guint i = 0; i < N_SPECIAL; i++)
    g_free (settings->special[i].content);
}

/* "<mask>" or {"content": "<mask>", "lstrip": true, ...}, as transformers' AddedToken. */
static gboolean
read_special (JsonObject *object, const char *key, const char *file, SpecialToken *token, GError **error)
{
  JsonNode *node = json_object_get_member (object, key);
  SpecialToken read = { 0 };
  const char *content = NULL;

  if (node == NULL)
    return TRUE;
  if (JSON_NODE_HOLDS_OBJECT (node)) {
    JsonObject *added = json_node_get_object (node);
    if (!bert_json_get_string (added, "content", file, key, &content, error)
        || !bert_json_get_bool (added, "single_word", file, key, &read.single_word, error)
        || !bert_json_get_bool (added, "lstrip", file, key, &read.lstrip, error)
        || !bert_json_get_bool (added, "rstrip", file, key, &read.rstrip, error)
        || !bert_json_get_bool (added, "normalized", file, key, &read.normalized, error))
      return FALSE;
  } else if (json_node_get_value_type (node) == G_TYPE_STRING) {
    content = json_node_get_string (node);
  }
  if (content == NULL || content[0] == '\0')
    return bert_json_field_error (error, file, key, "a non-empty string or an object with \"content\"");
  read.content = g_strdup (content);
  g_free (token->content);
  *token = read;
  return TRUE;
}

static gboolean
refuse_setting (GError **error, const char *folder, const char *path, const char *what, const char *key)
{
  char *file = g_path_get_basename (path);
  char *found = g_strdup_printf ("%s %s %s", file, what, key);
  g_free (file);
  refuse_class (error, folder, found);
  g_free (found);
  return FALSE;
}

/* Settings that make transformers build something else than RobertaTokenizer's usual
 * tokenizer (more special tokens, another post-processor) are refused, not ignored. */
static gboolean
refuse_other_settings (JsonObject *object, const char *folder, const char *file, GError **error)
{
  static const char *const refused[] = { "added_tokens_decoder", "add_bos_token", "add_eos_token" };
  static const char *const lists[] = { "additional_special_tokens", "extra_special_tokens" };
  JsonObjectIter iter;
  const char *key;
  JsonNode *node;
  gboolean split_special = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    if (json_object_has_member (object, refused[i]))
      return refuse_setting (error, folder, file, "sets", refused[i]);
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++) {
    node = bert_json_member (object, lists[i]);
    if (node != NULL
        && !(JSON_NODE_HOLDS_ARRAY (node) && json_array_get_length (json_node_get_array (node)) == 0))
      return refuse_setting (error, folder, file, "sets", lists[i]);
  }
  if (!bert_json_get_bool (object, "split_special_tokens", file, "split_special_tokens", &split_special,
          error))
    return FALSE;
  if (split_special)
    return refuse_setting (error, folder, file, "sets", "split_special_tokens");
  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &key, &node)) {
    gboolean named = FALSE;
    for (guint i = 0; i < N_SPECIAL; i++)
      named = named || strcmp (key, special_keys[i]) == 0;
    if (!named && g_str_has_suffix (key, "_token") && !JSON_NODE_HOLDS_NULL (node))
      return refuse_setting (error, folder, file, "names a special token", key);
  }
  return TRUE;
}

static gboolean
read_specials (JsonObject *object, const char *file, RobertaSettings *settings, GError **error)
{
  for (guint i = 0; i < N_SPECIAL; i++)
    if (!read_special (object, special_keys[i], file, &settings->special[i], error))
      return FALSE;
  return TRUE;
}

static gboolean
read_settings (const char *folder, JsonObject *tokenizer_config, JsonObject *special_map,
    RobertaSettings *settings, GError **error)
{
  char *config_file = g_build_filename (folder, "tokenizer_config.json", NULL);
  char *map_file = g_build_filename (folder, "special_tokens_map.json", NULL);
  gboolean ok = FALSE;

  if (tokenizer_config != NULL
      && (!refuse_other_settings (tokenizer_config, folder, config_file, error)
          || !read_specials (tokenizer_config, config_file, settings, error)
          || !bert_json_get_bool (tokenizer_config, "add_prefix_space", config_file, "add_prefix_space",
              &settings->add_prefix_space, error)
          || !bert_json_get_bool (tokenizer_config, "trim_offsets", config_file, "trim_offsets",
              &settings->trim_offsets, error)))
    ok = FALSE;
  else
    ok = special_map == NULL
        || (refuse_other_settings (special_map, folder, map_file, error)
            && read_specials (special_map, map_file, settings, error));
  g_free (config_file);
  g_free (map_file);
  return ok;
}

/* ---- vocab.json and merges.txt ---- */

/* Every id from 0 to n - 1 once, as the tokenizer's vocabulary table needs. */
static gboolean
check_vocab (JsonObject *vocab, const char *path, GError **error)
{
  guint n = json_object_get_size (vocab);
  const char **holders = g_new0 (const char *, MAX (n, 1));
  JsonObjectIter iter;
  const char *token;
  JsonNode *node;
  gboolean ok = n > 0 || format_error (error, "%s: the vocabulary is empty", path);

  json_object_iter_init (&iter, vocab);
  while (ok && json_object_iter_next (&iter, &token, &node)) {
    gint64 id = json_node_get_value_type (node) == G_TYPE_INT64 ? json_node_get_int (node) : -1;
    if (id < 0 || id >= n)
      ok = format_error (error,
          "%s: the id of '%s' must be an integer from 0 to %u (the ids run from 0 over the file's %u "
          "distinct tokens: a token listed twice counts once)",
          path, token, n - 1, n);
    else if (holders[id] != NULL)
      ok = format_error (error, "%s: id %d is given to both '%s' and '%s'", path, (int) id, holders[id],
          token);
    else
      holders[id] = token;
  }
  g_free (holders);
  return ok;
}

static gboolean
check_merge_token (JsonObject *vocab, const char *token, const char *path, guint line, GError **error)
{
  return json_object_has_member (vocab, token)
      || format_error (error, "%s:%u: '%s' is not in vocab.json", path, line, token);
}

/* One line of merges.txt: "a b", both tokens and their merge in the vocabulary. */
static gboolean
read_merge (const char *text, gsize length, JsonObject *vocab, const char *path, guint line,
    JsonArray *merges, GError **error)
{
  const char *space = memchr (text, ' ', length);
  if (space == NULL || memchr (space + 1, ' ', text + length - space - 1) != NULL)
    return format_error (error, "%s:%u: a merge must be two tokens separated by one space", path, line);
  char *left = g_strndup (text, space - text);
  char *right = g_strndup (space + 1, text + length - space - 1);
  char *merged = g_strconcat (left, right, NULL);
  gboolean ok = check_merge_token (vocab, left, path, line, error)
      && check_merge_token (vocab, right, path, line, error)
      && (json_object_has_member (vocab, merged)
          || format_error (error, "%s:%u: '%s', the merge of '%s' and '%s', is not in vocab.json", path, line,
              merged, left, right));
  /* the line itself, tokenizer.json's "left right" form: one node a merge, where a pair
   * took three (a 23 MB merges.txt peaked at 1.36 GB that way) */
  if (ok) {
    char *line_text = g_strndup (text, length);
    json_array_add_string_element (merges, line_text);
    g_free (line_text);
  }
  g_free (merged);
  g_free (right);
  g_free (left);
  return ok;
}

/* merges.txt's lines as Rust's BufRead::lines gives them: "\n" or "\r\n" ends a line, and
 * a final line needs no end. */
static JsonArray *
read_merges (const char *path, JsonObject *vocab, GError **error)
{
  GError *local_error = NULL;
  char *text = NULL;
  gsize length = 0;
  guint line = 0;
  gboolean ok;

  if (!bert_model_file_read (path, BERT_MODEL_FILE_MAX_VOCAB_BYTES, &text, &length, &local_error)) {
    g_set_error_literal (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FILE, local_error->message);
    g_error_free (local_error);
    return NULL;
  }
  JsonArray *merges = json_array_new ();
  const char *start = text, *end = text + length;
  for (ok = TRUE; ok && start < end; line++) {
    const char *newline = memchr (start, '\n', end - start);
    gsize line_length = (newline ? newline : end) - start;
    if (newline != NULL && line_length > 0 && start[line_length - 1] == '\r')
      line_length--;
    if (!g_utf8_validate_len (start, line_length, NULL) || memchr (start, '\0', line_length) != NULL)
      ok = format_error (error, "%s:%u: not a line of UTF-8 text", path, line + 1);
    else if (!(line_length >= strlen ("#version") && memcmp (start, "#version", strlen ("#version")) == 0))
      ok = read_merge (start, line_length, vocab, path, line + 1, merges, error);
    start = newline ? newline + 1 : end;
  }
  g_free (text);
  if (!ok)
    g_clear_pointer (&merges, json_array_unref);
  return merges;
}

/* ---- the document ---- */

static JsonObject *
added_token (const SpecialToken *token, gint64 id, gboolean normalized)
{
  JsonObject *added = json_object_new ();
  json_object_set_int_member (added, "id", id);
  json_object_set_string_member (added, "content", token->content);
  json_object_set_boolean_member (added, "single_word", token->single_word);
  json_object_set_boolean_member (added, "lstrip", token->lstrip);
  json_object_set_boolean_member (added, "rstrip", token->rstrip);
  json_object_set_boolean_member (added, "normalized", normalized);
  json_object_set_boolean_member (added, "special", TRUE);
  return added;
}

/* The first of the special tokens with the same text as special token i. */
static guint
first_of_text (const RobertaSettings *settings, guint i)
{
  guint first = 0;
  while (strcmp (settings->special[first].content, settings->special[i].content) != 0)
    first++;
  return first;
}

/* The special tokens as transformers adds them (see the top of the file), and the ids of
 * cls and sep. normalized matters only between tokens of both kinds: with no normaliser,
 * matching on the normalised text is matching on the text. */
static JsonArray *
added_tokens (const RobertaSettings *settings, JsonObject *vocab, gint64 *cls_id, gint64 *sep_id)
{
  JsonArray *added = json_array_new ();
  gint64 ids[N_SPECIAL], next_id = json_object_get_size (vocab);
  guint last[N_SPECIAL];
  gboolean mixed = FALSE;

  for (guint i = 0; i < N_SPECIAL; i++) {
    const char *content = settings->special[i].content;
    guint first = first_of_text (settings, i);
    if (first < i)
      ids[i] = ids[first];
    else
      ids[i] =
          json_object_has_member (vocab, content) ? json_object_get_int_member (vocab, content) : next_id++;
    last[first] = i;
    mixed = mixed || settings->special[i].normalized != settings->special[0].normalized;
  }
  for (guint i = 0; i < N_SPECIAL; i++) {
    if (first_of_text (settings, i) == i) {
      const SpecialToken *token = &settings->special[last[i]];
      json_array_add_object_element (added, added_token (token, ids[i], mixed && token->normalized));
    }
  }
  *cls_id = ids[SPECIAL_CLS];
  *sep_id = ids[SPECIAL_SEP];
  return added;
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

static JsonObject *
bpe_model (JsonObject *vocab, JsonArray *merges)
{
  JsonObject *model = json_object_new ();
  json_object_set_string_member (model, "type", "BPE");
  json_object_set_null_member (model, "dropout");
  json_object_set_null_member (model, "unk_token");
  json_object_set_string_member (model, "continuing_subword_prefix", "");
  json_object_set_string_member (model, "end_of_word_suffix", "");
  json_object_set_boolean_member (model, "fuse_unk", FALSE);
  json_object_set_boolean_member (model, "byte_fallback", FALSE);
  json_object_set_boolean_member (model, "ignore_merges", FALSE);
  json_object_set_object_member (model, "vocab", json_object_ref (vocab));
  json_object_set_array_member (model, "merges", merges);
  return model;
}

static JsonNode *
roberta_document (JsonObject *vocab, JsonArray *merges, const RobertaSettings *settings)
{
  JsonObject *root = json_object_new ();
  JsonObject *pre_tokenizer = json_object_new ();
  JsonObject *post_processor = json_object_new ();
  gint64 cls_id, sep_id;

  json_object_set_string_member (root, "version", "1.0");
  json_object_set_null_member (root, "truncation");
  json_object_set_null_member (root, "padding");
  json_object_set_array_member (root, "added_tokens", added_tokens (settings, vocab, &cls_id, &sep_id));
  json_object_set_null_member (root, "normalizer");
  json_object_set_string_member (pre_tokenizer, "type", "ByteLevel");
  json_object_set_boolean_member (pre_tokenizer, "add_prefix_space", settings->add_prefix_space);
  json_object_set_boolean_member (pre_tokenizer, "trim_offsets", TRUE);
  json_object_set_boolean_member (pre_tokenizer, "use_regex", TRUE);
  json_object_set_object_member (root, "pre_tokenizer", pre_tokenizer);
  json_object_set_string_member (post_processor, "type", "RobertaProcessing");
  json_object_set_member (post_processor, "sep",
      special_pair (settings->special[SPECIAL_SEP].content, sep_id));
  json_object_set_member (post_processor, "cls",
      special_pair (settings->special[SPECIAL_CLS].content, cls_id));
  json_object_set_boolean_member (post_processor, "trim_offsets", settings->trim_offsets);
  json_object_set_boolean_member (post_processor, "add_prefix_space", settings->add_prefix_space);
  json_object_set_object_member (root, "post_processor", post_processor);
  json_object_set_object_member (root, "model", bpe_model (vocab, merges));
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, root);
  return node;
}

/* The files, once the class is known to be RobertaTokenizer. */
static JsonNode *
read_roberta (const char *folder, JsonObject *tokenizer_config, JsonObject *special_map, GError **error)
{
  char *vocab_path = g_build_filename (folder, "vocab.json", NULL);
  char *merges_path = g_build_filename (folder, "merges.txt", NULL);
  JsonNode *vocab = NULL, *document = NULL;
  JsonArray *merges = NULL;
  RobertaSettings settings;

  settings_init (&settings);
  if (read_settings (folder, tokenizer_config, special_map, &settings, error)
      && (vocab = read_json_object (vocab_path, error)) != NULL
      && check_vocab (json_node_get_object (vocab), vocab_path, error)
      && (merges = read_merges (merges_path, json_node_get_object (vocab), error)) != NULL)
    document = roberta_document (json_node_get_object (vocab), merges, &settings);
  settings_clear (&settings);
  g_clear_pointer (&vocab, json_node_unref);
  g_free (merges_path);
  g_free (vocab_path);
  return document;
}

/* transformers adds the tokens of an added_tokens.json (a slow tokenizer's legacy file). */
static gboolean
refuse_added_tokens_file (const char *folder, GError **error)
{
  char *path = g_build_filename (folder, "added_tokens.json", NULL);
  gboolean present = bert_model_file_exists (path);
  g_free (path);
  return !present || refuse_class (error, folder, "it has added_tokens.json");
}

JsonNode *
bert_bpe_files_to_tokenizer_json (const char *folder, GError **error)
{
  JsonNode *tokenizer_config = NULL, *config = NULL, *special_map = NULL, *document = NULL;

  if (read_optional_json (folder, "tokenizer_config.json", &tokenizer_config, error)
      && read_optional_json (folder, "config.json", &config, error)
      && check_roberta (folder, object_of (tokenizer_config), object_of (config), error)
      && refuse_added_tokens_file (folder, error)
      && read_optional_json (folder, "special_tokens_map.json", &special_map, error))
    document = read_roberta (folder, object_of (tokenizer_config), object_of (special_map), error);
  g_clear_pointer (&special_map, json_node_unref);
  g_clear_pointer (&config, json_node_unref);
  g_clear_pointer (&tokenizer_config, json_node_unref);
  return document;
}
