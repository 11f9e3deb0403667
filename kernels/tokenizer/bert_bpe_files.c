/* bert_bpe_files.c: the tokenizer.json document of a RoBERTa folder that has only the slow
 * tokenizer's files. See bert_bpe_files.h.
 *
 * What transformers 5 does, and so this: where AutoTokenizer picks RobertaTokenizer (see
 * bert_slow_tokenizer_config.h), it builds BPE(vocab.json, merges.txt) with empty affixes and no
 * unk_token, a ByteLevel pre-tokenizer with add_prefix_space, and RobertaProcessing with
 * trim_offsets and add_prefix_space. Its special tokens, from tokenizer_config.json, then
 * special_tokens_map.json over it, else RobertaTokenizer's defaults, are added in
 * the order bos, eos, unk, sep, pad, cls, mask, each keeping its vocab.json id or taking
 * the next id past the vocabulary, and where two name the same text the later one's
 * flags (lstrip, rstrip, ...) stand. tokenizers reads the files: vocab.json a JSON object,
 * merges.txt "a b" lines (a final CR dropped) where a line starting "#version" is skipped
 * wherever it is and anything else, a blank line included, is an error.
 */
#include "bert_bpe_files.h"

#include "bert_model_file.h"
#include "bert_slow_tokenizer_config.h"
#include "bert_tokenizer.h"

#include <string.h>

static const BertSlowTokenizerClass roberta_class = {
  .name = "RobertaTokenizer",
  .model_type = "roberta",
  .defaults = { { "<s>" }, { "</s>" }, { "<unk>" }, { "</s>" }, { "<pad>" }, { "<s>" }, { "<mask>" } },
};
static const BertSlowTokenizerFamily roberta_family = {
  .files = "vocab.json and merges.txt",
  .built = "only RobertaTokenizer is built from these files",
  .classes = &roberta_class,
  .n_classes = 1,
};

typedef struct {
  const BertSpecialToken *special;
  gboolean add_prefix_space, trim_offsets;
} RobertaSettings;

gboolean
bert_bpe_files_exist (const char *folder)
{
  return bert_model_file_exists_in (folder, "vocab.json") && bert_model_file_exists_in (folder, "merges.txt");
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
  gboolean ok = n > 0 || bert_slow_tokenizer_format_error (error, "%s: the vocabulary is empty", path);

  json_object_iter_init (&iter, vocab);
  while (ok && json_object_iter_next (&iter, &token, &node)) {
    gint64 id = json_node_get_value_type (node) == G_TYPE_INT64 ? json_node_get_int (node) : -1;
    if (id < 0 || id >= n)
      ok = bert_slow_tokenizer_format_error (error,
          "%s: the id of '%s' must be an integer from 0 to %u (the ids run from 0 over the file's %u "
          "distinct tokens: a token listed twice counts once)",
          path, token, n - 1, n);
    else if (holders[id] != NULL)
      ok = bert_slow_tokenizer_format_error (error, "%s: id %d is given to both '%s' and '%s'", path,
          (int) id, holders[id], token);
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
      || bert_slow_tokenizer_format_error (error, "%s:%u: '%s' is not in vocab.json", path, line, token);
}

/* One line of merges.txt: "a b", both tokens and their merge in the vocabulary. */
static gboolean
read_merge (const char *text, gsize length, JsonObject *vocab, const char *path, guint line,
    JsonArray *merges, GError **error)
{
  const char *space = memchr (text, ' ', length);
  if (space == NULL || memchr (space + 1, ' ', text + length - space - 1) != NULL)
    return bert_slow_tokenizer_format_error (error,
        "%s:%u: a merge must be two tokens separated by one space", path, line);
  char *left = g_strndup (text, space - text);
  char *right = g_strndup (space + 1, text + length - space - 1);
  char *merged = g_strconcat (left, right, NULL);
  gboolean ok = check_merge_token (vocab, left, path, line, error)
      && check_merge_token (vocab, right, path, line, error)
      && (json_object_has_member (vocab, merged)
          || bert_slow_tokenizer_format_error (error,
              "%s:%u: '%s', the merge of '%s' and '%s', is not in vocab.json", path, line, merged, left,
              right));
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

typedef struct {
  const char *path;
  JsonObject *vocab;
  JsonArray *merges;
} MergesReading;

/* A line of merges.txt: a merge, or a "#version" line, skipped. */
static gboolean
read_merges_line (const char *line, gsize length, guint number, gpointer data, GError **error)
{
  MergesReading *reading = data;

  if (length >= strlen ("#version") && memcmp (line, "#version", strlen ("#version")) == 0)
    return TRUE;
  return read_merge (line, length, reading->vocab, reading->path, number, reading->merges, error);
}

/* merges.txt's lines (bert_slow_tokenizer_read_lines). */
static JsonArray *
read_merges (const char *path, JsonObject *vocab, GError **error)
{
  MergesReading reading = { path, vocab, json_array_new () };
  guint n_lines;

  if (!bert_slow_tokenizer_read_lines (path, read_merges_line, &reading, &n_lines, error))
    g_clear_pointer (&reading.merges, json_array_unref);
  return reading.merges;
}

/* ---- the document ---- */

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
  gint64 cls_id, sep_id;

  json_object_set_string_member (root, "version", "1.0");
  json_object_set_null_member (root, "truncation");
  json_object_set_null_member (root, "padding");
  json_object_set_array_member (root, "added_tokens",
      bert_slow_tokenizer_added_tokens (settings->special, vocab, FALSE, &cls_id, &sep_id));
  json_object_set_null_member (root, "normalizer");
  json_object_set_string_member (pre_tokenizer, "type", "ByteLevel");
  json_object_set_boolean_member (pre_tokenizer, "add_prefix_space", settings->add_prefix_space);
  json_object_set_boolean_member (pre_tokenizer, "trim_offsets", TRUE);
  json_object_set_boolean_member (pre_tokenizer, "use_regex", TRUE);
  json_object_set_object_member (root, "pre_tokenizer", pre_tokenizer);
  json_object_set_object_member (root, "post_processor",
      bert_slow_tokenizer_roberta_processing (settings->special, cls_id, sep_id, settings->trim_offsets,
          settings->add_prefix_space));
  json_object_set_object_member (root, "model", bpe_model (vocab, merges));
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, root);
  return node;
}

/* The files, once the class is known to be RobertaTokenizer. */
static JsonNode *
read_roberta (const BertSlowTokenizerConfig *config, GError **error)
{
  char *vocab_path = g_build_filename (config->folder, "vocab.json", NULL);
  char *merges_path = g_build_filename (config->folder, "merges.txt", NULL);
  RobertaSettings settings = { .special = config->special, .add_prefix_space = FALSE, .trim_offsets = TRUE };
  JsonNode *vocab = NULL, *document = NULL;
  JsonArray *merges = NULL;

  if (bert_slow_tokenizer_config_get_bool (config, "add_prefix_space", &settings.add_prefix_space, error)
      && bert_slow_tokenizer_config_get_bool (config, "trim_offsets", &settings.trim_offsets, error)
      && (vocab = bert_slow_tokenizer_read_json_object (vocab_path, error)) != NULL
      && check_vocab (json_node_get_object (vocab), vocab_path, error)
      && (merges = read_merges (merges_path, json_node_get_object (vocab), error)) != NULL)
    document = roberta_document (json_node_get_object (vocab), merges, &settings);
  g_clear_pointer (&vocab, json_node_unref);
  g_free (merges_path);
  g_free (vocab_path);
  return document;
}

JsonNode *
bert_bpe_files_to_tokenizer_json (const char *folder, JsonNode *tokenizer_config, GError **error)
{
  BertSlowTokenizerConfig config;
  JsonNode *document = NULL;

  if (bert_slow_tokenizer_config_read (&config, folder, tokenizer_config, &roberta_family, error))
    document = read_roberta (&config, error);
  bert_slow_tokenizer_config_clear (&config);
  return document;
}
