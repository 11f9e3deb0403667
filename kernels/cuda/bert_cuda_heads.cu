/* bert_cuda_heads.cu: what follows the encoder layers: sentence pooling with L2
 * normalisation, the [CLS] gather for the classifier's pooler, and the logits to
 * probabilities, labels and applying labels step of the classification heads. */
#include <math.h>

#include "bert_cuda_common.cuh"
#include "bert_engine.h"

#define POOL_THREADS 256
#define CLASSIFY_THREADS 128
/* torch.nn.functional.normalize's eps: x / max (||x||, eps). */
#define NORMALIZE_EPS 1e-12f

/* Divides row (n values, their squares summed per thread in squares) by
 * max (||row||, eps), as torch.nn.functional.normalize. Every thread of the block must
 * call it: block_sum has barriers. */
__device__ void
scale_to_unit_length (float *row, int n, float squares)
{
  const float inverse_norm = 1.0f / fmaxf (sqrtf (block_sum (squares)), NORMALIZE_EPS);
  for (int i = threadIdx.x; i < n; i += blockDim.x)
    row[i] *= inverse_norm;
}

/* One column of sequence [sequence_start, end) pooled by mode over the tokens from start:
 * the means and the last token over none are zeros, max over none -inf, CLS the first
 * token left, else the sequence's first; weightedmean weighs the token at position p of
 * its sequence by p + 1, the prompt's positions counted (the CPU backend's pool_rows). */
template <typename T>
__device__ float
pool_column (const T *hidden_states, uint32_t sequence_start, uint32_t start, uint32_t end, int hidden,
    int column, BertPooling mode)
{
  if (mode == BERT_POOLING_CLS)
    return to_float (hidden_states[(size_t) (start < end ? start : sequence_start) * hidden + column]);
  if (mode == BERT_POOLING_LAST_TOKEN)
    return start < end ? to_float (hidden_states[(size_t) (end - 1) * hidden + column]) : 0.0f;
  if (mode == BERT_POOLING_MAX) {
    float value = -INFINITY;
    for (uint32_t token = start; token < end; token++)
      value = fmaxf (value, to_float (hidden_states[(size_t) token * hidden + column]));
    return value;
  }
  const int weighted = mode == BERT_POOLING_WEIGHTED_MEAN;
  float value = 0.0f, weight_sum = 0.0f;
  for (uint32_t token = start; token < end; token++) {
    const float weight = weighted ? (float) (token - sequence_start + 1) : 1.0f;
    value += weight * to_float (hidden_states[(size_t) token * hidden + column]);
    weight_sum += weight;
  }
  if (end > start)
    value /= mode == BERT_POOLING_MEAN_SQRT_LEN ? sqrtf (weight_sum) : weight_sum;
  return value;
}

/* hidden_states: [n_tokens, hidden]; pooled: [n_sequences, pooling.n_modes * hidden]
 * fp32; prompt_lengths: [n_sequences] or NULL. Block s pools sequence s without its first
 * prompt_lengths[s] tokens, as sentence-transformers' Pooling with those masked, once
 * per mode, mode m's values at columns [m * hidden, (m + 1) * hidden) as
 * sentence-transformers concatenates them; normalize divides the whole row by its L2
 * norm. Thread i handles columns i, i + blockDim.x, ... so that the reads of one token
 * row are coalesced. */
template <typename T>
__global__ void
pool_normalize (float *pooled, const T *hidden_states, const uint32_t *seq_offsets,
    const uint32_t *prompt_lengths, int hidden, BertPoolings pooling, int normalize)
{
  const uint32_t sequence_start = seq_offsets[blockIdx.x];
  const uint32_t end = seq_offsets[blockIdx.x + 1];
  const uint32_t skip = prompt_lengths ? prompt_lengths[blockIdx.x] : 0;
  const uint32_t start = skip < end - sequence_start ? sequence_start + skip : end;
  const int width = pooling.n_modes * hidden;
  float *out = pooled + (size_t) blockIdx.x * width;
  float squares = 0.0f;

  for (int m = 0; m < pooling.n_modes; m++) {
    for (int i = threadIdx.x; i < hidden; i += blockDim.x) {
      const float value =
          pool_column (hidden_states, sequence_start, start, end, hidden, i, pooling.modes[m]);
      out[m * hidden + i] = value;
      squares += value * value;
    }
  }
  /* normalize is uniform over the block, so every thread reaches block_sum's barriers. */
  if (normalize)
    scale_to_unit_length (out, width, squares);
}

/* hidden_states: [n_tokens, hidden]; out: [n_sequences, hidden]. Block s copies the first
 * row of sequence s. */
template <typename T>
__global__ void
gather_first_tokens (T *out, const T *hidden_states, const uint32_t *seq_offsets, int hidden)
{
  const T *first = hidden_states + (size_t) seq_offsets[blockIdx.x] * hidden;
  for (int i = threadIdx.x; i < hidden; i += blockDim.x)
    out[(size_t) blockIdx.x * hidden + i] = first[i];
}

/* logits: [n_rows, logits_stride]; logits_out, probs_out: [n_rows, n_labels] fp32; labels: [n_rows];
 * probs by score_function (softmax, sigmoid, tanh or the logits themselves);
 * applies_out: [n_rows, n_labels] bytes, 1 where a label applies (sigmoid: above
 * BERT_MULTI_LABEL_THRESHOLD; otherwise the argmax only).
 * One thread per row: label counts are small (a handful to a few hundred). */
template <typename T>
__global__ void
logits_probs_argmax (float *logits_out, float *probs_out, int32_t *labels, uint8_t *applies_out,
    const T *logits, uint32_t n_rows, int n_labels, int logits_stride, BertScoreFunction score_function)
{
  const size_t row = blockIdx.x * (size_t) blockDim.x + threadIdx.x;
  if (row >= n_rows)
    return;
  const T *in = logits + row * logits_stride;
  float *out = logits_out + row * n_labels;

  int best = 0;
  float max_logit = to_float (in[0]);
  for (int label = 0; label < n_labels; label++) {
    out[label] = to_float (in[label]);
    if (out[label] > max_logit) {
      max_logit = out[label];
      best = label;
    }
  }
  labels[row] = best;
  if (probs_out == NULL)
    return;

  float *probs = probs_out + row * n_labels;
  uint8_t *applies = applies_out ? applies_out + row * n_labels : NULL;
  if (score_function == BERT_SCORES_SIGMOID) {
    for (int label = 0; label < n_labels; label++) {
      probs[label] = 1.0f / (1.0f + expf (-out[label]));
      if (applies)
        applies[label] = probs[label] > BERT_MULTI_LABEL_THRESHOLD;
    }
    return;
  }
  if (score_function != BERT_SCORES_SOFTMAX) {
    for (int label = 0; label < n_labels; label++) {
      probs[label] = score_function == BERT_SCORES_TANH ? tanhf (out[label]) : out[label];
      if (applies)
        applies[label] = label == best;
    }
    return;
  }
  float sum = 0.0f;
  for (int label = 0; label < n_labels; label++) {
    probs[label] = expf (out[label] - max_logit);
    sum += probs[label];
  }
  for (int label = 0; label < n_labels; label++) {
    probs[label] /= sum;
    if (applies)
      applies[label] = label == best;
  }
}

template <typename T>
static cudaError_t
launch_pool_normalize (float *pooled, const void *hidden_states, const uint32_t *seq_offsets,
    const uint32_t *prompt_lengths, uint32_t n_sequences, int hidden, BertPoolings pooling, int normalize,
    cudaStream_t stream)
{
  if (pooling.n_modes < 1 || pooling.n_modes > BERT_MAX_POOLINGS)
    return cudaErrorInvalidValue;
  if (n_sequences == 0)
    return cudaSuccess;
  /* grid: one block per sequence */
  pool_normalize<<<n_sequences, POOL_THREADS, 0, stream>>> (pooled, (const T *) hidden_states, seq_offsets,
      prompt_lengths, hidden, pooling, normalize);
  return cudaGetLastError ();
}

template <typename T>
static cudaError_t
launch_gather_first_tokens (void *out, const void *hidden_states, const uint32_t *seq_offsets,
    uint32_t n_sequences, int hidden, cudaStream_t stream)
{
  if (n_sequences == 0)
    return cudaSuccess;
  /* grid: one block per sequence */
  gather_first_tokens<<<n_sequences, POOL_THREADS, 0, stream>>> ((T *) out, (const T *) hidden_states,
      seq_offsets, hidden);
  return cudaGetLastError ();
}

template <typename T>
static cudaError_t
launch_logits_probs_argmax (float *logits_out, float *probs_out, int32_t *labels, uint8_t *applies_out,
    const void *logits, uint32_t n_rows, int n_labels, int logits_stride, BertScoreFunction score_function,
    cudaStream_t stream)
{
  if (n_labels < 1 || logits_stride < n_labels || (applies_out != NULL && probs_out == NULL))
    return cudaErrorInvalidValue;
  if (n_rows == 0)
    return cudaSuccess;
  /* grid: one thread per row */
  unsigned int blocks = (n_rows + CLASSIFY_THREADS - 1) / CLASSIFY_THREADS;
  logits_probs_argmax<<<blocks, CLASSIFY_THREADS, 0, stream>>> (logits_out, probs_out, labels, applies_out,
      (const T *) logits, n_rows, n_labels, logits_stride, score_function);
  return cudaGetLastError ();
}

cudaError_t
bert_cuda_pool_normalize (BertDType dtype, float *pooled, const void *hidden_states,
    const uint32_t *seq_offsets, const uint32_t *prompt_lengths, uint32_t n_sequences, int hidden,
    BertPoolings pooling, int normalize, cudaStream_t stream)
{
  return BERT_CUDA_DISPATCH (dtype, launch_pool_normalize, pooled, hidden_states, seq_offsets, prompt_lengths,
      n_sequences, hidden, pooling, normalize, stream);
}

cudaError_t
bert_cuda_gather_first_tokens (BertDType dtype, void *out, const void *hidden_states,
    const uint32_t *seq_offsets, uint32_t n_sequences, int hidden, cudaStream_t stream)
{
  return BERT_CUDA_DISPATCH (dtype, launch_gather_first_tokens, out, hidden_states, seq_offsets, n_sequences,
      hidden, stream);
}

cudaError_t
bert_cuda_logits_probs_argmax (BertDType dtype, float *logits_out, float *probs_out, int32_t *labels,
    uint8_t *applies_out, const void *logits, uint32_t n_rows, int n_labels, int logits_stride,
    BertScoreFunction score_function, cudaStream_t stream)
{
  return BERT_CUDA_DISPATCH (dtype, launch_logits_probs_argmax, logits_out, probs_out, labels, applies_out,
      logits, n_rows, n_labels, logits_stride, score_function, stream);
}

/* ---- sentence-transformers Dense modules, after pooling ---- */

#define DENSE_THREADS 128

/* x: [n_rows, in_features]; weight: [out_features, in_features]; bias: [out_features] or
 * NULL; y: [n_rows, out_features]; all fp32. Block r computes row r, thread i the outputs
 * i, i + blockDim.x, ..., each summing over in_features in order, as the CPU twin does:
 * a few rows per batch, so one pass over the weights per row costs nothing. */
__global__ void
dense_activation (float *y, const float *x, const float *weight, const float *bias, int in_features,
    int out_features, BertActivation activation)
{
  const float *row = x + (size_t) blockIdx.x * in_features;

  for (int o = threadIdx.x; o < out_features; o += blockDim.x) {
    const float *w = weight + (size_t) o * in_features;
    float sum = bias ? bias[o] : 0.0f;
    for (int i = 0; i < in_features; i++)
      sum += w[i] * row[i];
    y[(size_t) blockIdx.x * out_features + o] = activate (activation, sum);
  }
}

/* x: [n_rows, n_cols] fp32, in place: each row divided by max (||row||, eps). Block r
 * scales row r. */
__global__ void
normalize_rows (float *x, int n_cols)
{
  float *row = x + (size_t) blockIdx.x * n_cols;
  float squares = 0.0f;

  for (int i = threadIdx.x; i < n_cols; i += blockDim.x)
    squares += row[i] * row[i];
  scale_to_unit_length (row, n_cols, squares);
}

cudaError_t
bert_cuda_dense_activation (float *y, const float *x, const float *weight, const float *bias, uint32_t n_rows,
    int in_features, int out_features, BertActivation activation, cudaStream_t stream)
{
  if (n_rows == 0)
    return cudaSuccess;
  /* grid: one block per row */
  dense_activation<<<n_rows, DENSE_THREADS, 0, stream>>> (y, x, weight, bias, in_features, out_features,
      activation);
  return cudaGetLastError ();
}

cudaError_t
bert_cuda_normalize_rows (float *x, uint32_t n_rows, int n_cols, cudaStream_t stream)
{
  if (n_rows == 0)
    return cudaSuccess;
  /* grid: one block per row */
  normalize_rows<<<n_rows, POOL_THREADS, 0, stream>>> (x, n_cols);
  return cudaGetLastError ();
}
