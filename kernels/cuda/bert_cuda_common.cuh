/* bert_cuda_common.cuh: what every kernel file shares: fp32 views of the storage types,
 * the activation functions, warp and block reductions, and the dispatch from a BertDType
 * to a template instance. */
#ifndef BERT_CUDA_COMMON_CUH
#define BERT_CUDA_COMMON_CUH

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "bert_cuda_kernels.h"

/* Kernels compute in fp32 whatever the storage type. */
__device__ __forceinline__ float to_float (float x) { return x; }
__device__ __forceinline__ float to_float (__half x) { return __half2float (x); }
__device__ __forceinline__ float to_float (__nv_bfloat16 x) { return __bfloat162float (x); }

template <typename T> __device__ __forceinline__ T from_float (float x);
template <> __device__ __forceinline__ float from_float<float> (float x) { return x; }
template <> __device__ __forceinline__ __half from_float<__half> (float x) { return __float2half_rn (x); }
template <> __device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16> (float x)
{
  return __float2bfloat16_rn (x);
}

/* activation (x) as PyTorch computes it (bert_model.h): the FFN's hidden_act, a Dense
 * module's activation. gelu_new's constant is sqrt (2 / pi). */
__device__ __forceinline__ float activate (BertActivation activation, float x)
{
  switch (activation) {
    case BERT_ACTIVATION_TANH: return tanhf (x);
    case BERT_ACTIVATION_RELU: return x > 0.0f ? x : 0.0f;
    case BERT_ACTIVATION_SIGMOID: return 1.0f / (1.0f + expf (-x));
    case BERT_ACTIVATION_GELU: return 0.5f * x * (1.0f + erff (x * 0.70710678118654752f));
    case BERT_ACTIVATION_GELU_TANH:
      return 0.5f * x * (1.0f + tanhf (0.79788456080286536f * (x + 0.044715f * x * x * x)));
    case BERT_ACTIVATION_SILU: return x / (1.0f + expf (-x));
    case BERT_ACTIVATION_QUICK_GELU: return x / (1.0f + expf (-1.702f * x));
    case BERT_ACTIVATION_IDENTITY: break;
  }
  return x;
}

#define WARP_SIZE 32

__device__ __forceinline__ float warp_sum (float value)
{
  for (int offset = WARP_SIZE / 2; offset > 0; offset /= 2)
    value += __shfl_xor_sync (0xffffffffu, value, offset);
  return value;
}

/* The sum of value over the block, returned to every thread. blockDim.x must be a
 * multiple of 32. Safe to call several times in a row: warp_sums is rewritten only after
 * the first barrier of the next call, when every thread has read the previous total. */
__device__ __forceinline__ float block_sum (float value)
{
  __shared__ float warp_sums[WARP_SIZE];
  __shared__ float total;
  int lane = threadIdx.x % WARP_SIZE;
  int warp = threadIdx.x / WARP_SIZE;
  int n_warps = blockDim.x / WARP_SIZE;

  value = warp_sum (value);
  if (lane == 0)
    warp_sums[warp] = value;
  __syncthreads ();
  if (warp == 0) {
    float partial = lane < n_warps ? warp_sums[lane] : 0.0f;
    partial = warp_sum (partial);
    if (lane == 0)
      total = partial;
  }
  __syncthreads ();
  return total;
}

/* Elementwise kernels walk their range with a grid-stride loop; this caps the grid. */
static inline unsigned int
elementwise_blocks (size_t n, unsigned int threads)
{
  size_t blocks = (n + threads - 1) / threads;
  const size_t max_blocks = 65535u * 16u;
  if (blocks < 1)
    blocks = 1;
  return (unsigned int) (blocks < max_blocks ? blocks : max_blocks);
}

/* Calls LAUNCH<T> (args...) for the C type of a BertDType. */
#define BERT_CUDA_DISPATCH(dtype, LAUNCH, ...) \
  ((dtype) == BERT_DTYPE_F16 ? LAUNCH<__half> (__VA_ARGS__) \
   : (dtype) == BERT_DTYPE_BF16 ? LAUNCH<__nv_bfloat16> (__VA_ARGS__) \
   : LAUNCH<float> (__VA_ARGS__))

#endif
