/* bert_config.c: reads config.json and the sentence-transformers files of a model folder.
 *
 * config.json's model_type picks the family (BERT, DistilBERT, RoBERTa and its kin,
 * MPNet, ELECTRA), which names the fields to read.
 *
 * Every size is range-checked here, before the loader allocates anything from it.
 */
#include <json-glib/json-glib.h>
#include <string.h>

#include "bert_engine_private.h"
#include "bert_json_guards.h"
#include "bert_json_integers.h"
#include "bert_model_file.h"
#include "bert_position_bias.h"

JsonParser *
bert_json_load (const char *path, JsonNodeType root_type, GError **error)
{
  JsonParser *parser;
  GError *local_error = NULL;
  char *contents, *literal, *misreading;
  gsize length;
  guint deep_line;

  if (!bert_model_file_read (path, BERT_MODEL_FILE_MAX_JSON_BYTES, &contents, &length, &local_error)) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FILE, "%s", local_error->message);
    g_error_free (local_error);
    return NULL;
  }
  if ((misreading = bert_json_find_misreading (contents, length)) != NULL) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT, "%s:%s", path, misreading);
    g_free (misreading);
    g_free (contents);
    return NULL;
  }
  if ((deep_line = bert_json_find_oversized_integer (contents, length, &literal)) != 0) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
        "%s:%u: the integer %s does not fit in 64 bits", path, deep_line, literal);
    g_free (literal);
    g_free (contents);
    return NULL;
  }
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, contents, length, &local_error)) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT, "%s: invalid JSON: %s", path,
        local_error->message);
    g_error_free (local_error);
    g_clear_object (&parser);
  } else if (json_parser_get_root (parser) == NULL /* an empty document */
      || JSON_NODE_TYPE (json_parser_get_root (parser)) != root_type) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT, "%s: the document is not a JSON %s",
        path, root_type == JSON_NODE_ARRAY ? "array" : "object");
    g_clear_object (&parser);
  }
  g_free (contents);
  return parser;
}

static JsonObject *
parser_get_object (JsonParser *parser)
{
  return json_node_get_object (json_parser_get_root (parser));
}

static JsonNode *
get_value (JsonObject *object, const char *field, GType type)
{
  JsonNode *node = json_object_get_member (object, field);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return NULL;
  return node;
}

/* A string field, NULL when absent; FALSE (with error) when present but not a string. */
static gboolean
read_string (JsonObject *object, const char *path, const char *field, const char **value, GError **error)
{
  JsonNode *node = get_value (object, field, G_TYPE_STRING);

  *value = node ? json_node_get_string (node) : NULL;
  if (node == NULL && json_object_has_member (object, field)) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT, "%s: field '%s' is not a string", path,
        field);
    return FALSE;
  }
  return TRUE;
}

/* As read_string, a null value read as an absent one. */
static gboolean
read_nullable_string (JsonObject *object, const char *path, const char *field, const char **value,
    GError **error)
{
  JsonNode *node = json_object_get_member (object, field);

  *value = NULL;
  return (node != NULL && JSON_NODE_HOLDS_NULL (node)) || read_string (object, path, field, value, error);
}

static gboolean
read_size (JsonObject *object, const char *path, const char *field, gint64 max, int *value, GError **error)
{
  JsonNode *node = get_value (object, field, G_TYPE_INT64);
  gint64 number;

  if (node == NULL) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT, "%s: field '%s' is %s", path, field,
        json_object_has_member (object, field) ? "not an integer" : "missing");
    return FALSE;
  }
  number = json_node_get_int (node);
  if (number < 1 || number > max) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
        "%s: %s %" G_GINT64_FORMAT " is out of the supported range [1, %" G_GINT64_FORMAT "]", path, field,
        number, max);
    return FALSE;
  }
  *value = number;
  return TRUE;
}

/* The model types the engine runs, with the class name prefix of their heads. */
static const struct {
  const char *model_type, *class_prefix;
  BertFamily family;
} model_types[] = {
  { "bert", "Bert", BERT_FAMILY_BERT },
  { "distilbert", "DistilBert", BERT_FAMILY_DISTILBERT },
  { "roberta", "Roberta", BERT_FAMILY_ROBERTA },
  { "xlm-roberta", "XLMRoberta", BERT_FAMILY_ROBERTA },
  { "camembert", "Camembert", BERT_FAMILY_ROBERTA },
  { "mpnet", "MPNet", BERT_FAMILY_MPNET },
  { "electra", "Electra", BERT_FAMILY_ELECTRA },
  { "albert", "Albert", BERT_FAMILY_ALBERT },
};

#define SUPPORTED_MODEL_TYPES "bert, distilbert, roberta, xlm-roberta, camembert, mpnet, electra, albert"

/* The index in model_types of config.json's model_type. */
static gboolean
read_model_type (JsonObject *object, const char *path, guint *index, GError **error)
{
  const char *model_type;

  if (!read_string (object, path, "model_type", &model_type, error))
    return FALSE;
  for (*index = 0; model_type != NULL && *index < G_N_ELEMENTS (model_types); (*index)++)
    if (strcmp (model_type, model_types[*index].model_type) == 0)
      return TRUE;
  g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
      "%s: model_type is %s%s%s; the supported model types are " SUPPORTED_MODEL_TYPES, path,
      model_type ? "\"" : "", model_type ? model_type : "missing", model_type ? "\"" : "");
  return FALSE;
}

/* ELECTRA's and ALBERT's embedding_size: the width of their embedding tables. Absent, it
 * is ElectraConfig's and AlbertConfig's default, 128, not hidden_size (as transformers
 * reads such a config.json). ElectraModel projects the tables' LayerNorm to hidden_size
 * where the two differ, AlbertModel always (embedding_hidden_mapping_in). Other families'
 * tables are hidden_size wide. */
#define EMBEDDING_SIZE_DEFAULT 128

static gboolean
read_input_embedding_size (BertConfig *config, JsonObject *object, const char *path, GError **error)
{
  config->input_embedding_size = config->hidden_size;
  config->projects_embeddings = FALSE;
  if (config->family != BERT_FAMILY_ELECTRA && config->family != BERT_FAMILY_ALBERT)
    return TRUE;
  config->input_embedding_size = EMBEDDING_SIZE_DEFAULT;
  if (json_object_has_member (object, "embedding_size")
      && !read_size (object, path, "embedding_size", BERT_MAX_HIDDEN_SIZE, &config->input_embedding_size,
          error))
    return FALSE;
  config->projects_embeddings =
      config->family == BERT_FAMILY_ALBERT || config->input_embedding_size != config->hidden_size;
  return TRUE;
}

/* ALBERT's layer groups: num_hidden_layers passes, pass i through the inner_group_num
 * layers of group int (i / (num_hidden_layers / num_hidden_groups)), each group's layers
 * shared by all its passes. BertConfig.num_layers counts the layers run, passes times
 * inner_group_num; other families have one group of one layer per pass, unshared. */
static gboolean
read_layer_groups (BertConfig *config, JsonObject *object, const char *path, GError **error)
{
  config->num_hidden_groups = config->num_layers;
  config->inner_group_num = 1;
  if (config->family != BERT_FAMILY_ALBERT)
    return TRUE;
  config->num_hidden_groups = 1;
  if ((json_object_has_member (object, "num_hidden_groups")
          && !read_size (object, path, "num_hidden_groups", BERT_MAX_LAYERS, &config->num_hidden_groups,
              error))
      || (json_object_has_member (object, "inner_group_num")
          && !read_size (object, path, "inner_group_num", BERT_MAX_LAYERS, &config->inner_group_num, error)))
    return FALSE;
  if ((gint64) config->num_layers * config->inner_group_num > BERT_MAX_LAYERS) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
        "%s: num_hidden_layers %d x inner_group_num %d runs more than %d layers", path, config->num_layers,
        config->inner_group_num, BERT_MAX_LAYERS);
    return FALSE;
  }
  config->num_layers *= config->inner_group_num;
  return TRUE;
}

/* config.json's names of the sizes: BertConfig's (also RoBERTa's, MPNet's and ELECTRA's),
 * DistilBertConfig's. */
static gboolean
read_sizes (BertConfig *config, JsonObject *object, const char *path, GError **error)
{
  gboolean distilbert = config->family == BERT_FAMILY_DISTILBERT;

  if (!read_size (object, path, distilbert ? "dim" : "hidden_size", BERT_MAX_HIDDEN_SIZE,
          &config->hidden_size, error)
      || !read_size (object, path, distilbert ? "n_layers" : "num_hidden_layers", BERT_MAX_LAYERS,
          &config->num_layers, error)
      || !read_size (object, path, distilbert ? "n_heads" : "num_attention_heads", BERT_MAX_HIDDEN_SIZE,
          &config->num_heads, error)
      || !read_size (object, path, distilbert ? "hidden_dim" : "intermediate_size",
          BERT_MAX_INTERMEDIATE_SIZE, &config->intermediate_size, error)
      || !read_size (object, path, "max_position_embeddings", BERT_MAX_POSITIONS,
          &config->max_position_embeddings, error)
      || !read_size (object, path, "vocab_size", BERT_MAX_VOCAB, &config->vocab_size, error)
      || !read_input_embedding_size (config, object, path, error)
      || !read_layer_groups (config, object, path, error))
    return FALSE;
  config->uses_type_ids = config->family == BERT_FAMILY_BERT || config->family == BERT_FAMILY_ELECTRA
      || config->family == BERT_FAMILY_ALBERT;
  /* DistilBERT and MPNet have no token type table; RoBERTa's tokenizers give the model no
   * type ids, so it always adds the table's row 0. */
  return distilbert || config->family == BERT_FAMILY_MPNET
      || read_size (object, path, "type_vocab_size", BERT_MAX_TYPE_VOCAB, &config->type_vocab_size, error);
}

/* RoBERTa numbers positions from padding_idx + 1 (pad_token_id, 1 unless set), so its
 * table has padding_idx + 1 rows more than a sequence can use. So does MPNet, whose
 * padding_idx is 1 whatever pad_token_id says (MPNetEmbeddings sets it so). */
static gboolean
read_position_offset (BertConfig *config, JsonObject *object, const char *path, GError **error)
{
  JsonNode *node =
      config->family == BERT_FAMILY_ROBERTA ? json_object_get_member (object, "pad_token_id") : NULL;
  gint64 padding_idx = 1;

  if (config->family != BERT_FAMILY_ROBERTA && config->family != BERT_FAMILY_MPNET)
    return TRUE;
  if (node != NULL && get_value (object, "pad_token_id", G_TYPE_INT64) == NULL) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: field 'pad_token_id' is not an integer", path);
    return FALSE;
  }
  if (node != NULL)
    padding_idx = json_node_get_int (node);
  /* Compared without adding 1, which overflows at pad_token_id 2^63 - 1. */
  if (padding_idx < 0 || padding_idx >= config->max_position_embeddings - 1) {
    if (config->family == BERT_FAMILY_MPNET)
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
          "%s: max_position_embeddings %d leaves no position (MPNet's positions start at 2)", path,
          config->max_position_embeddings);
    else
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
          "%s: pad_token_id %" G_GINT64_FORMAT " leaves no position of max_position_embeddings %d "
          "(RoBERTa's positions start at pad_token_id + 1)",
          path, padding_idx, config->max_position_embeddings);
    return FALSE;
  }
  config->position_offset = padding_idx + 1;
  config->max_position_embeddings -= config->position_offset;
  return TRUE;
}

/* MPNet's relative_attention_num_buckets: the rows of its bias table, of which
 * transformers reads the first BERT_MPNET_RELATIVE_BUCKETS whatever the number (see
 * bert_position_bias.h); with fewer, transformers' lookup fails. */
static gboolean
read_relative_attention (BertConfig *config, JsonObject *object, const char *path, GError **error)
{
  if (config->family != BERT_FAMILY_MPNET)
    return TRUE;
  if (!read_size (object, path, "relative_attention_num_buckets", BERT_MAX_POSITIONS,
          &config->relative_attention_num_buckets, error))
    return FALSE;
  if (config->relative_attention_num_buckets < BERT_MPNET_RELATIVE_BUCKETS) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
        "%s: relative_attention_num_buckets %d is below %d: MPNet computes %d relative position "
        "buckets whatever the config says, and transformers' lookup fails past the table's end",
        path, config->relative_attention_num_buckets, BERT_MPNET_RELATIVE_BUCKETS,
        BERT_MPNET_RELATIVE_BUCKETS);
    return FALSE;
  }
  return TRUE;
}

static gboolean
read_layer_norm_eps (BertConfig *config, JsonObject *object, const char *path, GError **error)
{
  JsonNode *node = json_object_get_member (object, "layer_norm_eps");
  double eps;

  /* BertConfig's default, and DistilBERT's LayerNorm eps, which its config cannot set. */
  config->layer_norm_eps = 1e-12f;
  if (node == NULL || config->family == BERT_FAMILY_DISTILBERT)
    return TRUE;
  if (get_value (object, "layer_norm_eps", G_TYPE_DOUBLE) == NULL
      && get_value (object, "layer_norm_eps", G_TYPE_INT64) == NULL) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: field 'layer_norm_eps' is not a number", path);
    return FALSE;
  }
  eps = json_node_get_double (node);
  if (!(eps > 0 && eps < 1)) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
        "%s: layer_norm_eps %g is outside (0, 1)", path, eps);
    return FALSE;
  }
  config->layer_norm_eps = eps;
  return TRUE;
}

/* The names of transformers' ACT2FN that the FFN activation can take, and what each
 * computes. The tanh approximations differ only in how they write the constant
 * sqrt (2 / pi) (gelu_fast: 0.7978845608) or the cube, below fp32's rounding. */
static const struct {
  const char *name;
  BertActivation activation;
} hidden_activations[] = {
  { "gelu", BERT_ACTIVATION_GELU },
  { "gelu_python", BERT_ACTIVATION_GELU }, /* the same erf GELU, written in Python */
  { "gelu_new", BERT_ACTIVATION_GELU_TANH },
  { "gelu_pytorch_tanh", BERT_ACTIVATION_GELU_TANH },
  { "gelu_python_tanh", BERT_ACTIVATION_GELU_TANH },
  { "gelu_fast", BERT_ACTIVATION_GELU_TANH },
  { "gelu_accurate", BERT_ACTIVATION_GELU_TANH },
  { "relu", BERT_ACTIVATION_RELU },
  { "silu", BERT_ACTIVATION_SILU },
  { "swish", BERT_ACTIVATION_SILU },
  { "quick_gelu", BERT_ACTIVATION_QUICK_GELU },
};

/* The FFN activation that field (hidden_act; DistilBERT: activation) names; transformers'
 * default when absent: erf GELU, ALBERT's gelu_new. */
static gboolean
read_hidden_activation (BertConfig *config, JsonObject *object, const char *path, const char *field,
    GError **error)
{
  const char *name;
  GString *supported;

  config->hidden_act =
      config->family == BERT_FAMILY_ALBERT ? BERT_ACTIVATION_GELU_TANH : BERT_ACTIVATION_GELU;
  if (!read_string (object, path, field, &name, error))
    return FALSE;
  if (name == NULL)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (hidden_activations); i++) {
    if (strcmp (name, hidden_activations[i].name) == 0) {
      config->hidden_act = hidden_activations[i].activation;
      return TRUE;
    }
  }
  supported = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (hidden_activations); i++)
    g_string_append_printf (supported, "%s\"%s\"", i > 0 ? ", " : "", hidden_activations[i].name);
  g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
      "%s: %s \"%s\" is not supported, only %s", path, field, name, supported->str);
  g_string_free (supported, TRUE);
  return FALSE;
}

static gboolean
read_flag (JsonObject *object, const char *field)
{
  JsonNode *node = get_value (object, field, G_TYPE_BOOLEAN);

  return node != NULL && json_node_get_boolean (node);
}

/* DistilBERT's activation names what we can compute. sinusoidal_pos_embds true (as
 * BandaiNamcoResearchInc/DistilBERT-base-jp has it) only initialises the position table;
 * the checkpoint holds the table, which transformers loads as it is and so does the
 * engine. */
static gboolean
check_distilbert (BertConfig *config, JsonObject *object, const char *path, GError **error)
{
  return read_hidden_activation (config, object, path, "activation", error);
}

/* hidden_act and position_embedding_type (DistilBERT: its own fields) name what we can
 * compute. MPNetConfig has no position_embedding_type: MPNet ignores one. So does
 * transformers 5's AlbertModel, whose embeddings are absolute whatever the field says. */
static gboolean
check_architecture (BertConfig *config, JsonObject *object, const char *path, GError **error)
{
  const char *position_embedding_type;
  gboolean bidirectional_always = config->family == BERT_FAMILY_MPNET || config->family == BERT_FAMILY_ALBERT;

  if (config->family == BERT_FAMILY_DISTILBERT)
    return check_distilbert (config, object, path, error);
  if (!read_hidden_activation (config, object, path, "hidden_act", error)
      || !read_string (object, path, "position_embedding_type", &position_embedding_type, error))
    return FALSE;
  /* A decoder's self-attention is causal: each token sees only those before it. BERT's
   * and RoBERTa's code reads is_decoder; MPNet's and ALBERT's (as DistilBERT's) build
   * their attention mask bidirectional whatever the flag says, so there it changes nothing. */
  if (!bidirectional_always && read_flag (object, "is_decoder")) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
        "%s: is_decoder is true (causal attention); only encoders are supported", path);
    return FALSE;
  }
  if (!bidirectional_always && position_embedding_type != NULL
      && strcmp (position_embedding_type, "absolute") != 0) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
        "%s: position_embedding_type \"%s\" is not supported, only \"absolute\"", path,
        position_embedding_type);
    return FALSE;
  }
  return TRUE;
}

/* The head a class name such as BertForSequenceClassification names, if any. Another
 * task's class (ForMultipleChoice, ForQuestionAnswering, ForMaskedLM...) names a head the
 * engine does not run: its encoder runs, as sentence-transformers loads such a checkpoint,
 * and its tensors are not read as a classifier (a multiple-choice scorer's one-row
 * classifier is no one-label sequence classifier). */
static gboolean
head_of_class (const char *name, const char *class_prefix, BertHead *head)
{
  gsize length = strlen (class_prefix);

  if (strncmp (name, class_prefix, length) != 0 || !g_str_has_prefix (name + length, "For"))
    return FALSE;
  if (strcmp (name + length, "ForSequenceClassification") == 0)
    *head = BERT_HEAD_SEQUENCE_CLASSIFIER;
  else if (strcmp (name + length, "ForTokenClassification") == 0)
    *head = BERT_HEAD_TOKEN_CLASSIFIER;
  else
    *head = BERT_HEAD_ENCODER;
  return TRUE;
}

/* The head the architectures list names; FALSE in *named when none does. */
static gboolean
read_architectures (BertConfig *config, const char *class_prefix, gboolean *named, JsonObject *object,
    const char *path, GError **error)
{
  JsonNode *node = json_object_get_member (object, "architectures");
  JsonArray *names;

  config->head = BERT_HEAD_ENCODER;
  *named = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node)) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: field 'architectures' is not an array", path);
    return FALSE;
  }
  names = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (names); i++) {
    JsonNode *element = json_array_get_element (names, i);

    BertHead head;

    /* A classifier named anywhere in the list wins over another task's class. */
    if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING
        && head_of_class (json_node_get_string (element), class_prefix, &head)) {
      if (!*named || head != BERT_HEAD_ENCODER)
        config->head = head;
      *named = TRUE;
    }
  }
  return TRUE;
}

/* id2label: {"0": "NEGATIVE", "1": "POSITIVE"}; keys must be exactly 0..n-1. */
static gboolean
read_id2label (BertConfig *config, JsonObject *object, const char *path, GError **error)
{
  JsonNode *node = json_object_get_member (object, "id2label");
  JsonObjectIter iter;
  JsonObject *labels;
  const char *key;
  JsonNode *value;
  guint n_labels;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT, "%s: field 'id2label' is not an object",
        path);
    return FALSE;
  }
  labels = json_node_get_object (node);
  n_labels = json_object_get_size (labels);
  /* {} names no label: as without id2label, the classifier's rows give the labels. */
  if (n_labels == 0)
    return TRUE;
  if (n_labels > BERT_MAX_LABELS) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
        "%s: id2label has %u labels, more than %d", path, n_labels, BERT_MAX_LABELS);
    return FALSE;
  }
  config->id2label = g_new0 (char *, n_labels + 1);
  config->num_labels = n_labels;
  json_object_iter_init (&iter, labels);
  while (json_object_iter_next (&iter, &key, &value)) {
    guint64 id;

    if (!g_ascii_string_to_unsigned (key, 10, 0, n_labels - 1, &id, NULL) || config->id2label[id] != NULL
        || !JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING) {
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
          "%s: id2label entry \"%s\" is not a unique id in [0, %u) with a string label", path, key, n_labels);
      return FALSE;
    }
    config->id2label[id] = g_strdup (json_node_get_string (value));
  }
  return TRUE;
}

/* transformers' text-classification pipeline: no function for problem_type regression
 * (the score is the raw logit), a sigmoid per label for multi_label_classification and
 * for one label (a softmax over one logit is always 1), else a softmax. */
static gboolean
read_problem_type (BertConfig *config, JsonObject *object, const char *path, GError **error)
{
  const char *problem_type;

  if (!read_string (object, path, "problem_type", &problem_type, error))
    return FALSE;
  if (problem_type != NULL && strcmp (problem_type, "regression") != 0
      && strcmp (problem_type, "single_label_classification") != 0
      && strcmp (problem_type, "multi_label_classification") != 0) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: problem_type \"%s\" is none of regression, single_label_classification and "
        "multi_label_classification",
        path, problem_type);
    return FALSE;
  }
  if (g_strcmp0 (problem_type, "regression") == 0)
    config->score_function = BERT_SCORES_IDENTITY;
  else if (g_strcmp0 (problem_type, "multi_label_classification") == 0 || config->num_labels == 1)
    config->score_function = BERT_SCORES_SIGMOID;
  else
    config->score_function = BERT_SCORES_SOFTMAX;
  return TRUE;
}

/* A sentence-transformers CrossEncoder's activation_fn, a torch class path: the
 * CrossEncoder scores by it whatever problem_type says. Only torch.* paths, as
 * sentence-transformers loads no other without trust_remote_code. Where it was read is
 * kept for the warning of a token classifier, which does not score by it (bert_model.c). */
static gboolean
set_score_function_of_activation (BertConfig *config, const char *activation, const char *path,
    const char *field, GError **error)
{
  static const struct {
    const char *name;
    BertScoreFunction score_function;
  } functions[] = {
    { "torch.nn.modules.activation.Sigmoid", BERT_SCORES_SIGMOID },
    { "torch.nn.Sigmoid", BERT_SCORES_SIGMOID },
    { "torch.nn.modules.linear.Identity", BERT_SCORES_IDENTITY },
    { "torch.nn.Identity", BERT_SCORES_IDENTITY },
    { "torch.nn.modules.activation.Tanh", BERT_SCORES_TANH },
    { "torch.nn.Tanh", BERT_SCORES_TANH },
  };

  for (guint i = 0; i < G_N_ELEMENTS (functions); i++) {
    if (strcmp (activation, functions[i].name) == 0) {
      config->score_function = functions[i].score_function;
      g_free (config->cross_encoder_activation);
      config->cross_encoder_activation = g_strdup_printf ("%s: %s \"%s\"", path, field, activation);
      return TRUE;
    }
  }
  g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
      "%s: %s \"%s\" is not supported (only torch.nn's Sigmoid, Identity and Tanh)", path, field, activation);
  return FALSE;
}

/* sentence-transformers 4 and 5 write {"sentence_transformers": {"activation_fn": ...}}
 * in config.json, earlier versions "sbert_ce_default_activation_function"; the first
 * wins, as in CrossEncoder.get_default_activation_fn. */
static gboolean
read_cross_encoder_activation (BertConfig *config, JsonObject *object, const char *path, GError **error)
{
  JsonNode *node = json_object_get_member (object, "sentence_transformers");
  const char *activation = NULL, *field = "sbert_ce_default_activation_function";

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node)
      && json_object_has_member (json_node_get_object (node), "activation_fn")) {
    field = "sentence_transformers.activation_fn";
    if (!read_nullable_string (json_node_get_object (node), path, "activation_fn", &activation, error))
      return FALSE;
  } else if (!read_nullable_string (object, path, field, &activation, error)) {
    return FALSE;
  }
  return activation == NULL || set_score_function_of_activation (config, activation, path, field, error);
}

/* What runs between a sequence classifier's two Linear layers: BERT's pooler and
 * RobertaClassificationHead (also MPNet's) tanh, DistilBERT ReLU, and
 * ElectraClassificationHead the erf GELU, get_activation ("gelu"), whatever hidden_act says. */
static BertActivation
classifier_activation_of (BertFamily family)
{
  switch (family) {
    case BERT_FAMILY_DISTILBERT: return BERT_ACTIVATION_RELU;
    case BERT_FAMILY_ELECTRA: return BERT_ACTIVATION_GELU;
    default: return BERT_ACTIVATION_TANH;
  }
}

static gboolean
read_config (BertConfig *config, gboolean *head_from_architectures, JsonObject *object, const char *path,
    GError **error)
{
  guint type;

  if (!read_model_type (object, path, &type, error))
    return FALSE;
  config->family = model_types[type].family;
  config->classifier_activation = classifier_activation_of (config->family);
  return check_architecture (config, object, path, error) && read_sizes (config, object, path, error)
      && read_position_offset (config, object, path, error)
      && read_relative_attention (config, object, path, error)
      && read_layer_norm_eps (config, object, path, error)
      && read_architectures (config, model_types[type].class_prefix, head_from_architectures, object, path,
          error)
      && read_id2label (config, object, path, error) && read_problem_type (config, object, path, error)
      && read_cross_encoder_activation (config, object, path, error);
}

gboolean
bert_config_load (BertConfig *config, gboolean *head_from_architectures, const char *folder, GError **error)
{
  char *path = g_build_filename (folder, "config.json", NULL);
  JsonParser *parser = bert_json_load (path, JSON_NODE_OBJECT, error);
  gboolean ok;

  memset (config, 0, sizeof *config);
  if (parser == NULL) {
    g_free (path);
    return FALSE;
  }
  ok = read_config (config, head_from_architectures, parser_get_object (parser), path, error);
  if (ok && config->hidden_size % config->num_heads != 0) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: the number of attention heads %d does not divide the hidden size %d", path, config->num_heads,
        config->hidden_size);
    ok = FALSE;
  }
  config->pooling = bert_poolings_single (BERT_POOLING_MEAN);
  config->max_seq_length = config->max_position_embeddings;
  g_object_unref (parser);
  g_free (path);
  return ok;
}

/* Not g_strfreev: a malformed id2label leaves holes before its error. */
void
bert_config_clear (BertConfig *config)
{
  for (int i = 0; config->id2label != NULL && i < config->num_labels; i++)
    g_free (config->id2label[i]);
  g_free (config->id2label);
  config->id2label = NULL;
  config->num_labels = 0;
  g_clear_pointer (&config->cross_encoder_activation, g_free);
}

/* sentence-transformers' pooling modes, in the order in which it concatenates them: by
 * their name in "pooling_mode" (sentence-transformers 6) and by their flag before it. */
static const struct {
  const char *name, *flag;
  BertPooling pooling;
} pooling_modes[] = {
  { "cls", "pooling_mode_cls_token", BERT_POOLING_CLS },
  { "max", "pooling_mode_max_tokens", BERT_POOLING_MAX },
  { "mean", "pooling_mode_mean_tokens", BERT_POOLING_MEAN },
  { "mean_sqrt_len_tokens", "pooling_mode_mean_sqrt_len_tokens", BERT_POOLING_MEAN_SQRT_LEN },
  { "weightedmean", "pooling_mode_weightedmean_tokens", BERT_POOLING_WEIGHTED_MEAN },
  { "lasttoken", "pooling_mode_lasttoken", BERT_POOLING_LAST_TOKEN },
};
G_STATIC_ASSERT (G_N_ELEMENTS (pooling_modes) <= BERT_MAX_POOLINGS);

/* Appends one mode name of sentence-transformers 6's "pooling_mode" to the pooling. */
static gboolean
add_pooling_mode (BertConfig *config, const char *mode, const char *path, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (pooling_modes); i++) {
    if (g_strcmp0 (mode, pooling_modes[i].name) == 0) {
      config->pooling.modes[config->pooling.n_modes++] = pooling_modes[i].pooling;
      return TRUE;
    }
  }
  GString *names = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (pooling_modes); i++)
    g_string_append_printf (names, "%s%s",
        i == 0                                     ? ""
            : i + 1 < G_N_ELEMENTS (pooling_modes) ? ", "
                                                   : " or ",
        pooling_modes[i].name);
  g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
      "%s: pooling_mode %s is not supported (only %s)", path, mode ? mode : "(not a string)", names->str);
  g_string_free (names, TRUE);
  return FALSE;
}

static const char *
node_get_string_or_null (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
      ? json_node_get_string (node)
      : NULL;
}

/* "pooling_mode": a mode name, or a list of them whose results sentence-transformers
 * concatenates in the list's order (a mode may repeat). An empty list would make
 * sentence-transformers fail on its first text, so it is refused here. */
static gboolean
read_pooling_mode (BertConfig *config, JsonNode *node, const char *path, GError **error)
{
  JsonArray *modes;

  config->pooling.n_modes = 0;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return add_pooling_mode (config, node_get_string_or_null (node), path, error);
  modes = json_node_get_array (node);
  if (json_array_get_length (modes) == 0 || json_array_get_length (modes) > BERT_MAX_POOLINGS) {
    g_set_error (error, BERT_ENGINE_ERROR,
        json_array_get_length (modes) == 0 ? BERT_ENGINE_ERROR_FORMAT : BERT_ENGINE_ERROR_UNSUPPORTED,
        "%s: pooling_mode lists %u modes (only 1 to %d are supported)", path, json_array_get_length (modes),
        BERT_MAX_POOLINGS);
    return FALSE;
  }
  for (guint i = 0; i < json_array_get_length (modes); i++)
    if (!add_pooling_mode (config, node_get_string_or_null (json_array_get_element (modes, i)), path, error))
      return FALSE;
  return TRUE;
}

/* A flag that is neither a boolean nor null is refused: sentence-transformers tests its
 * truth as Python does, so "false" or 0 would be read otherwise than written. */
static gboolean
check_pooling_flags_are_booleans (JsonObject *object, const char *path, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (pooling_modes); i++) {
    JsonNode *node = json_object_get_member (object, pooling_modes[i].flag);

    if (node != NULL && !JSON_NODE_HOLDS_NULL (node)
        && get_value (object, pooling_modes[i].flag, G_TYPE_BOOLEAN) == NULL) {
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
          "%s: %s is not a boolean (true or false)", path, pooling_modes[i].flag);
      return FALSE;
    }
  }
  return TRUE;
}

/* Before sentence-transformers 6: one boolean per mode. None true is mean pooling, as
 * sentence-transformers 6 reads it; several true concatenate their results in the
 * order of pooling_modes. */
static gboolean
read_pooling_flags (BertConfig *config, JsonObject *object, const char *path, GError **error)
{
  if (!check_pooling_flags_are_booleans (object, path, error))
    return FALSE;
  config->pooling.n_modes = 0;
  for (guint i = 0; i < G_N_ELEMENTS (pooling_modes); i++)
    if (read_flag (object, pooling_modes[i].flag))
      config->pooling.modes[config->pooling.n_modes++] = pooling_modes[i].pooling;
  if (config->pooling.n_modes == 0)
    config->pooling = bert_poolings_single (BERT_POOLING_MEAN);
  return TRUE;
}

/* word_embedding_dimension (embedding_dimension from sentence-transformers 6) is the width of
 * the token vectors Pooling takes: another number than the hidden size means that the
 * module was saved for another encoder than this folder's. */
static gboolean
check_pooling_dimension (const BertConfig *config, JsonObject *object, const char *path, GError **error)
{
  static const char *fields[] = { "word_embedding_dimension", "embedding_dimension" };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++) {
    JsonNode *node = json_object_get_member (object, fields[i]);

    if (node == NULL || JSON_NODE_HOLDS_NULL (node))
      continue;
    if (get_value (object, fields[i], G_TYPE_INT64) == NULL) {
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT, "%s: field '%s' is not an integer",
          path, fields[i]);
      return FALSE;
    }
    if (json_node_get_int (node) != config->hidden_size) {
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_SHAPE,
          "%s: %s is %" G_GINT64_FORMAT ", but the model's hidden size is %d: this Pooling module belongs "
          "to another encoder",
          path, fields[i], json_node_get_int (node), config->hidden_size);
      return FALSE;
    }
  }
  return TRUE;
}

/* "output_key" (NoInstruct-small-Embedding-v0's second Pooling module writes
 * "query_embedding") pools into another output than the sentence embedding, which
 * sentence-transformers 6 refuses and older versions ignore: either way not what the
 * folder means, so it is refused unless it names the sentence embedding. */
static gboolean
check_pooling_output (JsonObject *object, const char *path, GError **error)
{
  const char *output_key;

  if (!read_string (object, path, "output_key", &output_key, error))
    return FALSE;
  if (output_key != NULL && strcmp (output_key, "sentence_embedding") != 0) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
        "%s: output_key \"%s\" is not supported (only \"sentence_embedding\")", path, output_key);
    return FALSE;
  }
  return TRUE;
}

/* 1_Pooling/config.json. include_prompt false (as INSTRUCTOR models and some e5, gte and
 * bge variants have it): pooling leaves out the prompt's tokens, which callers count
 * (BertPackedInput.prompt_lengths). A value that is not a boolean is refused rather than
 * read as true, since either reading changes every embedding. */
static gboolean
read_pooling (BertConfig *config, const char *path, GError **error)
{
  JsonParser *parser = bert_json_load (path, JSON_NODE_OBJECT, error);
  JsonObject *object;
  JsonNode *include_prompt;
  gboolean ok;

  if (parser == NULL)
    return FALSE;
  object = parser_get_object (parser);
  include_prompt = json_object_get_member (object, "include_prompt");
  if (include_prompt != NULL && get_value (object, "include_prompt", G_TYPE_BOOLEAN) == NULL) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: include_prompt is not a boolean (true or false)", path);
    ok = FALSE;
  } else if (!check_pooling_output (object, path, error)
      || !check_pooling_dimension (config, object, path, error)) {
    ok = FALSE;
  } else if (json_object_has_member (object, "pooling_mode")) {
    ok = read_pooling_mode (config, json_object_get_member (object, "pooling_mode"), path, error);
  } else {
    ok = read_pooling_flags (config, object, path, error);
  }
  config->pooling_excludes_prompt = ok && include_prompt != NULL && !json_node_get_boolean (include_prompt);
  g_object_unref (parser);
  return ok;
}

/* The last component of a module type: "sentence_transformers.models.Pooling" -> "Pooling". */
static const char *
module_kind (const char *type)
{
  const char *dot = strrchr (type, '.');

  return dot ? dot + 1 : type;
}

/* "torch.nn.modules.activation.Tanh" (what sentence-transformers writes) or any other
 * path ending in one of these class names. */
static gboolean
read_activation (JsonObject *object, const char *path, BertActivation *activation, GError **error)
{
  static const struct {
    const char *name;
    BertActivation activation;
  } activations[] = {
    { "Identity", BERT_ACTIVATION_IDENTITY },
    { "Tanh", BERT_ACTIVATION_TANH },
    { "ReLU", BERT_ACTIVATION_RELU },
    { "Sigmoid", BERT_ACTIVATION_SIGMOID },
    { "GELU", BERT_ACTIVATION_GELU },
  };
  const char *name;

  if (!read_string (object, path, "activation_function", &name, error))
    return FALSE;
  /* sentence-transformers' default when the field is absent. */
  *activation = BERT_ACTIVATION_TANH;
  if (name == NULL)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (activations); i++) {
    if (strcmp (module_kind (name), activations[i].name) == 0 && g_str_has_prefix (name, "torch.")) {
      *activation = activations[i].activation;
      return TRUE;
    }
  }
  g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
      "%s: activation_function %s is not supported (only torch.nn's Identity, Tanh, ReLU, Sigmoid and GELU)",
      path, name);
  return FALSE;
}

/* Options of the Dense module that change its result and that the engine does not have. */
static gboolean
check_dense_options (JsonObject *object, const char *path, GError **error)
{
  const char *input_name = NULL, *output_name = NULL;

  if (read_flag (object, "use_residual")) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
        "%s: use_residual true is not supported", path);
    return FALSE;
  }
  if (!read_string (object, path, "module_input_name", &input_name, error)
      || !read_string (object, path, "module_output_name", &output_name, error))
    return FALSE;
  if (g_strcmp0 (input_name ? input_name : "sentence_embedding", "sentence_embedding") != 0
      || g_strcmp0 (output_name ? output_name : "sentence_embedding", "sentence_embedding") != 0) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
        "%s: a Dense module on '%s' into '%s' is not supported (only on the sentence embedding)", path,
        input_name ? input_name : "sentence_embedding", output_name ? output_name : "sentence_embedding");
    return FALSE;
  }
  return TRUE;
}

/* A Dense module's config.json; its in_features must be the width of what comes before it. */
static gboolean
read_dense_config (BertDenseConfig *dense, int in_width, const char *in_source, const char *path,
    GError **error)
{
  JsonParser *parser = bert_json_load (path, JSON_NODE_OBJECT, error);
  JsonObject *object;
  JsonNode *bias;
  gboolean ok;

  if (parser == NULL)
    return FALSE;
  object = parser_get_object (parser);
  bias = get_value (object, "bias", G_TYPE_BOOLEAN);
  dense->bias = bias == NULL || json_node_get_boolean (bias);
  ok = read_size (object, path, "in_features", BERT_MAX_HIDDEN_SIZE * BERT_MAX_POOLINGS, &dense->in_features,
           error)
      && read_size (object, path, "out_features", BERT_MAX_HIDDEN_SIZE, &dense->out_features, error)
      && read_activation (object, path, &dense->activation, error)
      && check_dense_options (object, path, error);
  g_object_unref (parser);
  if (ok && dense->in_features != in_width) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_SHAPE,
        "%s: in_features is %d, but the embedding before this module has %d values (%s)", path,
        dense->in_features, in_width, in_source);
    return FALSE;
  }
  return ok;
}

/* Where modules.json has reached: Dense modules go between Pooling and Normalize; the
 * first Transformer module is the encoder. */
typedef struct {
  gboolean pooling_seen;
  const char *transformer_path;
} ModulesOrder;

static gboolean
read_dense_module (BertConfig *config, const ModulesOrder *order, const char *folder, const char *module_path,
    const char *path, GError **error)
{
  BertDenseConfig *dense = &config->dense[config->num_dense];
  char *config_path, *in_source;
  gboolean ok;

  if (!order->pooling_seen || config->normalize || config->num_dense == BERT_MAX_DENSE_MODULES) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
        "%s: Dense module '%s' is not supported there (only up to %d, after Pooling and before Normalize)",
        path, module_path, BERT_MAX_DENSE_MODULES);
    return FALSE;
  }
  config_path = g_build_filename (folder, module_path, "config.json", NULL);
  in_source = config->num_dense > 0
      ? g_strdup_printf ("the out_features of Dense module '%s'", config->dense[config->num_dense - 1].path)
      : g_strdup_printf ("Pooling's %d mode%s of the hidden size %d", config->pooling.n_modes,
          config->pooling.n_modes > 1 ? "s" : "", config->hidden_size);
  ok = read_dense_config (dense, bert_config_get_embedding_size (config), in_source, config_path, error);
  g_free (in_source);
  g_free (config_path);
  dense->path = g_build_filename (folder, module_path, NULL);
  config->num_dense++;
  return ok;
}

/* A second Transformer module would run on the first one's output in
 * sentence-transformers; the engine runs one encoder, so such a folder is refused rather
 * than run as if the second were not there. */
static gboolean
read_transformer_module (ModulesOrder *order, const char *module_path, const char *path, GError **error)
{
  if (order->transformer_path != NULL) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
        "%s: a second Transformer module (path \"%s\", after the one at \"%s\") is not supported: "
        "sentence-transformers would run it on the first one's output, the engine runs one encoder",
        path, module_path ? module_path : "", order->transformer_path);
    return FALSE;
  }
  order->transformer_path = module_path ? module_path : "";
  return TRUE;
}

static gboolean
read_module (BertConfig *config, ModulesOrder *order, JsonNode *node, const char *folder, const char *path,
    GError **error)
{
  JsonObject *module = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  const char *type = NULL, *module_path = NULL;
  char *pooling_path;
  gboolean ok;

  if (module == NULL || !read_string (module, path, "type", &type, NULL)
      || !read_string (module, path, "path", &module_path, NULL) || type == NULL) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_FORMAT,
        "%s: a module is not an object with a string 'type'", path);
    return FALSE;
  }
  if (strcmp (module_kind (type), "Transformer") == 0)
    return read_transformer_module (order, module_path, path, error);
  if (strcmp (module_kind (type), "Normalize") == 0) {
    config->normalize = TRUE;
    return TRUE;
  }
  if (strcmp (module_kind (type), "Dense") == 0 && module_path != NULL)
    return read_dense_module (config, order, folder, module_path, path, error);
  if (strcmp (module_kind (type), "Pooling") != 0 || module_path == NULL) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
        "%s: module %s is not supported (only Transformer, Pooling, Dense and Normalize)", path, type);
    return FALSE;
  }
  pooling_path = g_build_filename (folder, module_path, "config.json", NULL);
  ok = read_pooling (config, pooling_path, error);
  order->pooling_seen = TRUE;
  g_free (pooling_path);
  return ok;
}

static gboolean
read_modules (BertConfig *config, const char *folder, const char *path, GError **error)
{
  ModulesOrder order = { FALSE, NULL };
  JsonParser *parser;
  JsonNode *root;
  gboolean ok = TRUE;

  parser = bert_json_load (path, JSON_NODE_ARRAY, error);
  if (parser == NULL)
    return FALSE;
  root = json_parser_get_root (parser);
  for (guint i = 0; ok && i < json_array_get_length (json_node_get_array (root)); i++)
    ok = read_module (config, &order, json_array_get_element (json_node_get_array (root), i), folder, path,
        error);
  g_object_unref (parser);
  return ok;
}

/* sentence-transformers 6 saves a CrossEncoder's activation_fn in
 * config_sentence_transformers.json, and reads it there before config.json's. */
static gboolean
read_saved_cross_encoder_activation (BertConfig *config, const char *path, GError **error)
{
  JsonParser *parser = bert_json_load (path, JSON_NODE_OBJECT, error);
  const char *activation;
  gboolean ok;

  if (parser == NULL)
    return FALSE;
  ok = read_nullable_string (parser_get_object (parser), path, "activation_fn", &activation, error)
      && (activation == NULL
          || set_score_function_of_activation (config, activation, path, "activation_fn", error));
  g_object_unref (parser);
  return ok;
}

gboolean
bert_config_load_sentence_transformers (BertConfig *config, const char *folder, GError **error)
{
  char *modules_path = g_build_filename (folder, "modules.json", NULL);
  char *pooling_path = g_build_filename (folder, "1_Pooling", "config.json", NULL);
  char *saved_config_path = g_build_filename (folder, "config_sentence_transformers.json", NULL);
  gboolean ok = TRUE;

  if (bert_model_file_exists (modules_path))
    ok = read_modules (config, folder, modules_path, error);
  else if (bert_model_file_exists (pooling_path))
    ok = read_pooling (config, pooling_path, error);
  if (ok && bert_model_file_exists (saved_config_path))
    ok = read_saved_cross_encoder_activation (config, saved_config_path, error);
  g_free (saved_config_path);
  g_free (modules_path);
  g_free (pooling_path);
  return ok;
}
