/* emulated_matmul.c: bert_cuda_matmul.h for the CPU emulation: the same contract
 * (out = input . weight^T + bias, row-major, in the compute dtype) through an fp32 OpenBLAS
 * GEMM, with the output rounded to the dtype as cuBLASLt's epilogue does. It checks how the
 * backend uses its dense layers, nothing about cuBLASLt. */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "bert_cuda_matmul.h"
#include "bert_float16.h"

struct _BertCudaMatmul {
  BertDType dtype;
};

static float
load_element (const void *data, size_t index, BertDType dtype)
{
  uint16_t bits16;
  uint32_t bits32;
  float value;

  if (dtype == BERT_DTYPE_F32)
    return ((const float *) data)[index];
  bits16 = ((const uint16_t *) data)[index];
  if (dtype == BERT_DTYPE_BF16) {
    bits32 = (uint32_t) bits16 << 16;
    memcpy (&value, &bits32, sizeof value);
    return value;
  }
  {
    uint32_t exponent = (bits16 >> 10) & 0x1fu, mantissa = bits16 & 0x3ffu;
    value = exponent == 0 ? ldexpf ((float) mantissa, -24)
        : exponent == 31  ? (mantissa != 0 ? NAN : INFINITY)
                          : ldexpf ((float) (mantissa | 0x400u), (int) exponent - 25);
    return (bits16 & 0x8000u) ? -value : value;
  }
}

static void
store_element (void *data, size_t index, BertDType dtype, float value)
{
  if (dtype == BERT_DTYPE_F32)
    ((float *) data)[index] = value;
  else
    ((uint16_t *) data)[index] =
        dtype == BERT_DTYPE_F16 ? bert_float_to_half (value) : bert_float_to_bfloat16 (value);
}

static float *
to_floats (const void *data, size_t n, BertDType dtype)
{
  float *values = g_new (float, n);

  for (size_t i = 0; i < n; i++)
    values[i] = load_element (data, i, dtype);
  return values;
}

BertCudaMatmul *
bert_cuda_matmul_new (BertDType dtype, GError **error)
{
  BertCudaMatmul *matmul = g_new0 (BertCudaMatmul, 1);

  matmul->dtype = dtype;
  return matmul;
}

void
bert_cuda_matmul_free (BertCudaMatmul *matmul)
{
  g_free (matmul);
}

/* One GEMM's arguments, kept by a graph that captured it. */
typedef struct {
  BertDType dtype;
  void *out;
  const void *input, *weight, *bias;
  uint32_t rows;
  int in_features, out_features;
} LinearCall;

static void
run_linear (void *data)
{
  const LinearCall *call = data;
  BertDType dtype = call->dtype;
  uint32_t rows = call->rows;
  int in_features = call->in_features, out_features = call->out_features;
  const void *input = call->input, *weight = call->weight, *bias = call->bias;
  void *out = call->out;
  float *a = to_floats (input, (size_t) rows * in_features, dtype);
  float *w = to_floats (weight, (size_t) out_features * in_features, dtype);
  float *c = g_new (float, (size_t) rows *out_features);

  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, rows, out_features, in_features, 1.0f, a, in_features,
      w, in_features, 0.0f, c, out_features);
  for (uint32_t r = 0; r < rows; r++)
    for (int o = 0; o < out_features; o++)
      store_element (out, (size_t) r * out_features + o, dtype,
          c[(size_t) r * out_features + o] + (bias != NULL ? load_element (bias, o, dtype) : 0.0f));
  g_free (a);
  g_free (w);
  g_free (c);
}

/* Runs at once, or is recorded into the stream's capture as cuBLASLt's kernels would be. */
gboolean
bert_cuda_linear (BertCudaMatmul *matmul, void *out, const void *input, const void *weight, const void *bias,
    uint32_t rows, int in_features, int out_features, cudaStream_t stream, GError **error)
{
  LinearCall call = { matmul->dtype, out, input, weight, bias, rows, in_features, out_features };

  if (emulated_capturing ())
    emulated_record (run_linear, g_memdup2 (&call, sizeof call), g_free);
  else
    run_linear (&call);
  return TRUE;
}
