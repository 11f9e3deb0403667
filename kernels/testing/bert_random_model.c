/* bert_random_model.c: random BertModels in memory (see bert_random_model.h). */
#include "bert_random_model.h"
#include "bert_float16.h"

#include <math.h>
#include <string.h>

/* Owned by the model through its priv pointer: every tensor buffer, and the generator
 * while the model is being built. */
typedef struct {
  GPtrArray *buffers;
  GRand *rand;
  BertDType dtype;
  gsize bytes;
} RandomModelStorage;

void
bert_random_model_spec_init_tiny (BertRandomModelSpec *spec)
{
  memset (spec, 0, sizeof *spec);
  spec->hidden_size = 64;
  spec->num_layers = 2;
  spec->num_heads = 2;
  spec->intermediate_size = 128;
  spec->vocab_size = 1000;
  spec->max_position_embeddings = 512;
  spec->type_vocab_size = 2;
  spec->head = BERT_HEAD_ENCODER;
  spec->pooling = BERT_POOLING_MEAN;
  spec->normalize = TRUE;
  spec->dtype = BERT_DTYPE_F32;
  spec->seed = 1;
}

/* Fills tensor with center + U(-spread, spread) in the storage dtype; cols 0: a vector. */
static void
random_tensor (RandomModelStorage *storage, BertTensor *tensor, int rows, int cols, float center, float spread)
{
  size_t n = (size_t) rows * (size_t) (cols > 0 ? cols : 1);
  size_t element = storage->dtype == BERT_DTYPE_F32 ? 4 : 2;
  void *data = g_malloc (n * element);

  for (size_t i = 0; i < n; i++) {
    float value = center + (float) g_rand_double_range (storage->rand, -spread, spread);
    if (storage->dtype == BERT_DTYPE_F32)
      ((float *) data)[i] = value;
    else if (storage->dtype == BERT_DTYPE_F16)
      ((uint16_t *) data)[i] = bert_float_to_half (value);
    else
      ((uint16_t *) data)[i] = bert_float_to_bfloat16 (value);
  }
  g_ptr_array_add (storage->buffers, data);
  storage->bytes += n * element;
  tensor->data = data;
  tensor->dtype = storage->dtype;
  tensor->n_dims = cols > 0 ? 2 : 1;
  tensor->shape[0] = rows;
  tensor->shape[1] = cols > 0 ? cols : 0;
}

/* A dense layer whose outputs keep the variance of its inputs (uniform of variance 1 / in). */
static void
random_linear (RandomModelStorage *storage, BertTensor *weight, BertTensor *bias, int out_features,
    int in_features)
{
  random_tensor (storage, weight, out_features, in_features, 0.0f, sqrtf (3.0f / in_features));
  random_tensor (storage, bias, out_features, 0, 0.0f, 0.1f);
}

static void
random_layernorm (RandomModelStorage *storage, BertTensor *weight, BertTensor *bias, int hidden)
{
  random_tensor (storage, weight, hidden, 0, 1.0f, 0.2f);
  random_tensor (storage, bias, hidden, 0, 0.0f, 0.1f);
}

static void
random_layer (RandomModelStorage *storage, BertLayerWeights *layer, const BertRandomModelSpec *spec)
{
  int hidden = spec->hidden_size;

  random_linear (storage, &layer->query_weight, &layer->query_bias, hidden, hidden);
  random_linear (storage, &layer->key_weight, &layer->key_bias, hidden, hidden);
  random_linear (storage, &layer->value_weight, &layer->value_bias, hidden, hidden);
  random_linear (storage, &layer->attention_output_weight, &layer->attention_output_bias, hidden, hidden);
  random_layernorm (storage, &layer->attention_layernorm_weight, &layer->attention_layernorm_bias, hidden);
  random_linear (storage, &layer->intermediate_weight, &layer->intermediate_bias, spec->intermediate_size,
      hidden);
  random_linear (storage, &layer->output_weight, &layer->output_bias, hidden, spec->intermediate_size);
  random_layernorm (storage, &layer->output_layernorm_weight, &layer->output_layernorm_bias, hidden);
}

static void
fill_config (BertConfig *config, const BertRandomModelSpec *spec)
{
  config->hidden_size = spec->hidden_size;
  config->num_layers = spec->num_layers;
  config->num_heads = spec->num_heads;
  config->intermediate_size = spec->intermediate_size;
  config->max_position_embeddings = spec->max_position_embeddings;
  config->type_vocab_size = spec->type_vocab_size;
  config->vocab_size = spec->vocab_size;
  config->layer_norm_eps = 1e-12f;
  config->head = spec->head;
  config->num_labels = spec->head == BERT_HEAD_ENCODER ? 0 : spec->num_labels;
  config->id2label = g_new0 (char *, config->num_labels + 1);
  for (int i = 0; i < config->num_labels; i++)
    config->id2label[i] = g_strdup_printf ("LABEL_%d", i);
  config->multi_label = spec->multi_label;
  config->pooling = spec->pooling;
  config->normalize = spec->normalize;
  config->max_seq_length = spec->max_position_embeddings;
}

BertModel *
bert_random_model_new (const BertRandomModelSpec *spec)
{
  BertModel *model = g_new0 (BertModel, 1);
  RandomModelStorage *storage = g_new0 (RandomModelStorage, 1);
  BertWeights *weights = &model->weights;
  int hidden = spec->hidden_size;

  storage->buffers = g_ptr_array_new_with_free_func (g_free);
  storage->rand = g_rand_new_with_seed (spec->seed);
  storage->dtype = spec->dtype;
  model->priv = storage;
  model->path = g_strdup ("(random)");
  model->name = g_strdup_printf ("random-h%d-l%d", hidden, spec->num_layers);
  fill_config (&model->config, spec);

  /* Embeddings of spread 1 so that LayerNorm has real work to do. */
  random_tensor (storage, &weights->word_embeddings, spec->vocab_size, hidden, 0.0f, 1.0f);
  random_tensor (storage, &weights->position_embeddings, spec->max_position_embeddings, hidden, 0.0f, 1.0f);
  random_tensor (storage, &weights->token_type_embeddings, spec->type_vocab_size, hidden, 0.0f, 1.0f);
  random_layernorm (storage, &weights->embeddings_layernorm_weight, &weights->embeddings_layernorm_bias, hidden);
  weights->layers = g_new0 (BertLayerWeights, spec->num_layers);
  for (int i = 0; i < spec->num_layers; i++)
    random_layer (storage, &weights->layers[i], spec);
  if (spec->head == BERT_HEAD_SEQUENCE_CLASSIFIER)
    random_linear (storage, &weights->pooler_weight, &weights->pooler_bias, hidden, hidden);
  if (spec->head != BERT_HEAD_ENCODER)
    random_linear (storage, &weights->classifier_weight, &weights->classifier_bias, spec->num_labels, hidden);

  model->weights_bytes = storage->bytes;
  g_rand_free (storage->rand);
  storage->rand = NULL;
  return model;
}

void
bert_random_model_free (BertModel *model)
{
  RandomModelStorage *storage;

  if (model == NULL)
    return;
  storage = model->priv;
  g_ptr_array_unref (storage->buffers);
  g_free (storage);
  g_strfreev (model->config.id2label);
  g_free (model->weights.layers);
  g_free (model->path);
  g_free (model->name);
  g_free (model);
}
