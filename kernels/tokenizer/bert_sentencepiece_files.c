/* bert_sentencepiece_files.c: the tokenizer.json document of an XLM-R or CamemBERT folder
 * that has only sentencepiece.bpe.model, and its vocabulary apart. See
 * bert_sentencepiece_files.h.
 *
 * What transformers 5 does, and so this. AutoTokenizer picks the class (see
 * bert_slow_tokenizer_config.h), whose constructor takes the model's pieces with fairseq's
 * ids: XLMRobertaTokenizer <s> <pad> </s> <unk>, then the pieces from the fourth on, then <mask>; CamembertTokenizer
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

#include "bert_model_file.h"
#include "bert_sentencepiece_model.h"
#include "bert_slow_tokenizer_config.h"

#include <string.h>

#define MODEL_FILE "sentencepiece.bpe.model"

/* The classes' special tokens: the texts of their fixed ids. <s> and </s> are the model's
 * control pieces, added again plain: only normalized is known to make no difference to them.
 * CamembertTokenizer makes its <mask> strip the space on its left. */
enum {
  CLASS_XLM_ROBERTA,
  CLASS_CAMEMBERT
};
static const BertSlowTokenizerClass spm_classes[] = {
  [CLASS_XLM_ROBERTA] = { .name = "XLMRobertaTokenizer",
      .model_type = "xlm-roberta",
      .defaults = { { "<s>" }, { "</s>" }, { "<unk>" }, { "</s>" }, { "<pad>" }, { "<s>" }, { "<mask>" } } },
  [CLASS_CAMEMBERT] = { .name = "CamembertTokenizer",
      .model_type = "camembert",
      .defaults = { { "<s>" }, { "</s>" }, { "<unk>" }, { "</s>" }, { "<pad>" }, { "<s>" },
          { "<mask>", .lstrip = TRUE } },
      .ignores_map_additional_special_tokens = TRUE },
};
static const BertSlowTokenizerFamily spm_family = {
  .files = MODEL_FILE,
  .built = "only XLMRobertaTokenizer and CamembertTokenizer are built from it here",
  .classes = spm_classes,
  .n_classes = G_N_ELEMENTS (spm_classes),
  .fixed_texts = TRUE,
  .plain_tokens =
      1u << BERT_SPECIAL_BOS | 1u << BERT_SPECIAL_EOS | 1u << BERT_SPECIAL_SEP | 1u << BERT_SPECIAL_CLS,
};

typedef struct {
  gboolean is_camembert;
  const BertSpecialToken *special;
  gboolean add_prefix_space;
} SpmSettings;

gboolean
bert_sentencepiece_files_exist (const char *folder)
{
  return bert_model_file_exists_in (folder, MODEL_FILE);
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
      || bert_slow_tokenizer_format_error (error,
          "%s: the model has %u pieces; XLM-R's and CamemBERT's begin <unk> <s> </s>", path, model->n_pieces);

  for (guint i = 0; ok && i < G_N_ELEMENTS (firsts); i++)
    if (strcmp (model->pieces[i].text, firsts[i]) != 0 || model->pieces[i].type != first_types[i])
      ok = bert_slow_tokenizer_format_error (error,
          "%s: piece %u is '%s' of type %d, not '%s' of type %d (XLM-R's and CamemBERT's "
          "models begin <unk> <s> </s>, which their tokenizers' fixed ids assume)",
          path, i, model->pieces[i].text, model->pieces[i].type, firsts[i], first_types[i]);
  for (guint i = 0; ok && i < G_N_ELEMENTS (reserved); i++)
    g_hash_table_add (seen, (gpointer) reserved[i]);
  for (guint i = 0; ok && i < model->n_pieces; i++) {
    const BertSpmPiece *piece = &model->pieces[i];
    if (i >= G_N_ELEMENTS (firsts) && piece->type == BERT_SPM_PIECE_CONTROL)
      ok = bert_slow_tokenizer_format_error (error,
          "%s: piece %u ('%s') is a control piece; transformers would make it one more special "
          "token, which is not built here",
          path, i, piece->text);
    else if (!g_hash_table_add (seen, piece->text))
      ok = bert_slow_tokenizer_format_error (error,
          "%s: piece %u ('%s') is a special token's text or comes twice", path, i, piece->text);
  }
  g_hash_table_unref (seen);
  return ok;
}

/* ---- the vocabulary ---- */

/* A piece and its score: the float widened, as tokenizers holds it. transformers hands the
 * pieces to tokenizers' Unigram as Python floats, with no JSON between: none of them is read
 * serde's way, as a tokenizer.json's scores are (bert_pipeline_load.c), which moves about a
 * quarter of a model's scores by one unit in the last place and breaks Viterbi's exact ties
 * otherwise than transformers. */
static void
add_piece (BertUnigramVocab *vocab, GString *text, const char *piece, double score)
{
  vocab->starts[vocab->n] = (guint32) text->len;
  vocab->numbers[vocab->n] = score;
  vocab->n++;
  g_string_append (text, piece);
}

/* The vocabulary with fairseq's ids (see the top of the file), handed to the loader as
 * bert_unigram_vocab_take hands it a tokenizer.json's: no json-glib tree of 250,000 pairs.
 * The ids of <s> and </s>. */
static void
fairseq_vocab (const BertSpmModel *model, gboolean is_camembert, BertUnigramVocab *vocab, gint64 *bos_id,
    gint64 *eos_id)
{
  typedef struct {
    const char *text;
    double score;
  } Entry;
  static const Entry xlm_roberta_firsts[] = { { "<s>" }, { "<pad>" }, { "</s>" }, { "<unk>" } };
  static const Entry camembert_firsts[] = { { "<s>NOTUSED" }, { "<pad>" }, { "</s>NOTUSED" }, { "<unk>" },
    { "<unk>NOTUSED", -100.0 } };
  const Entry *firsts = is_camembert ? camembert_firsts : xlm_roberta_firsts;
  guint n_firsts = is_camembert ? G_N_ELEMENTS (camembert_firsts) : G_N_ELEMENTS (xlm_roberta_firsts);
  guint first_piece = is_camembert ? 1 : 3;
  guint capacity = n_firsts + (model->n_pieces - first_piece) + 1;
  gsize text_length = 0;

  for (guint i = first_piece; i < model->n_pieces; i++)
    text_length += strlen (model->pieces[i].text);
  GString *text = g_string_sized_new (text_length + 64);
  memset (vocab, 0, sizeof *vocab);
  vocab->starts = g_new (guint32, capacity + 1);
  vocab->numbers = g_new (double, capacity);
  vocab->scores_exact = TRUE;
  for (guint i = 0; i < n_firsts; i++)
    add_piece (vocab, text, firsts[i].text, firsts[i].score);
  for (guint i = first_piece; i < model->n_pieces; i++)
    add_piece (vocab, text, model->pieces[i].text, model->pieces[i].score);
  add_piece (vocab, text, "<mask>", 0.0);
  vocab->starts[vocab->n] = (guint32) text->len;
  vocab->text = g_string_free (text, FALSE);
  *bos_id = is_camembert ? 5 : 0;
  *eos_id = is_camembert ? 6 : 2;
}

/* ---- the document ---- */

/* <s> and </s> plain (the model's control pieces), <pad> <unk> <mask> as the settings say. */
static JsonArray *
added_tokens (const SpmSettings *settings, gint64 bos_id, gint64 eos_id, gint64 mask_id)
{
  static const BertSpecialToken bos = { "<s>" }, eos = { "</s>" };
  JsonArray *added = json_array_new ();
  json_array_add_object_element (added,
      bert_special_token_to_added_token (&settings->special[BERT_SPECIAL_PAD], 1));
  json_array_add_object_element (added,
      bert_special_token_to_added_token (&settings->special[BERT_SPECIAL_UNK], 3));
  json_array_add_object_element (added, bert_special_token_to_added_token (&bos, bos_id));
  json_array_add_object_element (added, bert_special_token_to_added_token (&eos, eos_id));
  json_array_add_object_element (added,
      bert_special_token_to_added_token (&settings->special[BERT_SPECIAL_MASK], mask_id));
  return added;
}

JsonObject *
bert_sentencepiece_files_template_piece (const char *kind, const char *id, gint64 type_id)
{
  JsonObject *inner = json_object_new (), *piece = json_object_new ();
  json_object_set_string_member (inner, "id", id);
  json_object_set_int_member (inner, "type_id", type_id);
  json_object_set_object_member (piece, kind, inner);
  return piece;
}

static JsonArray *template(const char *const *pieces)
{
  JsonArray *array = json_array_new ();
  for (guint i = 0; pieces[i] != NULL; i++) {
    gboolean sequence = strcmp (pieces[i], "A") == 0 || strcmp (pieces[i], "B") == 0;
    json_array_add_object_element (array,
        bert_sentencepiece_files_template_piece (sequence ? "Sequence" : "SpecialToken", pieces[i], 0));
  }
  return array;
}

JsonObject *
bert_sentencepiece_files_special_entry (const char *content, gint64 id)
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

JsonObject *
bert_sentencepiece_files_unigram_model (gint64 unk_id)
{
  JsonObject *unigram = json_object_new ();
  json_object_set_string_member (unigram, "type", "Unigram");
  json_object_set_int_member (unigram, "unk_id", unk_id);
  json_object_set_array_member (unigram, "vocab", json_array_new ());
  json_object_set_boolean_member (unigram, "byte_fallback", FALSE);
  return unigram;
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
  json_object_set_object_member (specials, "</s>", bert_sentencepiece_files_special_entry ("</s>", eos_id));
  json_object_set_object_member (specials, "<s>", bert_sentencepiece_files_special_entry ("<s>", bos_id));
  json_object_set_object_member (processor, "special_tokens", specials);
  return processor;
}

JsonObject *
bert_sentencepiece_files_pre_tokenizer (gboolean add_prefix_space)
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

JsonObject *
bert_sentencepiece_files_precompiled (const BertSpmModel *model)
{
  JsonObject *normalizer = json_object_new ();
  char *base64 = g_base64_encode (model->charsmap, model->charsmap_length);
  json_object_set_string_member (normalizer, "type", "Precompiled");
  json_object_set_string_member (normalizer, "precompiled_charsmap", base64);
  g_free (base64);
  return normalizer;
}

/* The document, its model.vocab [] and the pieces in vocab. */
static JsonNode *
spm_document (const BertSpmModel *model, const SpmSettings *settings, BertUnigramVocab *vocab)
{
  JsonObject *root = json_object_new ();
  gint64 bos_id, eos_id;
  fairseq_vocab (model, settings->is_camembert, vocab, &bos_id, &eos_id);
  gint64 mask_id = (gint64) vocab->n - 1;

  json_object_set_string_member (root, "version", "1.0");
  json_object_set_null_member (root, "truncation");
  json_object_set_null_member (root, "padding");
  json_object_set_array_member (root, "added_tokens", added_tokens (settings, bos_id, eos_id, mask_id));
  if (model->charsmap != NULL)
    json_object_set_object_member (root, "normalizer", bert_sentencepiece_files_precompiled (model));
  else
    json_object_set_null_member (root, "normalizer");
  json_object_set_object_member (root, "pre_tokenizer",
      bert_sentencepiece_files_pre_tokenizer (settings->add_prefix_space));
  json_object_set_object_member (root, "post_processor", post_processor (bos_id, eos_id));
  json_object_set_null_member (root, "decoder");
  json_object_set_object_member (root, "model", bert_sentencepiece_files_unigram_model (3));
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, root);
  return node;
}

JsonNode *
bert_sentencepiece_files_to_tokenizer_json (const char *folder, JsonNode *tokenizer_config,
    BertUnigramVocab *vocab, GError **error)
{
  char *model_path = g_build_filename (folder, MODEL_FILE, NULL);
  BertSlowTokenizerConfig config;
  SpmSettings settings = { .special = config.special, .add_prefix_space = TRUE };
  JsonNode *document = NULL;
  BertSpmModel *model = NULL;

  memset (vocab, 0, sizeof *vocab);
  if (bert_slow_tokenizer_config_read (&config, folder, tokenizer_config, &spm_family, error)
      && bert_slow_tokenizer_config_get_bool (&config, "add_prefix_space", &settings.add_prefix_space, error)
      && (model = bert_spm_model_read (model_path, error)) != NULL && check_layout (model, model_path, error)
      && bert_spm_model_check_charsmap (model, model_path, error)) {
    settings.is_camembert = config.class == &spm_classes[CLASS_CAMEMBERT];
    document = spm_document (model, &settings, vocab);
  }
  bert_spm_model_free (model);
  bert_slow_tokenizer_config_clear (&config);
  g_free (model_path);
  return document;
}
