/* bert_cuda_elementwise.cu: dtype conversion and the fused bias + activation kernels.
 *
 * The FFN's activation is the model's hidden_act: most often the erf GELU BERT is
 * trained with ("gelu"), else its tanh approximation, ReLU, SiLU or quick GELU
 * (bert_model.h). cuBLASLt's epilogues have neither the erf form nor the sigmoid ones,
 * and their GELU_BIAS is not bound to round as PyTorch's tanh GELU does, so the
 * intermediate GEMM runs without epilogue and bias_activation adds the bias and applies
 * the activation in one pass.
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

/* x: [n_rows, n_cols], bias: [n_cols]; x = activation (x + bias). activation is the same
 * for every thread: the switch in activate does not diverge. */
template <typename T>
__global__ void bias_activation (T *x, const T *bias, size_t n, int n_cols, BertActivation activation)
{
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n; i += (size_t) gridDim.x * blockDim.x)
    x[i] = from_float<T> (activate (activation, to_float (x[i]) + to_float (bias[i % n_cols])));
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
launch_bias_activation (void *x, const void *bias, uint32_t n_rows, int n_cols, BertActivation activation,
    cudaStream_t stream)
{
  size_t n = (size_t) n_rows * n_cols;
  if (n == 0)
    return cudaSuccess;
  bias_activation<<<elementwise_blocks (n, ELEMENTWISE_THREADS), ELEMENTWISE_THREADS, 0, stream>>> (
      (T *) x, (const T *) bias, n, n_cols, activation);
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
bert_cuda_bias_activation (BertDType dtype, void *x, const void *bias, uint32_t n_rows, int n_cols,
    BertActivation activation, cudaStream_t stream)
{
  return BERT_CUDA_DISPATCH (dtype, launch_bias_activation, x, bias, n_rows, n_cols, activation, stream);
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
