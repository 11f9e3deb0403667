/* bert_cpu_gemm.c: Linear layers over pre-packed weights, with cblas_sgemm as fallback. */
#include "bert_cpu_gemm.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "bert_cpu_gemm_low.h"
#include "bert_cpu_kernels.h"

#if BERT_HAVE_AVX512_KERNEL
#include <immintrin.h>
#endif

gboolean
bert_cpu_gemm_packed_enabled (void)
{
  const char *choice = g_getenv ("GST_BERT_CPU_GEMM");

  if (choice != NULL && strcmp (choice, "blas") == 0)
    return FALSE;
#if BERT_HAVE_AVX512_KERNEL
  return __builtin_cpu_supports ("avx512f");
#else
  return FALSE;
#endif
}

gboolean
bert_cpu_gemm_format_supported (BertGemmFormat format)
{
  const char *choice = g_getenv ("GST_BERT_CPU_GEMM");

  if (format == BERT_GEMM_F32)
    return TRUE;
  if (!bert_cpu_gemm_packed_enabled () || (choice != NULL && strcmp (choice, "fp32") == 0))
    return FALSE;
#if BERT_HAVE_AVX512_KERNEL
  if (format == BERT_GEMM_BF16)
    return __builtin_cpu_supports ("avx512bf16");
  return __builtin_cpu_supports ("avx512vnni") && __builtin_cpu_supports ("avx512bw");
#else
  return FALSE;
#endif
}

const char *
bert_gemm_format_name (BertGemmFormat format)
{
  switch (format) {
    case BERT_GEMM_BF16: return "bf16";
    case BERT_GEMM_INT8: return "int8";
    default: return "fp32";
  }
}

/* Panel p holds, for each of the k inputs, the weights of output features
 * p * PANEL ... p * PANEL + PANEL - 1 side by side; features past n are zero. */
static gboolean
pack_weight (BertLinear *linear)
{
  gsize panel_floats = (gsize) linear->k * BERT_GEMM_PANEL;

  linear->packed = bert_cpu_try_alloc_floats (linear->n_panels * panel_floats);
  linear->packed_bias = bert_cpu_try_alloc_floats (linear->n_panels * BERT_GEMM_PANEL);
  if (linear->packed == NULL || linear->packed_bias == NULL) {
    bert_linear_clear (linear);
    return FALSE;
  }
  /* Zero past n: the last panel's extra features compute to zero and are not stored. */
  memset (linear->packed, 0, linear->n_panels * panel_floats * sizeof (float));
  memset (linear->packed_bias, 0, linear->n_panels * BERT_GEMM_PANEL * sizeof (float));
  for (int column = 0; column < linear->n; column++) {
    float *panel = linear->packed + (column / BERT_GEMM_PANEL) * panel_floats + column % BERT_GEMM_PANEL;
    const float *row = linear->weight + (gsize) column * linear->k;

    for (int i = 0; i < linear->k; i++)
      panel[(gsize) i * BERT_GEMM_PANEL] = row[i];
    linear->packed_bias[column] = linear->bias[column];
  }
  return TRUE;
}

gboolean
bert_linear_init (BertLinear *linear, const float *weight, const float *bias, int n, int k, gboolean pack)
{
  memset (linear, 0, sizeof *linear);
  linear->n = n;
  linear->k = k;
  linear->n_panels = (n + BERT_GEMM_PANEL - 1) / BERT_GEMM_PANEL;
  linear->weight = weight;
  linear->bias = bias;
  return !pack || pack_weight (linear);
}

gboolean
bert_linear_init_low (BertLinear *linear, BertGemmFormat format, const float *weight, const float *bias,
    int n, int k)
{
  gboolean ok = FALSE;

  g_return_val_if_fail (bert_cpu_gemm_format_supported (format) && format != BERT_GEMM_F32, FALSE);
  bert_linear_init (linear, NULL, NULL, n, k, FALSE);
  linear->format = format;
#if BERT_HAVE_AVX512_KERNEL
  ok = format == BERT_GEMM_BF16 ? bert_gemm_bf16_pack (linear, weight, bias)
                                : bert_gemm_int8_pack (linear, weight, bias);
#endif
  if (!ok)
    bert_linear_clear (linear);
  return ok;
}

void
bert_linear_clear (BertLinear *linear)
{
  free (linear->packed);
  free (linear->packed_bias);
  free (linear->packed_low);
  free (linear->weight_scale);
  free (linear->weight_shift);
  linear->packed = linear->packed_bias = linear->weight_scale = NULL;
  linear->packed_low = NULL;
  linear->weight_shift = NULL;
}

gsize
bert_linear_weight_bytes (const BertLinear *linear)
{
  gsize features = (gsize) linear->n_panels * BERT_GEMM_PANEL;

  switch (linear->format) {
    case BERT_GEMM_BF16: return features * (linear->k_padded * sizeof (uint16_t) + sizeof (float));
    case BERT_GEMM_INT8: return features * (linear->k_padded + 2 * sizeof (float) + sizeof (int32_t));
    default:
      if (linear->packed != NULL)
        return features * (linear->k + 1) * sizeof (float);
      return (gsize) linear->n * (linear->k + 1) * sizeof (float);
  }
}

#if BERT_HAVE_AVX512_KERNEL
/* y[rows, 32] = x[rows, k] panel[k, 32] + bias[32], rows <= BERT_GEMM_KERNEL_ROWS, stored under
 * the masks of the two 16-float halves. Inlined with rows constant so that the
 * accumulators live in registers. */
__attribute__ ((target ("avx512f"), always_inline)) static inline void
panel_rows (const int rows, const float *x, int ldx, const float *panel, const float *bias, int k, float *y,
    int ldy, __mmask16 low_mask, __mmask16 high_mask)
{
  __m512 acc[BERT_GEMM_KERNEL_ROWS][2];
  __m512 bias_low = _mm512_load_ps (bias), bias_high = _mm512_load_ps (bias + 16);

  for (int r = 0; r < rows; r++) {
    acc[r][0] = bias_low;
    acc[r][1] = bias_high;
  }
  for (int i = 0; i < k; i++) {
    __m512 w_low = _mm512_load_ps (panel + (gsize) i * BERT_GEMM_PANEL);
    __m512 w_high = _mm512_load_ps (panel + (gsize) i * BERT_GEMM_PANEL + 16);

    for (int r = 0; r < rows; r++) {
      __m512 a = _mm512_set1_ps (x[(gsize) r * ldx + i]);

      acc[r][0] = _mm512_fmadd_ps (a, w_low, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps (a, w_high, acc[r][1]);
    }
  }
  for (int r = 0; r < rows; r++) {
    _mm512_mask_storeu_ps (y + (gsize) r * ldy, low_mask, acc[r][0]);
    _mm512_mask_storeu_ps (y + (gsize) r * ldy + 16, high_mask, acc[r][1]);
  }
}

__attribute__ ((target ("avx512f"))) static void
panel_forward (const BertLinear *linear, int p, const float *x, int rows, int ldx, float *y, int ldy)
{
  const float *panel = linear->packed + (gsize) p * linear->k * BERT_GEMM_PANEL;
  const float *bias = linear->packed_bias + p * BERT_GEMM_PANEL;
  int valid = MIN (BERT_GEMM_PANEL, linear->n - p * BERT_GEMM_PANEL);
  __mmask16 low_mask = valid >= 16 ? 0xffff : (1u << valid) - 1;
  __mmask16 high_mask = valid >= 32 ? 0xffff : valid <= 16 ? 0 : (1u << (valid - 16)) - 1;

  y += p * BERT_GEMM_PANEL;
  for (int r = 0; r < rows; r += BERT_GEMM_KERNEL_ROWS) {
    const float *xr = x + (gsize) r * ldx;
    float *yr = y + (gsize) r * ldy;

#define PANEL_ROWS(n) panel_rows (n, xr, ldx, panel, bias, linear->k, yr, ldy, low_mask, high_mask)
    BERT_GEMM_WITH_CONSTANT_ROWS (MIN (BERT_GEMM_KERNEL_ROWS, rows - r), PANEL_ROWS);
#undef PANEL_ROWS
  }
}

static void
packed_forward (const BertLinear *linear, const float *x, int rows, int ldx, int first_panel, int last_panel,
    float *y, int ldy)
{
  for (int r = 0; r < rows; r += BERT_GEMM_ROW_BLOCK)
    for (int p = first_panel; p < last_panel; p++)
      panel_forward (linear, p, x + (gsize) r * ldx, MIN (BERT_GEMM_ROW_BLOCK, rows - r), ldx,
          y + (gsize) r * ldy, ldy);
}
#endif

void
bert_linear_forward (const BertLinear *linear, const float *x, int rows, int ldx, int column_begin,
    int column_end, float *y, int ldy)
{
  if (column_begin >= column_end || rows == 0)
    return;
#if BERT_HAVE_AVX512_KERNEL
  int first_panel = column_begin / BERT_GEMM_PANEL;
  int last_panel = (column_end + BERT_GEMM_PANEL - 1) / BERT_GEMM_PANEL;

  if (linear->format == BERT_GEMM_BF16) {
    bert_gemm_bf16_forward (linear, x, rows, ldx, first_panel, last_panel, y, ldy);
    return;
  }
  if (linear->format == BERT_GEMM_INT8) {
    bert_gemm_int8_forward (linear, x, rows, ldx, first_panel, last_panel, y, ldy);
    return;
  }
  if (linear->packed != NULL) {
    packed_forward (linear, x, rows, ldx, first_panel, last_panel, y, ldy);
    return;
  }
#endif
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, rows, column_end - column_begin, linear->k, 1.0f, x,
      ldx, linear->weight + (gsize) column_begin * linear->k, linear->k, 0.0f, y + column_begin, ldy);
  bert_cpu_bias (y + column_begin, rows, column_end - column_begin, ldy, linear->bias + column_begin);
}
