/* bert_max_length.c: the longest input a model folder's settings allow (bert_max_length.h). */
#include "bert_max_length.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "bert_json_guards.h"
#include "bert_json_integers.h"
#include "bert_model_file.h"
#include "bert_tokenizer.h"

/* transformers' LARGE_INTEGER: a model_max_length past it truncates nothing. */
#define NO_LIMIT_ABOVE 1e20

/* A parsed JSON object file and its text; root NULL where the folder has no such file. */
typedef struct {
  char *path, *text;
  JsonParser *parser;
  JsonObject *root;
} SettingsFile;

static void
settings_file_clear (SettingsFile *file)
{
  g_clear_object (&file->parser);
  g_clear_pointer (&file->text, g_free);
  g_clear_pointer (&file->path, g_free);
  file->root = NULL;
}

static gboolean
format_error (GError **error, const char *path, const char *field, const char *problem)
{
  g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT, "%s: field '%s' %s", path, field,
      problem);
  return FALSE;
}

static gboolean
settings_file_open (SettingsFile *file, const char *folder, const char *name, GError **error)
{
  GError *local_error = NULL;
  char *misreading;
  gsize length;

  memset (file, 0, sizeof *file);
  file->path = g_build_filename (folder, name, NULL);
  if (!bert_model_file_exists (file->path))
    return TRUE;
  if (!bert_model_file_read (file->path, BERT_MODEL_FILE_MAX_JSON_BYTES, &file->text, &length,
          &local_error)) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FILE, "%s", local_error->message);
    g_error_free (local_error);
    return FALSE;
  }
  /* json-glib recurses per level (a file nested deeper than any real one is refused first)
   * and misreads some numbers and strings */
  if ((misreading = bert_json_find_misreading (file->text, length)) != NULL) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT, "%s:%s", file->path, misreading);
    g_free (misreading);
    return FALSE;
  }
  file->parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (file->parser, file->text, length, &local_error)) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT, "%s: invalid JSON: %s", file->path,
        local_error->message);
    g_error_free (local_error);
    return FALSE;
  }
  if (json_parser_get_root (file->parser) == NULL
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (file->parser)))
    return format_error (error, file->path, "the top level", "is not a JSON object");
  file->root = json_node_get_object (json_parser_get_root (file->parser));
  return TRUE;
}

/* Where the string that opens at text[start] ends: its closing quote, or the text's
 * terminating NUL. json-glib reads strings in single quotes (without escapes) besides
 * JSON's. */
static gsize
string_end (const char *text, gsize start)
{
  char quote = text[start];
  gsize at = start + 1;

  while (text[at] != '\0' && text[at] != quote)
    at += quote == '"' && text[at] == '\\' && text[at + 1] != '\0' ? 2 : 1;
  return at;
}

/* The first position from at that is neither whitespace nor in a comment, which
 * json-glib skips between tokens (C's, between slash-star and star-slash). */
static gsize
skip_blanks (const char *text, gsize at)
{
  for (;;) {
    while (g_ascii_isspace (text[at]))
      at++;
    if (text[at] != '/' || text[at + 1] != '*')
      return at;
    const char *close = strstr (text + at + 2, "*/");
    at = close != NULL ? (gsize) (close - text) + 2 : strlen (text);
  }
}

/* The value of the last member field of the top-level object (parent NULL) or of its
 * member object parent, in text, a document json-glib parsed: where json-glib reads the
 * member (the last of duplicates wins), and no other member of that name (nested
 * elsewhere, inside a string or a comment), which the file may also hold. NULL where there
 * is none. */
static const char *
find_member_value (const char *text, const char *parent, const char *field)
{
  const char *value = NULL;
  gsize field_length = strlen (field), parent_length = parent ? strlen (parent) : 0;
  gboolean in_parent = FALSE, parent_key = FALSE;
  int depth = 0;

  for (gsize at = skip_blanks (text, 0); text[at] != '\0'; at = skip_blanks (text, at + 1)) {
    if (text[at] == '"' || text[at] == '\'') {
      gsize end = string_end (text, at), next;
      const char *key = text + at + 1;
      gsize key_length = end - at - 1;

      if (text[end] == '\0')
        break;
      next = skip_blanks (text, end + 1);
      if (text[next] == ':' && depth == 1)
        parent_key = parent != NULL && key_length == parent_length && memcmp (key, parent, key_length) == 0;
      if (text[next] == ':' && key_length == field_length && memcmp (key, field, field_length) == 0
          && (parent == NULL ? depth == 1 : depth == 2 && in_parent))
        value = text + skip_blanks (text, next + 1);
      at = end;
    } else if (text[at] == '{' || text[at] == '[') {
      if (depth == 1)
        in_parent = text[at] == '{' && parent_key;
      depth++;
    } else if (text[at] == '}' || text[at] == ']') {
      depth--;
      if (depth == 1)
        in_parent = FALSE;
    }
  }
  return value;
}

/* The digits of an integer past 64 bits that the text gives field (of the top-level
 * object, or of its object parent), which json-glib reads as garbage (transformers
 * writes int(1e30) as model_max_length); NULL where there is none. */
static char *
find_oversized_integer (const char *text, const char *parent, const char *field)
{
  const char *value = find_member_value (text, parent, field);
  char *literal = NULL;
  gsize n;

  if (value == NULL)
    return NULL;
  for (n = 0; g_ascii_isdigit (value[n]) || (n == 0 && value[n] == '-'); n++)
    ;
  if (n == 0 || bert_json_find_oversized_integer (value, n, &literal) == 0)
    g_clear_pointer (&literal, g_free);
  return literal;
}

/* A length setting, field of object (parent's member object in the file, the top-level
 * one where parent is NULL): absent or null leaves *set FALSE; a number past 1e20 is no limit
 * (*value 0), and so is an integer past 64 bits where oversized_is_no_limit (else an
 * error). Anything else but an integer of at least 1 is an error: transformers
 * truncates nothing at 0 and fails on a negative or fractional length, or on a float
 * (16.0), except one of at least floats_capped_at, which sentence-transformers' cap at
 * the positions turns into their integer. */
static gboolean
read_length (const SettingsFile *file, JsonObject *object, const char *parent, const char *field,
    gboolean oversized_is_no_limit, guint64 floats_capped_at, gboolean *set, guint64 *value, GError **error)
{
  JsonNode *node = object ? json_object_get_member (object, field) : NULL;
  char *problem = NULL, *literal = NULL;
  gboolean is_integer;
  double number;

  *set = FALSE;
  *value = 0;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node)
      || (json_node_get_value_type (node) != G_TYPE_INT64
          && json_node_get_value_type (node) != G_TYPE_DOUBLE))
    return format_error (error, file->path, field, "is not a number");
  *set = TRUE;
  is_integer = json_node_get_value_type (node) == G_TYPE_INT64;
  if (is_integer)
    literal = find_oversized_integer (file->text, parent, field);
  number = json_node_get_double (node);
  if (literal != NULL && (!oversized_is_no_limit || literal[0] == '-'))
    problem = g_strdup_printf ("%s does not fit in 64 bits", literal);
  else if (literal != NULL || number > NO_LIMIT_ABOVE
      || (!is_integer && floats_capped_at > 0 && number >= floats_capped_at))
    *value = literal != NULL || number > NO_LIMIT_ABOVE ? 0 : floats_capped_at;
  else if (!is_integer)
    problem = g_strdup_printf ("is %g, not an integer (transformers fails on it)", number);
  else if (number < 1)
    problem = g_strdup_printf ("is %g; a length must be an integer of at least 1", number);
  else
    *value = (guint64) number;
  g_free (literal);
  if (problem != NULL) {
    format_error (error, file->path, field, problem);
    g_free (problem);
    return FALSE;
  }
  return TRUE;
}

/* config.json's position table: its rows, and those a token can use: RoBERTa and its kin
 * number positions from pad_token_id + 1 (1 unless set), MPNet from 2 whatever
 * pad_token_id says (MPNetEmbeddings' padding_idx is always 1). config.json's errors are
 * left to the engine, which reads it whole; here a malformed one gives no positions. */
static void
read_positions (const SettingsFile *config, guint64 *rows, guint64 *usable)
{
  static const char *offset_types[] = { "roberta", "xlm-roberta", "camembert" };
  JsonObject *root = config->root;
  JsonNode *node = root ? json_object_get_member (root, "max_position_embeddings") : NULL;
  const char *model_type = root && json_object_has_member (root, "model_type")
          && JSON_NODE_HOLDS_VALUE (json_object_get_member (root, "model_type"))
          && json_node_get_value_type (json_object_get_member (root, "model_type")) == G_TYPE_STRING
      ? json_object_get_string_member (root, "model_type")
      : "";
  gint64 padding_idx = 1;

  *rows = *usable = 0;
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64
      || json_node_get_int (node) < 1)
    return;
  *rows = *usable = json_node_get_int (node);
  if (strcmp (model_type, "mpnet") == 0)
    *usable = *rows > 2 ? *rows - 2 : 0;
  for (guint i = 0; i < G_N_ELEMENTS (offset_types); i++) {
    if (strcmp (model_type, offset_types[i]) != 0)
      continue;
    node = json_object_get_member (root, "pad_token_id");
    if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
      padding_idx = json_node_get_int (node);
    *usable = padding_idx >= 0 && (guint64) padding_idx + 1 < *rows ? *rows - (padding_idx + 1) : 0;
  }
}

static void
set_limit (BertMaxLength *length, guint64 limit, guint64 usable, const char *why)
{
  if (usable > 0 && (limit == 0 || limit > usable)) {
    length->warning = g_strdup_printf ("%s; the position table has %" G_GUINT64_FORMAT
                                       " positions, so longer inputs would fail in sentence-transformers "
                                       "(an index past the table): gst-bert truncates at %" G_GUINT64_FORMAT,
        why, usable, usable);
    limit = usable;
  }
  length->max_length = MIN (limit, G_MAXUINT);
}

/* sentence-transformers hands tokenizer_args (processor_kwargs from 6) to the tokenizer as
 * keyword arguments, and fails on one that is not an object (6.3: null, a list, a string...). */
static gboolean
check_kwargs (const SettingsFile *sbert, GError **error)
{
  static const char *const names[] = { "tokenizer_args", "processor_kwargs" };

  for (guint i = 0; sbert->root != NULL && i < G_N_ELEMENTS (names); i++) {
    JsonNode *node = json_object_get_member (sbert->root, names[i]);
    if (node != NULL && !JSON_NODE_HOLDS_OBJECT (node))
      return format_error (error, sbert->path, names[i],
          "is not an object of the tokenizer's arguments (sentence-transformers fails on it)");
  }
  return TRUE;
}

/* What sentence-transformers hands the tokenizer as model_max_length, uncapped: the
 * module file's processor_kwargs' (tokenizer_args' before 6, which replace them where both
 * are written), else its max_seq_length. FALSE in *set where it gives none. */
static gboolean
read_uncapped (const SettingsFile *sbert, gboolean *set, guint64 *value, char **why, GError **error)
{
  JsonObject *root = sbert->root;
  const char *kwargs_name =
      root && json_object_has_member (root, "tokenizer_args") ? "tokenizer_args" : "processor_kwargs";
  JsonNode *node = root ? json_object_get_member (root, kwargs_name) : NULL;
  JsonObject *kwargs = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  const char *field = "max_seq_length";

  *why = NULL;
  if (!check_kwargs (sbert, error))
    return FALSE;
  if (kwargs != NULL && json_object_has_member (kwargs, "model_max_length")) {
    *set = TRUE;
    field = kwargs_name;
    /* null there is transformers' no limit, uncapped all the same */
    if (!JSON_NODE_HOLDS_NULL (json_object_get_member (kwargs, "model_max_length"))
        && !read_length (sbert, kwargs, kwargs_name, "model_max_length", TRUE, 0, set, value, error))
      return FALSE;
  } else if (!read_length (sbert, root, NULL, "max_seq_length", FALSE, 0, set, value, error)) {
    return FALSE;
  }
  if (*set && *value > 0)
    *why = g_strdup_printf ("%s: %s%s %" G_GUINT64_FORMAT " is sentence-transformers' limit", sbert->path,
        field, field == kwargs_name ? "'s model_max_length" : "", *value);
  else if (*set)
    *why = g_strdup_printf ("%s: %s%s sets no limit for sentence-transformers", sbert->path, field,
        field == kwargs_name ? "'s model_max_length" : "");
  return TRUE;
}

static void
apply_rule (BertMaxLength *length, const char *uncapped_why, guint64 uncapped,
    const SettingsFile *tokenizer_config, gboolean config_set, guint64 model_max_length, guint64 rows,
    guint64 usable)
{
  char *why = NULL;

  if (uncapped_why != NULL) {
    set_limit (length, uncapped, usable, uncapped_why);
  } else if (rows > 0) {
    guint64 limit = config_set && model_max_length > 0 ? MIN (model_max_length, rows) : rows;

    if (config_set && model_max_length > 0 && model_max_length <= rows)
      why = g_strdup_printf ("%s: model_max_length %" G_GUINT64_FORMAT " is sentence-transformers' limit",
          tokenizer_config->path, model_max_length);
    else
      why = g_strdup_printf ("config.json's max_position_embeddings %" G_GUINT64_FORMAT
                             " is sentence-transformers' limit (tokenizer_config.json's model_max_length %s)",
          rows, config_set ? "is larger" : "sets none");
    set_limit (length, limit, usable, why);
  } else {
    length->max_length = MIN (uncapped_why == NULL && config_set ? model_max_length : 0, G_MAXUINT);
  }
  g_free (why);
}

/* transformers reads an old folder's max_len where model_max_length is absent (a null
 * model_max_length is there, and means no limit). */
static const char *
model_max_length_field (JsonObject *tokenizer_config)
{
  return tokenizer_config != NULL && !json_object_has_member (tokenizer_config, "model_max_length")
          && json_object_has_member (tokenizer_config, "max_len")
      ? "max_len"
      : "model_max_length";
}

/* sentence-transformers reads a Transformer module's settings from the first of these. */
static const char *const module_file_names[] = { "sentence_bert_config.json", "sentence_roberta_config.json",
  "sentence_distilbert_config.json", "sentence_camembert_config.json", "sentence_albert_config.json",
  "sentence_xlm-roberta_config.json", "sentence_xlnet_config.json" };

char *
bert_max_length_module_file (const char *folder)
{
  for (guint i = 0; i < G_N_ELEMENTS (module_file_names); i++) {
    char *path = g_build_filename (folder, module_file_names[i], NULL);

    if (bert_model_file_exists (path))
      return path;
    g_free (path);
  }
  return NULL;
}

gboolean
bert_max_length_read (const char *folder, BertMaxLength *length, GError **error)
{
  SettingsFile sbert, tokenizer_config, config;
  gboolean uncapped_set = FALSE, config_set = FALSE, ok;
  guint64 uncapped = 0, model_max_length = 0, rows = 0, usable = 0;
  char *module_file = bert_max_length_module_file (folder), *uncapped_why = NULL;

  memset (length, 0, sizeof *length);
  memset (&sbert, 0, sizeof sbert);
  memset (&tokenizer_config, 0, sizeof tokenizer_config);
  memset (&config, 0, sizeof config);
  ok = (module_file == NULL
           || settings_file_open (&sbert, folder, strrchr (module_file, G_DIR_SEPARATOR) + 1, error))
      && settings_file_open (&tokenizer_config, folder, "tokenizer_config.json", error);
  if (ok && !settings_file_open (&config, folder, "config.json", NULL))
    config.root = NULL;
  if (ok) {
    read_positions (&config, &rows, &usable);
    /* what sentence-transformers hands the tokenizer replaces tokenizer_config.json's
     * model_max_length, which it then never reads */
    ok = read_uncapped (&sbert, &uncapped_set, &uncapped, &uncapped_why, error)
        && (uncapped_set
            || read_length (&tokenizer_config, tokenizer_config.root, NULL,
                model_max_length_field (tokenizer_config.root), TRUE, rows, &config_set, &model_max_length,
                error));
  }
  if (ok)
    apply_rule (length, uncapped_why, uncapped, &tokenizer_config, config_set, model_max_length, rows,
        usable);
  g_free (uncapped_why);
  g_free (module_file);
  settings_file_clear (&sbert);
  settings_file_clear (&tokenizer_config);
  settings_file_clear (&config);
  return ok;
}

void
bert_max_length_clear (BertMaxLength *length)
{
  g_clear_pointer (&length->warning, g_free);
}
