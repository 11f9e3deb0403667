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

/* The activations and attention also have AVX-512 versions written with intrinsics
 * (below), picked at run time: fused multiply-adds, several query rows at once, and exp
 * and 1 / x without a division, which the compiler does not derive from the portable
 * loops. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define BERT_HAVE_AVX512_INTRINSICS 1
#include <immintrin.h>
#define AVX512 __attribute__ ((target ("avx512f")))
#else
#define BERT_HAVE_AVX512_INTRINSICS 0
#endif

/* GST_BERT_CPU_GEMM=blas, which turns off the packed Linear kernel, turns these off too:
 * the portable code runs, as on a CPU without AVX-512 (to test it). */
static gboolean
have_avx512 (void)
{
#if BERT_HAVE_AVX512_INTRINSICS
  const char *choice = g_getenv ("GST_BERT_CPU_GEMM");

  return (choice == NULL || strcmp (choice, "blas") != 0) && __builtin_cpu_supports ("avx512f");
#else
  return FALSE;
#endif
}

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

/* sigmoid (z) = 1 / (1 + e^-z) from e = e^-|z|, in exp_approximation's range: for z < 0,
 * e / (1 + e), which keeps its relative precision where sigmoid (z) is tiny. */
static inline float
sigmoid_approximation (float z)
{
  float e = exp_approximation (-fabsf (z));
  float s = 1.0f / (1.0f + e);

  return z >= 0.0f ? s : e * s;
}

/* tanh (x) = sign (x) (1 - e) / (1 + e), e = e^-2|x|: absolute error < 3e-7. */
static inline float
tanh_approximation (float x)
{
  float e = exp_approximation (-2.0f * fabsf (x));

  return copysignf ((1.0f - e) / (1.0f + e), x);
}

/* The activations (bert_model.h), written so that loops vectorize. The sigmoid forms
 * come from transformers' own: gelu_new's 0.5 (1 + tanh (u)) is sigmoid (2 u), and
 * 2 sqrt (2 / pi) = 1.5957691216057308. */
static inline float
gelu_erf (float x)
{
  return 0.5f * x * (1.0f + erf_approximation (x * (float) M_SQRT1_2));
}

static inline float
gelu_tanh (float x)
{
  return x * sigmoid_approximation (1.5957691216057308f * x * (1.0f + 0.044715f * x * x));
}

static inline float
silu (float x)
{
  return x * sigmoid_approximation (x);
}

static inline float
quick_gelu (float x)
{
  return x * sigmoid_approximation (1.702f * x);
}

static inline float
relu (float x)
{
  return x > 0.0f ? x : 0.0f;
}

float
bert_cpu_activate (BertActivation activation, float x)
{
  switch (activation) {
    case BERT_ACTIVATION_TANH: return tanh_approximation (x);
    case BERT_ACTIVATION_RELU: return relu (x);
    case BERT_ACTIVATION_SIGMOID: return sigmoid_approximation (x);
    case BERT_ACTIVATION_GELU: return gelu_erf (x);
    case BERT_ACTIVATION_GELU_TANH: return gelu_tanh (x);
    case BERT_ACTIVATION_SILU: return silu (x);
    case BERT_ACTIVATION_QUICK_GELU: return quick_gelu (x);
    case BERT_ACTIVATION_IDENTITY: break;
  }
  return x;
}

#if BERT_HAVE_AVX512_INTRINSICS
/* Lanes under mask, from the first n of 16. */
static inline __mmask16
first_lanes (int n)
{
  return n >= 16 ? 0xffff : n <= 0 ? 0 : (__mmask16) ((1u << n) - 1);
}

/* exp_approximation on 16 lanes, with fused multiply-adds; 2^n by vscalefps. */
AVX512 static inline __m512
exp_approximation_avx512 (__m512 x)
{
  /* max (x, -87) takes its second operand where x is NaN, as the scalar version does. */
  __m512 clamped = _mm512_min_ps (_mm512_max_ps (x, _mm512_set1_ps (-87.0f)), _mm512_setzero_ps ());
  __m512 n = _mm512_roundscale_ps (_mm512_mul_ps (clamped, _mm512_set1_ps (1.44269504088896341f)),
      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps (n, _mm512_set1_ps (0.693145751953125f), clamped);
  __m512 p = _mm512_set1_ps (1.0f / 5040);

  r = _mm512_fnmadd_ps (n, _mm512_set1_ps (1.428606765330187e-06f), r);
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (1.0f / 720));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (1.0f / 120));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (1.0f / 24));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (1.0f / 6));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (0.5f));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (1.0f));
  p = _mm512_fmadd_ps (p, r, _mm512_set1_ps (1.0f));
  return _mm512_scalef_ps (p, n);
}

/* 1 / d for d >= 1: vrcp14ps (relative error < 2^-14) and one Newton step, instead of
 * vdivps, which takes 16 cycles a vector on one port. */
AVX512 static inline __m512
reciprocal_avx512 (__m512 d)
{
  __m512 estimate = _mm512_rcp14_ps (d);

  return _mm512_mul_ps (estimate, _mm512_fnmadd_ps (d, estimate, _mm512_set1_ps (2.0f)));
}

/* The magnitude of magnitude with the sign of sign, in one bitwise select. */
AVX512 static inline __m512
with_sign_of (__m512 magnitude, __m512 sign)
{
  return _mm512_castsi512_ps (_mm512_ternarylogic_epi32 (_mm512_set1_epi32 (0x7fffffff),
      _mm512_castps_si512 (magnitude), _mm512_castps_si512 (sign), 0xca));
}

/* gelu (x) = x / 2 (1 + erf (x / sqrt 2)), erf as erf_approximation. */
AVX512 static inline __m512
gelu_erf_avx512 (__m512 x)
{
  __m512 z = _mm512_mul_ps (x, _mm512_set1_ps ((float) M_SQRT1_2));
  __m512 a = _mm512_abs_ps (z);
  __m512 t = reciprocal_avx512 (_mm512_fmadd_ps (a, _mm512_set1_ps (0.3275911f), _mm512_set1_ps (1.0f)));
  __m512 y = _mm512_set1_ps (1.061405429f), half_x = _mm512_mul_ps (x, _mm512_set1_ps (0.5f)), erf_abs;

  y = _mm512_fmadd_ps (y, t, _mm512_set1_ps (-1.453152027f));
  y = _mm512_fmadd_ps (y, t, _mm512_set1_ps (1.421413741f));
  y = _mm512_fmadd_ps (y, t, _mm512_set1_ps (-0.284496736f));
  y = _mm512_fmadd_ps (y, t, _mm512_set1_ps (0.254829592f));
  y = _mm512_mul_ps (y, t);
  erf_abs = _mm512_fnmadd_ps (y, exp_approximation_avx512 (_mm512_fnmadd_ps (a, a, _mm512_setzero_ps ())),
      _mm512_set1_ps (1.0f));
  /* erf (z): the magnitude of erf_abs with the sign of z. */
  return _mm512_fmadd_ps (half_x, with_sign_of (erf_abs, z), half_x);
}

/* sigmoid_approximation on 16 lanes; 1 + e is in [1, 2], where reciprocal_avx512 holds. */
AVX512 static inline __m512
sigmoid_avx512 (__m512 z)
{
  __m512 e = exp_approximation_avx512 (_mm512_sub_ps (_mm512_setzero_ps (), _mm512_abs_ps (z)));
  __m512 s = reciprocal_avx512 (_mm512_add_ps (e, _mm512_set1_ps (1.0f)));

  return _mm512_mask_mul_ps (s, _mm512_cmp_ps_mask (z, _mm512_setzero_ps (), _CMP_LT_OQ), s, e);
}

/* tanh_approximation on 16 lanes. */
AVX512 static inline __m512
tanh_avx512 (__m512 x)
{
  __m512 e = exp_approximation_avx512 (_mm512_mul_ps (_mm512_abs_ps (x), _mm512_set1_ps (-2.0f)));
  __m512 s = reciprocal_avx512 (_mm512_add_ps (e, _mm512_set1_ps (1.0f)));

  return with_sign_of (_mm512_mul_ps (_mm512_sub_ps (_mm512_set1_ps (1.0f), e), s), x);
}

AVX512 static inline __m512
gelu_tanh_avx512 (__m512 x)
{
  __m512 square = _mm512_mul_ps (x, x);
  __m512 inner = _mm512_fmadd_ps (square, _mm512_set1_ps (0.044715f), _mm512_set1_ps (1.0f));

  return _mm512_mul_ps (x,
      sigmoid_avx512 (_mm512_mul_ps (_mm512_mul_ps (x, _mm512_set1_ps (1.5957691216057308f)), inner)));
}

AVX512 static inline __m512
silu_avx512 (__m512 x)
{
  return _mm512_mul_ps (x, sigmoid_avx512 (x));
}

AVX512 static inline __m512
quick_gelu_avx512 (__m512 x)
{
  return _mm512_mul_ps (x, sigmoid_avx512 (_mm512_mul_ps (x, _mm512_set1_ps (1.702f))));
}

AVX512 static inline __m512
relu_avx512 (__m512 x)
{
  return _mm512_max_ps (x, _mm512_setzero_ps ());
}

/* y = f (y) over the block, 16 values at a time; inlined for each f, so that f is too. */
AVX512 static inline __attribute__ ((always_inline)) void
map_rows_avx512 (float *y, int rows, int cols, int ld, __m512 (*f) (__m512))
{
  for (int r = 0; r < rows; r++) {
    float *row = y + (size_t) r * ld;

    for (int c = 0; c < cols; c += 16) {
      __mmask16 mask = first_lanes (cols - c);

      _mm512_mask_storeu_ps (row + c, mask, f (_mm512_maskz_loadu_ps (mask, row + c)));
    }
  }
}

AVX512 static void
activation_rows_avx512 (BertActivation activation, float *y, int rows, int cols, int ld)
{
  switch (activation) {
    case BERT_ACTIVATION_TANH: map_rows_avx512 (y, rows, cols, ld, tanh_avx512); break;
    case BERT_ACTIVATION_RELU: map_rows_avx512 (y, rows, cols, ld, relu_avx512); break;
    case BERT_ACTIVATION_SIGMOID: map_rows_avx512 (y, rows, cols, ld, sigmoid_avx512); break;
    case BERT_ACTIVATION_GELU: map_rows_avx512 (y, rows, cols, ld, gelu_erf_avx512); break;
    case BERT_ACTIVATION_GELU_TANH: map_rows_avx512 (y, rows, cols, ld, gelu_tanh_avx512); break;
    case BERT_ACTIVATION_SILU: map_rows_avx512 (y, rows, cols, ld, silu_avx512); break;
    case BERT_ACTIVATION_QUICK_GELU: map_rows_avx512 (y, rows, cols, ld, quick_gelu_avx512); break;
    case BERT_ACTIVATION_IDENTITY: break;
  }
}
#endif

/* y = f (y) over the block; inlined for each f, so that the loop vectorizes. */
static inline __attribute__ ((always_inline)) void
map_rows (float *y, int rows, int cols, int ld, float (*f) (float))
{
  for (int r = 0; r < rows; r++) {
    float *row = y + (size_t) r * ld;

    for (int c = 0; c < cols; c++)
      row[c] = f (row[c]);
  }
}

VECTOR_CLONES static void
activation_rows (BertActivation activation, float *y, int rows, int cols, int ld)
{
  switch (activation) {
    case BERT_ACTIVATION_TANH: map_rows (y, rows, cols, ld, tanh_approximation); break;
    case BERT_ACTIVATION_RELU: map_rows (y, rows, cols, ld, relu); break;
    case BERT_ACTIVATION_SIGMOID: map_rows (y, rows, cols, ld, sigmoid_approximation); break;
    case BERT_ACTIVATION_GELU: map_rows (y, rows, cols, ld, gelu_erf); break;
    case BERT_ACTIVATION_GELU_TANH: map_rows (y, rows, cols, ld, gelu_tanh); break;
    case BERT_ACTIVATION_SILU: map_rows (y, rows, cols, ld, silu); break;
    case BERT_ACTIVATION_QUICK_GELU: map_rows (y, rows, cols, ld, quick_gelu); break;
    case BERT_ACTIVATION_IDENTITY: break;
  }
}

void
bert_cpu_activation (BertActivation activation, float *y, int rows, int cols, int ld)
{
#if BERT_HAVE_AVX512_INTRINSICS
  if (have_avx512 ()) {
    activation_rows_avx512 (activation, y, rows, cols, ld);
    return;
  }
#endif
  activation_rows (activation, y, rows, cols, ld);
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

/* Query rows the AVX-512 version takes at once: independent sums that hide the
 * latency of the fused multiply-adds. */
#define QUERY_BLOCK 8

size_t
bert_cpu_attention_scratch_size (int n, int head_dim)
{
  /* K transposed, then scores for QUERY_BLOCK rows, then those query rows. */
  return (size_t) round_up_to_block (n) * (head_dim + QUERY_BLOCK) + (size_t) QUERY_BLOCK * head_dim;
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

/* scores[j] += bias[j] for j < n: a query's row of relative position biases. */
static inline void
add_position_bias (float *scores, const float *bias, int n)
{
  for (int j = 0; j < n; j++)
    scores[j] += bias[j];
}

/* K [n, head_dim] (row stride qkv_stride) as head_dim rows of padded values, zero
 * past n. */
static inline void
transpose_keys (const float *k, int qkv_stride, int n, int padded, int head_dim, float *k_transposed)
{
  for (int c = 0; c < head_dim; c++) {
    float *row = k_transposed + (size_t) c * padded;

    for (int j = 0; j < n; j++)
      row[j] = k[(size_t) j * qkv_stride + c];
    for (int j = n; j < padded; j++)
      row[j] = 0.0f;
  }
}

VECTOR_CLONES static void
attention_head (const float *q, const float *k, const float *v, int qkv_stride, float *ctx, int ctx_stride,
    int n, int head_dim, const float *position_bias, float *scratch)
{
  int padded = round_up_to_block (n);
  float *k_transposed = scratch;
  float *scores = scratch + (size_t) padded * head_dim;
  float scale = 1.0f / sqrtf ((float) head_dim);

  transpose_keys (k, qkv_stride, n, padded, head_dim, k_transposed);
  for (int i = 0; i < n; i++) {
    attention_scores (q + (size_t) i * qkv_stride, k_transposed, padded, head_dim, scale, scores);
    if (position_bias != NULL)
      add_position_bias (scores, position_bias - i, n);
    softmax (scores, n);
    attention_context (scores, v, qkv_stride, n, head_dim, ctx + (size_t) i * ctx_stride);
  }
}

#if BERT_HAVE_AVX512_INTRINSICS
/* scores[r][j] = q_r . k_j * scale for the QUERY_BLOCK rows of queries (row stride
 * query_stride) and every j < padded. */
AVX512 static void
block_scores_avx512 (const float *queries, int query_stride, const float *k_transposed, int padded,
    int head_dim, float scale, float *scores)
{
  for (int j0 = 0; j0 < padded; j0 += ATTENTION_BLOCK) {
    __m512 acc[QUERY_BLOCK];

    for (int r = 0; r < QUERY_BLOCK; r++)
      acc[r] = _mm512_setzero_ps ();
    for (int c = 0; c < head_dim; c++) {
      __m512 keys = _mm512_loadu_ps (k_transposed + (size_t) c * padded + j0);

      for (int r = 0; r < QUERY_BLOCK; r++)
        acc[r] = _mm512_fmadd_ps (_mm512_set1_ps (queries[(size_t) r * query_stride + c]), keys, acc[r]);
    }
    for (int r = 0; r < QUERY_BLOCK; r++)
      _mm512_storeu_ps (scores + (size_t) r * padded + j0, _mm512_mul_ps (acc[r], _mm512_set1_ps (scale)));
  }
}

/* Softmax of the first n of padded values in place; zero past n. */
AVX512 static void
softmax_row_avx512 (float *x, int n, int padded)
{
  __m512 max = _mm512_set1_ps (-INFINITY), sum = _mm512_setzero_ps ();
  float row_max, total;

  for (int j = 0; j < padded; j += ATTENTION_BLOCK)
    max = _mm512_mask_max_ps (max, first_lanes (n - j), max, _mm512_loadu_ps (x + j));
  row_max = _mm512_reduce_max_ps (max);
  for (int j = 0; j < padded; j += ATTENTION_BLOCK) {
    __m512 e = exp_approximation_avx512 (_mm512_sub_ps (_mm512_loadu_ps (x + j), _mm512_set1_ps (row_max)));

    e = _mm512_maskz_mov_ps (first_lanes (n - j), e);
    sum = _mm512_add_ps (sum, e);
    _mm512_storeu_ps (x + j, e);
  }
  total = _mm512_reduce_add_ps (sum);
  for (int j = 0; j < padded; j += ATTENTION_BLOCK)
    _mm512_storeu_ps (x + j, _mm512_div_ps (_mm512_loadu_ps (x + j), _mm512_set1_ps (total)));
}

/* ctx_r = sum_j p[r][j] v_j for the first rows of the QUERY_BLOCK rows of p, 32 head
 * dimensions at a time. */
AVX512 static void
block_context_avx512 (const float *p, int padded, const float *v, int qkv_stride, int n, int head_dim,
    int rows, float *ctx, int ctx_stride)
{
  for (int c0 = 0; c0 < head_dim; c0 += 2 * ATTENTION_BLOCK) {
    __mmask16 low = first_lanes (head_dim - c0), high = first_lanes (head_dim - c0 - ATTENTION_BLOCK);
    __m512 acc[QUERY_BLOCK][2];

    for (int r = 0; r < QUERY_BLOCK; r++)
      acc[r][0] = acc[r][1] = _mm512_setzero_ps ();
    for (int j = 0; j < n; j++) {
      const float *v_row = v + (size_t) j * qkv_stride + c0;
      __m512 v_low = _mm512_maskz_loadu_ps (low, v_row);
      __m512 v_high = _mm512_maskz_loadu_ps (high, v_row + ATTENTION_BLOCK);

      for (int r = 0; r < QUERY_BLOCK; r++) {
        __m512 weight = _mm512_set1_ps (p[(size_t) r * padded + j]);

        acc[r][0] = _mm512_fmadd_ps (weight, v_low, acc[r][0]);
        acc[r][1] = _mm512_fmadd_ps (weight, v_high, acc[r][1]);
      }
    }
    /* Over all QUERY_BLOCK rows, not rows: a loop of constant length keeps acc in
     * registers. */
    for (int r = 0; r < QUERY_BLOCK; r++) {
      float *out = ctx + (size_t) r * ctx_stride + c0;

      _mm512_mask_storeu_ps (out, r < rows ? low : 0, acc[r][0]);
      _mm512_mask_storeu_ps (out + ATTENTION_BLOCK, r < rows ? high : 0, acc[r][1]);
    }
  }
}

/* attention_head over blocks of QUERY_BLOCK query rows; a last block of fewer rows is
 * copied (zero-padded) to scratch, so that it reads no row past the sequence. */
AVX512 static void
attention_head_avx512 (const float *q, const float *k, const float *v, int qkv_stride, float *ctx,
    int ctx_stride, int n, int head_dim, const float *position_bias, float *scratch)
{
  int padded = round_up_to_block (n);
  float *k_transposed = scratch;
  float *scores = k_transposed + (size_t) padded * head_dim;
  float *queries = scores + (size_t) QUERY_BLOCK * padded;
  float scale = 1.0f / sqrtf ((float) head_dim);

  transpose_keys (k, qkv_stride, n, padded, head_dim, k_transposed);
  for (int i0 = 0; i0 < n; i0 += QUERY_BLOCK) {
    int rows = MIN (QUERY_BLOCK, n - i0);

    if (rows == QUERY_BLOCK) {
      block_scores_avx512 (q + (size_t) i0 * qkv_stride, qkv_stride, k_transposed, padded, head_dim, scale,
          scores);
    } else {
      for (int r = 0; r < QUERY_BLOCK; r++) {
        if (r < rows)
          memcpy (queries + (size_t) r * head_dim, q + (size_t) (i0 + r) * qkv_stride, head_dim * sizeof *q);
        else
          memset (queries + (size_t) r * head_dim, 0, head_dim * sizeof *q);
      }
      block_scores_avx512 (queries, head_dim, k_transposed, padded, head_dim, scale, scores);
    }
    for (int r = 0; r < rows && position_bias != NULL; r++)
      add_position_bias (scores + (size_t) r * padded, position_bias - (i0 + r), n);
    for (int r = 0; r < rows; r++)
      softmax_row_avx512 (scores + (size_t) r * padded, n, padded);
    block_context_avx512 (scores, padded, v, qkv_stride, n, head_dim, rows, ctx + (size_t) i0 * ctx_stride,
        ctx_stride);
  }
}
#endif

void
bert_cpu_attention_head (const float *q, const float *k, const float *v, int qkv_stride, float *ctx,
    int ctx_stride, int n, int head_dim, const float *position_bias, float *scratch)
{
#if BERT_HAVE_AVX512_INTRINSICS
  if (have_avx512 ()) {
    attention_head_avx512 (q, k, v, qkv_stride, ctx, ctx_stride, n, head_dim, position_bias, scratch);
    return;
  }
#endif
  attention_head (q, k, v, qkv_stride, ctx, ctx_stride, n, head_dim, position_bias, scratch);
}
