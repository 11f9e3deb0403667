/* bert_test_model_tensors.c: the tensors of a test model and their seeded values. */
#include "bert_test_model_tensors.h"
#include "bert_float16.h"

#include <string.h>

static void
add_tensor (GArray *tensors, const char *prefix, const char *name, BertTensor *slot, int64_t rows,
    int64_t cols, TestTensorFill fill)
{
  TestTensor tensor = { g_strconcat (prefix, name, NULL), slot, rows, cols, fill };

  g_array_append_val (tensors, tensor);
}

/* A Linear layer (cols > 0) or a LayerNorm (cols 0): weight and bias. */
static void
add_linear (GArray *tensors, const char *prefix, const char *name, BertTensor *weight, BertTensor *bias,
    int64_t rows, int64_t cols)
{
  char *weight_name = g_strconcat (name, ".weight", NULL), *bias_name = g_strconcat (name, ".bias", NULL);

  add_tensor (tensors, prefix, weight_name, weight, rows, cols, cols ? FILL_RANDOM : FILL_AROUND_ONE);
  add_tensor (tensors, prefix, bias_name, bias, rows, 0, FILL_RANDOM);
  g_free (weight_name);
  g_free (bias_name);
}

static void
add_layer (GArray *tensors, int index, BertLayerWeights *layer, const BertTestModelSpec *spec)
{
  char *prefix = g_strdup_printf ("encoder.layer.%d.", index);
  int64_t hidden = spec->hidden_size, intermediate = spec->intermediate_size;

  add_linear (tensors, prefix, "attention.self.query", &layer->query_weight, &layer->query_bias, hidden,
      hidden);
  add_linear (tensors, prefix, "attention.self.key", &layer->key_weight, &layer->key_bias, hidden, hidden);
  add_linear (tensors, prefix, "attention.self.value", &layer->value_weight, &layer->value_bias, hidden,
      hidden);
  add_linear (tensors, prefix, "attention.output.dense", &layer->attention_output_weight,
      &layer->attention_output_bias, hidden, hidden);
  add_linear (tensors, prefix, "attention.output.LayerNorm", &layer->attention_layernorm_weight,
      &layer->attention_layernorm_bias, hidden, 0);
  add_linear (tensors, prefix, "intermediate.dense", &layer->intermediate_weight, &layer->intermediate_bias,
      intermediate, hidden);
  add_linear (tensors, prefix, "output.dense", &layer->output_weight, &layer->output_bias, hidden,
      intermediate);
  add_linear (tensors, prefix, "output.LayerNorm", &layer->output_layernorm_weight,
      &layer->output_layernorm_bias, hidden, 0);
  g_free (prefix);
}

GArray *
test_tensors_list (const BertTestModelSpec *spec, BertWeights *weights)
{
  GArray *tensors = g_array_new (FALSE, FALSE, sizeof (TestTensor));
  int64_t hidden = spec->hidden_size;

  add_tensor (tensors, "", "embeddings.word_embeddings.weight", &weights->word_embeddings, spec->vocab_size,
      hidden, FILL_RANDOM);
  add_tensor (tensors, "", "embeddings.position_embeddings.weight", &weights->position_embeddings,
      spec->max_position_embeddings, hidden, FILL_RANDOM);
  add_tensor (tensors, "", "embeddings.token_type_embeddings.weight", &weights->token_type_embeddings,
      spec->type_vocab_size, hidden, FILL_RANDOM);
  add_linear (tensors, "", "embeddings.LayerNorm", &weights->embeddings_layernorm_weight,
      &weights->embeddings_layernorm_bias, hidden, 0);
  for (int i = 0; i < spec->num_layers; i++)
    add_layer (tensors, i, &weights->layers[i], spec);
  /* As in BertForSequenceClassification; encoders and token classifiers have no pooler. */
  if (spec->head == BERT_HEAD_SEQUENCE_CLASSIFIER)
    add_linear (tensors, "", "pooler.dense", &weights->pooler_weight, &weights->pooler_bias, hidden, hidden);
  if (spec->head != BERT_HEAD_ENCODER)
    add_linear (tensors, "", "classifier", &weights->classifier_weight, &weights->classifier_bias,
        spec->num_labels, hidden);
  return tensors;
}

void
test_tensors_free (GArray *tensors)
{
  for (guint i = 0; i < tensors->len; i++)
    g_free (g_array_index (tensors, TestTensor, i).name);
  g_array_unref (tensors);
}

gsize
test_tensor_elements (const TestTensor *tensor)
{
  return tensor->rows * (tensor->cols ? tensor->cols : 1);
}

gsize
test_dtype_size (BertDType dtype)
{
  return dtype == BERT_DTYPE_F32 ? 4 : 2;
}

guint32
test_tensors_seed (const BertTestModelSpec *spec)
{
  return spec->seed ? spec->seed : 1;
}

/* xorshift32: uniform in [-1, 1). */
static float
next_uniform (guint32 *state)
{
  guint32 x = *state;

  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return (x >> 8) * (2.0f / 16777216.0f) - 1.0f;
}

guint8 *
test_tensor_values (const TestTensor *tensor, const BertTestModelSpec *spec, guint32 *state)
{
  gsize n = test_tensor_elements (tensor);
  guint8 *bytes = g_malloc (n * test_dtype_size (spec->dtype));

  for (gsize i = 0; i < n; i++) {
    float value = next_uniform (state) * spec->weight_scale;
    uint16_t half;

    if (tensor->fill == FILL_AROUND_ONE)
      value += 1.0f;
    if (spec->dtype == BERT_DTYPE_F32) {
      memcpy (bytes + 4 * i, &value, 4);
      continue;
    }
    half = spec->dtype == BERT_DTYPE_F16 ? bert_float_to_half (value) : bert_float_to_bfloat16 (value);
    memcpy (bytes + 2 * i, &half, 2);
  }
  return bytes;
}
