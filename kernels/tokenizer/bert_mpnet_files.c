/* bert_mpnet_files.c: the tokenizer.json document of an MPNet folder that has vocab.txt and
 * no tokenizer.json. See bert_mpnet_files.h.
 *
 * What transformers 5.25 does, and so this: where AutoTokenizer picks MPNetTokenizer (see
 * bert_slow_tokenizer_config.h), its constructor builds WordPiece (vocab.txt, its unk_token,
 * "##", 100 characters a word at most), a BertNormalizer (clean_text; lowercase,
 * handle_chinese_chars and strip_accents from tokenizer_config.json's do_lower_case,
 * tokenize_chinese_chars and strip_accents, by default true, true and null), the
 * BertPreTokenizer and RobertaProcessing (sep, cls, trim_offsets true, add_prefix_space
 * false). Its special tokens, from tokenizer_config.json, then special_tokens_map.json over
 * it, else MPNetTokenizer's defaults (<s>, </s>, [UNK], </s>, <pad>, <s>, <mask>; a mask
 * named by its text alone takes lstrip), are added as bert_slow_tokenizer_added_tokens
 * says. tokenizers reads vocab.txt itself (WordPiece::read_file): line n is token n, a line
 * ending "\n" or "\r\n" and the token its line less any whitespace at its end (Rust's
 * trim_end). A token listed twice would leave a hole in the ids: refused, as in BERT's
 * vocab.txt (bert_vocab.c).
 */
#include "bert_mpnet_files.h"

#include "bert_slow_tokenizer_config.h"
#include "bert_tokenizer.h"

#include <string.h>

static const BertSlowTokenizerClass mpnet_class = {
  .name = "MPNetTokenizer",
  .model_type = "mpnet",
  .defaults = { { "<s>" }, { "</s>" }, { "[UNK]" }, { "</s>" }, { "<pad>" }, { "<s>" },
      { "<mask>", .lstrip = TRUE } },
};
static const BertSlowTokenizerFamily mpnet_family = {
  .files = "vocab.txt",
  .built = "gst-bert builds MPNetTokenizer from vocab.txt only without such settings",
  .classes = &mpnet_class,
  .n_classes = 1,
};

#define MPNET_MAX_INPUT_CHARS_PER_WORD 100

gboolean
bert_mpnet_files_is_mpnet (const char *folder, JsonNode *tokenizer_config, gboolean *is_mpnet, GError **error)
{
  JsonNode *config = NULL;
  const char *name = NULL, *source = NULL, *model_type = NULL;
  gboolean ok = bert_slow_tokenizer_read_optional_json (folder, "config.json", &config, error)
      && bert_tokenizer_class_read (tokenizer_config ? json_node_get_object (tokenizer_config) : NULL,
          config ? json_node_get_object (config) : NULL, folder, &name, &source, &model_type, error);

  *is_mpnet = ok
      && (name != NULL ? strcmp (name, "MPNetTokenizer") == 0 || strcmp (name, "MPNetTokenizerFast") == 0
                       : g_strcmp0 (model_type, "mpnet") == 0);
  g_clear_pointer (&config, json_node_unref);
  return ok;
}

/* ---- vocab.txt ---- */

/* Rust's char::is_whitespace (Unicode's White_Space). */
static gboolean
is_rust_whitespace (gunichar c)
{
  return (c >= '\t' && c <= '\r') || c == ' ' || c == 0x85 || c == 0xA0 || c == 0x1680
      || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F
      || c == 0x3000;
}

/* The bytes of LINE (LENGTH bytes of valid UTF-8) less its whitespace at the end. */
static gsize
trimmed_length (const char *line, gsize length)
{
  gsize kept = 0;

  for (const char *p = line; p < line + length; p = g_utf8_next_char (p))
    if (!is_rust_whitespace (g_utf8_get_char (p)))
      kept = g_utf8_next_char (p) - line;
  return kept;
}

typedef struct {
  const char *path;
  JsonObject *vocab;
} VocabReading;

/* Line NUMBER of vocab.txt: token NUMBER - 1, less the whitespace at its end. */
static gboolean
add_token (const char *line, gsize length, guint number, gpointer data, GError **error)
{
  VocabReading *reading = data;
  char *token = g_strndup (line, trimmed_length (line, length));
  gboolean ok = !json_object_has_member (reading->vocab, token)
      || bert_slow_tokenizer_format_error (error, "%s:%u: duplicate token '%s' (first on line %d)",
          reading->path, number, token, (int) json_object_get_int_member (reading->vocab, token) + 1);
  if (ok)
    json_object_set_int_member (reading->vocab, token, number - 1);
  g_free (token);
  return ok;
}

/* vocab.txt as {token: line index} (bert_slow_tokenizer_read_lines). */
static JsonObject *
read_vocab (const char *path, GError **error)
{
  VocabReading reading = { path, json_object_new () };
  guint n_lines = 0;
  gboolean ok = bert_slow_tokenizer_read_lines (path, add_token, &reading, &n_lines, error)
      && (n_lines > 0 || bert_slow_tokenizer_format_error (error, "%s: the file is empty", path));

  if (!ok)
    g_clear_pointer (&reading.vocab, json_object_unref);
  return reading.vocab;
}

/* ---- the document ---- */

typedef struct {
  const BertSpecialToken *special;
  gboolean lowercase, handle_chinese_chars;
  JsonNode *strip_accents; /* null, true or false */
} MPNetSettings;

/* tokenizer_config.json's strip_accents: absent or null (BertNormalizer's "as lowercase"),
 * true or false. */
static gboolean
read_strip_accents (const BertSlowTokenizerConfig *config, JsonNode **strip_accents, GError **error)
{
  JsonNode *node = config->tokenizer_config
      ? json_object_get_member (json_node_get_object (config->tokenizer_config), "strip_accents")
      : NULL;

  if (node != NULL && !JSON_NODE_HOLDS_NULL (node) && json_node_get_value_type (node) != G_TYPE_BOOLEAN) {
    char *file = g_build_filename (config->folder, "tokenizer_config.json", NULL);
    bert_slow_tokenizer_format_error (error, "%s: field 'strip_accents' must be true, false or null", file);
    g_free (file);
    return FALSE;
  }
  *strip_accents = node != NULL ? json_node_copy (node) : json_node_new (JSON_NODE_NULL);
  return TRUE;
}

static JsonObject *
bert_normalizer (const MPNetSettings *settings)
{
  JsonObject *normalizer = json_object_new ();
  json_object_set_string_member (normalizer, "type", "BertNormalizer");
  json_object_set_boolean_member (normalizer, "clean_text", TRUE);
  json_object_set_boolean_member (normalizer, "handle_chinese_chars", settings->handle_chinese_chars);
  json_object_set_member (normalizer, "strip_accents", json_node_copy (settings->strip_accents));
  json_object_set_boolean_member (normalizer, "lowercase", settings->lowercase);
  return normalizer;
}

static JsonObject *
wordpiece_model (JsonObject *vocab, const char *unk_token)
{
  JsonObject *model = json_object_new ();
  json_object_set_string_member (model, "type", "WordPiece");
  json_object_set_string_member (model, "unk_token", unk_token);
  json_object_set_string_member (model, "continuing_subword_prefix", "##");
  json_object_set_int_member (model, "max_input_chars_per_word", MPNET_MAX_INPUT_CHARS_PER_WORD);
  json_object_set_object_member (model, "vocab", json_object_ref (vocab));
  return model;
}

static JsonNode *
mpnet_document (JsonObject *vocab, const MPNetSettings *settings)
{
  JsonObject *root = json_object_new ();
  JsonObject *pre_tokenizer = json_object_new ();
  gint64 cls_id, sep_id;

  json_object_set_string_member (root, "version", "1.0");
  json_object_set_null_member (root, "truncation");
  json_object_set_null_member (root, "padding");
  json_object_set_array_member (root, "added_tokens",
      bert_slow_tokenizer_added_tokens (settings->special, vocab, TRUE, &cls_id, &sep_id));
  json_object_set_object_member (root, "normalizer", bert_normalizer (settings));
  json_object_set_string_member (pre_tokenizer, "type", "BertPreTokenizer");
  json_object_set_object_member (root, "pre_tokenizer", pre_tokenizer);
  json_object_set_object_member (root, "post_processor",
      bert_slow_tokenizer_roberta_processing (settings->special, cls_id, sep_id, TRUE, FALSE));
  json_object_set_object_member (root, "model",
      wordpiece_model (vocab, settings->special[BERT_SPECIAL_UNK].content));
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, root);
  return node;
}

/* The files, once the class is known to be MPNetTokenizer. */
static JsonNode *
read_mpnet (const BertSlowTokenizerConfig *config, GError **error)
{
  char *vocab_path = g_build_filename (config->folder, "vocab.txt", NULL);
  MPNetSettings settings = { .special = config->special, .lowercase = TRUE, .handle_chinese_chars = TRUE };
  JsonObject *vocab = NULL;
  JsonNode *document = NULL;

  if (bert_slow_tokenizer_config_get_bool (config, "do_lower_case", &settings.lowercase, error)
      && bert_slow_tokenizer_config_get_bool (config, "tokenize_chinese_chars",
          &settings.handle_chinese_chars, error)
      && read_strip_accents (config, &settings.strip_accents, error)
      && (vocab = read_vocab (vocab_path, error)) != NULL)
    document = mpnet_document (vocab, &settings);
  g_clear_pointer (&vocab, json_object_unref);
  g_clear_pointer (&settings.strip_accents, json_node_unref);
  g_free (vocab_path);
  return document;
}

JsonNode *
bert_mpnet_files_to_tokenizer_json (const char *folder, JsonNode *tokenizer_config, GError **error)
{
  BertSlowTokenizerConfig config;
  JsonNode *document = NULL;

  if (bert_slow_tokenizer_config_read (&config, folder, tokenizer_config, &mpnet_family, error))
    document = read_mpnet (&config, error);
  bert_slow_tokenizer_config_clear (&config);
  return document;
}
