/* bert_model.c: loads a Hugging Face BERT-family model folder and keeps a shared cache
 * of them.
 *
 * model.safetensors (or its shards, or pytorch_model.bin: see bert_weights_file.h) is
 * mapped, never copied: BertTensor.data points into the map. The
 * loader reads config.json first and refuses absurd sizes there, so nothing is sized
 * from an unchecked number. Each family names its tensors its own way (below); they
 * bind to the same BertWeights, found by the names transformers loads them as (so
 * LayerNorm.gamma and .beta too: bert_tensor_names.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bert_engine_private.h"
#include "bert_model_file.h"
#include "bert_position_bias.h"
#include "bert_transformer_module.h"

G_DEFINE_QUARK (bert - engine - error - quark, bert_engine_error)

/* A family's tensor names. The encoder's may carry the prefix (a model with a head
 * saves them so); the head's never do. */
typedef struct {
  const char *prefix;
  const char *layer;          /* printf format of a layer's prefix */
  const char *layer_parts[8]; /* query, key, value, attention output, its LayerNorm,
                                 intermediate, output, its LayerNorm */
  const char *sequence_dense, *sequence_out, *token_out;
} FamilyNames;

/* BertLayer's tensors, which RoBERTa's and ELECTRA's layers keep. */
#define BERT_LAYER_PARTS                                                                                     \
  {                                                                                                          \
    "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",          \
        "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm"               \
  }

static const FamilyNames family_names[] = {
  [BERT_FAMILY_BERT] = { "bert.", "encoder.layer.%d.", BERT_LAYER_PARTS, "pooler.dense", "classifier",
      "classifier" },
  [BERT_FAMILY_DISTILBERT] = { "distilbert.", "transformer.layer.%d.",
      { "attention.q_lin", "attention.k_lin", "attention.v_lin", "attention.out_lin", "sa_layer_norm",
          "ffn.lin1", "ffn.lin2", "output_layer_norm" },
      "pre_classifier", "classifier", "classifier" },
  [BERT_FAMILY_ROBERTA] = { "roberta.", "encoder.layer.%d.", BERT_LAYER_PARTS, "classifier.dense",
      "classifier.out_proj", "classifier" },
  [BERT_FAMILY_MPNET] = { "mpnet.", "encoder.layer.%d.",
      { "attention.attn.q", "attention.attn.k", "attention.attn.v", "attention.attn.o", "attention.LayerNorm",
          "intermediate.dense", "output.dense", "output.LayerNorm" },
      "classifier.dense", "classifier.out_proj", "classifier" },
  [BERT_FAMILY_ELECTRA] = { "electra.", "encoder.layer.%d.", BERT_LAYER_PARTS, "classifier.dense",
      "classifier.out_proj", "classifier" },
  /* Layer J of group G (layer_prefix): encoder.albert_layer_groups.G.albert_layers.J. */
  [BERT_FAMILY_ALBERT] = { "albert.", "encoder.albert_layer_groups.%d.albert_layers.%d.",
      { "attention.query", "attention.key", "attention.value", "attention.dense", "attention.LayerNorm",
          "ffn", "ffn_output", "full_layer_layer_norm" },
      "pooler", "classifier", "classifier" },
};

static const FamilyNames *
names_of (const BertModel *model)
{
  return &family_names[model->config.family];
}

/* The tensor transformers loads as name (bert_tensor_names.h), with or without the
 * family's prefix, or NULL. Where the file has two or more, *other is set to a second
 * one (transformers would keep either without a word), else to NULL. */
static const BertSafetensorsTensor *
find_tensor (const BertModel *model, const char *name, const BertSafetensorsTensor **other)
{
  const BertTensorNames *table = BERT_MODEL_PRIVATE (model)->tensor_names;
  char *prefixed = g_strconcat (names_of (model)->prefix, name, NULL);
  const BertSafetensorsTensor *bare_other, *prefixed_other;
  const BertSafetensorsTensor *bare = bert_tensor_names_lookup (table, name, &bare_other);
  const BertSafetensorsTensor *with_prefix = bert_tensor_names_lookup (table, prefixed, &prefixed_other);

  g_free (prefixed);
  if (bare == NULL) {
    *other = prefixed_other;
    return with_prefix;
  }
  *other = bare_other != NULL ? bare_other : with_prefix;
  return bare;
}

static gboolean
dtype_from_name (const char *name, BertDType *dtype)
{
  if (strcmp (name, "F32") == 0)
    *dtype = BERT_DTYPE_F32;
  else if (strcmp (name, "F16") == 0)
    *dtype = BERT_DTYPE_F16;
  else if (strcmp (name, "BF16") == 0)
    *dtype = BERT_DTYPE_BF16;
  else
    return FALSE;
  return TRUE;
}

/* Whether value i is NaN or infinite: all its exponent bits set. A safetensors header
 * of any length puts the data at any byte, so values are read with memcpy, which the
 * compiler turns into unaligned loads. */
static inline gboolean
is_non_finite (const void *data, BertDType dtype, gint64 i)
{
  if (dtype == BERT_DTYPE_F32) {
    guint32 bits;
    memcpy (&bits, (const guint8 *) data + i * 4, 4);
    return (bits & 0x7f800000u) == 0x7f800000u;
  } else {
    guint16 bits;
    memcpy (&bits, (const guint8 *) data + i * 2, 2);
    if (dtype == BERT_DTYPE_F16)
      return (bits & 0x7c00u) == 0x7c00u;
    return (bits & 0x7f80u) == 0x7f80u;
  }
}

/* The first of n values that is NaN or infinite, or -1. Blocks are tested without an
 * early exit, so that the compiler can vectorize the test. */
gint64
bert_tensor_find_non_finite (const void *data, BertDType dtype, gint64 n)
{
  const gint64 block = 4096;

  for (gint64 start = 0; start < n; start += block) {
    gint64 end = MIN (start + block, n);
    gboolean found = FALSE;

    for (gint64 i = start; i < end; i++)
      found |= is_non_finite (data, dtype, i);
    for (gint64 i = start; found && i < end; i++)
      if (is_non_finite (data, dtype, i))
        return i;
  }
  return -1;
}

/* Names name and, for a LayerNorm, its legacy name, each with and without the prefix. */
static void
set_missing_error (const BertModel *model, const char *file_name, const char *name, GError **error)
{
  const char *prefix = names_of (model)->prefix;
  char *legacy = bert_tensor_names_legacy (name);

  if (legacy == NULL)
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT, "%s: tensor '%s' (or '%s%s') is missing",
        file_name, name, prefix, name);
  else
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: tensor '%s' or its legacy name '%s' (either also with the prefix '%s') is missing", file_name,
        name, legacy, prefix);
  g_free (legacy);
}

/* Binds tensor name (with or without the family's prefix, "bert." for one) of shape
 * [rows] when cols is 0, else [rows, cols]. */
static gboolean
bind_tensor (BertModel *model, const char *file_name, const char *name, int64_t rows, int64_t cols,
    BertTensor *out, GError **error)
{
  const BertSafetensorsTensor *other;
  const BertSafetensorsTensor *tensor = find_tensor (model, name, &other);
  int64_t expected[2] = { rows, cols };
  int n_dims = cols ? 2 : 1;
  gint64 bad;

  if (tensor == NULL) {
    set_missing_error (model, file_name, name, error);
    return FALSE;
  }
  if (other != NULL) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: tensors '%s' and '%s' both load as '%s' (transformers keeps one of them without a word); "
        "remove one",
        file_name, tensor->name, other->name, name);
    return FALSE;
  }
  if (!dtype_from_name (tensor->dtype, &out->dtype)) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
        "%s: unsupported dtype %s for tensor '%s' (F32, F16 and BF16 are)", file_name, tensor->dtype,
        tensor->name);
    return FALSE;
  }
  if (tensor->n_dims != n_dims || tensor->shape[0] != rows || (cols && tensor->shape[1] != cols)) {
    char *actual = bert_safetensors_describe_shape (tensor->n_dims, tensor->shape);
    char *wanted = bert_safetensors_describe_shape (n_dims, expected);

    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_SHAPE,
        "%s: tensor '%s' has shape %s, config.json expects %s", file_name, tensor->name, actual, wanted);
    g_free (actual);
    g_free (wanted);
    return FALSE;
  }
  if ((bad = bert_tensor_find_non_finite (tensor->data, out->dtype, rows * (cols ? cols : 1))) >= 0) {
    /* A NaN weight makes every embedding NaN: refused here rather than found downstream. */
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: tensor '%s' holds a NaN or infinite value (element %" G_GINT64_FORMAT ")", file_name,
        tensor->name, bad);
    return FALSE;
  }
  out->data = tensor->data;
  out->n_dims = n_dims;
  out->shape[0] = rows;
  out->shape[1] = cols;
  return TRUE;
}

/* A Linear layer, weight [out_features, in_features] and bias [out_features], or with
 * in_features 0 a LayerNorm, weight and bias [out_features]. */
static gboolean
bind_linear (BertModel *model, const char *file_name, const char *prefix, int64_t out_features,
    int64_t in_features, BertTensor *weight, BertTensor *bias, GError **error)
{
  char *weight_name = g_strconcat (prefix, ".weight", NULL);
  char *bias_name = g_strconcat (prefix, ".bias", NULL);
  gboolean ok = bind_tensor (model, file_name, weight_name, out_features, in_features, weight, error)
      && bind_tensor (model, file_name, bias_name, out_features, 0, bias, error);

  g_free (weight_name);
  g_free (bias_name);
  return ok;
}

/* The tables and their LayerNorm, input_embedding_size wide; then embeddings_project where
 * config.projects_embeddings says: ELECTRA's where the width is not hidden_size (ElectraModel
 * has the layer only then, and transformers leaves a checkpoint's other one unused),
 * ALBERT's encoder.embedding_hidden_mapping_in always. */
static gboolean
bind_embeddings (BertModel *model, const char *file_name, GError **error)
{
  const BertConfig *config = &model->config;
  BertWeights *weights = &model->weights;
  int64_t width = config->input_embedding_size;

  return bind_tensor (model, file_name, "embeddings.word_embeddings.weight", config->vocab_size, width,
             &weights->word_embeddings, error)
      && bind_tensor (model, file_name, "embeddings.position_embeddings.weight",
          config->position_offset + config->max_position_embeddings, width, &weights->position_embeddings,
          error)
      && (config->type_vocab_size == 0
          || bind_tensor (model, file_name, "embeddings.token_type_embeddings.weight",
              config->type_vocab_size, width, &weights->token_type_embeddings, error))
      && bind_linear (model, file_name, "embeddings.LayerNorm", width, 0,
          &weights->embeddings_layernorm_weight, &weights->embeddings_layernorm_bias, error)
      && (!config->projects_embeddings
          || bind_linear (model, file_name,
              config->family == BERT_FAMILY_ALBERT ? "encoder.embedding_hidden_mapping_in"
                                                   : "embeddings_project",
              config->hidden_size, width, &weights->embeddings_project_weight,
              &weights->embeddings_project_bias, error));
}

/* The stored layer that layer (of the num_layers run) reads: ALBERT's pass
 * layer / inner_group_num runs group int (pass / (num_hidden_layers / num_hidden_groups)),
 * computed in double as AlbertTransformer does, and of it layer layer % inner_group_num.
 * Other families: the layer itself, in group index. */
static void
stored_layer_of (const BertConfig *config, int layer, int *group, int *inner)
{
  int passes = config->num_layers / config->inner_group_num, pass = layer / config->inner_group_num;

  *inner = layer % config->inner_group_num;
  *group = config->family == BERT_FAMILY_ALBERT ? (int) (pass / ((double) passes / config->num_hidden_groups))
                                                : layer;
}

/* The printf'd prefix of the tensors of layer group's inner layer (ALBERT) or of layer group. */
static char *
layer_prefix_of (const BertModel *model, int group, int inner)
{
  if (model->config.family == BERT_FAMILY_ALBERT)
    return g_strdup_printf (names_of (model)->layer, group, inner);
  return g_strdup_printf (names_of (model)->layer, group);
}

static gboolean
bind_layer (BertModel *model, const char *file_name, int index, BertLayerWeights *layer, GError **error)
{
  int64_t hidden = model->config.hidden_size, intermediate = model->config.intermediate_size;
  const struct {
    int64_t out_features, in_features;
    BertTensor *weight, *bias;
  } parts[] = {
    { hidden, hidden, &layer->query_weight, &layer->query_bias },
    { hidden, hidden, &layer->key_weight, &layer->key_bias },
    { hidden, hidden, &layer->value_weight, &layer->value_bias },
    { hidden, hidden, &layer->attention_output_weight, &layer->attention_output_bias },
    { hidden, 0, &layer->attention_layernorm_weight, &layer->attention_layernorm_bias },
    { intermediate, hidden, &layer->intermediate_weight, &layer->intermediate_bias },
    { hidden, intermediate, &layer->output_weight, &layer->output_bias },
    { hidden, 0, &layer->output_layernorm_weight, &layer->output_layernorm_bias },
  };
  int group, inner;
  char *layer_prefix;
  gboolean ok = TRUE;

  stored_layer_of (&model->config, index, &group, &inner);
  /* A layer whose stored layer an earlier one runs shares its tensors (ALBERT). */
  for (int earlier = 0; earlier < index; earlier++) {
    int earlier_group, earlier_inner;

    stored_layer_of (&model->config, earlier, &earlier_group, &earlier_inner);
    if (earlier_group == group && earlier_inner == inner) {
      *layer = model->weights.layers[earlier];
      layer->shared = TRUE;
      layer->shared_layer = earlier;
      return TRUE;
    }
  }
  layer_prefix = layer_prefix_of (model, group, inner);
  for (guint i = 0; ok && i < G_N_ELEMENTS (parts); i++) {
    char *prefix = g_strconcat (layer_prefix, names_of (model)->layer_parts[i], NULL);

    ok = bind_linear (model, file_name, prefix, parts[i].out_features, parts[i].in_features, parts[i].weight,
        parts[i].bias, error);
    g_free (prefix);
  }
  g_free (layer_prefix);
  return ok;
}

/* The head's last Linear layer: what gives the logits. */
static const char *
classifier_name (const BertModel *model)
{
  return model->config.head == BERT_HEAD_SEQUENCE_CLASSIFIER ? names_of (model)->sequence_out
                                                             : names_of (model)->token_out;
}

static const BertSafetensorsTensor *
find_linear_weight (const BertModel *model, const char *linear)
{
  char *name = g_strconcat (linear, ".weight", NULL);
  const BertSafetensorsTensor *other;
  const BertSafetensorsTensor *tensor = find_tensor (model, name, &other);

  g_free (name);
  return tensor;
}

/* Without a head in architectures, the head's tensors decide: a sequence classifier's
 * dense layer (BERT's pooler, which HF leaves out of BertForTokenClassification) with a
 * classifier makes a sequence classifier, a classifier alone a token classifier. */
static void
resolve_head (BertModel *model)
{
  const FamilyNames *names = names_of (model);

  if (BERT_MODEL_PRIVATE (model)->head_from_architectures)
    return;
  if (find_linear_weight (model, names->sequence_dense) && find_linear_weight (model, names->sequence_out))
    model->config.head = BERT_HEAD_SEQUENCE_CLASSIFIER;
  else if (find_linear_weight (model, names->token_out) && !find_linear_weight (model, names->sequence_dense))
    model->config.head = BERT_HEAD_TOKEN_CLASSIFIER;
}

/* Without id2label, HF names labels LABEL_0...; their number is the classifier's. */
static gboolean
resolve_labels (BertModel *model, const char *file_name, GError **error)
{
  BertConfig *config = &model->config;
  const BertSafetensorsTensor *classifier;

  if (config->head == BERT_HEAD_ENCODER) {
    bert_config_clear (config);
    return TRUE;
  }
  if (config->num_labels > 0)
    return TRUE;
  classifier = find_linear_weight (model, classifier_name (model));
  if (classifier == NULL || classifier->n_dims != 2 || classifier->shape[0] < 1
      || classifier->shape[0] > BERT_MAX_LABELS) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: config.json has no id2label and tensor '%s.weight' is missing or not "
        "[num_labels, hidden_size] with 1 <= num_labels <= %d",
        file_name, classifier_name (model), BERT_MAX_LABELS);
    return FALSE;
  }
  config->num_labels = classifier->shape[0];
  config->id2label = g_new0 (char *, config->num_labels + 1);
  for (int i = 0; i < config->num_labels; i++)
    config->id2label[i] = g_strdup_printf ("LABEL_%d", i);
  /* One label scores by sigmoid, as when id2label names it, unless problem_type or a
   * CrossEncoder activation chose otherwise (bert_config.c). */
  if (config->num_labels == 1 && config->score_function == BERT_SCORES_SOFTMAX)
    config->score_function = BERT_SCORES_SIGMOID;
  return TRUE;
}

static gboolean
bind_head (BertModel *model, const char *file_name, GError **error)
{
  BertWeights *weights = &model->weights;
  int64_t hidden = model->config.hidden_size;

  if (model->config.head == BERT_HEAD_ENCODER)
    return TRUE;
  if (model->config.head == BERT_HEAD_SEQUENCE_CLASSIFIER
      && !bind_linear (model, file_name, names_of (model)->sequence_dense, hidden, hidden,
          &weights->pooler_weight, &weights->pooler_bias, error))
    return FALSE;
  return bind_linear (model, file_name, classifier_name (model), model->config.num_labels, hidden,
      &weights->classifier_weight, &weights->classifier_bias, error);
}

/* MPNet's bucket table, and the per-head table of every relative position that the
 * backends add to attention scores, made once here (bert_position_bias.h). */
static gboolean
bind_position_bias (BertModel *model, const char *file_name, GError **error)
{
  BertModelPrivate *priv = BERT_MODEL_PRIVATE (model);
  const BertConfig *config = &model->config;
  BertWeights *weights = &model->weights;
  BertTensor *table = &weights->relative_position_bias;

  if (config->relative_attention_num_buckets == 0)
    return TRUE;
  if (!bind_tensor (model, file_name, "encoder.relative_attention_bias.weight",
          config->relative_attention_num_buckets, config->num_heads, &weights->relative_attention_bias,
          error))
    return FALSE;
  priv->position_bias_table = bert_position_bias_table_new (&weights->relative_attention_bias,
      config->num_heads, config->max_position_embeddings);
  if (priv->position_bias_table == NULL) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_OUT_OF_MEMORY,
        "%s: no memory for the relative position bias table of %d heads x %d positions", file_name,
        config->num_heads, 2 * config->max_position_embeddings - 1);
    return FALSE;
  }
  table->data = priv->position_bias_table;
  table->dtype = BERT_DTYPE_F32;
  table->n_dims = 2;
  table->shape[0] = config->num_heads;
  table->shape[1] = 2 * (int64_t) config->max_position_embeddings - 1;
  return TRUE;
}

gboolean
bert_model_bind_weights (BertModel *model, const char *file_name, GError **error)
{
  resolve_head (model);
  if (!resolve_labels (model, file_name, error) || !bind_embeddings (model, file_name, error))
    return FALSE;
  model->weights.layers = g_new0 (BertLayerWeights, model->config.num_layers);
  for (int i = 0; i < model->config.num_layers; i++)
    if (!bind_layer (model, file_name, i, &model->weights.layers[i], error))
      return FALSE;
  return bind_position_bias (model, file_name, error) && bind_head (model, file_name, error);
}

static gboolean
map_weights (BertModel *model, GError **error)
{
  BertModelPrivate *priv = BERT_MODEL_PRIVATE (model);

  priv->weights_file = bert_weights_file_load (priv->transformer_folder, error);
  if (priv->weights_file == NULL)
    return FALSE;
  model->weights_bytes = priv->weights_file->bytes;
  priv->tensor_names = bert_tensor_names_new (priv->weights_file->tensors);
  return bert_model_bind_weights (model, priv->weights_file->path, error);
}

static BertEngineError
engine_code_of_tokenizer_error (const GError *error)
{
  if (error->domain != BERT_TOKENIZER_ERROR)
    return BERT_ENGINE_ERROR_FORMAT;
  switch (error->code) {
    case BERT_TOKENIZER_ERROR_FILE: return BERT_ENGINE_ERROR_FILE;
    case BERT_TOKENIZER_ERROR_UNSUPPORTED: return BERT_ENGINE_ERROR_UNSUPPORTED;
    default: return BERT_ENGINE_ERROR_FORMAT;
  }
}

/* The folder of modules.json's Transformer module, as the tokenizer finds it, so that the
 * encoder and its tokenizer come from one place. */
static char *
find_transformer_folder (const char *folder, GError **error)
{
  GError *local_error = NULL;
  char *transformer_folder = bert_transformer_module_folder (folder, &local_error);

  if (transformer_folder == NULL) {
    g_set_error_literal (error, BERT_ENGINE_ERROR, engine_code_of_tokenizer_error (local_error),
        local_error->message);
    g_error_free (local_error);
  }
  return transformer_folder;
}

static gboolean
load_tokenizer (BertModel *model, GError **error)
{
  BertModelPrivate *priv = BERT_MODEL_PRIVATE (model);
  GError *local_error = NULL;
  guint tokenizer_vocab;

  priv->tokenizer = bert_tokenizer_new_from_path (priv->transformer_folder, &local_error);
  if (priv->tokenizer == NULL) {
    g_set_error (error, BERT_ENGINE_ERROR, engine_code_of_tokenizer_error (local_error), "%s: tokenizer: %s",
        priv->transformer_folder, local_error->message);
    g_error_free (local_error);
    return FALSE;
  }
  /* The folder's length limit, read once for the tokenizer and the engine (bert_max_length.h). */
  model->config.max_seq_length = MIN (bert_tokenizer_get_options (priv->tokenizer)->model_max_length,
      (guint) model->config.max_position_embeddings);
  tokenizer_vocab = bert_tokenizer_get_vocab_size (priv->tokenizer);
  if (tokenizer_vocab > (guint) model->config.vocab_size) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_SHAPE,
        "%s: the tokenizer has %u tokens but config.json's vocab_size is %d", model->path, tokenizer_vocab,
        model->config.vocab_size);
    return FALSE;
  }
  return TRUE;
}

static void
model_free (BertModel *model)
{
  BertModelPrivate *priv = BERT_MODEL_PRIVATE (model);

  bert_config_clear (&model->config);
  bert_dense_unload (model);
  g_free (model->weights.layers);
  g_free (priv->position_bias_table);
  bert_tensor_names_free (priv->tensor_names);
  bert_weights_file_free (priv->weights_file);
  if (priv->tokenizer != NULL)
    bert_tokenizer_free (priv->tokenizer);
  g_free (priv->transformer_folder);
  g_free (priv->warning);
  g_free (priv);
  g_free (model->path);
  g_free (model->name);
  g_free (model);
}

/* A CrossEncoder's activation_fn is read for sequence classifiers; a token classifier
 * scores each token by a softmax over its logits whatever the folder says, as
 * transformers' token-classification pipeline does (sentence-transformers' CrossEncoder
 * would load it as a sequence classifier with a pooler drawn at random: no reference). */
static char *
token_classifier_activation_warning (const BertConfig *config)
{
  if (config->head != BERT_HEAD_TOKEN_CLASSIFIER || config->cross_encoder_activation == NULL)
    return NULL;
  return g_strdup_printf ("%s is a sentence-transformers CrossEncoder setting, which token "
                          "classifiers do not use: this token classifier scores each token by a "
                          "softmax over its labels, as transformers' token-classification pipeline does",
      config->cross_encoder_activation);
}

/* A checkpoint with a layer past config.json's count: transformers runs the config's
 * layers and only reports the rest as UNEXPECTED keys, and so does the engine, but a config
 * edited or copied wrongly gives other outputs than the checkpoint was trained for. */
static char *
unused_layers_warning (const BertModel *model)
{
  const FamilyNames *names = names_of (model);
  /* ALBERT: the first group past num_hidden_groups. */
  char *layer_prefix = model->config.family == BERT_FAMILY_ALBERT
      ? layer_prefix_of (model, model->config.num_hidden_groups, 0)
      : layer_prefix_of (model, model->config.num_layers, 0);
  char *linear = g_strconcat (layer_prefix, names->layer_parts[0], NULL);
  const BertSafetensorsTensor *tensor = find_linear_weight (model, linear);
  char *warning = NULL;

  if (tensor != NULL)
    warning = g_strdup_printf (
        "%s holds tensor '%s', of a layer past config.json's %s %d: it is not "
        "used (transformers runs the same layers and reports it as an UNEXPECTED key); check that "
        "config.json belongs to these weights",
        BERT_MODEL_PRIVATE (model)->weights_file->path, tensor->name,
        model->config.family == BERT_FAMILY_DISTILBERT   ? "n_layers"
            : model->config.family == BERT_FAMILY_ALBERT ? "num_hidden_groups"
                                                         : "num_hidden_layers",
        model->config.family == BERT_FAMILY_ALBERT ? model->config.num_hidden_groups
                                                   : model->config.num_layers);
  g_free (linear);
  g_free (layer_prefix);
  return warning;
}

/* The warnings of the folder, one after the other, or NULL where there is none. */
static char *
model_warning (const BertModel *model)
{
  char *warnings[] = { token_classifier_activation_warning (&model->config), unused_layers_warning (model) };
  GString *joined = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (warnings); i++) {
    if (warnings[i] == NULL)
      continue;
    if (joined == NULL)
      joined = g_string_new (warnings[i]);
    else
      g_string_append_printf (joined, "; %s", warnings[i]);
    g_free (warnings[i]);
  }
  return joined ? g_string_free (joined, FALSE) : NULL;
}

static BertModel *
load_model (const char *folder, GError **error)
{
  BertModel *model = g_new0 (BertModel, 1);
  BertModelPrivate *priv = g_new0 (BertModelPrivate, 1);

  model->priv = priv;
  priv->ref_count = 1;
  model->path = g_strdup (folder);
  model->name = g_path_get_basename (folder);
  priv->transformer_folder = find_transformer_folder (folder, error);
  if (priv->transformer_folder == NULL
      || !bert_config_load (&model->config, &priv->head_from_architectures, priv->transformer_folder, error)
      || !bert_config_load_sentence_transformers (&model->config, folder, error)
      || !load_tokenizer (model, error) || !map_weights (model, error) || !bert_dense_load (model, error)) {
    model_free (model);
    return NULL;
  }
  priv->warning = model_warning (model);
  return model;
}

BertModel *
bert_model_load (const char *folder, GError **error)
{
  GError *local_error = NULL;
  BertModel *model;

  g_return_val_if_fail (folder != NULL, NULL);
  model = load_model (folder, &local_error);
  bert_model_file_make_message_valid (local_error);
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  return model;
}

/* Folders by real path. A model in it holds no reference of its own: the last
 * unref removes it, under shared_models_lock so that no lookup can revive it.
 * While its first user loads a folder, outside the lock (a model on a slow or stuck
 * file system must not hold up the others), its entry is MODEL_LOADING and later
 * users of the same folder wait for shared_models_changed. */
static GMutex shared_models_lock;
static GCond shared_models_changed;
static GHashTable *shared_models;
static char model_loading_marker;
#define MODEL_LOADING ((gpointer) &model_loading_marker)

static char *
real_path_of (const char *folder, GError **error)
{
  char *real_path = realpath (folder, NULL);
  int saved_errno = errno;
  char *display;

  if (real_path != NULL)
    return real_path;
  display = g_filename_display_name (folder);
  g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FILE, "%s: %s", display,
      saved_errno == ELOOP ? "a loop of symbolic links" : g_strerror (saved_errno));
  g_free (display);
  return NULL;
}

/* Under the lock: the loaded model of real_path, referenced, or NULL after marking it
 * MODEL_LOADING for the caller to load. */
static BertModel *
wait_for_shared_model (const char *real_path)
{
  BertModel *model;

  if (shared_models == NULL)
    shared_models = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  while ((model = g_hash_table_lookup (shared_models, real_path)) == MODEL_LOADING)
    g_cond_wait (&shared_models_changed, &shared_models_lock);
  if (model != NULL)
    return bert_model_ref (model);
  g_hash_table_insert (shared_models, g_strdup (real_path), MODEL_LOADING);
  return NULL;
}

BertModel *
bert_model_load_shared (const char *folder, GError **error)
{
  char *real_path;
  BertModel *model;

  g_return_val_if_fail (folder != NULL, NULL);
  if ((real_path = real_path_of (folder, error)) == NULL)
    return NULL;
  g_mutex_lock (&shared_models_lock);
  model = wait_for_shared_model (real_path);
  g_mutex_unlock (&shared_models_lock);
  if (model != NULL) {
    free (real_path);
    return model;
  }
  model = bert_model_load (real_path, error);
  g_mutex_lock (&shared_models_lock);
  if (model != NULL) {
    BERT_MODEL_PRIVATE (model)->in_shared_cache = TRUE;
    g_hash_table_insert (shared_models, g_strdup (model->path), model);
  } else {
    /* The next user tries again, and gets its own error. */
    g_hash_table_remove (shared_models, real_path);
  }
  g_cond_broadcast (&shared_models_changed);
  g_mutex_unlock (&shared_models_lock);
  free (real_path);
  return model;
}

BertModel *
bert_model_ref (BertModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  g_atomic_int_inc (&BERT_MODEL_PRIVATE (model)->ref_count);
  return model;
}

void
bert_model_unref (BertModel *model)
{
  BertModelPrivate *priv;
  gboolean last;

  if (model == NULL)
    return;
  priv = BERT_MODEL_PRIVATE (model);
  if (!priv->in_shared_cache) {
    if (g_atomic_int_dec_and_test (&priv->ref_count))
      model_free (model);
    return;
  }
  g_mutex_lock (&shared_models_lock);
  last = g_atomic_int_dec_and_test (&priv->ref_count);
  if (last)
    g_hash_table_remove (shared_models, model->path);
  g_mutex_unlock (&shared_models_lock);
  if (last)
    model_free (model);
}

const char *
bert_model_get_warning (const BertModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  return BERT_MODEL_PRIVATE (model)->warning;
}

const BertTokenizer *
bert_model_get_tokenizer (const BertModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  return BERT_MODEL_PRIVATE (model)->tokenizer;
}
