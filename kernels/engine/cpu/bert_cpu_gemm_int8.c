/* bert_cpu_gemm_int8.c: the INT8 Linear kernel, vpdpbusd over int8 weight panels.
 *
 * Weights: symmetric per output feature, w ~ scale_w * q_w with q_w in [-127, 127].
 * Inputs: symmetric per row, x ~ scale_x * q_x, stored as q_x + 128 in [1, 255] since
 * vpdpbusd multiplies unsigned by signed bytes. A panel holds, for each four inputs
 * 4i ... 4i + 3, the four int8 weights of each of its 32 features side by side, so one
 * vpdpbusd adds four products of a broadcast input quad to 16 int32 sums. Then
 * y = scale_x * scale_w * (sum - 128 * sum (q_w)) + bias in fp32. The int32 sums
 * cannot overflow: 255 x 127 x 65536 (BERT_MAX_INTERMEDIATE_SIZE) < 2^31. Where the CPU
 * has AMX, the same panels are tdpbssd's weight tiles (16 quads of rows, 16 features,
 * 128 bytes apart), 32 rows x 32 features per step, with the inputs as signed q_x.
 */
#include "bert_cpu_gemm_low.h"

#if BERT_HAVE_AVX512_KERNEL
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "bert_cpu_kernels.h"
#include "bert_engine_private.h"

#define GROUP 4 /* inputs per vpdpbusd lane */
#define ZERO_POINT 128

G_STATIC_ASSERT (255LL * 127LL * BERT_MAX_INTERMEDIATE_SIZE <= G_MAXINT32);
G_STATIC_ASSERT (BERT_GEMM_STAGE_BYTES >= BERT_MAX_INTERMEDIATE_SIZE);
G_STATIC_ASSERT (BERT_MAX_INTERMEDIATE_SIZE % BERT_GEMM_INT8_K_ALIGN == 0);

gboolean
bert_gemm_int8_pack (BertLinear *linear, const float *weight, const float *bias)
{
  int k_padded = (linear->k + BERT_GEMM_INT8_K_ALIGN - 1) / BERT_GEMM_INT8_K_ALIGN * BERT_GEMM_INT8_K_ALIGN;
  gsize panel_bytes = (gsize) k_padded * BERT_GEMM_PANEL;
  gsize features = (gsize) linear->n_panels * BERT_GEMM_PANEL;
  int8_t *packed;

  linear->k_padded = k_padded;
  linear->packed_low = bert_cpu_try_alloc_floats (linear->n_panels * panel_bytes / sizeof (float));
  linear->packed_bias = bert_cpu_try_alloc_floats (features);
  linear->weight_scale = bert_cpu_try_alloc_floats (features);
  linear->weight_shift = (int32_t *) bert_cpu_try_alloc_floats (features);
  if (!linear->packed_low || !linear->packed_bias || !linear->weight_scale || !linear->weight_shift)
    return FALSE;
  packed = linear->packed_low;
  memset (packed, 0, linear->n_panels * panel_bytes);
  memset (linear->packed_bias, 0, features * sizeof (float));
  memset (linear->weight_scale, 0, features * sizeof (float));
  memset (linear->weight_shift, 0, features * sizeof (int32_t));
  for (int column = 0; column < linear->n; column++) {
    int8_t *panel = packed + (column / BERT_GEMM_PANEL) * panel_bytes + (column % BERT_GEMM_PANEL) * GROUP;
    const float *row = weight + (gsize) column * linear->k;
    float max_abs = 0.0f, inverse;
    int32_t sum = 0;

    for (int i = 0; i < linear->k; i++)
      max_abs = fmaxf (max_abs, fabsf (row[i]));
    inverse = max_abs > 0.0f ? 127.0f / max_abs : 0.0f;
    for (int i = 0; i < linear->k; i++) {
      int8_t q = (int8_t) CLAMP (lrintf (row[i] * inverse), -127, 127);

      panel[(gsize) (i / GROUP) * BERT_GEMM_PANEL * GROUP + i % GROUP] = q;
      sum += q;
    }
    linear->weight_scale[column] = max_abs / 127.0f;
    linear->weight_shift[column] = ZERO_POINT * sum;
    linear->packed_bias[column] = bias[column];
  }
  return TRUE;
}

/* rows of x quantized into stage (row stride k_padded, the pad at the zero point) and
 * their scales into row_scale. zero_point is ZERO_POINT for vpdpbusd's unsigned bytes,
 * 0 for AMX, whose tdpbssd takes signed ones. */
__attribute__ ((target ("avx512f,avx512bw"))) static void
quantize_rows (const float *x, int rows, int ldx, int k, uint8_t *stage, int k_padded, int zero_point,
    float *row_scale)
{
  for (int r = 0; r < rows; r++) {
    const float *in = x + (gsize) r * ldx;
    uint8_t *out = stage + (gsize) r * k_padded;
    /* Four running maxima: one would wait on vmaxps's latency at every vector. */
    __m512 max_abs[4] = { _mm512_setzero_ps (), _mm512_setzero_ps (), _mm512_setzero_ps (),
      _mm512_setzero_ps () };
    __m512i shift = _mm512_set1_epi32 (zero_point);
    __m512 inverse;
    float max_value;
    int i = 0;

    for (; i + 64 <= k; i += 64) {
      for (int j = 0; j < 4; j++)
        max_abs[j] = _mm512_max_ps (max_abs[j], _mm512_abs_ps (_mm512_loadu_ps (in + i + 16 * j)));
    }
    for (; i < k; i += 16) {
      __mmask16 mask = k - i >= 16 ? 0xffff : (1u << (k - i)) - 1;

      max_abs[0] = _mm512_max_ps (max_abs[0], _mm512_abs_ps (_mm512_maskz_loadu_ps (mask, in + i)));
    }
    max_value = _mm512_reduce_max_ps (
        _mm512_max_ps (_mm512_max_ps (max_abs[0], max_abs[1]), _mm512_max_ps (max_abs[2], max_abs[3])));
    inverse = _mm512_set1_ps (max_value > 0.0f ? 127.0f / max_value : 0.0f);
    row_scale[r] = max_value / 127.0f;
    for (int i = 0; i < k; i += 16) {
      __mmask16 mask = k - i >= 16 ? 0xffff : (1u << (k - i)) - 1;
      __m512 scaled = _mm512_mul_ps (_mm512_maskz_loadu_ps (mask, in + i), inverse);
      /* Rounds to nearest even (the default MXCSR mode), as lrintf for the weights. */
      __m512i q = _mm512_add_epi32 (_mm512_cvtps_epi32 (scaled), shift);

      /* The register form of vpmovdb and a plain store where whole: its store form is
       * several times slower. */
      if (mask == 0xffff)
        _mm_storeu_si128 ((__m128i *) (out + i), _mm512_cvtepi32_epi8 (q));
      else
        _mm512_mask_cvtepi32_storeu_epi8 (out + i, mask, q);
    }
    memset (out + k, zero_point, k_padded - k);
  }
}

/* y[rows, 32] for one panel: int32 sums over quads of inputs, then the fp32 epilogue. */
__attribute__ ((target ("avx512f,avx512vnni"), always_inline)) static inline void
panel_rows (const int rows, const uint8_t *x, int ldx, const int8_t *panel, int k_groups,
    const float *row_scale, const float *weight_scale, const int32_t *weight_shift, const float *bias,
    float *y, int ldy, __mmask16 low_mask, __mmask16 high_mask)
{
  __m512i acc[BERT_GEMM_KERNEL_ROWS][2];

  for (int r = 0; r < rows; r++)
    acc[r][0] = acc[r][1] = _mm512_setzero_si512 ();
  for (int i = 0; i < k_groups; i++) {
    __m512i w_low = _mm512_load_si512 (panel + (gsize) i * GROUP * BERT_GEMM_PANEL);
    __m512i w_high = _mm512_load_si512 (panel + (gsize) i * GROUP * BERT_GEMM_PANEL + 64);

    for (int r = 0; r < rows; r++) {
      uint32_t quad;
      __m512i a;

      memcpy (&quad, x + (gsize) r * ldx + GROUP * i, sizeof quad);
      a = _mm512_set1_epi32 ((int) quad);
      acc[r][0] = _mm512_dpbusd_epi32 (acc[r][0], a, w_low);
      acc[r][1] = _mm512_dpbusd_epi32 (acc[r][1], a, w_high);
    }
  }
  for (int h = 0; h < 2; h++) {
    __m512i shift = _mm512_load_si512 (weight_shift + 16 * h);
    __m512 scale = _mm512_load_ps (weight_scale + 16 * h), b = _mm512_load_ps (bias + 16 * h);
    __mmask16 mask = h == 0 ? low_mask : high_mask;

    for (int r = 0; r < rows; r++) {
      __m512 sum = _mm512_cvtepi32_ps (_mm512_sub_epi32 (acc[r][h], shift));
      __m512 out = _mm512_fmadd_ps (sum, _mm512_mul_ps (scale, _mm512_set1_ps (row_scale[r])), b);

      _mm512_mask_storeu_ps (y + (gsize) r * ldy + 16 * h, mask, out);
    }
  }
}

__attribute__ ((target ("avx512f,avx512vnni"))) static void
panel_forward (const BertLinear *linear, int p, const uint8_t *x, const float *row_scale, int rows, float *y,
    int ldy)
{
  int k_groups = linear->k_padded / GROUP, ldx = linear->k_padded;
  const int8_t *panel = (const int8_t *) linear->packed_low + (gsize) p * k_groups * GROUP * BERT_GEMM_PANEL;
  const float *weight_scale = linear->weight_scale + p * BERT_GEMM_PANEL;
  const int32_t *weight_shift = linear->weight_shift + p * BERT_GEMM_PANEL;
  const float *bias = linear->packed_bias + p * BERT_GEMM_PANEL;
  int valid = MIN (BERT_GEMM_PANEL, linear->n - p * BERT_GEMM_PANEL);
  __mmask16 low_mask = valid >= 16 ? 0xffff : (1u << valid) - 1;
  __mmask16 high_mask = valid >= 32 ? 0xffff : valid <= 16 ? 0 : (1u << (valid - 16)) - 1;

  y += p * BERT_GEMM_PANEL;
  for (int r = 0; r < rows; r += BERT_GEMM_KERNEL_ROWS) {
    const uint8_t *xr = x + (gsize) r * ldx;
    const float *sr = row_scale + r;
    float *yr = y + (gsize) r * ldy;

#define PANEL_ROWS(n)                                                                                        \
  panel_rows (n, xr, ldx, panel, k_groups, sr, weight_scale, weight_shift, bias, yr, ldy, low_mask, high_mask)
    BERT_GEMM_WITH_CONSTANT_ROWS (MIN (BERT_GEMM_KERNEL_ROWS, rows - r), PANEL_ROWS);
#undef PANEL_ROWS
  }
}

/* One panel over rows of x (signed, row stride k_padded, whole tiles of 16 rows
 * readable) with AMX: int32 sums of 32 rows x 32 features in tiles 0-3, then the fp32
 * epilogue. tdpbssd takes signed bytes, so no shift to take back. */
__attribute__ ((target ("amx-tile,amx-int8,avx512f,prfchw"))) static void
amx_panel_forward (const BertLinear *linear, int p, const int8_t *x, const float *row_scale, int rows,
    float *y, int ldy)
{
  int k_padded = linear->k_padded, valid = MIN (BERT_GEMM_PANEL, linear->n - p * BERT_GEMM_PANEL);
  const int8_t *panel = (const int8_t *) linear->packed_low + (gsize) p * k_padded * BERT_GEMM_PANEL;
  const float *weight_scale = linear->weight_scale + p * BERT_GEMM_PANEL;
  const float *bias = linear->packed_bias + p * BERT_GEMM_PANEL;
  __mmask16 masks[2] = { valid >= 16 ? 0xffff : (1u << valid) - 1,
    valid >= 32       ? 0xffff
        : valid <= 16 ? 0
                      : (1u << (valid - 16)) - 1 };
  int32_t sums[2 * BERT_GEMM_AMX_ROWS][BERT_GEMM_PANEL] __attribute__ ((aligned (64)));

  y += p * BERT_GEMM_PANEL;
  for (int r = 0; r < rows; r += 2 * BERT_GEMM_AMX_ROWS) {
    gboolean two = rows - r > BERT_GEMM_AMX_ROWS;
    const int8_t *x0 = x + (gsize) r * k_padded, *x1 = x0 + (gsize) BERT_GEMM_AMX_ROWS * k_padded;

    /* This block's output lines, to own (prefetchw) while the tiles multiply: the
     * output is mostly out of cache, and stores that miss stall the epilogue (measured
     * in bench-gemm: 19% of the int8 peak without, 22-23% with, on the wide outputs). */
    for (int i = r; i < MIN (r + 2 * BERT_GEMM_AMX_ROWS, rows); i++) {
      __builtin_prefetch (y + (gsize) i * ldy, 1, 3);
      if (valid > 16)
        __builtin_prefetch (y + (gsize) i * ldy + 16, 1, 3);
    }
    _tile_zero (0);
    _tile_zero (1);
    _tile_zero (2);
    _tile_zero (3);
    /* 64 inputs (16 quads) per step: a 64-byte tile row. */
    for (int i = 0; i < k_padded; i += 64) {
      const int8_t *w = panel + (gsize) i * BERT_GEMM_PANEL;

      _tile_loadd (4, x0 + i, k_padded);
      _tile_loadd (6, w, GROUP * BERT_GEMM_PANEL);
      _tile_loadd (7, w + 64, GROUP * BERT_GEMM_PANEL);
      _tile_dpbssd (0, 4, 6);
      _tile_dpbssd (1, 4, 7);
      if (two) {
        _tile_loadd (5, x1 + i, k_padded);
        _tile_dpbssd (2, 5, 6);
        _tile_dpbssd (3, 5, 7);
      }
    }
    _tile_stored (0, &sums[0][0], sizeof sums[0]);
    _tile_stored (1, &sums[0][16], sizeof sums[0]);
    _tile_stored (2, &sums[BERT_GEMM_AMX_ROWS][0], sizeof sums[0]);
    _tile_stored (3, &sums[BERT_GEMM_AMX_ROWS][16], sizeof sums[0]);
    for (int h = 0; h < 2; h++) {
      __m512 scale = _mm512_load_ps (weight_scale + 16 * h), b = _mm512_load_ps (bias + 16 * h);

      for (int i = 0; i < MIN (2 * BERT_GEMM_AMX_ROWS, rows - r); i++) {
        __m512 sum = _mm512_cvtepi32_ps (_mm512_load_si512 (sums[i] + 16 * h));
        __m512 out = _mm512_fmadd_ps (sum, _mm512_mul_ps (scale, _mm512_set1_ps (row_scale[r + i])), b);

        _mm512_mask_storeu_ps (y + (gsize) (r + i) * ldy + 16 * h, masks[h], out);
      }
    }
  }
}

void
bert_gemm_int8_forward (const BertLinear *linear, const float *x, int rows, int ldx, int first_panel,
    int last_panel, float *y, int ldy)
{
  uint8_t stage[BERT_GEMM_STAGE_BYTES] __attribute__ ((aligned (64)));
  float row_scale[MAX (BERT_GEMM_ROW_BLOCK, BERT_GEMM_AMX_STAGE_ROWS)];
  int capacity = (int) sizeof stage / linear->k_padded;
  /* AMX reads whole tiles of 16 rows: stages of whole tiles, the rows past the input
   * zero. */
  gboolean amx = capacity >= BERT_GEMM_AMX_ROWS && bert_gemm_amx_available ();
  int stage_rows = MIN (amx ? BERT_GEMM_AMX_STAGE_ROWS : BERT_GEMM_ROW_BLOCK, capacity);
  int zero_point = amx ? 0 : ZERO_POINT;

  if (amx) {
    stage_rows -= stage_rows % BERT_GEMM_AMX_ROWS;
    bert_gemm_amx_begin ();
  }
  for (int r = 0; r < rows; r += stage_rows) {
    int n_rows = MIN (stage_rows, rows - r);

    quantize_rows (x + (gsize) r * ldx, n_rows, ldx, linear->k, stage, linear->k_padded, zero_point,
        row_scale);
    if (amx) {
      int padded = (n_rows + BERT_GEMM_AMX_ROWS - 1) / BERT_GEMM_AMX_ROWS * BERT_GEMM_AMX_ROWS;

      memset (stage + (gsize) n_rows * linear->k_padded, 0, (gsize) (padded - n_rows) * linear->k_padded);
    }
    for (int p = first_panel; p < last_panel; p++) {
      if (amx)
        amx_panel_forward (linear, p, (const int8_t *) stage, row_scale, n_rows, y + (gsize) r * ldy, ldy);
      else
        panel_forward (linear, p, stage, row_scale, n_rows, y + (gsize) r * ldy, ldy);
    }
  }
  if (amx)
    bert_gemm_amx_end ();
}
#endif
