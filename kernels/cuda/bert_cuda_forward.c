/* bert_cuda_forward.c: the encoder's forward pass as a sequence of kernels and GEMMs on the
 * state's stream, over all tokens of a batch packed together (no padding anywhere).
 *
 * First hidden = LayerNorm (word + position + token type embeddings), for ELECTRA with
 * embeddings of their own width then hidden = embedded . Wproject^T + bproject (cuBLASLt).
 * Per layer (post-LayerNorm BERT):
 *   qkv       = hidden . Wqkv^T + bqkv                 cuBLASLt, bias epilogue
 *   context   = attention_varlen (qkv)                 per sequence and head (MPNet: with
 *                                                      its relative position bias)
 *   attention = LayerNorm (context . Wo^T + bo + hidden)
 *   inter     = hidden_act (attention . Wi^T + bi)     cuBLASLt, then bias_activation
 *   hidden    = LayerNorm (inter . Wout^T + bout + attention)
 * then the head: pooling (+ L2 norm), or pooler + classifier, or token classifier.
 * Nothing here waits for the device or reads back from it, except with GST_BERT_CUDA_SYNC=1
 * (state->sync_each_step): then every kernel and GEMM is followed by a stream
 * synchronisation, so that a fault is reported naming the step and layer that caused it
 * rather than by the wait that finds it later. For debugging: it serialises host and GPU.
 */
#include <string.h>

#include "bert_cuda_backend_private.h"
#include "bert_cuda_check.h"
#include "bert_cuda_kernels.h"

BertCudaInputLayout
bert_cuda_input_layout (uint32_t n_tokens, uint32_t n_sequences)
{
  BertCudaInputLayout layout;

  layout.ids = 0;
  layout.type_ids = n_tokens;
  layout.positions = 2 * (size_t) n_tokens;
  layout.seq_offsets = 3 * (size_t) n_tokens;
  layout.prompt_lengths = layout.seq_offsets + n_sequences + 1;
  layout.n_elements = layout.prompt_lengths + n_sequences;
  return layout;
}

BertCudaOutputLayout
bert_cuda_output_layout (const BertCudaState *state, uint32_t n_tokens, uint32_t n_sequences)
{
  BertCudaOutputLayout layout = { 0 };
  size_t n_labels = state->shape.n_labels;

  switch (state->settings.head) {
    case BERT_HEAD_ENCODER: layout.n_elements = (size_t) n_sequences * state->shape.embedding_size; break;
    case BERT_HEAD_SEQUENCE_CLASSIFIER:
      layout.probs = n_sequences * n_labels;
      layout.labels = 2 * n_sequences * n_labels;
      layout.applies = layout.labels + n_sequences;
      layout.n_elements = layout.applies + (n_sequences * n_labels + 3) / 4;
      break;
    case BERT_HEAD_TOKEN_CLASSIFIER:
      layout.probs = n_tokens * n_labels;
      layout.labels = 2 * n_tokens * n_labels;
      layout.n_elements = layout.labels + n_tokens;
      break;
  }
  return layout;
}

void
bert_cuda_activations_clear (BertCudaActivations *activations)
{
  void *buffers[] = { activations->inputs, activations->embedded, activations->hidden,
    activations->attention_hidden, activations->query_key_value, activations->context,
    activations->projection, activations->intermediate, activations->first_tokens, activations->pooled,
    activations->logits, activations->outputs };

  for (guint i = 0; i < G_N_ELEMENTS (buffers); i++)
    if (buffers[i] != NULL)
      cudaFree (buffers[i]);
  memset (activations, 0, sizeof *activations);
}

static uint32_t
grown_capacity (uint32_t needed, uint32_t minimum)
{
  uint32_t capacity = minimum;
  while (capacity < needed && capacity < G_MAXUINT32 / 2)
    capacity *= 2;
  return MAX (capacity, needed);
}

static gboolean
activations_alloc (BertCudaState *state, uint32_t tokens, uint32_t sequences, GError **error)
{
  BertCudaActivations *buffers = &state->activations;
  const BertCudaShape *shape = &state->shape;
  const size_t element = bert_cuda_dtype_size (state->dtype);
  const size_t token_row = (size_t) tokens * element;
  const gboolean sequence_classifier = state->settings.head == BERT_HEAD_SEQUENCE_CLASSIFIER;
  const size_t logit_rows = state->settings.head == BERT_HEAD_TOKEN_CLASSIFIER ? tokens : sequences;
  const size_t n_outputs = bert_cuda_output_layout (state, tokens, sequences).n_elements;
  const size_t n_inputs = bert_cuda_input_layout (tokens, sequences).n_elements;
  const gboolean projected = state->weights->embeddings_project_weight != NULL;

  buffers->token_capacity = tokens;
  buffers->sequence_capacity = sequences;
  return cuda_check (cudaMalloc ((void **) &buffers->inputs, n_inputs * 4), error)
      && (!projected
          || cuda_check (cudaMalloc (&buffers->embedded, token_row * shape->input_embedding_size), error))
      && cuda_check (cudaMalloc (&buffers->hidden, token_row * shape->hidden), error)
      && cuda_check (cudaMalloc (&buffers->attention_hidden, token_row * shape->hidden), error)
      && cuda_check (cudaMalloc (&buffers->query_key_value, token_row * 3 * shape->hidden), error)
      && cuda_check (cudaMalloc (&buffers->context, token_row * shape->hidden), error)
      && cuda_check (cudaMalloc (&buffers->projection, token_row * shape->hidden), error)
      && cuda_check (cudaMalloc (&buffers->intermediate, token_row * shape->intermediate), error)
      && (!sequence_classifier
          || (cuda_check (cudaMalloc (&buffers->first_tokens, sequences * element * shape->hidden), error)
              && cuda_check (cudaMalloc (&buffers->pooled, sequences * element * shape->hidden), error)))
      && (state->settings.head == BERT_HEAD_ENCODER
          || cuda_check (cudaMalloc (&buffers->logits, logit_rows * element * shape->padded_labels), error))
      && cuda_check (cudaMalloc (&buffers->outputs, n_outputs * 4), error);
}

gboolean
bert_cuda_activations_reserve (BertCudaState *state, uint32_t n_tokens, uint32_t n_sequences, GError **error)
{
  BertCudaActivations *buffers = &state->activations;
  uint32_t tokens, sequences;

  if (buffers->inputs != NULL && n_tokens <= buffers->token_capacity
      && n_sequences <= buffers->sequence_capacity)
    return TRUE;
  tokens = grown_capacity (n_tokens, MAX (buffers->token_capacity, 256));
  sequences = grown_capacity (n_sequences, MAX (buffers->sequence_capacity, 16));
  /* Jobs in flight still use the old buffers, and the graphs hold their addresses. */
  if (!cuda_check (cudaStreamSynchronize (state->stream), error))
    return FALSE;
  bert_cuda_graphs_clear (state);
  bert_cuda_activations_clear (buffers);
  if (activations_alloc (state, tokens, sequences, error)
      && (state->dense == NULL || bert_cuda_dense_reserve (state->dense, sequences, error)))
    return TRUE;
  bert_cuda_activations_clear (buffers);
  return FALSE;
}

/* launched: the step was enqueued. layer < 0: not in a layer. */
static gboolean
step_done (const BertCudaState *state, gboolean launched, const char *step, int layer, GError **error)
{
  cudaError_t status;
  char *where;

  if (!launched || !state->sync_each_step)
    return launched;
  status = cudaStreamSynchronize (state->stream);
  if (status == cudaSuccess)
    return TRUE;
  where = layer >= 0 ? g_strdup_printf (" in layer %d", layer) : g_strdup ("");
  g_set_error (error, BERT_CUDA_ENGINE_ERROR, bert_cuda_error_code (status),
      "CUDA backend: %s%s failed on the device: %s (%s)", step, where, cudaGetErrorString (status),
      cudaGetErrorName (status));
  g_free (where);
  return FALSE;
}

static gboolean
forward_layer (BertCudaState *state, int index, uint32_t n_tokens, uint32_t n_sequences, uint32_t max_seq_len,
    const uint32_t *seq_offsets, GError **error)
{
  const BertCudaLayerWeights *layer = &state->weights->layers[index];
  BertCudaActivations *buffers = &state->activations;
  const BertCudaShape *shape = &state->shape;
  const BertDType dtype = state->dtype;
  const float eps = shape->layer_norm_eps;
  cudaStream_t stream = state->stream;

  return step_done (state,
             bert_cuda_linear (state->matmul, buffers->query_key_value, buffers->hidden,
                 layer->query_key_value_weight, layer->query_key_value_bias, n_tokens, shape->hidden,
                 3 * shape->hidden, stream, error),
             "query_key_value GEMM", index, error)
      && step_done (state,
          cuda_check (bert_cuda_attention_varlen (dtype, buffers->context, buffers->query_key_value,
                          seq_offsets, n_sequences, max_seq_len, shape->n_heads, shape->head_dim,
                          state->weights->relative_position_bias, shape->max_positions, stream),
              error),
          "attention_varlen", index, error)
      && step_done (state,
          bert_cuda_linear (state->matmul, buffers->projection, buffers->context,
              layer->attention_output_weight, layer->attention_output_bias, n_tokens, shape->hidden,
              shape->hidden, stream, error),
          "attention output GEMM", index, error)
      && step_done (state,
          cuda_check (bert_cuda_residual_layernorm (dtype, buffers->attention_hidden, buffers->projection,
                          buffers->hidden, layer->attention_layernorm_weight, layer->attention_layernorm_bias,
                          eps, n_tokens, shape->hidden, stream),
              error),
          "residual_layernorm (attention)", index, error)
      && step_done (state,
          bert_cuda_linear (state->matmul, buffers->intermediate, buffers->attention_hidden,
              layer->intermediate_weight, NULL, n_tokens, shape->hidden, shape->intermediate, stream, error),
          "intermediate GEMM", index, error)
      && step_done (state,
          cuda_check (bert_cuda_bias_activation (dtype, buffers->intermediate, layer->intermediate_bias,
                          n_tokens, shape->intermediate, shape->hidden_act, stream),
              error),
          "bias_activation", index, error)
      && step_done (state,
          bert_cuda_linear (state->matmul, buffers->projection, buffers->intermediate, layer->output_weight,
              layer->output_bias, n_tokens, shape->intermediate, shape->hidden, stream, error),
          "output GEMM", index, error)
      && step_done (state,
          cuda_check (bert_cuda_residual_layernorm (dtype, buffers->hidden, buffers->projection,
                          buffers->attention_hidden, layer->output_layernorm_weight,
                          layer->output_layernorm_bias, eps, n_tokens, shape->hidden, stream),
              error),
          "residual_layernorm (output)", index, error);
}

/* The bias and activation between a sequence classifier's two layers: tanh for BERT's
 * pooler and RoBERTa's classification head, ReLU for DistilBERT's, the erf GELU for
 * ELECTRA's (the FFN's kernel). */
static cudaError_t
bias_classifier_activation (const BertCudaState *state, void *x, const void *bias, uint32_t n_rows)
{
  switch (state->shape.classifier_activation) {
    case BERT_ACTIVATION_RELU:
      return bert_cuda_bias_relu (state->dtype, x, bias, n_rows, state->shape.hidden, state->stream);
    case BERT_ACTIVATION_GELU:
      return bert_cuda_bias_activation (state->dtype, x, bias, n_rows, state->shape.hidden,
          BERT_ACTIVATION_GELU, state->stream);
    default: return bert_cuda_bias_tanh (state->dtype, x, bias, n_rows, state->shape.hidden, state->stream);
  }
}

/* The sequence classifiers: logits = classifier (activation (pooler (hidden[first token]))). */
static gboolean
forward_sequence_classifier (BertCudaState *state, uint32_t n_sequences, const uint32_t *seq_offsets,
    float *outputs, const BertCudaOutputLayout *layout, GError **error)
{
  BertCudaActivations *buffers = &state->activations;
  const BertCudaWeights *weights = state->weights;
  const BertCudaShape *shape = &state->shape;
  cudaStream_t stream = state->stream;

  return step_done (state,
             cuda_check (bert_cuda_gather_first_tokens (state->dtype, buffers->first_tokens, buffers->hidden,
                             seq_offsets, n_sequences, shape->hidden, stream),
                 error),
             "gather_first_tokens", -1, error)
      && step_done (state,
          bert_cuda_linear (state->matmul, buffers->pooled, buffers->first_tokens, weights->pooler_weight,
              NULL, n_sequences, shape->hidden, shape->hidden, stream, error),
          "pooler GEMM", -1, error)
      && step_done (state,
          cuda_check (bias_classifier_activation (state, buffers->pooled, weights->pooler_bias, n_sequences),
              error),
          "classifier activation", -1, error)
      && step_done (state,
          bert_cuda_linear (state->matmul, buffers->logits, buffers->pooled, weights->classifier_weight,
              weights->classifier_bias, n_sequences, shape->hidden, shape->padded_labels, stream, error),
          "classifier GEMM", -1, error)
      && step_done (state,
          cuda_check (bert_cuda_logits_probs_argmax (state->dtype, outputs + layout->logits,
                          outputs + layout->probs, (int32_t *) (outputs + layout->labels),
                          (uint8_t *) (outputs + layout->applies), buffers->logits, n_sequences,
                          shape->n_labels, shape->padded_labels, shape->score_function, stream),
              error),
          "logits_probs_argmax", -1, error);
}

/* BertForTokenClassification: a label and softmax probabilities per token. */
static gboolean
forward_token_classifier (BertCudaState *state, uint32_t n_tokens, float *outputs,
    const BertCudaOutputLayout *layout, GError **error)
{
  BertCudaActivations *buffers = &state->activations;
  const BertCudaShape *shape = &state->shape;

  return step_done (state,
             bert_cuda_linear (state->matmul, buffers->logits, buffers->hidden,
                 state->weights->classifier_weight, state->weights->classifier_bias, n_tokens, shape->hidden,
                 shape->padded_labels, state->stream, error),
             "token classifier GEMM", -1, error)
      && step_done (state,
          cuda_check (bert_cuda_logits_probs_argmax (state->dtype, outputs + layout->logits,
                          outputs + layout->probs, (int32_t *) (outputs + layout->labels), NULL,
                          buffers->logits, n_tokens, shape->n_labels, shape->padded_labels,
                          BERT_SCORES_SOFTMAX, state->stream),
              error),
          "logits_probs_argmax", -1, error);
}

/* prompt_lengths: zeros where the batch has none (pooling then takes every token). */
static gboolean
forward_head (BertCudaState *state, uint32_t n_tokens, uint32_t n_sequences, const uint32_t *seq_offsets,
    const uint32_t *prompt_lengths, GError **error)
{
  BertCudaOutputLayout layout = bert_cuda_output_layout (state, n_tokens, n_sequences);
  float *outputs = state->activations.outputs;

  switch (state->settings.head) {
    case BERT_HEAD_SEQUENCE_CLASSIFIER:
      return forward_sequence_classifier (state, n_sequences, seq_offsets, outputs, &layout, error);
    case BERT_HEAD_TOKEN_CLASSIFIER:
      return forward_token_classifier (state, n_tokens, outputs, &layout, error);
    default:
      if (state->dense != NULL)
        return step_done (state,
            cuda_check (bert_cuda_dense_pool (state->dense, state->dtype, outputs + layout.embeddings,
                            state->activations.hidden, seq_offsets, prompt_lengths, n_sequences,
                            state->settings.pooling, state->settings.normalize, state->stream),
                error),
            "dense_pool", -1, error);
      return step_done (state,
          cuda_check (bert_cuda_pool_normalize (state->dtype, outputs + layout.embeddings,
                          state->activations.hidden, seq_offsets, prompt_lengths, n_sequences,
                          state->shape.hidden, state->settings.pooling, state->settings.normalize,
                          state->stream),
              error),
          "pool_normalize", -1, error);
  }
}

/* hidden = the embeddings' LayerNorm; ELECTRA's of another width go through embedded,
 * then embeddings_project. */
static gboolean
forward_embeddings (BertCudaState *state, uint32_t n_tokens, const BertCudaInputLayout *layout,
    GError **error)
{
  const int32_t *inputs = state->activations.inputs;
  const BertCudaWeights *weights = state->weights;
  const gboolean projected = weights->embeddings_project_weight != NULL;
  void *embedded = projected ? state->activations.embedded : state->activations.hidden;

  return step_done (state,
             cuda_check (bert_cuda_embeddings_layernorm (state->dtype, embedded, inputs + layout->ids,
                             inputs + layout->type_ids, inputs + layout->positions, weights->word_embeddings,
                             weights->position_embeddings, weights->token_type_embeddings,
                             weights->embeddings_layernorm_weight, weights->embeddings_layernorm_bias,
                             state->shape.layer_norm_eps, n_tokens, state->shape.input_embedding_size,
                             state->stream),
                 error),
             "embeddings_layernorm", -1, error)
      && (!projected
          || step_done (state,
              bert_cuda_linear (state->matmul, state->activations.hidden, embedded,
                  weights->embeddings_project_weight, weights->embeddings_project_bias, n_tokens,
                  state->shape.input_embedding_size, state->shape.hidden, state->stream, error),
              "embeddings_project GEMM", -1, error));
}

gboolean
bert_cuda_forward (BertCudaState *state, uint32_t n_tokens, uint32_t n_sequences, uint32_t max_seq_len,
    GError **error)
{
  const BertCudaInputLayout layout = bert_cuda_input_layout (n_tokens, n_sequences);
  const int32_t *inputs = state->activations.inputs;
  const uint32_t *seq_offsets = (const uint32_t *) (inputs + layout.seq_offsets);

  if (!forward_embeddings (state, n_tokens, &layout, error))
    return FALSE;
  for (int i = 0; i < state->shape.n_layers; i++)
    if (!forward_layer (state, i, n_tokens, n_sequences, max_seq_len, seq_offsets, error))
      return FALSE;
  return forward_head (state, n_tokens, n_sequences, seq_offsets,
      (const uint32_t *) (inputs + layout.prompt_lengths), error);
}
