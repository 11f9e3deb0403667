/* bert_cuda_matmul.h: the encoder's dense layers through cuBLASLt.
 *
 * FP16 and BF16 run on tensor cores with fp32 accumulation (CUBLAS_COMPUTE_32F over 16-bit
 * operands); FP32 is plain fp32 (no TF32), for checking. The bias is added in cuBLASLt's
 * epilogue; activations are left to our own kernels (see bert_cuda_elementwise.cu).
 */
#ifndef BERT_CUDA_MATMUL_H
#define BERT_CUDA_MATMUL_H

#include <cuda_runtime_api.h>
#include <glib.h>

#include "bert_model.h"

G_BEGIN_DECLS

typedef struct _BertCudaMatmul BertCudaMatmul;

/* Algorithms are chosen once per bucket of row counts (token or sequence counts): the
 * smallest power of two >= rows, at least BERT_CUDA_MATMUL_MIN_BUCKET. A varlen stream thus
 * asks cuBLASLt's heuristic about a dozen times per shape, not once per batch. */
#define BERT_CUDA_MATMUL_MIN_BUCKET 16u

static inline uint32_t
bert_cuda_matmul_bucket (uint32_t rows)
{
  uint32_t bucket = BERT_CUDA_MATMUL_MIN_BUCKET;
  while (bucket < rows && bucket <= G_MAXUINT32 / 2)
    bucket *= 2;
  return bucket < rows ? rows : bucket;
}

/* A cuBLASLt handle, its workspace and a cache of chosen algorithms (per bucket of rows and
 * shape), for one device (the current one) and one compute dtype. */
BertCudaMatmul *bert_cuda_matmul_new (BertDType dtype, GError **error);
void bert_cuda_matmul_free (BertCudaMatmul *matmul);

/* out[rows, out_features] = input[rows, in_features] . weight[out_features, in_features]^T
 * (+ bias[out_features] when bias is not NULL), as torch.nn.Linear, all row-major in the
 * compute dtype, enqueued on stream. Pointers must be 256-byte aligned (cudaMalloc's). */
gboolean bert_cuda_linear (BertCudaMatmul *matmul, void *out, const void *input, const void *weight,
    const void *bias, uint32_t rows, int in_features, int out_features, cudaStream_t stream, GError **error);

G_END_DECLS

#endif
