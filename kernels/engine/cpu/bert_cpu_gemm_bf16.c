/* bert_cpu_gemm_bf16.c: the BF16 Linear kernel, vdpbf16ps over bf16 weight panels.
 *
 * A panel holds, for each pair of inputs (2i, 2i + 1), the two bf16 weights of each of
 * its 32 output features side by side, so one 64-byte load gives 16 features' pairs and
 * one vdpbf16ps adds both products of a broadcast input pair to 16 fp32 sums. The same
 * layout is what AMX's tdpbf16ps takes as its weight tile (16 pairs of rows, 16 features,
 * 128 bytes apart), so where the CPU has AMX the panels run through tiles instead, 32
 * rows x 32 features per step.
 */
#include "bert_cpu_gemm_low.h"

#if BERT_HAVE_AVX512_KERNEL
#include <immintrin.h>
#include <string.h>

#include "bert_cpu_kernels.h"
#include "bert_engine_private.h"

G_STATIC_ASSERT (BERT_GEMM_STAGE_BYTES >= 2 * BERT_MAX_INTERMEDIATE_SIZE);
G_STATIC_ASSERT (BERT_MAX_INTERMEDIATE_SIZE % BERT_GEMM_BF16_K_ALIGN == 0);

/* Round to nearest even, as vcvtne2ps2bf16 does; NaN stays a quiet NaN. */
static uint16_t
bf16_from_float (float value)
{
  uint32_t bits;

  memcpy (&bits, &value, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return (uint16_t) ((bits >> 16) | 0x40);
  return (uint16_t) ((bits + 0x7fffu + ((bits >> 16) & 1)) >> 16);
}

gboolean
bert_gemm_bf16_pack (BertLinear *linear, const float *weight, const float *bias)
{
  int k_padded = (linear->k + BERT_GEMM_BF16_K_ALIGN - 1) / BERT_GEMM_BF16_K_ALIGN * BERT_GEMM_BF16_K_ALIGN;
  gsize panel_values = (gsize) k_padded * BERT_GEMM_PANEL;
  uint16_t *packed;

  linear->k_padded = k_padded;
  /* Two bf16 values per float of the allocation. */
  linear->packed_low = bert_cpu_try_alloc_floats (linear->n_panels * panel_values / 2);
  linear->packed_bias = bert_cpu_try_alloc_floats (linear->n_panels * BERT_GEMM_PANEL);
  if (linear->packed_low == NULL || linear->packed_bias == NULL)
    return FALSE;
  packed = linear->packed_low;
  memset (packed, 0, linear->n_panels * panel_values * sizeof *packed);
  memset (linear->packed_bias, 0, linear->n_panels * BERT_GEMM_PANEL * sizeof (float));
  for (int column = 0; column < linear->n; column++) {
    uint16_t *panel = packed + (column / BERT_GEMM_PANEL) * panel_values + (column % BERT_GEMM_PANEL) * 2;
    const float *row = weight + (gsize) column * linear->k;

    for (int i = 0; i < linear->k; i++)
      panel[(gsize) (i / 2) * BERT_GEMM_PANEL * 2 + i % 2] = bf16_from_float (row[i]);
    linear->packed_bias[column] = bias[column];
  }
  return TRUE;
}

/* rows of x, rounded to bf16, into stage (row stride k_padded, the pad zero). */
__attribute__ ((target ("avx512f,avx512bw,avx512bf16"))) static void
round_rows (const float *x, int rows, int ldx, int k, uint16_t *stage, int k_padded)
{
  for (int r = 0; r < rows; r++) {
    const float *in = x + (gsize) r * ldx;
    uint16_t *out = stage + (gsize) r * k_padded;

    for (int i = 0; i < k; i += 32) {
      int left = k - i;
      __mmask16 low = left >= 16 ? 0xffff : (1u << left) - 1;
      __mmask16 high = left >= 32 ? 0xffff : left <= 16 ? 0 : (1u << (left - 16)) - 1;
      __mmask32 both = left >= 32 ? 0xffffffffu : (1u << left) - 1;
      __m512 lo = _mm512_maskz_loadu_ps (low, in + i);
      __m512 hi = _mm512_maskz_loadu_ps (high, in + i + 16);

      _mm512_mask_storeu_epi16 (out + i, both, (__m512i) _mm512_cvtne2ps_pbh (hi, lo));
    }
    memset (out + k, 0, (k_padded - k) * sizeof *out);
  }
}

/* y[rows, 32] = x[rows, k] panel + bias, as the fp32 kernel, over pairs of inputs. */
__attribute__ ((target ("avx512f,avx512bf16"), always_inline)) static inline void
panel_rows (const int rows, const uint16_t *x, int ldx, const uint16_t *panel, const float *bias, int k_pairs,
    float *y, int ldy, __mmask16 low_mask, __mmask16 high_mask)
{
  __m512 acc[BERT_GEMM_KERNEL_ROWS][2];
  __m512 bias_low = _mm512_load_ps (bias), bias_high = _mm512_load_ps (bias + 16);

  for (int r = 0; r < rows; r++) {
    acc[r][0] = bias_low;
    acc[r][1] = bias_high;
  }
  for (int i = 0; i < k_pairs; i++) {
    __m512bh w_low = (__m512bh) _mm512_load_si512 (panel + (gsize) i * 2 * BERT_GEMM_PANEL);
    __m512bh w_high = (__m512bh) _mm512_load_si512 (panel + (gsize) i * 2 * BERT_GEMM_PANEL + 32);

    for (int r = 0; r < rows; r++) {
      uint32_t pair;
      __m512bh a;

      memcpy (&pair, x + (gsize) r * ldx + 2 * i, sizeof pair);
      a = (__m512bh) _mm512_set1_epi32 ((int) pair);
      acc[r][0] = _mm512_dpbf16_ps (acc[r][0], a, w_low);
      acc[r][1] = _mm512_dpbf16_ps (acc[r][1], a, w_high);
    }
  }
  for (int r = 0; r < rows; r++) {
    _mm512_mask_storeu_ps (y + (gsize) r * ldy, low_mask, acc[r][0]);
    _mm512_mask_storeu_ps (y + (gsize) r * ldy + 16, high_mask, acc[r][1]);
  }
}

__attribute__ ((target ("avx512f,avx512bf16"))) static void
panel_forward (const BertLinear *linear, int p, const uint16_t *x, int rows, float *y, int ldy)
{
  int k_pairs = linear->k_padded / 2;
  const uint16_t *panel = (const uint16_t *) linear->packed_low + (gsize) p * k_pairs * BERT_GEMM_PANEL * 2;
  const float *bias = linear->packed_bias + p * BERT_GEMM_PANEL;
  int valid = MIN (BERT_GEMM_PANEL, linear->n - p * BERT_GEMM_PANEL), ldx = linear->k_padded;
  __mmask16 low_mask = valid >= 16 ? 0xffff : (1u << valid) - 1;
  __mmask16 high_mask = valid >= 32 ? 0xffff : valid <= 16 ? 0 : (1u << (valid - 16)) - 1;

  y += p * BERT_GEMM_PANEL;
  for (int r = 0; r < rows; r += BERT_GEMM_KERNEL_ROWS) {
    const uint16_t *xr = x + (gsize) r * ldx;
    float *yr = y + (gsize) r * ldy;

#define PANEL_ROWS(n) panel_rows (n, xr, ldx, panel, bias, k_pairs, yr, ldy, low_mask, high_mask)
    BERT_GEMM_WITH_CONSTANT_ROWS (MIN (BERT_GEMM_KERNEL_ROWS, rows - r), PANEL_ROWS);
#undef PANEL_ROWS
  }
}

/* One panel over rows of x (row stride k_padded, whole tiles of 16 rows readable) with
 * AMX: sums of 32 rows x 32 features in tiles 0-3, then bias and masked stores. */
__attribute__ ((target ("amx-tile,amx-bf16,avx512f"))) static void
amx_panel_forward (const BertLinear *linear, int p, const uint16_t *x, int rows, float *y, int ldy)
{
  int k_padded = linear->k_padded, valid = MIN (BERT_GEMM_PANEL, linear->n - p * BERT_GEMM_PANEL);
  const uint16_t *panel = (const uint16_t *) linear->packed_low + (gsize) p * k_padded * BERT_GEMM_PANEL;
  const float *bias = linear->packed_bias + p * BERT_GEMM_PANEL;
  __mmask16 low_mask = valid >= 16 ? 0xffff : (1u << valid) - 1;
  __mmask16 high_mask = valid >= 32 ? 0xffff : valid <= 16 ? 0 : (1u << (valid - 16)) - 1;
  float sums[2 * BERT_GEMM_AMX_ROWS][BERT_GEMM_PANEL] __attribute__ ((aligned (64)));

  y += p * BERT_GEMM_PANEL;
  for (int r = 0; r < rows; r += 2 * BERT_GEMM_AMX_ROWS) {
    gboolean two = rows - r > BERT_GEMM_AMX_ROWS;
    const uint16_t *x0 = x + (gsize) r * k_padded, *x1 = x0 + (gsize) BERT_GEMM_AMX_ROWS * k_padded;

    _tile_zero (0);
    _tile_zero (1);
    _tile_zero (2);
    _tile_zero (3);
    /* 32 inputs (16 pairs) per step: a 64-byte tile row. */
    for (int i = 0; i < k_padded; i += 32) {
      const uint16_t *w = panel + (gsize) i * BERT_GEMM_PANEL;

      _tile_loadd (4, x0 + i, k_padded * sizeof *x);
      _tile_loadd (6, w, 2 * BERT_GEMM_PANEL * sizeof *w);
      _tile_loadd (7, w + BERT_GEMM_PANEL, 2 * BERT_GEMM_PANEL * sizeof *w);
      _tile_dpbf16ps (0, 4, 6);
      _tile_dpbf16ps (1, 4, 7);
      if (two) {
        _tile_loadd (5, x1 + i, k_padded * sizeof *x);
        _tile_dpbf16ps (2, 5, 6);
        _tile_dpbf16ps (3, 5, 7);
      }
    }
    _tile_stored (0, &sums[0][0], sizeof sums[0]);
    _tile_stored (1, &sums[0][16], sizeof sums[0]);
    _tile_stored (2, &sums[BERT_GEMM_AMX_ROWS][0], sizeof sums[0]);
    _tile_stored (3, &sums[BERT_GEMM_AMX_ROWS][16], sizeof sums[0]);
    for (int i = 0; i < MIN (2 * BERT_GEMM_AMX_ROWS, rows - r); i++) {
      float *out = y + (gsize) (r + i) * ldy;

      _mm512_mask_storeu_ps (out, low_mask, _mm512_add_ps (_mm512_load_ps (sums[i]), _mm512_load_ps (bias)));
      _mm512_mask_storeu_ps (out + 16, high_mask,
          _mm512_add_ps (_mm512_load_ps (sums[i] + 16), _mm512_load_ps (bias + 16)));
    }
  }
}

void
bert_gemm_bf16_forward (const BertLinear *linear, const float *x, int rows, int ldx, int first_panel,
    int last_panel, float *y, int ldy)
{
  uint16_t stage[BERT_GEMM_STAGE_BYTES / sizeof (uint16_t)] __attribute__ ((aligned (64)));
  int capacity = (int) G_N_ELEMENTS (stage) / linear->k_padded;
  /* AMX reads whole tiles of 16 rows: stages of whole tiles, the rows past the input zero. */
  gboolean amx = capacity >= BERT_GEMM_AMX_ROWS && bert_gemm_amx_available ();
  int stage_rows = MIN (amx ? BERT_GEMM_AMX_STAGE_ROWS : BERT_GEMM_ROW_BLOCK, capacity);

  if (amx) {
    stage_rows -= stage_rows % BERT_GEMM_AMX_ROWS;
    bert_gemm_amx_begin ();
  }
  for (int r = 0; r < rows; r += stage_rows) {
    int n_rows = MIN (stage_rows, rows - r);

    round_rows (x + (gsize) r * ldx, n_rows, ldx, linear->k, stage, linear->k_padded);
    if (amx) {
      int padded = (n_rows + BERT_GEMM_AMX_ROWS - 1) / BERT_GEMM_AMX_ROWS * BERT_GEMM_AMX_ROWS;

      memset (stage + (gsize) n_rows * linear->k_padded, 0,
          (gsize) (padded - n_rows) * linear->k_padded * sizeof *stage);
    }
    for (int p = first_panel; p < last_panel; p++) {
      if (amx)
        amx_panel_forward (linear, p, stage, n_rows, y + (gsize) r * ldy, ldy);
      else
        panel_forward (linear, p, stage, n_rows, y + (gsize) r * ldy, ldy);
    }
  }
  if (amx)
    bert_gemm_amx_end ();
}
#endif
