/* bert_model.h: a loaded Hugging Face BERT-family model folder, as the backends see it.
 *
 * Tensors point into the mapped model.safetensors or its shards (never copied); a backend converts
 * or uploads them itself. This header is shared by the engine and the CUDA module, so
 * it holds plain data only: the CUDA module calls nothing of the engine.
 */
#ifndef BERT_MODEL_H
#define BERT_MODEL_H

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef enum {
  BERT_DTYPE_F32,
  BERT_DTYPE_F16,
  BERT_DTYPE_BF16
} BertDType;

/* A tensor of the safetensors file; data is NULL when the tensor is absent. */
typedef struct {
  const void *data;
  BertDType dtype;
  int n_dims;
  int64_t shape[2];
} BertTensor;

/* sentence-transformers' Pooling modes over a sequence's tokens (those after its prompt
 * where the model pools without it). The values are fixed: bert-infer's pooling property
 * and the remote protocol's POOLING carry them. */
typedef enum {
  BERT_POOLING_MEAN,
  BERT_POOLING_CLS,
  BERT_POOLING_MAX,
  BERT_POOLING_MEAN_SQRT_LEN, /* the sum over the square root of the token count */
  BERT_POOLING_WEIGHTED_MEAN, /* position p weighs p + 1, counted from the first token, a prompt's too */
  BERT_POOLING_LAST_TOKEN
} BertPooling;

#define BERT_N_POOLINGS (BERT_POOLING_LAST_TOKEN + 1)

/* Modes past this many in one Pooling module are refused (sentence-transformers takes any
 * number, a mode may repeat; published models concatenate two or three). */
#define BERT_MAX_POOLINGS 8

/* The modes of a Pooling module, whose results sentence-transformers concatenates in this
 * order: the embedding before any Dense module has n_modes * hidden_size values, mode i's
 * at [i * hidden_size, (i + 1) * hidden_size). One mode is the common case. */
typedef struct {
  int n_modes;
  BertPooling modes[BERT_MAX_POOLINGS];
} BertPoolings;

static inline BertPoolings
bert_poolings_single (BertPooling mode)
{
  BertPoolings poolings = { 1, { mode } };
  return poolings;
}

/* An activation function: the encoder layers' FFN activation (config.json's hidden_act,
 * DistilBERT's activation), that of a sentence-transformers Dense module
 * (torch.nn.modules.*), and the one between a sequence classifier's two Linear layers:
 * tanh for BERT's pooler and RobertaClassificationHead, ReLU for
 * DistilBertForSequenceClassification, GELU (erf) for
 * ElectraClassificationHead. */
typedef enum {
  BERT_ACTIVATION_IDENTITY,
  BERT_ACTIVATION_TANH,
  BERT_ACTIVATION_RELU,
  BERT_ACTIVATION_SIGMOID,
  BERT_ACTIVATION_GELU,      /* x Phi (x), Phi through erf: torch.nn.GELU, hidden_act gelu */
  BERT_ACTIVATION_GELU_TANH, /* x / 2 (1 + tanh (sqrt (2 / pi) (x + 0.044715 x^3))): gelu_new */
  BERT_ACTIVATION_SILU,      /* x sigmoid (x): silu, swish */
  BERT_ACTIVATION_QUICK_GELU /* x sigmoid (1.702 x): quick_gelu */
} BertActivation;

/* What a sequence classifier's probs are, from its logits, and which of its labels apply. */
typedef enum {
  BERT_SCORES_SOFTMAX,  /* single-label classification: the argmax applies */
  BERT_SCORES_SIGMOID,  /* per label (multi-label, or one label): each over BERT_MULTI_LABEL_THRESHOLD */
  BERT_SCORES_IDENTITY, /* the raw logits (problem_type regression): the argmax applies */
  BERT_SCORES_TANH      /* a CrossEncoder's Tanh activation: the argmax applies */
} BertScoreFunction;

/* Dense modules past this many in one folder are refused (published models have one). */
#define BERT_MAX_DENSE_MODULES 4

/* A sentence-transformers Dense module, applied to the pooled embedding:
 * y = activation (weight x + bias). */
typedef struct {
  int in_features, out_features;
  gboolean bias;
  BertActivation activation;
  char *path; /* the module's folder */
} BertDenseConfig;

typedef enum {
  BERT_HEAD_ENCODER,             /* sentence embeddings */
  BERT_HEAD_SEQUENCE_CLASSIFIER, /* BertForSequenceClassification */
  BERT_HEAD_TOKEN_CLASSIFIER     /* BertForTokenClassification */
} BertHead;

/* The encoder families: one forward pass, told apart by their embeddings and heads. */
typedef enum {
  BERT_FAMILY_BERT,       /* model_type bert */
  BERT_FAMILY_DISTILBERT, /* distilbert: no token types */
  BERT_FAMILY_ROBERTA,    /* roberta, xlm-roberta, camembert: positions after padding_idx */
  BERT_FAMILY_MPNET,      /* mpnet: positions as RoBERTa's, no token types, a relative position bias */
  BERT_FAMILY_ELECTRA,    /* electra: BERT with its own names, embeddings of their own width
                             (projected to hidden_size) and a GELU classification head */
  BERT_FAMILY_ALBERT      /* albert: BERT with its own names, embeddings of their own width
                             (always projected) and layers shared in groups */
} BertFamily;

typedef struct {
  BertFamily family;
  int hidden_size;
  int num_layers;
  int num_heads;
  int intermediate_size;
  int max_position_embeddings; /* positions a sequence can take: the table's rows less position_offset */
  int position_offset;         /* table row of a sequence's first token: RoBERTa's padding_idx + 1,
                                  whose tokens take row padding_idx (bert_position_ids) */
  int type_vocab_size;         /* rows of the token type table; 0 when there is none */
  /* Width of the embedding tables and their LayerNorm: ELECTRA's embedding_size, else
   * hidden_size. Where it differs from hidden_size, embeddings_project maps the
   * LayerNorm's output to hidden_size. */
  int input_embedding_size;
  /* embeddings_project maps the embeddings' LayerNorm to hidden_size: ELECTRA's where
   * input_embedding_size differs from hidden_size, ALBERT's embedding_hidden_mapping_in always. */
  gboolean projects_embeddings;
  /* ALBERT's layer groups (bert_config.c): num_layers is the layers run, num_hidden_layers
   * x inner_group_num. Other families: num_layers groups of one layer. */
  int num_hidden_groups, inner_group_num;
  gboolean uses_type_ids; /* FALSE: type ids are ignored, every token takes row 0 */
  int vocab_size;
  float layer_norm_eps;
  BertActivation hidden_act;          /* the FFN's, between its two Linear layers */
  int relative_attention_num_buckets; /* MPNet's relative position buckets; 0: no position bias */
  BertHead head;
  BertActivation classifier_activation;
  int num_labels;                   /* 0 for the plain encoder */
  char **id2label;                  /* num_labels names, NULL-terminated */
  BertScoreFunction score_function; /* sequence classifiers' probs; token classifiers: softmax */
  /* "FILE: FIELD \"VALUE\"": the CrossEncoder activation_fn that chose score_function, or NULL */
  char *cross_encoder_activation;
  BertPoolings pooling; /* from 1_Pooling/config.json; mean when absent */
  gboolean normalize;   /* 2_Normalize present in modules.json */
  int max_seq_length;   /* the folder's limit, as sentence-transformers reads it
                          * (bert_max_length.h), at most max_position_embeddings */
  int num_dense;        /* Dense modules of modules.json, between Pooling and Normalize */
  BertDenseConfig dense[BERT_MAX_DENSE_MODULES];
  /* 1_Pooling/config.json's include_prompt false: pooling skips the prompt's tokens */
  gboolean pooling_excludes_prompt;
} BertConfig;

/* The width of an embedding pooled by poolings: the last Dense module's out_features,
 * else n_modes * hidden_size. */
static inline int
bert_config_get_pooled_embedding_size (const BertConfig *config, const BertPoolings *poolings)
{
  return config->num_dense > 0 ? config->dense[config->num_dense - 1].out_features
                               : poolings->n_modes * config->hidden_size;
}

/* The width of an encoder's embedding under the model's own pooling. */
static inline int
bert_config_get_embedding_size (const BertConfig *config)
{
  return bert_config_get_pooled_embedding_size (config, &config->pooling);
}

/* Weight matrices are stored as in PyTorch's nn.Linear: [out_features, in_features]. */
typedef struct {
  BertTensor query_weight, query_bias;
  BertTensor key_weight, key_bias;
  BertTensor value_weight, value_bias;
  BertTensor attention_output_weight, attention_output_bias;
  BertTensor attention_layernorm_weight, attention_layernorm_bias;
  BertTensor intermediate_weight, intermediate_bias;
  BertTensor output_weight, output_bias;
  BertTensor output_layernorm_weight, output_layernorm_bias;
  /* TRUE where these are the tensors of an earlier layer, shared_layer (ALBERT's layer
   * groups): a backend reuses that layer's prepared weights, never copies them. */
  gboolean shared;
  int shared_layer;
} BertLayerWeights;

typedef struct {
  /* The tables and their LayerNorm are input_embedding_size wide (hidden_size but for ELECTRA, ALBERT). */
  BertTensor word_embeddings;       /* [vocab_size, input_embedding_size] */
  BertTensor position_embeddings;   /* [position_offset + max_position_embeddings, input_embedding_size] */
  BertTensor token_type_embeddings; /* [type_vocab_size, input_embedding_size]; absent for DistilBERT */
  BertTensor embeddings_layernorm_weight, embeddings_layernorm_bias;
  /* ELECTRA's embeddings_project (ALBERT's encoder.embedding_hidden_mapping_in),
   * [hidden, input_embedding_size] and [hidden], after the embeddings' LayerNorm; absent
   * (data NULL) where config.projects_embeddings is FALSE. */
  BertTensor embeddings_project_weight, embeddings_project_bias;
  BertLayerWeights *layers; /* num_layers entries, which may share tensors (shared) */
  /* MPNet: encoder.relative_attention_bias, [relative_attention_num_buckets, num_heads] */
  BertTensor relative_attention_bias;
  /* Made from it by the engine, F32 [num_heads, 2 * max_position_embeddings - 1]: what
   * attention adds to the score of query i and key j in head h is row h's value at
   * j - i + max_position_embeddings - 1 (bert_position_bias_row). Absent (data NULL)
   * without a bias. */
  BertTensor relative_position_bias;
  /* A sequence classifier's first Linear layer, on the first token: BERT's pooler.dense,
   * RoBERTa's, MPNet's and ELECTRA's classifier.dense, DistilBERT's pre_classifier, ALBERT's pooler. */
  BertTensor pooler_weight, pooler_bias;
  /* The last Linear layer, [num_labels, hidden]: classifier (RoBERTa's, MPNet's and
   * ELECTRA's sequence classifiers: classifier.out_proj). */
  BertTensor classifier_weight, classifier_bias;
  /* The Dense modules' linear.weight [out_features, in_features] and linear.bias
   * [out_features] (data NULL without bias), from each module's own folder. */
  BertTensor dense_weight[BERT_MAX_DENSE_MODULES], dense_bias[BERT_MAX_DENSE_MODULES];
} BertWeights;

/* The position table rows of a sequence's n tokens, as the model's PyTorch code numbers
 * them from position_offset: 0, 1, ... for BERT, DistilBERT and ELECTRA; for RoBERTa
 * padding_idx + 1, + 2, ... over the tokens that are not padding, and padding_idx
 * (position_offset - 1) for a padding token, which a packed batch has only where the
 * text spelled one. */
static inline void
bert_position_ids (int32_t position_offset, const int32_t *ids, uint32_t n, int32_t *positions)
{
  int32_t padding_idx = position_offset - 1, next = position_offset; /* -1: no id is padding */

  for (uint32_t t = 0; t < n; t++)
    positions[t] = ids[t] == padding_idx ? padding_idx : next++;
}

/* Head head's row of a relative_position_bias table (its data, or a copy of it) of a
 * model of max_positions positions, shifted so that row[j - i] is the bias of query i
 * and key j; NULL when table is. */
static inline const float *
bert_position_bias_row (const float *table, int max_positions, int head)
{
  if (table == NULL)
    return NULL;
  return table + (size_t) head * (2 * (size_t) max_positions - 1) + (max_positions - 1);
}

typedef struct _BertModel BertModel;

struct _BertModel {
  char *path; /* the model folder */
  char *name; /* the folder's base name */
  BertConfig config;
  BertWeights weights;
  gsize weights_bytes; /* size of model.safetensors (or its shards, or pytorch_model.bin) */
  /* Engine-private from here on. */
  gpointer priv;
};

G_END_DECLS

#endif
