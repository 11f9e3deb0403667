/* bert_cuda_dense.c: sentence-transformers Dense modules on CUDA (see bert_cuda_dense.h). */
#include "bert_cuda_dense.h"

#include "bert_cuda_check.h"
#include "bert_cuda_kernels.h"

struct _BertCudaDense {
  int n_modules;
  int hidden;
  int max_width; /* the widest of the pooled rows and the modules' outputs */
  const BertDenseConfig *config[BERT_MAX_DENSE_MODULES];
  float *weight[BERT_MAX_DENSE_MODULES]; /* [out_features, in_features] fp32 */
  float *bias[BERT_MAX_DENSE_MODULES];   /* [out_features] fp32, NULL without bias */
  uint32_t capacity;                     /* rows the scratch holds */
  float *scratch[2];                     /* [capacity, max_width]: the pooled rows, then each module's */
};

static size_t
elements_of (const BertTensor *tensor)
{
  return (size_t) tensor->shape[0] * (tensor->n_dims == 2 ? (size_t) tensor->shape[1] : 1);
}

/* tensor (F32, F16 or BF16) as fp32 in new device memory, through a staging copy. */
static float *
upload_f32 (const BertTensor *tensor, cudaStream_t stream, GError **error)
{
  size_t n = elements_of (tensor), bytes = n * bert_cuda_dtype_size (tensor->dtype);
  void *staging = NULL;
  float *out = NULL;
  gboolean ok = cuda_check (cudaMalloc (&staging, bytes), error)
      && cuda_check (cudaMalloc ((void **) &out, n * sizeof (float)), error)
      && cuda_check (cudaMemcpyAsync (staging, tensor->data, bytes, cudaMemcpyHostToDevice, stream), error)
      && cuda_check (bert_cuda_convert (out, BERT_DTYPE_F32, staging, tensor->dtype, n, stream), error)
      && cuda_check (cudaStreamSynchronize (stream), error);

  if (staging != NULL)
    cudaFree (staging);
  if (!ok && out != NULL) {
    cudaFree (out);
    out = NULL;
  }
  return out;
}

BertCudaDense *
bert_cuda_dense_new (const BertModel *model, cudaStream_t stream, GError **error)
{
  BertCudaDense *dense = g_new0 (BertCudaDense, 1);

  dense->hidden = model->config.hidden_size;
  /* The pooled rows: the first module's in_features, the Pooling's modes concatenated. */
  dense->max_width = model->config.dense[0].in_features;
  for (int i = 0; i < model->config.num_dense; i++) {
    const BertDenseConfig *config = &model->config.dense[i];

    dense->config[i] = config;
    dense->n_modules = i + 1;
    dense->max_width = MAX (dense->max_width, config->out_features);
    if ((dense->weight[i] = upload_f32 (&model->weights.dense_weight[i], stream, error)) == NULL
        || (config->bias
            && (dense->bias[i] = upload_f32 (&model->weights.dense_bias[i], stream, error)) == NULL)) {
      bert_cuda_dense_free (dense);
      return NULL;
    }
  }
  return dense;
}

static void
free_scratch (BertCudaDense *dense)
{
  for (int i = 0; i < 2; i++) {
    if (dense->scratch[i] != NULL)
      cudaFree (dense->scratch[i]);
    dense->scratch[i] = NULL;
  }
  dense->capacity = 0;
}

void
bert_cuda_dense_free (BertCudaDense *dense)
{
  if (dense == NULL)
    return;
  for (int i = 0; i < dense->n_modules; i++) {
    if (dense->weight[i] != NULL)
      cudaFree (dense->weight[i]);
    if (dense->bias[i] != NULL)
      cudaFree (dense->bias[i]);
  }
  free_scratch (dense);
  g_free (dense);
}

gboolean
bert_cuda_dense_reserve (BertCudaDense *dense, uint32_t n_sequences, GError **error)
{
  size_t bytes = (size_t) n_sequences * dense->max_width * sizeof (float);

  if (n_sequences <= dense->capacity)
    return TRUE;
  free_scratch (dense);
  if (!cuda_check (cudaMalloc ((void **) &dense->scratch[0], bytes), error)
      || !cuda_check (cudaMalloc ((void **) &dense->scratch[1], bytes), error)) {
    free_scratch (dense);
    return FALSE;
  }
  dense->capacity = n_sequences;
  return TRUE;
}

cudaError_t
bert_cuda_dense_pool (BertCudaDense *dense, BertDType dtype, float *embeddings, const void *hidden_states,
    const uint32_t *seq_offsets, const uint32_t *prompt_lengths, uint32_t n_sequences, BertPoolings pooling,
    int normalize, cudaStream_t stream)
{
  const float *x = dense->scratch[0];
  cudaError_t status;
  int width = dense->config[0]->in_features;

  if (n_sequences > dense->capacity)
    return cudaErrorInvalidValue;
  status = bert_cuda_pool_normalize (dtype, dense->scratch[0], hidden_states, seq_offsets, prompt_lengths,
      n_sequences, dense->hidden, pooling, 0, stream);
  for (int i = 0; status == cudaSuccess && i < dense->n_modules; i++) {
    const BertDenseConfig *config = dense->config[i];
    float *y = i + 1 == dense->n_modules ? embeddings : dense->scratch[(i + 1) % 2];

    status = bert_cuda_dense_activation (y, x, dense->weight[i], dense->bias[i], n_sequences,
        config->in_features, config->out_features, config->activation, stream);
    x = y;
    width = config->out_features;
  }
  if (status == cudaSuccess && normalize)
    status = bert_cuda_normalize_rows (embeddings, n_sequences, width, stream);
  return status;
}
