/* bert_tokenizer_load.c: building a tokenizer from vocab.txt, tokenizer.json or a model folder.
 *
 * tokenizer.json is read as Hugging Face tokenizers reads it: a WordPiece model with the
 * BertNormalizer (or none) and the BertPreTokenizer for the fused path, other WordPiece,
 * Unigram and BPE files for the pipeline (bert_pipeline.h), and a TemplateProcessing,
 * BertProcessing, RobertaProcessing or no post-processor. Anything else is refused as
 * unsupported rather than tokenized differently. A model folder's tokenizer is that of its
 * sentence-transformers Transformer module (bert_transformer_module.h): the folder itself,
 * or the subfolder modules.json names. There tokenizer_config.json overrides the normaliser
 * switches as transformers does, and the folder's settings the maximum length, as
 * sentence-transformers reads them (bert_max_length.h). Where transformers 5 would build another
 * tokenizer from the folder, the tokenizer carries a warning (bert_transformers5.h).
 */
#include "bert_added_token_members.h"
#include "bert_bpe_files.h"
#include "bert_albert_spiece_files.h"
#include "bert_sentencepiece_files.h"
#include "bert_slow_tokenizer_config.h"
#include "bert_json_guards.h"
#include "bert_json_fields.h"
#include "bert_json_refusals.h"
#include "bert_json_variants.h"
#include "bert_max_length.h"
#include "bert_model_file.h"
#include "bert_mpnet_files.h"
#include "bert_pipeline.h"
#include "bert_tokenizer_private.h"
#include "bert_transformer_module.h"
#include "bert_transformers5.h"
#include "bert_truncation_side.h"
#include "bert_unigram_vocab.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* The length limit where a folder sets none and has no config.json to take the
 * positions from: BERT's 512 positions. */
#define BERT_MAX_POSITIONS 512

/* Names of the special tokens, from tokenizer_config.json or the usual BERT ones. */
typedef struct {
  char *unk, *cls, *sep, *pad, *mask;
} SpecialNames;

static void
special_names_init (SpecialNames *names)
{
  names->unk = g_strdup ("[UNK]");
  names->cls = g_strdup ("[CLS]");
  names->sep = g_strdup ("[SEP]");
  names->pad = g_strdup ("[PAD]");
  names->mask = g_strdup ("[MASK]");
}

static void
special_names_clear (SpecialNames *names)
{
  g_free (names->unk);
  g_free (names->cls);
  g_free (names->sep);
  g_free (names->pad);
  g_free (names->mask);
}

/* ---- JSON fields, with errors naming the file and the field ---- */

static gboolean
unsupported (GError **error, const char *file, const char *field, const char *found, const char *supported)
{
  g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_UNSUPPORTED,
      "%s: %s is %s; only %s is supported", file, field, found, supported);
  return FALSE;
}

/* strip_accents: true, false, or null for "follow lowercase". */
static gboolean
get_tristate (JsonObject *object, const char *name, const char *file, const char *field, int *value,
    GError **error)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;
  if (node == NULL)
    return TRUE;
  if (JSON_NODE_HOLDS_NULL (node)) {
    *value = -1;
    return TRUE;
  }
  if (json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return bert_json_field_error (error, file, field, "true, false or null");
  *value = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
get_int (JsonObject *object, const char *name, const char *file, const char *field, gint64 min, gint64 max,
    gint64 *value, GError **error)
{
  JsonNode *node = bert_json_member (object, name);
  if (node == NULL)
    return TRUE;
  if (json_node_get_value_type (node) != G_TYPE_INT64 || json_node_get_int (node) < min
      || json_node_get_int (node) > max) {
    char *expected = g_strdup_printf ("an integer from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT, min, max);
    bert_json_field_error (error, file, field, expected);
    g_free (expected);
    return FALSE;
  }
  *value = json_node_get_int (node);
  return TRUE;
}

/* unigram_vocab, unless NULL: where tokenizer.json's Unigram vocabulary is written plainly,
 * it is read there and left out of the tree (see bert_unigram_vocab.h). */
static JsonParser *
parse_json_file (const char *path, JsonObject **root, BertUnigramVocab *unigram_vocab, GError **error)
{
  JsonParser *parser = json_parser_new_immutable ();
  GError *parse_error = NULL;
  char *text = NULL;
  gsize length = 0;
  char *misreading = NULL;

  if (unigram_vocab != NULL)
    memset (unigram_vocab, 0, sizeof *unigram_vocab);
  if (!bert_model_file_read (path, BERT_MODEL_FILE_MAX_JSON_BYTES, &text, &length, &parse_error)) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FILE, "%s", parse_error->message);
    g_error_free (parse_error);
  } else if ((misreading = bert_json_find_misreading (text, length)) != NULL) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT, "%s:%s", path, misreading);
    g_free (misreading);
  } else if (unigram_vocab != NULL && bert_unigram_vocab_take (text, &length, unigram_vocab)
      && !json_parser_load_from_data (parser, text, length, NULL)) {
    /* refused without its vocabulary: the error to report is the original text's */
    bert_unigram_vocab_clear (unigram_vocab);
    g_free (text);
    g_object_unref (parser);
    return parse_json_file (path, root, NULL, error);
  } else if ((unigram_vocab == NULL || unigram_vocab->n == 0)
      && !json_parser_load_from_data (parser, text, length, &parse_error)) {
    /* json-glib's message reads "<data>:LINE:COLUMN: ..." */
    const char *message = parse_error->message;
    if (g_str_has_prefix (message, "<data>:"))
      message += strlen ("<data>:");
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT, "%s:%s", path, message);
    g_error_free (parse_error);
  } else if (json_parser_get_root (parser) == NULL /* an empty document parses to no root */
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
        "%s: the top level is not a JSON object", path);
  } else {
    *root = json_node_get_object (json_parser_get_root (parser));
    g_free (text);
    return parser;
  }
  if (unigram_vocab != NULL)
    bert_unigram_vocab_clear (unigram_vocab);
  g_free (text);
  g_object_unref (parser);
  return NULL;
}

/* ---- tokenizer_config.json ---- */

/* A special token is "[UNK]" or {"content": "[UNK]", ...}. */
static gboolean
get_special_name (JsonObject *object, const char *name, const char *file, char **value, GError **error)
{
  JsonNode *node = bert_json_member (object, name);
  const char *content = NULL;
  if (node == NULL)
    return TRUE;
  if (JSON_NODE_HOLDS_OBJECT (node)) {
    char *field = g_strdup_printf ("%s.content", name);
    gboolean ok = bert_json_get_string (json_node_get_object (node), "content", file, field, &content, error);
    g_free (field);
    if (!ok)
      return FALSE;
  } else if (json_node_get_value_type (node) == G_TYPE_STRING) {
    content = json_node_get_string (node);
  } else {
    return bert_json_field_error (error, file, name, "a string or an object with \"content\"");
  }
  if (content != NULL) {
    g_free (*value);
    *value = g_strdup (content);
  }
  return TRUE;
}

/* root: tokenizer_config.json, parsed once for the whole folder (load_folder). */
static gboolean
read_tokenizer_config (JsonObject *root, const char *path, BertNormalizerOptions *options,
    SpecialNames *names, GError **error)
{
  return bert_json_get_bool (root, "do_lower_case", path, "do_lower_case", &options->lowercase, error)
      && get_tristate (root, "strip_accents", path, "strip_accents", &options->strip_accents, error)
      && bert_json_get_bool (root, "tokenize_chinese_chars", path, "tokenize_chinese_chars",
          &options->handle_chinese_chars, error)
      && bert_truncation_side_read (root, path, &options->truncate_left, error)
      && get_special_name (root, "unk_token", path, &names->unk, error)
      && get_special_name (root, "cls_token", path, &names->cls, error)
      && get_special_name (root, "sep_token", path, &names->sep, error)
      && get_special_name (root, "pad_token", path, &names->pad, error)
      && get_special_name (root, "mask_token", path, &names->mask, error);
}

/* ---- pairs ---- */

/* prefix A sep x n_middle B sep, from the single template's prefix and suffix token:
 * BertProcessing's (n_middle 1, B and its sep of type 1, as transformers' BertTokenizer
 * from a vocab.txt) and RobertaProcessing's (n_middle 2, every type 0). */
static void
set_classic_pair (BertTokenizer *tokenizer, guint n_middle, int32_t type_b)
{
  memset (tokenizer->pair_type_ids, 0, sizeof tokenizer->pair_type_ids);
  tokenizer->pair_ids[0][0] = tokenizer->prefix_ids[0];
  for (guint i = 0; i < n_middle; i++)
    tokenizer->pair_ids[1][i] = tokenizer->suffix_ids[0];
  tokenizer->pair_ids[2][0] = tokenizer->suffix_ids[0];
  tokenizer->pair_type_ids[2][0] = type_b;
  tokenizer->n_pair[0] = tokenizer->n_pair[2] = 1;
  tokenizer->n_pair[1] = n_middle;
  tokenizer->pair_sequence_type_ids[0] = 0;
  tokenizer->pair_sequence_type_ids[1] = type_b;
  g_clear_pointer (&tokenizer->pair_unsupported, g_free);
}

/* Without a post-processor: no special tokens, and a pair is A then B, of types 0 and 1
 * (the reference encodes the second text with type id 1). */
static void
set_plain_pair (BertTokenizer *tokenizer)
{
  tokenizer->n_prefix = tokenizer->n_suffix = 0;
  memset (tokenizer->n_pair, 0, sizeof tokenizer->n_pair);
  tokenizer->pair_sequence_type_ids[0] = 0;
  tokenizer->pair_sequence_type_ids[1] = 1;
  tokenizer->without_specials = TRUE;
  g_clear_pointer (&tokenizer->pair_unsupported, g_free);
}

/* ---- vocab.txt ---- */

static void
use_special_names (BertTokenizer *tokenizer, const SpecialNames *names)
{
  const char *all[] = { names->pad, names->unk, names->cls, names->sep, names->mask };

  tokenizer->unk_id = bert_tokenizer_token_to_id (tokenizer, names->unk);
  tokenizer->cls_id = bert_tokenizer_token_to_id (tokenizer, names->cls);
  tokenizer->sep_id = bert_tokenizer_token_to_id (tokenizer, names->sep);
  tokenizer->pad_id = bert_tokenizer_token_to_id (tokenizer, names->pad);
  for (guint i = 0; i < G_N_ELEMENTS (all); i++) {
    int32_t id = bert_tokenizer_token_to_id (tokenizer, all[i]);
    if (id >= 0)
      bert_tokenizer_add_special (tokenizer, all[i], id);
  }
  tokenizer->prefix_ids[0] = tokenizer->cls_id;
  tokenizer->suffix_ids[0] = tokenizer->sep_id;
  tokenizer->n_prefix = tokenizer->n_suffix = 1;
  set_classic_pair (tokenizer, 1, 1);
}

/* A special token the folder names (special_tokens_map.json's or tokenizer_config.json's key,
 * else BERT's own) that
 * vocab.txt lacks: the error names it, not only its role. transformers loads such a folder
 * and fails on the first word it cannot split (a real one names <|endoftext|>, an added
 * token, as its unk_token). */
static gboolean
require_named_special (int32_t id, const char *key, const char *name, const char *path, GError **error)
{
  if (id >= 0)
    return TRUE;
  g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
      "%s: the vocabulary has no token '%s', the folder's %s (special_tokens_map.json's, else "
      "tokenizer_config.json's, else BERT's)",
      path, name, key);
  return FALSE;
}

static BertTokenizer *
load_vocab_txt (const char *path, const BertNormalizerOptions *options, const SpecialNames *names,
    GError **error)
{
  BertTokenizer *tokenizer = bert_tokenizer_alloc ();

  if (options != NULL) {
    tokenizer->options = *options;
    tokenizer->options.max_length_is_default = options->model_max_length == 0;
    if (tokenizer->options.model_max_length == 0)
      tokenizer->options.model_max_length = BERT_MAX_POSITIONS;
  }
  if (!bert_vocab_load_txt (&tokenizer->vocab, path, error)) {
    bert_tokenizer_free (tokenizer);
    return NULL;
  }
  use_special_names (tokenizer, names);
  if (!require_named_special (tokenizer->unk_id, "unk_token", names->unk, path, error)
      || !require_named_special (tokenizer->cls_id, "cls_token", names->cls, path, error)
      || !require_named_special (tokenizer->sep_id, "sep_token", names->sep, path, error)
      || !bert_tokenizer_finish (tokenizer, path, error)) {
    bert_tokenizer_free (tokenizer);
    return NULL;
  }
  return tokenizer;
}

BertTokenizer *
bert_tokenizer_new_from_vocab_file (const char *vocab_path, const BertNormalizerOptions *options,
    GError **error)
{
  SpecialNames names;
  special_names_init (&names);
  BertTokenizer *tokenizer = load_vocab_txt (vocab_path, options, &names, error);
  special_names_clear (&names);
  return tokenizer;
}

/* ---- tokenizer.json ---- */

static gboolean
read_bert_normalizer (BertNormalizerOptions *options, JsonObject *normalizer, const char *file,
    GError **error)
{
  return bert_json_get_bool (normalizer, "clean_text", file, "normalizer.clean_text", &options->clean_text,
             error)
      && bert_json_get_bool (normalizer, "handle_chinese_chars", file, "normalizer.handle_chinese_chars",
          &options->handle_chinese_chars, error)
      && get_tristate (normalizer, "strip_accents", file, "normalizer.strip_accents", &options->strip_accents,
          error)
      && bert_json_get_bool (normalizer, "lowercase", file, "normalizer.lowercase", &options->lowercase,
          error);
}

static gboolean
read_normalizer (BertTokenizer *tokenizer, JsonObject *root, const char *file, GError **error)
{
  JsonObject *normalizer;
  const char *type;

  if (!bert_json_get_object (root, "normalizer", file, "normalizer", &normalizer, error))
    return FALSE;
  if (normalizer == NULL) { /* none: a BertNormalizer that changes nothing */
    tokenizer->options.clean_text = tokenizer->options.handle_chinese_chars = FALSE;
    tokenizer->options.lowercase = tokenizer->options.strip_accents = FALSE;
    return TRUE;
  }
  JsonNode *tag = json_object_get_member (normalizer, "type");
  const char *named =
      tag && json_node_get_value_type (tag) == G_TYPE_STRING ? json_node_get_string (tag) : "";
  type = bert_json_normalizer_type (normalizer);
  if (type == NULL) {
    /* a BertNormalizer that Hugging Face refuses: the member at fault, where one is */
    if ((strcmp (named, "BertNormalizer") == 0 || strcmp (named, "Bert") == 0)
        && !read_bert_normalizer (&tokenizer->options, normalizer, file, error))
      return FALSE;
    return bert_json_normalizer_refused (normalizer, file, "normalizer", error);
  }
  if (strcmp (type, "BertNormalizer") != 0)
    return unsupported (error, file,
        strcmp (named, type) == 0 ? "normalizer.type"
                                  : "normalizer (read by its members, as Hugging Face reads it)",
        type, "BertNormalizer");
  return read_bert_normalizer (&tokenizer->options, normalizer, file, error);
}

static gboolean
read_pre_tokenizer (JsonObject *root, const char *file, GError **error)
{
  JsonObject *pre_tokenizer;
  const char *type = NULL;

  if (!bert_json_get_object (root, "pre_tokenizer", file, "pre_tokenizer", &pre_tokenizer, error)
      || !bert_json_get_string (pre_tokenizer, "type", file, "pre_tokenizer.type", &type, error))
    return FALSE;
  if (pre_tokenizer == NULL)
    return unsupported (error, file, "pre_tokenizer", "null", "BertPreTokenizer");
  if (g_strcmp0 (type, "BertPreTokenizer") != 0)
    return unsupported (error, file, "pre_tokenizer.type", type ? type : "missing", "BertPreTokenizer");
  return TRUE;
}

gboolean
bert_tokenizer_read_vocab_entries (BertTokenizer *tokenizer, JsonObject *vocab, const char *file,
    GError **error)
{
  guint n_entries = json_object_get_size (vocab);
  JsonObjectIter iter;
  const char *token;
  JsonNode *node;

  json_object_iter_init (&iter, vocab);
  while (json_object_iter_next (&iter, &token, &node)) {
    if (json_node_get_value_type (node) != G_TYPE_INT64 || json_node_get_int (node) < 0
        || json_node_get_int (node) >= n_entries) {
      g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
          "%s: field 'model.vocab': the id of '%s' must be an integer from 0 to %u", file, token,
          n_entries - 1);
      return FALSE;
    }
    int32_t id = (int32_t) json_node_get_int (node);
    const char *holder = bert_vocab_token (&tokenizer->vocab, id);
    if (holder != NULL || bert_vocab_insert (&tokenizer->vocab, id, token, strlen (token)) >= 0) {
      g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
          "%s: field 'model.vocab': id %d is given to both '%s' and '%s'", file, id, holder ? holder : token,
          token);
      return FALSE;
    }
  }
  return TRUE;
}

/* The size of the id space: the model's vocabulary and the added tokens' ids, which may
 * go past it (but not so far as to make the id table huge). */
gboolean
bert_tokenizer_count_added_ids (JsonArray *added, guint n_vocab, const char *file, guint *n_ids,
    GError **error)
{
  guint n_added = added ? json_array_get_length (added) : 0;
  gint64 limit = (gint64) n_vocab + n_added;

  *n_ids = n_vocab;
  for (guint i = 0; i < n_added; i++) {
    JsonNode *node = json_array_get_element (added, i);
    char *field = g_strdup_printf ("added_tokens[%u]", i);
    char *id_field = g_strconcat (field, ".id", NULL);
    gint64 id = -1;
    gboolean ok = JSON_NODE_HOLDS_OBJECT (node)
        ? get_int (json_node_get_object (node), "id", file, id_field, 0, limit - 1, &id, error)
        : bert_json_field_error (error, file, field, "an object");
    if (ok && id < 0)
      ok = bert_json_field_error (error, file, id_field, "present");
    g_free (id_field);
    g_free (field);
    if (!ok)
      return FALSE;
    *n_ids = MAX (*n_ids, (guint) (id + 1));
  }
  return TRUE;
}

#define SUPPORTED_MODELS "WordPiece, Unigram or BPE"

/* Whether the post-processor is a RobertaProcessing (MPNet's, with a WordPiece model). */
static gboolean
has_roberta_processing (JsonObject *root)
{
  JsonNode *processor = bert_json_member (root, "post_processor");

  return processor && JSON_NODE_HOLDS_OBJECT (processor)
      && g_strcmp0 (bert_json_post_processor_type (json_node_get_object (processor)), "RobertaProcessing")
      == 0;
}

/* The pre-tokenizer's type where it is an object with a string type, else NULL. */
static const char *
pre_tokenizer_type (JsonObject *root)
{
  JsonNode *pre_tokenizer = bert_json_member (root, "pre_tokenizer");
  JsonNode *type = pre_tokenizer && JSON_NODE_HOLDS_OBJECT (pre_tokenizer)
      ? bert_json_member (json_node_get_object (pre_tokenizer), "type")
      : NULL;

  return type && json_node_get_value_type (type) == G_TYPE_STRING ? json_node_get_string (type) : NULL;
}

/* The fused path takes BERT's own stages: the BertPreTokenizer after a BertNormalizer (or
 * none, a BertNormalizer that changes nothing), and a template or BertProcessing. Every
 * other WordPiece file goes through the pipeline (a RobertaProcessing too: its trim_offsets
 * trims the spans of tokens whose text has spaces, which the pipeline does), except a
 * normaliser tokenizers refuses, which the fused path's reader names. */
static gboolean
takes_fused_path (JsonObject *root)
{
  JsonNode *normalizer = bert_json_member (root, "normalizer");

  if (has_roberta_processing (root) || g_strcmp0 (pre_tokenizer_type (root), "BertPreTokenizer") != 0)
    return FALSE;
  if (normalizer == NULL || !JSON_NODE_HOLDS_OBJECT (normalizer))
    return TRUE;
  const char *normalizer_type = bert_json_normalizer_type (json_node_get_object (normalizer));
  return normalizer_type == NULL || strcmp (normalizer_type, "BertNormalizer") == 0;
}

/* "Sequence normalizer and Whitespace pre-tokenizer", for messages. */
static char *
describe_stages (JsonObject *root)
{
  JsonNode *normalizer = bert_json_member (root, "normalizer");
  const char *pre_type = pre_tokenizer_type (root);
  const char *normalizer_type = normalizer && JSON_NODE_HOLDS_OBJECT (normalizer)
      ? bert_json_normalizer_type (json_node_get_object (normalizer))
      : "null";

  return g_strdup_printf ("%s normalizer and %s pre-tokenizer", normalizer_type ? normalizer_type : "unknown",
      pre_type ? pre_type : "null");
}

/* model's type, or for a model without one (files of tokenizers before 0.9) the type
 * Hugging Face tokenizers infers from its members. */
static gboolean
get_model_type (const BertTokenizer *tokenizer, JsonObject *model, const char *file, const char **type,
    GError **error)
{
  gboolean inferred;

  /* a JSON file that is no tokenizers file (a Keras Tokenizer's tokenizer.json, say) */
  if (model == NULL) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
        "%s: no field 'model': not a Hugging Face tokenizers file (those hold a model, with a normalizer, "
        "pre_tokenizer, post_processor and added_tokens)",
        file);
    return FALSE;
  }
  if (!bert_json_get_string (model, "type", file, "model.type", type, error))
    return FALSE;
  *type = bert_json_model_type (model, tokenizer->unigram_vocab ? (gint64) tokenizer->unigram_vocab->n : -1,
      &inferred);
  if (*type == NULL && inferred) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
        "%s: field 'model' has no \"type\" and is none of the models Hugging Face tokenizers reads "
        "without one (BPE: a vocab object and merges; WordPiece: a vocab object, unk_token, "
        "continuing_subword_prefix and max_input_chars_per_word; WordLevel: a vocab object and unk_token; "
        "Unigram: a vocab array of [piece, score])",
        file);
    return FALSE;
  }
  if (*type == NULL)
    return unsupported (error, file, "model.type", "missing", SUPPORTED_MODELS);
  if (inferred && strcmp (*type, "WordLevel") == 0)
    return unsupported (error, file, "model (without \"type\", read by its members as Hugging Face does)",
        "WordLevel", SUPPORTED_MODELS);
  return TRUE;
}

static gboolean
read_model (BertTokenizer *tokenizer, JsonObject *root, JsonArray *added, const char *file, GError **error)
{
  JsonObject *model, *vocab;
  const char *type = NULL, *unk = "[UNK]", *prefix = "##";
  gint64 max_chars = tokenizer->max_input_chars_per_word;
  guint n_ids;

  if (!bert_json_get_object (root, "model", file, "model", &model, error)
      || !get_model_type (tokenizer, model, file, &type, error))
    return FALSE;
  if (g_strcmp0 (type, "Unigram") == 0 || g_strcmp0 (type, "BPE") == 0) {
    tokenizer->file_stages = g_strdup_printf ("%s model", type);
    return bert_pipeline_read (tokenizer, root, added, file, error);
  }
  if (g_strcmp0 (type, "WordPiece") != 0)
    return unsupported (error, file, "model.type", type, SUPPORTED_MODELS);
  if (!bert_json_get_object (model, "vocab", file, "model.vocab", &vocab, error)
      || !bert_json_get_string (model, "unk_token", file, "model.unk_token", &unk, error)
      || !bert_json_get_string (model, "continuing_subword_prefix", file, "model.continuing_subword_prefix",
          &prefix, error)
      || !get_int (model, "max_input_chars_per_word", file, "model.max_input_chars_per_word", 1, G_MAXINT32,
          &max_chars, error))
    return FALSE;
  if (vocab == NULL || json_object_get_size (vocab) == 0)
    return bert_json_field_error (error, file, "model.vocab", "a non-empty object of token: id");
  if (!bert_tokenizer_count_added_ids (added, json_object_get_size (vocab), file, &n_ids, error))
    return FALSE;
  bert_vocab_init (&tokenizer->vocab, n_ids, NULL, 0);
  if (!bert_tokenizer_read_vocab_entries (tokenizer, vocab, file, error))
    return FALSE;
  tokenizer->n_model_pieces = json_object_get_size (vocab);
  g_free (tokenizer->subword_prefix);
  tokenizer->subword_prefix = g_strdup (prefix);
  tokenizer->max_input_chars_per_word = (guint) max_chars;
  tokenizer->unk_id = bert_tokenizer_token_to_id (tokenizer, unk);
  if (tokenizer->unk_id < 0) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
        "%s: field 'model.unk_token': '%s' is not in model.vocab", file, unk);
    return FALSE;
  }
  if (takes_fused_path (root))
    return TRUE;
  tokenizer->file_stages = describe_stages (root);
  return bert_pipeline_read_wordpiece (tokenizer, root, file, error);
}

static void
set_flags (BertAddedToken *token, gboolean lstrip, gboolean rstrip, gboolean single_word)
{
  token->lstrip = lstrip;
  token->rstrip = rstrip;
  token->single_word = single_word;
}

/* A "normalized" token keeps its content until bert_tokenizer_finish normalises it, once
 * the normaliser is known. A content listed again (with its id: another id is refused) is
 * matched as before, in the text of each "normalized" it was listed with, but with the
 * flags of the later entry, as Hugging Face reads every token's flags by its id. */
static void
add_stripping_special (BertTokenizer *tokenizer, const char *content, int32_t id, gboolean normalized,
    gboolean lstrip, gboolean rstrip, gboolean single_word)
{
  BertAddedTokens *own = normalized ? &tokenizer->normalized_added : &tokenizer->added;
  BertAddedTokens *other = normalized ? &tokenizer->added : &tokenizer->normalized_added;
  BertAddedToken *earlier = bert_added_tokens_lookup (other, content);
  if (earlier != NULL)
    set_flags (earlier, lstrip, rstrip, single_word);
  earlier = bert_added_tokens_lookup (own, content);
  set_flags (earlier != NULL ? earlier : bert_added_tokens_add (own, content, id), lstrip, rstrip,
      single_word);
}

static gboolean
read_added_token (BertTokenizer *tokenizer, JsonObject *token, guint index, const char *file, GError **error)
{
  char *field = g_strdup_printf ("added_tokens[%u]", index);
  const char *content = NULL;
  gint64 id = 0;
  gboolean normalized = FALSE, lstrip = FALSE, rstrip = FALSE, single_word = FALSE;
  char *content_field = g_strconcat (field, ".content", NULL);
  gboolean ok = get_int (token, "id", file, field, 0, G_MAXINT32, &id, error)
      && bert_json_get_string (token, "content", file, content_field, &content, error)
      && bert_json_get_bool (token, "normalized", file, field, &normalized, error)
      && bert_json_get_bool (token, "lstrip", file, field, &lstrip, error)
      && bert_json_get_bool (token, "rstrip", file, field, &rstrip, error)
      && bert_json_get_bool (token, "single_word", file, field, &single_word, error);

  if (ok && (content == NULL || content[0] == '\0'))
    ok = bert_json_field_error (error, file, content_field, "a non-empty string");
  if (ok) {
    const char *holder = bert_vocab_token (&tokenizer->vocab, (int32_t) id);
    int32_t other_id =
        holder == NULL ? bert_vocab_insert (&tokenizer->vocab, (int32_t) id, content, strlen (content)) : -1;
    if (holder == NULL && other_id < 0)
      holder = content;
    if (other_id >= 0) {
      /* HF gives it the other id with a warning: what was meant is unknown */
      g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
          "%s: field '%s': '%s' is given id %d, but it has id %d already", file, field, content, (int) id,
          (int) other_id);
      ok = FALSE;
    } else if (g_strcmp0 (holder, content) != 0) {
      g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
          "%s: field '%s': id %d is '%s' in the vocabulary, not '%s'", file, field, (int) id, holder,
          content);
      ok = FALSE;
    }
  }
  if (ok)
    add_stripping_special (tokenizer, content, (int32_t) id, normalized, lstrip, rstrip, single_word);
  g_free (content_field);
  g_free (field);
  return ok;
}

static gboolean
read_added_tokens (BertTokenizer *tokenizer, JsonArray *added, const char *file, GError **error)
{
  guint n = added ? json_array_get_length (added) : 0;
  for (guint i = 0; i < n; i++) {
    JsonObject *token = json_array_get_object_element (added, i);
    if (!read_added_token (tokenizer, token, i, file, error))
      return FALSE;
  }
  return TRUE;
}

/* Appends the ids of a template's special token, looked up in "special_tokens", to ids and
 * type_ids (count of them there). */
static gboolean
add_template_special (const BertTokenizer *tokenizer, JsonObject *specials, JsonObject *item,
    int32_t *ids_out, int32_t *type_ids_out, guint *count, const char *file, const char *field,
    GError **error)
{
  const char *name = NULL;
  gint64 type_id = 0;
  JsonObject *special;
  JsonArray *ids;

  if (!bert_json_get_string (item, "id", file, field, &name, error)
      || !get_int (item, "type_id", file, field, 0, G_MAXINT32, &type_id, error))
    return FALSE;
  if (name == NULL
      || !bert_json_get_object (specials, name, file, "post_processor.special_tokens", &special, error)
      || special == NULL
      || !bert_json_get_array (special, "ids", file, "post_processor.special_tokens", &ids, error)
      || ids == NULL)
    return bert_json_field_error (error, file, "post_processor.special_tokens",
        "an object giving the ids of every special token of the template");
  for (guint i = 0; i < json_array_get_length (ids); i++) {
    JsonNode *node = json_array_get_element (ids, i);
    gint64 id = json_node_get_value_type (node) == G_TYPE_INT64 ? json_node_get_int (node) : -1;
    if (id < 0 || id >= tokenizer->vocab.n_ids || *count == BERT_MAX_TEMPLATE_TOKENS)
      return bert_json_field_error (error, file, "post_processor.special_tokens",
          "at most 8 ids per side, each in the vocabulary");
    ids_out[*count] = (int32_t) id;
    type_ids_out[*count] = (int32_t) type_id;
    (*count)++;
  }
  return TRUE;
}

static gboolean
read_template_item (BertTokenizer *tokenizer, JsonObject *processor, JsonNode *node, gboolean *seen_sequence,
    const char *file, GError **error)
{
  JsonObject *item = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  JsonObject *specials = NULL, *special = NULL, *sequence = NULL;
  gint64 type_id = 0;

  if (!bert_json_get_object (processor, "special_tokens", file, "post_processor.special_tokens", &specials,
          error)
      || !bert_json_get_object (item, "SpecialToken", file, "post_processor.single", &special, error)
      || !bert_json_get_object (item, "Sequence", file, "post_processor.single", &sequence, error))
    return FALSE;
  if (special != NULL && !*seen_sequence)
    return add_template_special (tokenizer, specials, special, tokenizer->prefix_ids,
        tokenizer->prefix_type_ids, &tokenizer->n_prefix, file, "post_processor.single", error);
  if (special != NULL)
    return add_template_special (tokenizer, specials, special, tokenizer->suffix_ids,
        tokenizer->suffix_type_ids, &tokenizer->n_suffix, file, "post_processor.single", error);
  if (sequence == NULL || *seen_sequence)
    return bert_json_field_error (error, file, "post_processor.single",
        "a list of SpecialToken items around one Sequence");
  *seen_sequence = TRUE;
  if (!get_int (sequence, "type_id", file, "post_processor.single", 0, G_MAXINT32, &type_id, error))
    return FALSE;
  tokenizer->sequence_type_id = (int32_t) type_id;
  return TRUE;
}

/* One item of the pair template: a special token joins the part between the sequences
 * seen so far (*part: 0 before $A, 1 between, 2 after $B); $A then $B move it on. */
static gboolean
read_pair_item (BertTokenizer *tokenizer, JsonObject *specials, JsonNode *node, guint *part, const char *file,
    GError **error)
{
  JsonObject *item = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  JsonObject *special = NULL, *sequence = NULL;
  const char *name = NULL;
  gint64 type_id = 0;

  if (!bert_json_get_object (item, "SpecialToken", file, "post_processor.pair", &special, error)
      || !bert_json_get_object (item, "Sequence", file, "post_processor.pair", &sequence, error))
    return FALSE;
  if (special != NULL)
    return *part > 2
        || add_template_special (tokenizer, specials, special, tokenizer->pair_ids[*part],
            tokenizer->pair_type_ids[*part], &tokenizer->n_pair[*part], file, "post_processor.pair", error);
  if (sequence == NULL)
    return bert_json_field_error (error, file, "post_processor.pair",
        "a list of SpecialToken and Sequence items");
  if (!bert_json_get_string (sequence, "id", file, "post_processor.pair", &name, error)
      || !get_int (sequence, "type_id", file, "post_processor.pair", 0, G_MAXINT32, &type_id, error))
    return FALSE;
  if (*part >= 2 || g_strcmp0 (name, *part == 0 ? "A" : "B") != 0) {
    *part = 3;
    return TRUE;
  }
  tokenizer->pair_sequence_type_ids[*part] = (int32_t) type_id;
  (*part)++;
  return TRUE;
}

/* TemplateProcessing's pair template. One this library cannot follow exactly ($B before $A,
 * a sequence twice) leaves pairs unsupported, saying so, without refusing the tokenizer. */
static gboolean
read_pair_template (BertTokenizer *tokenizer, JsonObject *processor, const char *file, GError **error)
{
  JsonArray *pair;
  JsonObject *specials;
  guint part = 0;

  if (!bert_json_get_object (processor, "special_tokens", file, "post_processor.special_tokens", &specials,
          error)
      || !bert_json_get_array (processor, "pair", file, "post_processor.pair", &pair, error))
    return FALSE;
  g_clear_pointer (&tokenizer->pair_unsupported, g_free);
  if (pair == NULL) /* Hugging Face refuses a template without one */
    return bert_json_field_error (error, file, "post_processor.pair", "a template");
  for (guint i = 0; i < json_array_get_length (pair); i++)
    if (!read_pair_item (tokenizer, specials, json_array_get_element (pair, i), &part, file, error))
      return FALSE;
  if (part != 2)
    tokenizer->pair_unsupported = g_strdup_printf ("%s: post_processor.pair is not special tokens around $A "
                                                   "then $B, each once, the only pair template supported",
        file);
  return TRUE;
}

static gboolean
read_template (BertTokenizer *tokenizer, JsonObject *processor, const char *file, GError **error)
{
  JsonArray *single;
  gboolean seen_sequence = FALSE;

  if (!bert_json_get_array (processor, "single", file, "post_processor.single", &single, error))
    return FALSE;
  for (guint i = 0; single && i < json_array_get_length (single); i++)
    if (!read_template_item (tokenizer, processor, json_array_get_element (single, i), &seen_sequence, file,
            error))
      return FALSE;
  if (!seen_sequence)
    return bert_json_field_error (error, file, "post_processor.single", "a template holding the sequence");
  return read_pair_template (tokenizer, processor, file, error);
}

/* BertProcessing: "cls": ["[CLS]", 101], "sep": ["[SEP]", 102]. */
static gboolean
read_bert_pair (const BertTokenizer *tokenizer, JsonObject *processor, const char *name, const char *file,
    int32_t *id, GError **error)
{
  char *field = g_strconcat ("post_processor.", name, NULL);
  JsonArray *pair;
  gboolean ok = bert_json_get_array (processor, name, file, field, &pair, error);

  if (ok) {
    JsonNode *node = pair && json_array_get_length (pair) == 2 ? json_array_get_element (pair, 1) : NULL;
    if (node == NULL || json_node_get_value_type (node) != G_TYPE_INT64 || json_node_get_int (node) < 0
        || json_node_get_int (node) >= tokenizer->vocab.n_ids)
      ok = bert_json_field_error (error, file, field, "a [token, id] pair, the id in the vocabulary");
    else
      *id = (int32_t) json_node_get_int (node);
  }
  g_free (field);
  return ok;
}

/* RobertaProcessing: <s> A </s>, and with trim_offsets the spans lose their spaces. */
static gboolean
read_roberta_processing (BertTokenizer *tokenizer, JsonObject *processor, const char *file, GError **error)
{
  struct _BertPipeline *pipeline = tokenizer->pipeline;

  tokenizer->n_prefix = tokenizer->n_suffix = 1;
  pipeline->trim_offsets = TRUE;
  pipeline->trim_add_prefix_space = TRUE;
  if (!read_bert_pair (tokenizer, processor, "cls", file, &tokenizer->prefix_ids[0], error)
      || !read_bert_pair (tokenizer, processor, "sep", file, &tokenizer->suffix_ids[0], error))
    return FALSE;
  set_classic_pair (tokenizer, 2, 0);
  return bert_json_get_bool (processor, "trim_offsets", file, "post_processor.trim_offsets",
             &pipeline->trim_offsets, error)
      && bert_json_get_bool (processor, "add_prefix_space", file, "post_processor.add_prefix_space",
          &pipeline->trim_add_prefix_space, error);
}

static gboolean
read_post_processor (BertTokenizer *tokenizer, JsonObject *root, const char *file, GError **error)
{
  JsonObject *processor;
  const char *type = NULL;
  const char *supported = tokenizer->pipeline ? "TemplateProcessing or RobertaProcessing"
                                              : "TemplateProcessing or BertProcessing";

  if (!bert_json_get_object (root, "post_processor", file, "post_processor", &processor, error))
    return FALSE;
  if (processor == NULL) {
    set_plain_pair (tokenizer);
    return TRUE;
  }
  /* Hugging Face reads a post-processor by its members, whatever its "type" says (an old
   * RobertaProcessing without trim_offsets is a BertProcessing there). */
  type = bert_json_post_processor_type (processor);
  if (type == NULL) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FORMAT,
        "%s: field 'post_processor' is none of the post-processors Hugging Face tokenizers reads "
        "(it goes by the members: RobertaProcessing has sep, cls, trim_offsets and add_prefix_space; "
        "BertProcessing sep and cls; TemplateProcessing single, pair and special_tokens)",
        file);
    return FALSE;
  }
  if (g_strcmp0 (type, "BertProcessing") == 0) {
    tokenizer->n_prefix = tokenizer->n_suffix = 1;
    if (!read_bert_pair (tokenizer, processor, "cls", file, &tokenizer->prefix_ids[0], error)
        || !read_bert_pair (tokenizer, processor, "sep", file, &tokenizer->suffix_ids[0], error))
      return FALSE;
    set_classic_pair (tokenizer, 1, 1);
    return TRUE;
  }
  if (g_strcmp0 (type, "RobertaProcessing") == 0 && tokenizer->pipeline)
    return read_roberta_processing (tokenizer, processor, file, error);
  if (g_strcmp0 (type, "TemplateProcessing") != 0)
    return unsupported (error, file, "post_processor.type", type, supported);
  return read_template (tokenizer, processor, file, error);
}

static gboolean
read_limits (BertTokenizer *tokenizer, JsonObject *root, const char *file, GError **error)
{
  JsonObject *truncation, *padding;
  gint64 max_length = tokenizer->options.model_max_length, pad_id = -1;

  if (!bert_json_get_object (root, "truncation", file, "truncation", &truncation, error)
      || !get_int (truncation, "max_length", file, "truncation.max_length", 1, G_MAXINT32, &max_length, error)
      || !bert_json_get_object (root, "padding", file, "padding", &padding, error)
      || !get_int (padding, "pad_id", file, "padding.pad_id", 0, G_MAXINT32, &pad_id, error))
    return FALSE;
  tokenizer->options.model_max_length = (guint) max_length;
  if (truncation != NULL)
    tokenizer->options.max_length_is_default = FALSE;
  bert_truncation_direction_read (truncation, &tokenizer->options.truncate_left);
  tokenizer->pad_id = pad_id >= 0 ? (int32_t) pad_id : bert_tokenizer_token_to_id (tokenizer, "[PAD]");
  return TRUE;
}

/* unigram_vocab: NULL, or the Unigram vocabulary read from the text (see parse_json_file) or
 * from a sentencepiece model (bert_sentencepiece_files.h). */
static BertTokenizer *
tokenizer_from_json (JsonObject *root, BertUnigramVocab *unigram_vocab, const char *path, GError **error)
{
  JsonArray *added;
  BertTokenizer *tokenizer = bert_tokenizer_alloc ();
  tokenizer->unigram_vocab = unigram_vocab && unigram_vocab->n > 0 ? unigram_vocab : NULL;
  gboolean ok = bert_json_get_array (root, "added_tokens", path, "added_tokens", &added, error)
      && read_model (tokenizer, root, added, path, error)
      && (tokenizer->pipeline != NULL
          || (read_normalizer (tokenizer, root, path, error) && read_pre_tokenizer (root, path, error)))
      && read_added_tokens (tokenizer, added, path, error)
      && read_post_processor (tokenizer, root, path, error) && read_limits (tokenizer, root, path, error);
  if (ok) {
    tokenizer->cls_id =
        tokenizer->n_prefix > 0 ? tokenizer->prefix_ids[0] : bert_tokenizer_token_to_id (tokenizer, "[CLS]");
    tokenizer->sep_id = tokenizer->n_suffix > 0 ? tokenizer->suffix_ids[tokenizer->n_suffix - 1]
                                                : bert_tokenizer_token_to_id (tokenizer, "[SEP]");
  }
  tokenizer->unigram_vocab = NULL;
  if (!ok) {
    bert_tokenizer_free (tokenizer);
    return NULL;
  }
  return tokenizer;
}

/* tokenizer's warning, then added's (taken) after it. */
static void
append_warning (BertTokenizer *tokenizer, char *added)
{
  if (added == NULL)
    return;
  if (tokenizer->warning == NULL) {
    tokenizer->warning = added;
    return;
  }
  char *both = g_strdup_printf ("%s. And %s", tokenizer->warning, added);
  g_free (tokenizer->warning);
  g_free (added);
  tokenizer->warning = both;
}

static BertTokenizer *
load_tokenizer_json (const char *path, GError **error)
{
  JsonObject *root;
  BertUnigramVocab unigram_vocab;
  JsonParser *parser = parse_json_file (path, &root, &unigram_vocab, error);
  if (parser == NULL)
    return NULL;

  BertTokenizer *tokenizer = tokenizer_from_json (root, &unigram_vocab, path, error);
  /* after the readers, whose errors say more about what they read */
  if (tokenizer != NULL
      && !bert_json_check_refusals (root, unigram_vocab.n > 0 ? (gint64) unigram_vocab.n : -1, path, error))
    g_clear_pointer (&tokenizer, bert_tokenizer_free);
  if (tokenizer != NULL)
    append_warning (tokenizer, bert_added_token_members_warning (root, path, TRUE));
  bert_unigram_vocab_clear (&unigram_vocab);
  g_object_unref (parser);
  return tokenizer;
}

/* ---- sentence_bert_config.json ---- */

/* sentence_bert_config.json's do_lower_case lowercases the text before the tokenizer: a
 * no-op before a lowercasing normaliser, and not supported before a cased one, whose tokens
 * would differ. Its max_seq_length is read with the folder's other limits (bert_max_length.h). */
static gboolean
read_sentence_bert_config (const char *path, BertNormalizerOptions *options, GError **error)
{
  JsonObject *root;
  JsonParser *parser = parse_json_file (path, &root, NULL, error);
  gboolean lowercase_first = FALSE;
  gboolean ok;

  if (parser == NULL)
    return FALSE;
  ok = bert_json_get_bool (root, "do_lower_case", path, "do_lower_case", &lowercase_first, error);
  if (ok && lowercase_first && !options->lowercase)
    ok = unsupported (error, path, "do_lower_case", "true before a tokenizer that keeps case",
        "false, or true before a lowercasing tokenizer,");
  g_object_unref (parser);
  return ok;
}

/* The folder's length limit (bert_max_length.h), over whatever its tokenizer files said, as
 * transformers replaces a tokenizer.json's truncation by it; its warning after the others. */
static gboolean
apply_max_length (const char *folder, BertTokenizer *tokenizer, GError **error)
{
  BertMaxLength length;

  if (!bert_max_length_read (folder, &length, error))
    return FALSE;
  tokenizer->options.model_max_length = length.max_length > 0 ? length.max_length : BERT_MAX_POSITIONS;
  tokenizer->options.max_length_is_default = length.max_length == 0;
  append_warning (tokenizer, g_steal_pointer (&length.warning));
  bert_max_length_clear (&length);
  return TRUE;
}

/* ---- model folders ---- */

/* The folder's tokenizer_config.json is parsed once, into a node (NULL where the folder has
 * none) that every reader of it is given: the normaliser switches and special tokens here,
 * the slow files' class and special tokens (bert_slow_tokenizer_config.h), the transformers 5
 * check (bert_transformers5.h). */
static gboolean
read_folder_config (const char *folder, JsonNode **tokenizer_config, GError **error)
{
  return bert_slow_tokenizer_read_optional_json (folder, "tokenizer_config.json", tokenizer_config, error);
}

static JsonObject *
object_of (JsonNode *node)
{
  return node ? json_node_get_object (node) : NULL;
}

/* The switches and names of tokenizer_config.json (TOKENIZER_CONFIG, at PATH) where the
 * folder has one. */
static gboolean
apply_folder_config (JsonNode *tokenizer_config, const char *path, BertNormalizerOptions *options,
    SpecialNames *names, GError **error)
{
  return tokenizer_config == NULL
      || read_tokenizer_config (object_of (tokenizer_config), path, options, names, error);
}

/* special_tokens_map.json's special tokens over tokenizer_config.json's, as transformers
 * hands them to the class's constructor: a vocab.txt folder's [CLS], [SEP], [UNK]... there,
 * and the names the transformers 5 check compares a tokenizer.json's with. *map: the file
 * (NULL where absent), to unref. A null token is refused where the folder's tokens come
 * from the map (vocab_txt): transformers then has none. A tokenizer.json's stand, in
 * transformers' generic class too. */
static gboolean
apply_special_tokens_map (const char *folder, gboolean vocab_txt, JsonNode **map, SpecialNames *names,
    GError **error)
{
  char *path = g_build_filename (folder, "special_tokens_map.json", NULL);
  gboolean ok = bert_slow_tokenizer_read_optional_json (folder, "special_tokens_map.json", map, error);

  if (ok && *map != NULL) {
    JsonObject *root = json_node_get_object (*map);
    ok = (!vocab_txt || bert_special_tokens_map_check_nulls (root, path, error))
        && get_special_name (root, "unk_token", path, &names->unk, error)
        && get_special_name (root, "cls_token", path, &names->cls, error)
        && get_special_name (root, "sep_token", path, &names->sep, error)
        && get_special_name (root, "pad_token", path, &names->pad, error)
        && get_special_name (root, "mask_token", path, &names->mask, error);
  }
  g_free (path);
  return ok;
}

/* The slow tokenizer's files a folder without tokenizer.json may have. */
typedef enum {
  SLOW_FILES_BPE,           /* RoBERTa's vocab.json and merges.txt */
  SLOW_FILES_SENTENCEPIECE, /* XLM-R's or CamemBERT's sentencepiece.bpe.model */
  SLOW_FILES_ALBERT_SPIECE, /* ALBERT's spiece.model */
  SLOW_FILES_MPNET_VOCAB    /* MPNet's vocab.txt */
} SlowFiles;

/* A RoBERTa, XLM-R, CamemBERT, ALBERT or MPNet folder with the slow tokenizer's files only; source
 * names them in errors. */
static BertTokenizer *
load_slow_files (const char *folder, JsonNode *tokenizer_config, SlowFiles files, const char *source,
    GError **error)
{
  BertUnigramVocab unigram_vocab = { 0 };
  JsonNode *document = files == SLOW_FILES_SENTENCEPIECE
      ? bert_sentencepiece_files_to_tokenizer_json (folder, tokenizer_config, &unigram_vocab, error)
      : files == SLOW_FILES_ALBERT_SPIECE
      ? bert_albert_spiece_files_to_tokenizer_json (folder, tokenizer_config, &unigram_vocab, error)
      : files == SLOW_FILES_BPE ? bert_bpe_files_to_tokenizer_json (folder, tokenizer_config, error)
                                : bert_mpnet_files_to_tokenizer_json (folder, tokenizer_config, error);
  if (document == NULL)
    return NULL;
  BertTokenizer *tokenizer =
      tokenizer_from_json (json_node_get_object (document), &unigram_vocab, source, error);
  bert_unigram_vocab_clear (&unigram_vocab);
  json_node_unref (document);
  return tokenizer;
}

static gboolean
check_transformers5 (const char *folder, JsonNode *tokenizer_config, JsonNode *special_tokens_map,
    BertTokenizer *tokenizer, const BertNormalizerOptions *file_options, const SpecialNames *names,
    GError **error)
{
  BertFolderSettings settings = { .unk = names->unk,
    .cls = names->cls,
    .sep = names->sep,
    .special_tokens_map = object_of (special_tokens_map),
    .file_options = *file_options };
  char *warning = NULL;
  gboolean ok =
      bert_transformers5_check (folder, object_of (tokenizer_config), tokenizer, &settings, &warning, error);
  append_warning (tokenizer, warning);
  return ok;
}

/* The warning of bert_transformers5_added_tokens, after the class's where there is one. */
static void
add_added_tokens_warning (const char *folder, BertTokenizer *tokenizer, JsonNode *tokenizer_config,
    JsonNode *special_tokens_map)
{
  append_warning (tokenizer,
      bert_transformers5_added_tokens (folder, tokenizer, object_of (tokenizer_config),
          object_of (special_tokens_map)));
}

/* bert_added_token_members.h's warnings for the folder's tokenizer_config.json and
 * special_tokens_map.json, as parsed (NULL where the folder has none). */
static void
add_added_token_members_warnings (BertTokenizer *tokenizer, const char *folder, JsonNode *tokenizer_config,
    JsonNode *special_tokens_map)
{
  JsonNode *roots[] = { tokenizer_config, special_tokens_map };
  const char *names[] = { "tokenizer_config.json", "special_tokens_map.json" };

  for (guint i = 0; i < G_N_ELEMENTS (roots); i++) {
    if (roots[i] == NULL)
      continue;
    char *path = g_build_filename (folder, names[i], NULL);
    append_warning (tokenizer,
        bert_added_token_members_warning (json_node_get_object (roots[i]), path, FALSE));
    g_free (path);
  }
}

/* The same for a folder of slow files, whose reader (bert_slow_tokenizer_config.h) parsed
 * its special_tokens_map.json without keeping it: parsed again here. */
static gboolean
add_slow_files_members_warnings (BertTokenizer *tokenizer, const char *folder, JsonNode *tokenizer_config,
    GError **error)
{
  JsonNode *special_tokens_map = NULL;

  if (!bert_slow_tokenizer_read_optional_json (folder, "special_tokens_map.json", &special_tokens_map, error))
    return FALSE;
  add_added_token_members_warnings (tokenizer, folder, tokenizer_config, special_tokens_map);
  g_clear_pointer (&special_tokens_map, json_node_unref);
  return TRUE;
}

/* tokenizer.json, then tokenizer_config.json over it (its errors after the file's, which say
 * more), then the transformers 5 check. */
static BertTokenizer *
load_folder_tokenizer_json (const char *folder, const char *json_path, const char *config_path,
    SpecialNames *names, GError **error)
{
  JsonNode *tokenizer_config = NULL, *special_tokens_map = NULL;
  BertTokenizer *tokenizer = load_tokenizer_json (json_path, error);
  if (tokenizer == NULL)
    return NULL;
  BertNormalizerOptions file_options = tokenizer->options;
  if (!read_folder_config (folder, &tokenizer_config, error)
      || !apply_folder_config (tokenizer_config, config_path, &tokenizer->options, names, error)
      || !apply_special_tokens_map (folder, FALSE, &special_tokens_map, names, error)
      || !check_transformers5 (folder, tokenizer_config, special_tokens_map, tokenizer, &file_options, names,
          error))
    g_clear_pointer (&tokenizer, bert_tokenizer_free);
  else {
    add_added_tokens_warning (folder, tokenizer, tokenizer_config, special_tokens_map);
    add_added_token_members_warnings (tokenizer, folder, tokenizer_config, special_tokens_map);
  }
  g_clear_pointer (&special_tokens_map, json_node_unref);
  g_clear_pointer (&tokenizer_config, json_node_unref);
  return tokenizer;
}

/* The slow files with the folder's settings over them (tokenizer_config: read already). */
static BertTokenizer *
load_slow_files_configured (const char *folder, JsonNode *tokenizer_config, const char *config_path,
    SlowFiles files, const char *source, SpecialNames *names, GError **error)
{
  BertTokenizer *tokenizer = load_slow_files (folder, tokenizer_config, files, source, error);

  if (tokenizer
      && (!apply_folder_config (tokenizer_config, config_path, &tokenizer->options, names, error)
          || !add_slow_files_members_warnings (tokenizer, folder, tokenizer_config, error)))
    g_clear_pointer (&tokenizer, bert_tokenizer_free);
  return tokenizer;
}

static BertTokenizer *
load_folder_slow_files (const char *folder, const char *config_path, SlowFiles files, const char *source,
    SpecialNames *names, GError **error)
{
  JsonNode *tokenizer_config = NULL;
  BertTokenizer *tokenizer = NULL;

  if (read_folder_config (folder, &tokenizer_config, error))
    tokenizer =
        load_slow_files_configured (folder, tokenizer_config, config_path, files, source, names, error);
  g_clear_pointer (&tokenizer_config, json_node_unref);
  return tokenizer;
}

/* MPNetTokenizer's vocab.txt folder (bert_mpnet_files.h), read as RoBERTa's slow files are. */
static BertTokenizer *
load_mpnet_vocab_txt (const char *folder, JsonNode *tokenizer_config, const char *config_path,
    SpecialNames *names, GError **error)
{
  char *source = g_strdup_printf ("%s (MPNet's vocab.txt)", folder);
  BertTokenizer *tokenizer = load_slow_files_configured (folder, tokenizer_config, config_path,
      SLOW_FILES_MPNET_VOCAB, source, names, error);

  if (tokenizer && !bert_tokenizer_finish (tokenizer, source, error))
    g_clear_pointer (&tokenizer, bert_tokenizer_free);
  g_free (source);
  return tokenizer;
}

/* transformers 5.25 gives a vocab.txt folder's pad_token or mask_token that vocab.txt lacks
 * an id of its own past the vocabulary (67 for a 67-line vocab.txt) and finds it in texts as
 * an added token; gst-bert has no such token and splits its text (a BOM before BERT's first
 * line, [PAD], is one way to lose it). NULL where both are there. */
static char *
missing_specials_warning (const char *vocab_path, const BertTokenizer *tokenizer, const SpecialNames *names)
{
  const char *keys[] = { "pad_token", "mask_token" }, *texts[] = { names->pad, names->mask };
  const char *first = bert_tokenizer_id_to_token (tokenizer, 0);
  GString *missing = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    if (bert_tokenizer_token_to_id (tokenizer, texts[i]) < 0 && (i == 0 || strcmp (texts[i], texts[0]) != 0))
      g_string_append_printf (missing, "%s'%s' (the folder's %s)", missing->len > 0 ? " nor " : "", texts[i],
          keys[i]);
  if (missing->len == 0)
    return g_string_free (missing, TRUE);
  char *warning =
      g_strdup_printf ("%s has no token %s: transformers adds it as a token of its own, past the "
                       "vocabulary, and finds it in texts, where gst-bert splits it as other text%s",
          vocab_path, missing->str,
          first != NULL && g_str_has_prefix (first, "\xef\xbb\xbf")
              ? " (the file starts with a byte order mark, which stays in its first token)"
              : "");
  g_string_free (missing, TRUE);
  return warning;
}

static BertTokenizer *
load_folder_vocab_txt (const char *folder, const char *vocab_path, const char *config_path,
    SpecialNames *names, GError **error)
{
  BertTokenizer *defaults = bert_tokenizer_alloc ();
  BertNormalizerOptions options = defaults->options;
  JsonNode *tokenizer_config = NULL, *special_tokens_map = NULL;
  BertTokenizer *tokenizer = NULL;
  char *family_warning = NULL;
  gboolean is_mpnet = FALSE;

  bert_tokenizer_free (defaults);
  if (!read_folder_config (folder, &tokenizer_config, error)
      || !bert_mpnet_files_is_mpnet (folder, tokenizer_config, &is_mpnet, error)) {
    g_clear_pointer (&tokenizer_config, json_node_unref);
    return NULL;
  }
  if (is_mpnet) {
    tokenizer = load_mpnet_vocab_txt (folder, tokenizer_config, config_path, names, error);
    g_clear_pointer (&tokenizer_config, json_node_unref);
    return tokenizer;
  }
  if (bert_transformers5_check_vocab_txt_class (folder, object_of (tokenizer_config), &family_warning, error)
      && apply_folder_config (tokenizer_config, config_path, &options, names, error)
      && apply_special_tokens_map (folder, TRUE, &special_tokens_map, names, error))
    tokenizer = load_vocab_txt (vocab_path, &options, names, error);
  if (tokenizer != NULL) {
    tokenizer->warning = g_steal_pointer (&family_warning);
    append_warning (tokenizer,
        bert_transformers5_added_tokens (folder, tokenizer, object_of (tokenizer_config),
            object_of (special_tokens_map)));
    append_warning (tokenizer, missing_specials_warning (vocab_path, tokenizer, names));
    add_added_token_members_warnings (tokenizer, folder, tokenizer_config, special_tokens_map);
  }
  g_free (family_warning);
  g_clear_pointer (&special_tokens_map, json_node_unref);
  g_clear_pointer (&tokenizer_config, json_node_unref);
  return tokenizer;
}

static BertTokenizer *
load_folder (const char *folder, GError **error)
{
  char *json_path = g_build_filename (folder, "tokenizer.json", NULL);
  char *vocab_path = g_build_filename (folder, "vocab.txt", NULL);
  char *config_path = g_build_filename (folder, "tokenizer_config.json", NULL);
  char *sbert_path = bert_max_length_module_file (folder);
  gboolean has_json = bert_model_file_exists (json_path), has_vocab_txt = bert_model_file_exists (vocab_path);
  gboolean has_bpe_files = !has_json && !has_vocab_txt && bert_bpe_files_exist (folder);
  gboolean has_spm_files =
      !has_json && !has_vocab_txt && !has_bpe_files && bert_sentencepiece_files_exist (folder);
  gboolean has_albert_files = !has_json && !has_vocab_txt && !has_bpe_files && !has_spm_files
      && bert_albert_spiece_files_exist (folder);
  char *source = has_bpe_files ? g_strdup_printf ("%s (vocab.json and merges.txt)", folder)
      : has_spm_files          ? g_strdup_printf ("%s (sentencepiece.bpe.model)", folder)
      : has_albert_files       ? g_strdup_printf ("%s (spiece.model)", folder)
                               : g_strdup (json_path);
  BertTokenizer *tokenizer = NULL;
  SpecialNames names;

  special_names_init (&names);
  if (has_json || has_bpe_files || has_spm_files || has_albert_files) {
    tokenizer = has_json ? load_folder_tokenizer_json (folder, json_path, config_path, &names, error)
                         : load_folder_slow_files (folder, config_path,
                             has_spm_files          ? SLOW_FILES_SENTENCEPIECE
                                 : has_albert_files ? SLOW_FILES_ALBERT_SPIECE
                                                    : SLOW_FILES_BPE,
                             source, &names, error);
    if (tokenizer && !bert_tokenizer_finish (tokenizer, source, error))
      g_clear_pointer (&tokenizer, bert_tokenizer_free);
  } else if (has_vocab_txt) {
    tokenizer = load_folder_vocab_txt (folder, vocab_path, config_path, &names, error);
  } else {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FILE,
        "%s: the folder has neither tokenizer.json nor vocab.txt (nor a RoBERTa's vocab.json and merges.txt, "
        "nor "
        "an XLM-R's or CamemBERT's sentencepiece.bpe.model, nor an ALBERT's spiece.model)",
        folder);
  }
  if (tokenizer
      && ((sbert_path != NULL && !read_sentence_bert_config (sbert_path, &tokenizer->options, error))
          || !apply_max_length (folder, tokenizer, error)))
    g_clear_pointer (&tokenizer, bert_tokenizer_free);
  special_names_clear (&names);
  g_free (source);
  g_free (sbert_path);
  g_free (json_path);
  g_free (vocab_path);
  g_free (config_path);
  return tokenizer;
}

/* A sentence-transformers folder's tokenizer is its Transformer module's, which may be in a
 * subfolder (bert_transformer_module.h). */
static BertTokenizer *
load_model_folder (const char *folder, GError **error)
{
  char *module_folder = bert_transformer_module_folder (folder, error);
  BertTokenizer *tokenizer = module_folder ? load_folder (module_folder, error) : NULL;

  g_free (module_folder);
  return tokenizer;
}

static BertTokenizer *
load_path (const char *path, GError **error)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return load_model_folder (path, error);
  if (!bert_model_file_exists (path)) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FILE, "%s: no such file or folder", path);
    return NULL;
  }
  if (g_str_has_suffix (path, ".model")) {
    /* which tokenizer a sentencepiece model makes depends on its folder's class */
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_UNSUPPORTED,
        "%s: a sentencepiece model is read from its model folder (an XLM-R's or CamemBERT's, named by "
        "config.json or tokenizer_config.json): give the folder",
        path);
    return NULL;
  }
  if (g_str_has_suffix (path, ".json")) {
    BertTokenizer *tokenizer = load_tokenizer_json (path, error);
    if (tokenizer && !bert_tokenizer_finish (tokenizer, path, error))
      g_clear_pointer (&tokenizer, bert_tokenizer_free);
    return tokenizer;
  }
  return bert_tokenizer_new_from_vocab_file (path, NULL, error);
}

BertTokenizer *
bert_tokenizer_new_from_path (const char *path, GError **error)
{
  GError *local_error = NULL;
  BertTokenizer *tokenizer = load_path (path, &local_error);

  bert_model_file_make_message_valid (local_error);
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  return tokenizer;
}
