/* bert_cuda_attention.cu: scaled dot-product attention over packed variable-length sequences.
 *
 * Sequences are concatenated without padding; seq_offsets says where each starts, so no
 * mask is needed and no work is spent on padding. One block per (sequence, head, tile of
 * queries); each query is shared by a group of GROUP = HEAD_DIM_MAX / 16 neighbouring
 * threads, each holding 16 of its dimensions (of the query and of the output accumulator)
 * in registers, which keeps a thread near 64 registers whatever the head size and puts
 * several queries in a warp (8 at head size 64), so short captions leave fewer threads idle.
 * The block walks the sequence's keys in tiles of ATTENTION_KEY_TILE, staged in shared
 * memory in fp32 and read as float4: a thread's four chunks of a row are GROUP chunks apart,
 * so the threads of a group read consecutive 16-byte chunks (no bank conflicts), and all
 * groups read the same key at once (a broadcast). A score is the group's partial dot products
 * summed with warp shuffles; then every thread of the group updates softmax online, key by
 * key: the running maximum is subtracted before every exponential, and earlier terms are
 * rescaled when it grows, which gives exactly softmax (QK^T / sqrt (d)) V without storing a
 * row of scores. Everything is fp32 whatever the storage type.
 *
 * MPNet adds a relative position bias to every score before the softmax: a table of
 * [n_heads, 2 * max_positions - 1] fp32 values (bert_position_bias_row), read from global
 * memory (it is a few kB per head and stays in cache). The kernel is instantiated with and
 * without it (WITH_BIAS), so that BERT's launches run the kernel as it was, registers and
 * all (the bias pointer costs two registers, which at head size 128 would cost a block
 * per SM).
 */
#include <math.h>

#include "bert_cuda_common.cuh"

#define ATTENTION_THREADS 128
#define ATTENTION_DIMS_PER_THREAD 16
#define ATTENTION_KEY_TILE 32

/* Queries per block for a head size bound: ATTENTION_THREADS / (HEAD_DIM_MAX / 16). */
template <int HEAD_DIM_MAX>
__host__ __device__ constexpr int
attention_queries_per_block ()
{
  return ATTENTION_THREADS / (HEAD_DIM_MAX / ATTENTION_DIMS_PER_THREAD);
}

/* The sum of value over the GROUP neighbouring lanes (GROUP a power of two <= 32). Every
 * lane of the warp calls it. */
template <int GROUP>
__device__ __forceinline__ float
group_sum (float value)
{
#pragma unroll
  for (int offset = GROUP / 2; offset > 0; offset /= 2)
    value += __shfl_xor_sync (0xffffffffu, value, offset);
  return value;
}

/* query_key_value: [n_tokens, 3 * hidden] (Q | K | V, head h at columns h * head_dim);
 * context: [n_tokens, hidden]; seq_offsets: [n_sequences + 1]; position_bias: NULL, or
 * [n_heads, 2 * bias_max_positions - 1] with no sequence longer than bias_max_positions.
 * grid: (n_sequences, n_heads, query tiles); block: ATTENTION_THREADS threads.
 * HEAD_DIM_MAX (32, 64 or 128) bounds head_dim at compile time; WITH_BIAS: position_bias
 * is read (else ignored). */
template <typename T, int HEAD_DIM_MAX, bool WITH_BIAS>
__global__ void __launch_bounds__ (ATTENTION_THREADS)
attention_varlen (T *context, const T *query_key_value, const uint32_t *seq_offsets, int n_heads, int head_dim,
    const float *position_bias, int bias_max_positions)
{
  constexpr int GROUP = HEAD_DIM_MAX / ATTENTION_DIMS_PER_THREAD;
  constexpr int QUERIES = attention_queries_per_block<HEAD_DIM_MAX> ();
  constexpr int CHUNKS = ATTENTION_DIMS_PER_THREAD / 4;
  __shared__ __align__ (16) float key_tile[ATTENTION_KEY_TILE][HEAD_DIM_MAX];
  __shared__ __align__ (16) float value_tile[ATTENTION_KEY_TILE][HEAD_DIM_MAX];

  const int sequence = blockIdx.x;
  const int head = blockIdx.y;
  const uint32_t seq_start = seq_offsets[sequence];
  const int seq_len = (int) (seq_offsets[sequence + 1] - seq_start);
  const int first_query = blockIdx.z * QUERIES;
  /* Uniform over the block, so returning here cannot strand a barrier. */
  if (first_query >= seq_len)
    return;

  const int hidden = n_heads * head_dim;
  const size_t row_stride = 3 * (size_t) hidden;
  const T *queries = query_key_value + (size_t) seq_start * row_stride + head * head_dim;
  const T *keys = queries + hidden;
  const T *values = queries + 2 * hidden;

  const int lane_in_group = threadIdx.x % GROUP;
  const int query = first_query + threadIdx.x / GROUP;
  /* Threads without a query still run every key: the group's shuffles need all lanes. */
  const bool has_query = query < seq_len;
  const float scale = rsqrtf ((float) head_dim);
  /* bias_row[j - query] is the bias of key j for this thread's query. */
  const float *bias_row = WITH_BIAS && has_query
      ? position_bias + (size_t) head * (2 * bias_max_positions - 1) + (bias_max_positions - 1) - query
      : nullptr;

  /* Chunk c of this thread is the float4 at index lane_in_group + c * GROUP of a row. */
  float q[CHUNKS * 4];
  float acc[CHUNKS * 4];
#pragma unroll
  for (int c = 0; c < CHUNKS; c++)
#pragma unroll
    for (int j = 0; j < 4; j++) {
      const int dim = 4 * (lane_in_group + c * GROUP) + j;
      q[4 * c + j] = (has_query && dim < head_dim) ? to_float (queries[query * row_stride + dim]) * scale : 0.0f;
      acc[4 * c + j] = 0.0f;
    }
  float running_max = -INFINITY;
  float running_sum = 0.0f;

  for (int tile_start = 0; tile_start < seq_len; tile_start += ATTENTION_KEY_TILE) {
    const int tile_len = min (ATTENTION_KEY_TILE, seq_len - tile_start);
    /* Columns past head_dim are zeroed: the float4 reads cover them. */
    for (int index = threadIdx.x; index < tile_len * HEAD_DIM_MAX; index += blockDim.x) {
      const int key = index / HEAD_DIM_MAX;
      const int i = index % HEAD_DIM_MAX;
      const size_t offset = (size_t) (tile_start + key) * row_stride + i;
      key_tile[key][i] = i < head_dim ? to_float (keys[offset]) : 0.0f;
      value_tile[key][i] = i < head_dim ? to_float (values[offset]) : 0.0f;
    }
    __syncthreads ();

    for (int key = 0; key < tile_len; key++) {
      const float4 *key_row = reinterpret_cast<const float4 *> (key_tile[key]);
      const float4 *value_row = reinterpret_cast<const float4 *> (value_tile[key]);
      float partial = 0.0f;
#pragma unroll
      for (int c = 0; c < CHUNKS; c++) {
        const float4 k = key_row[lane_in_group + c * GROUP];
        partial += q[4 * c] * k.x + q[4 * c + 1] * k.y + q[4 * c + 2] * k.z + q[4 * c + 3] * k.w;
      }
      float score = group_sum<GROUP> (partial);
      /* Not "+ 0" without a bias: x + 0 is no identity for x = -0, so it would cost an add. */
      if (WITH_BIAS && bias_row != nullptr)
        score += bias_row[tile_start + key];
      /* A new maximum rescales what has been summed so far. On the first key running_max
       * is -inf and the factor exp (-inf) = 0 leaves the zero accumulators at zero. */
      if (score > running_max) {
        const float rescale = expf (running_max - score);
        running_sum *= rescale;
#pragma unroll
        for (int i = 0; i < CHUNKS * 4; i++)
          acc[i] *= rescale;
        running_max = score;
      }
      const float weight = expf (score - running_max);
      running_sum += weight;
#pragma unroll
      for (int c = 0; c < CHUNKS; c++) {
        const float4 v = value_row[lane_in_group + c * GROUP];
        acc[4 * c] += weight * v.x;
        acc[4 * c + 1] += weight * v.y;
        acc[4 * c + 2] += weight * v.z;
        acc[4 * c + 3] += weight * v.w;
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
  for (int c = 0; c < CHUNKS; c++)
#pragma unroll
    for (int j = 0; j < 4; j++) {
      const int dim = 4 * (lane_in_group + c * GROUP) + j;
      if (dim < head_dim)
        out[dim] = from_float<T> (acc[4 * c + j] * inverse_sum);
    }
}

template <typename T, int HEAD_DIM_MAX>
static cudaError_t
launch_attention_for_head_dim (T *context, const T *query_key_value, const uint32_t *seq_offsets,
    uint32_t n_sequences, uint32_t max_seq_len, int n_heads, int head_dim, const float *position_bias,
    int bias_max_positions, cudaStream_t stream)
{
  /* grid: x = sequence (up to 2^31 - 1), y = head, z = query tile (checked <= 65535 by the caller) */
  const int queries = attention_queries_per_block<HEAD_DIM_MAX> ();
  dim3 grid (n_sequences, n_heads, (max_seq_len + queries - 1) / queries);
  if (position_bias != nullptr) {
    attention_varlen<T, HEAD_DIM_MAX, true><<<grid, ATTENTION_THREADS, 0, stream>>> (context, query_key_value,
        seq_offsets, n_heads, head_dim, position_bias, bias_max_positions);
  } else {
    attention_varlen<T, HEAD_DIM_MAX, false><<<grid, ATTENTION_THREADS, 0, stream>>> (context, query_key_value,
        seq_offsets, n_heads, head_dim, nullptr, 0);
  }
  return cudaGetLastError ();
}

template <typename T>
static cudaError_t
launch_attention (void *context, const void *query_key_value, const uint32_t *seq_offsets,
    uint32_t n_sequences, uint32_t max_seq_len, int n_heads, int head_dim, const float *position_bias,
    int bias_max_positions, cudaStream_t stream)
{
  /* The smallest tile (16 queries, head size 128) bounds the grid's z. */
  if (head_dim < 1 || head_dim > BERT_CUDA_MAX_HEAD_DIM || n_heads < 1 || n_heads > 65535
      || (max_seq_len + 15) / 16 > 65535 || (position_bias != NULL && bias_max_positions < 1))
    return cudaErrorInvalidValue;
  if (n_sequences == 0 || max_seq_len == 0)
    return cudaSuccess;
  if (head_dim <= 32)
    return launch_attention_for_head_dim<T, 32> ((T *) context, (const T *) query_key_value, seq_offsets,
        n_sequences, max_seq_len, n_heads, head_dim, position_bias, bias_max_positions, stream);
  if (head_dim <= 64)
    return launch_attention_for_head_dim<T, 64> ((T *) context, (const T *) query_key_value, seq_offsets,
        n_sequences, max_seq_len, n_heads, head_dim, position_bias, bias_max_positions, stream);
  return launch_attention_for_head_dim<T, BERT_CUDA_MAX_HEAD_DIM> ((T *) context, (const T *) query_key_value,
      seq_offsets, n_sequences, max_seq_len, n_heads, head_dim, position_bias, bias_max_positions, stream);
}

cudaError_t
bert_cuda_attention_varlen (BertDType dtype, void *context, const void *query_key_value,
    const uint32_t *seq_offsets, uint32_t n_sequences, uint32_t max_seq_len, int n_heads, int head_dim,
    const float *position_bias, int bias_max_positions, cudaStream_t stream)
{
  return BERT_CUDA_DISPATCH (dtype, launch_attention, context, query_key_value, seq_offsets, n_sequences,
      max_seq_len, n_heads, head_dim, position_bias, bias_max_positions, stream);
}
