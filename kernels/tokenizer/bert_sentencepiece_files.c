/* bert_sentencepiece_files.c: the tokenizer.json document of an XLM-R or CamemBERT folder
 * that has only sentencepiece.bpe.model. See bert_sentencepiece_files.h.
 *
 * What transformers 5 does, and so this. AutoTokenizer picks the class from
 * tokenizer_config.json's tokenizer_class, else config.json's, else its model_type. The
 * class's constructor takes the model's pieces with fairseq's ids: XLMRobertaTokenizer
 * <s> <pad> </s> <unk>, then the pieces from the fourth on, then <mask>; CamembertTokenizer
 * <s>NOTUSED <pad> </s>NOTUSED <unk> <unk>NOTUSED (score -100), the pieces from the second
 * on, then <mask>. The model is Unigram with unk_id 3 and no byte fallback (the model's own
 * byte_fallback and unk_id are not read), the normaliser Precompiled with the model's
 * charsmap (none when it is empty), the pre-tokenizer WhitespaceSplit then Metaspace
 * (prepend "always", or "never" where tokenizer_config.json sets add_prefix_space false),
 * and the post-processor "<s> $A </s>", pairs "<s> $A </s> </s> $B </s>". The special
 * tokens are added tokens, unnormalised unless tokenizer_config.json or
 * special_tokens_map.json (read over it) say otherwise; <s> and </s>, the model's control
 * pieces, are added again as such, plain; CamembertTokenizer makes its <mask> strip the
 * space on its left. Only the layouts these rules were checked on are built: others are
 * refused with the command that saves transformers' own tokenizer.json.
 */
#include "bert_sentencepiece_files.h"

#include "bert_json_depth.h"
#include "bert_json_fields.h"
#include "bert_model_file.h"
#include "bert_sentencepiece_model.h"
#include "bert_tokenizer.h"

#include <string.h>

#define MODEL_FILE "sentencepiece.bpe.model"

/* transformers' SPECIAL_TOKENS_ATTRIBUTES and the two classes' defaults. */
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

typedef enum {
  CLASS_XLM_ROBERTA,
  CLASS_CAMEMBERT
} SpmClass;

typedef struct {
  gboolean single_word, lstrip, rstrip, normalized;
} TokenFlags;

typedef struct {
  SpmClass class;
  TokenFlags flags[N_SPECIAL];
  gboolean add_prefix_space;
} SpmSettings;

gboolean
bert_sentencepiece_files_exist (const char *folder)
{
  char *path = g_build_filename (folder, MODEL_FILE, NULL);
  gboolean exists = bert_model_file_exists (path);
  g_free (path);
  return exists;
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

static gboolean
refuse (GError **error, const char *folder, const char *found)
{
  g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_UNSUPPORTED,
      "%s: the folder has " MODEL_FILE " but no tokenizer.json, and %s; only XLMRobertaTokenizer and "
      "CamembertTokenizer are built from it here, so save a tokenizer.json with transformers: python3 -c "
      "\"from transformers import AutoTokenizer; AutoTokenizer.from_pretrained('%s').save_pretrained('%s')\"",
      folder, found, folder, folder);
  return FALSE;
}

/* ---- the JSON files ---- */

/* The folder's file NAME as an object; NULL and no error when it is absent. */
static gboolean
read_optional_json (const char *folder, const char *name, JsonNode **root, GError **error)
{
  char *path = g_build_filename (folder, name, NULL);
  JsonParser *parser = NULL;
  GError *local_error = NULL;
  char *text = NULL;
  gsize length = 0;
  guint deep_line;
  gboolean ok = TRUE;

  *root = NULL;
  if (!bert_model_file_exists (path)) {
    g_free (path);
    return TRUE;
  }
  parser = json_parser_new_immutable ();
  if (!bert_model_file_read (path, BERT_MODEL_FILE_MAX_JSON_BYTES, &text, &length, &local_error)) {
    g_set_error_literal (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_FILE, local_error->message);
    ok = FALSE;
  } else if ((deep_line = bert_json_find_excess_nesting (text, length)) != 0) {
    ok = format_error (error, "%s:%u: nested deeper than %d levels", path, deep_line, BERT_JSON_MAX_DEPTH);
  } else if (!json_parser_load_from_data (parser, text, length, &local_error)) {
    const char *message = local_error->message;
    ok = format_error (error, "%s:%s", path,
        g_str_has_prefix (message, "<data>:") ? message + strlen ("<data>:") : message);
  } else if (json_parser_get_root (parser) == NULL
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    ok = format_error (error, "%s: the top level is not a JSON object", path);
  } else {
    *root = json_node_ref (json_parser_get_root (parser));
  }
  g_clear_error (&local_error);
  g_free (text);
  g_object_unref (parser);
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
class_of_name (const char *name, SpmClass *class)
{
  if (strcmp (name, "XLMRobertaTokenizer") == 0 || strcmp (name, "XLMRobertaTokenizerFast") == 0)
    *class = CLASS_XLM_ROBERTA;
  else if (strcmp (name, "CamembertTokenizer") == 0 || strcmp (name, "CamembertTokenizerFast") == 0)
    *class = CLASS_CAMEMBERT;
  else
    return FALSE;
  return TRUE;
}

/* The class AutoTokenizer would build from the folder, if one of the two. */
static gboolean
find_class (const char *folder, JsonObject *tokenizer_config, JsonObject *config, SpmClass *class,
    GError **error)
{
  const char *declared = NULL, *config_declared = NULL, *model_type = NULL;
  char *tokenizer_config_path = g_build_filename (folder, "tokenizer_config.json", NULL);
  char *config_path = g_build_filename (folder, "config.json", NULL);
  char *found = NULL;
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
    return refuse (error, folder, "tokenizer_config.json names a tokenizer of its own code (auto_map)");
  if (declared != NULL || config_declared != NULL) {
    const char *name = declared ? declared : config_declared;
    if (class_of_name (name, class))
      return TRUE;
    found = g_strdup_printf ("its tokenizer class is %s (%s)", name,
        declared ? "tokenizer_config.json" : "config.json");
  } else if (g_strcmp0 (model_type, "xlm-roberta") == 0 || g_strcmp0 (model_type, "camembert") == 0) {
    *class = strcmp (model_type, "camembert") == 0 ? CLASS_CAMEMBERT : CLASS_XLM_ROBERTA;
    return TRUE;
  } else if (model_type != NULL) {
    found = g_strdup_printf ("config.json's model_type is '%s' and no tokenizer_class is given", model_type);
  } else {
    found = g_strdup ("neither tokenizer_config.json's tokenizer_class nor config.json's model_type names "
                      "its tokenizer");
  }
  refuse (error, folder, found);
  g_free (found);
  return FALSE;
}

/* ---- settings from tokenizer_config.json and special_tokens_map.json ---- */

static gboolean
refuse_setting (GError **error, const char *folder, const char *file, const char *what, const char *key)
{
  char *found = g_strdup_printf ("%s %s %s", file, what, key);
  refuse (error, folder, found);
  g_free (found);
  return FALSE;
}

/* "<mask>" or {"content": "<mask>", "lstrip": true, ...}, as transformers' AddedToken; the
 * text must be the class's own. */
static gboolean
read_special (JsonObject *object, guint i, SpmClass class, const char *folder, const char *file,
    TokenFlags *flags, GError **error)
{
  const char *key = special_keys[i], *content = NULL;
  JsonNode *node = bert_json_member (object, key);
  TokenFlags read = { 0 };

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
    /* CamembertTokenizer makes a <mask> named by a string strip the space on its left */
    read.lstrip = class == CLASS_CAMEMBERT && i == SPECIAL_MASK;
  }
  if (content == NULL)
    return bert_json_field_error (error, file, key, "a string or an object with \"content\"");
  if (strcmp (content, special_defaults[i]) != 0) {
    char *what = g_strdup_printf ("sets %s to '%s', not", key, content);
    refuse_setting (error, folder, file, what, special_defaults[i]);
    g_free (what);
    return FALSE;
  }
  /* <s> and </s> are the model's control pieces, added again plain: only normalized is
   * known to make no difference to them */
  if ((i == SPECIAL_BOS || i == SPECIAL_EOS || i == SPECIAL_SEP || i == SPECIAL_CLS)
      && (read.single_word || read.lstrip || read.rstrip))
    return refuse_setting (error, folder, file, "sets single_word, lstrip or rstrip on", key);
  *flags = read;
  return TRUE;
}

/* Settings that make transformers build something else (more special tokens, another
 * post-processor) are refused, not ignored. CamembertTokenizer ignores
 * special_tokens_map.json's additional_special_tokens (camembert-base's <s>NOTUSED
 * </s>NOTUSED). */
static gboolean
refuse_other_settings (JsonObject *object, const SpmSettings *settings, const char *folder, const char *file,
    gboolean is_map, GError **error)
{
  static const char *const refused[] = { "added_tokens_decoder", "add_bos_token", "add_eos_token" };
  static const char *const lists[] = { "additional_special_tokens", "extra_special_tokens" };
  gboolean ignored_list = is_map && settings->class == CLASS_CAMEMBERT;
  gboolean split_special = FALSE;
  JsonObjectIter iter;
  const char *key;
  JsonNode *node;

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    if (json_object_has_member (object, refused[i]))
      return refuse_setting (error, folder, file, "sets", refused[i]);
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++) {
    node = bert_json_member (object, lists[i]);
    if (node != NULL && !(ignored_list && i == 0)
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
read_file_settings (JsonObject *object, const char *folder, const char *name, gboolean is_map,
    SpmSettings *settings, GError **error)
{
  char *file = g_build_filename (folder, name, NULL);
  gboolean ok = refuse_other_settings (object, settings, folder, name, is_map, error);
  for (guint i = 0; ok && i < N_SPECIAL; i++)
    ok = read_special (object, i, settings->class, folder, file, &settings->flags[i], error);
  if (ok && !is_map)
    ok = bert_json_get_bool (object, "add_prefix_space", file, "add_prefix_space",
        &settings->add_prefix_space, error);
  g_free (file);
  return ok;
}

static gboolean
read_settings (const char *folder, JsonObject *tokenizer_config, JsonObject *special_map,
    SpmSettings *settings, GError **error)
{
  settings->add_prefix_space = TRUE;
  settings->flags[SPECIAL_MASK].lstrip = settings->class == CLASS_CAMEMBERT;
  return (tokenizer_config == NULL
             || read_file_settings (tokenizer_config, folder, "tokenizer_config.json", FALSE, settings,
                 error))
      && (special_map == NULL
          || read_file_settings (special_map, folder, "special_tokens_map.json", TRUE, settings, error));
}

/* ---- the model ---- */

/* The layout of XLM-R's and CamemBERT's own models, which the fairseq ids assume: <unk>
 * <s> </s> first, no other control piece (it would become one more special token), and no
 * piece with a special token's text or twice the same piece. */
static gboolean
check_layout (const BertSpmModel *model, const char *path, GError **error)
{
  static const char *const firsts[] = { "<unk>", "<s>", "</s>" };
  static const BertSpmPieceType first_types[] = { BERT_SPM_PIECE_UNKNOWN, BERT_SPM_PIECE_CONTROL,
    BERT_SPM_PIECE_CONTROL };
  static const char *const reserved[] = { "<pad>", "<mask>", "<s>NOTUSED", "</s>NOTUSED", "<unk>NOTUSED" };
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean ok = model->n_pieces >= G_N_ELEMENTS (firsts)
      || format_error (error, "%s: the model has %u pieces; XLM-R's and CamemBERT's begin <unk> <s> </s>",
          path, model->n_pieces);

  for (guint i = 0; ok && i < G_N_ELEMENTS (firsts); i++)
    if (strcmp (model->pieces[i].text, firsts[i]) != 0 || model->pieces[i].type != first_types[i])
      ok = format_error (error,
          "%s: piece %u is '%s' of type %d, not '%s' of type %d (XLM-R's and CamemBERT's "
          "models begin <unk> <s> </s>, which their tokenizers' fixed ids assume)",
          path, i, model->pieces[i].text, model->pieces[i].type, firsts[i], first_types[i]);
  for (guint i = 0; ok && i < G_N_ELEMENTS (reserved); i++)
    g_hash_table_add (seen, (gpointer) reserved[i]);
  for (guint i = 0; ok && i < model->n_pieces; i++) {
    const BertSpmPiece *piece = &model->pieces[i];
    if (i >= G_N_ELEMENTS (firsts) && piece->type == BERT_SPM_PIECE_CONTROL)
      ok = format_error (error,
          "%s: piece %u ('%s') is a control piece; transformers would make it one more special "
          "token, which is not built here",
          path, i, piece->text);
    else if (!g_hash_table_add (seen, piece->text))
      ok = format_error (error, "%s: piece %u ('%s') is a special token's text or comes twice", path, i,
          piece->text);
  }
  g_hash_table_unref (seen);
  return ok;
}

/* The charsmap as sentencepiece writes it: a little-endian uint32 size of a double array,
 * that many bytes of units, then NUL-terminated strings. */
static gboolean
check_charsmap (const BertSpmModel *model, const char *path, GError **error)
{
  const guint8 *blob = model->charsmap;
  gsize length = model->charsmap_length;
  guint32 trie_size = length >= 4 ? blob[0] | blob[1] << 8 | blob[2] << 16 | (guint32) blob[3] << 24 : 0;

  if (length == 0)
    return TRUE;
  if (length < 4 || trie_size == 0 || trie_size % 4 != 0 || trie_size > length - 4
      || (length > 4 + trie_size && blob[length - 1] != '\0'))
    return format_error (error,
        "%s: normalizer_spec.precompiled_charsmap is not a charsmap: its double array of %u bytes does not "
        "fit "
        "its %" G_GSIZE_FORMAT " bytes, or its strings do not end with a NUL",
        path, trie_size, length);
  return TRUE;
}

/* ---- the document ---- */

static void
add_piece (JsonArray *vocab, const char *text, double score)
{
  JsonArray *entry = json_array_sized_new (2);
  json_array_add_string_element (entry, text);
  json_array_add_double_element (entry, score);
  json_array_add_array_element (vocab, entry);
}

/* The vocabulary with fairseq's ids (see the top of the file); the ids of <s> and </s>. */
static JsonArray *
fairseq_vocab (const BertSpmModel *model, SpmClass class, gint64 *bos_id, gint64 *eos_id)
{
  JsonArray *vocab = json_array_sized_new (model->n_pieces + 3);
  guint first_piece = class == CLASS_CAMEMBERT ? 1 : 3;

  if (class == CLASS_CAMEMBERT) {
    add_piece (vocab, "<s>NOTUSED", 0.0);
    add_piece (vocab, "<pad>", 0.0);
    add_piece (vocab, "</s>NOTUSED", 0.0);
    add_piece (vocab, "<unk>", 0.0);
    add_piece (vocab, "<unk>NOTUSED", -100.0);
    *bos_id = 5;
    *eos_id = 6;
  } else {
    add_piece (vocab, "<s>", 0.0);
    add_piece (vocab, "<pad>", 0.0);
    add_piece (vocab, "</s>", 0.0);
    add_piece (vocab, "<unk>", 0.0);
    *bos_id = 0;
    *eos_id = 2;
  }
  for (guint i = first_piece; i < model->n_pieces; i++)
    add_piece (vocab, model->pieces[i].text, model->pieces[i].score);
  add_piece (vocab, "<mask>", 0.0);
  return vocab;
}

static JsonObject *
added_token (const char *content, gint64 id, const TokenFlags *flags)
{
  JsonObject *added = json_object_new ();
  json_object_set_int_member (added, "id", id);
  json_object_set_string_member (added, "content", content);
  json_object_set_boolean_member (added, "single_word", flags->single_word);
  json_object_set_boolean_member (added, "lstrip", flags->lstrip);
  json_object_set_boolean_member (added, "rstrip", flags->rstrip);
  json_object_set_boolean_member (added, "normalized", flags->normalized);
  json_object_set_boolean_member (added, "special", TRUE);
  return added;
}

/* <s> and </s> plain (the model's control pieces), <pad> <unk> <mask> as the settings say. */
static JsonArray *
added_tokens (const SpmSettings *settings, gint64 bos_id, gint64 eos_id, gint64 mask_id)
{
  static const TokenFlags plain = { 0 };
  JsonArray *added = json_array_new ();
  json_array_add_object_element (added, added_token ("<pad>", 1, &settings->flags[SPECIAL_PAD]));
  json_array_add_object_element (added, added_token ("<unk>", 3, &settings->flags[SPECIAL_UNK]));
  json_array_add_object_element (added, added_token ("<s>", bos_id, &plain));
  json_array_add_object_element (added, added_token ("</s>", eos_id, &plain));
  json_array_add_object_element (added, added_token ("<mask>", mask_id, &settings->flags[SPECIAL_MASK]));
  return added;
}

static JsonObject *
template_piece (const char *kind, const char *id)
{
  JsonObject *inner = json_object_new (), *piece = json_object_new ();
  json_object_set_string_member (inner, "id", id);
  json_object_set_int_member (inner, "type_id", 0);
  json_object_set_object_member (piece, kind, inner);
  return piece;
}

static JsonArray *template(const char *const *pieces)
{
  JsonArray *array = json_array_new ();
  for (guint i = 0; pieces[i] != NULL; i++) {
    gboolean sequence = strcmp (pieces[i], "A") == 0 || strcmp (pieces[i], "B") == 0;
    json_array_add_object_element (array, template_piece (sequence ? "Sequence" : "SpecialToken", pieces[i]));
  }
  return array;
}

static JsonObject *
special_entry (const char *content, gint64 id)
{
  JsonObject *entry = json_object_new ();
  JsonArray *ids = json_array_new (), *tokens = json_array_new ();
  json_array_add_int_element (ids, id);
  json_array_add_string_element (tokens, content);
  json_object_set_string_member (entry, "id", content);
  json_object_set_array_member (entry, "ids", ids);
  json_object_set_array_member (entry, "tokens", tokens);
  return entry;
}

static JsonObject *
post_processor (gint64 bos_id, gint64 eos_id)
{
  static const char *const single[] = { "<s>", "A", "</s>", NULL };
  static const char *const pair[] = { "<s>", "A", "</s>", "</s>", "B", "</s>", NULL };
  JsonObject *processor = json_object_new (), *specials = json_object_new ();
  json_object_set_string_member (processor, "type", "TemplateProcessing");
  json_object_set_array_member (processor, "single", template(single));
  json_object_set_array_member (processor, "pair", template(pair));
  json_object_set_object_member (specials, "</s>", special_entry ("</s>", eos_id));
  json_object_set_object_member (specials, "<s>", special_entry ("<s>", bos_id));
  json_object_set_object_member (processor, "special_tokens", specials);
  return processor;
}

static JsonObject *
pre_tokenizer (gboolean add_prefix_space)
{
  JsonObject *sequence = json_object_new (), *whitespace = json_object_new (),
             *metaspace = json_object_new ();
  JsonArray *steps = json_array_new ();
  json_object_set_string_member (whitespace, "type", "WhitespaceSplit");
  json_object_set_string_member (metaspace, "type", "Metaspace");
  json_object_set_string_member (metaspace, "replacement", "\u2581");
  json_object_set_string_member (metaspace, "prepend_scheme", add_prefix_space ? "always" : "never");
  json_object_set_boolean_member (metaspace, "split", TRUE);
  json_array_add_object_element (steps, whitespace);
  json_array_add_object_element (steps, metaspace);
  json_object_set_string_member (sequence, "type", "Sequence");
  json_object_set_array_member (sequence, "pretokenizers", steps);
  return sequence;
}

static JsonNode *
spm_document (const BertSpmModel *model, const SpmSettings *settings)
{
  JsonObject *root = json_object_new (), *unigram = json_object_new ();
  gint64 bos_id, eos_id;
  JsonArray *vocab = fairseq_vocab (model, settings->class, &bos_id, &eos_id);
  gint64 mask_id = (gint64) json_array_get_length (vocab) - 1;

  json_object_set_string_member (root, "version", "1.0");
  json_object_set_null_member (root, "truncation");
  json_object_set_null_member (root, "padding");
  json_object_set_array_member (root, "added_tokens", added_tokens (settings, bos_id, eos_id, mask_id));
  if (model->charsmap != NULL) {
    JsonObject *normalizer = json_object_new ();
    char *base64 = g_base64_encode (model->charsmap, model->charsmap_length);
    json_object_set_string_member (normalizer, "type", "Precompiled");
    json_object_set_string_member (normalizer, "precompiled_charsmap", base64);
    json_object_set_object_member (root, "normalizer", normalizer);
    g_free (base64);
  } else {
    json_object_set_null_member (root, "normalizer");
  }
  json_object_set_object_member (root, "pre_tokenizer", pre_tokenizer (settings->add_prefix_space));
  json_object_set_object_member (root, "post_processor", post_processor (bos_id, eos_id));
  json_object_set_null_member (root, "decoder");
  json_object_set_string_member (unigram, "type", "Unigram");
  json_object_set_int_member (unigram, "unk_id", 3);
  json_object_set_array_member (unigram, "vocab", vocab);
  json_object_set_boolean_member (unigram, "byte_fallback", FALSE);
  json_object_set_object_member (root, "model", unigram);
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, root);
  return node;
}

/* transformers adds the tokens of an added_tokens.json (a slow tokenizer's legacy file). */
static gboolean
refuse_added_tokens_file (const char *folder, GError **error)
{
  char *path = g_build_filename (folder, "added_tokens.json", NULL);
  gboolean present = bert_model_file_exists (path);
  g_free (path);
  return !present || refuse (error, folder, "it has added_tokens.json");
}

JsonNode *
bert_sentencepiece_files_to_tokenizer_json (const char *folder, GError **error)
{
  JsonNode *tokenizer_config = NULL, *config = NULL, *special_map = NULL, *document = NULL;
  char *model_path = g_build_filename (folder, MODEL_FILE, NULL);
  SpmSettings settings = { 0 };
  BertSpmModel *model = NULL;

  if (read_optional_json (folder, "tokenizer_config.json", &tokenizer_config, error)
      && read_optional_json (folder, "config.json", &config, error)
      && find_class (folder, object_of (tokenizer_config), object_of (config), &settings.class, error)
      && refuse_added_tokens_file (folder, error)
      && read_optional_json (folder, "special_tokens_map.json", &special_map, error)
      && read_settings (folder, object_of (tokenizer_config), object_of (special_map), &settings, error)
      && (model = bert_spm_model_read (model_path, error)) != NULL && check_layout (model, model_path, error)
      && check_charsmap (model, model_path, error))
    document = spm_document (model, &settings);
  bert_spm_model_free (model);
  g_clear_pointer (&special_map, json_node_unref);
  g_clear_pointer (&config, json_node_unref);
  g_clear_pointer (&tokenizer_config, json_node_unref);
  g_free (model_path);
  return document;
}
