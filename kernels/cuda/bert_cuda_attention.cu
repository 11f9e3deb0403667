/* bert_cuda_attention.cu: scaled dot-product attention over packed variable-length sequences.
 *
 * Sequences are concatenated without padding; seq_offsets says where each starts, so no
 * mask is needed and no work is spent on padding. One block per (sequence, head, tile of
 * ATTENTION_QUERIES queries), one thread per query. The block walks the sequence's keys in
 * tiles of ATTENTION_KEY_TILE, staged in shared memory (every thread reads the same key at
 * the same time: a broadcast, no bank conflicts). Each thread keeps its query and its
 * output accumulator in registers and updates softmax online, key by key: the running
 * maximum is subtracted before every exponential, and earlier terms are rescaled when it
 * grows, which gives exactly softmax (QK^T / sqrt (d)) V without storing a row of scores.
 * Everything is fp32 whatever the storage type.
 */
#include <math.h>

#include "bert_cuda_common.cuh"

#define ATTENTION_QUERIES 64
#define ATTENTION_KEY_TILE 32

/* query_key_value: [n_tokens, 3 * hidden] (Q | K | V, head h at columns h * head_dim);
 * context: [n_tokens, hidden]; seq_offsets: [n_sequences + 1].
 * grid: (n_sequences, n_heads, query tiles); block: ATTENTION_QUERIES threads.
 * HEAD_DIM_MAX is a compile-time bound on head_dim so q and acc stay in registers. */
template <typename T, int HEAD_DIM_MAX>
__global__ void __launch_bounds__ (ATTENTION_QUERIES)
attention_varlen (T *context, const T *query_key_value, const uint32_t *seq_offsets, int n_heads, int head_dim)
{
  __shared__ float key_tile[ATTENTION_KEY_TILE][HEAD_DIM_MAX];
  __shared__ float value_tile[ATTENTION_KEY_TILE][HEAD_DIM_MAX];

  const int sequence = blockIdx.x;
  const int head = blockIdx.y;
  const uint32_t seq_start = seq_offsets[sequence];
  const int seq_len = (int) (seq_offsets[sequence + 1] - seq_start);
  const int first_query = blockIdx.z * ATTENTION_QUERIES;
  /* Uniform over the block, so returning here cannot strand a barrier. */
  if (first_query >= seq_len)
    return;

  const int hidden = n_heads * head_dim;
  const size_t row_stride = 3 * (size_t) hidden;
  const T *queries = query_key_value + (size_t) seq_start * row_stride + head * head_dim;
  const T *keys = queries + hidden;
  const T *values = queries + 2 * hidden;

  const int query = first_query + threadIdx.x;
  const bool has_query = query < seq_len;
  const float scale = rsqrtf ((float) head_dim);

  float q[HEAD_DIM_MAX];
  float acc[HEAD_DIM_MAX];
#pragma unroll
  for (int i = 0; i < HEAD_DIM_MAX; i++) {
    q[i] = (has_query && i < head_dim) ? to_float (queries[query * row_stride + i]) * scale : 0.0f;
    acc[i] = 0.0f;
  }
  float running_max = -INFINITY;
  float running_sum = 0.0f;

  for (int tile_start = 0; tile_start < seq_len; tile_start += ATTENTION_KEY_TILE) {
    const int tile_len = min (ATTENTION_KEY_TILE, seq_len - tile_start);
    for (int index = threadIdx.x; index < tile_len * head_dim; index += blockDim.x) {
      int key = index / head_dim;
      int i = index % head_dim;
      size_t offset = (size_t) (tile_start + key) * row_stride + i;
      key_tile[key][i] = to_float (keys[offset]);
      value_tile[key][i] = to_float (values[offset]);
    }
    __syncthreads ();

    if (has_query) {
      for (int key = 0; key < tile_len; key++) {
        float score = 0.0f;
#pragma unroll
        for (int i = 0; i < HEAD_DIM_MAX; i++)
          if (i < head_dim)
            score += q[i] * key_tile[key][i];
        /* A new maximum rescales what has been summed so far. On the first key running_max
         * is -inf and the factor exp (-inf) = 0 leaves the zero accumulators at zero. */
        if (score > running_max) {
          const float rescale = expf (running_max - score);
          running_sum *= rescale;
#pragma unroll
          for (int i = 0; i < HEAD_DIM_MAX; i++)
            acc[i] *= rescale;
          running_max = score;
        }
        const float weight = expf (score - running_max);
        running_sum += weight;
#pragma unroll
        for (int i = 0; i < HEAD_DIM_MAX; i++)
          if (i < head_dim)
            acc[i] += weight * value_tile[key][i];
      }
    }
    /* The next tile overwrites key_tile and value_tile. */
    __syncthreads ();
  }

  if (!has_query)
    return;
  T *out = context + (size_t) (seq_start + query) * hidden + head * head_dim;
  const float inverse_sum = 1.0f / running_sum;
#pragma unroll
  for (int i = 0; i < HEAD_DIM_MAX; i++)
    if (i < head_dim)
      out[i] = from_float<T> (acc[i] * inverse_sum);
}

template <typename T, int HEAD_DIM_MAX>
static cudaError_t
launch_attention_for_head_dim (T *context, const T *query_key_value, const uint32_t *seq_offsets,
    uint32_t n_sequences, uint32_t max_seq_len, int n_heads, int head_dim, cudaStream_t stream)
{
  /* grid: x = sequence (up to 2^31 - 1), y = head, z = query tile (max_seq_len / 64 + 1) */
  dim3 grid (n_sequences, n_heads, (max_seq_len + ATTENTION_QUERIES - 1) / ATTENTION_QUERIES);
  attention_varlen<T, HEAD_DIM_MAX><<<grid, ATTENTION_QUERIES, 0, stream>>> (context, query_key_value,
      seq_offsets, n_heads, head_dim);
  return cudaGetLastError ();
}

template <typename T>
static cudaError_t
launch_attention (void *context, const void *query_key_value, const uint32_t *seq_offsets,
    uint32_t n_sequences, uint32_t max_seq_len, int n_heads, int head_dim, cudaStream_t stream)
{
  if (head_dim < 1 || head_dim > BERT_CUDA_MAX_HEAD_DIM || n_heads < 1 || n_heads > 65535
      || (max_seq_len + ATTENTION_QUERIES - 1) / ATTENTION_QUERIES > 65535)
    return cudaErrorInvalidValue;
  if (n_sequences == 0 || max_seq_len == 0)
    return cudaSuccess;
  if (head_dim <= 32)
    return launch_attention_for_head_dim<T, 32> ((T *) context, (const T *) query_key_value, seq_offsets,
        n_sequences, max_seq_len, n_heads, head_dim, stream);
  if (head_dim <= 64)
    return launch_attention_for_head_dim<T, 64> ((T *) context, (const T *) query_key_value, seq_offsets,
        n_sequences, max_seq_len, n_heads, head_dim, stream);
  return launch_attention_for_head_dim<T, BERT_CUDA_MAX_HEAD_DIM> ((T *) context, (const T *) query_key_value,
      seq_offsets, n_sequences, max_seq_len, n_heads, head_dim, stream);
}

cudaError_t
bert_cuda_attention_varlen (BertDType dtype, void *context, const void *query_key_value,
    const uint32_t *seq_offsets, uint32_t n_sequences, uint32_t max_seq_len, int n_heads, int head_dim,
    cudaStream_t stream)
{
  return BERT_CUDA_DISPATCH (dtype, launch_attention, context, query_key_value, seq_offsets, n_sequences,
      max_seq_len, n_heads, head_dim, stream);
}
