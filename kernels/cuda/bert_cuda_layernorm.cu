/* bert_cuda_layernorm.cu: the embedding sum and the residual sum, each followed by LayerNorm.
 *
 * One block per row. The row is summed into shared memory in fp32, then mean and variance
 * are taken in two passes over it (as the reference does), never as E[x^2] - E[x]^2, which
 * cancels badly in fp32 when the mean is large against the spread.
 */
#include "bert_cuda_common.cuh"

#define LAYERNORM_THREADS 256

/* row: [hidden] in shared memory; out = (row - mean) / sqrt (var + eps) * gamma + beta */
template <typename T>
__device__ void layernorm_row (T *out, const float *row, const float *gamma, const float *beta, float eps,
    int hidden)
{
  float sum = 0.0f;
  for (int i = threadIdx.x; i < hidden; i += blockDim.x)
    sum += row[i];
  float mean = block_sum (sum) / hidden;

  float squares = 0.0f;
  for (int i = threadIdx.x; i < hidden; i += blockDim.x) {
    float centered = row[i] - mean;
    squares += centered * centered;
  }
  float inverse_std = rsqrtf (block_sum (squares) / hidden + eps);

  for (int i = threadIdx.x; i < hidden; i += blockDim.x)
    out[i] = from_float<T> ((row[i] - mean) * inverse_std * gamma[i] + beta[i]);
}

/* ids, type_ids, positions: [n_tokens]; word: [vocab, hidden]; position: [max_positions, hidden];
 * token_type: [type_vocab, hidden], or NULL for a model without token types (DistilBERT), which
 * adds nothing (word + 0 + position is word + position exactly); out: [n_tokens, hidden].
 * Block t handles token t. */
template <typename T>
__global__ void embeddings_layernorm (T *out, const int32_t *ids, const int32_t *type_ids,
    const int32_t *positions, const T *word, const T *position, const T *token_type, const float *gamma,
    const float *beta, float eps, int hidden)
{
  __shared__ float row[BERT_CUDA_MAX_HIDDEN];
  size_t token = blockIdx.x;
  const T *word_row = word + (size_t) ids[token] * hidden;
  const T *position_row = position + (size_t) positions[token] * hidden;
  const T *type_row = token_type ? token_type + (size_t) type_ids[token] * hidden : NULL;

  /* Summed in the reference's order: (word + token type) + position. */
  for (int i = threadIdx.x; i < hidden; i += blockDim.x)
    row[i] = to_float (word_row[i]) + (type_row ? to_float (type_row[i]) : 0.0f) + to_float (position_row[i]);
  __syncthreads ();
  layernorm_row (out + token * hidden, row, gamma, beta, eps, hidden);
}

/* input, residual, out: [n_rows, hidden]. Block r handles row r. */
template <typename T>
__global__ void residual_layernorm (T *out, const T *input, const T *residual, const float *gamma,
    const float *beta, float eps, int hidden)
{
  __shared__ float row[BERT_CUDA_MAX_HIDDEN];
  size_t offset = (size_t) blockIdx.x * hidden;

  for (int i = threadIdx.x; i < hidden; i += blockDim.x)
    row[i] = to_float (input[offset + i]) + to_float (residual[offset + i]);
  __syncthreads ();
  layernorm_row (out + offset, row, gamma, beta, eps, hidden);
}

template <typename T>
static cudaError_t
launch_embeddings_layernorm (void *out, const int32_t *ids, const int32_t *type_ids, const int32_t *positions,
    const void *word, const void *position, const void *token_type, const float *gamma, const float *beta,
    float eps, uint32_t n_tokens, int hidden, cudaStream_t stream)
{
  if (hidden > BERT_CUDA_MAX_HIDDEN)
    return cudaErrorInvalidValue;
  if (n_tokens == 0)
    return cudaSuccess;
  /* grid: one block per token */
  embeddings_layernorm<<<n_tokens, LAYERNORM_THREADS, 0, stream>>> ((T *) out, ids, type_ids, positions,
      (const T *) word, (const T *) position, (const T *) token_type, gamma, beta, eps, hidden);
  return cudaGetLastError ();
}

template <typename T>
static cudaError_t
launch_residual_layernorm (void *out, const void *input, const void *residual, const float *gamma,
    const float *beta, float eps, uint32_t n_rows, int hidden, cudaStream_t stream)
{
  if (hidden > BERT_CUDA_MAX_HIDDEN)
    return cudaErrorInvalidValue;
  if (n_rows == 0)
    return cudaSuccess;
  /* grid: one block per row */
  residual_layernorm<<<n_rows, LAYERNORM_THREADS, 0, stream>>> ((T *) out, (const T *) input,
      (const T *) residual, gamma, beta, eps, hidden);
  return cudaGetLastError ();
}

cudaError_t
bert_cuda_embeddings_layernorm (BertDType dtype, void *out, const int32_t *ids, const int32_t *type_ids,
    const int32_t *positions, const void *word_embeddings, const void *position_embeddings,
    const void *token_type_embeddings, const float *gamma, const float *beta, float eps, uint32_t n_tokens,
    int hidden, cudaStream_t stream)
{
  return BERT_CUDA_DISPATCH (dtype, launch_embeddings_layernorm, out, ids, type_ids, positions,
      word_embeddings, position_embeddings, token_type_embeddings, gamma, beta, eps, n_tokens, hidden, stream);
}

cudaError_t
bert_cuda_residual_layernorm (BertDType dtype, void *out, const void *input, const void *residual,
    const float *gamma, const float *beta, float eps, uint32_t n_rows, int hidden, cudaStream_t stream)
{
  return BERT_CUDA_DISPATCH (dtype, launch_residual_layernorm, out, input, residual, gamma, beta, eps,
      n_rows, hidden, stream);
}
