/* bert_albert_spiece_files.c: the tokenizer.json document of an ALBERT folder that has only
 * spiece.model. See bert_albert_spiece_files.h.
 *
 * Checked against transformers 5.25 (tests/tokenizer/compare-with-hf.py, docs/tokenizer.md)
 * for models whose pieces begin <pad> <unk> and whose control pieces are ALBERT's special
 * tokens. What is refused, and why: a model that is not Unigram (AlbertTokenizer builds
 * Unigram whatever the model is); <unk> elsewhere than id 1 (AlbertTokenizer's fixed
 * unk_id); another control piece (transformers makes it one more special token); the same
 * piece twice (transformers' vocabulary keeps one); a special token whose text is not a
 * piece (transformers gives it an id past the pieces); special tokens other than ALBERT's
 * texts (its post-processor names [CLS] and [SEP]); a special token with single_word, lstrip,
 * rstrip or normalized set (transformers 5.25 was seen to keep [MASK] plain and unnormalised
 * all the same, from tokenizer_config.json and special_tokens_map.json alike: the model's
 * control pieces come first, as plain tokens; not checked for every token).
 */
#include "bert_albert_spiece_files.h"

#include "bert_model_file.h"
#include "bert_sentencepiece_files.h"
#include "bert_sentencepiece_model.h"
#include "bert_slow_tokenizer_config.h"

#include <string.h>

#define MODEL_FILE "spiece.model"
#define UNK_ID 1

static const BertSlowTokenizerClass albert_class = {
  .name = "AlbertTokenizer",
  .model_type = "albert",
  .defaults = { { "[CLS]" }, { "[SEP]" }, { "<unk>" }, { "[SEP]" }, { "<pad>" }, { "[CLS]" }, { "[MASK]" } },
};
static const BertSlowTokenizerFamily albert_family = {
  .files = MODEL_FILE,
  .built = "only AlbertTokenizer is built from it here",
  .classes = &albert_class,
  .n_classes = 1,
  .fixed_texts = TRUE,
  .plain_tokens = (1u << BERT_N_SPECIAL) - 1,
};

typedef struct {
  gboolean do_lower_case, keep_accents, add_prefix_space;
} AlbertSettings;

gboolean
bert_albert_spiece_files_exist (const char *folder)
{
  return bert_model_file_exists_in (folder, MODEL_FILE);
}

/* ---- the model ---- */

/* The layout these rules were checked on (see the top of the file); the pieces' ids by text
 * in IDS. */
static gboolean
check_layout (const BertSpmModel *model, const BertSpecialToken *special, const char *path, GHashTable *ids,
    GError **error)
{
  if (model->model_type != 1)
    return bert_slow_tokenizer_format_error (error,
        "%s: trainer_spec.model_type is %d, not 1 (Unigram), which AlbertTokenizer builds", path,
        model->model_type);
  if (model->n_pieces <= UNK_ID || model->pieces[UNK_ID].type != BERT_SPM_PIECE_UNKNOWN)
    return bert_slow_tokenizer_format_error (error,
        "%s: piece %d is not the unknown piece, which AlbertTokenizer's fixed unk_id %d assumes", path,
        UNK_ID, UNK_ID);
  for (guint i = 0; i < model->n_pieces; i++) {
    const BertSpmPiece *piece = &model->pieces[i];
    gboolean is_special = FALSE;
    for (guint k = 0; k < BERT_N_SPECIAL; k++)
      is_special = is_special || strcmp (piece->text, special[k].content) == 0;
    if (piece->type == BERT_SPM_PIECE_CONTROL && !is_special)
      return bert_slow_tokenizer_format_error (error,
          "%s: piece %u ('%s') is a control piece but not one of ALBERT's special tokens; transformers "
          "would make it one more special token, which is not built here",
          path, i, piece->text);
    if (g_hash_table_contains (ids, piece->text))
      return bert_slow_tokenizer_format_error (error, "%s: piece %u ('%s') comes twice", path, i,
          piece->text);
    g_hash_table_insert (ids, piece->text, GUINT_TO_POINTER (i));
  }
  for (guint k = 0; k < BERT_N_SPECIAL; k++)
    if (special[k].normalized)
      return bert_slow_tokenizer_format_error (error,
          "%s: the special token '%s' is set normalized; transformers 5.25 keeps ALBERT's special tokens "
          "unnormalised whatever the folder says, which is not built here",
          path, special[k].content);
  for (guint k = 0; k < BERT_N_SPECIAL; k++)
    if (!g_hash_table_contains (ids, special[k].content))
      return bert_slow_tokenizer_format_error (error,
          "%s: the special token '%s' is not a piece of the model; transformers would give it an id past "
          "the pieces, which is not built here",
          path, special[k].content);
  return TRUE;
}

/* The pieces with their ids and scores (float widened, as transformers hands them to
 * tokenizers: see bert_sentencepiece_files.c). */
static void
piece_vocab (const BertSpmModel *model, BertUnigramVocab *vocab)
{
  gsize text_length = 0;

  for (guint i = 0; i < model->n_pieces; i++)
    text_length += strlen (model->pieces[i].text);
  GString *text = g_string_sized_new (text_length + 1);
  memset (vocab, 0, sizeof *vocab);
  vocab->starts = g_new (guint32, model->n_pieces + 1);
  vocab->numbers = g_new (double, model->n_pieces);
  vocab->scores_exact = TRUE;
  for (guint i = 0; i < model->n_pieces; i++) {
    vocab->starts[i] = (guint32) text->len;
    vocab->numbers[i] = model->pieces[i].score;
    g_string_append (text, model->pieces[i].text);
  }
  vocab->n = model->n_pieces;
  vocab->starts[vocab->n] = (guint32) text->len;
  vocab->text = g_string_free (text, FALSE);
}

/* ---- the document ---- */

static JsonObject *
typed (const char *type)
{
  JsonObject *object = json_object_new ();
  json_object_set_string_member (object, "type", type);
  return object;
}

static JsonObject *
replace_string (const char *pattern, const char *content)
{
  JsonObject *replace = typed ("Replace"), *inner = json_object_new ();
  json_object_set_string_member (inner, "String", pattern);
  json_object_set_object_member (replace, "pattern", inner);
  json_object_set_string_member (replace, "content", content);
  return replace;
}

static JsonObject *
normalizer (const BertSpmModel *model, const AlbertSettings *settings)
{
  JsonObject *sequence = typed ("Sequence");
  JsonArray *steps = json_array_new ();

  json_array_add_object_element (steps, replace_string ("``", "\""));
  json_array_add_object_element (steps, replace_string ("''", "\""));
  if (!settings->keep_accents) {
    json_array_add_object_element (steps, typed ("NFKD"));
    json_array_add_object_element (steps, typed ("StripAccents"));
  }
  if (settings->do_lower_case)
    json_array_add_object_element (steps, typed ("Lowercase"));
  if (model->charsmap != NULL)
    json_array_add_object_element (steps, bert_sentencepiece_files_precompiled (model));
  json_object_set_array_member (sequence, "normalizers", steps);
  return sequence;
}

/* [CLS]:0 $A:0 [SEP]:0, pairs then $B:1 [SEP]:1. */
static JsonObject *
post_processor (gint64 cls_id, gint64 sep_id)
{
  JsonObject *processor = typed ("TemplateProcessing"), *specials = json_object_new ();
  JsonArray *single = json_array_new (), *pair = json_array_new ();

  for (guint n = 0; n < 2; n++) {
    JsonArray *array = n == 0 ? single : pair;
    json_array_add_object_element (array,
        bert_sentencepiece_files_template_piece ("SpecialToken", "[CLS]", 0));
    json_array_add_object_element (array, bert_sentencepiece_files_template_piece ("Sequence", "A", 0));
    json_array_add_object_element (array,
        bert_sentencepiece_files_template_piece ("SpecialToken", "[SEP]", 0));
  }
  json_array_add_object_element (pair, bert_sentencepiece_files_template_piece ("Sequence", "B", 1));
  json_array_add_object_element (pair, bert_sentencepiece_files_template_piece ("SpecialToken", "[SEP]", 1));
  json_object_set_array_member (processor, "single", single);
  json_object_set_array_member (processor, "pair", pair);
  json_object_set_object_member (specials, "[CLS]", bert_sentencepiece_files_special_entry ("[CLS]", cls_id));
  json_object_set_object_member (specials, "[SEP]", bert_sentencepiece_files_special_entry ("[SEP]", sep_id));
  json_object_set_object_member (processor, "special_tokens", specials);
  return processor;
}

/* The document, its model.vocab [] and the pieces in vocab. */
static JsonNode *
albert_document (const BertSpmModel *model, const BertSpecialToken *special, GHashTable *ids,
    const AlbertSettings *settings, BertUnigramVocab *vocab)
{
  JsonObject *root = json_object_new (), *special_ids = json_object_new ();
  gint64 cls_id, sep_id;

  for (guint k = 0; k < BERT_N_SPECIAL; k++)
    json_object_set_int_member (special_ids, special[k].content,
        GPOINTER_TO_UINT (g_hash_table_lookup (ids, special[k].content)));
  piece_vocab (model, vocab);
  json_object_set_string_member (root, "version", "1.0");
  json_object_set_null_member (root, "truncation");
  json_object_set_null_member (root, "padding");
  json_object_set_array_member (root, "added_tokens",
      bert_slow_tokenizer_added_tokens (special, special_ids, TRUE, &cls_id, &sep_id));
  json_object_set_object_member (root, "normalizer", normalizer (model, settings));
  json_object_set_object_member (root, "pre_tokenizer",
      bert_sentencepiece_files_pre_tokenizer (settings->add_prefix_space));
  json_object_set_object_member (root, "post_processor",
      post_processor (GPOINTER_TO_UINT (g_hash_table_lookup (ids, "[CLS]")),
          GPOINTER_TO_UINT (g_hash_table_lookup (ids, "[SEP]"))));
  json_object_set_null_member (root, "decoder");
  json_object_set_object_member (root, "model", bert_sentencepiece_files_unigram_model (UNK_ID));
  json_object_unref (special_ids);
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, root);
  return node;
}

JsonNode *
bert_albert_spiece_files_to_tokenizer_json (const char *folder, JsonNode *tokenizer_config,
    BertUnigramVocab *vocab, GError **error)
{
  char *model_path = g_build_filename (folder, MODEL_FILE, NULL);
  BertSlowTokenizerConfig config;
  AlbertSettings settings = { .do_lower_case = TRUE, .keep_accents = FALSE, .add_prefix_space = TRUE };
  GHashTable *ids = g_hash_table_new (g_str_hash, g_str_equal);
  JsonNode *document = NULL;
  BertSpmModel *model = NULL;

  memset (vocab, 0, sizeof *vocab);
  if (bert_slow_tokenizer_config_read (&config, folder, tokenizer_config, &albert_family, error)
      && bert_slow_tokenizer_config_get_bool (&config, "do_lower_case", &settings.do_lower_case, error)
      && bert_slow_tokenizer_config_get_bool (&config, "keep_accents", &settings.keep_accents, error)
      && bert_slow_tokenizer_config_get_bool (&config, "add_prefix_space", &settings.add_prefix_space, error)
      && (model = bert_spm_model_read (model_path, error)) != NULL
      && check_layout (model, config.special, model_path, ids, error)
      && bert_spm_model_check_charsmap (model, model_path, error))
    document = albert_document (model, config.special, ids, &settings, vocab);
  g_hash_table_unref (ids);
  bert_spm_model_free (model);
  bert_slow_tokenizer_config_clear (&config);
  g_free (model_path);
  return document;
}
