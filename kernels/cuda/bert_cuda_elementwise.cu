/* bert_cuda_elementwise.cu: dtype conversion and the fused bias + activation kernels.
 *
 * The FFN's GELU is the erf form BERT is trained with (hidden_act "gelu"); cuBLASLt's
 * CUBLASLT_EPILOGUE_GELU_BIAS computes the tanh approximation, so the intermediate GEMM
 * runs without epilogue and bias_gelu_erf adds the bias and applies GELU in one pass.
 */
#include "bert_cuda_common.cuh"

#define ELEMENTWISE_THREADS 256

size_t
bert_cuda_dtype_size (BertDType dtype)
{
  return dtype == BERT_DTYPE_F32 ? 4 : 2;
}

/* dst[n] = src[n] */
template <typename Dst, typename Src>
__global__ void convert_tensor (Dst *dst, const Src *src, size_t n)
{
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n; i += (size_t) gridDim.x * blockDim.x)
    dst[i] = from_float<Dst> (to_float (src[i]));
}

template <typename Dst>
static cudaError_t
launch_convert_from (Dst *dst, const void *src, BertDType src_dtype, size_t n, cudaStream_t stream)
{
  unsigned int blocks = elementwise_blocks (n, ELEMENTWISE_THREADS);
  if (src_dtype == BERT_DTYPE_F16)
    convert_tensor<<<blocks, ELEMENTWISE_THREADS, 0, stream>>> (dst, (const __half *) src, n);
  else if (src_dtype == BERT_DTYPE_BF16)
    convert_tensor<<<blocks, ELEMENTWISE_THREADS, 0, stream>>> (dst, (const __nv_bfloat16 *) src, n);
  else
    convert_tensor<<<blocks, ELEMENTWISE_THREADS, 0, stream>>> (dst, (const float *) src, n);
  return cudaGetLastError ();
}

cudaError_t
bert_cuda_convert (void *dst, BertDType dst_dtype, const void *src, BertDType src_dtype, size_t n,
    cudaStream_t stream)
{
  if (n == 0)
    return cudaSuccess;
  if (dst_dtype == BERT_DTYPE_F16)
    return launch_convert_from ((__half *) dst, src, src_dtype, n, stream);
  if (dst_dtype == BERT_DTYPE_BF16)
    return launch_convert_from ((__nv_bfloat16 *) dst, src, src_dtype, n, stream);
  return launch_convert_from ((float *) dst, src, src_dtype, n, stream);
}

/* GELU as BERT defines it: x * Phi(x) with the normal CDF through erf. */
__device__ __forceinline__ float gelu_erf (float x)
{
  return 0.5f * x * (1.0f + erff (x * 0.70710678118654752f));
}

/* x: [n_rows, n_cols], bias: [n_cols]; x = gelu_erf (x + bias) */
template <typename T>
__global__ void bias_gelu_erf (T *x, const T *bias, size_t n, int n_cols)
{
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n; i += (size_t) gridDim.x * blockDim.x)
    x[i] = from_float<T> (gelu_erf (to_float (x[i]) + to_float (bias[i % n_cols])));
}

/* x: [n_rows, n_cols], bias: [n_cols]; x = tanh (x + bias) (BERT's pooler) */
template <typename T>
__global__ void bias_tanh (T *x, const T *bias, size_t n, int n_cols)
{
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n; i += (size_t) gridDim.x * blockDim.x)
    x[i] = from_float<T> (tanhf (to_float (x[i]) + to_float (bias[i % n_cols])));
}

/* x: [n_rows, n_cols], bias: [n_cols]; x = max (x + bias, 0) (DistilBERT's pre_classifier) */
template <typename T>
__global__ void bias_relu (T *x, const T *bias, size_t n, int n_cols)
{
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n; i += (size_t) gridDim.x * blockDim.x)
    x[i] = from_float<T> (fmaxf (to_float (x[i]) + to_float (bias[i % n_cols]), 0.0f));
}

template <typename T>
static cudaError_t
launch_bias_gelu (void *x, const void *bias, uint32_t n_rows, int n_cols, cudaStream_t stream)
{
  size_t n = (size_t) n_rows * n_cols;
  if (n == 0)
    return cudaSuccess;
  bias_gelu_erf<<<elementwise_blocks (n, ELEMENTWISE_THREADS), ELEMENTWISE_THREADS, 0, stream>>> (
      (T *) x, (const T *) bias, n, n_cols);
  return cudaGetLastError ();
}

template <typename T>
static cudaError_t
launch_bias_tanh (void *x, const void *bias, uint32_t n_rows, int n_cols, cudaStream_t stream)
{
  size_t n = (size_t) n_rows * n_cols;
  if (n == 0)
    return cudaSuccess;
  bias_tanh<<<elementwise_blocks (n, ELEMENTWISE_THREADS), ELEMENTWISE_THREADS, 0, stream>>> (
      (T *) x, (const T *) bias, n, n_cols);
  return cudaGetLastError ();
}

template <typename T>
static cudaError_t
launch_bias_relu (void *x, const void *bias, uint32_t n_rows, int n_cols, cudaStream_t stream)
{
  size_t n = (size_t) n_rows * n_cols;
  if (n == 0)
    return cudaSuccess;
  bias_relu<<<elementwise_blocks (n, ELEMENTWISE_THREADS), ELEMENTWISE_THREADS, 0, stream>>> (
      (T *) x, (const T *) bias, n, n_cols);
  return cudaGetLastError ();
}

cudaError_t
bert_cuda_bias_gelu (BertDType dtype, void *x, const void *bias, uint32_t n_rows, int n_cols,
    cudaStream_t stream)
{
  return BERT_CUDA_DISPATCH (dtype, launch_bias_gelu, x, bias, n_rows, n_cols, stream);
}

cudaError_t
bert_cuda_bias_tanh (BertDType dtype, void *x, const void *bias, uint32_t n_rows, int n_cols,
    cudaStream_t stream)
{
  return BERT_CUDA_DISPATCH (dtype, launch_bias_tanh, x, bias, n_rows, n_cols, stream);
}

cudaError_t
bert_cuda_bias_relu (BertDType dtype, void *x, const void *bias, uint32_t n_rows, int n_cols,
    cudaStream_t stream)
{
  return BERT_CUDA_DISPATCH (dtype, launch_bias_relu, x, bias, n_rows, n_cols, stream);
}
