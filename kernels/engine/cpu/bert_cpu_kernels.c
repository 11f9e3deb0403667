/* bert_cpu_kernels.c: the CPU backend's per-row kernels.
 *
 * Inner loops run over contiguous memory with independent iterations so that the
 * compiler vectorizes them without reassociating fp32 sums (no -ffast-math).
 */
#include "bert_cpu_kernels.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Hot loops are compiled for AVX-512 and AVX2 too and picked at load time (ifunc), so a
 * portable build still uses the machine's vector width. No FMA contraction happens in
 * ISO C mode, so every clone computes the same values. ThreadSanitizer crashes in ifunc
 * resolvers (they run before its runtime starts), so its builds do without. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define BERT_THREAD_SANITIZER 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define BERT_THREAD_SANITIZER 1
#endif
/* GCC only: clang 14 names a target_clones function NAME.ifunc, so calls from other
 * files do not link. */
#if defined(__x86_64__) && defined(__ELF__) && defined(__GNUC__) && !defined(__clang__)                      \
    && !defined(BERT_THREAD_SANITIZER)
#define VECTOR_CLONES __attribute__ ((target_clones ("avx512f", "avx2", "default")))
#else
#define VECTOR_CLONES
#endif

float *
bert_cpu_try_alloc_floats (size_t n)
{
  void *memory = NULL;

  if (n > SIZE_MAX / sizeof (float) || posix_memalign (&memory, 64, (n ? n : 1) * sizeof (float)) != 0)
    return NULL;
  return memory;
}

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
      case BERT_DTYPE_F32: memcpy (&dst[i], bytes + 4 * i, 4); break;
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

/* e^x for x <= 0 (all that softmax and erf need), with relative error < 1e-7:
 * e^x = 2^n e^r, n = round (x / ln 2), |r| <= ln 2 / 2 (ln 2 split in two for an exact
 * product), e^r by its degree-7 Taylor polynomial. Inlined so that loops vectorize:
 * libm's expf is a call per element. */
static inline float
exp_approximation (float x)
{
  float clamped, n, r, p, scale;
  uint32_t bits;

  /* Below -87, e^x is under FLT_MIN: 2^n would not be a normal float. The comparisons
   * also send NaN (from a broken model) to a finite value, which keeps the conversion
   * to int below defined. */
  clamped = x >= -87.0f ? x : -87.0f;
  clamped = clamped <= 0.0f ? clamped : 0.0f;
  /* Adding and subtracting 1.5 * 2^23 rounds to the nearest integer. */
  n = (clamped * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  r = (clamped - n * 0.693145751953125f) - n * 1.428606765330187e-06f;
  p = 1.0f
      + r
          * (1.0f
              + r
                  * (0.5f
                      + r
                          * (1.0f / 6
                              + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720 + r * (1.0f / 5040)))))));
  bits = (uint32_t) ((int32_t) n + 127) << 23;
  memcpy (&scale, &bits, sizeof scale);
  return p * scale;
}

/* erf (x) = 1 - t (a1 + a2 t + ... + a5 t^4) e^(-x^2), t = 1 / (1 + p |x|)
 * (Abramowitz and Stegun 7.1.26): |error| < 5e-7 in fp32. */
static inline float
erf_approximation (float x)
{
  float a = fabsf (x);
  float t = 1.0f / (1.0f + 0.3275911f * a);
  float y =
      t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));

  return copysignf (1.0f - y * exp_approximation (-a * a), x);
}

float
bert_cpu_erf (float x)
{
  return erf_approximation (x);
}

VECTOR_CLONES void
bert_cpu_gelu (float *y, int rows, int cols, int ld)
{
  for (int r = 0; r < rows; r++) {
    float *row = y + (size_t) r * ld;

    for (int c = 0; c < cols; c++)
      row[c] = 0.5f * row[c] * (1.0f + erf_approximation (row[c] * (float) M_SQRT1_2));
  }
}

VECTOR_CLONES void
bert_cpu_add_residual (float *y, int rows, int cols, int ld, const float *residual)
{
  for (int r = 0; r < rows; r++) {
    float *row = y + (size_t) r * ld;
    const float *residual_row = residual + (size_t) r * ld;

    for (int c = 0; c < cols; c++)
      row[c] += residual_row[c];
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
bert_cpu_layernorm (const float *in, float *out, int n, const float *weight, const float *bias, float eps)
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

  /* Not fmaxf, whose NaN rules keep it from being inlined. */
  for (int i = 1; i < n; i++)
    max = x[i] > max ? x[i] : max;
  for (int i = 0; i < n; i++)
    x[i] = exp_approximation (x[i] - max);
  for (int i = 0; i < n; i++)
    sum += x[i];
  for (int i = 0; i < n; i++)
    x[i] /= sum;
}

void
bert_cpu_softmax (float *x, int n)
{
  softmax (x, n);
}

/* Attention works on blocks of 16 keys or 16 head dimensions, held in registers. */
#define ATTENTION_BLOCK 16

static int
round_up_to_block (int n)
{
  return (n + ATTENTION_BLOCK - 1) / ATTENTION_BLOCK * ATTENTION_BLOCK;
}

size_t
bert_cpu_attention_scratch_size (int n, int head_dim)
{
  return (size_t) round_up_to_block (n) * (head_dim + 1);
}

/* scores[j] = q . k_j * scale for every j < padded, from K transposed: head_dim rows
 * of padded values, zero past n. */
static inline void
attention_scores (const float *q, const float *k_transposed, int padded, int head_dim, float scale,
    float *scores)
{
  for (int j0 = 0; j0 < padded; j0 += ATTENTION_BLOCK) {
    float acc[ATTENTION_BLOCK] = { 0 };

    for (int c = 0; c < head_dim; c++) {
      const float *k_block = k_transposed + (size_t) c * padded + j0;

      for (int j = 0; j < ATTENTION_BLOCK; j++)
        acc[j] += q[c] * k_block[j];
    }
    for (int j = 0; j < ATTENTION_BLOCK; j++)
      scores[j0 + j] = acc[j] * scale;
  }
}

/* ctx = sum_j p[j] * v_j. */
static inline void
attention_context (const float *p, const float *v, int qkv_stride, int n, int head_dim, float *ctx)
{
  int c0 = 0;

  for (; c0 + ATTENTION_BLOCK <= head_dim; c0 += ATTENTION_BLOCK) {
    float acc[ATTENTION_BLOCK] = { 0 };

    for (int j = 0; j < n; j++) {
      const float *v_block = v + (size_t) j * qkv_stride + c0;

      for (int c = 0; c < ATTENTION_BLOCK; c++)
        acc[c] += p[j] * v_block[c];
    }
    memcpy (ctx + c0, acc, sizeof acc);
  }
  for (; c0 < head_dim; c0++) {
    float acc = 0.0f;

    for (int j = 0; j < n; j++)
      acc += p[j] * v[(size_t) j * qkv_stride + c0];
    ctx[c0] = acc;
  }
}

VECTOR_CLONES void
bert_cpu_attention_head (const float *q, const float *k, const float *v, int qkv_stride, float *ctx,
    int ctx_stride, int n, int head_dim, float *scratch)
{
  int padded = round_up_to_block (n);
  float *k_transposed = scratch;
  float *scores = scratch + (size_t) padded * head_dim;
  float scale = 1.0f / sqrtf ((float) head_dim);

  for (int c = 0; c < head_dim; c++) {
    float *row = k_transposed + (size_t) c * padded;

    for (int j = 0; j < n; j++)
      row[j] = k[(size_t) j * qkv_stride + c];
    for (int j = n; j < padded; j++)
      row[j] = 0.0f;
  }
  for (int i = 0; i < n; i++) {
    attention_scores (q + (size_t) i * qkv_stride, k_transposed, padded, head_dim, scale, scores);
    softmax (scores, n);
    attention_context (scores, v, qkv_stride, n, head_dim, ctx + (size_t) i * ctx_stride);
  }
}
