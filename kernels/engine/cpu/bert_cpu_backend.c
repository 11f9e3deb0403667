/* bert_cpu_backend.c: the CPU backend, exact fp32 or with bf16 or int8 Linear layers.
 *
 * All tokens of a batch are packed into one matrix (no padding), so every Linear layer
 * is one matrix product over the whole batch; attention runs per sequence and head.
 * Linear layers run on weights packed once where the CPU has AVX-512, else through
 * cblas_sgemm (bert_cpu_gemm.h). The prepared weights (fp32 copies, packed panels) are
 * made once per model and precision and shared, read-only, by every CPU encoder of that
 * model and precision; each encoder keeps its own thread team and workspace. The
 * backend does its own threading with a BertCpuTeam, whose threads take work items
 * (column slices, row blocks, attention heads) from a shared counter, and keeps OpenBLAS
 * single-threaded, so the two never compete for cores.
 *
 * Precisions: fp32 is exact; bf16 and int8 change only the encoder layers' Linear
 * products (bert_cpu_gemm.h), and everything else (embeddings, LayerNorm, softmax and
 * attention, the FFN activation, residuals, pooling, the classifier heads) stays fp32. With int8,
 * the last third of the layers keeps all but the output (FFN down) product in bf16
 * (layer_format), chosen by measurement (docs/engine.md).
 */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bert_backend.h"
#include "bert_cpu_backend.h"
#include "bert_cpu_dense.h"
#include "bert_cpu_gemm.h"
#include "bert_cpu_kernels.h"
#include "bert_cpu_team.h"

/* Batches are computed in chunks of whole sequences of at most this many tokens
 * (a single longer sequence makes its own chunk), which bounds the workspace. */
#define CHUNK_TOKENS 4096

typedef struct {
  BertLinear qkv; /* query, key and value fused: [3 * hidden, hidden] */
  BertLinear attention_output, intermediate, output;
  const float *attention_layernorm_weight, *attention_layernorm_bias;
  const float *output_layernorm_weight, *output_layernorm_bias;
} CpuLayer;

/* A model's weights as the forward pass reads them. Immutable once prepared, so the
 * encoders sharing them need no lock to read them. */
typedef struct {
  const BertModel *model;  /* with pack and precision, the key in the cache */
  gboolean pack;           /* packed for the packed GEMM kernel */
  BertPrecision precision; /* FP32, BF16 or INT8, supported on this CPU */
  gsize bytes;             /* of the weights the forward pass reads */
  int users;               /* encoders holding them; under prepared_weights_lock */
  const float *word_embeddings, *position_embeddings;
  const float *token_type_embeddings; /* NULL for a family without token types */
  const float *embeddings_layernorm_weight, *embeddings_layernorm_bias;
  BertLinear embeddings_project; /* where config.projects_embeddings: ELECTRA's, ALBERT's */
  /* MPNet's relative position biases (bert_model.h); NULL without */
  const float *relative_position_bias;
  CpuLayer *layers;
  BertLinear pooler, classifier; /* when the model has those tensors */
  GPtrArray *owned;              /* fp32 copies made while preparing */
  gsize unallocated_bytes;       /* the first allocation preparing could not make, or 0 */
  BertCpuDense dense;            /* the sentence-transformers Dense modules, fp32 */
} CpuWeights;

/* One encoder's execution state over shared weights. */
typedef struct {
  const BertConfig *config;
  BertBackendSettings settings;
  int head_dim;
  CpuWeights *weights; /* shared with the model's other encoders: read only */
  BertCpuTeam *team;
  GMutex lock; /* one batch at a time: the workspace is shared */
  /* Workspace for capacity tokens: rows of hidden, 3 * hidden, intermediate values. */
  gsize capacity;
  float *hidden, *qkv, *context, *sum, *intermediate;
  float *embedded;          /* with embeddings_project: capacity rows of input_embedding_size values */
  float *attention_scratch; /* per thread */
  gsize attention_scratch_stride;
  float *dense_scratch; /* with Dense modules: a pooled row and 2 x dense.max_width */
} CpuBackend;

/* While preparing: NULL, and the size recorded for the error, when memory is short. */
static float *
owned_floats (CpuWeights *prepared, gsize n)
{
  float *buffer = bert_cpu_try_alloc_floats (n);

  if (buffer == NULL) {
    if (prepared->unallocated_bytes == 0)
      prepared->unallocated_bytes = MAX (n * sizeof (float), 1);
    return NULL;
  }
  g_ptr_array_add (prepared->owned, buffer);
  return buffer;
}

static gsize
tensor_elements (const BertTensor *tensor)
{
  return tensor->n_dims == 2 ? (gsize) (tensor->shape[0] * tensor->shape[1]) : (gsize) tensor->shape[0];
}

/* F32 tensors are used straight from the map when aligned; others are converted once. */
static const float *
tensor_as_f32 (CpuWeights *prepared, const BertTensor *tensor)
{
  float *copy;

  prepared->bytes += tensor_elements (tensor) * sizeof (float);
  if (tensor->dtype == BERT_DTYPE_F32 && ((guintptr) tensor->data) % sizeof (float) == 0)
    return tensor->data;
  copy = owned_floats (prepared, tensor_elements (tensor));
  if (copy != NULL)
    bert_cpu_convert_to_f32 (tensor->data, tensor->dtype, copy, tensor_elements (tensor));
  return copy;
}

/* A Linear layer from n_parts weights stacked along the output features (query, key
 * and value make one), in format. Once packed, the fp32 weight is not kept. */
static void
prepare_linear (CpuWeights *prepared, const BertTensor *const *weights, const BertTensor *const *biases,
    int n_parts, BertGemmFormat format, BertLinear *linear)
{
  gsize in_features = weights[0]->shape[1], out_features = 0, done = 0;
  float *weight, *bias;

  for (int i = 0; i < n_parts; i++)
    out_features += weights[i]->shape[0];
  if (n_parts == 1 && !prepared->pack) {
    bert_linear_init (linear, tensor_as_f32 (prepared, weights[0]), tensor_as_f32 (prepared, biases[0]),
        out_features, in_features, FALSE);
    return;
  }
  weight = owned_floats (prepared, out_features * in_features);
  bias = owned_floats (prepared, out_features);
  if (weight == NULL || bias == NULL)
    return;
  for (int i = 0; i < n_parts; i++) {
    bert_cpu_convert_to_f32 (weights[i]->data, weights[i]->dtype, weight + done * in_features,
        tensor_elements (weights[i]));
    bert_cpu_convert_to_f32 (biases[i]->data, biases[i]->dtype, bias + done, weights[i]->shape[0]);
    done += weights[i]->shape[0];
  }
  if (format != BERT_GEMM_F32
          ? !bert_linear_init_low (linear, format, weight, bias, out_features, in_features)
          : !bert_linear_init (linear, weight, bias, out_features, in_features, prepared->pack)) {
    prepared->unallocated_bytes =
        MAX (prepared->unallocated_bytes, out_features * in_features * sizeof (float));
    return;
  }
  prepared->bytes += bert_linear_weight_bytes (linear);
  if (format != BERT_GEMM_F32)
    g_ptr_array_remove_fast (prepared->owned, bias);
  if (prepared->pack) {
    /* The packed copy replaces it. */
    g_ptr_array_remove_fast (prepared->owned, weight);
    linear->weight = NULL;
  }
}

/* The format of the Q/K/V, attention output and intermediate products of layer `layer`
 * (of n_layers) at a precision. With int8, the last third of the layers keeps those in
 * bf16 (the output product, FFN down, is int8 in every layer): on all-MiniLM-L6-v2,
 * int8 everywhere falls to a cosine of 0.982 to fp32 on the reference lines, this
 * choice keeps 0.991 (docs/engine.md has the measurements). */
static BertGemmFormat
layer_format (BertPrecision precision, int layer, int n_layers)
{
  switch (precision) {
    case BERT_PRECISION_BF16: return BERT_GEMM_BF16;
    case BERT_PRECISION_INT8: return layer < n_layers - (n_layers + 2) / 3 ? BERT_GEMM_INT8 : BERT_GEMM_BF16;
    default: return BERT_GEMM_F32;
  }
}

static void
prepare_layer (CpuWeights *prepared, const BertLayerWeights *weights, int index, CpuLayer *layer)
{
  const BertTensor *qkv_weights[3] = { &weights->query_weight, &weights->key_weight, &weights->value_weight };
  const BertTensor *qkv_biases[3] = { &weights->query_bias, &weights->key_bias, &weights->value_bias };
  const BertTensor *attention_output_weight = &weights->attention_output_weight;
  const BertTensor *attention_output_bias = &weights->attention_output_bias;
  const BertTensor *intermediate_weight = &weights->intermediate_weight;
  const BertTensor *intermediate_bias = &weights->intermediate_bias;
  const BertTensor *output_weight = &weights->output_weight, *output_bias = &weights->output_bias;

  BertGemmFormat format = layer_format (prepared->precision, index, prepared->model->config.num_layers);
  /* int8 in every layer for the output (FFN down) product (see layer_format). */
  BertGemmFormat output_format = prepared->precision == BERT_PRECISION_INT8 ? BERT_GEMM_INT8 : format;

  prepare_linear (prepared, qkv_weights, qkv_biases, 3, format, &layer->qkv);
  prepare_linear (prepared, &attention_output_weight, &attention_output_bias, 1, format,
      &layer->attention_output);
  prepare_linear (prepared, &intermediate_weight, &intermediate_bias, 1, format, &layer->intermediate);
  prepare_linear (prepared, &output_weight, &output_bias, 1, output_format, &layer->output);
  layer->attention_layernorm_weight = tensor_as_f32 (prepared, &weights->attention_layernorm_weight);
  layer->attention_layernorm_bias = tensor_as_f32 (prepared, &weights->attention_layernorm_bias);
  layer->output_layernorm_weight = tensor_as_f32 (prepared, &weights->output_layernorm_weight);
  layer->output_layernorm_bias = tensor_as_f32 (prepared, &weights->output_layernorm_bias);
}

static void
prepared_weights_free (CpuWeights *prepared)
{
  for (int i = 0; i < prepared->model->config.num_layers; i++) {
    if (prepared->model->weights.layers[i].shared)
      continue;
    bert_linear_clear (&prepared->layers[i].qkv);
    bert_linear_clear (&prepared->layers[i].attention_output);
    bert_linear_clear (&prepared->layers[i].intermediate);
    bert_linear_clear (&prepared->layers[i].output);
  }
  bert_linear_clear (&prepared->embeddings_project);
  bert_linear_clear (&prepared->pooler);
  bert_linear_clear (&prepared->classifier);
  bert_cpu_dense_clear (&prepared->dense);
  g_free (prepared->layers);
  g_ptr_array_unref (prepared->owned);
  g_free (prepared);
}

/* Every tensor the model has, whatever its head, so that the result does not depend on
 * an encoder's settings; NULL, with the error, when memory is short. */
static CpuWeights *
prepare_weights (const BertModel *model, gboolean pack, BertPrecision precision, GError **error)
{
  const BertWeights *weights = &model->weights;
  const BertTensor *pooler_weight = &weights->pooler_weight, *pooler_bias = &weights->pooler_bias;
  const BertTensor *classifier_weight = &weights->classifier_weight;
  const BertTensor *classifier_bias = &weights->classifier_bias;
  const BertTensor *project_weight = &weights->embeddings_project_weight;
  const BertTensor *project_bias = &weights->embeddings_project_bias;
  CpuWeights *prepared = g_new0 (CpuWeights, 1);

  prepared->model = model;
  prepared->pack = pack;
  prepared->precision = precision;
  prepared->owned = g_ptr_array_new_with_free_func (free);
  prepared->word_embeddings = tensor_as_f32 (prepared, &weights->word_embeddings);
  prepared->position_embeddings = tensor_as_f32 (prepared, &weights->position_embeddings);
  if (weights->token_type_embeddings.data != NULL)
    prepared->token_type_embeddings = tensor_as_f32 (prepared, &weights->token_type_embeddings);
  prepared->embeddings_layernorm_weight = tensor_as_f32 (prepared, &weights->embeddings_layernorm_weight);
  prepared->embeddings_layernorm_bias = tensor_as_f32 (prepared, &weights->embeddings_layernorm_bias);
  /* fp32 at every precision, as the heads: one small product per token. */
  if (project_weight->data != NULL)
    prepare_linear (prepared, &project_weight, &project_bias, 1, BERT_GEMM_F32,
        &prepared->embeddings_project);
  if (weights->relative_position_bias.data != NULL)
    prepared->relative_position_bias = tensor_as_f32 (prepared, &weights->relative_position_bias);
  prepared->layers = g_new0 (CpuLayer, model->config.num_layers);
  /* A layer sharing an earlier one's tensors (ALBERT) reads that one's prepared weights,
   * in the format layer_format gave the earlier one: the copy is of the pointers. */
  for (int i = 0; i < model->config.num_layers; i++)
    if (weights->layers[i].shared)
      prepared->layers[i] = prepared->layers[weights->layers[i].shared_layer];
    else
      prepare_layer (prepared, &weights->layers[i], i, &prepared->layers[i]);
  if (pooler_weight->data != NULL)
    prepare_linear (prepared, &pooler_weight, &pooler_bias, 1, BERT_GEMM_F32, &prepared->pooler);
  if (classifier_weight->data != NULL)
    prepare_linear (prepared, &classifier_weight, &classifier_bias, 1, BERT_GEMM_F32, &prepared->classifier);
  if (!bert_cpu_dense_prepare (&prepared->dense, model))
    prepared->unallocated_bytes = MAX (prepared->unallocated_bytes,
        (gsize) prepared->dense.max_width * prepared->dense.max_width * sizeof (float));
  prepared->bytes += bert_cpu_dense_weight_bytes (&prepared->dense);
  if (prepared->unallocated_bytes > 0) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_OUT_OF_MEMORY,
        "CPU backend: no memory for the %s weights of %s (an allocation of %" G_GSIZE_FORMAT " MB failed)",
        bert_precision_get_name (precision), model->name, prepared->unallocated_bytes >> 20);
    prepared_weights_free (prepared);
    return NULL;
  }
  return prepared;
}

/* The prepared weights of every model some CPU encoder runs, keyed by model, pack and
 * precision.
 * An entry cannot outlive its model: each user is an encoder holding a model reference. */
static GMutex prepared_weights_lock;
static GList *prepared_weights_list;

static CpuWeights *
find_prepared_weights (const BertModel *model, gboolean pack, BertPrecision precision)
{
  for (GList *l = prepared_weights_list; l != NULL; l = l->next) {
    CpuWeights *prepared = l->data;

    if (prepared->model == model && prepared->pack == pack && prepared->precision == precision)
      return prepared;
  }
  return NULL;
}

/* The model's shared weights, prepared on first use. Preparing holds the lock, so that
 * an encoder created meanwhile waits for this copy instead of making a second. */
static CpuWeights *
prepared_weights_acquire (const BertModel *model, BertPrecision precision, GError **error)
{
  gboolean pack = bert_cpu_gemm_packed_enabled ();
  CpuWeights *prepared;

  g_mutex_lock (&prepared_weights_lock);
  prepared = find_prepared_weights (model, pack, precision);
  if (prepared == NULL) {
    prepared = prepare_weights (model, pack, precision, error);
    if (prepared != NULL)
      prepared_weights_list = g_list_prepend (prepared_weights_list, prepared);
  }
  if (prepared != NULL)
    prepared->users++;
  g_mutex_unlock (&prepared_weights_lock);
  return prepared;
}

static void
prepared_weights_release (CpuWeights *prepared)
{
  gboolean last;

  g_mutex_lock (&prepared_weights_lock);
  last = --prepared->users == 0;
  if (last)
    prepared_weights_list = g_list_remove (prepared_weights_list, prepared);
  g_mutex_unlock (&prepared_weights_lock);
  if (last)
    prepared_weights_free (prepared);
}

int
bert_backend_cpu_prepared_weights_users (const BertModel *model)
{
  gboolean pack = bert_cpu_gemm_packed_enabled ();
  int users = 0;

  g_mutex_lock (&prepared_weights_lock);
  for (GList *l = prepared_weights_list; l != NULL; l = l->next) {
    const CpuWeights *prepared = l->data;

    if (prepared->model == model && prepared->pack == pack)
      users += prepared->users;
  }
  g_mutex_unlock (&prepared_weights_lock);
  return users;
}

int
bert_backend_cpu_prepared_weights_count (void)
{
  int count;

  g_mutex_lock (&prepared_weights_lock);
  count = g_list_length (prepared_weights_list);
  g_mutex_unlock (&prepared_weights_lock);
  return count;
}

/* ELECTRA with embeddings narrower or wider than hidden_size, ALBERT: a projection follows them. */
static gboolean
has_embeddings_project (const CpuBackend *cpu)
{
  return cpu->config->projects_embeddings;
}

static void
free_token_rows (CpuBackend *cpu)
{
  free (cpu->hidden);
  free (cpu->qkv);
  free (cpu->context);
  free (cpu->sum);
  free (cpu->intermediate);
  free (cpu->embedded);
  cpu->hidden = cpu->qkv = cpu->context = cpu->sum = cpu->intermediate = cpu->embedded = NULL;
  cpu->capacity = 0;
}

/* Grows the workspace to n_tokens rows and max_seq_len attention scratch. */
static gboolean
reserve_workspace (CpuBackend *cpu, gsize n_tokens, int max_seq_len, GError **error)
{
  gsize hidden = cpu->config->hidden_size;
  gsize embedded_width = has_embeddings_project (cpu) ? cpu->config->input_embedding_size : 0;
  gsize scratch = bert_cpu_attention_scratch_size (max_seq_len, cpu->head_dim);

  if (n_tokens > cpu->capacity) {
    free_token_rows (cpu);
    cpu->hidden = bert_cpu_try_alloc_floats (n_tokens * hidden);
    cpu->qkv = bert_cpu_try_alloc_floats (n_tokens * 3 * hidden);
    cpu->context = bert_cpu_try_alloc_floats (n_tokens * hidden);
    cpu->sum = bert_cpu_try_alloc_floats (n_tokens * hidden);
    cpu->intermediate = bert_cpu_try_alloc_floats (n_tokens * cpu->config->intermediate_size);
    if (has_embeddings_project (cpu))
      cpu->embedded = bert_cpu_try_alloc_floats (n_tokens * embedded_width);
    if (!cpu->hidden || !cpu->qkv || !cpu->context || !cpu->sum || !cpu->intermediate
        || (has_embeddings_project (cpu) && !cpu->embedded)) {
      free_token_rows (cpu);
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_OUT_OF_MEMORY,
          "CPU backend: no memory for the workspace of %" G_GSIZE_FORMAT " tokens (%" G_GSIZE_FORMAT " MB)",
          n_tokens, n_tokens * (6 * hidden + cpu->config->intermediate_size + embedded_width) * 4 >> 20);
      return FALSE;
    }
    cpu->capacity = n_tokens;
  }
  if (scratch > cpu->attention_scratch_stride) {
    /* Rounded to whole cache lines so that threads never share one. */
    gsize stride = (scratch + 15) & ~(gsize) 15;

    free (cpu->attention_scratch);
    cpu->attention_scratch = bert_cpu_try_alloc_floats (stride * bert_cpu_team_size (cpu->team));
    cpu->attention_scratch_stride = cpu->attention_scratch ? stride : 0;
    if (cpu->attention_scratch == NULL) {
      g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_OUT_OF_MEMORY,
          "CPU backend: no memory for attention over %d tokens", max_seq_len);
      return FALSE;
    }
  }
  return TRUE;
}

/* The steps of a layer after attention, in order. */
typedef enum {
  STEP_ATTENTION_OUTPUT,    /* sum = context W^T + b + hidden */
  STEP_ATTENTION_LAYERNORM, /* hidden = LayerNorm (sum) */
  STEP_INTERMEDIATE,        /* intermediate = hidden_act (hidden W^T + b) */
  STEP_OUTPUT,              /* sum = intermediate W^T + b + hidden */
  STEP_OUTPUT_LAYERNORM,    /* hidden = LayerNorm (sum) */
  STEP_QKV,                 /* qkv = hidden W^T + b, the next layer's first step */
  N_STEPS
} Step;

/* One chunk of a batch in flight through the phases below. */
typedef struct {
  CpuBackend *cpu;
  const int32_t *ids, *type_ids;
  int32_t *positions;          /* each token's position in its sequence */
  const uint32_t *seq_offsets; /* relative to the chunk's first token */
  int n_sequences, n_tokens;
  const CpuLayer *layer;
  int rows_per_item;
  Step step;      /* the step column_phase runs */
  gint next_item; /* the current phase's work counter */
} ForwardPass;

/* The block [first, last) x [begin, end) of y = x W^T + b; x and y are dense. */
static void
linear_block (const BertLinear *linear, const float *x, float *y, int first, int last, int begin, int end)
{
  bert_linear_forward (linear, x + (gsize) first * linear->k, last - first, linear->k, begin, end,
      y + (gsize) first * linear->n, linear->n);
}

/* Rows [first, last) of hidden: LayerNorm (word + token type + position), in place in
 * the rows it writes, which are embedded's (input_embedding_size wide) where ELECTRA's
 * embeddings_project then maps them to hidden. */
static void
embed_rows (ForwardPass *pass, int first, int last)
{
  CpuBackend *cpu = pass->cpu;
  const CpuWeights *weights = cpu->weights;
  gsize width = cpu->config->input_embedding_size;
  float *rows = has_embeddings_project (cpu) ? cpu->embedded : cpu->hidden;

  for (int t = first; t < last; t++) {
    const float *word = weights->word_embeddings + (gsize) pass->ids[t] * width;
    const float *position = weights->position_embeddings + (gsize) pass->positions[t] * width;
    /* Families without type ids take row 0; adding 0 where there is no table changes nothing. */
    int32_t type_id = cpu->config->uses_type_ids ? pass->type_ids[t] : 0;
    const float *token_type =
        weights->token_type_embeddings ? weights->token_type_embeddings + (gsize) type_id * width : NULL;
    float *sum = rows + t * width;

    for (gsize c = 0; c < width; c++)
      sum[c] = word[c] + (token_type ? token_type[c] : 0.0f) + position[c];
    bert_cpu_layernorm (sum, sum, width, weights->embeddings_layernorm_weight,
        weights->embeddings_layernorm_bias, cpu->config->layer_norm_eps);
  }
  if (has_embeddings_project (cpu))
    linear_block (&weights->embeddings_project, cpu->embedded, cpu->hidden, first, last, 0,
        cpu->config->hidden_size);
}

static void
layernorm_rows (ForwardPass *pass, int first, int last, const float *weight, const float *bias)
{
  CpuBackend *cpu = pass->cpu;
  gsize hidden = cpu->config->hidden_size;

  for (int t = first; t < last; t++)
    bert_cpu_layernorm (cpu->sum + t * hidden, cpu->hidden + t * hidden, hidden, weight, bias,
        cpu->config->layer_norm_eps);
}

/* Runs step on rows [first, last), columns [begin, end) of its output (LayerNorm steps
 * take whole rows). */
static void
run_step (ForwardPass *pass, const CpuLayer *layer, Step step, int first, int last, int begin, int end)
{
  CpuBackend *cpu = pass->cpu;
  int hidden = cpu->config->hidden_size, intermediate = cpu->config->intermediate_size;
  int rows = last - first, columns = end - begin;

  switch (step) {
    case STEP_ATTENTION_OUTPUT:
      linear_block (&layer->attention_output, cpu->context, cpu->sum, first, last, begin, end);
      bert_cpu_add_residual (cpu->sum + (gsize) first * hidden + begin, rows, columns, hidden,
          cpu->hidden + (gsize) first * hidden + begin);
      break;
    case STEP_ATTENTION_LAYERNORM:
      layernorm_rows (pass, first, last, layer->attention_layernorm_weight, layer->attention_layernorm_bias);
      break;
    case STEP_INTERMEDIATE:
      linear_block (&layer->intermediate, cpu->hidden, cpu->intermediate, first, last, begin, end);
      bert_cpu_activation (cpu->config->hidden_act, cpu->intermediate + (gsize) first * intermediate + begin,
          rows, columns, intermediate);
      break;
    case STEP_OUTPUT:
      linear_block (&layer->output, cpu->intermediate, cpu->sum, first, last, begin, end);
      bert_cpu_add_residual (cpu->sum + (gsize) first * hidden + begin, rows, columns, hidden,
          cpu->hidden + (gsize) first * hidden + begin);
      break;
    case STEP_OUTPUT_LAYERNORM:
      layernorm_rows (pass, first, last, layer->output_layernorm_weight, layer->output_layernorm_bias);
      break;
    case STEP_QKV: linear_block (&layer->qkv, cpu->hidden, cpu->qkv, first, last, begin, end); break;
    case N_STEPS: break;
  }
}

static int
step_columns (const CpuBackend *cpu, Step step)
{
  switch (step) {
    case STEP_INTERMEDIATE: return cpu->config->intermediate_size;
    case STEP_QKV: return 3 * cpu->config->hidden_size;
    default: return cpu->config->hidden_size;
  }
}

/* Rows per work item: enough to keep the packed kernel's register blocks full. */
#define ROWS_PER_ITEM 48

/* bf16 and int8 read each Linear layer's weights (from L3) once per item, so their
 * items grow up to BERT_GEMM_AMX_STAGE_ROWS rows: items of about equal size, two per
 * thread or more, in a multiple of the threads. Fewer tokens than two items of
 * ROWS_PER_ITEM per thread keep ROWS_PER_ITEM, so the choice of row or column items
 * (run_encoder) is the same at every precision. */
static int
choose_rows_per_item (const CpuBackend *cpu, int n_tokens)
{
  int threads = bert_cpu_team_size (cpu->team), per_round = threads * BERT_GEMM_AMX_STAGE_ROWS;
  int n_items = threads * MAX (2, (n_tokens + per_round - 1) / per_round);

  if (cpu->config->num_layers == 0 || cpu->weights->layers[0].qkv.format == BERT_GEMM_F32)
    return ROWS_PER_ITEM;
  return MAX (ROWS_PER_ITEM, (n_tokens + n_items - 1) / n_items);
}

static int
row_items (const ForwardPass *pass)
{
  return (pass->n_tokens + pass->rows_per_item - 1) / pass->rows_per_item;
}

static void
item_rows (const ForwardPass *pass, int item, int *first, int *last)
{
  *first = item * pass->rows_per_item;
  *last = MIN (*first + pass->rows_per_item, pass->n_tokens);
}

/* Column items hold whole panels, about four items per thread in fp32; one in bf16 and
 * int8, whose kernels round or quantize every row of x again in each item (measured:
 * 15-20% faster at batch 8). A layer's Linear layers are all fp32 or none. */
static int
item_columns (const ForwardPass *pass, Step step)
{
  int n_panels = (step_columns (pass->cpu, step) + BERT_GEMM_PANEL - 1) / BERT_GEMM_PANEL;
  int per_thread = pass->layer->qkv.format == BERT_GEMM_F32 ? 4 : 1;

  return MAX (1, n_panels / (per_thread * bert_cpu_team_size (pass->cpu->team))) * BERT_GEMM_PANEL;
}

/* Few tokens: items are shares of the step's output columns (shares of the weights),
 * or for LayerNorm, of rows. */
static void
column_phase (int thread_index, gpointer data)
{
  ForwardPass *pass = data;
  int columns = step_columns (pass->cpu, pass->step), width, item, first, last;

  if (pass->step == STEP_ATTENTION_LAYERNORM || pass->step == STEP_OUTPUT_LAYERNORM) {
    while ((item = bert_cpu_team_next_item (&pass->next_item, row_items (pass))) >= 0) {
      item_rows (pass, item, &first, &last);
      run_step (pass, pass->layer, pass->step, first, last, 0, 0);
    }
    return;
  }
  width = item_columns (pass, pass->step);
  while ((item = bert_cpu_team_next_item (&pass->next_item, (columns + width - 1) / width)) >= 0)
    run_step (pass, pass->layer, pass->step, 0, pass->n_tokens, item * width,
        MIN ((item + 1) * width, columns));
}

/* Many tokens: items are rows, taken through all the steps from attention's output to
 * the next layer's QKV, which need no other rows. */
static void
row_phase (int thread_index, gpointer data)
{
  ForwardPass *pass = data;
  const CpuLayer *next_layer = pass->layer + 1;
  gboolean last_layer = next_layer == pass->cpu->weights->layers + pass->cpu->config->num_layers;
  int item, first, last;

  while ((item = bert_cpu_team_next_item (&pass->next_item, row_items (pass))) >= 0) {
    item_rows (pass, item, &first, &last);
    for (Step step = STEP_ATTENTION_OUTPUT; step < STEP_QKV; step++)
      run_step (pass, pass->layer, step, first, last, 0, step_columns (pass->cpu, step));
    if (!last_layer)
      run_step (pass, next_layer, STEP_QKV, first, last, 0, step_columns (pass->cpu, STEP_QKV));
  }
}

static void
embed_phase (int thread_index, gpointer data)
{
  ForwardPass *pass = data;
  int item, first, last;

  while ((item = bert_cpu_team_next_item (&pass->next_item, row_items (pass))) >= 0) {
    item_rows (pass, item, &first, &last);
    embed_rows (pass, first, last);
  }
}

/* Items are (sequence, head) pairs; or with many sequences, sequences, whose rows of
 * Q/K/V one thread then reads whole, in order. */
static void
attention_phase (int thread_index, gpointer data)
{
  ForwardPass *pass = data;
  CpuBackend *cpu = pass->cpu;
  int hidden = cpu->config->hidden_size, n_heads = cpu->config->num_heads;
  int head_dim = cpu->head_dim, item;
  int heads_per_item = pass->n_sequences >= 4 * bert_cpu_team_size (cpu->team) ? n_heads : 1;
  float *scratch = cpu->attention_scratch + thread_index * cpu->attention_scratch_stride;

  while ((item = bert_cpu_team_next_item (&pass->next_item, pass->n_sequences * n_heads / heads_per_item))
      >= 0) {
    int s = item * heads_per_item / n_heads, first_head = item * heads_per_item % n_heads;
    gsize first = pass->seq_offsets[s];

    for (int head = first_head; head < first_head + heads_per_item; head++) {
      const float *q = cpu->qkv + first * 3 * hidden + head * head_dim;
      const float *position_bias = bert_position_bias_row (cpu->weights->relative_position_bias,
          cpu->config->max_position_embeddings, head);

      bert_cpu_attention_head (q, q + hidden, q + 2 * hidden, 3 * hidden,
          cpu->context + first * hidden + head * head_dim, hidden, pass->seq_offsets[s + 1] - first, head_dim,
          position_bias, scratch);
    }
  }
}

static void
run_phase (ForwardPass *pass, BertCpuTeamFunc phase)
{
  pass->next_item = 0;
  bert_cpu_team_run (pass->cpu->team, phase, pass);
}

static void
run_column_step (ForwardPass *pass, Step step)
{
  pass->step = step;
  run_phase (pass, column_phase);
}

static void
run_encoder (ForwardPass *pass)
{
  CpuBackend *cpu = pass->cpu;
  gboolean by_rows;

  pass->rows_per_item = choose_rows_per_item (cpu, pass->n_tokens);
  /* Row items once every thread gets two; until then threads share the weights by
   * columns, at the cost of more runs per layer. */
  by_rows = row_items (pass) >= 2 * bert_cpu_team_size (cpu->team);

  run_phase (pass, embed_phase);
  pass->layer = &cpu->weights->layers[0];
  run_column_step (pass, STEP_QKV);
  for (int l = 0; l < cpu->config->num_layers; l++) {
    pass->layer = &cpu->weights->layers[l];
    run_phase (pass, attention_phase);
    if (by_rows) {
      run_phase (pass, row_phase);
      continue;
    }
    for (Step step = STEP_ATTENTION_OUTPUT; step < STEP_QKV; step++)
      run_column_step (pass, step);
    if (l + 1 < cpu->config->num_layers) {
      pass->layer = &cpu->weights->layers[l + 1];
      run_column_step (pass, STEP_QKV);
    }
  }
}

static void
normalize (float *x, int n)
{
  float sum_squares = 0.0f, scale;

  for (int i = 0; i < n; i++)
    sum_squares += x[i] * x[i];
  /* torch.nn.functional.normalize: x / max (||x||, 1e-12). */
  scale = 1.0f / fmaxf (sqrtf (sum_squares), 1e-12f);
  for (int i = 0; i < n; i++)
    x[i] *= scale;
}

/* Pools rows [skip, n_rows) of a sequence into pooled (hidden values), as
 * sentence-transformers' Pooling does with the first skip tokens masked out: the means
 * and the last token over none are zeros, max over none -inf, and CLS takes row skip, or
 * row 0 when none is left (the first set position of an all-zero mask). weightedmean
 * weighs row t by t + 1 whatever skip is (Pooling numbers positions before masking the
 * prompt). */
static void
pool_rows (BertPooling pooling, const float *rows, int n_rows, int skip, int hidden, float *pooled)
{
  int first = MIN (skip, n_rows);
  float weight_sum = 0.0f;

  if (pooling == BERT_POOLING_CLS) {
    memcpy (pooled, rows + (gsize) (first < n_rows ? first : 0) * hidden, hidden * sizeof *pooled);
    return;
  }
  if (pooling == BERT_POOLING_LAST_TOKEN && first < n_rows) {
    memcpy (pooled, rows + (gsize) (n_rows - 1) * hidden, hidden * sizeof *pooled);
    return;
  }
  for (int c = 0; c < hidden; c++)
    pooled[c] = pooling == BERT_POOLING_MAX ? -INFINITY : 0.0f;
  if (pooling == BERT_POOLING_LAST_TOKEN)
    return;
  for (int t = first; t < n_rows; t++) {
    const float *row = rows + (gsize) t * hidden;
    float weight = pooling == BERT_POOLING_WEIGHTED_MEAN ? (float) (t + 1) : 1.0f;

    weight_sum += weight;
    for (int c = 0; c < hidden; c++)
      pooled[c] = pooling == BERT_POOLING_MAX ? fmaxf (pooled[c], row[c]) : pooled[c] + weight * row[c];
  }
  if (pooling == BERT_POOLING_MAX || first == n_rows)
    return;
  for (int c = 0; c < hidden; c++)
    pooled[c] /= pooling == BERT_POOLING_MEAN_SQRT_LEN ? sqrtf (weight_sum) : weight_sum;
}

/* Pools a sequence's rows after its first skip (its prompt's, or 0) into out
 * (embedding_size values): each mode's hidden values after the previous mode's, as
 * sentence-transformers concatenates them, through the Dense modules when the model has
 * them, then normalises the whole. */
static void
pool_sequence (const CpuBackend *cpu, const float *rows, int n_rows, int skip, float *out)
{
  const BertPoolings *pooling = &cpu->settings.pooling;
  int hidden = cpu->config->hidden_size;
  float *pooled = cpu->config->num_dense > 0 ? cpu->dense_scratch : out;

  for (int m = 0; m < pooling->n_modes; m++)
    pool_rows (pooling->modes[m], rows, n_rows, skip, hidden, pooled + (gsize) m * hidden);
  if (cpu->config->num_dense > 0)
    bert_cpu_dense_forward (&cpu->weights->dense, pooled, out,
        cpu->dense_scratch + pooling->n_modes * hidden);
  if (cpu->settings.normalize)
    normalize (out, bert_config_get_pooled_embedding_size (cpu->config, pooling));
}

static int32_t
argmax (const float *x, int n)
{
  int32_t best = 0;

  for (int i = 1; i < n; i++)
    if (x[i] > x[best])
      best = i;
  return best;
}

/* Which labels of one row apply: each over the threshold for sigmoid scores, else the
 * highest-scoring one. */
static void
mark_applying_labels (uint8_t *applies, const float *probs, int n_labels, int32_t label,
    BertScoreFunction score_function)
{
  for (int i = 0; i < n_labels; i++)
    applies[i] = score_function == BERT_SCORES_SIGMOID ? probs[i] > BERT_MULTI_LABEL_THRESHOLD : i == label;
}

/* A row of logits, in place, to the model's scores. */
static void
score_row (float *row, int n_labels, BertScoreFunction score_function)
{
  switch (score_function) {
    case BERT_SCORES_SOFTMAX: bert_cpu_softmax (row, n_labels); break;
    case BERT_SCORES_SIGMOID:
      for (int i = 0; i < n_labels; i++)
        row[i] = 1.0f / (1.0f + expf (-row[i]));
      break;
    case BERT_SCORES_TANH:
      for (int i = 0; i < n_labels; i++)
        row[i] = tanhf (row[i]);
      break;
    case BERT_SCORES_IDENTITY:
    default: break;
  }
}

/* In place: the activation between a sequence classifier's two Linear layers. tanh stays
 * libm's, as the heads have always computed it; the others are the FFN's kernels. */
static void
apply_classifier_activation (float *x, int rows, int cols, BertActivation activation)
{
  gsize n = (gsize) rows * cols;

  if (activation != BERT_ACTIVATION_TANH) {
    bert_cpu_activation (activation, x, rows, cols, cols);
    return;
  }
  for (gsize i = 0; i < n; i++)
    x[i] = tanhf (x[i]);
}

/* logits = classifier (activation (pooler (first rows))), the activation tanh (BERT's
 * pooler, RoBERTa's classification head), ReLU (DistilBERT) or GELU (ELECTRA); probs by
 * the model's score function. */
static void
classify_sequences (CpuBackend *cpu, const ForwardPass *pass, float *logits, float *probs, int32_t *labels,
    uint8_t *applies)
{
  int hidden = cpu->config->hidden_size, n_labels = cpu->config->num_labels;
  BertScoreFunction score_function = cpu->config->score_function;
  int n = pass->n_sequences;

  for (int s = 0; s < n; s++)
    memcpy (cpu->context + (gsize) s * hidden, cpu->hidden + (gsize) pass->seq_offsets[s] * hidden,
        hidden * sizeof (float));
  bert_linear_forward (&cpu->weights->pooler, cpu->context, n, hidden, 0, hidden, cpu->sum, hidden);
  apply_classifier_activation (cpu->sum, n, hidden, cpu->config->classifier_activation);
  bert_linear_forward (&cpu->weights->classifier, cpu->sum, n, hidden, 0, n_labels, logits, n_labels);
  for (int s = 0; s < n; s++) {
    float *row = probs + (gsize) s * n_labels;

    memcpy (row, logits + (gsize) s * n_labels, n_labels * sizeof (float));
    score_row (row, n_labels, score_function);
    labels[s] = argmax (logits + (gsize) s * n_labels, n_labels);
    mark_applying_labels (applies + (gsize) s * n_labels, row, n_labels, labels[s], score_function);
  }
}

static void
classify_tokens (CpuBackend *cpu, const ForwardPass *pass, float *token_logits, float *token_probs,
    int32_t *token_labels)
{
  int hidden = cpu->config->hidden_size, n_labels = cpu->config->num_labels;

  bert_linear_forward (&cpu->weights->classifier, cpu->hidden, pass->n_tokens, hidden, 0, n_labels,
      token_logits, n_labels);
  for (int t = 0; t < pass->n_tokens; t++) {
    float *probs = token_probs + (gsize) t * n_labels;

    token_labels[t] = argmax (token_logits + (gsize) t * n_labels, n_labels);
    memcpy (probs, token_logits + (gsize) t * n_labels, n_labels * sizeof (float));
    bert_cpu_softmax (probs, n_labels);
  }
}

/* Writes the head's outputs of a chunk whose first sequence is first_sequence;
 * prompt_lengths are the whole batch's (or NULL). */
static void
run_head (CpuBackend *cpu, const ForwardPass *pass, BertBatchOutput *output, int first_sequence,
    int first_token, const uint32_t *prompt_lengths)
{
  int hidden = cpu->config->hidden_size, n_labels = cpu->config->num_labels;

  switch (cpu->settings.head) {
    case BERT_HEAD_ENCODER:
      for (int s = 0; s < pass->n_sequences; s++)
        pool_sequence (cpu, cpu->hidden + (gsize) pass->seq_offsets[s] * hidden,
            pass->seq_offsets[s + 1] - pass->seq_offsets[s],
            prompt_lengths ? (int) MIN (prompt_lengths[first_sequence + s], G_MAXINT) : 0,
            output->embeddings + (gsize) (first_sequence + s) * output->embedding_size);
      break;
    case BERT_HEAD_SEQUENCE_CLASSIFIER:
      classify_sequences (cpu, pass, output->logits + (gsize) first_sequence * n_labels,
          output->probs + (gsize) first_sequence * n_labels, output->labels + first_sequence,
          output->label_applies + (gsize) first_sequence * n_labels);
      break;
    case BERT_HEAD_TOKEN_CLASSIFIER:
      classify_tokens (cpu, pass, output->token_logits + (gsize) first_token * n_labels,
          output->token_probs + (gsize) first_token * n_labels, output->token_labels + first_token);
      break;
  }
}

/* The sequences [first, last) of batch that fit in one chunk, at least one. */
static int
chunk_end (const BertPackedBatch *batch, int first)
{
  int last = first + 1;

  while (last < (int) batch->n_sequences
      && batch->seq_offsets[last + 1] - batch->seq_offsets[first] <= CHUNK_TOKENS)
    last++;
  return last;
}

static gboolean
run_chunk (CpuBackend *cpu, const BertPackedBatch *batch, int first, int last, BertBatchOutput *output,
    GError **error)
{
  uint32_t first_token = batch->seq_offsets[first];
  uint32_t *offsets = g_new (uint32_t, last - first + 1);
  ForwardPass pass = { 0 };
  gboolean ok;

  for (int s = first; s <= last; s++)
    offsets[s - first] = batch->seq_offsets[s] - first_token;
  pass.positions = g_new (int32_t, offsets[last - first]);
  for (int s = 0; s < last - first; s++)
    bert_position_ids (cpu->config->position_offset, batch->ids + first_token + offsets[s],
        offsets[s + 1] - offsets[s], pass.positions + offsets[s]);
  pass.cpu = cpu;
  pass.ids = batch->ids + first_token;
  pass.type_ids = batch->type_ids + first_token;
  pass.seq_offsets = offsets;
  pass.n_sequences = last - first;
  pass.n_tokens = offsets[last - first];
  ok = reserve_workspace (cpu, pass.n_tokens, batch->max_seq_len, error);
  if (ok) {
    run_encoder (&pass);
    run_head (cpu, &pass, output, first, first_token, batch->prompt_lengths);
  }
  g_free (pass.positions);
  g_free (offsets);
  return ok;
}

static gpointer
cpu_submit (gpointer state, const BertPackedBatch *batch, BertBatchOutput *output, GError **error)
{
  CpuBackend *cpu = state;
  gint64 start = g_get_monotonic_time ();
  gboolean ok = TRUE;

  g_mutex_lock (&cpu->lock);
  for (int first = 0, last; ok && first < (int) batch->n_sequences; first = last) {
    last = chunk_end (batch, first);
    ok = run_chunk (cpu, batch, first, last, output, error);
  }
  g_mutex_unlock (&cpu->lock);
  output->compute_seconds = (g_get_monotonic_time () - start) / 1e6;
  /* The work is done: the output itself serves as the job handle. */
  return ok ? output : NULL;
}

static gboolean
cpu_wait (gpointer state, gpointer job, GError **error)
{
  return TRUE;
}

static void
cpu_destroy (gpointer state)
{
  CpuBackend *cpu = state;

  bert_cpu_team_free (cpu->team);
  free_token_rows (cpu);
  free (cpu->attention_scratch);
  free (cpu->dense_scratch);
  if (cpu->weights != NULL)
    prepared_weights_release (cpu->weights);
  g_mutex_clear (&cpu->lock);
  g_free (cpu);
}

static gboolean
allocate_dense_scratch (CpuBackend *cpu, GError **error)
{
  if (cpu->config->num_dense == 0)
    return TRUE;
  cpu->dense_scratch =
      bert_cpu_try_alloc_floats (cpu->settings.pooling.n_modes * (gsize) cpu->config->hidden_size
          + 2 * (gsize) cpu->weights->dense.max_width);
  if (cpu->dense_scratch == NULL)
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_OUT_OF_MEMORY,
        "CPU backend: no memory for the Dense modules' scratch");
  return cpu->dense_scratch != NULL;
}

static gpointer
cpu_create (const BertModel *model, const BertBackendSettings *settings, GError **error)
{
  CpuBackend *cpu = g_new0 (CpuBackend, 1);
  int n_threads = settings->n_threads > 0 ? settings->n_threads : (int) g_get_num_processors ();

  /* This backend threads itself; OpenBLAS threads would compete for the same cores. */
  openblas_set_num_threads (1);
  cpu->config = &model->config;
  cpu->settings = *settings;
  cpu->head_dim = model->config.hidden_size / model->config.num_heads;
  g_mutex_init (&cpu->lock);
  cpu->team = bert_cpu_team_new (n_threads);
  cpu->weights =
      prepared_weights_acquire (model, bert_backend_cpu_resolve_precision (settings->precision, NULL), error);
  if (cpu->weights == NULL || !allocate_dense_scratch (cpu, error)) {
    cpu_destroy (cpu);
    return NULL;
  }
  return cpu;
}

BertPrecision
bert_backend_cpu_resolve_precision (BertPrecision requested, char **reason)
{
  BertGemmFormat format = requested == BERT_PRECISION_BF16 ? BERT_GEMM_BF16 : BERT_GEMM_INT8;

  if (reason != NULL)
    *reason = NULL;
  switch (requested) {
    case BERT_PRECISION_AUTO:
    case BERT_PRECISION_FP32: return BERT_PRECISION_FP32;
    case BERT_PRECISION_FP16:
      if (reason != NULL)
        *reason = g_strdup ("fp16 runs on CUDA only: the CPU computes in fp32 (bf16 and int8 "
                            "are the CPU's reduced precisions)");
      return BERT_PRECISION_FP32;
    case BERT_PRECISION_BF16:
    case BERT_PRECISION_INT8:
      if (bert_cpu_gemm_format_supported (format))
        return requested;
      if (reason != NULL)
        *reason = g_strdup_printf ("%s needs %s, which this CPU lacks (or GST_BERT_CPU_GEMM "
                                   "turns off): the CPU computes in fp32",
            bert_precision_get_name (requested),
            requested == BERT_PRECISION_BF16 ? "AVX512_BF16" : "AVX512_VNNI");
      return BERT_PRECISION_FP32;
  }
  return BERT_PRECISION_FP32;
}

gsize
bert_backend_cpu_weights_bytes (gpointer state)
{
  const CpuBackend *cpu = state;

  return cpu->weights->bytes;
}

static const BertBackend cpu_backend = {
  .name = "cpu",
  .asynchronous = FALSE,
  .pools_without_prompt = TRUE,
  .create = cpu_create,
  .destroy = cpu_destroy,
  .submit = cpu_submit,
  .wait = cpu_wait,
};

const BertBackend *
bert_backend_cpu_get (void)
{
  return &cpu_backend;
}
