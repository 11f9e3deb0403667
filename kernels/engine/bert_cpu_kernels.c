/* bert_cpu_kernels.c: the CPU backend's per-row kernels.
 *
 * Inner loops run over contiguous memory with independent iterations so that the
 * compiler vectorizes them without reassociating fp32 sums (no -ffast-math).
 */
#include "bert_cpu_kernels.h"

#include <math.h>
#include <string.h>

/* Hot loops are compiled for AVX-512 and AVX2 too and picked at load time (ifunc), so a
 * portable build still uses the machine's vector width. No FMA contraction happens in
 * ISO C mode, so every clone computes the same values. */
#if defined(__x86_64__) && defined(__ELF__) && (defined(__clang__) || defined(__GNUC__))
#define VECTOR_CLONES __attribute__ ((target_clones ("avx512f", "avx2", "default")))
#else
#define VECTOR_CLONES
#endif

static float
f16_to_f32 (uint16_t half)
{
  uint32_t sign = (uint32_t) (half & 0x8000) << 16;
  uint32_t exponent = (half >> 10) & 0x1f;
  uint32_t mantissa = half & 0x3ff;
  uint32_t bits;
  float value;

  if (exponent == 0x1f) {
    bits = sign | 0x7f800000 | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else {
    /* Zero or subnormal: mantissa * 2^-24, exact in fp32. */
    value = ldexpf ((float) mantissa, -24);
    return sign ? -value : value;
  }
  memcpy (&value, &bits, sizeof value);
  return value;
}

void
bert_cpu_convert_to_f32 (const void *src, BertDType dtype, float *dst, size_t n)
{
  const uint8_t *bytes = src;

  for (size_t i = 0; i < n; i++) {
    uint16_t half;
    uint32_t bits;

    switch (dtype) {
      case BERT_DTYPE_F32:
        memcpy (&dst[i], bytes + 4 * i, 4);
        break;
      case BERT_DTYPE_F16:
        memcpy (&half, bytes + 2 * i, 2);
        dst[i] = f16_to_f32 (GUINT16_FROM_LE (half));
        break;
      case BERT_DTYPE_BF16:
        memcpy (&half, bytes + 2 * i, 2);
        bits = (uint32_t) GUINT16_FROM_LE (half) << 16;
        memcpy (&dst[i], &bits, 4);
        break;
    }
  }
}

/* Inlined into the GELU loop so that it vectorizes. */
static inline float
erf_approximation (float x)
{
  const float a1 = 0.0705230784f, a2 = 0.0422820123f, a3 = 0.0092705272f;
  const float a4 = 0.0001520143f, a5 = 0.0002765672f, a6 = 0.0000430638f;
  float a = fabsf (x);
  float t = 1.0f + a * (a1 + a * (a2 + a * (a3 + a * (a4 + a * (a5 + a * a6)))));

  t = t * t;
  t = t * t;
  t = t * t;
  t = t * t;
  return copysignf (1.0f - 1.0f / t, x);
}

float
bert_cpu_erf (float x)
{
  return erf_approximation (x);
}

VECTOR_CLONES void
bert_cpu_bias_gelu (float *y, int rows, int cols, int ld, const float *bias)
{
  for (int r = 0; r < rows; r++) {
    float *row = y + (size_t) r * ld;

    for (int c = 0; c < cols; c++) {
      float x = row[c] + bias[c];

      row[c] = 0.5f * x * (1.0f + erf_approximation (x * (float) M_SQRT1_2));
    }
  }
}

VECTOR_CLONES void
bert_cpu_bias_residual (float *y, int rows, int cols, int ld, const float *bias,
    const float *residual)
{
  for (int r = 0; r < rows; r++) {
    float *row = y + (size_t) r * ld;
    const float *residual_row = residual + (size_t) r * ld;

    for (int c = 0; c < cols; c++)
      row[c] = row[c] + bias[c] + residual_row[c];
  }
}

VECTOR_CLONES void
bert_cpu_bias (float *y, int rows, int cols, int ld, const float *bias)
{
  for (int r = 0; r < rows; r++) {
    float *row = y + (size_t) r * ld;

    for (int c = 0; c < cols; c++)
      row[c] += bias[c];
  }
}

/* Eight partial sums let the compiler vectorize without reordering a single sum. */
#define PARTIAL_SUMS 8

static float
sum_partials (const float partial[PARTIAL_SUMS])
{
  float total = 0.0f;

  for (int j = 0; j < PARTIAL_SUMS; j++)
    total += partial[j];
  return total;
}

static float
row_mean (const float *x, int n)
{
  float partial[PARTIAL_SUMS] = { 0 };
  int i = 0;

  for (; i + PARTIAL_SUMS <= n; i += PARTIAL_SUMS)
    for (int j = 0; j < PARTIAL_SUMS; j++)
      partial[j] += x[i + j];
  for (; i < n; i++)
    partial[0] += x[i];
  return sum_partials (partial) / n;
}

static float
row_variance (const float *x, int n, float mean)
{
  float partial[PARTIAL_SUMS] = { 0 };
  int i = 0;

  for (; i + PARTIAL_SUMS <= n; i += PARTIAL_SUMS)
    for (int j = 0; j < PARTIAL_SUMS; j++)
      partial[j] += (x[i + j] - mean) * (x[i + j] - mean);
  for (; i < n; i++)
    partial[0] += (x[i] - mean) * (x[i] - mean);
  return sum_partials (partial) / n;
}

VECTOR_CLONES void
bert_cpu_layernorm (const float *in, float *out, int n, const float *weight, const float *bias,
    float eps)
{
  float mean = row_mean (in, n);
  float inverse_std = 1.0f / sqrtf (row_variance (in, n, mean) + eps);

  for (int i = 0; i < n; i++)
    out[i] = (in[i] - mean) * inverse_std * weight[i] + bias[i];
}

static inline void
softmax (float *x, int n)
{
  float max = x[0], sum = 0.0f;

  for (int i = 1; i < n; i++)
    max = fmaxf (max, x[i]);
  for (int i = 0; i < n; i++) {
    x[i] = expf (x[i] - max);
    sum += x[i];
  }
  for (int i = 0; i < n; i++)
    x[i] /= sum;
}

void
bert_cpu_softmax (float *x, int n)
{
  softmax (x, n);
}

size_t
bert_cpu_attention_scratch_size (int n, int head_dim)
{
  return (size_t) n * head_dim + n;
}

/* scores[j] = q . k_j * scale for every j, from K transposed (head_dim rows of n). */
static void
attention_scores (const float *q, const float *k_transposed, int n, int head_dim, float scale,
    float *scores)
{
  memset (scores, 0, n * sizeof *scores);
  for (int c = 0; c < head_dim; c++) {
    const float *k_column = k_transposed + (size_t) c * n;
    float q_c = q[c];

    for (int j = 0; j < n; j++)
      scores[j] += q_c * k_column[j];
  }
  for (int j = 0; j < n; j++)
    scores[j] *= scale;
}

/* ctx = sum_j p[j] * v_j. */
static void
attention_context (const float *p, const float *v, int qkv_stride, int n, int head_dim,
    float *ctx)
{
  memset (ctx, 0, head_dim * sizeof *ctx);
  for (int j = 0; j < n; j++) {
    const float *v_row = v + (size_t) j * qkv_stride;
    float p_j = p[j];

    for (int c = 0; c < head_dim; c++)
      ctx[c] += p_j * v_row[c];
  }
}

VECTOR_CLONES void
bert_cpu_attention_head (const float *q, const float *k, const float *v, int qkv_stride,
    float *ctx, int ctx_stride, int n, int head_dim, float *scratch)
{
  float *k_transposed = scratch;
  float *scores = scratch + (size_t) n * head_dim;
  float scale = 1.0f / sqrtf ((float) head_dim);

  for (int j = 0; j < n; j++)
    for (int c = 0; c < head_dim; c++)
      k_transposed[(size_t) c * n + j] = k[(size_t) j * qkv_stride + c];
  for (int i = 0; i < n; i++) {
    attention_scores (q + (size_t) i * qkv_stride, k_transposed, n, head_dim, scale, scores);
    softmax (scores, n);
    attention_context (scores, v, qkv_stride, n, head_dim, ctx + (size_t) i * ctx_stride);
  }
}
