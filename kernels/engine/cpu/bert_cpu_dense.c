/* bert_cpu_dense.c: sentence-transformers Dense modules on the CPU (see bert_cpu_dense.h). */
#include "bert_cpu_dense.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bert_cpu_kernels.h"

static float *
tensor_to_f32 (const BertTensor *tensor, gsize n)
{
  float *copy = bert_cpu_try_alloc_floats (n);

  if (copy != NULL)
    bert_cpu_convert_to_f32 (tensor->data, tensor->dtype, copy, n);
  return copy;
}

gboolean
bert_cpu_dense_prepare (BertCpuDense *dense, const BertModel *model)
{
  memset (dense, 0, sizeof *dense);
  dense->max_width = model->config.hidden_size;
  for (int i = 0; i < model->config.num_dense; i++) {
    const BertDenseConfig *config = &model->config.dense[i];

    dense->config[i] = config;
    dense->n_modules = i + 1;
    dense->max_width = MAX (dense->max_width, config->out_features);
    dense->weight[i] =
        tensor_to_f32 (&model->weights.dense_weight[i], (gsize) config->out_features * config->in_features);
    if (dense->weight[i] == NULL)
      return FALSE;
    if (config->bias
        && (dense->bias[i] = tensor_to_f32 (&model->weights.dense_bias[i], config->out_features)) == NULL)
      return FALSE;
  }
  return TRUE;
}

void
bert_cpu_dense_clear (BertCpuDense *dense)
{
  for (int i = 0; i < dense->n_modules; i++) {
    free (dense->weight[i]);
    free (dense->bias[i]);
  }
  memset (dense, 0, sizeof *dense);
}

gsize
bert_cpu_dense_weight_bytes (const BertCpuDense *dense)
{
  gsize bytes = 0;

  for (int i = 0; i < dense->n_modules; i++)
    bytes += ((gsize) dense->config[i]->out_features * dense->config[i]->in_features
                 + (dense->bias[i] ? dense->config[i]->out_features : 0))
        * sizeof (float);
  return bytes;
}

void
bert_cpu_dense_apply (const float *weight, const float *bias, int in_features, int out_features,
    BertActivation activation, const float *x, float *y)
{
  for (int o = 0; o < out_features; o++) {
    const float *row = weight + (gsize) o * in_features;
    float sum = bias ? bias[o] : 0.0f;

    for (int i = 0; i < in_features; i++)
      sum += row[i] * x[i];
    y[o] = bert_cpu_activate (activation, sum);
  }
}

void
bert_cpu_dense_forward (const BertCpuDense *dense, const float *pooled, float *out, float *scratch)
{
  const float *x = pooled;

  for (int i = 0; i < dense->n_modules; i++) {
    const BertDenseConfig *config = dense->config[i];
    float *y = i + 1 == dense->n_modules ? out : scratch + (i % 2) * dense->max_width;

    bert_cpu_dense_apply (dense->weight[i], dense->bias[i], config->in_features, config->out_features,
        config->activation, x, y);
    x = y;
  }
}
