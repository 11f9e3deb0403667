/* bert_cuda_weights.c: checks a model against what the CUDA kernels take, then uploads its
 * weights once, converted on the device to the compute dtype (LayerNorm parameters to fp32).
 * One copy per model, device, dtype and head is shared by every backend state (every
 * encoder and element instance) that asks for it, and freed with the last of them.
 *
 * The model's tensors point into the mapped safetensors file; each is copied as stored
 * (F32, F16 or BF16) into a device staging buffer and converted from there, so the host
 * never makes a converted copy of the weights.
 */
#include <math.h>
#include <string.h>

#include "bert_cuda_backend_private.h"
#include "bert_cuda_check.h"
#include "bert_cuda_kernels.h"

typedef struct {
  BertCudaWeights *weights;
  cudaStream_t stream;
  void *staging;
  size_t staging_bytes;
} WeightUploader;

static char *
format_shape (int n_dims, int64_t rows, int64_t cols)
{
  if (n_dims == 2)
    return g_strdup_printf ("[%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]", rows, cols);
  if (n_dims == 1)
    return g_strdup_printf ("[%" G_GINT64_FORMAT "]", rows);
  return g_strdup_printf ("%d dimensions", n_dims);
}

/* cols 0: a vector of rows entries. */
static gboolean
check_tensor (const BertTensor *tensor, const char *name, int64_t rows, int64_t cols, GError **error)
{
  int n_dims = cols > 0 ? 2 : 1;
  char *actual, *expected;

  if (tensor->data == NULL) {
    g_set_error (error, BERT_CUDA_ENGINE_ERROR, BERT_ENGINE_ERROR_SHAPE, "CUDA backend: tensor %s is missing",
        name);
    return FALSE;
  }
  if (tensor->n_dims == n_dims && tensor->shape[0] == rows && (n_dims == 1 || tensor->shape[1] == cols))
    return TRUE;
  actual = format_shape (tensor->n_dims, tensor->shape[0], tensor->n_dims == 2 ? tensor->shape[1] : 0);
  expected = format_shape (n_dims, rows, cols);
  g_set_error (error, BERT_CUDA_ENGINE_ERROR, BERT_ENGINE_ERROR_SHAPE,
      "CUDA backend: tensor %s has shape %s, expected %s", name, actual, expected);
  g_free (actual);
  g_free (expected);
  return FALSE;
}

/* name.weight [rows, cols] and name.bias [rows]; cols 0 for LayerNorm's two vectors. */
static gboolean
check_pair (const BertTensor *weight, const BertTensor *bias, const char *name, int64_t rows, int64_t cols,
    GError **error)
{
  char *weight_name = g_strdup_printf ("%s.weight", name);
  char *bias_name = g_strdup_printf ("%s.bias", name);
  gboolean ok =
      check_tensor (weight, weight_name, rows, cols, error) && check_tensor (bias, bias_name, rows, 0, error);

  g_free (weight_name);
  g_free (bias_name);
  return ok;
}

static gboolean
check_layer (const BertLayerWeights *layer, int index, const BertConfig *config, GError **error)
{
  const int hidden = config->hidden_size;
  const int intermediate = config->intermediate_size;
  const struct {
    const BertTensor *weight, *bias;
    const char *name;
    int rows, cols;
  } pairs[] = {
    { &layer->query_weight, &layer->query_bias, "attention.self.query", hidden, hidden },
    { &layer->key_weight, &layer->key_bias, "attention.self.key", hidden, hidden },
    { &layer->value_weight, &layer->value_bias, "attention.self.value", hidden, hidden },
    { &layer->attention_output_weight, &layer->attention_output_bias, "attention.output.dense", hidden,
        hidden },
    { &layer->attention_layernorm_weight, &layer->attention_layernorm_bias, "attention.output.LayerNorm",
        hidden, 0 },
    { &layer->intermediate_weight, &layer->intermediate_bias, "intermediate.dense", intermediate, hidden },
    { &layer->output_weight, &layer->output_bias, "output.dense", hidden, intermediate },
    { &layer->output_layernorm_weight, &layer->output_layernorm_bias, "output.LayerNorm", hidden, 0 },
  };
  gboolean ok = TRUE;

  for (guint i = 0; ok && i < G_N_ELEMENTS (pairs); i++) {
    char *name = g_strdup_printf ("encoder.layer.%d.%s", index, pairs[i].name);
    ok = check_pair (pairs[i].weight, pairs[i].bias, name, pairs[i].rows, pairs[i].cols, error);
    g_free (name);
  }
  return ok;
}

static gboolean
check_limits (const BertConfig *config, GError **error)
{
  if (config->hidden_size < 1 || config->num_heads < 1 || config->hidden_size % config->num_heads != 0
      || config->num_layers < 0 || config->intermediate_size < 1) {
    g_set_error (error, BERT_CUDA_ENGINE_ERROR, BERT_ENGINE_ERROR_SHAPE,
        "CUDA backend: inconsistent config: hidden_size %d, num_attention_heads %d, num_hidden_layers %d, "
        "intermediate_size %d",
        config->hidden_size, config->num_heads, config->num_layers, config->intermediate_size);
    return FALSE;
  }
  if (config->hidden_size > BERT_CUDA_MAX_HIDDEN) {
    g_set_error (error, BERT_CUDA_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
        "CUDA backend: hidden_size %d is above the %d its LayerNorm kernels take", config->hidden_size,
        BERT_CUDA_MAX_HIDDEN);
    return FALSE;
  }
  if (config->input_embedding_size < 1 || config->input_embedding_size > BERT_CUDA_MAX_HIDDEN) {
    g_set_error (error, BERT_CUDA_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
        "CUDA backend: embedding_size %d is outside the [1, %d] its LayerNorm kernels take",
        config->input_embedding_size, BERT_CUDA_MAX_HIDDEN);
    return FALSE;
  }
  if (config->hidden_size / config->num_heads > BERT_CUDA_MAX_HEAD_DIM) {
    g_set_error (error, BERT_CUDA_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
        "CUDA backend: attention head size %d (hidden_size %d / num_attention_heads %d) is above the %d its "
        "attention kernel takes",
        config->hidden_size / config->num_heads, config->hidden_size, config->num_heads,
        BERT_CUDA_MAX_HEAD_DIM);
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_head (const BertWeights *weights, const BertConfig *config, BertHead head, GError **error)
{
  int hidden = config->hidden_size;

  if (head == BERT_HEAD_ENCODER)
    return TRUE;
  if (config->num_labels < 1) {
    g_set_error (error, BERT_CUDA_ENGINE_ERROR, BERT_ENGINE_ERROR_SHAPE,
        "CUDA backend: a classifier head needs num_labels >= 1, the config has %d", config->num_labels);
    return FALSE;
  }
  if (head == BERT_HEAD_SEQUENCE_CLASSIFIER
      && !check_pair (&weights->pooler_weight, &weights->pooler_bias, "pooler.dense", hidden, hidden, error))
    return FALSE;
  return check_pair (&weights->classifier_weight, &weights->classifier_bias, "classifier", config->num_labels,
      hidden, error);
}

/* The largest finite FP16 value: F32 or BF16 weights beyond it would become inf. */
#define F16_MAX 65504.0f

static float
stored_value (const BertTensor *tensor, size_t index)
{
  uint32_t bits;
  float value;

  if (tensor->dtype == BERT_DTYPE_F32)
    return ((const float *) tensor->data)[index];
  bits = (uint32_t) ((const uint16_t *) tensor->data)[index] << 16; /* BF16 */
  memcpy (&value, &bits, sizeof value);
  return value;
}

static gboolean
check_fits_f16 (const BertTensor *tensor, const char *name, GError **error)
{
  size_t n;

  if (tensor->data == NULL || tensor->dtype == BERT_DTYPE_F16)
    return TRUE;
  n = tensor->n_dims == 2 ? (size_t) tensor->shape[0] * (size_t) tensor->shape[1] : (size_t) tensor->shape[0];
  for (size_t i = 0; i < n; i++) {
    float value = stored_value (tensor, i);
    if (isfinite (value) && fabsf (value) > F16_MAX) {
      g_set_error (error, BERT_CUDA_ENGINE_ERROR, BERT_ENGINE_ERROR_UNSUPPORTED,
          "CUDA backend: tensor %s holds %g (element %zu), beyond FP16's largest value %g: precision fp16 "
          "would make it inf; use precision bf16 or fp32",
          name, value, i, F16_MAX);
      return FALSE;
    }
  }
  return TRUE;
}

/* Every tensor that precision fp16 converts to FP16 (LayerNorm parameters stay fp32) must fit. */
static gboolean
check_weights_fit_f16 (const BertWeights *weights, const BertConfig *config, BertHead head, GError **error)
{
  gboolean ok = check_fits_f16 (&weights->word_embeddings, "embeddings.word_embeddings.weight", error)
      && check_fits_f16 (&weights->position_embeddings, "embeddings.position_embeddings.weight", error)
      && check_fits_f16 (&weights->token_type_embeddings, "embeddings.token_type_embeddings.weight", error)
      && check_fits_f16 (&weights->embeddings_project_weight, "embeddings_project.weight", error)
      && check_fits_f16 (&weights->embeddings_project_bias, "embeddings_project.bias", error);

  for (int i = 0; ok && i < config->num_layers; i++) {
    const BertLayerWeights *layer = &weights->layers[i];
    const BertTensor *tensors[] = { &layer->query_weight, &layer->query_bias, &layer->key_weight,
      &layer->key_bias, &layer->value_weight, &layer->value_bias, &layer->attention_output_weight,
      &layer->attention_output_bias, &layer->intermediate_weight, &layer->intermediate_bias,
      &layer->output_weight, &layer->output_bias };
    const char *names[] = { "attention.self.query.weight", "attention.self.query.bias",
      "attention.self.key.weight", "attention.self.key.bias", "attention.self.value.weight",
      "attention.self.value.bias", "attention.output.dense.weight", "attention.output.dense.bias",
      "intermediate.dense.weight", "intermediate.dense.bias", "output.dense.weight", "output.dense.bias" };
    for (guint t = 0; ok && t < G_N_ELEMENTS (tensors); t++) {
      char *name = g_strdup_printf ("encoder.layer.%d.%s", i, names[t]);
      ok = check_fits_f16 (tensors[t], name, error);
      g_free (name);
    }
  }
  if (ok && head == BERT_HEAD_SEQUENCE_CLASSIFIER)
    ok = check_fits_f16 (&weights->pooler_weight, "pooler.dense.weight", error)
        && check_fits_f16 (&weights->pooler_bias, "pooler.dense.bias", error);
  if (ok && head != BERT_HEAD_ENCODER)
    ok = check_fits_f16 (&weights->classifier_weight, "classifier.weight", error)
        && check_fits_f16 (&weights->classifier_bias, "classifier.bias", error);
  return ok;
}

gboolean
bert_cuda_model_check (const BertModel *model, const BertBackendSettings *settings, GError **error)
{
  const BertConfig *config = &model->config;
  const BertWeights *weights = &model->weights;
  int width = config->input_embedding_size;

  if (!check_limits (config, error)
      || !check_tensor (&weights->word_embeddings, "embeddings.word_embeddings.weight", config->vocab_size,
          width, error)
      || !check_tensor (&weights->position_embeddings, "embeddings.position_embeddings.weight",
          config->position_offset + config->max_position_embeddings, width, error)
      /* DistilBERT has no token type table. */
      || (config->type_vocab_size > 0
          && !check_tensor (&weights->token_type_embeddings, "embeddings.token_type_embeddings.weight",
              config->type_vocab_size, width, error))
      || !check_pair (&weights->embeddings_layernorm_weight, &weights->embeddings_layernorm_bias,
          "embeddings.LayerNorm", width, 0, error)
      /* ELECTRA's projection of its embeddings to hidden_size, where the widths differ;
       * ALBERT's embedding_hidden_mapping_in, always. */
      || (config->projects_embeddings
          && !check_pair (&weights->embeddings_project_weight, &weights->embeddings_project_bias,
              "embeddings_project", config->hidden_size, width, error))
      /* MPNet's relative position biases, made by the engine in fp32. */
      || (config->relative_attention_num_buckets > 0
          && !check_tensor (&weights->relative_position_bias, "relative position bias table",
              config->num_heads, 2 * (int64_t) config->max_position_embeddings - 1, error)))
    return FALSE;
  for (int i = 0; i < config->num_layers; i++)
    if (!check_layer (&weights->layers[i], i, config, error))
      return FALSE;
  return check_head (weights, config, settings->head, error)
      && (settings->precision != BERT_PRECISION_FP16
          || check_weights_fit_f16 (weights, config, settings->head, error));
}

static size_t
tensor_elements (const BertTensor *tensor)
{
  return tensor->n_dims == 2 ? (size_t) tensor->shape[0] * (size_t) tensor->shape[1]
                             : (size_t) tensor->shape[0];
}

static size_t
tensor_bytes (const BertTensor *tensor)
{
  return tensor_elements (tensor) * bert_cuda_dtype_size (tensor->dtype);
}

static void *
device_alloc (BertCudaWeights *weights, size_t bytes, GError **error)
{
  void *pointer = NULL;

  if (!cuda_check (cudaMalloc (&pointer, bytes), error))
    return NULL;
  g_ptr_array_add (weights->allocations, pointer);
  return pointer;
}

/* Converts tensor into dst (already allocated, in dtype). Waits for the copy so that the
 * staging buffer, and the mapped file's pages, are free again when it returns. */
static gboolean
upload_into (WeightUploader *uploader, void *dst, BertDType dtype, const BertTensor *tensor, GError **error)
{
  size_t bytes = tensor_bytes (tensor);

  if (bytes > uploader->staging_bytes) {
    if (uploader->staging != NULL && !cuda_check (cudaFree (uploader->staging), error))
      return FALSE;
    uploader->staging = NULL;
    uploader->staging_bytes = 0;
    if (!cuda_check (cudaMalloc (&uploader->staging, bytes), error))
      return FALSE;
    uploader->staging_bytes = bytes;
  }
  return cuda_check (cudaMemcpyAsync (uploader->staging, tensor->data, bytes, cudaMemcpyHostToDevice,
                         uploader->stream),
             error)
      && cuda_check (bert_cuda_convert (dst, dtype, uploader->staging, tensor->dtype,
                         tensor_elements (tensor), uploader->stream),
          error)
      && cuda_check (cudaStreamSynchronize (uploader->stream), error);
}

static void *
upload (WeightUploader *uploader, BertDType dtype, const BertTensor *tensor, GError **error)
{
  void *dst =
      device_alloc (uploader->weights, tensor_elements (tensor) * bert_cuda_dtype_size (dtype), error);

  if (dst == NULL || !upload_into (uploader, dst, dtype, tensor, error))
    return NULL;
  return dst;
}

/* Q, K and V stacked into one [3 * hidden, ...] tensor: three rows blocks of one GEMM. */
static void *
upload_stacked (WeightUploader *uploader, BertDType dtype, const BertTensor *query, const BertTensor *key,
    const BertTensor *value, GError **error)
{
  size_t part_bytes = tensor_elements (query) * bert_cuda_dtype_size (dtype);
  char *dst = device_alloc (uploader->weights, 3 * part_bytes, error);

  if (dst == NULL || !upload_into (uploader, dst, dtype, query, error)
      || !upload_into (uploader, dst + part_bytes, dtype, key, error)
      || !upload_into (uploader, dst + 2 * part_bytes, dtype, value, error))
    return NULL;
  return dst;
}

/* tensor's rows, then zero rows up to padded_rows. */
static void *
upload_padded (WeightUploader *uploader, BertDType dtype, const BertTensor *tensor, int padded_rows,
    GError **error)
{
  size_t row_elements = tensor->n_dims == 2 ? (size_t) tensor->shape[1] : 1;
  size_t bytes = (size_t) padded_rows * row_elements * bert_cuda_dtype_size (dtype);
  void *dst = device_alloc (uploader->weights, bytes, error);

  if (dst == NULL || !cuda_check (cudaMemsetAsync (dst, 0, bytes, uploader->stream), error)
      || !upload_into (uploader, dst, dtype, tensor, error))
    return NULL;
  return dst;
}

static gboolean
upload_layer (WeightUploader *uploader, BertCudaLayerWeights *out, const BertLayerWeights *layer,
    BertDType dtype, GError **error)
{
  return (out->query_key_value_weight = upload_stacked (uploader, dtype, &layer->query_weight,
              &layer->key_weight, &layer->value_weight, error))
      != NULL
      && (out->query_key_value_bias = upload_stacked (uploader, dtype, &layer->query_bias, &layer->key_bias,
              &layer->value_bias, error))
      != NULL
      && (out->attention_output_weight = upload (uploader, dtype, &layer->attention_output_weight, error))
      != NULL
      && (out->attention_output_bias = upload (uploader, dtype, &layer->attention_output_bias, error)) != NULL
      && (out->attention_layernorm_weight =
                 upload (uploader, BERT_DTYPE_F32, &layer->attention_layernorm_weight, error))
      != NULL
      && (out->attention_layernorm_bias =
                 upload (uploader, BERT_DTYPE_F32, &layer->attention_layernorm_bias, error))
      != NULL
      && (out->intermediate_weight = upload (uploader, dtype, &layer->intermediate_weight, error)) != NULL
      && (out->intermediate_bias = upload (uploader, dtype, &layer->intermediate_bias, error)) != NULL
      && (out->output_weight = upload (uploader, dtype, &layer->output_weight, error)) != NULL
      && (out->output_bias = upload (uploader, dtype, &layer->output_bias, error)) != NULL
      && (out->output_layernorm_weight =
                 upload (uploader, BERT_DTYPE_F32, &layer->output_layernorm_weight, error))
      != NULL
      && (out->output_layernorm_bias =
                 upload (uploader, BERT_DTYPE_F32, &layer->output_layernorm_bias, error))
      != NULL;
}

static gboolean
upload_head (WeightUploader *uploader, const BertWeights *model_weights, BertHead head, int padded_labels,
    BertDType dtype, GError **error)
{
  BertCudaWeights *weights = uploader->weights;

  if (head == BERT_HEAD_SEQUENCE_CLASSIFIER
      && ((weights->pooler_weight = upload (uploader, dtype, &model_weights->pooler_weight, error)) == NULL
          || (weights->pooler_bias = upload (uploader, dtype, &model_weights->pooler_bias, error)) == NULL))
    return FALSE;
  if (head == BERT_HEAD_ENCODER)
    return TRUE;
  return (weights->classifier_weight =
                 upload_padded (uploader, dtype, &model_weights->classifier_weight, padded_labels, error))
      != NULL
      && (weights->classifier_bias =
                 upload_padded (uploader, dtype, &model_weights->classifier_bias, padded_labels, error))
      != NULL;
}

static gboolean
weights_upload (BertCudaWeights *weights, const BertModel *model, BertHead head, int padded_labels,
    BertDType dtype, cudaStream_t stream, GError **error)
{
  const BertWeights *source = &model->weights;
  WeightUploader uploader = { weights, stream, NULL, 0 };
  gboolean ok;

  weights->allocations = g_ptr_array_new ();
  weights->layers = g_new0 (BertCudaLayerWeights, model->config.num_layers);
  ok = (weights->word_embeddings = upload (&uploader, dtype, &source->word_embeddings, error)) != NULL
      && (weights->position_embeddings = upload (&uploader, dtype, &source->position_embeddings, error))
          != NULL
      && (source->token_type_embeddings.data == NULL
          || (weights->token_type_embeddings =
                     upload (&uploader, dtype, &source->token_type_embeddings, error))
              != NULL)
      && (weights->embeddings_layernorm_weight =
                 upload (&uploader, BERT_DTYPE_F32, &source->embeddings_layernorm_weight, error))
          != NULL
      && (weights->embeddings_layernorm_bias =
                 upload (&uploader, BERT_DTYPE_F32, &source->embeddings_layernorm_bias, error))
          != NULL
      && (source->embeddings_project_weight.data == NULL
          || ((weights->embeddings_project_weight =
                      upload (&uploader, dtype, &source->embeddings_project_weight, error))
                  != NULL
              && (weights->embeddings_project_bias =
                         upload (&uploader, dtype, &source->embeddings_project_bias, error))
                  != NULL))
      && (source->relative_position_bias.data == NULL
          || (weights->relative_position_bias =
                     upload (&uploader, BERT_DTYPE_F32, &source->relative_position_bias, error))
              != NULL);
  /* A layer sharing an earlier one's tensors (ALBERT) reads that one's device copies. */
  for (int i = 0; ok && i < model->config.num_layers; i++)
    if (source->layers[i].shared)
      weights->layers[i] = weights->layers[source->layers[i].shared_layer];
    else
      ok = upload_layer (&uploader, &weights->layers[i], &source->layers[i], dtype, error);
  ok = ok && upload_head (&uploader, source, head, padded_labels, dtype, error);
  if (uploader.staging != NULL)
    cudaFree (uploader.staging);
  return ok;
}

static void
weights_clear (BertCudaWeights *weights)
{
  if (weights->allocations != NULL) {
    for (guint i = 0; i < weights->allocations->len; i++)
      cudaFree (g_ptr_array_index (weights->allocations, i));
    g_ptr_array_unref (weights->allocations);
  }
  g_free (weights->layers);
  memset (weights, 0, sizeof *weights);
}

/* ---- Sharing ---- */

/* The model is the engine's, which keeps it alive while any encoder on it exists, so its
 * address identifies it for as long as an entry can refer to it. */
typedef struct {
  const BertModel *model;
  int device_id;
  BertHead head;
  BertDType dtype;
  BertCudaWeights weights;
  int n_users;
} SharedWeights;

static GMutex shared_lock;
static GPtrArray *shared_weights; /* SharedWeights *, created on first use */

BertCudaWeights *
bert_cuda_weights_acquire (const BertModel *model, int device_id, BertHead head, int padded_labels,
    BertDType dtype, GError **error)
{
  SharedWeights *entry = NULL;
  cudaStream_t stream = NULL;

  g_mutex_lock (&shared_lock);
  if (shared_weights == NULL)
    shared_weights = g_ptr_array_new ();
  for (guint i = 0; i < shared_weights->len && entry == NULL; i++) {
    SharedWeights *candidate = g_ptr_array_index (shared_weights, i);
    if (candidate->model == model && candidate->device_id == device_id && candidate->head == head
        && candidate->dtype == dtype)
      entry = candidate;
  }
  if (entry == NULL) {
    /* Uploaded under the lock: a second encoder of the same model waits for this copy
     * rather than making its own. */
    entry = g_new0 (SharedWeights, 1);
    *entry = (SharedWeights){ model, device_id, head, dtype, { 0 }, 0 };
    if (!cuda_check (cudaStreamCreateWithFlags (&stream, cudaStreamNonBlocking), error)
        || !weights_upload (&entry->weights, model, head, padded_labels, dtype, stream, error)) {
      weights_clear (&entry->weights);
      g_free (entry);
      entry = NULL;
    } else {
      g_ptr_array_add (shared_weights, entry);
    }
    if (stream != NULL)
      cudaStreamDestroy (stream);
  }
  if (entry != NULL)
    entry->n_users++;
  g_mutex_unlock (&shared_lock);
  return entry != NULL ? &entry->weights : NULL;
}

void
bert_cuda_weights_release (BertCudaWeights *weights)
{
  SharedWeights *entry = (SharedWeights *) ((char *) weights - G_STRUCT_OFFSET (SharedWeights, weights));

  g_mutex_lock (&shared_lock);
  if (--entry->n_users == 0) {
    g_ptr_array_remove_fast (shared_weights, entry);
    weights_clear (&entry->weights);
    g_free (entry);
  }
  g_mutex_unlock (&shared_lock);
}
