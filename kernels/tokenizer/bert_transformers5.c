/* bert_transformers5.c: where transformers 5 would tokenize a model folder otherwise.
 * See bert_transformers5.h.
 *
 * The classes are transformers 5.25's: tokenizer_class_from_name gives BertTokenizer for
 * these names and their "Fast" twins (DistilBertTokenizer is its subclass, the same
 * constructor), and TOKENIZER_MAPPING_NAMES BertTokenizer for these model_types.
 * ConvBertTokenizer, a subclass without a constructor of its own, loads the file as it is.
 */
#include "bert_transformers5.h"

#include "bert_json_fields.h"
#include "bert_pipeline.h"
#include "bert_slow_tokenizer_config.h"
#include "bert_tokenizer_private.h"

#include <string.h>

static const char *const rebuilding_classes[] = { "BertTokenizer", "DistilBertTokenizer", "ElectraTokenizer",
  "MobileBertTokenizer", "LxmertTokenizer", "SqueezeBertTokenizer", "LayoutLMTokenizer" };

static const char *const bert_model_types[] = { "align", "bark", "bert", "blip", "bros", "chinese_clip",
  "convbert", "distilbert", "electra", "ernie", "flava", "git", "grounding-dino", "layoutlm", "megatron-bert",
  "mm-grounding-dino", "nezha", "nomic_bert", "qdqbert", "realm", "retribert", "squeezebert", "tvp", "vilt",
  "visual_bert" };

/* The model_types of rebuilding_classes other than BertTokenizer (TOKENIZER_MAPPING_NAMES):
 * from a vocab.txt, BERT's WordPiece too. */
static const char *const vocab_txt_model_types[] = { "lxmert", "mobilebert" };

static const char *const generic_classes[] = { "PreTrainedTokenizerFast", "TokenizersBackend" };

/* BertTokenizer's subclasses without a constructor of their own: from a vocab.txt, BERT's
 * WordPiece too. */
static const char *const vocab_txt_subclasses[] = { "ConvBertTokenizer" };

#define HF_MAX_INPUT_CHARS_PER_WORD 100

static gboolean
listed (const char *const *names, guint n, const char *name, gboolean fast_twin)
{
  for (guint i = 0; name != NULL && i < n; i++) {
    gsize length = strlen (names[i]);
    if (strncmp (name, names[i], length) == 0
        && (name[length] == '\0' || (fast_twin && strcmp (name + length, "Fast") == 0)))
      return TRUE;
  }
  return FALSE;
}

/* The folder's two settings files and the class they name; tokenizer_config is the
 * loader's (not owned here). */
typedef struct {
  JsonObject *tokenizer_config;
  JsonNode *config;
  const char *name, *source, *model_type;
} FolderClass;

static JsonObject *
object_of (JsonNode *node)
{
  return node ? json_node_get_object (node) : NULL;
}

static gboolean
read_folder_class (const char *folder, JsonObject *tokenizer_config, FolderClass *found, GError **error)
{
  memset (found, 0, sizeof *found);
  found->tokenizer_config = tokenizer_config;
  return bert_slow_tokenizer_read_optional_json (folder, "config.json", &found->config, error)
      && bert_tokenizer_class_read (tokenizer_config, object_of (found->config), folder, &found->name,
          &found->source, &found->model_type, error);
}

/* What a class that rebuilds WordPiece builds besides the BertNormalizer (from
 * tokenizer_config.json's switches) and the BertPreTokenizer. */
typedef enum {
  TEMPLATE_BERT,
  TEMPLATE_FUNNEL,
  TEMPLATE_ROBERTA_PROCESSING
} RebuiltTemplate;

typedef struct {
  const char *name, *model_type;
  /* the constructor's special tokens where tokenizer_config.json names none; NULL: the
   * loader's (tokenizer_config.json's, else BERT's), which are BertTokenizer's */
  const char *unk, *cls, *sep;
  RebuiltTemplate template;
  /* clean_text and wordpieces_prefix are tokenizer_config.json's too (FunnelTokenizer) */
  gboolean reads_clean_text_and_prefix;
} WordPieceClass;

/* transformers 5.25's FunnelTokenizer: cls_token of type id 2; MPNetTokenizer:
 * RobertaProcessing (<s> A </s>, <s> A </s></s> B </s>, every type id 0). */
static const WordPieceClass bert_class = { "BertTokenizer", NULL, NULL, NULL, NULL, TEMPLATE_BERT, FALSE };
static const WordPieceClass funnel_class = { "FunnelTokenizer", "funnel", "<unk>", "<cls>", "<sep>",
  TEMPLATE_FUNNEL, TRUE };
static const WordPieceClass mpnet_class = { "MPNetTokenizer", "mpnet", "[UNK]", "<s>", "</s>",
  TEMPLATE_ROBERTA_PROCESSING, FALSE };

/* The class the folder's tokenizer is rebuilt as, or NULL where it is not rebuilt as
 * WordPiece. */
static const WordPieceClass *
rebuilt_wordpiece_class (const FolderClass *found)
{
  const WordPieceClass *own_classes[] = { &funnel_class, &mpnet_class };

  if (found->name != NULL
          ? listed (rebuilding_classes, G_N_ELEMENTS (rebuilding_classes), found->name, TRUE)
          : listed (bert_model_types, G_N_ELEMENTS (bert_model_types), found->model_type, FALSE))
    return &bert_class;
  for (guint i = 0; i < G_N_ELEMENTS (own_classes); i++)
    if (found->name != NULL ? listed (&own_classes[i]->name, 1, found->name, TRUE)
                            : g_strcmp0 (found->model_type, own_classes[i]->model_type) == 0)
      return own_classes[i];
  return NULL;
}

/* No class and no model_type: transformers 5 builds TokenizersBackend. */
static gboolean
is_generic (const FolderClass *found)
{
  return found->name != NULL ? listed (generic_classes, G_N_ELEMENTS (generic_classes), found->name, FALSE)
                             : found->model_type == NULL;
}

static void
folder_class_clear (FolderClass *found)
{
  g_clear_pointer (&found->config, json_node_unref);
}

/* tokenizer_config.json's switch KEY: TRUE or FALSE, -1 for null, ABSENT where it is not set. */
static int
config_switch (JsonObject *tokenizer_config, const char *key, int absent)
{
  JsonNode *node = tokenizer_config ? json_object_get_member (tokenizer_config, key) : NULL;
  if (node == NULL)
    return absent;
  if (JSON_NODE_HOLDS_NULL (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return -1;
  return json_node_get_boolean (node);
}

static gboolean
strips_accents (const BertNormalizerOptions *options)
{
  return options->strip_accents < 0 ? options->lowercase : options->strip_accents;
}

static const char *
boolean_name (gboolean value)
{
  return value ? "true" : "false";
}

/* ---- a class that rebuilds BERT's WordPiece ---- */

/* tokenizer_config.json's special token KEY (a string, or an AddedToken's content), else FALLBACK. */
static const char *
config_token (JsonObject *tokenizer_config, const char *key, const char *fallback)
{
  JsonNode *node = tokenizer_config ? json_object_get_member (tokenizer_config, key) : NULL;
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    node = json_object_get_member (json_node_get_object (node), "content");
  return node != NULL && json_node_get_value_type (node) == G_TYPE_STRING ? json_node_get_string (node)
                                                                          : fallback;
}

/* The special token KEY the class's constructor takes: special_tokens_map.json's, else
 * tokenizer_config.json's, else the class's default. */
static const char *
class_token (const BertFolderSettings *settings, JsonObject *tokenizer_config, const char *key,
    const char *fallback)
{
  return config_token (settings->special_tokens_map, key, config_token (tokenizer_config, key, fallback));
}

/* The template bos A eos, bos A eos eos B eos, every type id 0, with these ids. */
static gboolean
has_roberta_template (const BertTokenizer *tokenizer, int32_t bos, int32_t eos)
{
  return !tokenizer->without_specials && tokenizer->pair_unsupported == NULL && tokenizer->n_prefix == 1
      && tokenizer->n_suffix == 1 && tokenizer->prefix_ids[0] == bos && tokenizer->suffix_ids[0] == eos
      && tokenizer->prefix_type_ids[0] == 0 && tokenizer->suffix_type_ids[0] == 0
      && tokenizer->sequence_type_id == 0 && tokenizer->n_pair[0] == 1 && tokenizer->n_pair[1] == 2
      && tokenizer->n_pair[2] == 1 && tokenizer->pair_ids[0][0] == bos && tokenizer->pair_ids[1][0] == eos
      && tokenizer->pair_ids[1][1] == eos && tokenizer->pair_ids[2][0] == eos
      && tokenizer->pair_type_ids[0][0] == 0 && tokenizer->pair_type_ids[1][0] == 0
      && tokenizer->pair_type_ids[1][1] == 0 && tokenizer->pair_type_ids[2][0] == 0
      && tokenizer->pair_sequence_type_ids[0] == 0 && tokenizer->pair_sequence_type_ids[1] == 0;
}

/* What BertTokenizer's constructor builds where gst-bert's fused BertNormalizer differs. */
static void
describe_normalizer (GString *builds, const BertNormalizerOptions *built, const BertNormalizerOptions *used,
    const WordPieceClass *class, JsonObject *tokenizer_config)
{
  if (built->lowercase != used->lowercase)
    g_string_append_printf (builds, ", lowercase=%s from %s%s", boolean_name (built->lowercase),
        config_switch (tokenizer_config, "do_lower_case", -2) == -2 ? class->name : "tokenizer_config.json",
        config_switch (tokenizer_config, "do_lower_case", -2) == -2 ? "'s default do_lower_case"
                                                                    : "'s do_lower_case");
  if (strips_accents (built) != strips_accents (used))
    g_string_append_printf (builds, ", strip_accents=%s", boolean_name (strips_accents (built)));
  if (built->clean_text != used->clean_text)
    g_string_append_printf (builds, ", clean_text=%s", boolean_name (built->clean_text));
  if (built->handle_chinese_chars != used->handle_chinese_chars)
    g_string_append_printf (builds, ", handle_chinese_chars=%s", boolean_name (built->handle_chinese_chars));
}

/* BERT's template, [CLS] $A [SEP] and [CLS] $A [SEP] $B:1 [SEP]:1, with these ids and
 * [CLS] of type cls_type (Funnel's: 2). */
static gboolean
has_bert_template (const BertTokenizer *tokenizer, int32_t cls, int32_t sep, int32_t cls_type)
{
  return !tokenizer->without_specials && tokenizer->pair_unsupported == NULL && tokenizer->n_prefix == 1
      && tokenizer->n_suffix == 1 && tokenizer->prefix_ids[0] == cls && tokenizer->suffix_ids[0] == sep
      && tokenizer->prefix_type_ids[0] == cls_type && tokenizer->suffix_type_ids[0] == 0
      && tokenizer->sequence_type_id == 0 && tokenizer->n_pair[0] == 1 && tokenizer->n_pair[1] == 1
      && tokenizer->n_pair[2] == 1 && tokenizer->pair_ids[0][0] == cls && tokenizer->pair_ids[1][0] == sep
      && tokenizer->pair_ids[2][0] == sep && tokenizer->pair_type_ids[0][0] == cls_type
      && tokenizer->pair_type_ids[1][0] == 0 && tokenizer->pair_type_ids[2][0] == 1
      && tokenizer->pair_sequence_type_ids[0] == 0 && tokenizer->pair_sequence_type_ids[1] == 1;
}

/* The normaliser switches gst-bert uses where the file's stages are BERT's own: a
 * BertNormalizer (or none) and the BertPreTokenizer, on the fused path, or on the pipeline
 * for a RobertaProcessing over them (MPNet's shape, all-mpnet-base-v2's), where the
 * BertNormalizer is the file's alone. FALSE for other stages. */
static gboolean
file_bert_options (const BertTokenizer *tokenizer, BertNormalizerOptions *options)
{
  const BertPipeline *pipeline = tokenizer->pipeline;

  *options = tokenizer->options;
  if (tokenizer->file_stages == NULL)
    return TRUE;
  if (pipeline == NULL || pipeline->model != BERT_MODEL_WORDPIECE || pipeline->n_steps > 1
      || pipeline->pre_tokenizer != BERT_PRE_SPLITS || pipeline->n_splitters != 1
      || pipeline->splitters[0] != BERT_SPLIT_BERT
      || (pipeline->n_steps == 1 && pipeline->steps[0].kind != BERT_STEP_BERT))
    return FALSE;
  if (pipeline->n_steps == 0) {
    options->clean_text = options->handle_chinese_chars = options->lowercase = options->strip_accents = FALSE;
    return TRUE;
  }
  options->clean_text = pipeline->steps[0].clean_text;
  options->handle_chinese_chars = pipeline->steps[0].handle_chinese_chars;
  options->lowercase = pipeline->steps[0].lowercase;
  options->strip_accents = pipeline->steps[0].strip_accents;
  return TRUE;
}

/* Whether TOKENIZER's post-processor is the one CLASS builds, with these tokens. */
static gboolean
has_class_template (const BertTokenizer *tokenizer, const WordPieceClass *class, const char *cls,
    const char *sep)
{
  int32_t cls_id = bert_tokenizer_token_to_id (tokenizer, cls),
          sep_id = bert_tokenizer_token_to_id (tokenizer, sep);

  switch (class->template) {
    case TEMPLATE_FUNNEL: return has_bert_template (tokenizer, cls_id, sep_id, 2);
    case TEMPLATE_ROBERTA_PROCESSING: return has_roberta_template (tokenizer, cls_id, sep_id);
    default: return has_bert_template (tokenizer, cls_id, sep_id, 0);
  }
}

static void
describe_template (GString *builds, const WordPieceClass *class, const char *cls, const char *sep)
{
  if (class->template == TEMPLATE_FUNNEL)
    g_string_append_printf (builds, ", Funnel's template (%s:2 A %s, B:1 %s:1)", cls, sep, sep);
  else if (class->template == TEMPLATE_ROBERTA_PROCESSING)
    g_string_append_printf (builds, ", RobertaProcessing (%s A %s, %s %s B %s)", cls, sep, sep, sep, sep);
  else
    g_string_append_printf (builds, ", BERT's template (%s A %s, B:1 %s:1)", cls, sep, sep);
  g_string_append (builds, " in place of the file's post-processor");
}

/* The parts of what transformers 5 builds as CLASS that differ from TOKENIZER, each after
 * ", "; TRUE where only tokenizer_config.json's switches would make them the same. */
static gboolean
describe_rebuild (GString *builds, const BertTokenizer *tokenizer, const BertFolderSettings *settings,
    const WordPieceClass *class, JsonObject *tokenizer_config)
{
  BertNormalizerOptions built = { .clean_text = TRUE };
  const char *unk =
      class->unk ? class_token (settings, tokenizer_config, "unk_token", class->unk) : settings->unk;
  const char *cls =
      class->cls ? class_token (settings, tokenizer_config, "cls_token", class->cls) : settings->cls;
  const char *sep =
      class->sep ? class_token (settings, tokenizer_config, "sep_token", class->sep) : settings->sep;
  const char *prefix = "##";
  BertNormalizerOptions used;
  gboolean bert_stages = file_bert_options (tokenizer, &used);

  if (class->reads_clean_text_and_prefix) {
    built.clean_text = config_switch (tokenizer_config, "clean_text", TRUE) == TRUE;
    prefix = config_token (tokenizer_config, "wordpieces_prefix", "##");
  }
  built.lowercase = config_switch (tokenizer_config, "do_lower_case", TRUE) == TRUE;
  built.handle_chinese_chars = config_switch (tokenizer_config, "tokenize_chinese_chars", TRUE) == TRUE;
  built.strip_accents = config_switch (tokenizer_config, "strip_accents", -1);
  if (!bert_stages)
    g_string_append_printf (builds,
        ", a BertNormalizer (lowercase=%s, strip_accents=%s, handle_chinese_chars=%s) and the "
        "BertPreTokenizer in place of the file's %s",
        boolean_name (built.lowercase), boolean_name (strips_accents (&built)),
        boolean_name (built.handle_chinese_chars), tokenizer->file_stages);
  else
    describe_normalizer (builds, &built, &used, class, tokenizer_config);
  gboolean switches_only = bert_stages && built.clean_text == used.clean_text;
  gsize switches_length = builds->len;
  if (g_strcmp0 (tokenizer->subword_prefix, prefix) != 0)
    g_string_append_printf (builds, ", continuing_subword_prefix \"%s\" in place of the file's \"%s\"",
        prefix, tokenizer->subword_prefix);
  if (tokenizer->max_input_chars_per_word != HF_MAX_INPUT_CHARS_PER_WORD)
    g_string_append_printf (builds, ", max_input_chars_per_word %d in place of the file's %u",
        HF_MAX_INPUT_CHARS_PER_WORD, tokenizer->max_input_chars_per_word);
  if (bert_tokenizer_token_to_id (tokenizer, unk) != tokenizer->unk_id)
    g_string_append_printf (builds, ", unk_token %s in place of the file's model.unk_token", unk);
  if (!has_class_template (tokenizer, class, cls, sep))
    describe_template (builds, class, cls, sep);
  return switches_only && builds->len == switches_length;
}

/* Where the folder's class comes from, for the warnings: "tokenizer_config.json's
 * tokenizer_class X" or "config.json's model_type \"y\"". g_free it. */
static char *
describe_class_source (const FolderClass *found)
{
  return found->name != NULL ? g_strdup_printf ("%s's tokenizer_class %s", found->source, found->name)
                             : g_strdup_printf ("config.json's model_type \"%s\"", found->model_type);
}

static char *
rebuild_warning (const char *folder, const BertTokenizer *tokenizer, const BertFolderSettings *settings,
    const WordPieceClass *class, const FolderClass *found)
{
  GString *builds = g_string_new (NULL);
  char *warning = NULL;

  gboolean switches_only = describe_rebuild (builds, tokenizer, settings, class, found->tokenizer_config);
  if (builds->len > 0) {
    char *source = describe_class_source (found);
    warning = g_strdup_printf (
        "%s: transformers 5 builds this folder's tokenizer as %s (%s), from tokenizer.json's "
        "vocabulary only, with %s, so its token ids can differ from gst-bert's, which follows tokenizer.json "
        "as "
        "Hugging Face tokenizers, TEI and transformers 4 do; to silence this, set tokenizer_config.json's "
        "tokenizer_class to \"PreTrainedTokenizerFast\"%s",
        folder, class->name, source, builds->str + 2,
        switches_only ? ", or its do_lower_case, strip_accents and tokenize_chinese_chars to what "
                        "tokenizer.json's normalizer does"
                      : "");
    g_free (source);
  }
  g_string_free (builds, TRUE);
  return warning;
}

/* ---- a class that rebuilds XLM-R's Unigram ---- */

/* transformers 5.25's XLMRobertaTokenizer and CamembertTokenizer (and the model types its
 * mapping gives them) keep tokenizer.json's pieces and its first Precompiled charsmap and
 * build the rest again: that charsmap alone as the normaliser (none without one),
 * WhitespaceSplit then a split Metaspace ("always" prepended, "never" where
 * tokenizer_config.json's add_prefix_space is false), unk_id 3 (CamemBERT: the first piece
 * named unk_token), no byte fallback, and bos A eos, bos A eos eos B eos. */
static const char *const unigram_classes[] = { "XLMRobertaTokenizer", "CamembertTokenizer" };

static const char *const unigram_model_types[] = { "camembert", "gte", "jina_embeddings_v3", "metaclip_2",
  "trocr", "xlm-roberta", "xmod" };

static gboolean
rebuilds_unigram (const FolderClass *found)
{
  return found->name != NULL
      ? listed (unigram_classes, G_N_ELEMENTS (unigram_classes), found->name, TRUE)
      : listed (unigram_model_types, G_N_ELEMENTS (unigram_model_types), found->model_type, FALSE);
}

static gboolean
is_camembert (const FolderClass *found)
{
  return found->name != NULL ? g_str_has_prefix (found->name, "CamembertTokenizer")
                             : g_strcmp0 (found->model_type, "camembert") == 0;
}

/* The first piece named NAME, as CamembertTokenizer's constructor finds it (0 for none). */
static int32_t
first_piece (const BertTokenizer *tokenizer, const char *name)
{
  for (uint32_t id = 0; id < tokenizer->pipeline->unigram.n_pieces; id++)
    if (g_strcmp0 (bert_vocab_token (&tokenizer->vocab, (int32_t) id), name) == 0)
      return (int32_t) id;
  return 0;
}

/* The parts of what the class builds that differ from TOKENIZER's pipeline, each after ", ". */
static void
describe_unigram_rebuild (GString *builds, const BertTokenizer *tokenizer, const BertFolderSettings *settings,
    const FolderClass *found)
{
  const BertPipeline *pipeline = tokenizer->pipeline;
  JsonObject *tokenizer_config = found->tokenizer_config;
  gboolean has_charsmap = FALSE;
  BertPrependScheme prepend = config_switch (tokenizer_config, "add_prefix_space", TRUE) == FALSE
      ? BERT_PREPEND_NEVER
      : BERT_PREPEND_ALWAYS;
  int32_t unk_id = is_camembert (found)
      ? first_piece (tokenizer, config_token (tokenizer_config, "unk_token", "<unk>"))
      : 3;

  for (guint i = 0; i < pipeline->n_steps; i++)
    has_charsmap = has_charsmap || pipeline->steps[i].kind == BERT_STEP_PRECOMPILED;
  if (has_charsmap ? pipeline->n_steps != 1 || pipeline->steps[0].kind != BERT_STEP_PRECOMPILED
                   : pipeline->n_steps != 0)
    g_string_append_printf (builds, ", %s in place of the file's normaliser",
        has_charsmap ? "its Precompiled charsmap alone" : "no normaliser");
  if (pipeline->pre_tokenizer != BERT_PRE_WHITESPACE_METASPACE || pipeline->prepend_scheme != prepend
      || !pipeline->split || g_strcmp0 (pipeline->replacement, "\u2581") != 0)
    g_string_append_printf (builds,
        ", WhitespaceSplit then Metaspace (prepend_scheme %s) in place of the file's pre-tokenizer",
        prepend == BERT_PREPEND_NEVER ? "never" : "always");
  if (pipeline->unigram.unk_id != unk_id)
    g_string_append_printf (builds, ", unk_id %d in place of the file's %d", unk_id,
        pipeline->unigram.unk_id);
  if (pipeline->unigram.byte_fallback)
    g_string_append (builds, ", no byte fallback");
  const char *bos = class_token (settings, tokenizer_config, "bos_token", "<s>");
  const char *eos = class_token (settings, tokenizer_config, "eos_token", "</s>");
  if (!has_roberta_template (tokenizer, bert_tokenizer_token_to_id (tokenizer, bos),
          bert_tokenizer_token_to_id (tokenizer, eos)))
    g_string_append_printf (builds,
        ", the template %s A %s, %s A %s %s B %s in place of the file's post-processor", bos, eos, bos, eos,
        eos, eos);
}

/* The warning of a class that transformers 5 rebuilds from tokenizer.json's MODEL_PARTS
 * (its vocabulary, its merges...), where BUILDS (", what, what") says what it builds
 * otherwise than the file; NULL where BUILDS is empty. Frees BUILDS. */
static char *
rebuilt_from_file_warning (const char *folder, GString *builds, const FolderClass *found,
    const char *class_name, const char *model_parts, const char *differs)
{
  char *warning = NULL;

  if (builds->len > 0) {
    char *source = describe_class_source (found);
    warning = g_strdup_printf (
        "%s: transformers 5 builds this folder's tokenizer as %s (%s), from tokenizer.json's %s only, with "
        "%s, so its %s can differ from gst-bert's, which follows tokenizer.json as Hugging Face tokenizers, "
        "TEI and transformers 4 do; to silence this, set tokenizer_config.json's tokenizer_class to "
        "\"PreTrainedTokenizerFast\"",
        folder, class_name, source, model_parts, builds->str + 2, differs);
    g_free (source);
  }
  g_string_free (builds, TRUE);
  return warning;
}

static char *
unigram_rebuild_warning (const char *folder, const BertTokenizer *tokenizer,
    const BertFolderSettings *settings, const FolderClass *found)
{
  GString *builds = g_string_new (NULL);

  describe_unigram_rebuild (builds, tokenizer, settings, found);
  return rebuilt_from_file_warning (folder, builds, found,
      is_camembert (found) ? "CamembertTokenizer" : "XLMRobertaTokenizer", "pieces", "token ids and offsets");
}

/* ---- a class that rebuilds RoBERTa's byte-level BPE ---- */

/* transformers 5.25's RobertaTokenizer (and the model types its mapping gives it) keeps
 * tokenizer.json's vocabulary and merges and builds the rest again: no normaliser, ByteLevel
 * with tokenizer_config.json's add_prefix_space (false where absent, whatever the file's
 * pre-tokenizer says), and RobertaProcessing over its cls_token and sep_token
 * (special_tokens_map.json's, else tokenizer_config.json's, else <s> and </s>): cls A sep,
 * cls A sep sep B sep. */
static const char *const byte_level_bpe_classes[] = { "RobertaTokenizer" };

static const char *const byte_level_bpe_model_types[] = { "bart", "bridgetower", "clap", "data2vec-text",
  "ibert", "lilt", "longformer", "mega", "mra", "roberta", "roberta-prelayernorm" };

static gboolean
rebuilds_byte_level_bpe (const FolderClass *found)
{
  return found->name != NULL
      ? listed (byte_level_bpe_classes, G_N_ELEMENTS (byte_level_bpe_classes), found->name, TRUE)
      : listed (byte_level_bpe_model_types, G_N_ELEMENTS (byte_level_bpe_model_types), found->model_type,
          FALSE);
}

/* The parts of what the class builds that differ from TOKENIZER's pipeline, each after ", ". */
static void
describe_bpe_rebuild (GString *builds, const BertTokenizer *tokenizer, const BertFolderSettings *settings,
    const FolderClass *found)
{
  const BertPipeline *pipeline = tokenizer->pipeline;
  gboolean add_prefix_space = config_switch (found->tokenizer_config, "add_prefix_space", FALSE) == TRUE;
  const char *cls = class_token (settings, found->tokenizer_config, "cls_token", "<s>");
  const char *sep = class_token (settings, found->tokenizer_config, "sep_token", "</s>");

  if (pipeline->n_steps != 0)
    g_string_append (builds, ", no normaliser in place of the file's");
  if (pipeline->pre_tokenizer != BERT_PRE_BYTE_LEVEL || !pipeline->use_regex
      || pipeline->add_prefix_space != add_prefix_space)
    g_string_append_printf (builds,
        ", ByteLevel (add_prefix_space %s%s) in place of the file's pre-tokenizer",
        boolean_name (add_prefix_space),
        bert_json_member (found->tokenizer_config, "add_prefix_space") ? ""
                                                                       : ": tokenizer_config.json sets none");
  if (!has_roberta_template (tokenizer, bert_tokenizer_token_to_id (tokenizer, cls),
          bert_tokenizer_token_to_id (tokenizer, sep)))
    g_string_append_printf (builds,
        ", RobertaProcessing over its cls_token and sep_token (%s A %s, %s A %s %s B %s) in place of the "
        "file's post-processor",
        cls, sep, cls, sep, sep, sep);
}

static char *
bpe_rebuild_warning (const char *folder, const BertTokenizer *tokenizer, const BertFolderSettings *settings,
    const FolderClass *found)
{
  GString *builds = g_string_new (NULL);

  describe_bpe_rebuild (builds, tokenizer, settings, found);
  return rebuilt_from_file_warning (folder, builds, found, "RobertaTokenizer", "vocabulary and merges",
      "token ids");
}

/* ---- the generic class ---- */

/* gst-bert applies tokenizer_config.json's switches over the file's BertNormalizer; the
 * generic class ignores them, in transformers 4 and 5. */
static char *
generic_warning (const char *folder, const BertTokenizer *tokenizer, const BertFolderSettings *settings,
    const FolderClass *found)
{
  const BertNormalizerOptions *used = &tokenizer->options, *file = &settings->file_options;
  GString *applied = g_string_new (NULL);
  char *warning = NULL;

  if (used->lowercase != file->lowercase)
    g_string_append_printf (applied, ", do_lower_case=%s", boolean_name (used->lowercase));
  if (strips_accents (used) != strips_accents (file))
    g_string_append_printf (applied, ", strip_accents=%s", boolean_name (strips_accents (used)));
  if (used->handle_chinese_chars != file->handle_chinese_chars)
    g_string_append_printf (applied, ", tokenize_chinese_chars=%s",
        boolean_name (used->handle_chinese_chars));
  if (applied->len > 0)
    warning =
        g_strdup_printf ("%s: gst-bert applies tokenizer_config.json's %s over tokenizer.json's "
                         "normalizer, but transformers (4 and 5) ignores them for %s and follows "
                         "tokenizer.json, so their token ids can differ; to silence this, remove them from "
                         "tokenizer_config.json or set them to what tokenizer.json's normalizer does",
            folder, applied->str + 2,
            found->name != NULL ? found->name : "a folder naming no tokenizer class");
  g_string_free (applied, TRUE);
  return warning;
}

/* transformers 5.25's tokenizer for a model_type whose class is not BertTokenizer's kin:
 * TOKENIZER_MAPPING_NAMES's class and what it reads (vocab_files_names). The engine's other
 * families and the encoders near them; a model_type not here (nor among the byte-level BPE
 * ones) is named without them. */
typedef struct {
  const char *model_type, *class_name, *reads;
} OtherFamily;

#define READS_FILES(files) "reads " files " or tokenizer.json, not vocab.txt"

static const OtherFamily other_families[] = {
  { "albert", "AlbertTokenizer", READS_FILES ("spiece.model") },
  { "xlm-roberta", "XLMRobertaTokenizer", READS_FILES ("sentencepiece.bpe.model") },
  { "xmod", "XLMRobertaTokenizer", READS_FILES ("sentencepiece.bpe.model") },
  { "camembert", "CamembertTokenizer", READS_FILES ("sentencepiece.bpe.model") },
  { "deberta", "DebertaTokenizer", READS_FILES ("vocab.json and merges.txt") },
  { "deberta-v2", "DebertaV2Tokenizer", READS_FILES ("spm.model") },
  { "big_bird", "BigBirdTokenizer", READS_FILES ("spiece.model") },
  { "xlnet", "XLNetTokenizer", READS_FILES ("spiece.model") },
  { "t5", "T5Tokenizer", READS_FILES ("spiece.model") },
  { "funnel", "FunnelTokenizer",
      "reads vocab.txt with special tokens of its own (<unk>, <cls>, <sep> where the folder names none) and "
      "its [CLS] of type id 2" },
};

/* What transformers 5.25 builds for MODEL_TYPE, after "whose tokenizer ". */
static char *
describe_other_family (const char *model_type)
{
  if (listed (byte_level_bpe_model_types, G_N_ELEMENTS (byte_level_bpe_model_types), model_type, FALSE))
    return g_strdup (
        "in transformers 5.25 is RobertaTokenizer, which " READS_FILES ("vocab.json and merges.txt"));
  for (guint i = 0; i < G_N_ELEMENTS (other_families); i++)
    if (strcmp (model_type, other_families[i].model_type) == 0)
      return g_strdup_printf ("in transformers 5.25 is %s, which %s", other_families[i].class_name,
          other_families[i].reads);
  return g_strdup ("in transformers 5.25 is neither BertTokenizer nor one of its kin");
}

/* A folder that names no class: AutoTokenizer takes config.json's model_type, whose tokenizer
 * may read other files than vocab.txt (an ALBERT's spiece.model: from vocab.txt alone 5.25
 * builds an empty AlbertTokenizer, 4.57 fails). A custom WordPiece vocabulary on such an
 * encoder is real (rxnmapper's SMILES ALBERT), so a warning, not an error. */
static char *
vocab_txt_family_warning (const char *folder, const FolderClass *found)
{
  if (found->name != NULL || found->model_type == NULL
      || listed (bert_model_types, G_N_ELEMENTS (bert_model_types), found->model_type, FALSE)
      || listed (vocab_txt_model_types, G_N_ELEMENTS (vocab_txt_model_types), found->model_type, FALSE))
    return NULL;
  char *tokenizer = describe_other_family (found->model_type);
  char *vocab_path = g_build_filename (folder, "vocab.txt", NULL);
  char *warning = g_strdup_printf (
      "%s is read as BERT's WordPiece (BertTokenizer's rules and [CLS] A [SEP]), but config.json's "
      "model_type is %s, whose tokenizer %s: the ids are right only if the model was trained on this "
      "vocab.txt split as BertTokenizer splits; a model with a tokenizer of its own (rxnmapper's SMILES "
      "ALBERT: a BertTokenizer subclass that splits by a regular expression and keeps case) needs a "
      "tokenizer.json that does what it does; where vocab.txt is BERT's WordPiece, "
      "\"tokenizer_class\": \"BertTokenizer\" in tokenizer_config.json says so (transformers then reads it "
      "so too) and silences this",
      vocab_path, found->model_type, tokenizer);
  g_free (vocab_path);
  g_free (tokenizer);
  return warning;
}

gboolean
bert_transformers5_check_vocab_txt_class (const char *folder, JsonObject *tokenizer_config, char **warning,
    GError **error)
{
  FolderClass found;
  gboolean ok = read_folder_class (folder, tokenizer_config, &found, error);

  *warning = NULL;
  if (ok && found.name != NULL
      && !listed (rebuilding_classes, G_N_ELEMENTS (rebuilding_classes), found.name, TRUE)
      && !listed (generic_classes, G_N_ELEMENTS (generic_classes), found.name, FALSE)
      && !listed (vocab_txt_subclasses, G_N_ELEMENTS (vocab_txt_subclasses), found.name, TRUE)) {
    g_set_error (error, BERT_TOKENIZER_ERROR, BERT_TOKENIZER_ERROR_UNSUPPORTED,
        "%s: %s's tokenizer_class is %s, which transformers does not build as BERT's WordPiece from "
        "vocab.txt; a folder of vocab.txt is read only for BertTokenizer and its kin (DistilBertTokenizer, "
        "ElectraTokenizer, MobileBertTokenizer, ConvBertTokenizer...); a tokenizer.json, where transformers "
        "can save one for the class, is read as it says",
        folder, found.source, found.name);
    ok = FALSE;
  }
  if (ok)
    *warning = vocab_txt_family_warning (folder, &found);
  folder_class_clear (&found);
  return ok;
}

gboolean
bert_transformers5_check (const char *folder, JsonObject *tokenizer_config, const BertTokenizer *tokenizer,
    const BertFolderSettings *settings, char **warning, GError **error)
{
  FolderClass found;
  const WordPieceClass *wordpiece_class;
  gboolean own_code;

  *warning = NULL;
  if (!read_folder_class (folder, tokenizer_config, &found, error)) {
    folder_class_clear (&found);
    return FALSE;
  }
  /* auto_map names a class of the folder's own code, which this cannot tell */
  own_code = bert_json_member (found.tokenizer_config, "auto_map") != NULL;
  wordpiece_class = rebuilt_wordpiece_class (&found);
  if (!own_code && wordpiece_class != NULL)
    *warning = rebuild_warning (folder, tokenizer, settings, wordpiece_class, &found);
  else if (!own_code && rebuilds_unigram (&found) && tokenizer->pipeline != NULL
      && tokenizer->pipeline->model == BERT_MODEL_UNIGRAM)
    *warning = unigram_rebuild_warning (folder, tokenizer, settings, &found);
  else if (!own_code && rebuilds_byte_level_bpe (&found) && tokenizer->pipeline != NULL
      && tokenizer->pipeline->model == BERT_MODEL_BPE)
    *warning = bpe_rebuild_warning (folder, tokenizer, settings, &found);
  else if (!own_code && tokenizer->pipeline == NULL && is_generic (&found))
    *warning = generic_warning (folder, tokenizer, settings, &found);
  folder_class_clear (&found);
  return TRUE;
}

/* ---- added tokens named by the settings files only ---- */

/* The text of an added token: "x", or {"content": "x", ...}; NULL for anything else. */
static const char *
added_content (JsonNode *node)
{
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    node = json_object_get_member (json_node_get_object (node), "content");
  return node != NULL && json_node_get_value_type (node) == G_TYPE_STRING ? json_node_get_string (node)
                                                                          : NULL;
}

/* Appends to added each token of NODE (an array of tokens, or added_tokens_decoder's object
 * of id: token) that TOKENIZER does not hold as an added token. */
static void
collect_added (GString *added, JsonNode *node, const BertTokenizer *tokenizer)
{
  GList *members = NULL;

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    members = json_array_get_elements (json_node_get_array (node));
  else if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    members = json_object_get_values (json_node_get_object (node));
  for (GList *member = members; member != NULL; member = member->next) {
    const char *content = added_content (member->data);
    if (content != NULL && bert_added_tokens_lookup (&tokenizer->added, content) == NULL
        && bert_added_tokens_lookup (&tokenizer->normalized_added, content) == NULL)
      g_string_append_printf (added, ", '%s'", content);
  }
  g_list_free (members);
}

char *
bert_transformers5_added_tokens (const char *folder, const BertTokenizer *tokenizer,
    JsonObject *tokenizer_config, JsonObject *special_tokens_map)
{
  GString *added = g_string_new (NULL);
  char *warning = NULL;

  if (tokenizer_config != NULL) {
    collect_added (added, json_object_get_member (tokenizer_config, "added_tokens_decoder"), tokenizer);
    collect_added (added, json_object_get_member (tokenizer_config, "additional_special_tokens"), tokenizer);
    collect_added (added, json_object_get_member (tokenizer_config, "extra_special_tokens"), tokenizer);
  }
  if (special_tokens_map != NULL)
    collect_added (added, json_object_get_member (special_tokens_map, "additional_special_tokens"),
        tokenizer);
  if (added->len > 0)
    warning = g_strdup_printf (
        "%s: transformers adds %s (tokenizer_config.json's or special_tokens_map.json's added or additional "
        "special tokens) to this folder's tokenizer and matches them anywhere in the text, even inside "
        "words, but they are not added tokens of its tokenizer.json or vocab.txt, which gst-bert follows, "
        "so their token ids can differ; to silence this, save the folder's tokenizer with transformers "
        "(AutoTokenizer.from_pretrained(folder).save_pretrained(folder): its tokenizer.json then lists "
        "them) or remove them from those files",
        folder, added->str + 2);
  g_string_free (added, TRUE);
  return warning;
}
